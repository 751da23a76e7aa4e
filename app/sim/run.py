"""Run one scenario under one policy and seed: in memory, or into a SQLite database."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from app.clock import SimulatedClock
from app.policies.base import Policy
from app.sim.engine import Engine, RunResult
from app.sim.scenario import Scenario, load_scenario_policy
from app.sim.seeds import id_source
from app.sim.store import MemoryRunner, SqlRunner


def simulate(
    scenario: Scenario,
    *,
    policy: Policy | None = None,
    seed: int | None = None,
    db_path: Path | None = None,
    keep_audit: bool = False,
    outputs: Callable[[RunResult], None] | None = None,
) -> RunResult:
    """One run. `db_path` writes every step through the SQL store into a new SQLite file.

    `outputs` writes the run's other outputs; with `db_path` it runs before the database takes
    its name, so that a failure anywhere leaves no database behind (nothing published is ever
    taken back, which could remove a file that took the name meanwhile)."""
    policy = policy or load_scenario_policy(scenario.policy)
    seed = scenario.run.seed if seed is None else seed
    clock = SimulatedClock(scenario.run.start)
    new_id = id_source(seed)
    if db_path is not None:
        sql = SqlRunner.new_sqlite(db_path, clock, policy, new_id)
        try:
            result = Engine(scenario, policy, seed, sql, clock).run_all()
            if outputs is not None:
                outputs(result)
        except BaseException:
            sql.discard()
            raise
        sql.finish()
        return result
    runner = MemoryRunner(clock, policy, new_id, keep_audit=keep_audit)
    result = Engine(scenario, policy, seed, runner, clock).run_all()
    if outputs is not None:
        outputs(result)
    return result
