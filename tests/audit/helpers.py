"""A small log built in memory, and its export, for the verifier's tests."""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from datetime import timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app.audit.bundle import entry_dict
from app.audit.verifier import entry_line
from app.clock import SimulatedClock
from app.policies import load_policy
from app.store.memory import MemoryStore
from app.workflow import audit
from app.workflow.auditor import all_entries, current_checkpoint
from app.workflow.context import SYSTEM, Ctx
from app.workflow.signed_note import Signer, sign_checkpoint
from tests.conftest import START

ORIGIN = "consentgate.test/audit-log"


def seeded_ids(seed: int) -> Callable[[], uuid.UUID]:
    rng = random.Random(seed)
    return lambda: uuid.UUID(int=rng.getrandbits(128), version=4)


def memory_log(size: int, seed: int = 7) -> Ctx:
    clock = SimulatedClock(START)
    ctx = Ctx(MemoryStore(), clock, load_policy("privacy-by-design"), seeded_ids(seed))
    for i in range(size):
        clock.advance(timedelta(seconds=1))
        audit.record(ctx, SYSTEM, f"test.step{i % 3}", "thing", i, {"n": i, "note": "x" * (i % 4)})
    return ctx


def fixed_signer(seed: int = 1) -> Signer:
    return Signer(ORIGIN, Ed25519PrivateKey.from_private_bytes(bytes([seed]) * 32))


def exported(ctx: Ctx, signer: Signer) -> tuple[list[str], str]:
    lines = [entry_line(entry_dict(e)) for e in all_entries(ctx)]
    return lines, sign_checkpoint(signer, current_checkpoint(ctx, signer.name))
