"""Parametric learning-curve families, fitted in error space by variable projection.

Notation: m observed points ``(n_i, e_i)`` with weights ``w_i``; ``e`` is the error-like
quantity that falls with data (``upper - score`` for a bounded higher-is-better metric,
``score - lower`` for a lower-is-better one). Every family is written as

    e(n) = c + a * phi(n; eta)

with ``phi`` decreasing in n, ``a >= 0`` and (except ``log2``) ``c >= 0``, so each fitted
curve is monotone and never predicts an error below zero (a score beyond the metric's
range). The linear coefficients ``(c, a)`` are solved in closed form for every point of a
grid over the nonlinear parameters ``eta`` at once (variable projection), with Huber
iteratively-reweighted least squares as the robust loss. The grid is the "many starts":
the global minimum over it is found without a local optimiser's sensitivity to its start,
and a finer grid around the best point refines it.

Hand-written rather than ``scipy.optimize.least_squares`` because that fits one start at a
time (~5 ms each); the vectorised grid fits all families with hundreds of starts in a few
milliseconds, which the 50 ms per-curve budget needs.

The families and names follow LCDB (Mohr et al. 2022) and Viering & Loog (2022):
pow2, pow3, pow4, log2, ilog2, exp3, exp4, vap3, mmf4, wbl4 and last-value. ``exp4``
(``c - exp(-a n^alpha + b)``) and ``wbl4`` (``c - b exp(-a n^d)``) are the same function
class in two parametrisations; both are kept under their published names and share a grid
here, so they fit identically.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import least_squares

__all__ = ["FAMILIES", "Family", "FamilyFit", "fit_family", "size_means", "weighted_error"]

Basis = Callable[[np.ndarray, np.ndarray], np.ndarray]
"""``phi(n, eta)``: n of shape (m,), eta of shape (G, q) → (G, m)."""


@dataclass(frozen=True)
class Family:
    """One curve family ``e(n) = c + a * phi(n; eta)``.

    Attributes
    ----------
    name : str
    n_params : int
        Number of free parameters (LCDB's count, used for model selection).
    constant : {"nonneg", "free", "none"}
        How the offset ``c`` is constrained: ``c >= 0``, unconstrained, or absent.
    basis : callable or None
        ``phi(n, eta)``; None for the last-value family.
    grid : callable
        ``grid(n_max) -> eta`` of shape (G, q): the coarse starting grid, scaled to the
        largest observed size.
    """

    name: str
    n_params: int
    constant: str
    basis: Basis | None
    grid: Callable[[float], np.ndarray] = field(repr=False)

    def evaluate(self, n: np.ndarray, c: float, a: float, eta: np.ndarray) -> np.ndarray:
        """Error at sizes `n` (shape (k,)) for one parameter set."""
        n = np.asarray(n, dtype=np.float64)
        if self.basis is None:
            return np.full(n.shape, c)
        phi = self.basis(n.ravel(), eta[None, :])[0].reshape(n.shape)
        return c + a * phi


@dataclass(frozen=True)
class FamilyFit:
    """A fitted family: parameters, residuals and the weighted loss.

    Attributes
    ----------
    family : Family
    c, a : float
        Linear coefficients.
    eta : ndarray of shape (q,)
        Nonlinear parameters.
    sse : float
        Weighted sum of squared residuals (Huber weights included).
    residuals : ndarray of shape (m,)
        Observed minus fitted error.
    """

    family: Family
    c: float
    a: float
    eta: np.ndarray
    sse: float
    residuals: np.ndarray

    def predict_error(self, n: np.ndarray | float) -> np.ndarray:
        """Fitted error at `n`, clipped at zero."""
        e = self.family.evaluate(np.asarray(n, dtype=np.float64), self.c, self.a, self.eta)
        return np.maximum(e, 0.0)

    @property
    def asymptote_error(self) -> float:
        """Error as n → ∞."""
        if self.family.name == "log2":
            return 0.0  # log2 falls without bound; the metric's range stops it
        return max(float(self.c), 0.0)


def _logspace(lo: float, hi: float, k: int) -> np.ndarray:
    return np.exp(np.linspace(np.log(lo), np.log(hi), k))


def _grid1(values: np.ndarray) -> np.ndarray:
    return values[:, None]


def _grid2(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    uu, vv = np.meshgrid(u, v, indexing="ij")
    return np.column_stack([uu.ravel(), vv.ravel()])


_EXPONENTS = _logspace(0.01, 3.0, 48)


def _pow(n: np.ndarray, eta: np.ndarray) -> np.ndarray:
    return np.asarray(n[None, :] ** -eta[:, :1], dtype=np.float64)


def _pow4(n: np.ndarray, eta: np.ndarray) -> np.ndarray:
    return np.asarray((n[None, :] + eta[:, 1:2]) ** -eta[:, :1], dtype=np.float64)


def _log(n: np.ndarray, eta: np.ndarray) -> np.ndarray:
    return np.broadcast_to(-np.log(n)[None, :], (eta.shape[0], n.size))


def _ilog(n: np.ndarray, eta: np.ndarray) -> np.ndarray:
    return np.broadcast_to(1.0 / np.log(np.maximum(n, 1.5))[None, :], (eta.shape[0], n.size))


def _exp(n: np.ndarray, eta: np.ndarray) -> np.ndarray:
    return np.exp(-eta[:, :1] * n[None, :])


def _weibull(n: np.ndarray, eta: np.ndarray) -> np.ndarray:
    # exp(-(n / k)^d): k is a size scale, d the shape. Overflow gives the right limit, 0.
    with np.errstate(over="ignore", divide="ignore"):
        return np.exp(-((n[None, :] / eta[:, :1]) ** eta[:, 1:2]))


def _vapor(n: np.ndarray, eta: np.ndarray) -> np.ndarray:
    # exp(b / n + c log n) with b >= 0, c <= 0: decreasing in n.
    with np.errstate(over="ignore"):
        return np.exp(eta[:, :1] / n[None, :] - eta[:, 1:2] * np.log(n)[None, :])


def _mmf(n: np.ndarray, eta: np.ndarray) -> np.ndarray:
    # k^d / (k^d + n^d): falls from 1 to 0 around the size scale k.
    with np.errstate(over="ignore", divide="ignore"):
        r = (n[None, :] / eta[:, :1]) ** eta[:, 1:2]
        return 1.0 / (1.0 + r)


def _size_scales(n_max: float, k: int) -> np.ndarray:
    return _logspace(1.0, max(n_max, 4.0) * 64.0, k)


FAMILIES: dict[str, Family] = {
    f.name: f
    for f in (
        Family("pow2", 2, "none", _pow, lambda n_max: _grid1(_EXPONENTS)),
        Family("pow3", 3, "nonneg", _pow, lambda n_max: _grid1(_EXPONENTS)),
        Family("pow4", 4, "nonneg", _pow4,
               lambda n_max: _grid2(_logspace(0.02, 3.0, 24),
                                    np.concatenate([[0.0], _logspace(1.0, max(n_max, 4.0),
                                                                     15)]))),
        Family("log2", 2, "free", _log, lambda n_max: np.zeros((1, 1))),
        Family("ilog2", 2, "nonneg", _ilog, lambda n_max: np.zeros((1, 1))),
        Family("exp3", 3, "nonneg", _exp,
               lambda n_max: _grid1(_logspace(0.05, 200.0, 48) / max(n_max, 1.0))),
        Family("exp4", 4, "nonneg", _weibull,
               lambda n_max: _grid2(_size_scales(n_max, 24), _logspace(0.05, 2.0, 16))),
        Family("vap3", 3, "none", _vapor,
               lambda n_max: _grid2(np.concatenate([[0.0], _logspace(0.5, 64.0, 12)]),
                                    np.concatenate([[0.0], _EXPONENTS[::2]]))),
        Family("mmf4", 4, "nonneg", _mmf,
               lambda n_max: _grid2(_size_scales(n_max, 24), _logspace(0.05, 3.0, 16))),
        Family("wbl4", 4, "nonneg", _weibull,
               lambda n_max: _grid2(_size_scales(n_max, 24), _logspace(0.05, 2.0, 16))),
        Family("last", 1, "free", None, lambda n_max: np.zeros((1, 1))),
    )
}
"""Registered families by name (LCDB's set)."""


def _solve(phi: np.ndarray, e: np.ndarray, w: np.ndarray,
           constant: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Weighted least squares of ``e ≈ c + a phi`` for every grid row, with a >= 0 and
    the family's constraint on c. phi: (G, m), w: (G, m). Returns c, a, sse of shape (G,)."""
    sw = w.sum(axis=1)
    swp = (w * phi).sum(axis=1)
    swpp = (w * phi * phi).sum(axis=1)
    swe = (w * e).sum(axis=1)
    swpe = (w * phi * e).sum(axis=1)
    # a only (c = 0)
    a_only = np.where(swpp > 0, swpe / np.where(swpp > 0, swpp, 1.0), 0.0)
    a_only = np.maximum(a_only, 0.0)
    if constant == "none":
        c = np.zeros_like(a_only)
        a = a_only
    else:
        det = sw * swpp - swp * swp
        ok = det > 1e-12 * np.maximum(sw * swpp, 1e-300)
        safe = np.where(ok, det, 1.0)
        a = np.where(ok, (sw * swpe - swp * swe) / safe, 0.0)
        c = np.where(ok, (swpp * swe - swp * swpe) / safe, swe / sw)
        # a < 0 would be a rising error: the best monotone fit is then flat.
        flat = a < 0
        a = np.where(flat, 0.0, a)
        c = np.where(flat, swe / sw, c)
        if constant == "nonneg":
            neg = c < 0
            c = np.where(neg, 0.0, c)
            a = np.where(neg, a_only, a)
    r = e[None, :] - c[:, None] - a[:, None] * phi
    sse = (w * r * r).sum(axis=1)
    return c, a, sse


def _huber_weights(r: np.ndarray, base: np.ndarray, scale: float) -> np.ndarray:
    # Huber IRLS weights with threshold 1.345 * scale (95 % efficiency under Gaussian noise).
    k = 1.345 * scale
    absr = np.abs(r)
    return np.asarray(base * np.where(absr <= k, 1.0, k / np.maximum(absr, 1e-300)))


def _zoom_grid(eta: np.ndarray, width: float) -> np.ndarray:
    """A 9-point-per-axis grid around `eta` (shape (q,)), ±`width` in log scale; a zero
    parameter is probed at a few small values instead."""
    axes = [np.array([0.0, 1e-3, 1e-2, 1e-1]) if v <= 0
            else v * np.exp(np.linspace(-width, width, 9)) for v in eta]
    return _grid1(axes[0]) if len(axes) == 1 else _grid2(axes[0], axes[1])


_ZOOM_ROUNDS = 10
_LM_EVALS = 10  # the grid has done the global search; LM only polishes


def _on_edge(new: np.ndarray, old: np.ndarray, width: float) -> bool:
    """Whether `new` lies on the boundary of the window of half-width `width` around
    `old` (in log scale, for positive parameters)."""
    pos = (new > 0) & (old > 0)
    if not pos.any():
        return False
    return bool(np.any(np.abs(np.log(new[pos] / old[pos])) >= width * (1 - 1e-9)))


def fit_family(family: Family, n: np.ndarray, e: np.ndarray, w: np.ndarray | None = None,
               *, noise_scale: float | None = None, robust: bool = True,
               polish: bool = True) -> FamilyFit:
    """Fit one family to error observations.

    Parameters
    ----------
    family : Family
    n : ndarray of shape (m,)
        Training-set sizes (may repeat).
    e : ndarray of shape (m,)
        Observed error-space values.
    w : ndarray of shape (m,), optional
        Observation weights (default 1).
    noise_scale : float, optional
        Residual scale for the Huber threshold; estimated robustly when omitted.
    robust : bool
        Use Huber IRLS (two reweighting passes) instead of plain least squares.
    polish : bool
        Refine to full precision (zoom to a 1e-4 log-step, Levenberg-Marquardt for two
        nonlinear parameters); False stops at a 2 % step, enough for rough forecasts.

    Returns
    -------
    FamilyFit
    """
    n = np.asarray(n, dtype=np.float64)
    e = np.asarray(e, dtype=np.float64)
    base = np.ones_like(e) if w is None else np.asarray(w, dtype=np.float64)
    if family.basis is None:
        last = n == n.max()
        level = float(np.average(e[last], weights=base[last]))
        r = e - level
        return FamilyFit(family, level, 0.0, np.zeros(1), float((base * r * r).sum()), r)
    n_max = float(n.max())
    basis = family.basis
    weights = base

    def best(eta_grid: np.ndarray, wts: np.ndarray) -> tuple[int, np.ndarray, np.ndarray,
                                                             np.ndarray, np.ndarray]:
        phi = basis(n, eta_grid)
        ww = np.broadcast_to(wts, phi.shape)
        c, a, sse = _solve(phi, e, ww, family.constant)
        score = np.where(np.isfinite(sse), sse, np.inf)
        i = int(np.argmin(score))
        return i, c, a, sse, phi

    grid = family.grid(n_max)
    i, c, a, _sse, phi = best(grid, weights)
    eta = grid[i]
    if robust and e.size > 3:
        for _ in range(2):
            r = e - c[i] - a[i] * phi[i]
            scale = noise_scale if noise_scale else 1.4826 * float(np.median(np.abs(r)))
            if scale <= 0:
                break
            weights = _huber_weights(r, base, scale)
            i, c, a, _sse, phi = best(grid, weights)
            eta = grid[i]

    # Zoom in around the best grid point: recentre on the best point of a 9-point (per
    # axis) window; shrink the window 4-fold when the best point is inside it, keep its
    # size while the best point is on its edge.
    width = 0.35
    # One nonlinear parameter: zoom to full precision. Two: zoom into the basin and let
    # Levenberg-Marquardt finish.
    min_width = 1e-4 if (eta.size == 1 and polish) else 0.02
    c_i, a_i, sse_i, phi_i = c[i], a[i], _sse[i], phi[i]
    if grid.shape[0] > 1:
        for _ in range(_ZOOM_ROUNDS):
            cand = np.vstack([_zoom_grid(eta, width), eta[None, :]])
            j, c2, a2, sse2, phi2 = best(cand, weights)
            on_edge = _on_edge(cand[j], eta, width)
            eta, c_i, a_i, sse_i, phi_i = cand[j], c2[j], a2[j], sse2[j], phi2[j]
            if not on_edge:
                width /= 4.0
                if width < min_width:
                    break
        if polish and eta.size == 2 and np.all(eta > 0):
            # The grid brings the fit into the right basin; Levenberg-Marquardt on
            # log(eta) finishes it (two nonlinear parameters can lie along a narrow curved
            # valley a grid cannot follow), the linear coefficients still solved exactly
            # inside (variable projection).
            sqrt_w = np.sqrt(weights)

            def resid(x: np.ndarray) -> np.ndarray:
                et = np.exp(x)[None, :]
                ph = basis(n, et)
                cc, aa, _ = _solve(ph, e, weights[None, :], family.constant)
                return np.asarray(sqrt_w * (e - cc[0] - aa[0] * ph[0]))

            with np.errstate(all="ignore"):
                sol = least_squares(resid, np.log(eta), method="lm", max_nfev=_LM_EVALS)
            if np.all(np.isfinite(sol.x)):
                cand = np.exp(sol.x)[None, :]
                j, c2, a2, sse2, phi2 = best(cand, weights)
                if sse2[0] < sse_i:
                    eta, c_i, a_i, sse_i, phi_i = cand[0], c2[0], a2[0], sse2[0], phi2[0]
    r = e - c_i - a_i * phi_i
    return FamilyFit(family, float(c_i), float(a_i), eta, float(sse_i), r)


def weighted_error(fits: dict[str, FamilyFit], weights: dict[str, float],
                   n: np.ndarray) -> np.ndarray:
    """Weighted average of the fitted errors at sizes `n` (shape (k,) → (k,))."""
    total = np.zeros(np.shape(n))
    for name, wt in weights.items():
        if wt > 0:
            total += wt * fits[name].predict_error(n)
    return total


def size_means(n: np.ndarray, v: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Mean of `v` at each distinct size (sizes repeat once per seed).

    Returns
    -------
    sizes, means, counts : ndarray of shape (k,)
        Distinct sizes ascending, the mean of `v` and the number of observations at each.
    inverse : ndarray of shape (m,)
        Index of each observation's size in `sizes`.
    """
    sizes, inverse, counts = np.unique(n, return_inverse=True, return_counts=True)
    return sizes, np.bincount(inverse, weights=v) / counts, counts, inverse
