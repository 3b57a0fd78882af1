"""Joint scaling laws in model size and data size, a compute model, and the
compute-optimal split of a training budget between the two.

The law is the Kaplan / Hoffmann ("Chinchilla") form, in error space:

    err(P, n) = E + A / P**alpha + B / n**beta

with P the model's parameter count and n the training-set size. ``err`` is the
error-like quantity that falls with both: ``upper - score`` for a higher-is-better metric
(``1 - accuracy``, ``1 - R²``), ``score - lower`` for a lower-is-better one (error,
log-loss, RMSE: the natural value). ``E, A, B >= 0`` and ``alpha, beta`` in [0.01, 3], so
every fitted law falls monotonically in P and n and never predicts a score beyond the
metric's range.

Fitting is variable projection, then refinement. Internally the law is written as
``E + a * exp(-alpha x) + b * exp(-beta z)`` with ``x = log(P / P_ref)``,
``z = log(n / n_ref)`` about the geometric means of the observed sizes, so ``a`` and
``b`` are the error contributions at the reference model and size (well scaled, whatever
the units). For every point of a grid over ``(alpha, beta)`` the non-negative linear
least squares for ``(E, a, b)`` is solved exactly, all grid points at once (the seven
active sets of three non-negative coefficients, vectorised); the best point starts
``scipy.optimize.least_squares`` with a robust loss (Huber by default). Every trial row is
one observation, so repeats over seeds carry the noise.

Uncertainty is a wild bootstrap over trial rows: each of ~200 replicates flips the sign
of every residual at random (which keeps each row's own noise level), and is refitted by
a few robust Levenberg-Marquardt steps from the fitted parameters, all replicates at once.
The resulting parameter matrix is stored on the law, so an interval anywhere is one
vectorised evaluation. Because the replicates disagree most about the exponents and the
asymptote, intervals widen as P or n move away from the measured range.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy.optimize import least_squares

from datacurve._errors import InputError, describe
from datacurve.metrics import Metric, get_metric
from datacurve.results import Results

__all__ = [
    "Allocation",
    "ComputeModel",
    "ScalingLaw",
    "SweepLaw",
    "compute_optimal",
    "fit_compute_model",
    "fit_scaling_law",
    "fit_sweep_laws",
]

EXPONENT_BOUNDS = (0.01, 3.0)
"""Range of the law's exponents ``alpha`` and ``beta``."""

COMPUTE_EXPONENT_BOUNDS = (0.0, 3.0)
"""Range of the compute model's exponents ``p`` and ``q``."""

LOSSES = ("huber", "soft_l1", "cauchy", "linear")
"""Robust losses accepted by `fit_scaling_law` (as in `scipy.optimize.least_squares`)."""

_GRID = np.exp(np.linspace(np.log(EXPONENT_BOUNDS[0]), np.log(EXPONENT_BOUNDS[1]), 25))
_SUBSETS = ((0,), (1,), (2,), (0, 1), (0, 2), (1, 2), (0, 1, 2))
_N_THETA = 5
SATURATION = 1e-3
"""A compute-optimal point takes no more data than lowers the law's predicted error by
this share of the error that remains with unlimited data (or by 1e-6 absolute)."""
N_HORIZON = 1000.0
"""... nor more than this many times the largest training-set size the law was fitted
on: farther out the law is not evidence."""
_LOWER = np.array([0.0, 0.0, EXPONENT_BOUNDS[0], 0.0, EXPONENT_BOUNDS[0]])
_UPPER = np.array([np.inf, np.inf, EXPONENT_BOUNDS[1], np.inf, EXPONENT_BOUNDS[1]])
_HUBER_K = 1.345  # Huber threshold in noise standard deviations (95 % efficiency)


