"""The city is built a bounded number of households per step (app/sim/city.py): as one step it
was one transaction with `--db`, every row held in the session and SQLite's write-ahead log
grown without bound before the first commit (a million-camera city: gigabytes of both)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import pytest

from app.clock import SimulatedClock
from app.policies.registry import load_policy
from app.sim import city
from app.sim.scenario import parse_scenario
from app.sim.seeds import id_source, stream
from app.sim.store import MemoryRunner
from app.workflow.context import Ctx
from tests.sim.worlds import tiny_data

T = TypeVar("T")


class CountingRunner:
    """A memory runner that notes how many audit entries each step wrote."""

    def __init__(self, runner: MemoryRunner) -> None:
        self.runner, self.written = runner, list[int]()

    def __call__(self, step: Callable[[Ctx], T]) -> T:
        before = self.runner.audit_head()[0]
        try:
            return self.runner(step)
        finally:
            self.written.append(self.runner.audit_head()[0] - before)

    def audit_head(self) -> tuple[int, str]:
        return self.runner.audit_head()


def _city_steps() -> tuple[list[int], tuple[int, str]]:
    """The entries each step of the city wrote, and the log's head once it is built."""
    scenario = parse_scenario(tiny_data(days=1))
    clock = SimulatedClock(scenario.run.start)
    policy = load_policy("privacy-by-design")
    run = CountingRunner(MemoryRunner(clock, policy, id_source(scenario.run.seed)))
    city.build_city(run, scenario, stream(scenario.run.seed, "city"))
    return run.written, run.audit_head()


def test_no_step_of_the_city_writes_more_than_its_households(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(city, "HOUSEHOLDS_PER_STEP", 7)
    written, (size, _) = _city_steps()
    # A household with a camera writes its resident, its camera and at most an opt-out.
    assert max(written) <= 3 * 7, written
    assert size > 10 * 3 * 7  # the city is many steps' worth


def test_the_steps_do_not_change_the_city(monkeypatch: pytest.MonkeyPatch) -> None:
    """The steps run in order, so the draws, the ids and every entry are those of one step."""
    monkeypatch.setattr(city, "HOUSEHOLDS_PER_STEP", 10**9)
    whole_written, whole_head = _city_steps()
    monkeypatch.setattr(city, "HOUSEHOLDS_PER_STEP", 7)
    written, head = _city_steps()
    assert len(written) > len(whole_written)
    assert head == whole_head
