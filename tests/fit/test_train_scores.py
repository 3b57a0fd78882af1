"""fit_learning_curve(train_scores=...): validation, which meta-model is used, and the
results-table path through fit_curves / plan."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from datacurve import InputError
from datacurve.fit import fit_curves, fit_learning_curve
from datacurve.fit._meta import (
    TRAIN_FEATURES,
    feature_names,
    load_meta,
    train_features,
    train_means,
)

SIZES = np.ceil(16 * 2.0 ** (np.arange(11) / 2)).astype(float)  # 16 .. 512
VALID = 0.92 - 1.5 * SIZES**-0.5
TRAIN = np.minimum(1.0, 0.97 + 0.3 * SIZES**-0.5)


@pytest.mark.parametrize(
    ("train", "expected"),
    [
        (TRAIN[:-1], "shape"),
        (np.append(TRAIN[:-1], np.inf), "finite"),
        (np.append(TRAIN[:-1], -np.inf), "finite"),
        (np.append(TRAIN[:-1], 1.2), "range"),
        (np.append(TRAIN[:-1], -0.1), "range"),
        (["high"] * SIZES.size, "numbers"),
        (TRAIN.reshape(1, -1), "shape"),
    ],
)
def test_bad_train_scores_name_the_argument(train: object, expected: str) -> None:
    """Wrong length or shape, ±inf, values outside the metric's range or non-numbers raise
    InputError naming train_scores and what was wrong."""
    with pytest.raises(InputError) as info:
        fit_learning_curve(SIZES, VALID, train_scores=train)
    assert str(info.value).startswith("train_scores")
    assert expected in str(info.value)


def test_train_scores_outside_a_custom_range_are_refused() -> None:
    """The range checked is the metric's (here a lower-is-better loss in [0, 5])."""
    with pytest.raises(InputError, match="train_scores"):
        fit_learning_curve(SIZES, 1 - VALID, train_scores=np.full(SIZES.size, 6.0),
                           higher_is_better=False, upper=5.0)


def test_the_train_model_is_used_when_train_scores_are_given() -> None:
    """With train scores at every size the meta-model with train-score features is used
    (and says so); without, the one without."""
    with_tr = fit_learning_curve(SIZES, VALID, train_scores=TRAIN)
    without = fit_learning_curve(SIZES, VALID)
    assert with_tr.uses_train_scores and with_tr.to_dict()["uses_train_scores"] is True
    assert not without.uses_train_scores and without.to_dict()["uses_train_scores"] is False
    assert with_tr.notes == () and without.notes == ()
    assert with_tr.predict(4096) != without.predict(4096)


@pytest.mark.parametrize("method", ["average", "pow4"])
def test_methods_without_the_meta_model_ignore_train_scores(method: str) -> None:
    """Methods that do not use the meta-model give the same curve with train scores."""
    a = fit_learning_curve(SIZES, VALID, train_scores=TRAIN, method=method)
    b = fit_learning_curve(SIZES, VALID, method=method)
    assert not a.uses_train_scores
    assert a.predict(4096) == b.predict(4096)


def test_train_scores_missing_at_a_last_size_fall_back_with_a_note() -> None:
    """Train scores must be recorded at each of the last three sizes: a gap there falls
    back to the model without them (same curve as not giving them) and notes it; gaps
    earlier, or all-NaN train scores (nothing recorded), do not."""
    gap_late = TRAIN.copy()
    gap_late[-2] = np.nan
    late = fit_learning_curve(SIZES, VALID, train_scores=gap_late)
    plain = fit_learning_curve(SIZES, VALID)
    assert not late.uses_train_scores
    assert any("train scores ignored" in n for n in late.notes)
    assert late.predict(4096) == plain.predict(4096)

    gap_early = TRAIN.copy()
    gap_early[:3] = np.nan
    assert fit_learning_curve(SIZES, VALID, train_scores=gap_early).uses_train_scores

    none = fit_learning_curve(SIZES, VALID, train_scores=np.full(SIZES.size, np.nan))
    assert not none.uses_train_scores and none.notes == ()


