"""Regression tests on named LCDB curves (bench/data/lcdb_curves_dev.csv.gz): observe the
sizes <= M/8, predict the validation accuracy at the largest size M.

The shipped meta-model was trained on these curves, so these guard behaviour, not
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


def _observe(lcdb: pd.DataFrame, oid: int, learner: str) -> tuple[np.ndarray, np.ndarray,
                                                                 float, float]:
    c = lcdb[(lcdb.openmlid == oid) & (lcdb.learner == learner)].sort_values("size_train")
    n = c.size_train.to_numpy(float)
    y = c.score_valid.to_numpy(float)
    seen = n <= n[-1] / 8
    return n[seen], y[seen], float(n[-1]), float(y[-1])


@pytest.mark.parametrize(
    ("oid", "learner", "tolerance"),
    [(12, "LogisticRegression", 0.02), (44, "GradientBoostingClassifier", 0.01),
     (3, "SVC_rbf", 0.025), (54, "KNeighborsClassifier", 0.03)],
)
def test_named_curve_is_extrapolated_8x(lcdb: pd.DataFrame, oid: int, learner: str,
                                        tolerance: float) -> None:
    """From 1/8 of the largest size, the default fit predicts the final accuracy within
    the tolerance, and the truth lies in the 80 % interval."""
    n, y, M, truth = _observe(lcdb, oid, learner)
    fit = fit_learning_curve(n, y)
    assert fit.method == "blend"
    assert abs(fit.predict(M) - truth) < tolerance
    lo, hi = fit.interval(M)
    assert lo <= truth <= hi


def test_late_rising_curve_moves_toward_the_truth(lcdb: pd.DataFrame) -> None:
    """SGD on OpenML 1457 sits near 0.14 up to M/8 and reaches 0.64 at M: the prediction
    moves well away from the last value toward it, and the interval is wide."""
    n, y, M, truth = _observe(lcdb, 1457, "SGDClassifier")
    fit = fit_learning_curve(n, y)
    assert fit.predict(M) - y[-1] > 0.1
    assert abs(fit.predict(M) - truth) < abs(y[-1] - truth)
    lo, hi = fit.interval(M)
    assert hi - lo > 0.2 and hi < 1.0
