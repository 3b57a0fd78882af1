"""Out-of-fold predicted probabilities for the checks that need a model (label errors).

Every example's probabilities come from a model that did not see it: stratified K-fold
cross-validation, folds seeded by the context's seed. The learner is chosen by the data's
size and kind (`choose_learner`):

``svc`` (dense or image features, n <= `SVC_MAX_N`)
    RBF support-vector machines, one per class (one-vs-rest), on min-max or standardised
    features; the scaler and C are chosen by a small cross-validated grid search. Their
    out-of-fold decision values are turned into probabilities by a multinomial logistic
    regression, itself cross-validated on the same folds (stacking, as in scikit-learn's
    `StackingClassifier`, without refitting the base model inside every fold). On
    scikit-learn's ``digits`` with 10% of the labels flipped this lets confident learning
    (``prune_by_class``) reach F1 ≈ 0.95 in about 3 s, where ``SVC(probability=True)``
    (libsvm's pairwise Platt scaling, deprecated in scikit-learn 1.9) reaches ≈ 0.94,
    `CalibratedClassifierCV` over SVC's vote-based decision values ≈ 0.82, and
    standardised logistic regression ≈ 0.86.
``hist_gradient_boosting`` (dense, `SVC_MAX_N` < n <= `HGB_MAX_N`)
    scikit-learn's histogram gradient boosting with early stopping (handles NaN).
``logistic_regression`` (dense n > `HGB_MAX_N`, or sparse features such as TF-IDF)
    Multinomial logistic regression (standardised dense features; C searched on sparse
    features when n is small). 100,000 × 64 takes a few seconds per fold.

Classes with fewer members than folds reduce the number of folds (down to 2); a class of
a single example cannot be both trained on and predicted, so its example gets probability
0 for its own class in the fold that holds it (label quality 0; cleanlab still leaves it
unflagged, as it keeps `min_examples_per_class` of every class).

What ran is recorded in the context under `PROBS_INFO_KEY` (see `probs_info`).

Notation: n examples, k classes, d features.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp

from datacurve._errors import InputError

if TYPE_CHECKING:
    from datacurve.auditing._context import AuditContext

__all__ = ["HGB_MAX_N", "N_FOLDS", "PROBS_INFO_KEY", "SVC_MAX_N", "Learner",
           "choose_learner", "fold_count", "out_of_fold_probs", "probs_info"]

N_FOLDS = 5
"""Cross-validation folds (fewer when a class has fewer members)."""

SVC_MAX_N = 4000
"""Largest n for the kernel SVM (its cost grows with n²)."""

HGB_MAX_N = 20000
"""Largest n for gradient boosting; beyond it logistic regression keeps the audit fast."""

SEARCH_MAX_N = 2000
"""Examples (drawn at random) the hyper-parameter search looks at."""

SEARCH_MIN_N = 60
"""Below this, no search: scikit-learn's default hyper-parameters."""

PROBS_INFO_KEY = "pred_probs_info"
"""Key of `AuditContext.cached` holding what produced the predicted probabilities."""


@dataclass
class Learner:
    """A default learner and how its outputs become probabilities.

    Attributes
    ----------
    name : str
        ``"svc"``, ``"hist_gradient_boosting"`` or ``"logistic_regression"``.
    estimator : scikit-learn classifier
        Unfitted; cloned for every fold.
    method : {"decision_function", "predict_proba"}
        Output collected out of fold; decision values are stacked into a logistic
        regression to give probabilities.
    params : dict
        Hyper-parameters chosen (for the record).
    """

    name: str
    estimator: Any
    method: str
    params: dict[str, Any] = field(default_factory=dict)


def probs_info(ctx: AuditContext) -> dict[str, Any]:
    """What produced ``ctx.pred_probs()``: the learner's record, or ``{"learner": "given"}``
    when the user passed predicted probabilities (computes the probabilities first when no
    check has asked for them yet, so the record always matches them)."""
    if ctx.given_pred_probs is not None:
        return {"learner": "given"}
    ctx.pred_probs()
    info: dict[str, Any] = ctx.cached(PROBS_INFO_KEY, lambda: {"learner": "unknown"})
    return info


def fold_count(y: np.ndarray, k: int) -> int:
    """Folds for stratified cross-validation on labels `y` (codes ``0..k-1``).

    `N_FOLDS`, reduced to the size of the smallest class of 2 or more members (never
    below 2), so every such class is in every training fold.

    Raises
    ------
    InputError
        When fewer than 2 classes have 2 or more examples.
    """
    counts = np.bincount(y, minlength=k)
    usable = counts[counts >= 2]
    if usable.size < 2:
        raise InputError("y", "at least 2 classes with 2 or more examples each (to predict "
                         "every example out of fold)",
                         f"class sizes {sorted(counts.tolist(), reverse=True)[:6]}")
    return int(np.clip(usable.min(), 2, N_FOLDS))


