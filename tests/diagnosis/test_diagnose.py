"""The diagnosis on planted results tables: each bottleneck found from the numbers that
define it, the bad inputs refused, and invariants under Hypothesis."""

from __future__ import annotations

import json
import math
from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from datacurve import InputError
from datacurve.diagnosis import ACTIONS, BOTTLENECKS, diagnose

SIZES = (250, 500, 1000, 2000, 4000, 8000, 16000)
Curve = Callable[[np.ndarray], np.ndarray]


def table(models: dict[str, tuple[int, Curve, Curve]], sizes: tuple[int, ...] = SIZES,
          seeds: int = 2, noise: float = 0.002, seed: int = 0,
          fit_time: dict[str, float] | None = None) -> pd.DataFrame:
    """A results table: for each model (params, evaluation curve, training curve) one row
    per size and seed, with a little seed noise."""
    rng = np.random.default_rng(seed)
    rows = []
    for name, (params, val, train) in models.items():
        for n in sizes:
            for s in range(seeds):
                arr = np.array([float(n)])
                rows.append({
                    "model": name, "params": params, "n": n, "seed": s,
                    "val_score": float(np.clip(val(arr)[0] + noise * rng.standard_normal(),
                                               0, 1)),
                    "train_score": float(np.clip(train(arr)[0], 0, 1)),
                    "fit_time": (fit_time or {}).get(name, 1e-3) * n,
                    "metric": "accuracy", "status": "ok"})
    return pd.DataFrame(rows)


def plateau(top: float, scale: float = 3.0, rate: float = 0.5) -> Curve:
    return lambda n: top - scale * n**-rate


def const(value: float) -> Curve:
    return lambda n: np.full_like(n, value)


def test_small_model_beside_a_far_better_larger_one_is_capacity_bound() -> None:
    """A plateau at 0.78 (train 0.79) beside a larger model at 0.97: model capacity; grow
    the model, then the compute, whose ratio comes from the measured fit times."""
    t = table({"cnn:width=4": (400, plateau(0.78, 2.0), const(0.79)),
               "cnn:width=32": (12000, plateau(0.98, 1.5), const(0.995))},
              fit_time={"cnn:width=4": 1e-3, "cnn:width=32": 3e-3})
    d = diagnose(t, "cnn:width=4")
    assert d.bottleneck == "model_capacity"
    assert [r.action for r in d.recommendations[:3]] == ["grow_model", "add_compute",
                                                          "add_data"]
    assert d.evidence["gain_larger_model"] == pytest.approx(0.20, abs=0.02)
    assert d.recommendations[1].evidence["seconds_larger"] == pytest.approx(
        3 * d.recommendations[1].evidence["seconds_now"])
    assert d.evidence["avoidable_bias"] > 0.15


def test_rising_curve_with_a_large_train_gap_is_variance_then_add_data() -> None:
    """Train 1.0, evaluation 0.95 - 3/sqrt(n) at <= 1,000 samples: variance (the gap
    dominates the avoidable bias), add data first, regularise and augment next."""
    t = table({"cnn": (12000, plateau(0.95, 3.0), const(1.0))}, sizes=(64, 128, 256, 512,
                                                                     1024))
    d = diagnose(t)
    assert d.bottleneck == "variance"
    assert [r.action for r in d.recommendations[:3]] == ["add_data", "regularize", "augment"]
    assert d.evidence["variance"] == pytest.approx(1.0 - d.evidence["val_score"])


def test_rising_curve_without_a_gap_is_data() -> None:
    """Train and evaluation rise together (no gap): data, add data first."""
    curve = plateau(0.95, 3.0)
    t = table({"m": (1000, curve, lambda n: curve(n) + 0.003)}, sizes=(64, 128, 256, 512,
                                                                      1024))
    d = diagnose(t)
    assert d.bottleneck == "data"
    assert d.first is not None and d.first.action == "add_data"
    assert "transfer" in [r.action for r in d.recommendations]


