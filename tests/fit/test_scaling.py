"""Joint scaling law, compute model and compute-optimal allocation, on planted tables."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from datacurve import InputError
from datacurve.fit._scaling import (
    N_HORIZON,
    SATURATION,
    Allocation,
    ComputeModel,
    ScalingLaw,
    compute_optimal,
    fit_compute_model,
)
from datacurve.fit._scaling import fit_scaling_law as _fit_scaling_law


def fit_scaling_law(results: object, **kwargs: object) -> ScalingLaw:
    """The law over every training size (min_n=0): the planted tables follow it
    everywhere. The default's cut-off has its own test below."""
    kwargs.setdefault("min_n", 0)
    return _fit_scaling_law(results, **kwargs)  # type: ignore[arg-type]

TRUTH = {"E": 0.05, "A": 5.0, "alpha": 0.35, "B": 3.0, "beta": 0.45}
MODELS = (1e4, 3e4, 1e5, 3e5, 1e6)
SIZES = tuple(100 * 2**k for k in range(8))  # 100 … 12 800


def true_error(params: float | np.ndarray, n: float | np.ndarray,
               law: dict[str, float] = TRUTH) -> np.ndarray:
    """The planted law's error."""
    return np.asarray(law["E"] + law["A"] / np.asarray(params) ** law["alpha"]
                      + law["B"] / np.asarray(n) ** law["beta"])


def planted(law: dict[str, float] = TRUTH, *, models: tuple[float, ...] = MODELS,
            sizes: tuple[int, ...] = SIZES, seeds: int = 1, noise: float = 0.0,
            metric: str = "accuracy", rng: int = 0) -> pd.DataFrame:
    """A results table whose scores follow `law`, plus Gaussian noise per trial."""
    gen = np.random.default_rng(rng)
    P, N, S = (a.ravel() for a in np.meshgrid(models, sizes, range(seeds), indexing="ij"))
    # A measured error is never negative, nor an accuracy's above 1: noise near the
    # asymptote must not give an accuracy above 1 (Hypothesis found rng=6207, noise=0.047
    # doing so; the table is then rightly refused).
    err = np.clip(true_error(P, N, law) + noise * gen.standard_normal(P.size), 0.0,
                  1.0 if metric == "accuracy" else np.inf)
    natural = {"accuracy": 1.0 - err, "r2": 1.0 - err}.get(metric, err)
    sign = -1.0 if metric in ("error", "log_loss", "rmse", "mae") else 1.0
    return pd.DataFrame({
        "model": [f"cnn:width={int(p)}" for p in P],
        "params": P.astype(np.int64),
        "n": N.astype(np.int64),
        "seed": S.astype(np.int64),
        "train_score": sign * natural * 0.9,
        "val_score": sign * natural,
        "metric": metric,
        "status": "ok",
        "fit_time": 1e-8 * P * N * np.exp(0.05 * gen.standard_normal(P.size)),
        "predict_time": 0.01,
    })


@pytest.fixture(scope="module")
def noisy_law() -> ScalingLaw:
    """A law fitted to a noisy table with five seeds per (model, size)."""
    return fit_scaling_law(planted(seeds=5, noise=0.01, rng=1))


# -- recovery ------------------------------------------------------------------------------
def test_recovers_planted_parameters_without_noise() -> None:
    """Noise-free scores give back E, A, alpha, B and beta."""
    law = fit_scaling_law(planted())
    for name, value in TRUTH.items():
        assert getattr(law, name) == pytest.approx(value, rel=1e-4)
    assert law.metric == "accuracy" and law.higher_is_better
    assert law.n_points == len(MODELS) * len(SIZES)


def test_predicts_an_unseen_pair_without_noise() -> None:
    """A bigger model on more data than any trial is predicted to 1e-6."""
    law = fit_scaling_law(planted())
    assert float(law.predict(3e6, 50_000)) == pytest.approx(1 - true_error(3e6, 50_000),
                                                            abs=1e-6)
    assert float(law.predict_error(3e6, 50_000)) == pytest.approx(true_error(3e6, 50_000),
                                                                  abs=1e-6)