def _features(ctx: AuditContext) -> Any:
    """Features as a 2-d float array (images and sequences flattened) or a CSR matrix."""
    if ctx.X is None:
        raise InputError("features", "features to train the default learner on (or "
                         "pred_probs)", "a dataset without features")
    if sp.issparse(ctx.X):
        return sp.csr_matrix(ctx.X, dtype=np.float64)
    X = np.asarray(ctx.X, dtype=np.float64).reshape(ctx.n, -1)
    # Infinite values become missing; the imputer (or gradient boosting) handles them.
    return np.where(np.isfinite(X), X, np.nan)


def choose_learner(X: Any, y: np.ndarray, seed: int = 0, n_jobs: int = 1) -> Learner:
    """The default learner for features `X` and labels `y` (see the module docstring).

    Parameters
    ----------
    X : ndarray of shape (n, d) or CSR matrix
    y : ndarray of shape (n,)
        Class codes.
    seed : int
        Seed of the search's folds and sample, and of gradient boosting.
    n_jobs : int
        Parallel jobs of the hyper-parameter search.

    Returns
    -------
    Learner
    """
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import MinMaxScaler, StandardScaler
    from sklearn.svm import SVC

    n = X.shape[0]
    if sp.issparse(X):
        grid = {"C": [1.0, 10.0, 100.0]}
        best = _search(LogisticRegression(max_iter=1000), grid, X, y, seed, n_jobs)
        C = float(best.get("C", 1.0))
        return Learner("logistic_regression", LogisticRegression(C=C, max_iter=1000),
                       "predict_proba", {"C": C, "features": "sparse"})
    if n > HGB_MAX_N:
        est = Pipeline([("impute", SimpleImputer(keep_empty_features=True)),
                        ("scale", StandardScaler()),
                        ("lr", LogisticRegression(max_iter=300))])
        return Learner("logistic_regression", est, "predict_proba",
                       {"C": 1.0, "features": "standardised"})
    if n > SVC_MAX_N:
        est = HistGradientBoostingClassifier(max_iter=200, early_stopping=True,
                                             random_state=seed)
        return Learner("hist_gradient_boosting", est, "predict_proba",
                       {"max_iter": 200, "early_stopping": True})
    # The search scores the usual one-vs-one SVC (cheaper); the same C and scaler then
    # serve the one-vs-rest machines, whose per-class decision values stack well.
    search = Pipeline([("impute", SimpleImputer(keep_empty_features=True)),
                       ("scale", StandardScaler()), ("svc", SVC())])
    grid = {"scale": [MinMaxScaler(), StandardScaler()], "svc__C": [1.0, 10.0, 100.0]}
    best = _search(search, grid, X, y, seed, n_jobs)
    scaler = best.get("scale", StandardScaler())
    C = float(best.get("svc__C", 1.0))
    est = Pipeline([("impute", SimpleImputer(keep_empty_features=True)), ("scale", scaler),
                    ("svc", OneVsRestClassifier(SVC(C=C, gamma="scale")))])
    return Learner("svc", est, "decision_function",
                   {"C": C, "gamma": "scale", "scaler": type(scaler).__name__,
                    "kernel": "rbf", "multiclass": "one-vs-rest",
                    "calibration": "stacked logistic regression"})


def _search(estimator: Any, grid: dict[str, list[Any]], X: Any, y: np.ndarray, seed: int,
            n_jobs: int) -> dict[str, Any]:
    """Best hyper-parameters of `grid` by 3-fold accuracy on up to `SEARCH_MAX_N` random
    examples ({} when there are too few examples to search).

    Searched once on the data rather than inside every outer fold: choosing two or three
    settings from a handful leaks a negligible amount of label information and costs a
    fifth of a nested search.
    """
    from sklearn.model_selection import GridSearchCV, StratifiedKFold

    n = X.shape[0]
    if n < SEARCH_MIN_N:
        return {}
    rows = np.random.default_rng(seed).permutation(n)[:SEARCH_MAX_N]
    ys = y[rows]
    counts = np.bincount(ys)
    if (counts >= 2).sum() < 2:
        return {}
    cv = StratifiedKFold(int(np.clip(counts[counts >= 2].min(), 2, 3)), shuffle=True,
                         random_state=seed)
    gs = GridSearchCV(estimator, grid, cv=cv, n_jobs=n_jobs, refit=False,
                      error_score=0.0)
    with warnings.catch_warnings():
        # Rare classes (fewer members than folds) are expected here and harmless.
        warnings.simplefilter("ignore", UserWarning)
        gs.fit(X[rows], ys)
    return dict(gs.best_params_)


