"""Find the policy a decision was logged under, to ask it again (`consentgate audit replay`)."""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from typing import Any

from app.policies import Policy, load_policy, preset_names
from app.policies.params import PolicyParams

# `load_scenario_policy` names a scenario's parameter overrides on a policy this way.
OVERRIDES_SUFFIX = "+overrides"


def resolver(known: Sequence[Policy] = ()) -> Callable[[dict[str, Any]], Policy]:
    """`resolve_logged_policy` that also knows these policies by name (the one being served,
    or the files and modules an auditor names with `consentgate audit replay --policy`)."""
    return lambda meta: resolve_logged_policy(meta, known)


def resolve_logged_policy(meta: dict[str, Any], known: Sequence[Policy] = ()) -> Policy:
    """The named policy as it stands in the code, with the parameters the log recorded.

    The rules come from today's code (that is what replay tests); the parameters and version
    must be the logged ones, or the decision is reported as not replayable rather than judged
    under a different policy.
    """
    name = str(meta.get("name", ""))
    policy = _named(name, known)
    if policy.version != meta.get("version"):
        raise LookupError(
            f"policy {name!r} is version {policy.version} now; the decision was made under "
            f"version {meta.get('version')}"
        )
    if policy.params.digest() == meta.get("parameter_hash"):
        return policy
    logged = meta.get("parameters")
    if not isinstance(logged, dict):
        raise LookupError(f"the log holds no parameters for hash {meta.get('parameter_hash')}")
    params = PolicyParams.from_mapping(PolicyParams(), logged)
    if params.digest() != meta.get("parameter_hash"):
        raise ValueError("the logged parameters do not match their logged hash")
    clone = copy.copy(policy)
    clone.params = params
    return clone


def _named(name: str, known: Sequence[Policy]) -> Policy:
    """A policy given by the caller, or a preset, by the name the log recorded.

    Never a file or a module the log names: the log is data, and replaying it (a forged one
    included) must not read files or import code it chooses. A scenario's overrides are logged
    as `<policy>+overrides`: the rules are that policy's, the parameters come from the log.
    """
    for policy in known:
        if policy.name == name:
            return policy
    if name in preset_names():
        return load_policy(name)
    if name.endswith(OVERRIDES_SUFFIX) and name != OVERRIDES_SUFFIX:
        return _named(name.removesuffix(OVERRIDES_SUFFIX), known)
    raise LookupError(
        f"unknown policy {name!r}: not a preset; name its file or module to replay it "
        "(consentgate audit replay --policy), or serve with it"
    )