@settings(max_examples=12, deadline=None)
@given(E=st.floats(0.0, 0.3), A=st.floats(0.5, 30.0), alpha=st.floats(0.1, 1.0),
       B=st.floats(0.5, 30.0), beta=st.floats(0.1, 1.0))
def test_recovers_any_planted_law(E: float, A: float, alpha: float, B: float,
                                  beta: float) -> None:
    """Any noise-free law in range is predicted at an unseen pair within 0.1 %."""
    law = {"E": E, "A": A, "alpha": alpha, "B": B, "beta": beta}
    fit = fit_scaling_law(planted(law, metric="log_loss"), n_bootstrap=0)
    truth = float(true_error(3e6, 50_000, law))
    assert float(fit.predict(3e6, 50_000)) == pytest.approx(truth, rel=1e-3)


def test_noisy_seeds_still_predict_well(noisy_law: ScalingLaw) -> None:
    """With noise of 0.01 per trial, unseen pairs are predicted within 0.01."""
    P = np.array([1e5, 2e6, 3e6])
    n = np.array([1000, 12_800, 50_000])
    np.testing.assert_allclose(noisy_law.predict(P, n), 1 - true_error(P, n), atol=0.01)
    assert noisy_law.residual_std == pytest.approx(0.01, rel=0.2)


def test_leave_one_model_out_predicts_the_largest_model() -> None:
    """Fitted without the largest model, the law predicts its scores within 0.015."""
    table = planted(seeds=3, noise=0.01, rng=2)
    largest = table["params"] == table["params"].max()
    law = fit_scaling_law(table[~largest])
    held = table[largest].groupby("n")["val_score"].mean()
    predicted = law.predict(float(table["params"].max()), held.index.to_numpy())
    np.testing.assert_allclose(predicted, held.to_numpy(), atol=0.015)


# -- intervals -----------------------------------------------------------------------------
def test_interval_covers_the_truth_most_of_the_time() -> None:
    """Over planted noisy tables, the 80 % interval holds the true score 60-95 % of
    the time, inside and outside the measured range."""
    points = (np.array([1e5, 1e6, 1e7, 1e6, 3e6]), np.array([1000, 12_800, 12_800, 1e5, 5e4]))
    hits = []
    for rng in range(12):
        law = fit_scaling_law(planted(seeds=4, noise=0.01, rng=100 + rng))
        lo, hi = law.interval(*points, level=0.8)
        truth = 1 - true_error(*points)
        hits.append((lo <= truth) & (truth <= hi))
    assert 0.6 <= float(np.mean(hits)) <= 0.95


def test_interval_brackets_the_prediction(noisy_law: ScalingLaw) -> None:
    """Intervals have the broadcast shape, low <= high, and hold the point prediction."""
    P = np.array([[1e4], [1e6], [1e8]])
    n = np.array([100, 10_000, 1e6])
    lo, hi = noisy_law.interval(P, n)
    point = noisy_law.predict(P, n)
    assert lo.shape == hi.shape == (3, 3)
    assert np.all(lo <= hi)
    assert np.all((lo - 1e-3 <= point) & (point <= hi + 1e-3))


def test_interval_widens_when_extrapolating(noisy_law: ScalingLaw) -> None:
    """Further beyond the largest model or size, the interval is wider."""
    lo, hi = noisy_law.interval([1e6, 1e7, 1e8], 12_800)
    assert np.all(np.diff(hi - lo) > 0)
    lo, hi = noisy_law.interval(1e6, [12_800, 1e5, 1e6])
    assert np.all(np.diff(hi - lo) > 0)


def test_higher_level_gives_a_wider_interval(noisy_law: ScalingLaw) -> None:
    """A 95 % interval contains the 50 % one."""
    lo50, hi50 = noisy_law.interval(3e6, 50_000, level=0.5)
    lo95, hi95 = noisy_law.interval(3e6, 50_000, level=0.95)
    assert lo95 < lo50 <= hi50 < hi95


