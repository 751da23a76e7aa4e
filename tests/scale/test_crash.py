"""Crash safety (issue 8): SIGKILL the server inside a write, restart, and check that the
database is intact, the audit log verifies, every release has its entry, and every write the
server acknowledged is still there. `make stress` repeats it (CONSENTGATE_CRASH_ROUNDS)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from app.config import Settings
from tests.scale.crash import crash_round

ROUNDS = int(os.environ.get("CONSENTGATE_CRASH_ROUNDS", "1"))


@pytest.mark.parametrize("round_number", range(ROUNDS))
def test_sigkill_inside_a_write_loses_nothing_acknowledged(
    settings: Settings, tmp_path: Path, round_number: int
) -> None:
    report = crash_round(settings, tmp_path)
    assert report.acknowledged >= 10 and report.audit_entries > 0
    print(f"crash round {round_number}: {report}")
