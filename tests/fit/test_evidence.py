"""Evidence from other models measured further (issue 16, part 3): `correct_with_others`
and `fit_model_curve`'s use of it."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from datacurve import InputError
from datacurve.fit import (
    EVIDENCE_ALPHA,
    correct_with_others,
    fit_learning_curve,
    fit_model_curve,
)

SIZES = (32, 64, 128, 256, 512, 1024, 2048, 4096)
CHEAP, BIG = "sklearn:LogisticRegression()", "mlp:width=64"


def _bent(n: float, asym: float, c: float) -> float:
    """A power law that rises faster than its start foretells beyond 512 (the shared
    bend of the data that no fit up to 512 can see)."""
    return asym - 0.8 * n**-c + 0.04 * max(0.0, math.log2(n / 512)) / 3


def _table(big_top: int = 512, cheap_top: int = 4096, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for model, asym, c, top in ((CHEAP, 0.85, 0.5, cheap_top), (BIG, 0.95, 0.45, big_top)):
        for n in SIZES:
            if n <= top:
                rows += [{"model": model, "n": n, "seed": s, "metric": "accuracy",
                          "val_score": min(_bent(n, asym, c) + rng.normal(0, 0.005), 1.0)}
                         for s in range(3)]
    return pd.DataFrame(rows)


def test_a_cheap_model_measured_further_corrects_the_expensive_ones_extrapolation() -> None:
    table = _table()
    truth = _bent(4096, 0.95, 0.45)
    alone = fit_model_curve(table, BIG, evidence=False)
    shifted = fit_model_curve(table, BIG)
    assert shifted.evidence is not None and shifted.evidence.models == (CHEAP,)
    # The planted bend is missed alone and mostly recovered with the cheap model's help.
    assert truth - alone.predict(4096) > 0.02
    assert abs(truth - shifted.predict(4096)) < 0.5 * abs(truth - alone.predict(4096))
    # Every quantile moves alike and a network's interval narrows (EVIDENCE_NARROW);
    # nothing changes where the model was measured.
    assert shifted.meta_model == "network" and shifted.evidence.narrow == 0.7
    lo0, hi0 = alone.interval(4096.0)
    lo1, hi1 = shifted.interval(4096.0)
    assert hi1 - lo1 == pytest.approx(0.7 * (hi0 - lo0), abs=1e-9)
    assert shifted.interval(300.0) == alone.interval(300.0)
    assert shifted.predict(256.0) == alone.predict(256.0)
    assert shifted.predict(512.0) == alone.predict(512.0)
    d = shifted.to_dict()["evidence"]
    assert d["models"] == [CHEAP] and d["alpha"] == EVIDENCE_ALPHA and d["narrow"] == 0.7
    assert d["up_to_size"] == 4096
    assert d["score_shift"] == pytest.approx(shifted.predict(4096) - alone.predict(4096))
    assert any("residuals of 1 other model measured beyond 512" in n for n in shifted.notes)
    # The cheap model, measured furthest, has nothing beyond it to learn from.
    assert fit_model_curve(table, CHEAP).evidence is None


def test_no_evidence_when_no_other_model_reaches_further() -> None:
    table = _table(big_top=4096)
    for model in (CHEAP, BIG):
        curve = fit_model_curve(table, model)
        assert curve.evidence is None
        assert curve.predict(40960.0) == fit_model_curve(table, model,
                                                         evidence=False).predict(40960.0)
    assert fit_model_curve(table, BIG).to_dict()["evidence"] is None


def test_an_other_model_with_too_few_sizes_below_the_cut_is_left_out() -> None:
    table = _table(big_top=512)
    # The cheap model measured only at 256, 2048 and 4096: two sizes up to 512.
    cheap = table["model"] == CHEAP
    table = table[~cheap | table["n"].isin([256, 2048, 4096])]
    assert fit_model_curve(table, BIG).evidence is None


def test_the_shift_holds_beyond_the_others_and_is_linear_in_log_size_between() -> None:
    table = _table()
    curve = fit_model_curve(table, BIG)
    ev = curve.evidence
    assert ev is not None
    np.testing.assert_array_equal(ev.sizes, [512, 1024, 2048, 4096])
    assert ev.shift[0] == 0.0
    # Between measured sizes the shift is interpolated in log n; past the last, held.
    mid = float(np.sqrt(1024 * 2048))
    assert ev.at(np.array([mid]))[0] == pytest.approx(0.5 * (ev.shift[1] + ev.shift[2]))
    assert ev.at(np.array([1e6]))[0] == ev.shift[-1]


def test_lower_is_better_metrics_shift_the_right_way() -> None:
    table = _table()
    table["metric"] = "error"
    table["val_score"] = table["val_score"] - 1.0  # stored higher-is-better: -error
    truth = 1.0 - _bent(4096, 0.95, 0.45)
    alone = fit_model_curve(table, BIG, evidence=False)
    shifted = fit_model_curve(table, BIG)
    assert abs(truth - shifted.predict(4096)) < 0.5 * abs(truth - alone.predict(4096))
    assert shifted.evidence_shift(4096) < 0  # a lower error


@settings(max_examples=25, deadline=None)
@given(st.floats(0.0, 1.0), st.floats(-0.05, 0.05), st.integers(0, 2**16))
def test_the_median_of_the_others_times_alpha_moves_only_the_extrapolation(
        alpha: float, bend: float, seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = np.repeat(np.array(SIZES, float), 2)
    base = 0.9 - 0.8 * n**-0.5
    others = {}
    residuals = []
    for k in range(3):
        y = np.clip(base - 0.05 * k + bend * (n > 512) * (k + 1) / 3
                    + rng.normal(0, 0.003, n.size), 0, 1)
        low = n <= 512
        fit = fit_learning_curve(n[low], y[low])
        others[f"m{k}"] = (fit, n, y)
        residuals.append(float(np.mean(y[n == 4096]) - fit.predict(4096.0)))
    own = fit_learning_curve(n[n <= 512], base[n <= 512])
    assert own.meta_model == "classical"  # its interval keeps its width (EVIDENCE_NARROW)
    out = correct_with_others(own, others, alpha)
    lo0, hi0 = own.interval(4096.0)
    lo1, hi1 = out.interval(4096.0)
    if min(lo0, lo1) > 0.0 and max(hi0, hi1) < 1.0:  # no clipping at the ends
        assert hi1 - lo1 == pytest.approx(hi0 - lo0, abs=1e-9)
    inside = np.array([64.0, 300.0, 512.0])
    np.testing.assert_allclose(out.predict(inside), own.predict(inside))
    if alpha == 0.0:
        assert out.predict(4096.0) == pytest.approx(own.predict(4096.0))
    expected = np.clip(own.predict(4096.0) + alpha * float(np.median(residuals)), 0, 1)
    assert out.predict(4096.0) == pytest.approx(expected, abs=1e-9)


def test_bad_evidence_is_refused() -> None:
    n = np.array(SIZES, float)
    own = fit_learning_curve(n[:5], 0.9 - 0.8 * n[:5] ** -0.5)
    further = fit_learning_curve(n, 0.9 - 0.8 * n**-0.5)
    with pytest.raises(InputError, match="alpha"):
        correct_with_others(own, {}, alpha=1.5)
    with pytest.raises(InputError, match="narrow"):
        correct_with_others(own, {}, narrow=0.0)
    with pytest.raises(InputError, match="sizes <= 512"):
        correct_with_others(own, {"x": (further, n, 0.9 - 0.8 * n**-0.5)})
    assert correct_with_others(own, {}) is own
