"""A self-contained HTML report: tables and PNG plots embedded, no external file or script."""

from __future__ import annotations

import base64
import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from app.sim.outputs import fmt

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 72rem; color: #222; }
table { border-collapse: collapse; margin: 1rem 0; font-size: 0.85rem; }
th, td { border: 1px solid #ccc; padding: 0.25rem 0.5rem; text-align: right; }
th:first-child, td:first-child { text-align: left; }
thead th { background: #f0f0f0; vertical-align: bottom; }
td { white-space: nowrap; }
.table-scroll { overflow-x: auto; max-width: 100%; }
img { max-width: 100%; border: 1px solid #ddd; margin: 0.5rem 0; }
code { background: #f5f5f5; padding: 0 0.2rem; }
table.text td { text-align: left; }
"""


@dataclass
class Section:
    title: str
    text: str = ""
    columns: Sequence[str] = ()
    rows: Sequence[Sequence[Any]] = ()
    images: list[tuple[str, bytes]] = field(default_factory=list)
    text_table: bool = False  # words, not numbers: every column aligned left
    # column -> what a shortened header stands for, shown on hover (a `title` attribute)
    column_titles: Mapping[str, str] = field(default_factory=dict)


def _header(column: str, title: str | None) -> str:
    # Long dotted or snake_case names may break after a dot or an underscore, not mid-word.
    text = html.escape(column).replace(".", ".<wbr>").replace("_", "_<wbr>")
    return f'<th title="{html.escape(title)}">{text}</th>' if title else f"<th>{text}</th>"


def _table(
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    titles: Mapping[str, str],
    text: bool = False,
) -> str:
    head = "".join(_header(str(c), titles.get(str(c))) for c in columns)
    body = "".join(_row(row, len(columns)) for row in rows)
    attributes = ' class="text"' if text else ""
    table = f"<table{attributes}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    # Wide tables scroll inside their box instead of pushing the page wider.
    return f'<div class="table-scroll">{table}</div>'


def _row(row: Sequence[Any], width: int) -> str:
    if len(row) == 1 and width > 1:
        # A one-cell row heads a group of the rows below it, across the whole table.
        return f'<tr><th colspan="{width}">{html.escape(_cell(row[0]))}</th></tr>'
    return "<tr>" + "".join(f"<td>{html.escape(_cell(v))}</td>" for v in row) + "</tr>"


def _cell(value: Any) -> str:
    return value if isinstance(value, str) else fmt(value)


def render(title: str, intro: str, sections: Sequence[Section]) -> bytes:
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head><body>",
        f"<h1>{html.escape(title)}</h1><p>{html.escape(intro)}</p>",
    ]
    for section in sections:
        parts.append(f"<h2>{html.escape(section.title)}</h2>")
        if section.text:
            parts.append(f"<p>{html.escape(section.text)}</p>")
        if section.columns:
            table = _table(section.columns, section.rows, section.column_titles, section.text_table)
            parts.append(table)
        for alt, png in section.images:
            data = base64.b64encode(png).decode()
            parts.append(f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">')
    parts.append("</body></html>\n")
    return "\n".join(parts).encode()
