"""Serving a simulated year for an auditor: the record must stay the one the run wrote.

The served app's timer ticks on the wall clock. Left on, it expired every request and notice
the simulated year left open, today, and appended those entries to the log under audit (60
entries on smalltown's six weeks), so the log no longer matched the run's own summary.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from app.cli import cli
from tests.sim.test_compare_outputs import town

WIDE = {"COLUMNS": "400"}  # keep rich from wrapping the printed command


def _served(monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[FastAPI, str]:
    served: dict[str, Any] = {}
    monkeypatch.setattr("uvicorn.run", lambda app, **kwargs: served.setdefault("app", app))
    result = CliRunner().invoke(cli, ["serve", *args], env=WIDE)
    assert result.exit_code == 0, result.output
    return served["app"], " ".join(result.output.split())


def test_a_simulated_year_is_served_unchanged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONSENTGATE_SECRET_FILE", str(tmp_path / "secret.key"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    db, out = tmp_path / "sim.db", tmp_path / "run"
    simulated = CliRunner().invoke(
        cli, ["simulate", str(town(tmp_path)), "--db", str(db), "--out", str(out)], env=WIDE
    )
    assert simulated.exit_code == 0, simulated.output
    # The command the run prints is the one that serves it unchanged.
    hint = f"consentgate serve --db {db} --policy privacy-by-design --tick-seconds 0"
    assert hint in " ".join(simulated.output.split())
    with (out / "summary.csv").open() as f:
        entries = next(int(r["value"]) for r in csv.DictReader(f) if r["metric"] == "audit_entries")

    app, output = _served(monkeypatch, *hint.split()[2:])
    assert "timer: off" in output
    assert app.state.runtime.settings.tick_seconds == 0
    with TestClient(app) as client:  # the lifespan runs, as under uvicorn
        assert client.get("/healthz").status_code == 200
        tail = app.state.runtime.read(lambda ctx: ctx.store.audit_tail())
        assert tail is not None and tail.seq + 1 == entries

    # Without the option the timer is on, and the start-up lines say so and how to stop it.
    _, output = _served(monkeypatch, "--db", str(db))
    assert "timer: tick every 30 s" in output and "--tick-seconds 0" in output


def test_a_negative_period_is_refused_by_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONSENTGATE_SECRET_FILE", str(tmp_path / "secret.key"))
    result = CliRunner().invoke(cli, ["serve", "--tick-seconds", "-1"], env=WIDE)
    said = " ".join(result.output.replace("│", " ").split())
    assert result.exit_code == 2 and "'--tick-seconds'" in said
    assert "greater than or equal to 0" in said  # the option exists and names its bound
