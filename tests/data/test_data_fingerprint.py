"""Tests of dataset fingerprints: stable for equal content, sensitive to any change."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from datacurve.data import Dataset, fingerprint_arrays

_features = hnp.arrays(np.float32, hnp.array_shapes(min_dims=2, max_dims=4, min_side=1,
                                                    max_side=6),
                       elements=st.floats(-1e3, 1e3, width=32))


@settings(max_examples=50, deadline=None)
@given(X=_features, seed=st.integers(0, 100))
def test_fingerprint_is_stable_for_equal_content(X: np.ndarray, seed: int) -> None:
    """Copies (and non-contiguous views) of the same data have the same fingerprint."""
    y = np.random.default_rng(seed).integers(0, 3, size=X.shape[0])
    view = np.asfortranarray(X)
    assert fingerprint_arrays(X, y, "classification") == fingerprint_arrays(
        view, y.copy(), "classification")


@settings(max_examples=50, deadline=None)
@given(X=_features, data=st.data())
def test_fingerprint_changes_with_any_feature(X: np.ndarray, data: st.DataObject) -> None:
    """Changing one feature value changes the fingerprint."""
    y = np.zeros(X.shape[0], dtype=np.int64)
    index = tuple(data.draw(st.integers(0, s - 1)) for s in X.shape)
    changed = X.copy()
    changed[index] = X[index] + np.float32(1.0)
    assert fingerprint_arrays(X, y, "regression") != fingerprint_arrays(changed, y, "regression")


@settings(max_examples=50, deadline=None)
@given(y=hnp.arrays(np.int64, st.integers(1, 30), elements=st.integers(0, 4)), data=st.data())
def test_fingerprint_changes_with_any_label(y: np.ndarray, data: st.DataObject) -> None:
    """Changing one label changes the fingerprint."""
    X = np.zeros((len(y), 2), np.float32)
    i = data.draw(st.integers(0, len(y) - 1))
    changed = y.copy()
    changed[i] = (y[i] + 1) % 5
    assert fingerprint_arrays(X, y, "classification") != fingerprint_arrays(
        X, changed, "classification")


def test_fingerprint_ignores_sparse_index_order() -> None:
    """A CSR matrix with unsorted column indices fingerprints like its sorted twin."""
    unsorted = sp.csr_matrix((np.array([2.0, 1.0], np.float32), np.array([1, 0]),
                              np.array([0, 2])), shape=(1, 2))
    y = np.zeros(1, np.int64)
    assert fingerprint_arrays(unsorted, y, "regression") == fingerprint_arrays(
        sp.csr_matrix(np.array([[1.0, 2.0]], np.float32)), y, "regression")


def test_dataset_equality_follows_the_fingerprint() -> None:
    """Datasets with equal content are equal whatever their names and metadata."""
    X = np.arange(6, dtype=np.float32).reshape(3, 2)
    y = np.array([0, 1, 0])
    a = Dataset(X, y, "classification", name="a", metadata={"k": 1})
    b = Dataset(X.copy(), y.copy(), "classification", name="b")
    assert a == b and hash(a) == hash(b) and a.fingerprint == b.fingerprint
