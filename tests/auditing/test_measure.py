"""`measure_cleaning`'s gain interval: planted label noise gives a gain whose interval
lies above 0; a cleaning that changes nothing, or one example of a hundred, is not
distinguishable from no gain; the measurement survives the audit report's JSON."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from datacurve import InputError
from datacurve.auditing import (
    AuditReport,
    CheckResult,
    CleaningValue,
    load_report,
    measure_cleaning,
)
from datacurve.auditing._measure import _row_se, _score_var
from datacurve.data import Dataset
from datacurve.metrics import METRICS, get_metric

MODEL = "sklearn:LogisticRegression(max_iter=500)"
SIZES = [50, 100, 200, 400]


def noisy(n: int = 1000, flip: float = 0.2, seed: int = 0) -> tuple[Dataset, np.ndarray]:
    """Two learnable Gaussian classes; a quarter of the rows form a clean test split and
    `flip` of the training rows, all of class 0, are relabelled 1 (noise that moves a
    linear boundary). Returns the dataset and the flipped rows."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    X = (rng.normal(size=(n, 5)) + 1.5 * y[:, None]).astype(np.float32)
    split = np.where(rng.random(n) < 0.25, "test", "train")
    train = np.flatnonzero(split == "train")
    zeros = train[y[train] == 0]
    flipped = np.sort(rng.choice(zeros, size=int(flip * train.size), replace=False))
    y[flipped] = 1
    return Dataset(X, y.astype(np.int64), "classification", name="noisy",
                   classes=np.array([0, 1]), split=split), flipped


def label_report(ds: Dataset, idx: np.ndarray) -> AuditReport:
    flags = np.zeros(ds.n, dtype=bool)
    flags[idx] = True
    result = CheckResult("label", np.where(flags, 0.1, 1.0), flags, 0.5, {})
    return AuditReport({"label": result}, ds.n, ds.name, ds.fingerprint,
                       np.asarray(ds.ids), None)


def test_planted_label_noise_gives_a_gain_whose_interval_lies_above_zero(
        tmp_path: Path) -> None:
    """20 % one-way flips, cleaned by dropping exactly them: the gain's 95 % interval
    lies above 0, holds the gain, and a 50 % interval is narrower; the sentence makes
    the claim; the measurement saves with the report and loads back."""
    ds, flipped = noisy()
    report = label_report(ds, flipped)
    store = tmp_path / "m.sqlite"
    v = measure_cleaning(ds, report, model=MODEL, seeds=3, sizes=SIZES, store=store)
    lo, hi = v.gain_interval
    assert v.dropped == flipped.size and v.n == 400 and v.seeds == 3
    assert v.n_eval == int((ds.split == "test").sum())
    assert v.level == 0.95 and 0 < lo <= v.gain <= hi
    assert v.distinguishable and v.gain > 0.05
    assert v.row_se > 0 and v.seed_se >= 0
    text = v.describe()
    assert "not distinguishable" not in text and "95% interval" in text
    assert ("asymptote" in text) == v.beyond_raw_asymptote
    d = v.to_dict()
    assert d["gain_interval"] == [lo, hi] and d["level"] == 0.95 and d["distinguishable"]
    narrow = measure_cleaning(ds, report, model=MODEL, seeds=3, sizes=SIZES, store=store,
                              level=0.5)
    assert narrow.gain == v.gain  # the same trials, read back from the store
    assert lo < narrow.gain_interval[0] and narrow.gain_interval[1] < hi
    report.meta["measure"] = d
    back = load_report(report.save(tmp_path / "audit.json"))
    assert back.meta["measure"]["gain_interval"] == [lo, hi]
    assert json.loads((tmp_path / "audit.json").read_text())["meta"]["measure"]["n"] == 400


def test_a_cleaning_that_changes_nothing_is_not_distinguishable(tmp_path: Path) -> None:
    """No flags: the same models on the same rows, gain 0, an interval covering 0 and
    no claim of worth."""
    ds, _ = noisy()
    v = measure_cleaning(ds, label_report(ds, np.array([], dtype=np.int64)), model=MODEL,
                         seeds=2, sizes=SIZES, store=tmp_path / "m.sqlite")
    lo, hi = v.gain_interval
    assert v.dropped == 0 and v.gain == 0 and lo <= 0 <= hi
    assert not v.distinguishable and not v.to_dict()["distinguishable"]
    assert v.describe().endswith("not distinguishable from no gain")
    assert "worth" not in v.describe()


