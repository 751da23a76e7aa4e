"""Run the machine against a policy and report: held, broken, or broken by a declared exception.

`verify` is what `consentgate verify` and the test suite call. It explores `steps` actions in
histories of up to `steps_per_example` actions each, from a fixed seed, with no example database,
so the same policy, steps and seed explore the same histories and print the same trace.
"""

from __future__ import annotations

import math
import time
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from hypothesis import Phase, settings
from hypothesis import seed as hypothesis_seed
from hypothesis.reporting import with_reporter
from hypothesis.stateful import run_state_machine_as_test

from app.clock import SimulatedClock
from app.policies.base import Policy
from app.verification import profiles as _profiles  # noqa: F401  (registers the profiles)
from app.verification.driver_api import Driver
from app.verification.exceptions import declared_exceptions
from app.verification.findings import Finding, GuaranteeBroken, Verdict, violation
from app.verification.machine import ConsentMachine
from app.verification.machine_base import MachineConfig
from app.verification.service_driver import ServiceDriver

if TYPE_CHECKING:
    from fastapi import FastAPI

AppHook = Callable[["FastAPI"], None]

LEVELS = ("service", "sql", "http")


@dataclass
class Counterexample:
    findings: list[Finding]
    trace: list[str]

    def lines(self) -> list[str]:
        return [*self.trace, *(f.line() for f in self.findings)]


@dataclass
class VerifyReport:
    policy_name: str
    level: str
    steps: int = 0
    examples: int = 0
    seconds: float = 0.0
    violation: Counterexample | None = None
    exception: Counterexample | None = None
    declared: list[str] = field(default_factory=list)
    # What the explored histories reached (see MachineConfig.coverage), over both passes, up
    # to the first counterexample of a pass (shrinking replays it, which is not exploration).
    coverage: Counter[str] = field(default_factory=Counter)
    # Of `steps` and `examples`: those hypothesis spent replaying variants while shrinking.
    shrink_steps: int = 0
    shrink_examples: int = 0

    def reached(self) -> str:
        """One line: what happened, so a clean result can be told from a vacuous one."""
        c = self.coverage
        released = {
            k[len("releases (") : -1]: v for k, v in c.items() if k.startswith("releases (")
        }
        parts = [
            f"{c['filings accepted']} filings accepted",
            f"{sum(v for k, v in c.items() if k.startswith('filings refused'))} refused",
            f"{c['requests approved']} approved after review",
            f"{sum(v for k, v in c.items() if k.startswith('exceptions approved'))} "
            "exceptions approved",
            f"{c['residents notified']} residents notified",
            "releases: "
            + (", ".join(f"{v} on {k}" for k, v in sorted(released.items())) or "none"),
        ]
        return "; ".join(parts)

    @property
    def steps_per_second(self) -> float:
        return self.steps / self.seconds if self.seconds > 0 else 0.0

    @property
    def exit_code(self) -> int:
        """0 held, 1 a genuine violation, 3 strict consent broken only by declared exceptions."""
        if self.violation is not None:
            return 1
        return 3 if self.exception is not None else 0


def driver_factory(
    level: str, *, database_url: str = "", app_hook: AppHook | None = None
) -> Callable[[Policy, SimulatedClock], Driver]:
    if level == "service":
        return lambda policy, clock: ServiceDriver(policy, clock, database_url=database_url)
    if level == "sql":
        # The services over the SQL store, each history on a fresh database: a SQLite file
        # unless `database_url` names PostgreSQL (scratch schemas, as the property suite uses).
        url = database_url or "sqlite"
        return lambda policy, clock: ServiceDriver(policy, clock, database_url=url)
    if level == "http":
        with warnings.catch_warnings():
            # Starlette's TestClient warns that it runs on httpx, which the project pins.
            warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
            from app.verification.http_driver import HttpDriver

        return lambda policy, clock: HttpDriver(
            policy, clock, postgres_url=database_url, app_hook=app_hook
        )
    raise ValueError(f"level must be one of {', '.join(LEVELS)}, not {level!r}")


