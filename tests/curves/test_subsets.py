"""The evaluation split and nested stratified subsets."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from datacurve import InputError
from datacurve.curves import make_eval_split, nested_order, valid_anchors
from datacurve.data import Dataset


def _dataset(y: np.ndarray, split: np.ndarray | None = None) -> Dataset:
    X = np.arange(y.size, dtype=np.float32)[:, None]
    return Dataset(X, y.astype(np.int64), "classification", split=split)


labels = st.lists(st.integers(0, 4), min_size=30, max_size=300).map(np.array).filter(
    lambda y: np.unique(y).size >= 2)


@settings(max_examples=50, deadline=None)
@given(labels, st.integers(0, 1000))
def test_subsets_are_nested_and_hold_every_class(y: np.ndarray, seed: int) -> None:
    """Each prefix of a seed's order is inside every longer one and, from length k on,
    holds every class of the pool."""
    ds = _dataset(y)
    split = make_eval_split(ds, eval_size=0.2, seed=0)
    order = nested_order(ds, split.pool, seed)
    assert sorted(order.tolist()) == sorted(split.pool.tolist())
    pool_classes = np.unique(y[split.pool])
    k = pool_classes.size
    for m in (k, k + 3, order.size // 2):
        assert set(np.unique(y[order[:m]])) == set(pool_classes)


@settings(max_examples=30, deadline=None)
@given(labels, st.integers(0, 1000))
def test_eval_split_is_disjoint_and_complete(y: np.ndarray, seed: int) -> None:
    """Pool and evaluation rows partition the dataset; every class is in the pool."""
    ds = _dataset(y)
    split = make_eval_split(ds, eval_size=0.25, seed=seed)
    assert np.intersect1d(split.pool, split.evaluation).size == 0
    assert split.pool.size + split.evaluation.size == y.size
    assert set(np.unique(y[split.pool])) == set(np.unique(y))


def test_prefixes_are_stratified() -> None:
    """A prefix of the order keeps class proportions within one example per class."""
    y = np.repeat([0, 1, 2], [600, 300, 100])
    ds = _dataset(y)
    order = nested_order(ds, np.arange(y.size), seed=3)
    for m in (50, 100, 400):
        counts = np.bincount(y[order[:m]], minlength=3)
        expected = m * np.array([0.6, 0.3, 0.1])
        assert np.all(np.abs(counts - expected) <= 2), (m, counts)


def test_seeds_give_different_orders() -> None:
    """Different seeds draw different subsets; the same seed draws the same one."""
    y = np.repeat([0, 1], 200)
    ds = _dataset(y)
    pool = np.arange(y.size)
    a, b, c = nested_order(ds, pool, 0), nested_order(ds, pool, 1), nested_order(ds, pool, 0)
    assert not np.array_equal(a, b)
    assert np.array_equal(a, c)


def test_split_column_fixes_the_evaluation_set() -> None:
    """Rows marked 'test' in the split column are the evaluation set."""
    y = np.tile([0, 1], 50)
    split = np.where(np.arange(100) < 30, "test", "train")
    s = make_eval_split(_dataset(y, split))
    assert s.evaluation.tolist() == list(range(30))


def test_all_rows_marked_test_is_refused() -> None:
    """A split column marking every row as evaluation leaves nothing to train on."""
    y = np.tile([0, 1], 10)
    with pytest.raises(InputError) as info:
        make_eval_split(_dataset(y, np.full(20, "test")))
    assert "split" in str(info.value)


def test_anchor_below_the_class_count_is_skipped_with_a_warning() -> None:
    """An anchor smaller than the number of classes is dropped and a warning says so."""
    y = np.repeat(np.arange(5), 20)
    ds = _dataset(y)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        kept = valid_anchors(ds, np.arange(100), np.array([3, 8, 16]))
    assert kept.tolist() == [8, 16]
    assert any("3" in str(w.message) and "5 classes" in str(w.message) for w in caught)
