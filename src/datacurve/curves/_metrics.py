"""Metrics recorded for every trial.

Each trial computes every metric of its task from one set of predictions, so the
results can be viewed in any metric without retraining. In result tables ``train_score``
and ``val_score`` are oriented so that higher is better: metrics where lower is better
(error, log-loss, RMSE, MAE) are negated there, as scikit-learn's ``neg_*`` scorers do.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn import metrics as skm

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

    def orient(self, value: float) -> float:
        """Value on the higher-is-better scale used in result tables."""
        return value if self.higher_is_better else -value

    def natural(self, score: float) -> float:
        """Inverse of `orient`."""
        return score if self.higher_is_better else -score


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
        raise InputError("--metric", f"one of {describe(table, limit=10)}"
                         + (f" for {task}" if task else ""), repr(name))
    return table[name]


def _classification(y: np.ndarray, proba: np.ndarray, n_classes: int) -> dict[str, float]:
    pred = proba.argmax(axis=1)
    labels = np.arange(n_classes)
    out = {
        "accuracy": float(np.mean(pred == y)),
        "balanced_accuracy": float(skm.balanced_accuracy_score(y, pred)),
        "macro_f1": float(skm.f1_score(y, pred, average="macro", labels=labels,
                                       zero_division=0)),
        "log_loss": float(skm.log_loss(y, np.clip(proba, 1e-15, 1.0), labels=labels)),
    }
    out["error"] = 1.0 - out["accuracy"]
    present = np.unique(y)
    if present.size < 2:
        out["roc_auc"] = float("nan")  # undefined with one class in the evaluated rows
    elif n_classes == 2:
        out["roc_auc"] = float(skm.roc_auc_score(y, proba[:, 1]))
    else:
        # One-vs-rest macro AUC over the classes present in y.
        sub = proba[:, present]
        sub = sub / np.clip(sub.sum(axis=1, keepdims=True), 1e-15, None)
        out["roc_auc"] = float(skm.roc_auc_score(y, sub, multi_class="ovr", labels=present)
                               if present.size > 2 else skm.roc_auc_score(y == present[1],
                                                                          sub[:, 1]))
    return out


def _regression(y: np.ndarray, pred: np.ndarray) -> dict[str, float]:
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
