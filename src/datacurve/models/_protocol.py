"""What datacurve needs from a learner, and how big a fitted learner is.

Notation: n examples, feature shape ``s``, k classes.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

import numpy as np
import scipy.sparse as sp
from sklearn.base import is_classifier

__all__ = ["Learner", "ProbabilisticLearner", "is_classifier_learner", "parameter_count"]


@runtime_checkable
class Learner(Protocol):
    """Anything that can be fitted and then predict: every scikit-learn estimator.

    Methods
    -------
    fit(X, y)
        Train on ``X`` of shape (n, *s) (or CSR (n, d)) and ``y`` of shape (n,).
    predict(X)
        Labels or targets, shape (n,).

    Classifiers also provide ``predict_proba(X) -> ndarray of shape (n, k)``; see
    `ProbabilisticLearner`. A protocol cannot declare an optional method, hence two.
    """

    def fit(self, X: Any, y: Any) -> Any: ...

    def predict(self, X: Any) -> Any: ...


@runtime_checkable
class ProbabilisticLearner(Learner, Protocol):
    """A `Learner` that is a classifier: it also gives class probabilities.

    Methods
    -------
    predict_proba(X)
        ndarray of shape (n, k), rows summing to 1, columns in the order of ``classes_``.
    """

    def predict_proba(self, X: Any) -> np.ndarray: ...


def _final_estimator(est: Any) -> Any:
    """The estimator that does the learning: the last step of a (nested) Pipeline."""
    while hasattr(est, "steps") and isinstance(est.steps, list) and est.steps:
        est = est.steps[-1][1]
    return est


def _array_size(a: Any) -> int:
    """Number of stored numbers in a dense array, sparse matrix or scalar."""
    if sp.issparse(a):
        return int(np.prod(a.shape))
    return int(np.size(a))


def _is_numeric_array(a: Any) -> bool:
    if sp.issparse(a):
        return True
    return isinstance(a, np.ndarray) and a.dtype.kind in "biufc"


def parameter_count(fitted: Any) -> int:
    """Size of a fitted learner, as a number of learned values.

    The first rule that applies wins:

    1. ``n_params_`` when present: datacurve's torch learners (trainable parameters).
    2. A `sklearn.pipeline.Pipeline`: the count of its final step (the preprocessing
       datacurve adds around scikit-learn estimators is not counted).
    3. Linear models (``coef_``): ``coef_.size`` plus the size of ``intercept_`` when
       the model fits an intercept.
    4. ``MLPClassifier`` / ``MLPRegressor``: sizes of ``coefs_`` plus ``intercepts_``.
    5. Trees: ``tree_.node_count``.
    6. Histogram gradient boosting: total number of nodes over its trees.
    7. Ensembles (``estimators_``): the sum over the fitted sub-estimators, recursively,
       flattening arrays of estimators (gradient boosting keeps an (n_stages, K) array),
       plus ``final_estimator_`` for stacking.
    8. Nearest neighbours: the stored training samples (``_fit_X``).
    9. Otherwise a generic count of learned state: the total size of the numeric
       ndarray attributes whose names end in ``"_"``, leaving out ``classes_`` and
       counts named ``n_*`` (e.g. SVC's support vectors, dual coefficients, intercepts).

    The numbers are comparable within a model family (a sweep over widths or
    ``n_estimators``), not across families: a tree node and a network weight are not
    the same unit.

    Parameters
    ----------
    fitted : estimator
        A fitted learner.

    Returns
    -------
    int
        Number of learned values (0 for an estimator that learns nothing).
    """
    est = _final_estimator(fitted)
    n_params = getattr(est, "n_params_", None)
    if n_params is not None:
        return int(n_params)
    if hasattr(est, "coef_"):
        n = _array_size(est.coef_)
        if hasattr(est, "intercept_") and getattr(est, "fit_intercept", True):
            n += _array_size(est.intercept_)
        return n
    if hasattr(est, "coefs_") and hasattr(est, "intercepts_"):
        return sum(_array_size(a) for a in (*est.coefs_, *est.intercepts_))
    tree = getattr(est, "tree_", None)
    if tree is not None and hasattr(tree, "node_count"):
        return int(tree.node_count)
    predictors = getattr(est, "_predictors", None)
    if isinstance(predictors, list):
        return sum(int(p.nodes.shape[0]) for stage in predictors for p in stage)
    if hasattr(est, "estimators_"):
        subs = np.asarray(est.estimators_, dtype=object).ravel().tolist()
        final = getattr(est, "final_estimator_", None)
        if final is not None:
            subs.append(final)
        # "drop" / "passthrough" entries of voting and stacking ensembles learn nothing.
        return sum(parameter_count(s) for s in subs if not isinstance(s, str))
    fit_x = getattr(est, "_fit_X", None)
    if fit_x is not None and _is_numeric_array(fit_x):
        return _array_size(fit_x)
    total = 0
    for name, value in vars(est).items():
        if (
            name.endswith("_")
            and not name.startswith(("_", "n_"))
            and name != "classes_"
            and _is_numeric_array(value)
        ):
            total += _array_size(value)
    return total


def is_classifier_learner(est: Any) -> bool:
    """Whether `est` is (or, once fitted, will be) a classifier.

    Parameters
    ----------
    est : estimator
        Fitted or not; a Pipeline is judged by its final step.

    Returns
    -------
    bool
        For datacurve's torch learners: the task they were fitted for, else their
        ``task`` parameter (``"auto"`` counts as a classifier until fitted, since it
        can be one). For everything else scikit-learn's `sklearn.base.is_classifier`.
    """
    # The torch learners report this through their scikit-learn tags (see _torch.py),
    # so scikit-learn's own test covers them, bare or at the end of a Pipeline.
    return bool(is_classifier(est))