@contextmanager
def _no_local_constants() -> Iterator[None]:
    """Hypothesis mixes literals found in the project's *loaded* modules into what it draws.
    Which modules are loaded depends on the caller (the CLI, one test file, the whole suite),
    so the same policy, steps and seed would explore different histories in each, and a
    tooth found in one test run could go unnoticed in another. For the duration of a run the
    pool of local constants is pinned empty (hypothesis' global constants still apply)."""
    try:
        from hypothesis.internal.conjecture import providers
        from hypothesis.internal.constants_ast import Constants
    except ImportError:  # pragma: no cover - a hypothesis without the feature
        yield
        return
    original = getattr(providers, "_get_local_constants", None)
    cache = getattr(providers, "CONSTANTS_CACHE", None)
    if original is None or cache is None:  # pragma: no cover - the internals moved
        yield
        return
    empty = Constants()
    providers._get_local_constants = lambda: empty
    cache.cache.clear()
    try:
        yield
    finally:
        providers._get_local_constants = original
        cache.cache.clear()


def _run(
    config: MachineConfig,
    *,
    examples: int,
    steps_per_example: int,
    seed: int,
    shrink: bool,
    profile: str,
) -> Counterexample | None:
    machine = type("ConsentMachine", (ConsentMachine,), {"config": config})
    machine = hypothesis_seed(seed)(machine)
    # The profile gives deadlines, health checks and the example database; the budget and the
    # seed are the caller's, so a run is reproducible whatever the profile.
    run_settings = settings(
        settings.get_profile(f"consentgate-{profile}"),
        max_examples=examples,
        stateful_step_count=steps_per_example,
        database=None,
        report_multiple_bugs=False,
        phases=[Phase.generate, Phase.shrink] if shrink else [Phase.generate],
    )
    try:
        with with_reporter(lambda _message: None), _no_local_constants():
            run_state_machine_as_test(machine, settings=run_settings)
    except GuaranteeBroken as broken:
        return Counterexample(broken.findings, broken.trace)
    except Exception as crash:
        return Counterexample(
            [violation("crash", f"{type(crash).__name__}: {crash}")], config.last_trace
        )
    return None


def verify(
    policy: Policy,
    *,
    steps: int = 2000,
    seed: int = 0,
    level: str = "service",
    database_url: str = "",
    app_hook: AppHook | None = None,
    steps_per_example: int = 40,
    shrink: bool = True,
    profile: str = "ci",
) -> VerifyReport:
    """Explore about `steps` actions; look for a violation, then (if the policy declares
    exceptions) for strict consent broken by a declared exception."""
    per_example = max(1, min(steps, steps_per_example))
    examples = max(1, math.ceil(steps / per_example))
    make = driver_factory(level, database_url=database_url, app_hook=app_hook)
    declared = sorted(b.value for b in declared_exceptions(policy))
    report = VerifyReport(policy.name, level, declared=declared)
    started = time.perf_counter()
    passes = [False, True] if declared else [False]
    for strict in passes:
        config = MachineConfig(policy, make, strict=strict)
        found = _run(
            config,
            examples=examples,
            steps_per_example=per_example,
            seed=seed,
            # Through the REST API every shrinking attempt replays a history on a fresh app:
            # minutes for a declared exception's trace, which is already at most one history
            # long. Violations are still shrunk at every level.
            shrink=shrink and not (strict and level == "http"),
            profile=profile,
        )
        report.steps += config.steps
        report.examples += config.examples
        if config.found_at is None:
            report.coverage.update(config.coverage)
        else:
            steps, examples, coverage = config.found_at
            report.shrink_steps += config.steps - steps
            report.shrink_examples += config.examples - examples
            report.coverage.update(coverage)
        if found is not None and any(f.verdict is Verdict.VIOLATION for f in found.findings):
            report.violation = found
            break
        if found is not None:
            report.exception = found
    report.seconds = time.perf_counter() - started
    return report
