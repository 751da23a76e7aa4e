"""docs/policies.md stays in step with the code: the side-by-side table shows each preset's
real values, and every parameter is documented."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

from app.policies import load_policy
from app.policies.params import PolicyParams

DOC = Path(__file__).resolve().parents[2] / "docs" / "policies.md"


def shown(value: object) -> str:
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "(none)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def test_side_by_side_table_matches_the_presets() -> None:
    lines = DOC.read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("| parameter | `"))
    header = [c.strip().strip("`") for c in lines[start].strip("|").split("|")][1:]
    table = {}
    for line in lines[start + 2 :]:
        if not line.startswith("| `"):
            break
        cells = [c.strip() for c in line.strip("|").split("|")]
        table[cells[0].strip("`")] = cells[1:]
    assert set(table) == {f.name for f in fields(PolicyParams)}
    for column, name in enumerate(header):
        params = load_policy(name).params.as_dict()
        for key, values in table.items():
            assert values[column] == shown(params[key]), (name, key)


def test_every_parameter_is_documented() -> None:
    reference = DOC.read_text().split("## The presets side by side")[0]
    missing = [f.name for f in fields(PolicyParams) if f"`{f.name}`" not in reference]
    assert missing == []
