"""fit_learning_curve: prediction, intervals, inversion, orientation and bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from datacurve import InputError
from datacurve.fit import fit_learning_curve

SIZES = np.ceil(16 * 2.0 ** (np.arange(11) / 2)).astype(float)  # 16 .. 512
METHODS = ["average", "meta", "blend", "pow4"]


def _curve(n: np.ndarray, asym: float = 0.92, a: float = 1.5, b: float = 0.5) -> np.ndarray:
    return asym - a * n**-b


@st.composite
def curves(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    asym = draw(st.floats(0.6, 0.99))
    b = draw(st.floats(0.2, 0.9))
    a = draw(st.floats(0.3, 1.0)) * (asym - 0.05) * 16**b  # score at n=16 above 0.05
    noise = draw(st.floats(0.0, 0.01))
    seed = draw(st.integers(0, 2**16))
    y = _curve(SIZES, asym, a, b)
    y = y + np.random.default_rng(seed).normal(0.0, noise, y.size)
    return SIZES, np.clip(y, 0.0, 1.0)


# Found by Hypothesis on a fresh machine: crossing quantile ensembles once broke the
# median's monotonicity between two horizons.
CROSSING = (np.array([16.0, 23, 32, 46, 64, 91, 128, 182, 256, 363, 512]),
            np.array([0.22929687, 0.3539575, 0.43766297, 0.50563466, 0.5512754, 0.58738439,
                      0.61322301, 0.63291157, 0.64700018, 0.65766372, 0.66541732]))


@pytest.mark.parametrize("method", METHODS)
@settings(max_examples=25, deadline=None)
@given(data=curves())
@example(data=CROSSING)
def test_predictions_are_monotone_in_n(method: str, data: tuple[np.ndarray, np.ndarray]) -> None:
    """Predicted accuracy never falls as the training set grows."""
    fit = fit_learning_curve(*data, method=method)
    grid = np.geomspace(1, 1e8, 300)
    pred = fit.predict(grid)
    assert np.all(np.diff(pred) >= -1e-9)


@pytest.mark.parametrize("method", METHODS)
@settings(max_examples=25, deadline=None)
@given(data=curves(), log_n=st.floats(np.log(16), np.log(1e6)))
def test_size_for_inverts_predict(method: str, data: tuple[np.ndarray, np.ndarray],
                                  log_n: float) -> None:
    """size_for(predict(n)) is n, up to the flat stretches of the curve."""
    fit = fit_learning_curve(*data, method=method)
    n = float(np.exp(log_n))
    m = fit.size_for(fit.predict(n))
    assert m <= math.ceil(n) + 1
    # Where the curve still rises, no smaller size reaches the same score.
    if fit.predict(n) - fit.predict(0.9 * n) > 1e-6:
        assert m >= 0.9 * n


@pytest.mark.parametrize("method", METHODS)
@settings(max_examples=25, deadline=None)
@given(data=curves())
def test_intervals_widen_with_distance(method: str, data: tuple[np.ndarray, np.ndarray]) -> None:
    """The 80 % interval is never narrower further from the data (except where it meets
    the metric's upper bound, accuracy 1), and holds the prediction."""
    fit = fit_learning_curve(*data, method=method)
    far = SIZES[-1] * np.array([1.5, 4, 16, 64, 256])
    lo, hi = fit.interval(far, 0.8)
    pred = fit.predict(far)
    below = pred - lo
    above = hi - pred
    clipped = hi[1:] >= 1.0 - 1e-12
    # A prediction at the bound itself (accuracy 1) cannot move away from a lower end
    # that still rises with n: there the whole interval meets the bound.
    at_bound = pred[1:] >= 1.0 - 1e-12
    assert np.all((np.diff(below) >= -1e-9) | at_bound)
    assert np.all((np.diff(above) >= -1e-9) | clipped)
    assert np.all((lo <= pred + 1e-12) & (pred <= hi + 1e-12))


def test_a_clean_power_law_is_extrapolated_closely() -> None:
    """On an exact power law observed up to 512 the default fit predicts 8x further to
    within 0.01 and the truth lies in its 80 % interval."""
    y = _curve(SIZES)
    fit = fit_learning_curve(SIZES, y)
    truth = float(_curve(np.array([8 * 512.0]))[0])
    assert abs(fit.predict(8 * 512.0) - truth) < 0.01
    lo, hi = fit.interval(8 * 512.0)
    assert lo <= truth <= hi


def test_size_for_is_infinite_beyond_the_asymptote() -> None:
    """A target the curve never reaches needs math.inf samples."""
    fit = fit_learning_curve(SIZES, _curve(SIZES), method="pow3")
    assert fit.asymptote == pytest.approx(0.92, abs=0.01)
    assert fit.size_for(0.99) == math.inf
    assert fit.size_for(0.5) < 512


def test_size_interval_brackets_size_for() -> None:
    """The optimistic end of size_interval is at most size_for, the pessimistic at least."""
    fit = fit_learning_curve(SIZES, _curve(SIZES))
    lo, hi = fit.size_interval(0.88)
    assert lo <= fit.size_for(0.88) <= hi


def test_gain_is_the_predicted_improvement() -> None:
    """gain(n, n_new) is predict(n_new) - predict(n), positive on a rising curve."""
    fit = fit_learning_curve(SIZES, _curve(SIZES))
    assert fit.gain(512, 1024) == pytest.approx(fit.predict(1024) - fit.predict(512))
    assert fit.gain(512, 1024) > 0


def test_lower_is_better_metric_falls() -> None:
    """For a lower-is-better metric (log-loss, unbounded above) predictions fall with n,
    gain is positive and the meta method falls back openly to the average."""
    loss = 0.3 + 4.0 * SIZES**-0.5
    fit = fit_learning_curve(SIZES, loss, higher_is_better=False, method="meta")
    assert fit.method == "average" and "meta" in fit.notes[0]
    assert fit.predict(4096) < fit.predict(512)
    assert fit.gain(512, 4096) > 0
    assert fit.size_for(0.4) > 512


def test_seed_spread_sets_the_noise() -> None:
    """With several seeds per size the noise is the pooled spread across seeds."""
    rng = np.random.default_rng(0)
    n = np.repeat(SIZES, 5)
    y = _curve(n) + rng.normal(0, 0.02, n.size)
    fit = fit_learning_curve(n, y)
    assert fit.noise == pytest.approx(0.02, rel=0.3)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"sizes": [16, 32], "scores": [0.5, 0.6]}, "sizes"),
        ({"sizes": [16, 16, 32, 32], "scores": [0.5, 0.5, 0.6, 0.6]}, "sizes"),
        ({"sizes": [16, 32, 64], "scores": [0.5, float("nan"), 0.7]}, "scores"),
        ({"sizes": [16, 32, 64], "scores": [0.5, 0.6, 1.3]}, "scores"),
        ({"sizes": [-16, 32, 64], "scores": [0.5, 0.6, 0.7]}, "sizes"),
        ({"sizes": [16, 32, 64], "scores": [0.5, 0.6]}, "scores"),
        ({"sizes": [16, 32, 64], "scores": [0.5, 0.6, 0.7], "method": "pow9"}, "method"),
    ],
)
def test_bad_input_names_the_argument(kwargs: dict[str, object], name: str) -> None:
    """Each bad input raises InputError whose message starts with the argument's name."""
    with pytest.raises(InputError) as info:
        fit_learning_curve(**kwargs)  # type: ignore[arg-type]
    assert str(info.value).startswith(name)