def test_train_scores_follow_their_sizes_and_average_per_size_ignoring_nan() -> None:
    """Train scores are paired with their sizes whatever the input order, and averaged per
    size over the finite entries (a NaN seed counts as not recorded)."""
    order = np.random.default_rng(0).permutation(SIZES.size)
    ref = fit_learning_curve(SIZES, VALID, train_scores=TRAIN)
    shuffled = fit_learning_curve(SIZES[order], VALID[order], train_scores=TRAIN[order])
    assert shuffled.predict(4096) == pytest.approx(ref.predict(4096), abs=1e-12)

    n2 = np.repeat(SIZES, 2)
    v2 = np.repeat(VALID, 2)
    t_nan = np.column_stack([TRAIN, np.full(SIZES.size, np.nan)]).ravel()
    t_dup = np.repeat(TRAIN, 2)
    a = fit_learning_curve(n2, v2, train_scores=t_nan)
    b = fit_learning_curve(n2, v2, train_scores=t_dup)
    assert a.uses_train_scores
    assert a.predict(4096) == pytest.approx(b.predict(4096), abs=1e-12)


def test_lower_is_better_train_scores_are_read_in_natural_units() -> None:
    """An error metric's train errors give the same fit as the accuracies they mirror."""
    acc = fit_learning_curve(SIZES, VALID, train_scores=TRAIN)
    err = fit_learning_curve(SIZES, 1 - VALID, train_scores=1 - TRAIN,
                             higher_is_better=False, upper=1.0)
    assert err.uses_train_scores
    assert err.predict(4096) == pytest.approx(1 - acc.predict(4096), abs=1e-9)


def test_train_features_by_hand() -> None:
    """The five train-score features on a small curve, computed by hand (g scale)."""
    n = np.array([10.0, 20, 40, 80, 80])
    e = np.array([0.5, 0.4, 0.3, 0.2, 0.2])
    e_tr = np.array([0.0, 0.05, 0.1, 0.1, np.nan])
    assert train_means(n, e_tr) == pytest.approx([0.0, 0.05, 0.1, 0.1])
    got = train_features(n, e, e_tr)
    ln = np.log([20.0, 40, 80])
    gap = np.array([0.35, 0.2, 0.1])
    assert got == pytest.approx([0.9, 0.1, np.polyfit(ln, gap, 1)[0],
                                 np.polyfit(ln, [0.95, 0.9, 0.9], 1)[0], 0.9])


def test_both_meta_models_ship_with_their_provenance() -> None:
    """Both shipped files load with their own feature lists and carry LCDB's licence."""
    base, with_tr = load_meta(), load_meta(with_train=True)
    assert base is not None and with_tr is not None
    assert list(base.features) == feature_names() and not base.with_train
    assert list(with_tr.features) == feature_names() + list(TRAIN_FEATURES)
    for model in (base, with_tr):
        assert "LCDB 1.0" in model.info and "MIT" in model.info and "Felix Mohr" in model.info


def _table(metric: str = "accuracy", train: bool = True) -> pd.DataFrame:
    rows = []
    for s in range(2):
        for n, v, t in zip(SIZES, VALID, TRAIN, strict=True):
            sign = 1.0 if metric == "accuracy" else -1.0
            nat_v, nat_t = (v, t) if metric == "accuracy" else (1 - v, 1 - t)
            rows.append({"model": "m", "n": int(n), "seed": s, "val_score": sign * nat_v,
                         "metric": metric, "status": "ok",
                         **({"train_score": sign * nat_t} if train else {})})
    return pd.DataFrame(rows)


@pytest.mark.parametrize("metric", ["accuracy", "error"])
def test_fit_curves_passes_the_tables_train_scores(metric: str) -> None:
    """fit_curves reads train_score in the metric's natural units, as val_score: the
    curve is the one fit_learning_curve gives with those train scores."""
    curve = fit_curves(_table(metric))["m"]
    assert curve.uses_train_scores
    table = _table(metric)
    sign = 1.0 if metric == "accuracy" else -1.0
    direct = fit_learning_curve(table.n.to_numpy(float), sign * table.val_score.to_numpy(),
                                train_scores=sign * table.train_score.to_numpy(),
                                higher_is_better=metric == "accuracy", upper=1.0)
    assert curve.predict(4096) == pytest.approx(direct.predict(4096), abs=1e-12)
    assert not fit_curves(_table(metric, train=False))["m"].uses_train_scores


def test_fit_curves_reads_train_of_another_metric_and_skips_bad_values() -> None:
    """With metric= another recorded metric, train_<metric> is used; train scores outside
    the metric's range (a sloppy table) are left out rather than refused."""
    table = _table()
    table["val_error"] = 1 - table.val_score
    table["train_error"] = 1 - table.train_score
    assert fit_curves(table, metric="error")["m"].uses_train_scores
    sloppy = _table()
    sloppy["train_score"] = 2.0
    curve = fit_curves(sloppy)["m"]
    assert not curve.uses_train_scores
