"""Many runs, serial or in parallel processes, that resume after an interruption.

A run is a `RunTask`: plain data (the scenario as a mapping, a policy, a seed, the directory).
A worker process parses and simulates it, writes the run's files, and writes `result.json`
last, atomically: a run with a `result.json` whose key matches is finished and is never run
again; anything else is run from scratch. Results come back in task order, whatever order the
processes finished in, so serial and parallel runs write identical aggregates.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.policies.base import Policy
from app.policies.registry import load_policy
from app.sim.outputs import code_hash, policy_identity, write_json, write_run
from app.sim.run import simulate
from app.sim.scenario import PolicySpec, canonical_json, load_scenario_policy, parse_scenario

RESULT_FILE = "result.json"


@dataclass(frozen=True)
class RunTask:
    directory: Path
    scenario: dict[str, Any]
    seed: int
    # A preset name, a policy .toml file or module:ATTRIBUTE, or a Policy object (must pickle
    # for processes); None means the scenario's own policy.
    policy: str | Policy | None = None
    labels: dict[str, Any] = field(default_factory=dict)
    # Where a relative policy file path is read from: `policy`'s from `policy_folder` (a sweep
    # file's folder; None: the current one, as for --policies), the scenario's own
    # `policy.name` from `scenario_folder` (the scenario file's). Not part of the key, which
    # holds what the file resolves to: the same inputs elsewhere are the same run.
    policy_folder: Path | None = None
    scenario_folder: Path | None = None

    def policy_label(self) -> str:
        if self.policy is None:
            return str(self.scenario.get("policy", {}).get("name", "privacy-by-design"))
        return self.policy if isinstance(self.policy, str) else self.policy.name

    def resolve(self) -> Policy:
        """The policy this run runs under, as its file or module says now."""
        if self.policy is None:
            spec = PolicySpec.model_validate(self.scenario.get("policy", {}))
            return load_scenario_policy(spec, self.scenario_folder)
        if isinstance(self.policy, str):
            return load_policy(self.policy, self.policy_folder)
        return self.policy

    def reference(self) -> tuple[str, ...] | None:
        """What `resolve` reads: tasks with the same reference resolve to the same policy, so
        a batch reads each policy file once. None for a Policy object, which reads nothing."""
        if self.policy is None:
            policy = canonical_json(self.scenario.get("policy", {}))
            return ("scenario", str(self.scenario_folder), policy)
        if isinstance(self.policy, str):
            return ("policy", str(self.policy_folder), self.policy)
        return None

    def key(self, policy: Policy | None = None) -> str:
        """What the run depends on; a stored result with another key is stale. `policy` is the
        resolved policy if at hand (resolved here otherwise). Its name, version and parameter
        hash are part of the key, not only the text naming it: a policy file or module edited
        since changes the key, and the run is redone. The code's own hash is part of it too: a
        run made by other code is redone, never reused."""
        resolved = policy if policy is not None else self.resolve()
        text = canonical_json(
            {
                "scenario": self.scenario,
                "seed": self.seed,
                "policy": self.policy_label(),
                "resolved": policy_identity(resolved),
                "code": _code_hash(),
            }
        )
        return hashlib.sha256(text.encode()).hexdigest()


@functools.cache
def _code_hash() -> str:
    return code_hash()  # once per process: it reads every source file of app/


@dataclass(frozen=True)
class RunOutcome:
    task: RunTask
    summary: dict[str, Any]
    weekly: list[dict[str, Any]]
    reused: bool


def execute(task: RunTask) -> dict[str, Any]:
    """Run one task in this process and write its files; `result.json` goes last."""
    scenario = parse_scenario(task.scenario, task.scenario_folder)
    policy = task.resolve()
    result = simulate(scenario, policy=policy, seed=task.seed)
    write_run(task.directory, result, scenario, policy)
    stored = {
        "key": task.key(policy),  # the policy the run was made under, not the file as it is now
        "policy": policy.name,
        "seed": task.seed,
        "labels": task.labels,
        "summary": result.summary,
        "weekly": result.weekly,
        "audit_entries": result.audit_entries,
        "audit_head": result.audit_head,
    }
    write_json(task.directory / RESULT_FILE, stored)
    return stored


def finished(task: RunTask, policy: Policy | None = None) -> dict[str, Any] | None:
    """The stored result, if the run finished with the inputs it has now (`policy`: resolved)."""
    path = task.directory / RESULT_FILE
    try:
        stored: dict[str, Any] = json.loads(path.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return None
    return stored if stored.get("key") == task.key(policy) else None


def _normalised(stored: dict[str, Any]) -> dict[str, Any]:
    """A fresh result as it reads back from disk, so fresh and resumed runs aggregate alike."""
    value: dict[str, Any] = json.loads(json.dumps(stored, sort_keys=True))
    return value


Progress = Callable[[RunTask, bool], None]


def _exit_with_parent(parent: int) -> None:
    """In each worker process: exit once the sweep's own process is gone. Killed outright
    (SIGKILL, the OOM killer), it cannot stop its pool, whose workers would otherwise wait for
    work forever, or finish a run beside the rerun that redoes it."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def run_tasks(
    tasks: Sequence[RunTask],
    *,
    jobs: int = 1,
    on_done: Progress | None = None,
    worker: Callable[[RunTask], dict[str, Any]] = execute,
) -> list[RunOutcome]:
    """Run what is not finished yet; `on_done(task, reused)` after each one."""
    stored: dict[int, dict[str, Any]] = {}
    todo: list[int] = []
    resolved: dict[tuple[str, ...], Policy] = {}
    for i, task in enumerate(tasks):
        reference = task.reference()
        if reference is not None and reference not in resolved:
            resolved[reference] = task.resolve()
        done = finished(task, resolved[reference] if reference is not None else None)
        if done is None:
            todo.append(i)
        else:
            stored[i] = done
            if on_done:
                on_done(task, True)
    if jobs <= 1 or len(todo) <= 1:
        for i in todo:
            stored[i] = _normalised(worker(tasks[i]))
            if on_done:
                on_done(tasks[i], False)
    else:
        with ProcessPoolExecutor(
            max_workers=jobs, initializer=_exit_with_parent, initargs=(os.getpid(),)
        ) as pool:
            pending: dict[Future[dict[str, Any]], int] = {
                pool.submit(worker, tasks[i]): i for i in todo
            }
            try:
                while pending:
                    done_now, _ = wait(pending, return_when=FIRST_COMPLETED)
                    for future in done_now:
                        i = pending.pop(future)
                        stored[i] = _normalised(future.result())
                        if on_done:
                            on_done(tasks[i], False)
            except BaseException:
                # Finished runs are already on disk; drop the queued ones and stop quickly. The
                # futures are cancelled here, by hand: `shutdown(cancel_futures=True)` alone is
                # undone by the `with` block's own shutdown(), which resets the flag before the
                # pool reads it, and every queued run would then still run after a Ctrl-C.
                for future in pending:
                    future.cancel()
                pool.shutdown(wait=False, cancel_futures=True)
                raise
    reused = {i for i in range(len(tasks)) if i not in todo}
    return [
        RunOutcome(tasks[i], stored[i]["summary"], stored[i]["weekly"], i in reused)
        for i in range(len(tasks))
    ]
