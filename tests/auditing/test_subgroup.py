"""The ``subgroup`` check: a tiny group is under-represented, a group whose labels are
mostly noise under-performs, and balanced, equally served groups are left alone."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from datacurve.auditing import audit
from datacurve.auditing.checks._subgroup import MIN_COUNT, wilson_interval

SIZES = {"A": 300, "B": 300, "C": 300, "D": 300, "E": 12}


def planted(seed: int = 0, noisy: str | None = "D",
            sizes: dict[str, int] | None = None) -> tuple[np.ndarray, np.ndarray,
                                                         np.ndarray, np.ndarray]:
    """Features, labels, groups and out-of-sample probabilities of a model that reads the
    label from feature 0 (right ~90% of the time); in group `noisy` the labels are
    replaced by coin flips, so the model is right there only ~half the time."""
    sizes = SIZES if sizes is None else sizes
    rng = np.random.default_rng(seed)
    groups = np.repeat(np.array(list(sizes)), list(sizes.values()))
    n = groups.size
    X = rng.normal(size=(n, 3))
    truth = (X[:, 0] > 0).astype(int)
    flip = rng.random(n) < 0.1
    y = np.where(flip, 1 - truth, truth)
    if noisy is not None:
        in_noisy = groups == noisy
        y[in_noisy] = rng.integers(0, 2, size=int(in_noisy.sum()))
    p1 = np.where(truth == 1, 0.85, 0.15)
    pp = np.column_stack([1 - p1, p1])
    return X, y, groups, pp


def run_subgroup(X: np.ndarray, y: np.ndarray, groups: np.ndarray | None,
                 pp: np.ndarray | None = None, **params: object) -> object:
    """The ``subgroup`` result of an audit."""
    return audit(X, y, groups=groups, pred_probs=pp, checks=["subgroup"],
                 params={"subgroup": params} if params else None).results["subgroup"]


def test_noisy_group_is_under_performing() -> None:
    """The group with coin-flip labels is the only one flagged as under-performing."""
    r = run_subgroup(*planted())
    assert r.info["under_performing"] == ["D"]


def test_tiny_group_is_under_represented() -> None:
    """The 12-example group is the only one flagged as under-represented."""
    r = run_subgroup(*planted())
    assert r.info["under_represented"] == ["E"]


def test_flags_mark_exactly_the_rows_of_flagged_groups() -> None:
    """Flags cover the rows of the noisy and the tiny group, and nothing else."""
    X, y, groups, pp = planted()
    r = run_subgroup(X, y, groups, pp)
    np.testing.assert_array_equal(r.flags, np.isin(groups, ["D", "E"]))


def test_balanced_equal_groups_are_not_flagged() -> None:
    """Five groups of 200 served equally well: no flag, whatever the seed."""
    sizes = {g: 200 for g in "PQRST"}
    for seed in range(5):
        r = run_subgroup(*planted(seed, noisy=None, sizes=sizes))
        assert not r.flags.any(), seed


def test_small_random_gap_is_not_significant() -> None:
    """A group a few points below overall by chance is not flagged (Wilson, Bonferroni)."""
    X, y, groups, pp = planted(noisy=None, sizes={"A": 400, "B": 60})
    in_b = np.flatnonzero(groups == "B")
    y[in_b[:3]] = 1 - y[in_b[:3]]                    # ~5 points worse on 60 examples
    r = run_subgroup(X, y, groups, pp)
    assert r.info["under_performing"] == []


def test_score_is_group_accuracy_relative_to_overall() -> None:
    """Rows score their group's accuracy over the overall accuracy (capped at 1)."""
    X, y, groups, pp = planted()
    r = run_subgroup(X, y, groups, pp)
    correct = pp.argmax(axis=1) == y
    in_d = groups == "D"
    assert r.scores[in_d][0] == pytest.approx(correct[in_d].mean() / correct.mean())
    assert np.all(r.scores[groups == "A"] <= 1.0)


def test_tiny_group_score_reflects_its_size() -> None:
    """A group below the size threshold scores at most its size over the threshold."""
    X, y, groups, pp = planted()
    r = run_subgroup(X, y, groups, pp)
    assert r.scores[groups == "E"].max() <= SIZES["E"] / MIN_COUNT + 1e-12


def test_group_table_in_info() -> None:
    """info["groups"] holds one dict per group, largest first, with the key figures."""
    r = run_subgroup(*planted())
    table = r.info["groups"]
    assert [row["group"] for row in table] == ["A", "B", "C", "D", "E"]
    d = table[3]
    assert d["count"] == 300 and d["share"] == pytest.approx(300 / 1212)
    assert d["ci_low"] <= d["accuracy"] <= d["ci_high"] < r.info["overall_accuracy"]
    assert d["under_performing"] and not d["under_represented"]


def test_needs_a_group_column() -> None:
    """Without groups the check is skipped, saying why."""
    X, y, _, pp = planted()
    r = run_subgroup(X, y, None, pp)
    assert r.skipped == "needs a group column" and not r.flags.any()


def test_representation_only() -> None:
    """performance=False: sizes only, no predictions needed."""
    X, y, groups, _ = planted()
    r = run_subgroup(X, y, groups, None, performance=False)
    assert r.info["under_represented"] == ["E"] and r.info["under_performing"] == []
    assert r.info["performance_skipped"] == "performance=False"


def test_wilson_interval_matches_scipy() -> None:
    """The vectorised Wilson interval equals scipy's binomtest(...).proportion_ci."""
    k, n = np.array([0, 7, 45, 300]), np.array([10, 20, 50, 300])
    low, high = wilson_interval(k, n, 0.99)
    for i in range(k.size):
        ci = stats.binomtest(int(k[i]), int(n[i])).proportion_ci(0.99, method="wilson")
        assert (low[i], high[i]) == pytest.approx((ci.low, ci.high))


def test_computed_probabilities_find_the_noisy_group() -> None:
    """Without pred_probs, the default out-of-fold probabilities also expose the noisy
    group."""
    pytest.importorskip("datacurve.auditing._probs")
    X, y, groups, _ = planted(noisy="C", sizes={"A": 150, "B": 150, "C": 150})
    r = run_subgroup(X, y, groups)
    assert r.info["under_performing"] == ["C"]
