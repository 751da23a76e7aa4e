"""The transparency report counts what happened, per agency and overall, in three formats."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from typing import Any

import pytest
from typer.testing import CliRunner

from app.cli import cli
from app.workflow import log_scan
from tests.factories import World, iso


def _scenario(world: World) -> tuple[Any, Any]:
    lakeside = world.agency(name="Lakeside PD")
    hillview = world.agency(name="Hillview PD")
    dana = world.resident()
    eli = world.resident(north_m=40, name="Eli")
    world.resident(north_m=80, name="Fay")
    first = world.file(lakeside)
    world.share(dana, first["id"], dana.clips[:2])  # two clips of 5 minutes each
    world.ok("POST", f"/me/requests/{first['id']}/decline", eli.headers)
    world.file(hillview)
    world.client.post(
        "/portal/requests", headers=hillview.headers, json=world.request_body(radius_m=1000)
    )
    return lakeside, hillview


def _report(world: World, fmt: str = "json", **period: str) -> Any:
    query = "&".join([f"format={fmt}", *(f"{k}={v}" for k, v in period.items())])
    response = world.client.get(f"/reports/transparency?{query}", headers=world.auditor)
    assert response.status_code == 200, response.text
    return response.json() if fmt == "json" else response.text


def test_figures_per_agency_and_overall(world: World) -> None:
    lakeside, hillview = _scenario(world)
    report = _report(world)
    overall = report["overall"]
    assert overall["requests.consent"] == 2 and overall["requests.refused"] == 1
    assert overall["notices.sent"] == 6  # three residents, two requests
    assert overall["notices.shared"] == 1 and overall["notices.declined"] == 1
    assert overall["notices.pending"] == 4
    assert overall["releases.consent"] == 2 and overall["residents_affected"] == 1
    assert overall["footage_hours_disclosed"] == pytest.approx(10 / 60, abs=1e-3)
    assert overall["share_rate"] == pytest.approx(1 / 6, abs=1e-4)
    by_name = {a["agency_name"]: a for a in report["agencies"]}
    assert by_name["Lakeside PD"]["agency_id"] == str(lakeside.id)
    assert by_name["Lakeside PD"]["releases.consent"] == 2
    assert by_name["Lakeside PD"]["requests.refused"] == 0
    assert by_name["Hillview PD"]["releases.consent"] == 0
    assert by_name["Hillview PD"]["requests.refused"] == 1
    assert by_name["Hillview PD"]["agency_id"] == str(hillview.id)


def test_the_period_bounds_what_is_counted(world: World) -> None:
    _scenario(world)
    later = world.clock.now() + timedelta(days=1)
    empty = _report(world, **{"from": iso(later), "to": iso(later + timedelta(days=1))})
    assert empty["overall"]["requests.consent"] == 0 and empty["agencies"] == []
    bad = world.client.get(
        f"/reports/transparency?from={iso(later)}&to={iso(later)}", headers=world.auditor
    )
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_period"
    naive = world.client.get(
        "/reports/transparency?from=2026-01-01T00:00:00", headers=world.auditor
    )
    assert naive.status_code == 422 and naive.json()["code"] == "naive_datetime"


def test_an_agencys_name_stays_in_its_markdown_cell(world: World) -> None:
    # A line break split the header row (the table stopped rendering), and <b> was markup.
    named = world.agency(name="Pipe | PD\nline2 <b>")
    world.file(named)
    markdown = _report(world, "markdown")
    header = next(line for line in markdown.splitlines() if line.startswith("| figure |"))
    assert header == "| figure | overall | Pipe / PD line2 &lt;b&gt; |"
    columns = {line.count("|") for line in markdown.splitlines() if line.startswith("|")}
    assert columns == {4}


def test_csv_and_markdown_carry_the_same_figures(world: World) -> None:
    _scenario(world)
    rows = list(csv.DictReader(io.StringIO(_report(world, "csv"))))
    overall = {r["metric"]: r["value"] for r in rows if r["scope"] == "overall"}
    assert overall["releases.consent"] == "2" and overall["notices.sent"] == "6"
    assert {r["agency_name"] for r in rows if r["scope"] == "agency"} == {
        "Lakeside PD",
        "Hillview PD",
    }
    markdown = _report(world, "markdown")
    assert "| figure | overall | Hillview PD | Lakeside PD |" in markdown
    assert "| clips released on consent | 2 | 0 | 2 |" in markdown
    # A reader's title: the period to the second in UTC, not ISO text with microseconds.
    title = markdown.splitlines()[0]
    assert re.fullmatch(
        r"# Transparency report, \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC to "
        r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC",
        title,
    ), title


def test_the_report_command(world: World, db_cli_args: list[str]) -> None:
    _scenario(world)
    base = ["report", "transparency", *db_cli_args]
    since = iso(world.clock.now() - timedelta(days=2))
    until = iso(world.clock.now() + timedelta(days=1))
    result = CliRunner().invoke(cli, [*base, "--from", since, "--to", until, "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert "overall,,,releases.consent,2" in result.output
    bad = CliRunner().invoke(cli, [*base, "--format", "pdf"])
    assert bad.exit_code == 2 and "--format" in bad.output
    naive = CliRunner().invoke(cli, [*base, "--from", "2026-01-01"])
    assert naive.exit_code == 2 and "time zone" in naive.output


def test_the_report_reads_the_refusals_without_scanning_the_log(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The refused requests come from their decision records, which the report found by
    reading every entry of the log (13 s on a simulated year's 329,000 entries, for 1,573
    decisions); now through the action's index (tests/scale/test_lookup_indexes.py)."""
    _scenario(world)

    def no_scan(*_: object) -> None:
        raise AssertionError("the report read the whole log")

    monkeypatch.setattr(log_scan, "entry_pages", no_scan)
    assert _report(world)["overall"]["requests.refused"] == 1