def test_target_outside_the_range_is_refused() -> None:
    """A target outside [0, 1] for accuracy names `target` and the range."""
    fit = fit_learning_curve(SIZES, _curve(SIZES))
    with pytest.raises(InputError) as info:
        fit.size_for(1.3)
    assert "target" in str(info.value) and "[0, 1]" in str(info.value)


def test_level_outside_zero_one_is_refused() -> None:
    """A coverage level of 1.5 names `level`."""
    fit = fit_learning_curve(SIZES, _curve(SIZES))
    with pytest.raises(InputError) as info:
        fit.interval(1024, 1.5)
    assert str(info.value).startswith("level")


def test_lower_is_better_intervals_are_ordered() -> None:
    """For a lower-is-better metric the interval is (low, high) in the metric's units
    and holds the prediction; size_interval brackets size_for."""
    loss = 0.3 + 4.0 * SIZES**-0.5
    fit = fit_learning_curve(SIZES, loss, higher_is_better=False)
    lo, hi = fit.interval(4096.0)
    assert lo < fit.predict(4096.0) < hi
    s_lo, s_hi = fit.size_interval(0.4)
    assert s_lo <= fit.size_for(0.4) <= s_hi


def test_falling_scores_are_reported_not_hidden() -> None:
    """Scores that fall with data (overfitting, a peaking curve) give a flat fit and a
    note saying so, never a silent rising curve."""
    y = 0.8 - 0.05 * np.log(SIZES / 16)
    fit = fit_learning_curve(SIZES, y, method="average")
    assert any("flat or falling" in n for n in fit.notes)
    assert fit.predict(4096.0) <= y.max() + 1e-9


