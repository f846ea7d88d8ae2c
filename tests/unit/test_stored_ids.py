"""The bulk runs' filter of stored ids: never "absent" for an added id, rarely "present"
for another, a few bytes an id."""

from __future__ import annotations

import random
import uuid

from registry.commands.stored_ids import StoredIds
from registry.keys import Keys


def ids(count: int, seed: int) -> list[int]:
    """Ids of the kinds the registry makes: random (uuid4), from natural keys (uuid5) and
    from a keyed MAC of a PIN (the PIN index)."""
    rng = random.Random(seed)
    keys = Keys(b"secret")
    third = count // 3
    return (
        [uuid.UUID(int=rng.getrandbits(128), version=4).int for _ in range(third)]
        + [uuid.uuid5(uuid.NAMESPACE_URL, f"certificate:{seed}-{i}").int for i in range(third)]
        + [keys.pin_index_id(f"{seed}{i:013d}").int for i in range(count - 2 * third)]
    )


def test_every_added_id_is_present_through_every_layer_the_filter_grew():
    added = ids(200_000, seed=1)
    stored = StoredIds(added[:1000], capacity=1000)
    stored.update(added[1000:])
    assert len(stored._layers) >= 4  # grown from 1,000 to 200,000
    assert all(key in stored for key in added)


def test_an_id_never_added_is_rarely_present_and_an_id_takes_a_few_bytes():
    added = ids(300_000, seed=2)
    stored = StoredIds(added)
    absent = ids(100_000, seed=3)
    assert not set(absent) & set(added)
    wrongly_present = sum(key in stored for key in absent)
    assert wrongly_present / len(absent) < 0.02
    assert stored.nbytes / len(added) < 10  # a set of UUID.int takes ~75 bytes an id