# -- shape of the law ----------------------------------------------------------------------
@settings(max_examples=8, deadline=None)
@given(rng=st.integers(0, 10_000), noise=st.floats(0.0, 0.05))
def test_fitted_error_falls_with_params_and_n(rng: int, noise: float) -> None:
    """Whatever the noise, predicted error never rises with model size or data size."""
    law = fit_scaling_law(planted(seeds=2, noise=noise, rng=rng), n_bootstrap=0)
    P, n = np.meshgrid(np.geomspace(1e3, 1e8, 30), np.geomspace(10, 1e7, 30), indexing="ij")
    err = law.predict_error(P, n)
    assert np.all(np.diff(err, axis=0) <= 1e-12)
    assert np.all(np.diff(err, axis=1) <= 1e-12)
    assert np.all(err >= 0)


def test_predictions_stay_in_the_metric_range() -> None:
    """Tiny models on tiny data predict accuracy 0, not a negative accuracy."""
    law = fit_scaling_law(planted(), n_bootstrap=0)
    assert float(law.predict(1.0, 1.0)) == 0.0
    assert float(law.predict(np.inf, np.inf)) == pytest.approx(1 - TRUTH["E"])


def test_lower_is_better_metric_is_fitted_in_natural_units() -> None:
    """A log-loss table (negated val_score) yields a law that predicts the loss itself."""
    law = fit_scaling_law(planted(metric="log_loss"))
    assert law.metric == "log_loss" and not law.higher_is_better
    assert float(law.predict(3e6, 50_000)) == pytest.approx(true_error(3e6, 50_000), abs=1e-6)
    asymptote = law.E
    assert asymptote == pytest.approx(TRUTH["E"], rel=1e-4)


def test_r2_is_fitted_as_one_minus_r2() -> None:
    """For R² the error is 1 - R²."""
    law = fit_scaling_law(planted(metric="r2"))
    asymptote = law.E
    assert asymptote == pytest.approx(TRUTH["E"], rel=1e-4)
    assert float(law.predict(3e6, 50_000)) == pytest.approx(1 - true_error(3e6, 50_000),
                                                            abs=1e-6)


def test_other_metric_is_read_from_its_val_column() -> None:
    """metric="error" on an accuracy table uses the val_error column."""
    table = planted()
    table["val_error"] = 1 - table["val_score"]
    law = fit_scaling_law(table, metric="error")
    assert law.metric == "error"
    assert float(law.predict(3e6, 50_000)) == pytest.approx(true_error(3e6, 50_000), abs=1e-6)


def test_failed_and_missing_scores_are_ignored() -> None:
    """Failed trials and NaN scores (with any params) do not change the fit."""
    table = planted()
    junk = table.iloc[:3].copy()
    junk["status"] = "failed"
    junk["val_score"] = -5.0
    junk["params"] = 0
    nan = table.iloc[3:5].copy()
    nan["val_score"] = np.nan
    law = fit_scaling_law(pd.concat([table, junk, nan], ignore_index=True))
    assert law.n_points == len(table)
    assert law.alpha == pytest.approx(TRUTH["alpha"], rel=1e-4)


def test_robust_loss_resists_wild_trials() -> None:
    """Three trials scored 0 barely move the Huber fit; plain least squares is pulled."""
    table = planted(seeds=3, noise=0.005, rng=4)
    table.loc[[3, 50, 90], "val_score"] = 0.0
    truth = 1 - float(true_error(3e6, 50_000))
    huber = float(fit_scaling_law(table, n_bootstrap=0).predict(3e6, 50_000))
    plain = float(fit_scaling_law(table, loss="linear", n_bootstrap=0).predict(3e6, 50_000))
    assert abs(huber - truth) < 0.003 < abs(plain - truth)


def test_table_without_metric_column_defaults_to_accuracy() -> None:
    """Only the contract columns: the scores are taken as accuracy."""
    law = fit_scaling_law(planted()[["model", "params", "n", "seed", "train_score",
                                     "val_score"]])
    assert law.metric == "accuracy"


def test_size_for_inverts_predict() -> None:
    """The size returned reaches the target; an unreachable target needs infinite data."""
    law = fit_scaling_law(planted(), n_bootstrap=0)
    n = law.size_for(0.85, 1e6)
    assert float(law.predict(1e6, n)) == pytest.approx(0.85, abs=1e-9)
    assert law.size_for(1 - TRUTH["E"] + 1e-3, 1e6) == math.inf
    assert law.size_for(0.8, 1e6) < n < law.size_for(0.86, 1e6)


