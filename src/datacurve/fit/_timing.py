"""Training time per run as a function of the training-set size.

One model's seconds per training run are described as

    t(n) = t0 + c * n**q,    t0 >= 0, c >= 0, q in [0, 3]

``t0`` is the fixed overhead of a run (building the learner and its pipeline, input
checks, starting threads, framework warm-up), which dominates small trials; ``c * n**q``
is the part that grows with the data. A pure power law fitted where the overhead
dominates finds an exponent near 0 and forecasts large sizes far too low (a random forest
forecast at 0.3 s for 7.6 s measured; issue 14).

Fitting, and why this way. The model is linear in ``(t0, c)`` once ``q`` is fixed, so it
is fitted by variable projection: for every ``q`` of a grid of 601 points over [0, 3] the
non-negative least squares for ``(t0, c)`` is solved in closed form, all grid points at
once, on residuals relative to the measured time (the log-time residual to first order,
so a 10 ms size and a 10 s size weigh alike). It is made robust by reweighting: Huber
rounds first, re-estimating the noise level (the median absolute log-time residual)
after each, then Tukey's bisquare, which gives a gross outlier (a first trial that paid
for imports, a moment the machine was busy elsewhere) weight 0 where Huber's loss still
lets it pull the fit (by a factor 1.2 to 1.5 at 4x on planted curves whose first size
is 5x too slow). The grid is used instead of ``scipy.optimize.least_squares``
from a start because the loss is flat in ``q``, and can have several minima, when the
overhead dominates: a local optimiser lands in whichever minimum is near its start, the
grid sees them all. Non-negative least squares also reaches the boundaries exactly
(``t0 = 0``, a pure power law; ``c = 0``, pure overhead), which a log parametrisation of
``t0`` and ``c`` cannot.

The exponent's prior. When the overhead dominates every measured size, the growing part
is a few per cent of the time and the data hardly say what ``q`` is, yet a forecast 4x
beyond depends on it. The robust loss (in units of the timing noise) is therefore
combined with a weak prior on ``q``: a Student-t with 3 degrees of freedom about 1, scale
0.5 (`Q_PRIOR`). Most learners do work linear in n per epoch or iteration (n log n for
trees), so ``q`` stays near 1 when the data do not say otherwise, and the heavy tails let
steady evidence of ``q`` = 2 to 3 (kernel methods) through. Measured on planted curves
(sizes 16-1,024, two seeds of 10 % noise, forecast at 4,096, 60 draws): a cubic is
forecast within 2x in 92 % of draws with this prior and 35 % with a Gaussian of the same
scale; with no prior, an overhead-dominated curve (t0 = 1 s, growth 2.5 % of the time at
1,024) falls from 98 % to 75 %. On four runs of bench/training_time.py (best times), 7 of
8 forecasts at 4x were within 2x in each with the prior, 3 to 5 without. A Cauchy prior
(heavier tails) read one run's jump at the last fitted size (the `mlp` switching from a
fixed step budget to early stopping) as cubic growth and forecast 24x the measured time.

Notation: k measured sizes of one model, Q exponents on the grid.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from datacurve._errors import InputError, describe
from datacurve.models import early_stopping_above
from datacurve.results import Results

__all__ = ["Q_BOUNDS", "Q_PRIOR", "TimeModel", "fit_time_model"]

Q_BOUNDS = (0.0, 3.0)
"""Range of the exponent ``q``."""
Q_PRIOR = (1.0, 0.5, 3.0)
"""Centre, scale and degrees of freedom of the Student-t prior on ``q`` (see the module
text)."""

_Q_GRID = np.linspace(Q_BOUNDS[0], Q_BOUNDS[1], 601)
_HUBER_K = 1.345  # Huber threshold in noise standard deviations (95 % efficiency)
_BISQUARE_C = 4.685  # Tukey's bisquare cut-off in noise standard deviations (95 %)
_NOISE_FLOOR = 0.02
"""Smallest noise level (standard deviation of log time) the loss assumes: timings on a
real machine vary by more than 2 %, and an exact fit (planted or rounded times) must not
give a zero noise level, against which the prior would count for nothing."""
_IRLS_ROUNDS = 6


@dataclass(frozen=True)
class TimeModel:
    """Seconds per training run of one model: ``t(n) = t0 + c * n**q``.

    Attributes
    ----------
    t0 : float
        Fixed overhead of a run, seconds (>= 0).
    c : float
        Scale of the part that grows with the data (>= 0; 0 when the measured times do
        not grow).
    q : float
        Exponent of the training-set size, in `Q_BOUNDS`.
    n_range : tuple of float
        Smallest and largest size fitted.
    n_points : int
        Sizes fitted (one median fit time each).
    residual_spread : float
        Robust standard deviation (1.4826 x median absolute value) of the residuals of
        ``log t`` at the fitted sizes: measured times lie within a factor
        ``exp(residual_spread)`` of the model about two times in three.
    model : str
        The model whose times were fitted ("" when made by hand).
    bound_above : float or None
        A size above which the learner turns early stopping on by itself
        (`datacurve.models.early_stopping_above`) when every fitted size lies below it:
        above it a run trains fewer iterations, so `predict` there is an upper bound
        (see `is_bound`). None when no such change lies above the fitted sizes.

    Examples
    --------
    >>> tm = TimeModel(t0=0.5, c=1e-3, q=1.0, n_range=(100.0, 1000.0), n_points=4,
    ...                residual_spread=0.0)
    >>> tm.predict(1000)
    1.5
    """

    t0: float
    c: float
    q: float
    n_range: tuple[float, float]
    n_points: int
    residual_spread: float
    model: str = ""
    bound_above: float | None = None

    def is_bound(self, n: float) -> bool:
        """Whether `predict(n)` is an upper bound rather than an estimate: `n` lies above
        a size where the learner turns early stopping on by itself (`bound_above`)."""
        return self.bound_above is not None and n > self.bound_above

    def predict(self, n: ArrayLike) -> float | np.ndarray:
        """Predicted seconds to train one run on `n` examples.

        Parameters
        ----------
        n : float or array_like of any shape
            Training-set sizes, >= 0 (``inf`` gives ``inf`` unless ``c == 0``).

        Returns
        -------
        float or ndarray of the shape of `n`
            A float for a scalar `n`.

        Raises
        ------
        InputError
            Naming ``n``: negative or NaN sizes.
        """
        try:
            arr = np.asarray(n, dtype=np.float64)
        except (TypeError, ValueError):
            raise InputError("n", "training-set sizes (numbers >= 0)", repr(n)) from None
        if np.any(np.isnan(arr) | (arr < 0)):
            raise InputError("n", "training-set sizes >= 0", describe(arr.ravel()))
        with np.errstate(invalid="ignore"):
            growth = np.where(arr == 0, 0.0, self.c * arr**self.q) if self.c > 0 else 0.0
        out = self.t0 + np.zeros_like(arr) + growth
        return float(out) if out.ndim == 0 else out

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"model": self.model, "t0": self.t0, "c": self.c, "q": self.q,
                "n_range": list(self.n_range), "n_points": self.n_points,
                "residual_spread": self.residual_spread, "bound_above": self.bound_above}


def fit_time_model(results: Results | pd.DataFrame, model: str | None = None) -> TimeModel:
    """Fit ``t(n) = t0 + c * n**q`` to one model's median fit time per training size, in
    the upper two thirds of the measured sizes on a log scale (at least the 3 largest):
    a forecast above them depends on how time grows at the largest sizes.

    Parameters
    ----------
    results : Results, DataFrame, store or path
        See `Results.from_source`; the ``fit_time`` column (seconds per trial) is read.
        Per size the median over seeds is fitted (`Results.per_size`); sizes without a
        positive fit time are left out.
    model : str, optional
        The model; may be omitted when the table holds one.

    Returns
    -------
    TimeModel

    Raises
    ------
    InputError
        Naming ``results``: no ``fit_time`` column, or fewer than 2 distinct sizes with a
        positive fit time (``model`` for an unknown model).

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"model": "m", "n": [100, 200, 400, 800], "val_score": .9,
    ...                   "fit_time": [0.6, 0.7, 0.9, 1.3]})
    >>> tm = fit_time_model(t)
    >>> round(tm.t0, 2), round(tm.c * 1e3, 2), round(tm.q, 2)
    (0.5, 1.0, 1.0)
    """
    r = Results.from_source(results)
    model = r.pick(model)
    r.require("fit_time", purpose="a training-time model")
    per = r.per_size(model)
    n = per["n"].to_numpy(np.float64)
    t = per["fit_time"].to_numpy(np.float64)
    use = np.isfinite(n) & (n > 0) & np.isfinite(t) & (t > 0)
    if np.unique(n[use]).size < 2:
        got = n[use]
        raise InputError("results", f"a positive fit_time at 2 or more distinct training "
                         f"sizes of model {model!r}",
                         f"{got.size} ({describe(got.astype(int))})" if got.size
                         else "none")
    n, t = n[use], t[use]
    # A learner that turns early stopping on above a size is two algorithms: fit the sizes
    # above the change when two or more were measured there, else those below it, whose
    # forecasts above it are then upper bounds.
    change = early_stopping_above(model)
    bound: float | None = None
    if change is not None:
        above = n > change
        if np.unique(n[above]).size >= 2:
            n, t = n[above], t[above]
        else:
            n, t, bound = n[~above], t[~above], float(change)
    n, t = _upper_sizes(n, t)
    t0, c, q, spread = _fit(n, t)
    return TimeModel(t0=t0, c=c, q=q, n_range=(float(n.min()), float(n.max())),
                     n_points=int(n.size), residual_spread=spread, model=model,
                     bound_above=bound)


def _upper_sizes(n: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The sizes in the upper two thirds of the measured range on a log scale (at least
    the 3 largest distinct sizes; all when fewer), and their times; shapes (k,) -> (j,).

    A forecast above the measured range depends on how time grows at the largest sizes;
    the smallest can follow another regime that ``t0 + c * n**q`` does not describe:
    histogram gradient boosting's trees gain leaves until about 30 x min_samples_leaf
    rows and then cost a fixed amount per node plus a linear pass, torch learners train
    a fixed step budget below a size, and import or thread start-up costs dominate
    below a few hundred rows. Measured on bench/training_time.py's trials (10 learner
    and dataset pairs, forecast at 4x): every forecast within 2x when fitted on the
    upper two thirds, 8 of 10 when fitted on all sizes (gradient boosting 2.6x too
    high on MNIST-1D)."""
    sizes = np.unique(n)
    if sizes.size <= 3:
        return n, t
    lo, hi = np.log(sizes[0]), np.log(sizes[-1])
    cut = min(float(np.exp(lo + (hi - lo) / 3)), float(sizes[-3]))
    keep = n >= cut * (1 - 1e-12)
    return n[keep], t[keep]


