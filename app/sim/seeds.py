"""Child seeds spawned from one scenario seed, so every stream is reproducible on its own.

Each stream (city, incidents, residents, ids, a replication) gets a seed derived by hashing the
parent seed with the stream's name: changing how residents behave does not move the city, and
mesa's pitfall of RNG streams reset separately (STYLE.md) cannot happen.
"""

from __future__ import annotations

import hashlib
import random
import uuid
from collections.abc import Callable


def derive_seed(seed: int, *path: object) -> int:
    text = "/".join([str(seed), *(str(p) for p in path)])
    # 63 bits: a seed fits a signed 64-bit column (Parquet int64) as well as any generator.
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big") >> 1


def stream(seed: int, *path: object) -> random.Random:
    """An independent generator for one named stream."""
    # Not for secrets: simulations need reproducible draws, which is what S311 warns about.
    return random.Random(derive_seed(seed, *path))  # noqa: S311


# What uuid.UUID(int=n, version=4) does to n: the RFC 4122 variant and the version bits.
_V4_CLEAR = ~((0xC000 << 48) | (0xF000 << 64))
_V4_SET = (0x8000 << 48) | (4 << 76)


def id_source(seed: int) -> Callable[[], uuid.UUID]:
    """Seeded version-4 UUIDs for `Ctx.new_id`: the same run gives the same ids.

    Each id is exactly uuid.UUID(int=getrandbits(128), version=4) (tests/sim/test_seeds.py),
    built without UUID.__init__'s argument checks: a simulation draws one per record and per
    audit entry.
    """
    rng = random.Random(derive_seed(seed, "ids"))  # noqa: S311 (reproducible ids, not secrets)
    getrandbits = rng.getrandbits
    new, unknown, uuid_type = object.__new__, _UNKNOWN, uuid.UUID
    # UUID's two slots set through their descriptors, as UUID.__init__'s object.__setattr__
    # does after looking each up by name: no lookup per id.
    slots = vars(uuid_type)
    set_int, set_safe = slots["int"].__set__, slots["is_safe"].__set__

    def new_id() -> uuid.UUID:
        made: uuid.UUID = new(uuid_type)
        set_int(made, (getrandbits(128) & _V4_CLEAR) | _V4_SET)
        set_safe(made, unknown)
        return made

    return new_id


_UNKNOWN = uuid.SafeUUID.unknown
