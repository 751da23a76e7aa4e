"""The seeded id source gives exactly the UUIDs uuid.UUID(int=..., version=4) would."""

from __future__ import annotations

import pickle
import random
import uuid

from app.sim.seeds import derive_seed, id_source


def test_seeded_ids_are_the_uuids_the_constructor_makes() -> None:
    for seed in (0, 1, 42, 2**62):
        rng = random.Random(derive_seed(seed, "ids"))
        new_id = id_source(seed)
        for _ in range(2000):
            expected = uuid.UUID(int=rng.getrandbits(128), version=4)
            made = new_id()
            assert type(made) is uuid.UUID
            assert made == expected and made.int == expected.int
            assert str(made) == str(expected) and hash(made) == hash(expected)
            assert made.version == 4 and made.variant == uuid.RFC_4122
            assert made.is_safe is expected.is_safe
            assert pickle.loads(pickle.dumps(made)) == expected  # noqa: S301 (our own bytes)