def test_label_noise_rate_ranks_clean_labels_first_only_when_large() -> None:
    """A rising curve with 30 % noisy labels of 10 classes: clean labels are worth 2.25x the
    data, more than doubling: label noise. With 2 % noise they are worth 1.05x: data."""
    t = table({"m": (1000, plateau(0.9, 3.0), const(0.99))}, sizes=(125, 250, 500, 1000,
                                                                   2000))
    d = diagnose(t, noise_rate=0.3, n_classes=10)
    assert d.bottleneck == "label_noise" and d.first is not None
    assert d.first.action == "clean_labels"
    assert d.evidence["clean_data_multiplier"] == pytest.approx(1 / (1 - 0.3 * 10 / 9) ** 2)
    assert d.evidence["memorizing_noise"] is True  # train error 0.01 < 0.3 noisy labels
    low = diagnose(t, noise_rate=0.02, n_classes=10)
    assert low.bottleneck in ("data", "variance")
    assert low.first is not None and low.first.action == "add_data"
    # Unknown classes: the many-class bound (1 - r)^-2 is the smallest value.
    assert diagnose(t, noise_rate=0.3).evidence["clean_data_multiplier"] == pytest.approx(
        1 / 0.7**2)


def test_flat_curve_at_the_optimum_is_saturated() -> None:
    """Flat at 0.9 with optimal error 0.1: saturated, stop."""
    t = table({"m": (1000, const(0.9), const(0.9))})
    d = diagnose(t, optimal_error=0.1)
    assert d.bottleneck == "saturated"
    assert d.first is not None and d.first.action == "stop"
    assert d.evidence["headroom"] < 0.01


def test_flat_curve_far_from_the_optimum_without_a_larger_model_is_capacity() -> None:
    """Flat at 0.7 with train 0.7 when 0.98 is achievable and no larger model was
    measured: model capacity; grow the model, unpriced, says to measure one."""
    t = table({"m": (1000, const(0.7), const(0.71))})
    d = diagnose(t, optimal_error=0.02)
    assert d.bottleneck == "model_capacity"
    assert d.first is not None and d.first.action == "grow_model"
    assert d.first.expected_gain is None and "measure one" in d.first.reason


def test_joint_law_prices_growth_when_the_model_is_the_largest() -> None:
    """With two sizes of one architecture and the larger one diagnosed, the gain of a
    larger model comes from the joint scaling law and says so."""
    t = table({"cnn:width=8": (1000, plateau(0.85, 2.0), const(0.86)),
               "cnn:width=16": (4000, plateau(0.9, 2.0), const(0.91))})
    d = diagnose(t, "cnn:width=16")
    assert d.evidence["larger_model_source"] == "joint scaling law"
    assert d.evidence["larger_model_params"] == pytest.approx(16000)
    assert any("joint scaling law" in n for n in d.notes)


def test_reached_target_says_stop_first() -> None:
    t = table({"m": (1000, plateau(0.95, 3.0), const(1.0))})
    d = diagnose(t, target=0.9)
    assert d.first is not None and d.first.action == "stop"
    assert d.evidence["target_reached"] is True
    far = diagnose(t, target=0.94)
    assert far.evidence["target_reached"] is False
    assert far.evidence["samples_for_target"] > 16000


def test_three_sizes_are_insufficient_evidence() -> None:
    """Three sizes: an honest 'insufficient evidence', asking for more sizes."""
    t = table({"m": (1000, plateau(0.9), const(1.0))}, sizes=(100, 200, 400))
    d = diagnose(t)
    assert d.bottleneck == "insufficient_evidence"
    assert d.first is not None and d.first.action == "measure"
    assert "at least 4" in d.first.reason


def test_lower_is_better_metric_from_its_own_columns() -> None:
    """The same table diagnosed on 'error' (lower is better) reads val_error/train_error
    and reports gains as improvements (positive)."""
    t = table({"m": (1000, plateau(0.95, 3.0), const(1.0))})
    t["val_error"] = 1 - t["val_score"]
    t["train_error"] = 1 - t["train_score"]
    a, e = diagnose(t), diagnose(t, metric="error")
    assert e.metric == "error" and not e.higher_is_better
    assert e.evidence["gain_double_data"] == pytest.approx(a.evidence["gain_double_data"],
                                                           abs=2e-3)
    assert e.bottleneck == a.bottleneck