def test_one_example_of_a_hundred_is_within_the_evaluation_noise() -> None:
    """The issue's case: 0.9912 → 1.0000 on 114 rows is one example; the rows' standard
    error of that difference is about the difference itself."""
    acc = get_metric("accuracy")
    e = 1 / 114
    se = _row_se(acc, 1 - e, 1.0, np.zeros(114, dtype=np.int64))
    assert se == pytest.approx(math.sqrt((e - e * e) / 114))
    assert 1.96 * se > e
    err = get_metric("error")  # the same bound, in error units
    assert _row_se(err, e, 0.0, np.zeros(114, dtype=np.int64)) == pytest.approx(se)


@pytest.mark.parametrize("name", sorted(METRICS))
def test_every_metric_has_a_row_variance(name: str) -> None:
    """Each metric's sampling variance on 200 rows is finite, positive and shrinks with
    more rows."""
    m = get_metric(name)
    score = {"log_loss": 0.4, "rmse": 1.2, "mae": 0.9, "r2": 0.6, "error": 0.2}.get(name, 0.8)
    y = np.arange(200) % 3 if m.task == "classification" else np.linspace(0, 1, 200)
    v = _score_var(m, score, y)
    assert math.isfinite(v) and v > 0
    assert _score_var(m, score, np.concatenate([y, y])) < v


@pytest.mark.parametrize("level", [0.0, 1.0, 1.5, float("nan"), "high"])
def test_level_outside_zero_one_is_refused(level: object) -> None:
    ds, flipped = noisy(n=200)
    with pytest.raises(InputError, match="level"):
        measure_cleaning(ds, label_report(ds, flipped), level=level)  # type: ignore[arg-type]


def value(gain: float, interval: tuple[float, float], equivalent: float,
          equivalent_low: float) -> CleaningValue:
    """A measurement at n = 400 on 120 rows, accuracy 0.8 before cleaning."""
    return CleaningValue(
        model="m", metric="accuracy", n=400, raw_score=0.8, clean_score=0.8 + gain,
        gain=gain, gain_interval=interval, level=0.95, equivalent_samples=equivalent,
        equivalent_interval=(equivalent_low, math.inf),
        multiplier=(400 + equivalent) / 400, raw_asymptote=0.85, dropped=10, relabelled=0,
        n_eval=120, seeds=3, seed_se=0.01, row_se=0.02, results=pd.DataFrame(), curves={})


@pytest.mark.parametrize(("v", "says", "never"), [
    (value(0.03, (-0.01, 0.07), 600.0, 0.0), ["not distinguishable from no gain"],
     ["worth", "x the data"]),
    (value(-0.05, (-0.09, -0.01), 0.0, 0.0), ["made it worse"], ["worth"]),
    (value(0.03, (0.01, 0.05), 600.0, 100.0),
     ["worth 600 more raw samples (2.50x the data)", "low end (+0.0100) it is worth 100"],
     ["asymptote"]),
    (value(0.1, (0.06, 0.14), math.inf, 2e6),
     ["beyond the raw curve's asymptote (0.8500)", "more than any amount",
      "low end (+0.0600) it is worth more than 1,000x the data"], ["not distinguishable"]),
    (value(0.1, (0.06, 0.14), math.inf, math.inf),
     ["more than any amount of raw data reaches, even at the interval's low end"], []),
])
def test_the_sentence_claims_only_what_the_interval_supports(
        v: CleaningValue, says: list[str], never: list[str]) -> None:
    text = v.describe()
    assert "95% interval" in text and "3 seeds × 120 evaluation rows" in text
    for needle in says:
        assert needle in text, (needle, text)
    for needle in never:
        assert needle not in text, (needle, text)
    assert v.to_dict()["summary"] == text
    json.dumps(v.to_dict(), allow_nan=False)  # infinities become null