@pytest.mark.parametrize("method", ["auto", "meta", "last", "exp3"])
def test_a_narrow_family_list_still_serves_every_method(method: str) -> None:
    """With families=("pow3",) the meta-model still gets the families it reads, and a
    family asked for by name is fitted even when it is not in the list."""
    fit = fit_learning_curve(SIZES, _curve(SIZES), families=("pow3",), method=method)
    assert fit.weights.keys() <= {"pow3", method}
    assert 0.0 <= fit.predict(4096.0) <= 1.0


def _seeded(seeds: int = 3, noise: float = 0.005, rng: int = 0
            ) -> tuple[np.ndarray, np.ndarray]:
    g = np.random.default_rng(rng)
    sizes = np.repeat(np.ceil(16 * 2.0 ** (np.arange(10) / 2)), seeds)
    return sizes, np.clip(_curve(sizes) + g.normal(0, noise, sizes.size), 0, 1)


def test_one_collapsed_seed_sets_neither_the_noise_nor_the_interval() -> None:
    """A seed that collapsed at the smallest size (0.05 where its siblings score 0.55)
    barely moves the curve's noise and its interval at twice the largest size, which a
    pooled spread would have blown up."""
    n, s = _seeded()
    collapsed = s.copy()
    collapsed[0] = 0.05
    clean, hit = fit_learning_curve(n, s), fit_learning_curve(n, collapsed)
    assert hit.noise < 2 * clean.noise + 1e-3
    lo, hi = hit.interval(2 * n.max())
    clo, chi = clean.interval(2 * n.max())
    assert hi - lo < 1.5 * (chi - clo) + 1e-3


def test_the_fit_meets_the_measurements_where_they_are_best() -> None:
    """A curve with a step (a learner that predicts the majority class until it has
    enough rows to split) and identical seeds at the largest size: the fitted value
    there lies within the measurements' uncertainty (or 0.5 % of the error), so the
    extrapolation starts from the measured level, and the curve stays monotone."""
    sizes = np.repeat([16, 23, 32, 46, 64, 91, 128, 182, 256, 363, 455], 3).astype(float)
    level = np.where(sizes < 46, 0.632, 0.974 - 1.2 * sizes ** -0.7)
    g = np.random.default_rng(1)
    scores = level + np.where(sizes < 455, g.normal(0, 0.01, sizes.size), 0.0)
    scores[sizes == 455] = 0.9737
    fit = fit_learning_curve(sizes, scores)
    err_fit = 1 - fit.predict(455.0)
    assert abs(err_fit - (1 - 0.9737)) <= max(2 * fit.noise / math.sqrt(3),
                                              0.005 * (1 - 0.9737)) + 1e-9
    grid = np.geomspace(16, 1e6, 200)
    assert np.all(np.diff(fit.predict(grid)) >= -1e-12)