# -- fitting ---------------------------------------------------------------------------------
def _nnls2(u: np.ndarray, v: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Non-negative ``(a, b)`` minimising ``sum(w * (a*u + b*v - 1)**2)`` for every row.

    Parameters
    ----------
    u, v, w : ndarray of shape (Q, k)
        Two regressors and the weights (>= 0), one problem per row; ``u, v > 0``.

    Returns
    -------
    a, b : ndarray of shape (Q,)
    """
    suu, svv, suv = (w * u * u).sum(1), (w * v * v).sum(1), (w * u * v).sum(1)
    su, sv = (w * u).sum(1), (w * v).sum(1)
    det = suu * svv - suv * suv
    ok = det > 1e-10 * suu * svv
    safe = np.where(ok, det, 1.0)
    a = np.where(ok, (svv * su - suv * sv) / safe, -1.0)
    b = np.where(ok, (suu * sv - suv * su) / safe, -1.0)
    inside = (a >= 0) & (b >= 0)
    # Otherwise the optimum lies on an edge: one coefficient 0, the other positive.
    a1 = su / suu  # b = 0
    b2 = sv / svv  # a = 0
    loss1 = (w * (a1[:, None] * u - 1) ** 2).sum(1)
    loss2 = (w * (b2[:, None] * v - 1) ** 2).sum(1)
    first = loss1 <= loss2  # ties (q = 0: u and v coincide) go to the overhead t0
    a = np.where(inside, a, np.where(first, a1, 0.0))
    b = np.where(inside, b, np.where(first, 0.0, b2))
    return a, b


def _huber(z: np.ndarray) -> np.ndarray:
    """Huber's rho of standardised residuals `z` (any shape)."""
    az = np.abs(z)
    return np.where(az <= _HUBER_K, 0.5 * z * z, _HUBER_K * az - 0.5 * _HUBER_K**2)


def _bisquare(z: np.ndarray) -> np.ndarray:
    """Tukey's bisquare rho of standardised residuals `z` (any shape): bounded, so a
    point beyond ``_BISQUARE_C`` costs the same however far it lies."""
    r = np.minimum(np.abs(z) / _BISQUARE_C, 1.0)
    return (_BISQUARE_C**2 / 6.0) * (1.0 - (1.0 - r * r) ** 3)


def _noise(e: np.ndarray, params: int = 3) -> float:
    """Robust standard deviation of the residuals `e` of shape (k,) of a fit with
    `params` parameters, at least `_NOISE_FLOOR`."""
    k = e.size
    mad = 1.4826 * float(np.median(np.abs(e))) * math.sqrt(k / max(k - params, 1))
    return max(mad, _NOISE_FLOOR)


def _fit(n: np.ndarray, t: np.ndarray) -> tuple[float, float, float, float]:
    """``(t0, c, q, residual_spread)`` for sizes `n` and seconds `t`, each of shape (k,),
    positive, at least two distinct sizes."""
    ref = float(n.max())
    x = n / ref  # in (0, 1], so the growing part's scale C = c * ref**q is in seconds
    xq = x[None, :] ** _Q_GRID[:, None]  # (Q, k)
    u = np.broadcast_to(1.0 / t, xq.shape)
    v = xq / t[None, :]
    log_t = np.log(t)[None, :]

    def solve(w: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(t0, C) of shape (Q,) and log-time residuals (Q, k) under weights (Q, k)."""
        a, b = _nnls2(u, v, w)
        pred = a[:, None] + b[:, None] * xq
        return a, b, np.log(np.maximum(pred, 1e-300)) - log_t

    centre, scale, dof = Q_PRIOR
    # Student-t: -log density + const
    prior = 0.5 * (dof + 1.0) * np.log1p(((_Q_GRID - centre) / scale) ** 2 / dof)
    # Start: plain least squares at every q; the noise level from the best of them.
    w = np.ones_like(xq)
    a, b, e = solve(w)
    sigma = _noise(e[int(np.argmin((e * e).sum(1)))])
    # Huber rounds, re-estimating the noise level at the best q after each: a robust
    # start and scale (the first estimate is inflated by any outlier).
    for _ in range(_IRLS_ROUNDS):
        z = np.abs(e) / sigma
        w = np.where(z <= _HUBER_K, 1.0, _HUBER_K / np.maximum(z, 1e-300))
        a, b, e = solve(w)
        sigma = _noise(e[int(np.argmin(_huber(e / sigma).sum(1) + prior))])
    # Bisquare rounds at that noise level: a gross outlier (a first trial that paid for
    # imports) gets weight 0 instead of Huber's bounded but non-zero pull.
    for _ in range(_IRLS_ROUNDS):
        r = np.abs(e) / (_BISQUARE_C * sigma)
        w = np.where(r < 1.0, (1.0 - r * r) ** 2, 0.0) + 1e-9
        a, b, e = solve(w)
    objective = _bisquare(e / sigma).sum(1) + prior
    i = int(np.argmin(objective))
    q = float(_Q_GRID[i])
    t0, grow = float(a[i]), float(b[i])
    c = grow / ref**q if grow > 0 else 0.0
    spread = 1.4826 * float(np.median(np.abs(e[i])))
    return t0, c, q, spread
