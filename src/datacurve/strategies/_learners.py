"""Strategies as learners: each wraps the baseline's spec and trains it the strategy's
way, so a strategy's trials are ordinary trials of the runner (same nested subsets,
seeds and evaluation set; the strategy is part of the learner's identity, hence of the
trial key, and a killed run resumes like any other).

Both are scikit-learn estimators (`get_params` gives the runner their identity;
`random_state` is set per trial by the runner).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator

__all__ = ["EnsembleLearner", "NoiseCopiesLearner"]


def _count(fitted: Any) -> int:
    from datacurve.models import parameter_count

    return int(parameter_count(fitted))


def _take(X: Any, rows: np.ndarray) -> Any:
    """Rows of an array, a sparse matrix or a DataFrame."""
    if hasattr(X, "iloc"):
        return X.iloc[rows]
    return X[rows]


def _build(spec: str, task: str, random_state: int) -> Any:
    from datacurve.models import parse_spec

    return parse_spec(spec).build(task, random_state=random_state)


class EnsembleLearner(BaseEstimator):
    """`k` members of the baseline, each built with its own seed, their predicted
    probabilities (or values) averaged. Torch learners train every member on the same
    examples (a deep ensemble: the seeds make them differ); other learners train each
    member on a bootstrap resample of them (bagging), since many estimators are
    deterministic given their data. Costs k× the training compute.

    Parameters
    ----------
    spec : str
        The baseline's model spec.
    k : int
        Members (>= 2).
    task : {"classification", "regression"}
    bootstrap : {"auto", True, False}
        Train each member on a bootstrap resample; "auto": unless the baseline is a torch
        learner (``mlp:``, ``cnn:``, ``torch:`` specs).
    random_state : int
        Seed of the first member; member i uses ``random_state + 7919 * i``.
    """

    def __init__(self, spec: str = "", k: int = 5, task: str = "classification",
                 bootstrap: str | bool = "auto", random_state: int = 0) -> None:
        self.spec = spec
        self.k = k
        self.task = task
        self.bootstrap = bootstrap
        self.random_state = random_state

    def fit(self, X: Any, y: np.ndarray) -> EnsembleLearner:
        """Train the `k` members on (X, y) or on bootstrap resamples of it."""
        seed = int(self.random_state or 0)
        y = np.asarray(y)
        bootstrap = (self.spec.split(":", 1)[0] not in ("mlp", "cnn", "torch")
                     if self.bootstrap == "auto" else bool(self.bootstrap))
        rng = np.random.default_rng(seed)
        self.members_ = []
        for i in range(int(self.k)):
            rows = np.arange(len(y))
            if bootstrap:
                rows = rng.integers(0, len(y), len(y))
                if self.task == "classification":  # every class in every member
                    first = np.unique(y, return_index=True)[1]
                    rows[: first.size] = first
            member = _build(self.spec, self.task, seed + 7919 * i)
            self.members_.append(member.fit(_take(X, rows), y[rows]))
        # All members' parameters: what the ensemble costs (read by parameter_count).
        self.n_params_ = int(sum(_count(m) for m in self.members_))
        if self.task == "classification":
            self.classes_ = np.unique(y)
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        """Mean of the members' probabilities, shape (n, classes)."""
        return np.mean([m.predict_proba(X) for m in self.members_], axis=0)

    def predict(self, X: Any) -> np.ndarray:
        """Class of the mean probability, or the mean prediction (regression)."""
        if self.task == "classification":
            return self.classes_[np.argmax(self.predict_proba(X), axis=1)]
        return np.mean([m.predict(X) for m in self.members_], axis=0)


class NoiseCopiesLearner(BaseEstimator):
    """Table augmentation for learners without an epoch loop: the training examples plus
    `k` copies of each with Gaussian noise of `sigma` standard deviations per feature
    (standardised units: each column's own spread), labels kept. A fixed pile of
    copies, said so in the strategy's name; torch learners get augmentation per epoch
    with issue 17's augmentation step.

    Parameters
    ----------
    spec : str
        The baseline's model spec.
    k : int
        Noisy copies per example (>= 1).
    sigma : float
        Noise in standard deviations of each feature (> 0).
    task : {"classification", "regression"}
    random_state : int
    """

    def __init__(self, spec: str = "", k: int = 4, sigma: float = 0.1,
                 task: str = "classification", random_state: int = 0) -> None:
        self.spec = spec
        self.k = k
        self.sigma = sigma
        self.task = task
        self.random_state = random_state

    def fit(self, X: Any, y: np.ndarray) -> NoiseCopiesLearner:
        """Train the baseline on the examples and their noisy copies."""
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2:
            from datacurve._errors import InputError

            raise InputError("strategy", "a table (rows × numeric columns) for noise:"
                             " copies", f"features of shape {X.shape}")
        rng = np.random.default_rng(self.random_state)
        scale = X.std(axis=0)
        scale[~np.isfinite(scale) | (scale == 0)] = 1.0
        copies = [X] + [X + rng.normal(size=X.shape) * scale * float(self.sigma)
                        for _ in range(int(self.k))]
        self.model_ = _build(self.spec, self.task, int(self.random_state or 0))
        self.model_.fit(np.concatenate(copies), np.tile(np.asarray(y), int(self.k) + 1))
        self.n_params_ = _count(self.model_)
        if self.task == "classification":
            self.classes_ = np.unique(y)
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        """The baseline's probabilities, shape (n, classes)."""
        return np.asarray(self.model_.predict_proba(np.asarray(X, dtype=np.float64)))

    def predict(self, X: Any) -> np.ndarray:
        """The baseline's predictions."""
        return np.asarray(self.model_.predict(np.asarray(X, dtype=np.float64)))