@pytest.mark.parametrize(("mutate", "needle"), [
    (lambda t: t.drop(columns=["train_score"]), "train_score"),
    (lambda t: t.assign(val_score=t["val_score"] + 1.0), "within the metric's range"),
    (lambda t: t[t["n"] == 1000], "2 or more training-set sizes"),
    (lambda t: t.iloc[0:0], "at least one finished trial"),
])
def test_bad_results_are_refused_by_name(mutate: Callable[[pd.DataFrame], pd.DataFrame],
                                         needle: str) -> None:
    t = table({"m": (1000, plateau(0.9), const(1.0))})
    with pytest.raises(InputError, match="results") as info:
        diagnose(mutate(t))
    assert needle in str(info.value)


@pytest.mark.parametrize(("kwargs", "name"), [
    ({"target": 1.5}, "target"), ({"noise_rate": 1.0}, "noise_rate"),
    ({"optimal_error": -0.1}, "optimal_error"), ({"n_classes": 1}, "n_classes"),
    ({"model": "nope"}, "model"),
])
def test_bad_arguments_are_refused_by_name(kwargs: dict[str, object], name: str) -> None:
    t = table({"m": (1000, plateau(0.9), const(1.0))})
    with pytest.raises(InputError) as info:
        diagnose(t, **kwargs)  # type: ignore[arg-type]
    assert info.value.name == name


def test_several_models_need_a_model_name() -> None:
    t = table({"a": (10, const(0.5), const(0.5)), "b": (20, const(0.6), const(0.6))})
    with pytest.raises(InputError, match="model"):
        diagnose(t)


def test_input_table_is_not_modified() -> None:
    t = table({"m": (1000, plateau(0.9), const(1.0))})
    before = t.copy(deep=True)
    diagnose(t, noise_rate=0.1)
    pd.testing.assert_frame_equal(t, before)


@settings(max_examples=25, deadline=None)
@given(top=st.floats(0.6, 0.99), scale=st.floats(0.0, 5.0), rate=st.floats(0.2, 1.0),
       gap=st.floats(0.0, 0.3), noise=st.one_of(st.none(), st.floats(0.0, 0.45)),
       seed=st.integers(0, 2**16))
def test_invariants(top: float, scale: float, rate: float, gap: float, noise: float | None,
                    seed: int) -> None:
    """Any planted curve: a known verdict, known actions, priced gains ranked before
    unpriced companions of lower rank, evidence that adds up, JSON that round-trips, and
    the same answer whatever the row order."""
    val = plateau(top, scale, rate)
    t = table({"m": (1000, val, lambda n: np.minimum(val(n) + gap, 1.0))}, seed=seed)
    d = diagnose(t, noise_rate=noise)
    assert d.bottleneck in BOTTLENECKS
    assert d.recommendations and all(r.action in ACTIONS for r in d.recommendations)
    ev = d.evidence
    assert ev["variance"] == pytest.approx(ev["val_error"] - ev["train_error"])
    assert ev["avoidable_bias"] >= 0 and ev["headroom"] >= 0
    lo, hi = ev["gain_double_data_interval"]
    assert lo <= hi and math.isfinite(ev["gain_double_data"])
    json.loads(json.dumps(d.to_dict()))
    shuffled = diagnose(t.sample(frac=1.0, random_state=seed), noise_rate=noise)
    assert shuffled.bottleneck == d.bottleneck
    assert [r.action for r in shuffled.recommendations] == [
        r.action for r in d.recommendations]


def test_model_may_be_named_by_any_spelling_of_its_spec() -> None:
    """Stores keep canonical specs; a differently ordered spelling finds the same model."""
    t = table({"cnn:lr=0.003,width=4": (400, plateau(0.8), const(0.8)),
               "cnn:lr=0.003,width=32": (12000, plateau(0.97), const(0.99))})
    assert diagnose(t, "cnn:width=4,lr=0.003").model == "cnn:lr=0.003,width=4"