def test_to_dict_is_json() -> None:
    """The summary survives a JSON round trip."""
    law = fit_scaling_law(planted(seeds=2, noise=0.01))
    back = json.loads(json.dumps(law.to_dict()))
    assert back["alpha"] == pytest.approx(law.alpha)
    assert back["metric"] == "accuracy" and back["n_bootstrap"] == 200


# -- compute -------------------------------------------------------------------------------
def test_compute_model_recovers_planted_exponents() -> None:
    """fit_time = 1e-8 · P · n (± 5 % jitter) gives p ≈ 1, q ≈ 1, c ≈ 1e-8."""
    cm = fit_compute_model(planted(seeds=3))
    assert cm.p == pytest.approx(1.0, abs=0.03)
    assert cm.q == pytest.approx(1.0, abs=0.03)
    assert float(cm.predict(1e6, 1e4)) == pytest.approx(100.0, rel=0.05)
    assert json.loads(json.dumps(cm.to_dict()))["p"] == pytest.approx(cm.p)


def test_compute_model_clips_exponents() -> None:
    """Time falling with n would need q < 0: q is clipped to 0."""
    table = planted()
    table["fit_time"] = 1e-3 * table["params"] ** 0.5 / table["n"] ** 0.3
    cm = fit_compute_model(table)
    assert cm.q == pytest.approx(0.0, abs=1e-6)
    assert 0.0 <= cm.p <= 3.0


def test_compute_model_ignores_failed_and_missing_times() -> None:
    """Rows without a positive fit_time are left out."""
    table = planted()
    table.loc[:4, "fit_time"] = np.nan
    table.loc[5:6, "fit_time"] = 0.0
    assert fit_compute_model(table).n_points == len(table) - 7


# -- allocation ----------------------------------------------------------------------------
LAW = ScalingLaw(**TRUTH, metric="accuracy", higher_is_better=True, n_points=0,
                 residual_std=0.0, params_range=(1e4, 1e6), n_range=(100.0, 12_800.0))


@settings(max_examples=15, deadline=None)
@given(budget=st.floats(0.1, 1e4), p=st.floats(0.5, 1.5), q=st.floats(0.5, 1.5))
def test_compute_optimal_minimises_error_on_the_frontier(budget: float, p: float,
                                                         q: float) -> None:
    """The allocation's error matches brute force over a fine grid of the frontier."""
    cm = ComputeModel(c=1e-8, p=p, q=q, n_points=0, residual_std=0.0)
    alloc = compute_optimal(LAW, cm, budget)
    P = np.geomspace(0.25 * 1e4, 16 * 1e6, 200_000)
    n = (budget / (cm.c * P**p)) ** (1 / q)
    # No more data than the law says still matters, nor beyond its horizon.
    remaining = TRUTH["E"] + TRUTH["A"] * P ** -TRUTH["alpha"]
    n_sat = (TRUTH["B"] / (SATURATION * remaining)) ** (1 / TRUTH["beta"])
    n = np.minimum(n, np.minimum(n_sat, N_HORIZON * LAW.n_range[1]))
    err = np.where(n >= 1, true_error(P, np.maximum(n, 1.0)), np.inf)
    assert alloc.error == pytest.approx(err.min(), rel=1e-4)
    if alloc.limited_by == "compute":
        assert alloc.seconds == pytest.approx(budget, rel=1e-9)
    else:
        assert alloc.limited_by in ("saturation", "extrapolation")
        assert alloc.seconds < budget
    assert alloc.error == pytest.approx(true_error(alloc.params, alloc.n), rel=1e-12)


