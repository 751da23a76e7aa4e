"""A whole run's log and tables, pinned from the code before the engine's and services'
shortcuts (commit 1648eaa): the city's and the engine's lookups by id number, the records
built through their slots, the ids' text made once. Any of them diverging moves the head."""

from __future__ import annotations

import hashlib
import json

import pytest

from app.policies.base import Policy
from app.sim.run import simulate
from app.sim.scenario import parse_scenario
from tests.sim.worlds import LEAKY, tiny_data

PINNED = {
    "scenario policy": (
        4622,
        "c4e1665461f16231f9e6e0430bae1cff7bef192eb3f66c0250a87158348bfc62",
        "30b011c04c0b4d6f7db18dca46a97cf95f935e9a3c91ceb19cb440510e8d95d0",
    ),
    "leaky": (
        4957,
        "6cbb27fce960383529d6e8f864bbf925aff6ec6e4c816cd0293e5dfeb2e76911",
        "ae61473316ade2c303d027a9b28937a8fc2ab6577ca457c821f7c0ffe00efcbe",
    ),
}


@pytest.mark.parametrize(("name", "policy"), [("scenario policy", None), ("leaky", LEAKY)])
def test_a_run_writes_the_log_and_tables_it_wrote_before(name: str, policy: Policy | None) -> None:
    result = simulate(parse_scenario(tiny_data()), policy=policy)
    tables = json.dumps([result.summary, result.weekly], sort_keys=True, default=str).encode()
    digest = hashlib.sha256(tables).hexdigest()
    assert (result.audit_entries, result.audit_head, digest) == PINNED[name]
