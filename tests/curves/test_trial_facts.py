"""What a fitted learner says of its own training lands in the trial's info: iterations
and whether it stopped early, for scikit-learn estimators (torch learners: see
tests/models/test_small_n.py)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import numpy as np

from datacurve import run_curve
from datacurve.data import Dataset


def test_gradient_boosting_records_its_own_early_stopping(tmp_path: Path) -> None:
    """HistGradientBoosting with early_stopping='auto' stops early above 10,000 rows: the
    trial at 10,500 rows says early_stopping True, the one at 200 says False; both record
    their iterations (max_iter=4 bounds them)."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(12_500, 3))
    y = (X[:, 0] + 0.5 * rng.normal(size=len(X)) > 0).astype(int)
    data = Dataset(X, y, "classification")
    store = tmp_path / "s.sqlite"
    run_curve(data, ["sklearn:HistGradientBoostingClassifier(max_iter=4)"],
              sizes=[200, 10_500], seeds=1, store=store, jobs=1, progress=False,
              eval_size=1_000)
    with sqlite3.connect(store) as con:
        info = {n: json.loads(i) for n, i in con.execute("SELECT n, info FROM trials")}
    assert info[200]["early_stopping"] is False and info[10_500]["early_stopping"] is True
    assert 1 <= info[200]["iterations"] <= 4 and 1 <= info[10_500]["iterations"] <= 4
