"""Small data sets for the models tests: fast to make, big enough to learn from."""

from __future__ import annotations

import random

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

Split = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


@pytest.fixture(scope="session")
def digits() -> Split:
    """sklearn's 8×8 digits, flattened to (n, 64) float32: X_train, X_test, y_train, y_test."""
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X.astype(np.float32), y.astype(np.int64), test_size=0.3, random_state=0, stratify=y)
    return X_train, X_test, y_train, y_test


@pytest.fixture(scope="session")
def mnist1d_small() -> Split:
    """2000 MNIST-1D signals of length 40 (10 classes) from the mnist1d package.

    `make_dataset` seeds Python's and NumPy's global generators; both are restored so
    the fixture does not change other tests' randomness.
    """
    from mnist1d.data import get_dataset_args, make_dataset

    # The legacy global generator is exactly what make_dataset seeds, so save that one.
    np_state, py_state = np.random.get_state(), random.getstate()  # noqa: NPY002
    try:
        args = get_dataset_args()
        args.num_samples = 2000
        data = make_dataset(args)
    finally:
        np.random.set_state(np_state)  # noqa: NPY002
        random.setstate(py_state)
    return (data["x"].astype(np.float32), data["x_test"].astype(np.float32),
            data["y"].astype(np.int64), data["y_test"].astype(np.int64))