# -- the law -------------------------------------------------------------------------------
@dataclass(frozen=True)
class ScalingLaw:
    """A fitted joint law ``err(P, n) = E + A / P**alpha + B / n**beta``.

    Attributes
    ----------
    E, A, alpha, B, beta : float
        The law's parameters, in natural units (P in parameters, n in examples).
    metric : str
        The metric the law predicts (a name from ``curves.METRICS``).
    higher_is_better : bool
        The metric's direction; ``err = upper - score`` when True, ``score - lower``
        when False.
    n_points : int
        Trial rows the law was fitted to.
    residual_std : float
        Standard deviation of the fit's residuals in error space (the trial-to-trial
        noise, seeds included).
    params_range, n_range : tuple of float
        Smallest and largest model size and training-set size fitted.
    bootstrap : ndarray of shape (R, 5)
        Bootstrap replicates of ``(E, A, alpha, B, beta)``, for `interval`.

    Examples
    --------
    >>> law = ScalingLaw(E=0.05, A=5.0, alpha=0.35, B=3.0, beta=0.45, metric="accuracy",
    ...                  higher_is_better=True, n_points=0, residual_std=0.0)
    >>> round(float(law.predict(1e6, 10_000)), 3)
    0.863
    """

    E: float
    A: float
    alpha: float
    B: float
    beta: float
    metric: str
    higher_is_better: bool
    n_points: int
    residual_std: float
    params_range: tuple[float, float] = (math.nan, math.nan)
    n_range: tuple[float, float] = (math.nan, math.nan)
    bootstrap: np.ndarray = field(default_factory=lambda: np.empty((0, _N_THETA)),
                                  repr=False, compare=False)

    def __repr__(self) -> str:
        """One line: the law with its parameters to 3 significant digits, the metric,
        the points and the sizes fitted (not the bootstrap replicates)."""
        (p0, p1), (n0, n1) = self.params_range, self.n_range
        return (f"ScalingLaw(err = {self.E:.3g} + {self.A:.3g}/P^{self.alpha:.3g} + "
                f"{self.B:.3g}/n^{self.beta:.3g}, metric={self.metric!r}, "
                f"n_points={self.n_points}, P {p0:.3g}–{p1:.3g}, n {n0:.3g}–{n1:.3g})")

    @property
    def _metric(self) -> Metric:
        return get_metric(self.metric)

    def predict_error(self, params: ArrayLike, n: ArrayLike) -> np.ndarray:
        """Predicted error-space value at model size `params` and training size `n`.

        Parameters
        ----------
        params, n : array_like
            Positive sizes; broadcast against each other (``inf`` is the limit).

        Returns
        -------
        ndarray of the broadcast shape
            ``E + A / params**alpha + B / n**beta`` (never negative).
        """
        P, N = _sizes(params, n)
        return np.asarray(self.E + self.A * P ** -self.alpha + self.B * N ** -self.beta)

    def predict(self, params: ArrayLike, n: ArrayLike) -> np.ndarray:
        """Predicted score in the metric's natural units (e.g. accuracy), clipped to its
        range.

        Parameters
        ----------
        params, n : array_like
            Positive sizes, broadcast against each other.

        Returns
        -------
        ndarray of the broadcast shape
        """
        return self._to_score(self.predict_error(params, n))

    def interval(self, params: ArrayLike, n: ArrayLike,
                 level: float = 0.8) -> tuple[np.ndarray, np.ndarray]:
        """Bootstrap interval of the predicted (expected) score.

        The interval is for the law itself, i.e. the score averaged over seeds; a single
        trial scatters further by about `residual_std`. A law that fits its trials
        exactly (noise-free scores) has intervals of zero width.

        Parameters
        ----------
        params, n : array_like
            Positive sizes, broadcast against each other.
        level : float
            Coverage, in (0, 1).

        Returns
        -------
        low, high : ndarray of the broadcast shape
            Bounds in natural units, ``low <= high``. Without bootstrap replicates (a law
            built by hand) both equal `predict`.
        """
        if not (isinstance(level, int | float) and 0.0 < level < 1.0):
            raise InputError("level", "a coverage strictly between 0 and 1", repr(level))
        P, N = _sizes(params, n)
        if self.bootstrap.shape[0] == 0:
            point = self.predict(P, N)
            return point, point.copy()
        shape = P.shape
        th = self.bootstrap
        errs = (th[:, 0:1] + th[:, 1:2] * P.ravel()[None, :] ** -th[:, 2:3]
                + th[:, 3:4] * N.ravel()[None, :] ** -th[:, 4:5])  # (R, k)
        lo_err, hi_err = np.quantile(errs, [(1 - level) / 2, (1 + level) / 2], axis=0)
        a = self._to_score(lo_err.reshape(shape))
        b = self._to_score(hi_err.reshape(shape))
        return np.minimum(a, b), np.maximum(a, b)

    def size_for(self, target: float, params: float) -> float:
        """Smallest training-set size at which a model of size `params` reaches `target`.

        Parameters
        ----------
        target : float
            Score in natural units (e.g. accuracy 0.9, or log-loss 0.3).
        params : float
            Model size.

        Returns
        -------
        float
            Continuous n solving the law (at least 1); ``math.inf`` when the model never
            reaches `target`, however much data it gets.
        """
        if isinstance(target, bool) or not isinstance(target, int | float | np.number) \
                or not math.isfinite(float(target)):
            raise InputError("target", "a finite score", repr(target))
        P = float(_sizes(params, 1.0)[0])
        m = self._metric
        goal = m.to_error(float(target))
        rest = goal - self.E - self.A * P ** -self.alpha
        if rest <= 0:
            return math.inf
        if self.B <= 0:
            return 1.0
        return max(1.0, float((self.B / rest) ** (1.0 / self.beta)))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (without the bootstrap matrix)."""
        return {
            "law": "err = E + A / params**alpha + B / n**beta",
            "E": float(self.E), "A": float(self.A), "alpha": float(self.alpha),
            "B": float(self.B), "beta": float(self.beta),
            "metric": self.metric, "higher_is_better": bool(self.higher_is_better),
            "n_points": int(self.n_points), "residual_std": float(self.residual_std),
            "params_range": [float(v) for v in self.params_range],
            "n_range": [float(v) for v in self.n_range],
            "n_bootstrap": int(self.bootstrap.shape[0]),
        }

    def _to_score(self, err: np.ndarray) -> np.ndarray:
        m = self._metric
        return np.asarray(np.clip(m.from_error(err), m.lower, m.upper))


def fit_scaling_law(results: Results | pd.DataFrame, *, metric: str | None = None,
                    loss: str = "huber", n_bootstrap: int = 200,
                    random_state: int = 0, min_n: float | None = None) -> ScalingLaw:
    """Fit ``err(P, n) = E + A / P**alpha + B / n**beta`` to a results table.

    Parameters
    ----------
    results : Results, DataFrame, store or path
        The trials (see `Results.from_source`): contract columns ``model, params, n,
        seed, train_score, val_score``, optionally ``status`` and ``metric``. Failed
        trials are left out; every finished trial (each seed) is one observation. Needs
        at least 2 distinct model sizes and 3 distinct training sizes.
    metric : str, optional
        Metric to model. Default: the table's ``metric`` column (which must hold one
        metric), or accuracy when the table has none. Another metric is read from its
        ``val_<metric>`` column (natural units).
    loss : {"huber", "soft_l1", "cauchy", "linear"}
        Robust loss of the refinement, scaled to the residuals' robust spread.
    n_bootstrap : int
        Bootstrap replicates kept for `ScalingLaw.interval` (0 for none).
    random_state : int
        Seed of the bootstrap.
    min_n : float, optional
        Smallest training size used. Default: the largest size / 16. Below that, small
        training sets sit in the pre-power-law region (near chance, before the curve
        bends), which the additive law does not describe and which would otherwise pull
        the data exponent down; scaling-law studies fit the larger runs for this reason.

    Returns
    -------
    ScalingLaw

    Raises
    ------
    InputError
        Naming ``results``, ``metric``, ``loss`` or ``n_bootstrap``.
    """
    if loss not in LOSSES:
        raise InputError("loss", f"one of {', '.join(LOSSES)}", repr(loss))
    if isinstance(n_bootstrap, bool) or not isinstance(n_bootstrap, int) or n_bootstrap < 0:
        raise InputError("n_bootstrap", "a non-negative integer", repr(n_bootstrap))
    r = Results.from_source(results, metric=metric)
    r.require("params", purpose="a joint scaling law")
    met = r.metric
    f = r.natural_frame()
    P = _positive(f["params"].to_numpy(), "params")
    N = f["n"].to_numpy(np.float64)
    natural = f["val"].to_numpy(np.float64)
    y = met.to_error(natural)
    floor = float(N.max()) / 16.0 if min_n is None else float(min_n)
    keep = floor <= N
    P, N, y = P[keep], N[keep], y[keep]
    for values, label, need in ((P, "model sizes (params)", 2), (N, "training sizes (n)", 3)):
        distinct = np.unique(values)
        if distinct.size < need:
            raise InputError("results", f"at least {need} distinct {label} among usable trials",
                             f"{distinct.size} ({describe(distinct)})")

    p_ref = float(np.exp(np.mean(np.log(np.unique(P)))))
    n_ref = float(np.exp(np.mean(np.log(np.unique(N)))))
    x = np.log(P / p_ref)
    z = np.log(N / n_ref)
    theta0, r0 = _grid_start(x, z, y)
    scale = _robust_scale(r0, y)

    def residuals(th: np.ndarray) -> np.ndarray:
        return np.asarray(_law(th, x, z) - y)

    def jacobian(th: np.ndarray) -> np.ndarray:
        return _law_jacobian(th, x, z)

    fit = least_squares(residuals, np.clip(theta0, _LOWER, _UPPER), jac=jacobian,
                        bounds=(_LOWER, _UPPER), loss=loss, f_scale=scale, x_scale="jac",
                        ftol=1e-12, xtol=1e-12, gtol=1e-12, max_nfev=200)
    theta = np.clip(fit.x, _LOWER, _UPPER)
    r = y - _law(theta, x, z)
    m = y.size
    residual_std = float(np.sqrt(np.sum(r * r) / max(m - _N_THETA, 1)))
    if n_bootstrap > 0:
        scale = _robust_scale(r, y) if loss != "linear" else scale
        rng = np.random.default_rng(random_state)
        boot = _bootstrap(theta, x, z, y, loss, scale, n_bootstrap, rng)
    else:
        boot = np.empty((0, _N_THETA))
    return ScalingLaw(
        *_natural_theta(theta, p_ref, n_ref),
        metric=met.name, higher_is_better=met.higher_is_better, n_points=int(m),
        residual_std=residual_std,
        params_range=(float(P.min()), float(P.max())), n_range=(float(N.min()), float(N.max())),
        bootstrap=_natural_matrix(boot, p_ref, n_ref),
    )


@dataclass(frozen=True)
class SweepLaw:
    """The joint law of one declared model-size sweep (see `fit_sweep_laws`).

    Attributes
    ----------
    architecture : str
        The sweep's name (`Results.by_architecture`).
    models : tuple of str
        Its models, smallest first.
    law : ScalingLaw or None
        None when the law could not be fitted (`notes` says why).
    notes : tuple of str
    """

    architecture: str
    models: tuple[str, ...]
    law: ScalingLaw | None
    notes: tuple[str, ...] = ()


def fit_sweep_laws(results: Results | pd.DataFrame, *, metric: str | None = None
                   ) -> dict[str, SweepLaw]:
    """The joint law of every declared model-size sweep of a results table: the one
    place that chooses which models share a law (`Results.by_architecture`) and fits
    it, for the diagnosis, the analysis and the report alike.

    Parameters
    ----------
    results : Results, DataFrame, store or path
    metric : str, optional

    Returns
    -------
    dict
        Sweep name → `SweepLaw` (with ``law=None`` and a note when fitting failed).
    """
    r = Results.from_source(results, metric=metric)
    out: dict[str, SweepLaw] = {}
    for arch, models in r.by_architecture().items():
        notes: list[str] = []
        law: ScalingLaw | None = None
        try:
            law = fit_scaling_law(r.subset(models))
        except InputError as exc:
            notes.append(f"no joint law for {arch}: {exc}")
        if law is not None and len(models) < 3:
            notes.append(f"only 2 model sizes of {arch}: the model-size exponent is barely "
                         "identified; measure a third size before trusting the model-size "
                         "choice")
        out[arch] = SweepLaw(arch, tuple(models), law, tuple(notes))
    return out


def _natural_theta(th: np.ndarray, p_ref: float,
                   n_ref: float) -> tuple[float, float, float, float, float]:
    """``(E, a, alpha, b, beta)`` about the references → ``(E, A, alpha, B, beta)``."""
    E, a, alpha, b, beta = (float(v) for v in th)
    return E, a * p_ref ** alpha, alpha, b * n_ref ** beta, beta


def _natural_matrix(T: np.ndarray, p_ref: float, n_ref: float) -> np.ndarray:
    """`_natural_theta` for every row of T, shape (R, 5)."""
    out = np.array(T, dtype=np.float64, copy=True)
    out[:, 1] *= p_ref ** out[:, 2]
    out[:, 3] *= n_ref ** out[:, 4]
    return out


def _law(th: np.ndarray, x: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Error at log-sizes x, z (shape (m,)) for parameters ``(E, a, alpha, b, beta)``."""
    return np.asarray(th[0] + th[1] * np.exp(-th[2] * x) + th[3] * np.exp(-th[4] * z))


