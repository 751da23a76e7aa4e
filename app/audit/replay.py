"""Find the policy a decision was logged under, to ask it again (`consentgate audit replay`)."""

from __future__ import annotations

import copy
from typing import Any

from app.policies import Policy, load_policy
from app.policies.params import PolicyParams


def resolve_logged_policy(meta: dict[str, Any]) -> Policy:
    """The named policy as it stands in the code, with the parameters the log recorded.

    The rules come from today's code (that is what replay tests); the parameters and version
    must be the logged ones, or the decision is reported as not replayable rather than judged
    under a different policy.
    """
    name = str(meta.get("name", ""))
    policy = load_policy(name)
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
