"""The transparency report as JSON, CSV (one row per scope and figure) or Markdown."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from typing import Any

from app.workflow.transparency import METRICS, Figures, TransparencyReport

FORMATS = ("json", "csv", "markdown")
MEDIA_TYPES = {"json": "application/json", "csv": "text/csv", "markdown": "text/markdown"}


def _figures(f: Figures) -> dict[str, Any]:
    return {**f.values, "legal.by_type": f.legal_by_type}


def as_dict(report: TransparencyReport) -> dict[str, Any]:
    return {
        "period": {"from": report.start.isoformat(), "to": report.end.isoformat()},
        "as_of": report.as_of.isoformat(),
        "definitions": METRICS,
        "overall": _figures(report.overall),
        "agencies": [
            {"agency_id": str(a.agency_id), "agency_name": a.agency_name, **_figures(a.figures)}
            for a in report.agencies
        ],
    }


def _rows(report: TransparencyReport) -> list[tuple[str, str, str, str, Any]]:
    scopes = [("overall", "", "", report.overall)] + [
        ("agency", str(a.agency_id), a.agency_name, a.figures) for a in report.agencies
    ]
    rows = []
    for scope, agency_id, name, figures in scopes:
        rows += [
            (scope, agency_id, name, metric, value) for metric, value in figures.values.items()
        ]
        rows += [
            (scope, agency_id, name, f"legal.by_type.{kind}", n)
            for kind, n in figures.legal_by_type.items()
        ]
    return rows


def render(report: TransparencyReport, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(as_dict(report), indent=2, sort_keys=False) + "\n"
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["scope", "agency_id", "agency_name", "metric", "value"])
        for row in _rows(report):
            writer.writerow(["" if v is None else v for v in row])
        return buffer.getvalue()
    if fmt == "markdown":
        return _markdown(report)
    raise ValueError(f"format {fmt!r} is not one of {', '.join(FORMATS)}")


def when(instant: datetime) -> str:
    """An instant for a reader, in UTC to the second: the default period ends "now", whose
    microseconds only cluttered the title. The JSON keeps the exact ISO 8601 instant."""
    return instant.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _cell(value: Any) -> str:
    return "n/a" if value is None else str(value)


def table(report: TransparencyReport) -> tuple[str, list[str], list[list[str]]]:
    """The report as one table: a title, the columns (figure, overall, each agency), the rows."""
    names = ["overall"] + [a.agency_name for a in report.agencies]
    columns = [report.overall] + [a.figures for a in report.agencies]
    rows = [
        [label, *(_cell(c.values.get(metric)) for c in columns)]
        for metric, label in METRICS.items()
    ]
    for kind in sorted({k for c in columns for k in c.legal_by_type}):
        rows.append(
            [f"legal demands: {kind}", *(str(c.legal_by_type.get(kind, 0)) for c in columns)]
        )
    title = f"Transparency report, {when(report.start)} to {when(report.end)}"
    return title, ["figure", *names], rows


def _markdown(report: TransparencyReport) -> str:
    title, header, rows = table(report)
    lines = [
        f"# {title}",
        "",
        f"As of {when(report.as_of)}. Counts over the period; rates are per notice.",
        "",
        "| " + " | ".join(_markdown_cell(h) for h in header) + " |",
        "| --- | " + " | ".join("---:" for _ in header[1:]) + " |",
    ]
    lines += ["| " + " | ".join(_markdown_cell(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def _markdown_cell(text: str) -> str:
    """A table cell: an agency names itself freely, and a line break in its name split the
    row (the table stopped rendering), a `|` a column, and `<b>` was markup to a renderer."""
    one_line = " ".join(text.splitlines())
    html = one_line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return html.replace("|", "/")
