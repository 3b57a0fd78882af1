"""The metric registry: every metric a trial records, its range and direction.

A bottom module: every room (models, curves, results, fit, diagnosis, report) reads it,
and it imports no room.

Each trial computes every metric of its task from one set of predictions, so the
results can be viewed in any metric without retraining. In result tables ``train_score``
and ``val_score`` are oriented so that higher is better: metrics where lower is better
(error, log-loss, RMSE, MAE) are negated there, as scikit-learn's ``neg_*`` scorers do.
`Metric.orient` and `Metric.natural` are the only place that switch is made.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import overload

import numpy as np

from datacurve._errors import InputError, describe

__all__ = [
    "CLASSIFICATION_METRICS",
    "METRICS",
    "REGRESSION_METRICS",
    "Metric",
    "compute_metrics",
    "default_metric",
    "get_metric",
]


@dataclass(frozen=True)
class Metric:
    """A named metric.

    Attributes
    ----------
    name : str
    task : {"classification", "regression"}
    higher_is_better : bool
    lower, upper : float
        Range of the metric (``inf`` when unbounded).
    """

    name: str
    task: str
    higher_is_better: bool
    lower: float
    upper: float

    @overload
    def orient(self, value: float) -> float: ...
    @overload
    def orient(self, value: np.ndarray) -> np.ndarray: ...
    def orient(self, value: float | np.ndarray) -> float | np.ndarray:
        """Natural units → the higher-is-better scale of result tables (lower-is-better
        metrics are negated). Scalars stay scalars; arrays keep their shape."""
        return value if self.higher_is_better else -value

    @overload
    def natural(self, score: float) -> float: ...
    @overload
    def natural(self, score: np.ndarray) -> np.ndarray: ...
    def natural(self, score: float | np.ndarray) -> float | np.ndarray:
        """Inverse of `orient`: a stored higher-is-better score → natural units."""
        return score if self.higher_is_better else -score

    @property
    def best(self) -> float:
        """The metric's best value (``upper`` when higher is better, else ``lower``);
        infinite for metrics unbounded on that side."""
        return self.upper if self.higher_is_better else self.lower

    @property
    def bounded(self) -> bool:
        """Whether both ends of the range are finite."""
        return math.isfinite(self.lower) and math.isfinite(self.upper)

    @overload
    def to_error(self, score: float) -> float: ...
    @overload
    def to_error(self, score: np.ndarray) -> np.ndarray: ...
    def to_error(self, score: float | np.ndarray) -> float | np.ndarray:
        """Distance of a natural-unit score from the metric's best value, the error-like
        quantity that falls with more data (``1 - accuracy``, ``log-loss - 0``,
        ``1 - R²``)."""
        return self.best - score if self.higher_is_better else score - self.best

    @overload
    def from_error(self, error: float) -> float: ...
    @overload
    def from_error(self, error: np.ndarray) -> np.ndarray: ...
    def from_error(self, error: float | np.ndarray) -> float | np.ndarray:
        """Inverse of `to_error`: the natural-unit score at that distance from the best."""
        return self.best - error if self.higher_is_better else self.best + error

    def gain(self, old: float, new: float) -> float:
        """How much better `new` is than `old` (natural units; positive = better)."""
        return float(self.orient(new - old))


CLASSIFICATION_METRICS = {
    m.name: m
    for m in (
        Metric("accuracy", "classification", True, 0.0, 1.0),
        Metric("error", "classification", False, 0.0, 1.0),
        Metric("log_loss", "classification", False, 0.0, np.inf),
        Metric("balanced_accuracy", "classification", True, 0.0, 1.0),
        Metric("macro_f1", "classification", True, 0.0, 1.0),
        Metric("roc_auc", "classification", True, 0.0, 1.0),
    )
}
REGRESSION_METRICS = {
    m.name: m
    for m in (
        Metric("rmse", "regression", False, 0.0, np.inf),
        Metric("mae", "regression", False, 0.0, np.inf),
        Metric("r2", "regression", True, -np.inf, 1.0),
    )
}
METRICS = {**CLASSIFICATION_METRICS, **REGRESSION_METRICS}


def default_metric(task: str) -> str:
    """Accuracy for classification, R² for regression."""
    return "accuracy" if task == "classification" else "r2"


def get_metric(name: str, task: str | None = None) -> Metric:
    """Look a metric up by name, checking it fits the task."""
    table = METRICS if task is None else (
        CLASSIFICATION_METRICS if task == "classification" else REGRESSION_METRICS)
    if name not in table:
        raise InputError("metric", f"one of {describe(table, limit=10)}"
                         + (f" for {task}" if task else ""), repr(name))
    return table[name]


def _classification(y: np.ndarray, proba: np.ndarray, n_classes: int) -> dict[str, float]:
    # Hand-vectorised on purpose: scikit-learn's metric functions give the same numbers
    # (tests/curves/test_metrics.py checks every one against them) but spend ~50 ms per
    # trial validating inputs, which is most of the runner's overhead on small trials.
    y = np.asarray(y, dtype=np.int64)
    proba = np.asarray(proba, dtype=np.float64)
    k = max(int(n_classes), proba.shape[1])
    pred = proba.argmax(axis=1)
    cm = np.bincount(y * k + pred, minlength=k * k).reshape(k, k)  # rows: true class
    tp = np.diag(cm).astype(np.float64)
    support = cm.sum(axis=1)
    predicted = cm.sum(axis=0)
    present = support > 0
    f1_den = support + predicted  # = 2 tp + fp + fn
    f1 = np.divide(2.0 * tp, f1_den, out=np.zeros(k), where=f1_den > 0)
    rows = proba / np.clip(proba.sum(axis=1, keepdims=True), 1e-300, None)
    p_true = np.clip(rows[np.arange(y.size), y], 1e-15, 1.0)
    out = {
        "accuracy": float(tp.sum() / y.size),
        "balanced_accuracy": float(np.mean(tp[present] / support[present])),
        "macro_f1": float(f1[:n_classes].mean()),
        "log_loss": float(-np.mean(np.log(p_true))),
    }
    out["error"] = 1.0 - out["accuracy"]
    out["roc_auc"] = _ovr_auc(y, proba, np.flatnonzero(present))
    return out


def _ovr_auc(y: np.ndarray, proba: np.ndarray, present: np.ndarray) -> float:
    """Macro one-vs-rest ROC-AUC over the classes present in `y` (Mann-Whitney U form).

    Probabilities are renormalised over the present classes, as scikit-learn does with
    ``labels=present``; with two present classes this is the AUC of the second one.
    """
    if present.size < 2:
        return float("nan")  # undefined with one class in the evaluated rows
    sub = proba[:, present]
    sub = sub / np.clip(sub.sum(axis=1, keepdims=True), 1e-15, None)
    if present.size == 2:
        sub = sub[:, 1:]
        present = present[1:]
    from scipy.stats import rankdata  # here: the metric registry loads without SciPy

    ranks = rankdata(sub, axis=0)  # average ranks for ties, per column
    positive = y[:, None] == present[None, :]
    n_pos = positive.sum(axis=0).astype(np.float64)
    n_neg = y.size - n_pos
    u = (ranks * positive).sum(axis=0) - n_pos * (n_pos + 1) / 2
    return float(np.mean(u / (n_pos * n_neg)))


def _regression(y: np.ndarray, pred: np.ndarray) -> dict[str, float]:
    from sklearn import metrics as skm  # here: the registry loads without scikit-learn

    resid = np.asarray(pred, dtype=np.float64).ravel() - y
    return {
        "rmse": float(np.sqrt(np.mean(resid**2))),
        "mae": float(np.mean(np.abs(resid))),
        "r2": float(skm.r2_score(y, pred)) if y.size > 1 else float("nan"),
    }


def compute_metrics(task: str, y: np.ndarray, output: np.ndarray,
                    n_classes: int = 0) -> dict[str, float]:
    """Every metric of `task` from one set of predictions.

    Parameters
    ----------
    task : {"classification", "regression"}
    y : ndarray of shape (n,)
        True class codes or targets.
    output : ndarray of shape (n, k) or (n,)
        Class probabilities (columns are class codes ``0..k-1``) or regression predictions.
    n_classes : int
        k, for classification.

    Returns
    -------
    dict
        Metric name → value in the metric's natural units.
    """
    if task == "classification":
        return _classification(y, output, n_classes)
    return _regression(y, output)