def test_nearly_free_data_gives_a_bounded_answer() -> None:
    """When training time barely grows with n (q ≈ 0), the budget affords any n; the
    allocation stops where the law itself stops improving or at its horizon, never at
    astronomically large sizes, and says which."""
    cm = ComputeModel(c=1e-3, p=0.5, q=1e-6, n_points=0, residual_std=0.0)
    alloc = compute_optimal(LAW, cm, 10.0)
    assert alloc.n <= N_HORIZON * LAW.n_range[1] * (1 + 1e-12)
    assert alloc.limited_by in ("saturation", "extrapolation")
    unlimited = true_error(alloc.params, np.inf)
    if alloc.limited_by == "saturation":
        assert true_error(alloc.params, alloc.n) - unlimited <= SATURATION * unlimited * 1.01
    # A law without a horizon (no fitted sizes recorded) still stops at saturation.
    free = compute_optimal(ScalingLaw(**TRUTH, metric="accuracy", higher_is_better=True,
                                      n_points=0, residual_std=0.0), cm, 10.0,
                           params_grid=np.geomspace(1e4, 1e6, 50))
    assert free.limited_by == "saturation" and math.isfinite(free.n)


def test_compute_optimal_picks_the_best_of_a_given_grid() -> None:
    """With an explicit grid, the choice is the grid's minimiser."""
    cm = ComputeModel(c=1e-8, p=1.0, q=1.0, n_points=0, residual_std=0.0)
    grid = np.array([1e4, 5e4, 2e5, 8e5, 3e6])
    alloc = compute_optimal(LAW, cm, 100.0, params_grid=grid)
    errs = true_error(grid, 100.0 / (1e-8 * grid))
    assert alloc.params == grid[np.argmin(errs)]
    assert [a["params"] for a in alloc.alternatives] == list(grid)


def test_compute_optimal_respects_available_data() -> None:
    """When data is capped, n never exceeds n_max and the allocation says so."""
    cm = ComputeModel(c=1e-8, p=1.0, q=1.0, n_points=0, residual_std=0.0)
    free = compute_optimal(LAW, cm, 100.0)
    alloc = compute_optimal(LAW, cm, 100.0, n_max=free.n / 4)
    assert alloc.limited_by == "data"
    assert alloc.n == pytest.approx(free.n / 4)
    assert alloc.seconds <= 100.0 * (1 + 1e-9)
    assert alloc.params > free.params  # spare compute goes into a bigger model
    assert all(a["n"] <= free.n / 4 * (1 + 1e-12) for a in alloc.alternatives)


def test_allocation_reports_interval_and_frontier(noisy_law: ScalingLaw) -> None:
    """The allocation of a fitted law carries an 80 % interval and frontier points."""
    cm = fit_compute_model(planted(seeds=2))
    alloc = compute_optimal(noisy_law, cm, 50.0)
    assert isinstance(alloc, Allocation)
    assert alloc.interval[0] <= alloc.score <= alloc.interval[1]
    frame = alloc.alternatives_frame()
    assert {"params", "n", "score", "seconds", "limited_by"} <= set(frame.columns)
    assert alloc.params in set(frame["params"])
    assert frame["seconds"].to_numpy() == pytest.approx(50.0)
    assert json.loads(json.dumps(alloc.to_dict()))["limited_by"] == "compute"


# -- bad input -----------------------------------------------------------------------------
def _drop(column: str) -> pd.DataFrame:
    return planted().drop(columns=column)


def _set(column: str, row: int, value: object) -> pd.DataFrame:
    table = planted()
    table[column] = table[column].astype(object)
    table.loc[row, column] = value
    return table


@pytest.mark.parametrize(("results", "kwargs", "name"), [
    (planted().iloc[:0], {}, "results"),
    ([1, 2, 3], {}, "results"),
    (_drop("params"), {}, "results"),
    (_drop("val_score"), {}, "results"),
    (_set("params", 0, 0), {}, "results"),
    (_set("params", 0, -5), {}, "results"),
    (_set("n", 0, np.nan), {}, "results"),
    (_set("n", 0, np.inf), {}, "results"),
    (_set("n", 0, "many"), {}, "results"),
    (planted(models=(1e5,)), {}, "results"),
    (planted(sizes=(100, 200)), {}, "results"),
    (planted().assign(status="failed"), {}, "results"),
    (planted(), {"metric": "f2"}, "metric"),
    (planted(), {"metric": "rmse"}, "metric"),
    (pd.concat([planted(), planted(metric="error")]), {}, "metric"),
    (planted(), {"loss": "l3"}, "loss"),
    (planted(), {"n_bootstrap": -1}, "n_bootstrap"),
])
def test_fit_scaling_law_rejects_bad_input(results: object, kwargs: dict[str, object],
                                           name: str) -> None:
    """Bad tables and arguments raise InputError naming the argument."""
    with pytest.raises(InputError) as info:
        fit_scaling_law(results, **kwargs)  # type: ignore[arg-type]
    assert info.value.name == name
    assert str(info.value).startswith(f"{name}: expected")


