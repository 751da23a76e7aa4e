"""A sweep's output folder belongs to that sweep: rerunning it resumes, another sweep is refused.

Each run's `result.json` carries a key hashing its own inputs, so a run is never reused for
other inputs; but the folder's tables, figures and runs would mix two sweeps after an edit of
the sweep file (fewer points, other policies: the old `point_differences.*` and run folders
would stay beside the new tables). `sweep.json`, written before the first run, names the sweep
the folder holds; a rerun with another sweep is refused before anything is written. A policy
file or module it runs is part of it too: edited, its runs' keys change, and the folder would
hold runs under the old and the new parameters side by side.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from app.files import folder_problem
from app.sim.outputs import write_json
from app.sim.scenario import ScenarioError

CLAIM_FILE = "sweep.json"


def claim_folder(
    out: Path,
    sweep: dict[str, Any],
    scenario_hash: str,
    policies: dict[str, dict[str, str]] | None = None,
) -> None:
    """Make `out` this sweep's folder, or check that it already is; ScenarioError otherwise.
    `policies`: each policy file or module the sweep runs, by the name it is given, and what
    it resolved to (name, version, parameter hash)."""
    identity: dict[str, Any] = {"sweep": sweep, "scenario_hash": scenario_hash}
    if policies:  # absent otherwise: a folder of presets alone keeps the sweep.json it had
        identity["policies"] = policies
    problem = folder_problem(out)  # a file in the way, here or above: before any run
    if problem is not None:
        raise ScenarioError([("--out", str(problem))])
    marker = out / CLAIM_FILE
    if marker.is_file():
        try:
            stored = json.loads(marker.read_text(encoding="utf-8"))
        except ValueError:  # not JSON, or not even UTF-8 text: not this sweep's marker
            stored = {}
        if not isinstance(stored, dict):  # valid JSON, but not what a sweep writes
            stored = {}
        if stored == identity:
            return
        raise ScenarioError([("--out", f"{out} holds {_what_differs(stored, identity)}")])
    if out.is_dir() and any(out.iterdir()):
        reason = f"{out} is not empty and holds no sweep; choose a new folder"
        raise ScenarioError([("--out", reason)])
    write_json(marker, identity)


def _what_differs(stored: dict[str, Any], current: dict[str, Any]) -> str:
    old = stored.get("sweep")
    if not isinstance(old, dict):  # not a sweep's: naming a changed scenario would mislead
        return _another("an unreadable sweep.json")
    new = current["sweep"]
    changed = sorted(k for k in new.keys() | old.keys() if old.get(k) != new.get(k))
    if stored.get("scenario_hash") != current["scenario_hash"]:
        changed.append("the scenario it names")
    old_policies, new_policies = stored.get("policies") or {}, current.get("policies") or {}
    if isinstance(old_policies, dict):
        names = old_policies.keys() | new_policies.keys()
        changed += [
            f"the policy {name}"
            for name in sorted(names)
            if old_policies.get(name) != new_policies.get(name)
        ]
    return _another(", ".join(changed) or "an unreadable sweep.json")


def _another(what: str) -> str:
    return (
        f"another sweep (changed since: {what}); its runs would mix with this one's: "
        "choose a new --out, or delete the folder to start again"
    )
