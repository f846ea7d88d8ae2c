"""The signing key's private half: a PKCS#8 PEM file, readable by its owner only.

It lives in the instance folder (`signing_key`) or where `REGISTRY_SIGNING_KEY_FILE`
says, never in the event store: the log holds only public keys. Losing it loses
nothing already issued (credentials verify against the public keys in the log); a new
key is then made with `registry credentials rotate-key`.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    load_pem_private_key,
)


class KeyFileError(Exception):
    """The key file is missing or is not an Ed25519 private key."""


def generate() -> Ed25519PrivateKey:
    """A new Ed25519 key pair."""
    return Ed25519PrivateKey.generate()


def pem(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())


def load(path: Path) -> Ed25519PrivateKey:
    """The private key in a file; KeyFileError if there is none or it is something else."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise KeyFileError(f"no signing key at {path}") from None
    try:
        key = load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as error:
        raise KeyFileError(f"{path} is not a PEM private key: {error}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyFileError(f"{path} is not an Ed25519 key")
    return key


def create(path: Path) -> Ed25519PrivateKey:
    """Make a key in a file that does not exist yet (another process making it at the
    same moment wins, and its key is returned)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    key = generate()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return load(path)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem(key))
    return key


def stage(path: Path, key: Ed25519PrivateKey) -> Path:
    """Write a key beside `path` under a temporary name (to `replace` it once the key is
    recorded)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    staged = path.with_name(path.name + ".new")
    fd = os.open(staged, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem(key))
    return staged


def replace(staged: Path, path: Path) -> None:
    """Put a staged key in place (atomically: a reader sees the old key or the new one)."""
    os.replace(staged, path)
