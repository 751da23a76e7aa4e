"""A sweep's report.html: the per-point table first, every table in a box that scrolls
sideways instead of widening the page, long parameter names shortened with the full key on
hover, and nothing loaded from outside the file."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

from app.sim.sweep_report import sweep_report
from app.sim.sweep_summary import point_rows

KEY = "resident_behaviour.share_probability.default"


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.tables: list[list[str]] = []  # the open elements around each <table>
        self.headers: list[tuple[dict[str, str | None], str]] = []
        self.sources: list[str] = []
        self._th: dict[str, str | None] | None = None
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        if tag == "table":
            self.tables.append(list(self.stack))
        if tag == "div":
            tag = f"div.{named.get('class')}"
        if tag == "th":
            self._th, self._text = named, ""
        for name in ("src", "href"):
            if named.get(name):
                self.sources.append(str(named[name]))
        if tag not in ("img", "meta", "wbr"):
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "th" and self._th is not None:
            self.headers.append((self._th, self._text))
            self._th = None
        if self.stack:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if self._th is not None:
            self._text += data


def report(replications: int) -> str:
    runs: list[dict[str, Any]] = [
        {"point": p, "policy": "pbd", "replication": r, "seed": 7 + r, KEY: 0.1 * (p + 1), "m": m}
        for p in range(2)
        for r, m in enumerate((1.0, 3.0)[:replications])
    ]
    points = point_rows(runs, [KEY], ["m"])
    html = sweep_report("t", "i", "grid", [KEY], ["m"], runs, points, b"\x89PNG")
    return html.decode()


def test_every_table_scrolls_inside_its_box() -> None:
    tags = Tags()
    tags.feed(report(2))
    assert len(tags.tables) == 2
    assert all(around[-1] == "div.table-scroll" for around in tags.tables)
    assert re.search(r"\.table-scroll\s*\{[^}]*overflow-x:\s*auto", report(2))


def test_the_per_point_table_comes_first() -> None:
    text = report(2)
    assert text.index("<h2>Per point</h2>") < text.index("<table>") < text.index("<h2>Runs</h2>")
    # Replications 1 and 3: mean 2, sd sqrt(2), half-width t(0.975, 1) * sqrt(2) / sqrt(2).
    assert "<td>2 ± 12.7</td>" in text


def test_parameter_headers_are_short_with_the_full_key_on_hover() -> None:
    tags = Tags()
    tags.feed(report(2))
    titled = [(attrs["title"], text) for attrs, text in tags.headers if attrs.get("title")]
    # Once in the per-point table, once in the runs table.
    assert titled == [(KEY, "share_probability.default")] * 2


def test_one_replication_is_said_not_shown_as_plus_minus_zero() -> None:
    section = report(1).split("<h2>Per point</h2>")[1].split("<h2>")[0]
    assert "one replication per point" in section
    assert "±" not in section
    assert "<td>pbd</td><td>0.1</td><td>1</td><td>1</td></tr>" in section  # n = 1, mean 1


def test_the_report_loads_nothing_from_outside() -> None:
    tags = Tags()
    tags.feed(report(2))
    assert tags.sources and all(s.startswith("data:image/png;base64,") for s in tags.sources)
    assert "<script" not in report(2) and "<link" not in report(2)
