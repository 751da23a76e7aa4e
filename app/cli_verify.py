"""`consentgate verify`: run the consent-guarantee machine against a policy (docs/guarantee.md).

Exit status: 0 every invariant held; 1 a genuine violation (the shrunk trace is printed);
3 strict consent broken only by exceptions the policy declares (the trace is printed);
2 a usage error (unknown policy, bad option).
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def verify(
    policy: Annotated[
        str,
        typer.Option(
            "--policy",
            help="a preset name, a policy .toml file, or module:ATTRIBUTE for your own policy",
        ),
    ] = "privacy-by-design",
    steps: Annotated[
        int, typer.Option("--steps", min=1, max=10_000_000, help="actions to explore")
    ] = 2000,
    seed: Annotated[int, typer.Option("--seed", min=0, help="the exploration's seed")] = 0,
    level: Annotated[
        str,
        typer.Option(
            "--level",
            help="service (the workflow services in memory; fast), sql (the same services "
            "over the SQL store, a fresh SQLite file per history) or http (the REST API in "
            "process, a fresh SQLite file per history)",
        ),
    ] = "service",
    steps_per_example: Annotated[
        int, typer.Option("--history", min=1, max=1000, help="actions per explored history")
    ] = 40,
) -> None:
    """Check that no footage reaches an agency without consent, under a policy."""
    from app.policies.registry import PolicyNotFound, load_policy
    from app.verification.runner import LEVELS
    from app.verification.runner import verify as run_verify

    if level not in LEVELS:
        err.print(f"error: --level: {level!r} is not one of {', '.join(LEVELS)}", markup=False)
        raise typer.Exit(2)
    try:
        chosen = load_policy(policy)
    except PolicyNotFound as exc:
        err.print(f"error: --policy: {exc}", markup=False)
        raise typer.Exit(2) from None
    except Exception as exc:  # a researcher's class failing to build is a usage error
        err.print(f"error: --policy: {policy!r} could not be built: {exc}", markup=False)
        raise typer.Exit(2) from None
    out.print(
        f"Checking policy {chosen.name!r} at the {level} level: about {steps} actions, "
        f"seed {seed}.",
        markup=False,
    )
    report = run_verify(
        chosen, steps=steps, seed=seed, level=level, steps_per_example=steps_per_example
    )
    pace = f"{report.steps} steps in {report.examples} histories"
    if report.shrink_examples:
        # Shrinking replays variants of the counterexample, often tens of times the budget:
        # counted as exploration, it read as far more searched than --steps asked for.
        pace = (
            f"{report.steps - report.shrink_steps} steps in "
            f"{report.examples - report.shrink_examples} histories before the first "
            f"counterexample; shrinking its trace replayed {report.shrink_steps} steps in "
            f"{report.shrink_examples} more"
        )
    pace += f", {report.seconds:.1f} s ({report.steps_per_second:.0f} steps/s)"
    # What the histories reached: a clean result over histories where nothing was filed,
    # notified or released would be vacuous, and the reader should be able to see it.
    reached = f"Reached: {report.reached()}."
    if report.violation is not None:
        out.print("VIOLATION: the consent guarantee is broken. Shortest trace found:", markup=False)
        for line in report.violation.lines():
            out.print(f"  {line}", markup=False)
        out.print(f"Explored {pace}.", markup=False)
        out.print(reached, markup=False)
        raise typer.Exit(1)
    if report.exception is not None:
        kinds = ", ".join(report.declared)
        out.print(
            f"Strict consent is broken by an exception the policy declares ({kinds}); "
            "no genuine violation was found. Shortest trace:",
            markup=False,
        )
        for line in report.exception.lines():
            out.print(f"  {line}", markup=False)
        out.print(f"Explored {pace}.", markup=False)
        out.print(reached, markup=False)
        raise typer.Exit(3)
    declared = (
        f" The policy declares {', '.join(report.declared)} exceptions."
        if (report.declared)
        else ""
    )
    out.print(f"Every invariant (I1-I8) held: {pace}.{declared}", markup=False)
    out.print(reached, markup=False)


def register(cli: typer.Typer) -> None:
    cli.command("verify")(verify)