def _fold_outputs(learner: Learner, X: Any, y: np.ndarray, train: np.ndarray,
                  test: np.ndarray, k: int) -> np.ndarray:
    """(len(test), k) outputs of `learner` fitted on `train`, one column per class code;
    classes absent from `train` get probability 0 (decision values: the fold's minimum)."""
    from sklearn.base import clone

    model = clone(learner.estimator).fit(X[train], y[train])
    out = np.asarray(getattr(model, learner.method)(X[test]), dtype=np.float64)
    if out.ndim == 1:                       # binary decision values: one column
        out = np.column_stack([-out, out])
    fill = 0.0 if learner.method == "predict_proba" else float(out.min()) - 1.0
    full = np.full((len(test), k), fill)
    full[:, np.asarray(model.classes_, dtype=np.int64)] = out
    return full


@dataclass(frozen=True)
class _FoldData:
    """What every fold shares (sent once per run by a Ray executor)."""

    learner: Learner
    X: Any
    y: np.ndarray
    k: int


@dataclass(frozen=True)
class _FoldTask:
    """One fold of the out-of-fold probabilities, as an executor item."""

    data: _FoldData
    fold: int
    train: np.ndarray
    test: np.ndarray


def _run_fold(task: _FoldTask) -> tuple[int, np.ndarray]:
    """(fold, its outputs): the executor's function (module level, so it pickles)."""
    d = task.data
    return task.fold, _fold_outputs(d.learner, d.X, d.y, task.train, task.test, d.k)


def _fold_parts(ctx: AuditContext, learner: Learner, X: Any, y: np.ndarray, k: int,
                folds: list[tuple[np.ndarray, np.ndarray]], n_jobs: int
                ) -> list[np.ndarray]:
    """Each fold's outputs, in fold order: on `ctx.executor` when the audit was given one
    (the curves' executors: local processes or Ray tasks), else joblib's `n_jobs`."""
    if ctx.executor is None:
        from joblib import Parallel, delayed

        return list(Parallel(n_jobs=n_jobs)(
            delayed(_fold_outputs)(learner, X, y, tr, te, k) for tr, te in folds))
    shared = _FoldData(learner, X, y, k)
    items = [_FoldTask(shared, i, tr, te) for i, (tr, te) in enumerate(folds)]
    parts = dict(ctx.executor.map_unordered(_run_fold, items))
    return [parts[i] for i in range(len(folds))]


def out_of_fold_probs(ctx: AuditContext) -> np.ndarray:
    """Out-of-fold predicted class probabilities of the default learner.

    Parameters
    ----------
    ctx : AuditContext
        Classification context with features; ``ctx.seed`` seeds the folds; the folds
        run on ``ctx.executor`` when given (each fold one item; a Ray executor sends the
        features once), else ``ctx.n_jobs`` processes.

    Returns
    -------
    ndarray of shape (n, k), float64
        Rows sum to 1; column j is class code j.

    Raises
    ------
    InputError
        Without class labels or features, or with fewer than 2 classes of 2 or more
        examples.

    Notes
    -----
    Records in the context (``probs_info(ctx)``): learner, its parameters, folds,
    out-of-fold accuracy against the given labels, seconds.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict
    from threadpoolctl import threadpool_limits

    if ctx.task != "classification" or ctx.y is None or ctx.n_classes < 2:
        raise InputError("y", "class labels of 2 or more classes", "no such labels")
    t0 = time.perf_counter()
    y = np.asarray(ctx.y, dtype=np.int64)
    k = ctx.n_classes
    X = _features(ctx)
    n_splits = fold_count(y, k)
    n_jobs = max(1, int(ctx.n_jobs))
    with warnings.catch_warnings(), threadpool_limits(limits=n_jobs):
        # Singleton classes trigger scikit-learn's "least populated class" and "classes
        # in training fold" warnings: handled (probability 0), see the module docstring.
        warnings.simplefilter("ignore", UserWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        folds = list(StratifiedKFold(n_splits, shuffle=True, random_state=ctx.seed)
                     .split(np.zeros((ctx.n, 1)), y))
        learner = choose_learner(X, y, ctx.seed, n_jobs)
        # One loop over the folds (not examples) rather than cross_val_predict: it keeps
        # a column for every class even when a fold's training part lacks one.
        parts = _fold_parts(ctx, learner, X, y, k, folds, n_jobs)
        out = np.empty((ctx.n, k))
        for (_, te), part in zip(folds, parts, strict=True):
            out[te] = part
        if learner.method == "decision_function":
            meta = LogisticRegression(max_iter=1000)
            out = cross_val_predict(meta, out, y, cv=folds, method="predict_proba")
    probs = np.clip(np.asarray(out, dtype=np.float64), 0.0, 1.0)
    probs /= np.maximum(probs.sum(axis=1, keepdims=True), 1e-12)
    info = {"learner": learner.name, "params": learner.params, "n_splits": n_splits,
            "seed": ctx.seed,
            "oof_accuracy": float(np.mean(probs.argmax(axis=1) == y)),
            "seconds": round(time.perf_counter() - t0, 3)}
    ctx.cached(PROBS_INFO_KEY, lambda: info)
    return probs
