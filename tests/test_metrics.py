"""Metrics: every metric of a task from one set of predictions."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import metrics as skm

from datacurve import InputError
from datacurve.metrics import compute_metrics, get_metric


def test_classification_metrics_match_scikit_learn() -> None:
    """Accuracy, error, log-loss, balanced accuracy, macro-F1 and ROC-AUC agree with
    scikit-learn."""
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 200)
    p = rng.dirichlet(np.ones(3), 200)
    m = compute_metrics("classification", y, p, 3)
    pred = p.argmax(1)
    assert m["accuracy"] == pytest.approx(skm.accuracy_score(y, pred))
    assert m["error"] == pytest.approx(1 - m["accuracy"])
    assert m["log_loss"] == pytest.approx(skm.log_loss(y, p))
    assert m["balanced_accuracy"] == pytest.approx(skm.balanced_accuracy_score(y, pred))
    assert m["macro_f1"] == pytest.approx(skm.f1_score(y, pred, average="macro"))
    assert m["roc_auc"] == pytest.approx(skm.roc_auc_score(y, p, multi_class="ovr"))


def test_binary_auc_uses_the_positive_column() -> None:
    """Binary ROC-AUC scores the probability of class 1."""
    y = np.array([0, 0, 1, 1])
    p = np.array([[0.9, 0.1], [0.6, 0.4], [0.35, 0.65], [0.2, 0.8]])
    assert compute_metrics("classification", y, p, 2)["roc_auc"] == pytest.approx(1.0)


def test_regression_metrics() -> None:
    """RMSE, MAE and R² in natural units."""
    y = np.array([1.0, 2.0, 3.0, 4.0])
    pred = np.array([1.0, 2.0, 3.0, 6.0])
    m = compute_metrics("regression", y, pred)
    assert m["rmse"] == pytest.approx(1.0)
    assert m["mae"] == pytest.approx(0.5)
    assert m["r2"] == pytest.approx(skm.r2_score(y, pred))


def test_lower_is_better_metrics_are_negated_in_scores() -> None:
    """Error-type metrics are negated on the higher-is-better scale, and back."""
    err = get_metric("error")
    assert err.orient(0.2) == -0.2 and err.natural(-0.2) == 0.2
    assert get_metric("accuracy").orient(0.8) == 0.8


def test_metric_of_the_wrong_task_is_refused() -> None:
    """Asking for RMSE on a classification task names the metric and the task."""
    with pytest.raises(InputError) as info:
        get_metric("rmse", "classification")
    assert "'rmse'" in str(info.value) and "classification" in str(info.value)


@settings(max_examples=150, deadline=None)
@given(
    n=st.integers(2, 60),
    k=st.integers(2, 5),
    seed=st.integers(0, 2**31 - 1),
    ties=st.booleans(),
)
def test_vectorised_classification_metrics_equal_scikit_learn(
    n: int, k: int, seed: int, ties: bool
) -> None:
    """Property: on any labels (some classes possibly absent) and any probabilities,
    with or without ties, every metric equals scikit-learn's."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, n)
    p = rng.dirichlet(np.ones(k), n)
    if ties:
        p = np.round(p, 1) + 1e-3
        p /= p.sum(axis=1, keepdims=True)
    m = compute_metrics("classification", y, p, k)
    pred = p.argmax(1)
    labels = np.arange(k)
    assert m["accuracy"] == pytest.approx(skm.accuracy_score(y, pred))
    assert m["log_loss"] == pytest.approx(skm.log_loss(y, p, labels=labels))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert m["balanced_accuracy"] == pytest.approx(skm.balanced_accuracy_score(y, pred))
    assert m["macro_f1"] == pytest.approx(
        skm.f1_score(y, pred, average="macro", labels=labels, zero_division=0))
    present = np.unique(y)
    if present.size < 2:
        assert np.isnan(m["roc_auc"])
        return
    sub = p[:, present] / p[:, present].sum(axis=1, keepdims=True)
    if present.size == 2:
        expected = skm.roc_auc_score(y == present[1], sub[:, 1])
    else:
        expected = skm.roc_auc_score(y, sub, multi_class="ovr", labels=present)
    assert m["roc_auc"] == pytest.approx(expected)