@pytest.mark.parametrize(("results", "name"), [
    (_drop("fit_time"), "results"),
    (planted().assign(fit_time=np.nan), "results"),
    (planted(models=(1e5,)), "results"),
    (_set("params", 2, 0), "results"),
    (pd.DataFrame(), "results"),
])
def test_fit_compute_model_rejects_bad_input(results: pd.DataFrame, name: str) -> None:
    """Bad tables raise InputError naming results."""
    with pytest.raises(InputError, match=f"^{name}: expected"):
        fit_compute_model(results)


@pytest.mark.parametrize(("kwargs", "name"), [
    ({"budget_seconds": 0.0}, "budget_seconds"),
    ({"budget_seconds": -3.0}, "budget_seconds"),
    ({"budget_seconds": math.nan}, "budget_seconds"),
    ({"budget_seconds": math.inf}, "budget_seconds"),
    ({"budget_seconds": "60"}, "budget_seconds"),
    ({"budget_seconds": 1e-9}, "budget_seconds"),
    ({"n_max": 0}, "n_max"),
    ({"n_max": math.nan}, "n_max"),
    ({"params_grid": []}, "params_grid"),
    ({"params_grid": [1e5, -1.0]}, "params_grid"),
    ({"law": "law"}, "law"),
    ({"compute": None}, "compute"),
])
def test_compute_optimal_rejects_bad_input(kwargs: dict[str, object], name: str) -> None:
    """Bad budgets, caps, grids and models raise InputError naming the argument."""
    args: dict[str, object] = {
        "law": LAW, "compute": ComputeModel(c=1e-8, p=1.0, q=1.0, n_points=0,
                                            residual_std=0.0),
        "budget_seconds": 100.0,
    }
    args.update(kwargs)
    with pytest.raises(InputError, match=f"^{name}: expected"):
        compute_optimal(args.pop("law"), args.pop("compute"),  # type: ignore[arg-type]
                        args.pop("budget_seconds"), **args)  # type: ignore[arg-type]


@pytest.mark.parametrize(("params", "n", "name"), [
    (0.0, 100, "params"), (-1e5, 100, "params"), (1e5, np.nan, "n"), (1e5, [100, 0], "n"),
])
def test_predict_rejects_non_positive_sizes(params: object, n: object, name: str) -> None:
    """Predicting at a non-positive size names the size."""
    with pytest.raises(InputError, match=f"^{name}: expected"):
        LAW.predict(params, n)  # type: ignore[arg-type]


def test_interval_rejects_bad_level() -> None:
    """Coverage outside (0, 1) names level."""
    with pytest.raises(InputError, match=r"^level: expected"):
        LAW.interval(1e5, 100, level=80)


def test_default_ignores_the_pre_power_law_region() -> None:
    """Scores near chance at small sizes (before the curve bends into its power law) do
    not distort the default fit, which uses sizes >= largest / 16; fitting every size
    does get distorted."""
    table = planted()
    small = table["n"] < 12_800 / 16
    table.loc[small, "val_score"] = 0.1  # chance level for ten classes
    default = _fit_scaling_law(table, n_bootstrap=0)
    everything = _fit_scaling_law(table, n_bootstrap=0, min_n=0)
    truth = 1.0 - true_error(np.array([3e6]), np.array([50_000]), TRUTH)[0]
    assert abs(float(default.predict(3e6, 50_000)) - truth) < 0.01
    assert abs(float(everything.predict(3e6, 50_000)) - truth) > 0.02
