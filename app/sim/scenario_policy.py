"""A scenario's `policy.file`, inlined into the scenario so that its hash covers the policy run.

Two forms are read. A policy file as `serve --policy`, `policy check` and a sweep's `policies`
take it (docs/policies.md: `base`, `name`, `description`, `[parameters]`): the run goes by the
file's `name`. And the scenario's own form, `name` (the policy to start from) and `[params]`.
A file is read as the scenario's form when it holds nothing else and its `name`, if any, is a
preset: a policy file can take neither `params` nor a preset's name, so no file is both.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from app.policies.registry import PolicyFileError, policy_from_document, preset_names

SCENARIO_FORM = {"name", "params"}
# What a run under a scenario's overrides is called: the policy's name and this.
OVERRIDES = "+overrides"


def is_scenario_form(included: dict[str, Any]) -> bool:
    name = included.get("name", "privacy-by-design")
    return set(included) <= SCENARIO_FORM and ("params" in included or name in preset_names())


def inline_policy_file(
    policy: dict[str, Any], included: dict[str, Any], path: Path
) -> list[tuple[str, str]]:
    """Put the file's policy into the scenario's `policy` table; the problems, by key, if any."""
    overrides = policy.get("params", {})
    if is_scenario_form(included):
        policy.setdefault("name", included.get("name", "privacy-by-design"))
        policy["params"] = {**included.get("params", {}), **overrides}
        return []
    if "name" in policy:
        return [("policy.name", "give the policy by policy.name or by policy.file, not both")]
    try:
        named = policy_from_document(included, path)
    except PolicyFileError as exc:
        return [("policy.file", line) for line in exc.lines()]
    policy["name"] = included.get("base", "privacy-by-design")
    policy["params"] = {**included.get("parameters", {}), **overrides}
    policy["label"] = named.name + (OVERRIDES if overrides else "")
    return []
