"""Curve families: each recovers its own noise-free curves and extrapolates them."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from datacurve.fit import FAMILIES, fit_family

SIZES = np.ceil(16 * 2.0 ** (np.arange(13) / 2)).astype(float)  # 16 .. 1024
FAR = 8 * SIZES[-1]


def _true_error(name: str, p: list[float], n: np.ndarray) -> np.ndarray:
    if name == "pow2":
        return p[0] * n ** -p[1]
    if name == "pow3":
        return p[2] + p[0] * n ** -p[1]
    if name == "pow4":
        return p[2] + p[0] * (n + p[3]) ** -p[1]
    if name == "log2":
        return p[2] - p[0] * np.log(n)
    if name == "ilog2":
        return p[2] + p[0] / np.log(n)
    if name == "exp3":
        return p[2] + p[0] * np.exp(-p[1] * n / 1024)
    if name in ("exp4", "wbl4"):
        return p[2] + p[0] * np.exp(-((n / (p[3] * 1024)) ** p[1]))
    if name == "vap3":
        return np.exp(p[0] + p[3] * 50 / n - p[1] * np.log(n))
    if name == "mmf4":
        k, d = p[3] * 1024, p[1] * 2
        return p[2] + p[0] * k**d / (k**d + n**d)
    raise AssertionError(name)


PARAMS = st.lists(st.floats(0.05, 1.0), min_size=4, max_size=4)


@pytest.mark.parametrize("name", [f for f in FAMILIES if f != "last"])
@settings(max_examples=40, deadline=None)
@given(raw=PARAMS)
def test_family_recovers_its_own_curve_at_8x(name: str, raw: list[float]) -> None:
    """Fitted to noise-free points of its own form on 16..1024, a family predicts the
    error at 8x the largest size within 0.01."""
    a, b, c, d = raw
    p = {"pow2": [a * 3, b], "pow3": [a * 3, b, c * 0.3], "pow4": [a * 3, b, c * 0.3, d * 200],
         "log2": [a * 0.05, 0, 0.4 + c * 0.5], "ilog2": [a, 0, c * 0.3],
         "exp3": [a * 0.7, b * 5, c * 0.3], "exp4": [a * 0.7, b * 1.5 + 0.1, c * 0.3, d],
         "wbl4": [a * 0.7, b * 1.5 + 0.1, c * 0.3, d],
         "vap3": [np.log(a), b, 0, c * 0.3], "mmf4": [a * 0.7, b, c * 0.3, d]}[name]
    e = _true_error(name, p, SIZES)
    truth = _true_error(name, p, np.array([FAR]))[0]
    assume(np.all((e >= 0) & (e <= 1)) and truth >= 0)
    assume(e[0] - e[-1] > 0.02)  # a curve that visibly learns
    fit = fit_family(FAMILIES[name], SIZES, e, robust=False)
    assert abs(float(fit.predict_error(FAR)) - truth) <= 0.01


@pytest.mark.parametrize("name", list(FAMILIES))
def test_fitted_family_is_monotone_and_non_negative(name: str) -> None:
    """Every fitted family falls (or stays flat) with n and never predicts an error
    below zero, even on noisy, non-monotone data."""
    rng = np.random.default_rng(1)
    e = 0.5 * SIZES**-0.3 + rng.normal(0, 0.03, SIZES.size)
    fit = fit_family(FAMILIES[name], SIZES, e)
    grid = np.geomspace(1, 1e9, 200)
    pred = fit.predict_error(grid)
    assert np.all(np.diff(pred) <= 1e-12)
    assert np.all(pred >= 0)


def test_robust_fit_ignores_an_outlier() -> None:
    """One wild point barely moves the robust (Huber) fit."""
    e = 0.1 + 2.0 * SIZES**-0.5
    bad = e.copy()
    bad[6] += 0.3
    clean = fit_family(FAMILIES["pow3"], SIZES, e).predict_error(FAR)
    robust = fit_family(FAMILIES["pow3"], SIZES, bad).predict_error(FAR)
    plain = fit_family(FAMILIES["pow3"], SIZES, bad, robust=False).predict_error(FAR)
    assert abs(robust - clean) < abs(plain - clean)
    assert abs(robust - clean) < 0.01
