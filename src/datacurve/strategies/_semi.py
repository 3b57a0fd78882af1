"""Semi-supervised learning as a strategy: the trial's labelled subset of size n plus the
rest of the training pool with its labels hidden, trained by self-training (scikit-learn's
`SelfTrainingClassifier`: the model labels the unlabelled rows it is confident about,
above a probability threshold, and retrains, for a few rounds).

It is an `IndexLearner`: it needs the rows of the pool that are not in the trial's
subset, which only the row indices of the run's data give. The unlabelled rows are the
run's rows minus the trial's training subset minus its evaluation rows, so evaluation
labels never leak, and their labels are never read. Its value is priced, as every
strategy's, in labelled samples: the multiplier says how many labelled samples the
baseline needs to match it.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone

from datacurve._errors import InputError
from datacurve.models import IndexLearner, RowAccess, TrialOutput, parameter_count, parse_spec

__all__ = ["SelfTrainingLearner"]


class _Shaped(ClassifierMixin, BaseEstimator):
    """`estimator` fed rows of `shape` from flat rows (for `SelfTrainingClassifier`,
    which validates 2-D input)."""

    def __init__(self, estimator: Any = None, shape: tuple[int, ...] = ()) -> None:
        self.estimator = estimator
        self.shape = shape

    def _rows(self, X: Any) -> Any:
        return np.asarray(X).reshape(-1, *self.shape) if len(self.shape) > 1 else X

    def fit(self, X: Any, y: np.ndarray) -> _Shaped:
        self.estimator_ = clone(self.estimator).fit(self._rows(X), y)
        self.classes_ = self.estimator_.classes_
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        return np.asarray(self.estimator_.predict_proba(self._rows(X)))

    def predict(self, X: Any) -> np.ndarray:
        return np.asarray(self.classes_[np.argmax(self.predict_proba(X), axis=1)])


class SelfTrainingLearner(IndexLearner):
    """Self-training with confidence-thresholded pseudo-labels.

    Parameters
    ----------
    spec : str
        The baseline's model spec (a classifier with probabilities).
    threshold : float
        Predicted probability above which an unlabelled row gets its pseudo-label, in
        (0, 1).
    max_iter : int
        Rounds of pseudo-labelling and retraining (>= 1).
    unlabelled : int or None
        Most unlabelled rows used (a seeded random choice among them); None: all.
    augment : str or None
        Augmentation operations (`datacurve.models.AUGMENTATIONS`, e.g.
        ``"shift=0.1"``): pseudo-labels with augmentation consistency. A row gets its
        pseudo-label only when the prediction on its clean view is above `threshold`
        and the same class is predicted on `views` augmented views of it; the built-in
        torch learners also train with the augmentation, every epoch (on the
        pseudo-labelled rows too: their augmented views must keep the pseudo-label).
    views : int
        Augmented views a pseudo-label must agree with (>= 1; with `augment`).
    name : str
        Name in the results.
    """

    def __init__(self, spec: str, *, threshold: float = 0.9, max_iter: int = 10,
                 unlabelled: int | None = None, name: str | None = None,
                 augment: str | None = None, views: int = 2) -> None:
        from datacurve.models import parse_augmentation

        if not 0.0 < float(threshold) < 1.0:
            raise InputError("threshold", "a probability in (0, 1)", repr(threshold))
        if int(max_iter) < 1:
            raise InputError("max_iter", "an integer >= 1", repr(max_iter))
        if unlabelled is not None and int(unlabelled) < 1:
            raise InputError("unlabelled", "a positive number of rows or None",
                             repr(unlabelled))
        self.spec = parse_spec(spec).canonical
        self.threshold, self.max_iter = float(threshold), int(max_iter)
        self.unlabelled = None if unlabelled is None else int(unlabelled)
        parsed = parse_augmentation(augment)
        self.augment = None if parsed is None else parsed.canonical
        if int(views) < 1:
            raise InputError("views", "an integer >= 1", repr(views))
        self.views = int(views)
        self.label: str = name or f"{self.spec} + selftrain:threshold={self.threshold:g}"
        self.name = self.label
        self.params: dict[str, Any] = {}

    def with_params(self, **params: Any) -> SelfTrainingLearner:
        """Self-training has no sweep of its own: the same learner."""
        return self

    def display_name(self) -> str:
        """The name in the results."""
        return self.label

    def identity(self) -> str:
        """Everything that changes what it computes (part of the trial key)."""
        from datacurve.models import spec_identity

        return (f"selftrain|{spec_identity(parse_spec(self.spec))}|threshold="
                f"{self.threshold!r}|max_iter={self.max_iter}|unlabelled={self.unlabelled}"
                + (f"|augment={self.augment}|views={self.views}" if self.augment else ""))

    def run(self, access: RowAccess, train: np.ndarray, evaluation: np.ndarray, *,
            seed: int, task: str, n_classes: int, metric: str | None) -> TrialOutput:
        """Train on rows `train` (labelled) and the pool's other rows (labels hidden);
        class probabilities for `train` and `evaluation`, shapes (m, k) and (n_eval, k)."""
        from sklearn.semi_supervised import SelfTrainingClassifier

        if task != "classification":
            raise InputError("strategies", "a classification task for self-training",
                             f"a {task} task")
        rows = np.arange(len(access.y))
        pool = np.setdiff1d(rows, np.union1d(train, evaluation), assume_unique=False)
        if self.unlabelled is not None and pool.size > self.unlabelled:
            pool = np.sort(np.random.default_rng(seed).choice(pool, self.unlabelled,
                                                              replace=False))
        if self.augment is not None:
            return self._run_consistent(access, train, evaluation, pool, seed=seed,
                                        task=task, n_classes=n_classes)
        X = access.features(np.concatenate([train, pool]))
        shape = tuple(np.shape(X)[1:])
        y = np.concatenate([access.y[train].astype(np.int64),
                            np.full(pool.size, -1, dtype=np.int64)])
        # SelfTrainingClassifier takes 2-D rows only: images and multi-channel signals go
        # through it flat and are given back their shape inside (a CNN still sees them).
        base = _Shaped(parse_spec(self.spec).build(task, random_state=seed), shape)
        X = np.asarray(X).reshape(len(y), -1) if len(shape) > 1 else X
        model = SelfTrainingClassifier(base, threshold=self.threshold,
                                       max_iter=self.max_iter)
        t0 = time.perf_counter()
        model.fit(X, y)
        fit_time = time.perf_counter() - t0

        def probs(Z: Any) -> np.ndarray:
            Z = np.asarray(Z).reshape(len(Z), -1) if len(shape) > 1 else Z
            out = np.zeros((len(Z), n_classes))
            out[:, np.asarray(model.classes_, dtype=np.int64)] = model.predict_proba(Z)
            return out

        pseudo = int((np.asarray(model.labeled_iter_)[len(train):] > 0).sum())
        return TrialOutput(
            train_outputs=probs(access.features(train)),
            eval_outputs=probs(access.features(evaluation)), train_scores={},
            val_scores={}, params=int(parameter_count(model.estimator_.estimator_)),
            fit_time=fit_time,
            info={"unlabelled": int(pool.size), "pseudo_labelled": pseudo,
                  "rounds": int(model.n_iter_)})

    def _run_consistent(self, access: RowAccess, train: np.ndarray, evaluation: np.ndarray,
                        pool: np.ndarray, *, seed: int, task: str,
                        n_classes: int) -> TrialOutput:
        """Self-training whose pseudo-labels must agree across augmented views (see
        `augment`); hand-written because `SelfTrainingClassifier` accepts a row on its
        confidence alone."""
        from datacurve.models import parse_augmentation
        from datacurve.strategies._learners import augmented_views

        aug = parse_augmentation(self.augment)
        assert aug is not None
        parsed = parse_spec(self.spec)
        spec = parsed.with_params(augment=aug.canonical) if parsed.kind in ("mlp", "cnn") \
            else parsed
        X_l = np.asarray(access.features(train), dtype=np.float64)
        y_l = access.y[train].astype(np.int64)
        X_u = np.asarray(access.features(pool), dtype=np.float64)
        views = augmented_views(X_u, aug, self.views, seed)[0] if len(pool) else []
        pseudo = np.full(len(pool), -1, dtype=np.int64)
        t0 = time.perf_counter()
        rounds = 0
        model = spec.build(task, random_state=seed)
        model.fit(X_l, y_l)
        for _ in range(self.max_iter):
            open_rows = np.flatnonzero(pseudo < 0)
            if not open_rows.size:
                break
            P = np.asarray(model.predict_proba(X_u[open_rows]))
            label = np.asarray(model.classes_)[P.argmax(1)]
            ok = P.max(1) >= self.threshold
            for view in views:
                Q = np.asarray(model.predict_proba(view[open_rows]))
                ok &= np.asarray(model.classes_)[Q.argmax(1)] == label
            if not ok.any():
                break
            pseudo[open_rows[ok]] = label[ok]
            have = pseudo >= 0
            model = spec.build(task, random_state=seed)
            model.fit(np.concatenate([X_l, X_u[have]]), np.concatenate([y_l, pseudo[have]]))
            rounds += 1
        fit_time = time.perf_counter() - t0

        def probs(Z: Any) -> np.ndarray:
            out = np.zeros((len(Z), n_classes))
            out[:, np.asarray(model.classes_, dtype=np.int64)] = model.predict_proba(
                np.asarray(Z, dtype=np.float64))
            return out

        return TrialOutput(
            train_outputs=probs(X_l), eval_outputs=probs(access.features(evaluation)),
            train_scores={}, val_scores={}, params=int(parameter_count(model)),
            fit_time=fit_time,
            info={"unlabelled": int(pool.size), "pseudo_labelled": int((pseudo >= 0).sum()),
                  "rounds": rounds, "consistency_views": self.views})