def test_flat_regression_curve_is_saturated_and_not_told_to_add_data() -> None:
    """R² flat at 0.44 (seed noise 0.01) beside another flat model: saturated on the
    metric's own scale, 'stop adding data' first, never add_data, and what can still
    move it named (features, another family, cleaner labels)."""
    flat = const(0.44)
    rows = table({"sklearn:Ridge()": (11, flat, const(0.52)),
                  "sklearn:Lasso()": (11, const(0.40), const(0.45))},
                 sizes=(64, 128, 256, 512), seeds=3, noise=0.01)
    rows["metric"] = "r2"
    d = diagnose(rows, "sklearn:Ridge()")
    assert d.bottleneck == "saturated", d.to_text()
    actions = [r.action for r in d.recommendations]
    assert "add_data" not in actions and actions[0] == "stop"
    assert "another model family" in d.first.reason and d.evidence["flat"] is True


def test_a_forest_is_never_a_model_size_and_other_families_are_their_own_finding() -> None:
    """A random forest (parameter count growing with n) beside a CNN width sweep: no
    joint law or larger model for the forest; the better CNN is 'another model family'
    (change_model), not model capacity."""
    t = table({"cnn:width=4": (400, plateau(0.80, 2.0), const(0.81)),
               "cnn:width=32": (12000, plateau(0.97, 1.5), const(0.99)),
               "sklearn:RandomForestClassifier()": (0, plateau(0.85, 2.0), const(1.0))})
    forest = t["model"] == "sklearn:RandomForestClassifier()"
    t.loc[forest, "params"] = t.loc[forest, "n"] * 3  # nodes grow with the data
    from datacurve.results import Results

    assert Results.from_source(t).by_architecture() == {
        "cnn": ("cnn:width=4", "cnn:width=32")}
    d = diagnose(t, "sklearn:RandomForestClassifier()")
    assert d.bottleneck != "model_capacity"
    assert d.evidence["gain_larger_model"] is None
    assert d.evidence["other_family"] == "cnn:width=32"
    assert "change_model" in [r.action for r in d.recommendations]
    assert "shallower trees" in next(r.reason for r in d.recommendations
                                     if r.action == "regularize")


def test_a_perfect_fit_beside_a_better_family_is_not_capacity() -> None:
    """Logistic regression with training accuracy 1.0 (no avoidable bias) beside a
    better MLP: not 'model capacity'; trying the other family is priced."""
    t = table({"sklearn:LogisticRegression()": (650, plateau(0.95, 1.5), const(1.0)),
               "mlp": (20000, plateau(0.985, 1.0), const(1.0))})
    d = diagnose(t, "sklearn:LogisticRegression()")
    assert d.bottleneck != "model_capacity"
    change = next(r for r in d.recommendations if r.action == "change_model")
    assert change.expected_gain == pytest.approx(d.evidence["gain_other_family"])


def test_a_falling_curve_is_flagged_with_what_to_check() -> None:
    """Scores that fall with more data beyond their seed noise are flagged in the
    evidence and a note that names what to check."""
    t = table({"mlp": (1000, lambda n: 0.99 - 0.02 * np.log2(n / 250), const(1.0))},
              seeds=3)
    d = diagnose(t)
    assert d.evidence["falling"]["drop"] > 0.05
    assert any("falls with more data" in n and "label noise" in n for n in d.notes)


def test_tables_get_feature_work_not_augmentation(tmp_path) -> None:
    """On a table (the store records its modality) a rising curve is told to work on
    the features; augmentation and pretrained models are for images, signals, text."""
    from datacurve.curves import run_curve
    from tests.conftest import scripted_dataset, scripted_spec

    data = scripted_dataset(3000)
    frame = pd.DataFrame(data.X, columns=[f"c{i}" for i in range(data.X.shape[1])])
    frame["label"] = data.y
    run = run_curve(frame, [scripted_spec(asymptote=0.97, scale=2.0, exponent=0.4)],
                    label="label", seeds=2, store=tmp_path / "s.sqlite", progress=False)
    d = diagnose(run.results.assign(), None)
    from datacurve import analyze

    a = analyze(run, include=("diagnoses",)).one().diagnosis
    assert a is not None and a.evidence["modality"] == "table"
    actions = [r.action for r in a.recommendations]
    assert "augment" not in actions and "transfer" not in actions
    assert "add_features" in actions and d.bottleneck == a.bottleneck
