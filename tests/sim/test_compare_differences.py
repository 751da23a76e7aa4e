"""Paired differences from a baseline: hand-computed on known numbers, paired by seed, with
non-finite values left out and counted, and one replication shown without an interval."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from app.sim.batch import RunOutcome, RunTask
from app.sim.differences import paired, paired_differences
from app.sim.intervals import interval

# Student's t, 97.5th percentile, from a printed table: 2 and 1 degrees of freedom.
T_2 = 4.3027
T_1 = 12.706


def outcome(policy: str, seed: int, **summary: float) -> RunOutcome:
    task = RunTask(Path(f"runs/{policy}/{seed}"), {}, seed, policy)
    return RunOutcome(task, dict(summary), [], False)


BASE = [10.0, 20.0, 30.0]
OTHER = [12.0, 21.0, 33.0]  # differences 2, 1, 3: mean 2, standard deviation 1


def test_the_paired_half_width_is_the_hand_computed_one_not_the_unpaired_one() -> None:
    seeds = [101, 202, 303]
    outcomes = [outcome("base", s, shares=v) for s, v in zip(seeds, BASE, strict=True)]
    # The other policy's runs arrive in another order: pairing must follow the seed.
    pairs = list(zip(seeds, OTHER, strict=True))
    outcomes += [outcome("new", s, shares=v) for s, v in reversed(pairs)]
    d = paired_differences("base", ["base", "new"], ["shares"], outcomes)
    cell = d.cells[("shares", "new")]
    assert cell.finite is not None and cell.pairs == cell.used == 3
    assert cell.finite.mean == pytest.approx(2.0)
    assert cell.finite.half_width == pytest.approx(T_2 * 1.0 / math.sqrt(3), abs=1e-3)
    # What the two policies' own intervals suggest is some fifteen times as wide: the runs
    # share their noise (10, 20, 30), and pairing takes it out.
    unpaired = math.hypot(interval(BASE).half_width, interval(OTHER).half_width)
    assert unpaired > 10 * cell.finite.half_width
    assert cell.excludes_zero is False  # 2 ± 2.48 still includes 0
    assert d.display("shares", "new") == "+2 ± 2.48"


def test_an_interval_wholly_above_zero_is_marked() -> None:
    cell = paired(BASE, [13.0, 23.5, 33.0])  # 3, 3.5, 3: mean 3.17, half-width 0.72
    assert cell.excludes_zero is True
    d = paired_differences(
        "b",
        ["b", "a"],
        ["shares"],
        [outcome(p, s, shares=v) for p, vs in (("b", BASE), ("a", [13, 23.5, 33])) for s, v in
         enumerate(vs)],
    )  # fmt: skip
    assert d.display("shares", "a") == "+3.17 ± 0.717 *"
    assert d.rows()[0]["excludes_zero"] is True
    below = paired([13.0, 23.5, 33.0], BASE)
    assert below.excludes_zero is True and below.finite is not None and below.finite.high < 0


def test_a_pair_with_an_infinite_value_is_left_out_and_counted() -> None:
    cell = paired([math.inf, 2.0, 3.0, 4.0], [5.0, math.inf, 4.0, 6.0])
    assert cell.pairs == 4 and cell.used == 2  # (3, 4) and (4, 6): differences 1 and 2
    assert cell.finite is not None and cell.finite.mean == 1.5
    assert cell.finite.half_width == pytest.approx(T_1 * math.sqrt(0.5) / math.sqrt(2), abs=1e-3)
    both = paired([math.inf, math.inf], [math.inf, math.inf])  # inf - inf is undefined
    assert both.finite is None and both.used == 0 and both.excludes_zero is None


def test_the_display_and_rows_say_what_was_left_out() -> None:
    outcomes = [
        outcome("b", 1, ratio=math.inf),
        outcome("b", 2, ratio=2.0),
        outcome("b", 3, ratio=3.0),
        outcome("b", 4, ratio=4.0),
        outcome("a", 1, ratio=5.0),
        outcome("a", 2, ratio=math.inf),
        outcome("a", 3, ratio=4.0),
        outcome("a", 4, ratio=6.0),
        outcome("c", 1, ratio=math.inf),
        outcome("c", 2, ratio=math.inf),
        outcome("c", 3, ratio=math.inf),
        outcome("c", 4, ratio=math.inf),
        outcome("d", 1, ratio=1.0),
        outcome("d", 2, ratio=math.inf),
        outcome("d", 3, ratio=1.0),  # the one finite pair: 1 - 3
        outcome("d", 4, ratio=math.inf),
    ]
    d = paired_differences("b", ["b", "a", "c", "d"], ["ratio"], outcomes)
    assert d.display("ratio", "a") == "+1.5 ± 6.35 (2 of 4 pairs)"
    assert d.display("ratio", "c") == "n/a (0 of 4 pairs finite)"
    assert d.display("ratio", "d") == "-2, no interval (1 of 4 pairs)"
    rows = {r["policy"]: r for r in d.rows()}
    assert rows["a"]["finite_pairs"] == 2 and rows["a"]["pairs"] == 4
    assert math.isnan(rows["c"]["mean_difference"]) and "excludes_zero" not in rows["c"]
    assert math.isnan(rows["d"]["ci_low"]) and "excludes_zero" not in rows["d"]


def test_one_replication_has_no_interval_and_no_plus_minus() -> None:
    d = paired_differences(
        "b", ["b", "a"], ["shares"], [outcome("b", 7, shares=5.0), outcome("a", 7, shares=5.0)]
    )
    assert d.display("shares", "a") == "0, no interval"
    cell = paired([5.0], [8.0])
    assert cell.finite is not None and math.isnan(cell.finite.half_width)
    assert cell.excludes_zero is None


def test_a_metric_one_policy_never_emitted_counts_as_zero() -> None:
    # refused_<code> appears only in runs that met the code.
    outcomes = [outcome("b", 1, refused_x=2.0), outcome("b", 2, refused_x=4.0)]
    outcomes += [outcome("a", 1), outcome("a", 2)]
    d = paired_differences("b", ["b", "a"], ["refused_x"], outcomes)
    cell = d.cells[("refused_x", "a")]
    assert cell.finite is not None and cell.finite.mean == -3.0


def test_runs_on_other_seeds_are_refused() -> None:
    outcomes = [outcome("b", 1, shares=1.0), outcome("a", 2, shares=1.0)]
    with pytest.raises(ValueError, match="same replications"):
        paired_differences("b", ["b", "a"], ["shares"], outcomes)
