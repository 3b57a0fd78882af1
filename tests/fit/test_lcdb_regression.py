"""Regression tests on named LCDB curves (bench/data/lcdb_curves_dev.csv.gz): observe the
sizes <= M/8, predict the validation accuracy at the largest size M, without and with the
training-set scores LCDB records (``score_train``).

The shipped meta-models were trained on these curves, so these guard behaviour, not
generalisation; bench/extrapolation.py measures that on held-out datasets."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from datacurve.fit import fit_learning_curve

LCDB = Path(__file__).resolve().parents[2] / "bench" / "data" / "lcdb_curves_dev.csv.gz"


@pytest.fixture(scope="module")
def lcdb() -> pd.DataFrame:
    """The LCDB dev curves."""
    return pd.read_csv(LCDB)


def _observe(lcdb: pd.DataFrame, oid: int, learner: str
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray, float, float]:
    c = lcdb[(lcdb.openmlid == oid) & (lcdb.learner == learner)].sort_values("size_train")
    n = c.size_train.to_numpy(float)
    y = c.score_valid.to_numpy(float)
    tr = c.score_train.to_numpy(float)
    seen = n <= n[-1] / 8
    return n[seen], y[seen], tr[seen], float(n[-1]), float(y[-1])


@pytest.mark.parametrize("with_train", [False, True])
@pytest.mark.parametrize(
    ("oid", "learner", "tolerance", "tolerance_train"),
    # KNN on 54 is predicted worse with its train scores (0.035 vs 0.020 off); the other
    # three better.
    [(12, "LogisticRegression", 0.02, 0.02), (44, "GradientBoostingClassifier", 0.01, 0.01),
     (3, "SVC_rbf", 0.025, 0.025), (54, "KNeighborsClassifier", 0.03, 0.045)],
)
def test_named_curve_is_extrapolated_8x(lcdb: pd.DataFrame, oid: int, learner: str,
                                        tolerance: float, tolerance_train: float,
                                        with_train: bool) -> None:
    """From 1/8 of the largest size, the default fit (with or without the train scores)
    predicts the final accuracy within the tolerance, and the truth lies in the 80 %
    interval."""
    n, y, tr, M, truth = _observe(lcdb, oid, learner)
    fit = fit_learning_curve(n, y, train_scores=tr if with_train else None)
    assert fit.method == "blend" and fit.uses_train_scores == with_train
    assert abs(fit.predict(M) - truth) < (tolerance_train if with_train else tolerance)
    lo, hi = fit.interval(M)
    assert lo <= truth <= hi


@pytest.mark.parametrize("with_train", [False, True])
def test_late_rising_curve_moves_toward_the_truth(lcdb: pd.DataFrame, with_train: bool
                                                  ) -> None:
    """SGD on OpenML 1457 sits near 0.14 up to M/8 and reaches 0.64 at M: the prediction
    moves well away from the last value toward it, and the interval is wide."""
    n, y, tr, M, truth = _observe(lcdb, 1457, "SGDClassifier")
    fit = fit_learning_curve(n, y, train_scores=tr if with_train else None)
    assert fit.predict(M) - y[-1] > 0.1
    assert abs(fit.predict(M) - truth) < abs(y[-1] - truth)
    lo, hi = fit.interval(M)
    assert hi - lo > 0.2 and hi < 1.0


def test_train_scores_help_on_a_sample_of_lcdb_curves(lcdb: pd.DataFrame) -> None:
    """On 40 LCDB curves drawn at random (largest size >= 1024, observed up to M/8), the
    default fit with the train scores has a lower mean error at M than without them.
    In-sample for the shipped models, so this checks the wiring (features in the order and
    orientation the model was trained on), not generalisation."""
    sizes = lcdb.groupby(["openmlid", "learner"]).size_train.max()
    keys = sizes[sizes >= 1024].index.tolist()
    pick = np.random.default_rng(0).choice(len(keys), 40, replace=False)
    errors = np.zeros((2, pick.size))
    for j, i in enumerate(pick):
        n, y, tr, M, truth = _observe(lcdb, *keys[i])
        for w, given in enumerate((None, tr)):
            errors[w, j] = abs(fit_learning_curve(n, y, train_scores=given).predict(M) - truth)
    without, with_train = errors.mean(axis=1)
    assert with_train < without