def _law_jacobian(th: np.ndarray, x: np.ndarray, z: np.ndarray) -> np.ndarray:
    """d law / d theta, shape (m, 5)."""
    u = np.exp(-th[2] * x)
    v = np.exp(-th[4] * z)
    return np.column_stack([np.ones_like(x), u, -th[1] * x * u, v, -th[3] * z * v])


def _robust_scale(r: np.ndarray, y: np.ndarray) -> float:
    """Huber threshold: 1.345 robust standard deviations of `r` (MAD), with a floor."""
    sigma = 1.4826 * float(np.median(np.abs(r - np.median(r))))
    floor = 1e-9 * max(float(np.max(np.abs(y))), 1e-12)
    return max(_HUBER_K * sigma, floor)


def _grid_start(x: np.ndarray, z: np.ndarray,
                y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Best ``(E, a, alpha, b, beta)`` over the exponent grid by exact non-negative least
    squares for ``(E, a, b)`` at every grid point at once.

    Returns the parameters, shape (5,), and their residuals, shape (m,).
    """
    U = np.exp(-np.outer(x, _GRID))  # (m, G): model-size basis for each alpha
    V = np.exp(-np.outer(z, _GRID))  # (m, G): data-size basis for each beta
    g = _GRID.size
    gram = np.empty((g, g, 3, 3))
    gram[..., 0, 0] = y.size
    gram[..., 0, 1] = gram[..., 1, 0] = U.sum(axis=0)[:, None]
    gram[..., 0, 2] = gram[..., 2, 0] = V.sum(axis=0)[None, :]
    gram[..., 1, 1] = (U * U).sum(axis=0)[:, None]
    gram[..., 2, 2] = (V * V).sum(axis=0)[None, :]
    gram[..., 1, 2] = gram[..., 2, 1] = U.T @ V
    rhs = np.empty((g, g, 3))
    rhs[..., 0] = y.sum()
    rhs[..., 1] = (U.T @ y)[:, None]
    rhs[..., 2] = (V.T @ y)[None, :]
    best_sse = np.full((g, g), float(y @ y))  # all coefficients zero
    best = np.zeros((g, g, 3))
    # NNLS of three coefficients = best feasible unconstrained fit over the active sets;
    # the residuals are computed explicitly, so an ill-conditioned solve can only lose.
    for subset in _SUBSETS:
        idx = np.array(subset)
        sub = gram[..., idx[:, None], idx[None, :]]
        ridge = 1e-12 * np.trace(sub, axis1=-2, axis2=-1)[..., None, None] * np.eye(idx.size)
        with np.errstate(all="ignore"):
            coef = np.linalg.solve(sub + ridge, rhs[..., idx][..., None])[..., 0]
        full = np.zeros((g, g, 3))
        full[..., idx] = coef
        fitted = (full[..., 0:1] + full[..., 1:2] * U.T[:, None, :]
                  + full[..., 2:3] * V.T[None, :, :])  # (G, G, m)
        sse = ((y - fitted) ** 2).sum(axis=-1)
        better = np.all(coef >= 0, axis=-1) & np.isfinite(sse) & (sse < best_sse)
        best_sse = np.where(better, sse, best_sse)
        best = np.where(better[..., None], full, best)
    i, j = np.unravel_index(int(np.argmin(best_sse)), best_sse.shape)
    c = best[i, j]
    theta = np.array([c[0], c[1], _GRID[i], c[2], _GRID[j]])
    return theta, y - _law(theta, x, z)


def _rho(r: np.ndarray, loss: str, scale: float) -> tuple[np.ndarray, np.ndarray]:
    """Robust cost ``scale**2 * rho((r/scale)**2)`` and IRLS weights ``rho'``."""
    s2 = (r / scale) ** 2
    if loss == "huber":
        small = s2 <= 1.0
        root = np.sqrt(np.maximum(s2, 1e-300))
        cost = np.where(small, s2, 2.0 * root - 1.0)
        weight = np.where(small, 1.0, 1.0 / root)
    elif loss == "soft_l1":
        cost = 2.0 * (np.sqrt(1.0 + s2) - 1.0)
        weight = 1.0 / np.sqrt(1.0 + s2)
    elif loss == "cauchy":
        cost = np.log1p(s2)
        weight = 1.0 / (1.0 + s2)
    else:
        cost, weight = s2, np.ones_like(s2)
    return scale**2 * cost, weight


def _bootstrap(theta: np.ndarray, x: np.ndarray, z: np.ndarray, y: np.ndarray, loss: str,
               scale: float, reps: int, rng: np.random.Generator,
               steps: int = 12) -> np.ndarray:
    """Wild-bootstrap replicates of theta, shape (reps, 5).

    Each replicate's data are ``fitted + residual * sign`` (random signs, residuals
    inflated for the degrees of freedom spent); it is refitted by `steps` projected
    Levenberg-Marquardt steps with IRLS weights of `loss`, all replicates at once.
    """
    fitted = _law(theta, x, z)
    r = y - fitted
    m = y.size
    if m > _N_THETA:
        r = r * math.sqrt(m / (m - _N_THETA))
    Y = fitted + r * rng.choice(np.array([-1.0, 1.0]), size=(reps, m))  # (R, m)
    T = np.tile(theta, (reps, 1))
    damping = np.full(reps, 1e-3)
    eye = np.eye(_N_THETA)

    def evaluate(T: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        u = np.exp(-T[:, 2:3] * x[None, :])
        v = np.exp(-T[:, 4:5] * z[None, :])
        F = T[:, 0:1] + T[:, 1:2] * u + T[:, 3:4] * v
        return F, u, v

    F, u, v = evaluate(T)
    cost, weight = _rho(Y - F, loss, scale)
    total = cost.sum(axis=1)
    for _ in range(steps):
        J = np.stack([np.ones_like(u), u, -T[:, 1:2] * x * u, v, -T[:, 3:4] * z * v],
                     axis=-1)  # (R, m, 5)
        JwT = (J * weight[..., None]).transpose(0, 2, 1)  # (R, 5, m)
        H = JwT @ J
        grad = (JwT @ (Y - F)[..., None])[..., 0]
        diag = np.diagonal(H, axis1=1, axis2=2)
        tiny = 1e-12 * diag.max(axis=1, keepdims=True) + 1e-300
        lhs = H + (damping[:, None] * diag + tiny)[:, :, None] * eye
        with np.errstate(all="ignore"):
            step = np.linalg.solve(lhs, grad[..., None])[..., 0]
        trial = np.clip(T + np.nan_to_num(step), _LOWER, _UPPER)
        F_t, u_t, v_t = evaluate(trial)
        cost_t, weight_t = _rho(Y - F_t, loss, scale)
        total_t = cost_t.sum(axis=1)
        accept = np.isfinite(total_t) & (total_t <= total)
        a2 = accept[:, None]
        T = np.where(a2, trial, T)
        F, u, v = np.where(a2, F_t, F), np.where(a2, u_t, u), np.where(a2, v_t, v)
        weight = np.where(a2, weight_t, weight)
        total = np.where(accept, total_t, total)
        damping = np.where(accept, damping * 0.3, damping * 10.0)
    return T


# -- compute -------------------------------------------------------------------------------
@dataclass(frozen=True)
class ComputeModel:
    """Measured seconds per training run: ``t = c * params**p * n**q``.

    Attributes
    ----------
    c : float
        Seconds at ``params = n = 1`` (the scale).
    p, q : float
        Exponents of model size and training size, in [0, 3].
    n_points : int
        Trials fitted.
    residual_std : float
        Standard deviation of the residuals of ``log t`` (a spread factor
        ``exp(residual_std)``).
    params_range, n_range : tuple of float
        Smallest and largest sizes fitted.

    Examples
    --------
    >>> cm = ComputeModel(c=1e-9, p=1.0, q=1.0, n_points=0, residual_std=0.0)
    >>> float(cm.predict(1e6, 1e3))
    1.0
    """

    c: float
    p: float
    q: float
    n_points: int
    residual_std: float
    params_range: tuple[float, float] = (math.nan, math.nan)
    n_range: tuple[float, float] = (math.nan, math.nan)

    def predict(self, params: ArrayLike, n: ArrayLike) -> np.ndarray:
        """Predicted seconds to train a model of size `params` on `n` examples.

        Parameters
        ----------
        params, n : array_like
            Positive sizes, broadcast against each other.

        Returns
        -------
        ndarray of the broadcast shape
        """
        P, N = _sizes(params, n)
        return np.asarray(self.c * P**self.p * N**self.q)

    def n_for_budget(self, budget_seconds: float, params: ArrayLike) -> np.ndarray:
        """Training size that one run of a model of size `params` affords in the budget.

        Parameters
        ----------
        budget_seconds : float
            Seconds for one training run.
        params : array_like
            Positive model sizes.

        Returns
        -------
        ndarray of the shape of `params`
            ``n`` with ``predict(params, n) == budget_seconds`` (continuous); when time
            does not grow with n (``q == 0``) ``inf`` if the model fits the budget at all,
            else 0.
        """
        budget = _positive_scalar("budget_seconds", budget_seconds)
        P = _sizes(params, 1.0)[0]
        per_example = budget / (self.c * P**self.p)
        if self.q <= 0:
            return np.where(per_example >= 1.0, np.inf, 0.0)
        with np.errstate(over="ignore"):  # beyond float range: inf, as q == 0 gives
            return np.asarray(per_example ** (1.0 / self.q))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary."""
        return {
            "model": "seconds = c * params**p * n**q",
            "c": float(self.c), "p": float(self.p), "q": float(self.q),
            "n_points": int(self.n_points), "residual_std": float(self.residual_std),
            "params_range": [float(v) for v in self.params_range],
            "n_range": [float(v) for v in self.n_range],
        }


def fit_compute_model(results: Results | pd.DataFrame) -> ComputeModel:
    """Fit ``fit_time = c * params**p * n**q`` by robust least squares in log space.

    Parameters
    ----------
    results : Results, DataFrame, store or path
        Trials with columns ``params``, ``n`` and ``fit_time`` (seconds); failed trials
        and those with a missing / non-positive ``fit_time`` are left out.
        Needs at least 2 distinct model sizes and 2 distinct training sizes.

    Returns
    -------
    ComputeModel
        With ``p`` and ``q`` constrained to [0, 3].

    Raises
    ------
    InputError
        Naming ``results``.
    """
    r = Results.from_source(results)
    r.require("params", "fit_time", purpose="a compute model")
    f = r.natural_frame()
    seconds = f["fit_time"].to_numpy(np.float64)
    use = np.isfinite(seconds) & (seconds > 0)
    if not use.any():
        raise InputError("results", "trials with status 'ok' and a positive fit_time",
                         f"none among {len(f)} finished trials")
    P = _positive(f["params"].to_numpy()[use], "params")
    N = f["n"].to_numpy(np.float64)[use]
    for values, label in ((P, "model sizes (params)"), (N, "training sizes (n)")):
        distinct = np.unique(values)
        if distinct.size < 2:
            raise InputError("results", f"at least 2 distinct {label} with a fit_time",
                             f"{distinct.size} ({describe(distinct)})")
    t = np.log(seconds[use])
    X = np.column_stack([np.ones_like(t), np.log(P), np.log(N)])
    start = np.linalg.lstsq(X, t, rcond=None)[0]
    lo = np.array([-np.inf, COMPUTE_EXPONENT_BOUNDS[0], COMPUTE_EXPONENT_BOUNDS[0]])
    hi = np.array([np.inf, COMPUTE_EXPONENT_BOUNDS[1], COMPUTE_EXPONENT_BOUNDS[1]])
    start = np.clip(start, lo, hi)
    sigma = 1.4826 * float(np.median(np.abs(t - X @ start)))
    fit = least_squares(lambda b: X @ b - t, start, jac=lambda b: X, bounds=(lo, hi),
                        loss="huber", f_scale=max(_HUBER_K * sigma, 1e-3))
    beta = np.clip(fit.x, lo, hi)
    r = t - X @ beta
    return ComputeModel(
        c=float(np.exp(beta[0])), p=float(beta[1]), q=float(beta[2]), n_points=int(t.size),
        residual_std=float(np.sqrt(np.sum(r * r) / max(t.size - 3, 1))),
        params_range=(float(P.min()), float(P.max())), n_range=(float(N.min()), float(N.max())),
    )


# -- allocation ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Allocation:
    """The compute-optimal (model size, training size) for one training run.

    Attributes
    ----------
    params, n : float
        Chosen model size and training-set size (continuous: round as needed).
    score : float
        Predicted score there, natural units.
    interval : tuple of float
        Bootstrap interval of `score` at `level`.
    error : float
        Predicted error-space value (what the allocation minimises).
    seconds : float
        Predicted seconds of the run (``== budget`` unless `limited_by` is not
        "compute").
    budget : float
        The budget, seconds.
    limited_by : {"compute", "data", "saturation", "extrapolation"}
        What stops n at the chosen size: the budget ("compute"); ``n_max``, the examples
        available ("data"); the law's own saturation, where more data would lower the
        predicted error by under `SATURATION` of what remains ("saturation"); or
        `N_HORIZON` times the largest size the law was fitted on ("extrapolation"). In
        the last three part of the budget is left (data that costs almost nothing to
        train on would otherwise give astronomically large answers).
    metric : str
    level : float
        Coverage of `interval`.
    alternatives : tuple of dict
        A few frontier points for reports, by model size: ``params, n, score, error,
        seconds, limited_by``; the chosen point is among them.
    """

    params: float
    n: float
    score: float
    interval: tuple[float, float]
    error: float
    seconds: float
    budget: float
    limited_by: str
    metric: str
    level: float = 0.8
    alternatives: tuple[dict[str, Any], ...] = ()

    def alternatives_frame(self) -> pd.DataFrame:
        """`alternatives` as a table, one row per frontier point."""
        return pd.DataFrame(list(self.alternatives))

    def __repr__(self) -> str:
        """One line: the chosen point, its score and interval, the budget and what
        limits it (the frontier points are in `alternatives_frame`)."""
        lo, hi = self.interval
        return (f"Allocation(params={self.params:.3g}, n={self.n:.3g}, "
                f"{self.metric}={self.score:.4g} ({self.level:.0%}: {lo:.4g}–{hi:.4g}), "
                f"seconds={self.seconds:.3g} of budget {self.budget:.3g}, "
                f"limited_by={self.limited_by!r}, alternatives={len(self.alternatives)})")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary."""
        return {
            "params": float(self.params), "n": float(self.n), "score": float(self.score),
            "interval": [float(v) for v in self.interval], "level": float(self.level),
            "error": float(self.error), "seconds": float(self.seconds),
            "budget": float(self.budget), "limited_by": self.limited_by,
            "metric": self.metric, "alternatives": [dict(a) for a in self.alternatives],
        }


def compute_optimal(law: ScalingLaw, compute: ComputeModel, budget_seconds: float, *,
                    params_grid: ArrayLike | None = None, n_max: float | None = None,
                    n_alternatives: int = 9) -> Allocation:
    """Split a compute budget between model size and data to minimise predicted error.

    For every model size P on the grid, the budget frontier gives the training size
    ``n(P)`` with ``compute.predict(P, n(P)) == budget_seconds``, capped at `n_max`;
    the allocation is the grid point of least ``law.predict_error(P, n)``.

    Parameters
    ----------
    law : ScalingLaw
    compute : ComputeModel
    budget_seconds : float
        Seconds for one training run, > 0.
    params_grid : array_like of shape (k,), optional
        Candidate model sizes (e.g. the sizes the model family can take). Default: 400
        log-spaced sizes from 0.25x the smallest to 16x the largest size the law was
        fitted on.
    n_max : float, optional
        Examples available; caps n.
    n_alternatives : int
        About how many frontier points to keep in `Allocation.alternatives`.

    Returns
    -------
    Allocation

    Raises
    ------
    InputError
        Naming ``law``, ``compute``, ``budget_seconds``, ``params_grid`` or ``n_max``;
        ``budget_seconds`` also when no grid size affords a single training example.
    """
    if not isinstance(law, ScalingLaw):
        raise InputError("law", "a ScalingLaw (from fit_scaling_law)", type(law).__name__)
    if not isinstance(compute, ComputeModel):
        raise InputError("compute", "a ComputeModel (from fit_compute_model)",
                         type(compute).__name__)
    budget = _positive_scalar("budget_seconds", budget_seconds)
    cap = math.inf if n_max is None else _positive_scalar("n_max", n_max)
    grid = _params_grid(law, params_grid)
    n_frontier = compute.n_for_budget(budget, grid)
    # Where more data stops mattering by the law itself, and how far it may reach.
    remaining = law.E + law.A * grid ** -law.alpha
    gain = np.maximum(SATURATION * remaining, 1e-6)
    with np.errstate(divide="ignore", over="ignore"):
        n_sat = np.where(law.B > 0, (law.B / gain) ** (1.0 / law.beta), 1.0)
    largest = law.n_range[1]
    horizon = N_HORIZON * largest if math.isfinite(largest) and largest > 0 else math.inf
    caps = np.stack([np.full(grid.shape, cap), np.maximum(n_sat, 1.0),
                     np.full(grid.shape, horizon)])
    which = np.argmin(caps, axis=0)
    limit = caps[which, np.arange(grid.size)]
    n_use = np.minimum(n_frontier, limit)
    feasible = n_use >= 1.0
    if not feasible.any():
        need = float(compute.predict(grid.min(), 1.0))
        raise InputError("budget_seconds", "a budget that affords at least one training "
                         f"example at some model size (>= {need:.3g} s at the smallest)",
                         f"{budget:g}")
    n_use = np.where(feasible, n_use, 1.0)
    err = np.where(feasible, law.predict_error(grid, n_use), np.inf)
    reasons = np.array(["data", "saturation", "extrapolation"])
    limited = np.where(n_frontier > limit, reasons[which], "compute")
    best = int(np.argmin(err))
    seconds = compute.predict(grid, n_use)
    scores = law.predict(grid, n_use)
    lo, hi = law.interval(grid[best], n_use[best], level=0.8)

    index = np.flatnonzero(feasible)
    k = max(int(n_alternatives), 1)
    picks = np.unique(np.append(index[np.round(np.linspace(0, index.size - 1, k)).astype(int)],
                                best))
    alternatives = tuple(
        {"params": float(grid[i]), "n": float(n_use[i]), "score": float(scores[i]),
         "error": float(err[i]), "seconds": float(seconds[i]),
         "limited_by": str(limited[i])}
        for i in picks
    )
    return Allocation(
        params=float(grid[best]), n=float(n_use[best]), score=float(scores[best]),
        interval=(float(lo), float(hi)), error=float(err[best]),
        seconds=float(seconds[best]), budget=budget, limited_by=str(limited[best]),
        metric=law.metric, level=0.8, alternatives=alternatives,
    )


# -- input checks --------------------------------------------------------------------------
def _positive(values: np.ndarray, column: str) -> np.ndarray:
    """`values` of a results column as floats, all finite and positive, else `InputError`
    naming ``results``."""
    out = np.asarray(values, dtype=np.float64)
    bad = ~(np.isfinite(out) & (out > 0))
    if bad.any():
        raise InputError("results", f"positive finite values in column '{column}'",
                         f"{describe(out[bad])} in {int(bad.sum())} finished trial(s)")
    return out


def _positive_scalar(name: str, value: object) -> float:
    """`value` as a positive finite float, else `InputError` naming `name`."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise InputError(name, "a positive finite number", repr(value))
    out = float(value)
    if not (math.isfinite(out) and out > 0):
        raise InputError(name, "a positive finite number", repr(value))
    return out


def _sizes(params: ArrayLike, n: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """`params` and `n` as broadcast float arrays, every value > 0 (``inf`` allowed)."""
    out = []
    for name, value in (("params", params), ("n", n)):
        try:
            arr = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError):
            raise InputError(name, "positive sizes", repr(value)) from None
        if not np.all(arr > 0):
            bad = arr[~(arr > 0)]
            raise InputError(name, "positive sizes", describe(bad.ravel()))
        out.append(arr)
    try:
        P, N = np.broadcast_arrays(out[0], out[1])
    except ValueError:
        raise InputError("n", f"a shape that broadcasts with params {out[0].shape}",
                         f"shape {out[1].shape}") from None
    return P, N


def _params_grid(law: ScalingLaw, params_grid: ArrayLike | None) -> np.ndarray:
    """The candidate model sizes, shape (k,)."""
    if params_grid is None:
        lo, hi = law.params_range
        if not (math.isfinite(lo) and math.isfinite(hi) and 0 < lo <= hi):
            raise InputError("params_grid", "candidate model sizes (the law records no "
                             "fitted range to default to)", "None")
        return np.exp(np.linspace(np.log(0.25 * lo), np.log(16.0 * hi), 400))
    try:
        grid = np.asarray(params_grid, dtype=np.float64).ravel()
    except (TypeError, ValueError):
        raise InputError("params_grid", "positive finite model sizes",
                         repr(params_grid)) from None
    if grid.size == 0 or not np.all(np.isfinite(grid) & (grid > 0)):
        raise InputError("params_grid", "a non-empty array of positive finite model sizes",
                         describe(grid) if grid.size else "an empty array")
    return np.sort(grid)
