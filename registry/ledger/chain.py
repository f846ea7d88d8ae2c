"""The hash chain over the global event log: its canonical encoding (rows read in
`registry.storage.raw`).

Link format (version 1), reproducible by an auditor with any SHA-256 tool:

    digest(e) = SHA-256( originator_id as 32 lower-case hex ASCII characters
                       || originator_version as 8-byte big-endian
                       || length of topic (UTF-8) as 4-byte big-endian || topic (UTF-8)
                       || length of state as 8-byte big-endian || state (the stored bytes) )
    link(0)   = SHA-256("kg-teacher-registry/ledger/v1")          (the genesis)
    link(e)   = SHA-256( link(previous event) || position(e) as 8-byte big-endian
                       || digest(e) )

Each link so covers the position, aggregate id, version, topic and stored bytes of its
event and, through the previous link, everything before it.
"""

from __future__ import annotations

import struct
from hashlib import sha256
from typing import Any
from uuid import UUID

from registry.storage.raw import RawEvent

ALGORITHM = "sha256-chain-v1"
GENESIS = sha256(b"kg-teacher-registry/ledger/v1").digest()
DIGEST_BYTES = 16  # per-event digest kept in checkpoints (localises a change; the links detect it)
ENTRY = struct.Struct(f">Q{DIGEST_BYTES}s")  # one checkpoint entry: position, digest prefix

_VERSION_AND_TOPIC_LENGTH = struct.Struct(">QI").pack
_U64 = struct.Struct(">Q").pack


def canonical_id(originator_id: Any) -> bytes:
    """The aggregate id as 32 lower-case hex ASCII bytes, whatever the engine returned."""
    if type(originator_id) is bytes and len(originator_id) == 16:  # PostgreSQL's uuid_send
        return originator_id.hex().encode()
    if isinstance(originator_id, UUID):
        return originator_id.hex.encode()
    return str(originator_id).replace("-", "").lower().encode()


def event_digest(event: RawEvent) -> bytes:
    """SHA-256 of one event's canonical content (everything but its position)."""
    try:
        topic = event.topic.encode()
        state = event.state if type(event.state) is bytes else _as_bytes(event.state)
        hasher = sha256(canonical_id(event.originator_id))
        hasher.update(_VERSION_AND_TOPIC_LENGTH(event.version, len(topic)))
    except (AttributeError, TypeError, struct.error, OverflowError):
        # A row tampered into values of the wrong type (SQLite stores anything): give it
        # a digest no well-formed event can have, so it shows as altered, not as a crash.
        return sha256(b"malformed:" + repr(tuple(event[1:])).encode()).digest()
    hasher.update(topic)
    hasher.update(_U64(len(state)))
    hasher.update(state)
    return hasher.digest()


def _as_bytes(value: Any) -> bytes:
    if isinstance(value, str):
        return value.encode()
    return bytes(value)  # memoryview, bytearray


def next_link(previous: bytes, position: int, digest: bytes) -> bytes:
    """The chain link of an event at `position` whose content digest is `digest`."""
    return sha256(previous + _U64(position) + digest).digest()


def chain_batch(events: list[RawEvent], link: bytes) -> tuple[list[bytes], list[bytes]]:
    """The digest and the chain link of each event of a batch (the verifier's hot loop:
    the common row shapes are encoded inline, anything else through `event_digest`)."""
    digests: list[bytes] = []
    links: list[bytes] = []
    new_sha, u64, version_and_length = sha256, _U64, _VERSION_AND_TOPIC_LENGTH
    for event in events:
        position, originator_id, version, topic, state = event
        kind = type(originator_id)
        if (
            type(state) is bytes
            and type(topic) is str
            and type(version) is int
            and (kind is str or (kind is bytes and len(originator_id) == 16))
        ):
            oid = (
                originator_id.hex().encode()
                if kind is bytes
                else originator_id.replace("-", "").lower().encode()
            )
            topic_bytes = topic.encode()
            hasher = new_sha(oid)
            hasher.update(version_and_length(version, len(topic_bytes)))
            hasher.update(topic_bytes)
            hasher.update(u64(len(state)))
            hasher.update(state)
            digest = hasher.digest()
        else:
            digest = event_digest(RawEvent(*event))
        link = new_sha(link + u64(position) + digest).digest()
        digests.append(digest)
        links.append(link)
    return digests, links


def chain(events: list[RawEvent], previous: bytes = GENESIS) -> bytes:
    """The link after a run of events, starting from `previous`."""
    for event in events:
        previous = next_link(previous, event.position, event_digest(event))
    return previous
