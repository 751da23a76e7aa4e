"""The hook for exception rules: which releases without consent a policy declares.

Releases on an emergency or a legal basis break strict consent. The checker reports them apart
from genuine violations when the policy in force declares that exception (invariant I2), the
release carries its justification and the approving operator, and the footage is not end-to-end
encrypted. Everything else without a consent is a violation.

A policy declares its exceptions by its parameters (`emergency_disclosure` for emergencies,
`warrants` for legal process that obtains content; a subpoena obtains no content, so it
releases nothing), or by an attribute `declared_exceptions` (a collection of `ReleaseBasis`
values or their names) for a researcher's policy that has its own way of saying so.
"""

from __future__ import annotations

from collections.abc import Iterable

from app.policies.base import Policy
from app.workflow.states import ReleaseBasis

# The PolicyParams switch first; the other names are the ones this hook read before the
# policy library settled on its parameters, kept for researchers' policies written then.
_PARAM_FLAGS = {
    ReleaseBasis.EMERGENCY: ("emergency_disclosure", "emergency_disclosures", "allow_emergency"),
    ReleaseBasis.LEGAL: ("warrants", "legal_process", "allow_legal"),
}


def declared_exceptions(policy: Policy) -> frozenset[ReleaseBasis]:
    declared: set[ReleaseBasis] = set()
    explicit = getattr(policy, "declared_exceptions", None)
    if callable(explicit):
        explicit = explicit()
    if isinstance(explicit, Iterable) and not isinstance(explicit, str | bytes):
        for value in explicit:
            try:
                declared.add(ReleaseBasis(str(getattr(value, "value", value))))
            except ValueError:
                continue
    for basis, names in _PARAM_FLAGS.items():
        if any(getattr(policy.params, name, False) is True for name in names):
            declared.add(basis)
    declared.discard(ReleaseBasis.CONSENT)
    return frozenset(declared)
