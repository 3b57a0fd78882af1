"""The ``leakage`` check on planted cross-split copies and shared groups."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from datacurve.auditing import audit
from datacurve.auditing.checks._leakage import cross_side
from tests.auditing.test_duplicates import mixture, noisy_digit_copies, precision_recall

N, D = 3000, 64
N_TEST = 600
N_EXACT, N_NEAR = 40, 40
NOISE = 1e-3


def split_of(n: int = N, n_test: int = N_TEST) -> np.ndarray:
    """The last `n_test` rows are test, the others train."""
    return np.where(np.arange(n) < n - n_test, "train", "test")


def planted_leaks(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A split mixture whose first test rows copy train rows (`N_EXACT` exactly, then
    `N_NEAR` with noise). Returns X, y and the (train, test) pairs of each kind."""
    X, y = mixture(seed=seed)
    rng = np.random.default_rng(seed + 1)
    src = rng.choice(N - N_TEST, N_EXACT + N_NEAR, replace=False)
    dst = np.arange(N - N_TEST, N - N_TEST + N_EXACT + N_NEAR)
    X[dst] = X[src]
    X[dst[N_EXACT:]] += rng.normal(size=(N_NEAR, D)) * NOISE * X.std(axis=0)
    pairs = np.column_stack([src, dst])
    return X, y, pairs[:N_EXACT], pairs[N_EXACT:]


def test_cross_split_copies_found_precisely() -> None:
    """Exact and near copies across the split are flagged at high precision."""
    X, y, exact, near = planted_leaks()
    r = audit(X, y, split=split_of(), checks=["leakage"])
    truth = np.concatenate([exact.ravel(), near.ravel()])
    precision, recall = precision_recall(r.flagged("leakage"), truth)
    assert recall >= 0.99 and precision >= 0.95


def test_noisy_digit_copies_leak() -> None:
    """Digits copied into the test side under invisible pixel noise are found as leaks:
    recall >= 0.99 at precision >= 0.9."""
    X, y, pairs = noisy_digit_copies(n_copies=40)
    split = np.where(np.arange(len(y)) < len(y) - 340, "train", "test")
    split[pairs[:, 0]] = "train"
    r = audit(X, y, split=split, checks=["leakage"])
    precision, recall = precision_recall(r.flagged("leakage"), pairs.ravel())
    assert recall >= 0.99 and precision >= 0.9


def test_both_members_of_each_leak_are_paired() -> None:
    """Every planted (train, test) pair is reported, both members flagged."""
    X, y, exact, near = planted_leaks()
    res = audit(X, y, split=split_of(), checks=["leakage"]).results["leakage"]
    planted = np.vstack([exact, near])
    assert {tuple(p) for p in planted} <= {tuple(p) for p in res.pairs}
    assert res.flags[planted.ravel()].all()


def test_leak_counts_by_kind() -> None:
    """The info counts test rows leaking exactly and nearly."""
    X, y, _, _ = planted_leaks()
    res = audit(X, y, split=split_of(), checks=["leakage"]).results["leakage"]
    assert res.info["test_rows"] == {"exact": N_EXACT, "near": N_NEAR, "group": 0}
    assert res.summary == pytest.approx(1 - (N_EXACT + N_NEAR) / N_TEST)


def test_duplicates_within_one_side_are_not_leaks() -> None:
    """Copies inside the train side (or inside the test side) are not leakage."""
    X, y = mixture(1000)
    X[10] = X[20]
    X[990] = X[980]
    res = audit(X, y, split=split_of(1000, 200), checks=["leakage"]).results["leakage"]
    assert res.n_flagged == 0 and res.summary == 1.0


def test_group_leakage_flags_whole_groups() -> None:
    """A group with rows on both sides has all its rows flagged and is named."""
    X, y = mixture(1000, 8)
    split = split_of(1000, 200)
    groups = np.where(split == "train", np.arange(1000) % 80, 100 + np.arange(1000) % 20)
    groups = groups.astype(object)
    groups[[900, 950]] = 7          # group 7 is train otherwise
    groups[901] = None              # no group: never leaks
    res = audit(X, y, split=split, groups=groups, checks=["leakage"]).results["leakage"]
    expected = np.flatnonzero(groups == 7)
    assert np.flatnonzero(res.flags).tolist() == expected.tolist()
    assert res.info["leaked_groups"] == ["7"] and res.info["rows"]["group"] == expected.size
    assert (res.scores[expected] == 0).all()


def test_no_split_is_skipped_with_reason() -> None:
    """Without a split the check is skipped and says what it needs."""
    X, y = mixture(100, 4)
    res = audit(X, y, checks=["leakage"]).results["leakage"]
    assert res.skipped is not None and "split" in res.skipped
    assert res.n_flagged == 0


@pytest.mark.parametrize("side", ["train", "test"])
def test_one_sided_split_is_skipped(side: str) -> None:
    """A split with only one side is skipped with a reason."""
    X, y = mixture(100, 4)
    res = audit(X, y, split=np.full(100, side), checks=["leakage"]).results["leakage"]
    assert res.skipped is not None and "train and test" in res.skipped


def test_approximate_search_finds_leaks() -> None:
    """Forcing the IVF index still finds every planted cross-split copy."""
    X, y, exact, near = planted_leaks()
    r = audit(X, y, split=split_of(), checks=["leakage"],
              params={"leakage": {"exact_search": False}})
    truth = np.concatenate([exact.ravel(), near.ravel()])
    precision, recall = precision_recall(r.flagged("leakage"), truth)
    assert recall >= 0.99 and precision >= 0.95


def test_cross_side_pairs_each_member_with_other_side() -> None:
    """Each member of a two-sided group pairs with the other side's first member."""
    codes = np.array([0, 1, 0, 0, 1, -1, 2])
    test = np.array([False, False, True, True, True, True, False])
    leaked, pairs = cross_side(codes, test)
    assert leaked.tolist() == [True, True, True, True, True, False, False]
    assert pairs.tolist() == [[0, 2], [0, 3], [1, 4]]


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 10_000))
def test_shuffling_rows_permutes_flags(seed: int) -> None:
    """Permuting rows (with their split and groups) permutes the flags the same way."""
    rng = np.random.default_rng(seed)
    X, y = mixture(240, 16, seed=seed % 7)
    split = split_of(240, 60)
    X[180:190] = X[:10]
    X[190:200] = X[10:20] + rng.normal(size=(10, 16)) * 1e-3
    groups = (np.arange(240) % 30).astype(str)
    groups[180:] = "t"
    groups[[0, 200]] = "shared"
    perm = rng.permutation(240)
    a = audit(X, y, split=split, groups=groups, checks=["leakage"])
    b = audit(X[perm], y[perm], split=split[perm], groups=groups[perm], checks=["leakage"])
    assert np.array_equal(a.results["leakage"].flags[perm], b.results["leakage"].flags)
