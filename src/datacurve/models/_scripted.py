"""A scripted learner for fast tests: it follows a known learning curve in microseconds.

Like httpx's ``MockTransport``, it replaces the expensive boundary (training) with a
stand-in whose behaviour is known exactly, so the runner, the store, fitting and
diagnosis can be tested without training real models. It reads the true class from a
feature column (datasets built for it carry the label there) and answers correctly on a
fraction ``accuracy(n) = asymptote - scale * n**-exponent`` of the rows, chosen by a
hash of each row so the answers are deterministic.
"""

from __future__ import annotations

import os
import time
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin

from datacurve._errors import InputError

__all__ = ["ScriptedLearner", "scripted_dataset_features", "scripted_sweep"]


def scripted_dataset_features(y: np.ndarray, n_noise: int = 3, seed: int = 0) -> np.ndarray:
    """Features for `ScriptedLearner`: the label in column 0, then random noise columns.

    Parameters
    ----------
    y : ndarray of shape (n,)
        Class codes.
    n_noise : int
        Noise columns after the label column.

    Returns
    -------
    ndarray of shape (n, 1 + n_noise), float32
    """
    rng = np.random.default_rng(seed)
    noise = rng.normal(size=(y.shape[0], n_noise))
    return np.column_stack([y.astype(np.float64), noise]).astype(np.float32)


class ScriptedLearner(ClassifierMixin, BaseEstimator):
    """A classifier whose accuracy follows ``asymptote - scale * n**-exponent``.

    Parameters
    ----------
    asymptote, scale, exponent : float
        The curve it follows on rows it did not train on (n = training-set size).
    train_accuracy : float
        Accuracy on the rows it trained on (1.0 memorises them).
    params : int
        The parameter count it reports.
    fail_above : int or None
        Raise ``RuntimeError`` when trained on more rows than this (failure tests).
    sleep_per_sample : float
        Seconds to sleep per training row (timing tests).
    crash_above : int or None
        Kill its own process with SIGKILL when trained on more rows (worker crash tests).
    random_state : int
        Changes which rows are answered correctly.
    """

    def __init__(self, asymptote: float = 0.9, scale: float = 0.8, exponent: float = 0.5,
                 train_accuracy: float = 1.0, params: int = 1000,
                 fail_above: int | None = None, sleep_per_sample: float = 0.0,
                 crash_above: int | None = None, random_state: int = 0) -> None:
        self.asymptote = asymptote
        self.scale = scale
        self.exponent = exponent
        self.train_accuracy = train_accuracy
        self.params = params
        self.fail_above = fail_above
        self.sleep_per_sample = sleep_per_sample
        self.crash_above = crash_above
        self.random_state = random_state

    def fit(self, X: Any, y: np.ndarray) -> ScriptedLearner:
        """Record the training size and rows (X of shape (n, d), label in column 0)."""
        X = np.asarray(X).reshape(len(y), -1)
        n = X.shape[0]
        if not np.array_equal(X[:, 0].astype(np.int64), np.asarray(y)):
            raise InputError("X", "the label in column 0 (see scripted_dataset_features)",
                             "other features")
        if self.fail_above is not None and n > self.fail_above:
            raise RuntimeError(f"scripted failure at n={n}")
        if self.crash_above is not None and n > self.crash_above:
            os.kill(os.getpid(), 9)
        if self.sleep_per_sample:
            time.sleep(self.sleep_per_sample * n)
        self.classes_ = np.unique(y)
        self.n_train_ = n
        self._train_hashes = np.sort(self._row_hash(X))
        self.n_params_ = int(self.params)
        return self

    def _row_hash(self, X: np.ndarray) -> np.ndarray:
        view = np.ascontiguousarray(X, dtype=np.float64)
        # A vectorised per-row hash: fixed random projection of the row's values.
        rng = np.random.default_rng(12345)
        w = rng.normal(size=view.shape[1])
        return np.round(view @ w, 9)

    def _uniform(self, h: np.ndarray) -> np.ndarray:
        x = np.sin(h * 12.9898 + 78.233 + self.random_state * 0.618) * 43758.5453
        return x - np.floor(x)

    def accuracy_at(self, n: int) -> float:
        """The scripted evaluation accuracy at training size n."""
        return float(np.clip(self.asymptote - self.scale * float(n) ** -self.exponent, 0, 1))

    def predict_proba(self, X: Any) -> np.ndarray:
        """Probabilities, shape (n, k): 0.9 on the right or on a wrong class."""
        X = np.asarray(X).reshape(np.asarray(X).shape[0], -1)
        truth = X[:, 0].astype(np.int64)
        h = self._row_hash(X)
        seen = np.isin(h, self._train_hashes)
        p_right = np.where(seen, self.train_accuracy, self.accuracy_at(self.n_train_))
        right = self._uniform(h) < p_right
        k = self.classes_.size
        pos = np.searchsorted(self.classes_, truth)
        wrong = (pos + 1 + (self._uniform(h * 7.0) * (k - 1)).astype(np.int64)) % k
        pick = np.where(right, pos, wrong)
        # Confident but not certain, so log-loss stays finite and meaningful.
        out = np.full((X.shape[0], k), 0.1 / max(k - 1, 1))
        out[np.arange(X.shape[0]), pick] = 0.9 if k > 1 else 1.0
        return out

    def predict(self, X: Any) -> np.ndarray:
        """Class labels, shape (n,)."""
        return np.asarray(self.classes_[self.predict_proba(X).argmax(axis=1)])


def scripted_sweep(params: int = 1000, *, capacity: float = 5.0, ceiling: float = 0.99,
                   scale: float = 1.2, exponent: float = 0.5, sleep_per_sample: float = 0.0,
                   random_state: int = 0) -> ScriptedLearner:
    """A `ScriptedLearner` whose size sets its ceiling, for model-size sweeps in tests:
    ``asymptote = ceiling - capacity / sqrt(params)``, so a sweep over `params`
    (``sweep={"params": [...]}``) measures a family that a joint scaling law describes.

    Returns
    -------
    ScriptedLearner
    """
    return ScriptedLearner(asymptote=ceiling - capacity / float(params) ** 0.5, scale=scale,
                           exponent=exponent, params=params,
                           sleep_per_sample=sleep_per_sample, random_state=random_state)
