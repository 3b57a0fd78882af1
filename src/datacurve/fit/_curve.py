"""Fit a learning curve, extrapolate it, and invert it.

Notation: m observations ``(sizes[i], scores[i])``, sizes may repeat (one entry per seed);
k distinct sizes. Scores are in the metric's natural units; internally the curve is fitted
to the error-like quantity ``e = |best - score|`` that falls towards 0 with more data.

Methods
-------
``"blend"`` (default for metrics bounded in [0, 1] such as accuracy or error)
    The mean of the ``"meta"`` and ``"average"`` quantile curves. On the LCDB benchmark
    (bench/extrapolation.py, datasets held out from the meta-model) it has the lowest
    error of the methods measured and a calibrated 80 % interval; see README.
``"meta"``
    Every family is fitted; gradient-boosted quantile ensembles meta-learned on LCDB
    curves (``fit/_meta.py``) turn their extrapolations and the curve's shape into
    quantiles of the score at each larger size. With ``train_scores`` recorded at the
    last three sizes, a second model also reads the training-set score curve (its level,
    its gap above the validation curve and how both move). Neural networks
    (``network=True``) get their own pair, learned on LCDB and datacurve's corpus of
    deep-learning curves (`LearningCurve.meta_model` says which ran).
``"average"`` (default for other metrics)
    Families are weighted by how well each, fitted without the last observed sizes,
    forecasts them; intervals come from the noise, the spread of the families and the
    distance of the extrapolation.
a family name (``"pow3"``, ``"mmf4"``, ...)
    That family alone.

Evidence from other models (`correct_with_others`): where other models were measured on
the same data beyond a curve's largest size, the error their own curves made there (each
fitted only to the sizes this one reached) shifts this curve by `EVIDENCE_ALPHA` times
their median, as a function of size. On held-out LCDB datasets and deep-learning corpus
tasks (bench/extrapolation.py) the residuals of models on the same data correlate, and
the shift cuts the error of the extrapolation; see README.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field, replace
from typing import Any, overload

import numpy as np
from scipy.special import ndtri

from datacurve import _hooks
from datacurve._errors import InputError
from datacurve._plain import short_sizes
from datacurve.fit._families import (
    FAMILIES,
    FamilyFit,
    fit_family,
    size_means,
    weighted_error,
)
from datacurve.fit._meta import (
    META_FAMILIES,
    MetaCorrection,
    TreeEnsembles,
    feature_names,
    load_meta,
    train_available,
)

__all__ = ["DEFAULT_FAMILIES", "EVIDENCE_ALPHA", "EVIDENCE_NARROW", "Evidence", "LearningCurve",
           "correct_with_others", "fit_learning_curve"]

DEFAULT_FAMILIES = ("pow3", "pow4", "mmf4", "vap3", "exp4", "ilog2", "log2", "pow2", "exp3")
"""Families fitted by default (``last`` is added for the ``average`` method; ``wbl4``
is the same function class as ``exp4``)."""

_MIN_DISTINCT = 3
EVIDENCE_ALPHA = 0.7
"""Share of the other models' median residual that `correct_with_others` adds (chosen on
bench/extrapolation.py's held-out LCDB datasets and corpus tasks; see README)."""
EVIDENCE_NARROW = {"network": 0.7}
"""By meta-model (`LearningCurve.meta_model`), the factor `correct_with_others` narrows the
interval by beyond the largest size (1 for the others): on held-out corpus tasks the
network meta-model's shifted 80 % interval covered 0.89 / 0.95 / 0.91 at f = 1/16, 1/8,
1/4, and 0.82 / 0.82 / 0.84 narrowed to 0.7 (chosen on those cuts from 0.5 to 1 in
steps of 0.05); on LCDB the classical one's covered 0.82 / 0.82 / 0.81 unchanged
(bench/extrapolation.py)."""
_HORIZON_STEP = math.log(2.0) / 4.0  # the meta-model is evaluated every 2^(1/4) in size


@dataclass(frozen=True)
class Evidence:
    """The shift `correct_with_others` applied to a curve.

    Attributes
    ----------
    models : tuple of str
        The other models whose residuals were used.
    sizes : ndarray of shape (G,)
        Sizes from the curve's largest measured one outwards (the first) to the largest
        any other model measured (the last).
    shift : ndarray of shape (G,)
        Error-space shift at `sizes` (`alpha` times the median residual of the other
        models; 0 at the first size, linear in log n between sizes, held constant beyond
        the last). Positive: the others did worse than their curves foresaw.
    alpha : float
    narrow : float
        Beyond the curve's largest size, every quantile's distance from the median is
        multiplied by this (`EVIDENCE_NARROW`: the shifted extrapolation errs less, so
        its interval would over-cover).
    """

    models: tuple[str, ...]
    sizes: np.ndarray = field(repr=False)
    shift: np.ndarray = field(repr=False)
    alpha: float
    narrow: float = 1.0

    def at(self, n: np.ndarray) -> np.ndarray:
        """Error-space shift at sizes `n` (shape (k,)); 0 up to the curve's largest size."""
        inside = np.interp(np.log(n), np.log(self.sizes), self.shift)
        return np.where(n > self.sizes[0], inside, 0.0)


@dataclass(frozen=True)
class LearningCurve:
    """A fitted learning curve (see `fit_learning_curve`).

    Attributes
    ----------
    method : str
        ``"blend"``, ``"meta"``, ``"average"`` or the family used.
    family : str
        The family with the largest weight (the one to show when only one is shown).
    weights : dict
        Family name → weight in the average (for ``"meta"``: BIC weights, used only
        inside the measured range and past the meta-model's last horizon).
    fits : dict
        Family name → `FamilyFit`.
    notes : tuple of str
        Why a fallback was taken, if one was.
    sizes, scores : ndarray of shape (m,)
        The observations (sorted by size).
    higher_is_better : bool
    lower, upper : float
        The metric's range.
    noise : float
        Standard deviation of one observation around the curve (from seeds when sizes
        repeat, else from the residuals).
    anchor : tuple of float
        ``(factor, start, end)``: the fitted error is multiplied by ``factor`` from size
        ``end`` (the largest measured) on, and by ``factor ** t`` between ``start`` and
        ``end`` (``t`` rising linearly in log n; ``start == end`` applies ``factor``
        everywhere), so that the curve meets the measurements where they are best (see
        `fit_learning_curve`). ``(1.0, nan, nan)``: not anchored.
    evidence : Evidence or None
        The shift from other models measured further (`correct_with_others`), applied to
        every quantile beyond the largest measured size.
    """

    method: str
    family: str
    weights: dict[str, float]
    fits: dict[str, FamilyFit] = field(repr=False)
    notes: tuple[str, ...]
    sizes: np.ndarray = field(repr=False)
    scores: np.ndarray = field(repr=False)
    higher_is_better: bool
    lower: float
    upper: float
    noise: float
    _meta: Any = field(default=None, repr=False, compare=False)
    anchor: tuple[float, float, float] = (1.0, math.nan, math.nan)
    evidence: Evidence | None = None

    # -- error space ---------------------------------------------------------------
    def _anchor_factor(self, n: np.ndarray) -> np.ndarray | float:
        factor, start, end = self.anchor
        if factor == 1.0:
            return 1.0
        if not start < end:
            return factor
        t = np.clip((np.log(n) - math.log(start)) / math.log(end / start), 0.0, 1.0)
        return np.asarray(factor ** t)

    @property
    def _best(self) -> float:
        return self.upper if self.higher_is_better else self.lower

    def _to_score(self, e: np.ndarray) -> np.ndarray:
        s = self._best - e if self.higher_is_better else self._best + e
        return np.clip(s, self.lower, self.upper)

    def _to_error(self, s: np.ndarray | float) -> np.ndarray:
        s = np.asarray(s, dtype=np.float64)
        return np.asarray(self._best - s if self.higher_is_better else s - self._best)

    @property
    def n_last(self) -> float:
        """Largest observed size."""
        return float(self.sizes.max())

    @property
    def uses_train_scores(self) -> bool:
        """Whether the extrapolation read the training-set scores (the meta-model with
        train-score features; ``"meta"`` and ``"blend"`` only)."""
        return self._meta is not None and bool(self._meta.with_train)

    @property
    def meta_model(self) -> str | None:
        """Which meta-model extrapolated the curve: ``"network"`` (learned on LCDB and
        datacurve's deep-learning corpus, for neural networks), ``"classical"`` (learned on
        LCDB), ``"given"`` (passed as ``meta_model``); None when no meta-model was used
        (``"average"`` or a single family)."""
        return None if self._meta is None else str(self._meta.source)

    def _average_error(self, n: np.ndarray) -> np.ndarray:
        return weighted_error(self.fits, self.weights, n)

    # -- public API ----------------------------------------------------------------
    @overload
    def predict(self, n: float) -> float: ...
    @overload
    def predict(self, n: np.ndarray) -> np.ndarray: ...
    def predict(self, n: float | np.ndarray) -> float | np.ndarray:
        """Predicted score at training-set size(s) `n`.

        Parameters
        ----------
        n : float or ndarray of shape (k,)

        Returns
        -------
        float or ndarray of shape (k,)
        """
        return self._quantile(n, 0.5)

    def interval(self, n: float | np.ndarray, level: float = 0.8
                 ) -> tuple[float, float] | tuple[np.ndarray, np.ndarray]:
        """Central prediction interval of the score at `n` with coverage `level`.

        Returns
        -------
        (low, high) : floats, or ndarrays of shape (k,) for an array `n`
        """
        level = _check_level(level)
        worse = self._quantile(n, (1 - level) / 2)
        better = self._quantile(n, (1 + level) / 2)
        lo, hi = np.minimum(worse, better), np.maximum(worse, better)
        if np.ndim(n) == 0:
            return float(lo), float(hi)
        return lo, hi

    @property
    def asymptote(self) -> float:
        """The score the curve tends to as n → ∞."""
        return float(self._quantile(1e15, 0.5))

    def gain(self, n: float, n_new: float) -> float:
        """Metric gained by growing the training set from `n` to `n_new` (natural units,
        positive when the metric improves)."""
        a, b = float(self.predict(float(n))), float(self.predict(float(n_new)))
        return b - a if self.higher_is_better else a - b

    def size_for(self, target: float) -> float:
        """Smallest training-set size where the predicted score reaches `target`;
        ``math.inf`` when the curve never gets there."""
        return self._size_for_quantile(self._check_target(target), 0.5)

    def size_interval(self, target: float, level: float = 0.8) -> tuple[float, float]:
        """Interval of the size needed to reach `target`: the optimistic end is where the
        upper score quantile reaches it, the pessimistic end where the lower one does
        (``math.inf`` when that quantile never reaches it)."""
        target = self._check_target(target)
        level = _check_level(level)
        # _quantile's q orders outcomes from worse to better, whatever the orientation.
        lo = self._size_for_quantile(target, (1 + level) / 2)
        hi = self._size_for_quantile(target, (1 - level) / 2)
        # Sizes already measured whose mean score misses the target bound the optimistic
        # end from below.
        lo = max(lo, self.measured_floor(target))
        return lo, max(hi, lo)

    def measured_floor(self, target: float) -> float:
        """The largest measured size whose mean score misses `target` (0 when every
        measured size reaches it): the measurements say more than that is needed."""
        target = self._check_target(target)
        u, means, _, _ = size_means(self.sizes, self.scores)
        missed = u[(means < target) if self.higher_is_better else (means > target)]
        return float(missed.max()) if missed.size else 0.0

    def measured_ceiling(self, target: float) -> float:
        """The smallest measured size from which every measured size's mean score reaches
        `target` (``math.inf`` when the largest misses it): the measurements say no more
        than that is needed."""
        target = self._check_target(target)
        u, means, _, _ = size_means(self.sizes, self.scores)
        reach = (means >= target) if self.higher_is_better else (means <= target)
        if not reach[-1]:
            return math.inf
        missed = np.flatnonzero(~reach)
        return float(u[missed[-1] + 1] if missed.size else u[0])

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (method, family, weights, asymptote, whether train scores
        were used, which meta-model, the other models' evidence, notes)."""
        ev = self.evidence
        return {
            "method": self.method,
            "family": self.family,
            "weights": {k: round(v, 4) for k, v in self.weights.items() if v > 0},
            "asymptote": _finite_or_none(self.asymptote),
            "higher_is_better": self.higher_is_better,
            "range": [_finite_or_none(self.lower), _finite_or_none(self.upper)],
            "n_observed": int(self.sizes.size),
            "largest_size": int(self.n_last),
            "noise": self.noise,
            "uses_train_scores": self.uses_train_scores,
            "meta_model": self.meta_model,
            "evidence": None if ev is None else {
                "models": list(ev.models), "alpha": ev.alpha, "narrow": ev.narrow,
                "up_to_size": round(float(ev.sizes[-1])),
                "score_shift": float(self.evidence_shift(ev.sizes[-1]))},
            "notes": list(self.notes),
        }

    def evidence_shift(self, n: float) -> float:
        """How much the other models' evidence moved the predicted score at `n` (natural
        units; positive when it raised a higher-is-better score); 0 without evidence."""
        if self.evidence is None:
            return 0.0
        return float(self.predict(float(n))
                     - replace(self, evidence=None).predict(float(n)))

    def __repr__(self) -> str:
        """One line: method, family, the measured sizes, asymptote, noise and how many
        notes (not the observations nor every family's weight)."""
        try:
            asym = f"{self.asymptote:.4g}"
        except Exception:
            asym = "?"
        notes = f", notes={len(self.notes)}" if self.notes else ""
        return (f"LearningCurve(method={self.method!r}, family={self.family!r}, "
                f"sizes={short_sizes(np.unique(self.sizes))}, asymptote={asym}, "
                f"noise={self.noise:.3g}, higher_is_better={self.higher_is_better}{notes})")

    def _repr_html_(self) -> str | None:
        """Jupyter display: the curve's plot and numbers (rendered by the report room)."""
        return _hooks.html(self)

    # -- internals -------------------------------------------------------------------
    def _check_target(self, target: float) -> float:
        t = float(target)
        if not math.isfinite(t) or not self.lower <= t <= self.upper:
            raise InputError("target", f"a finite value within the metric's range "
                             f"[{self.lower:g}, {self.upper:g}]", repr(target))
        return t

    def _quantile(self, n: float | np.ndarray, q: float) -> float | np.ndarray:
        """Score at `n` at quantile `q` of the outcome, ordered from worse to better
        (q = 0.9: only 10 % of outcomes are better), in natural units."""
        scalar = np.ndim(n) == 0
        nn = np.atleast_1d(np.asarray(n, dtype=np.float64))
        if np.any(~np.isfinite(nn) & ~np.isposinf(nn)) or np.any(nn <= 0):
            raise InputError("n", "positive training-set sizes", repr(n))
        nn = np.minimum(nn, 1e15)
        e = self._error_quantile(nn, q)
        ev = self.evidence
        if ev is not None:
            if q != 0.5 and ev.narrow != 1.0:
                mid = self._error_quantile(nn, 0.5)
                e = np.where(nn > ev.sizes[0], mid + ev.narrow * (e - mid), e)
            e = e + ev.at(nn)
        s = self._to_score(np.maximum(e, 0.0))
        return float(s[0]) if scalar else s

    def _error_quantile(self, nn: np.ndarray, q: float) -> np.ndarray:
        """Error-space quantile `q` at sizes `nn` (shape (k,)) before any evidence."""
        if self._meta is not None and self.method == "meta":
            e = self._meta.error_quantile(self, nn, q)
        else:
            e = self._average_error(nn)
            if q != 0.5:
                e = e - float(ndtri(q)) * self._spread(nn)
            if self._meta is not None:  # "blend": the mean of the two quantile curves
                e = 0.5 * (e + self._meta.error_quantile(self, nn, q))
        return np.asarray(e * self._anchor_factor(nn))

    def _spread(self, n: np.ndarray) -> np.ndarray:
        """Standard deviation of the error-space prediction at `n` (``average``)."""
        log_grid, spread = self._disagreement
        between = np.interp(np.log(np.maximum(n, self.n_last)), log_grid, spread)
        dist = np.maximum(np.log(n / self.n_last), 0.0)
        k = max(np.unique(self.sizes).size, 1)
        # Noise of the curve's level at the last size, growing with the log-distance of
        # the extrapolation; family disagreement adds model uncertainty. The factors are
        # calibrated on the LCDB benchmark (bench/extrapolation.py).
        level_sd = self.noise / math.sqrt(k) * (1.0 + _AVG_DIST * dist)
        # Inside the measured range the data pin the curve; family disagreement only
        # counts where the curve is extrapolated.
        between = np.where(n > self.n_last, between, 0.0)
        return np.asarray(np.sqrt(level_sd**2 + (_AVG_BETWEEN * between) ** 2
                                  + (_AVG_SCALE * dist * self._recent_slope()) ** 2))

    @functools.cached_property
    def _disagreement(self) -> tuple[np.ndarray, np.ndarray]:
        """Family disagreement (weighted standard deviation of their errors) on a grid
        from n_last outwards, made non-decreasing with distance (families can cross, but
        what was uncertain nearer stays uncertain). Computed once per curve: size_for
        evaluates the spread many times. Returns log sizes and spreads, shape (G,)."""
        grid = self.n_last * 2.0 ** np.arange(0.0, 51.0, 0.25)
        preds = np.array([self.fits[k].predict_error(grid) for k, w in self.weights.items()
                          if w > 0])
        ws = np.array([w for w in self.weights.values() if w > 0])
        mean = ws @ preds
        spread = np.maximum.accumulate(np.sqrt(np.maximum(ws @ (preds - mean) ** 2, 0.0)))
        return np.log(grid), spread

    def _recent_slope(self) -> float:
        u = np.unique(self.sizes)
        if u.size < 2:
            return 0.0
        e = self._average_error(u[-2:])
        return float(abs(e[0] - e[1]) / math.log(u[-1] / u[-2]))

    def _size_for_quantile(self, target: float, q: float) -> float:
        goal = float(self._to_error(target))
        lo, hi = 1.0, 1e15

        def err(n: np.ndarray) -> np.ndarray:
            return self._to_error(self._quantile(n, q))

        e_hi = float(err(np.array([hi]))[0])
        if e_hi > goal + 1e-12:
            return math.inf
        e_lo = float(err(np.array([lo]))[0])
        if e_lo <= goal:
            return lo
        # Bisection in log n, vectorised: 64 candidates per round narrow the bracket
        # 64-fold; seven rounds give a relative precision far below one sample.
        a, b = math.log(lo), math.log(hi)
        for _ in range(7):
            grid = np.linspace(a, b, 65)
            vals = err(np.exp(grid))
            i = int(np.argmax(vals <= goal))  # first grid point that reaches the goal
            a, b = grid[max(i - 1, 0)], grid[i]
        return float(math.ceil(math.exp(b) - 1e-9))


_AVG_DIST = 0.5
_AVG_BETWEEN = 1.5
_AVG_SCALE = 0.5


def _finite_or_none(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


def _check_level(level: float) -> float:
    lv = float(level)
    if not 0.0 < lv < 1.0:
        raise InputError("level", "a coverage strictly between 0 and 1", repr(level))
    return lv


def _validate(sizes: Any, scores: Any, lower: float, upper: float, train_scores: Any = None
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Sizes, scores and train scores (or None) as float arrays of shape (m,), sorted by
    size; raises `InputError` naming the bad argument."""
    try:
        n = np.asarray(sizes, dtype=np.float64).ravel()
    except (TypeError, ValueError):
        raise InputError("sizes", "numbers", repr(sizes)[:80]) from None
    try:
        s = np.asarray(scores, dtype=np.float64).ravel()
    except (TypeError, ValueError):
        raise InputError("scores", "numbers", repr(scores)[:80]) from None
    if n.size != s.size:
        raise InputError("scores", f"one score per size ({n.size})", f"{s.size} scores")
    if not np.all(np.isfinite(n)) or np.any(n <= 0):
        bad = n[~np.isfinite(n) | (n <= 0)][0]
        raise InputError("sizes", "positive finite training-set sizes", repr(float(bad)))
    if not np.all(np.isfinite(s)):
        raise InputError("scores", "finite values", f"{int((~np.isfinite(s)).sum())} "
                         "non-finite (NaN or inf)")
    out = (s < lower) | (s > upper)
    if np.any(out):
        raise InputError("scores", f"values within the metric's range [{lower:g}, {upper:g}]",
                         repr(float(s[out][0])))
    distinct = np.unique(n).size
    if distinct < _MIN_DISTINCT:
        raise InputError("sizes", f"at least {_MIN_DISTINCT} distinct training-set sizes",
                         str(distinct))
    t = (None if train_scores is None
         else _validate_train(train_scores, np.shape(scores), lower, upper))
    order = np.argsort(n, kind="stable")
    return n[order], s[order], None if t is None else t[order]


def _validate_train(train_scores: Any, shape: tuple[int, ...], lower: float,
                    upper: float) -> np.ndarray:
    """`train_scores` (the shape of the scores, `shape`) as floats of shape (m,); NaN
    (not recorded) allowed."""
    try:
        t = np.asarray(train_scores, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError("train_scores", "numbers (NaN where not recorded)",
                         repr(train_scores)[:80]) from None
    if t.shape != shape:
        raise InputError("train_scores", f"the shape of scores {shape} (NaN where not "
                         "recorded)", f"shape {t.shape}")
    t = t.ravel()
    if np.any(np.isinf(t)):
        raise InputError("train_scores", "finite values or NaN (not recorded)",
                         f"{int(np.isinf(t).sum())} infinite")
    out = (t < lower) | (t > upper)  # False for NaN
    if np.any(out):
        raise InputError("train_scores",
                         f"values within the metric's range [{lower:g}, {upper:g}]",
                         repr(float(t[out][0])))
    return t


def _size_spread(n: np.ndarray, e: np.ndarray) -> np.ndarray:
    """Standard deviation across seeds at each distinct size, shape (k,) (NaN where a
    size was measured once)."""
    _, means, counts, inv = size_means(n, e)
    ss = np.bincount(inv, weights=(e - means[inv]) ** 2)
    return np.where(counts > 1, np.sqrt(ss / np.maximum(counts - 1, 1)), np.nan)


def _seed_noise(n: np.ndarray, e: np.ndarray) -> float | None:
    """The median seed spread over the larger half of the sizes measured more than once
    (robust to one collapsed seed at a tiny size, which a pooled spread is not); None
    when no size repeats."""
    sd = _size_spread(n, e)
    rep = np.flatnonzero(np.isfinite(sd))
    return float(np.median(sd[rep[rep.size // 2:]])) if rep.size else None


def _noise(n: np.ndarray, e: np.ndarray, fit: FamilyFit) -> float:
    """Per-observation noise near the end of the curve: the seed spread (`_seed_noise`)
    when sizes repeat, else the robust scale of the residuals of the best fit."""
    seeds = _seed_noise(n, e)
    if seeds is not None:
        return seeds
    r = fit.residuals
    return float(1.4826 * np.median(np.abs(r - np.median(r)))) if r.size else 0.0


def _seed_weights(n: np.ndarray, e: np.ndarray) -> np.ndarray:
    """(m,) weights in (0, 1] that down-weight sizes whose seeds scatter more than the
    curve's noise (``noise**2 / spread**2``, `_seed_noise`): heteroscedastic fitting, so
    a size with a collapsed seed pulls the curve less. Ones when no size repeats."""
    sd = _size_spread(n, e)
    noise = _seed_noise(n, e)
    if noise is None or noise <= 0:
        return np.ones_like(e)
    _, _, _, inv = size_means(n, e)
    spread = np.where(np.isfinite(sd), sd, noise)[inv]
    return np.asarray(noise**2 / np.maximum(spread, noise) ** 2)


def _anchor(curve: LearningCurve, n: np.ndarray, e: np.ndarray
            ) -> tuple[tuple[float, float, float], str | None]:
    """How to scale the fitted error so that the curve lies within the measurements'
    uncertainty at the largest size (two standard errors of its mean, with the seed
    spread there never taken below the curve's noise): the factor, where it starts, and
    a note.

    Below the largest size the factor fades in linearly in log n from the smallest size,
    so the small sizes keep their fit; where that would make the curve rise with n, it
    applies at every size. Monotone either way, and the same for every quantile, so the
    extrapolation and its interval start from the measured level."""
    u, means, counts, _ = size_means(n, e)
    top = float(u[-1])
    sd = _size_spread(n, e)[-1]
    se = max(float(np.nan_to_num(sd)), curve.noise) / math.sqrt(float(counts[-1]))
    fitted = float(curve._to_error(curve._quantile(top, 0.5)))
    measured = float(means[-1])
    # Two standard errors, and never less than 0.5 % of the error there: noise-free
    # scores are not refitted for a difference in the fourth digit.
    band = max(2.0 * se, 0.005 * abs(measured))
    goal = measured + float(np.clip(fitted - measured, -band, band))
    if fitted <= 1e-12 or abs(goal - fitted) <= 1e-12 * max(fitted, 1.0):
        return (1.0, math.nan, math.nan), None
    factor = float(np.clip(goal / fitted, 0.02, 50.0))
    start = float(u[0])
    if start < top and factor > 1.0:
        grid = np.geomspace(start, top, 64)
        ramp = replace(curve, anchor=(factor, start, top))
        if np.any(np.diff(ramp._to_error(ramp._quantile(grid, 0.5))) > 1e-12):
            start = top  # the ramp would make the curve rise: scale every size
    note = (f"the fitted curve gave {curve._to_score(np.array([fitted]))[0]:.4g} at "
            f"n={top:,.0f}, where the measurements give "
            f"{curve._to_score(np.array([measured]))[0]:.4g} ± {se:.2g}: anchored to "
            "lie within their uncertainty there")
    return (factor, start, top), note


def _holdout_weights(n: np.ndarray, e: np.ndarray, w: np.ndarray,
                     names: tuple[str, ...], noise: float) -> dict[str, float]:
    """Weights from forecasting the last observed sizes: each family is refitted without
    the largest (1 or 2) distinct sizes and scored on them; weights are a softmax of the
    forecast error relative to its median across families."""
    u = np.unique(n)
    hold = 2 if u.size >= 6 else 1
    cut = u[-hold - 1]
    train = n <= cut
    test = ~train
    errs = {}
    for name in names:
        f = fit_family(FAMILIES[name], n[train], e[train], w[train], robust=False,
                       polish=False)
        errs[name] = float(np.sqrt(np.mean((f.predict_error(n[test]) - e[test]) ** 2)))
    vals = np.array(list(errs.values()))
    scale = max(float(np.median(vals)), noise, 1e-6)
    logits = -((vals / scale) ** 2)
    p = np.exp(logits - logits.max())
    p /= p.sum()
    return {k: float(v) for k, v in zip(errs, p, strict=True)}


def _no_acceleration(n: np.ndarray, fits: dict[str, FamilyFit],
                     weights: dict[str, float], noise: float) -> dict[str, float]:
    """Drop from the average the families whose first doubling beyond the data gains
    more than twice their last doubling inside it (plus twice the noise): a flat measured
    curve followed by a cliff (exp4/wbl4 can place one just past the last size) is a fit
    of noise, not a forecast. Left unchanged when it would drop every family."""
    top = float(n.max())
    grid = np.array([top / 2, top, 2 * top])
    keep = {}
    for k, wt in weights.items():
        e = fits[k].predict_error(grid)
        inside, outside = float(e[0] - e[1]), float(e[1] - e[2])
        keep[k] = wt if outside <= 2.0 * max(inside, 0.0) + 2.0 * noise else 0.0
    total = sum(keep.values())
    if total <= 0:
        return weights
    return {k: v / total for k, v in keep.items()}


def _bic_weights(n: np.ndarray, fits: dict[str, FamilyFit],
                 names: tuple[str, ...]) -> dict[str, float]:
    """Akaike-style weights from the Bayesian information criterion of each fit."""
    m = n.size
    bic = np.array([m * math.log(max(fits[k].sse / m, 1e-300)) + fits[k].family.n_params
                    * math.log(m) for k in names])
    p = np.exp(-(bic - bic.min()) / 2)
    p /= p.sum()
    return {k: float(v) for k, v in zip(names, p, strict=True)}


def _pick_meta(meta_model: Any, with_train: bool,
               network: bool = False) -> tuple[TreeEnsembles | None, str]:
    """The meta-model to use and where it came from.

    The shipped one (`load_meta`: for neural networks when `network` and its file is
    there, else the classical one) or the one among `meta_model` (a `TreeEnsembles` or a
    sequence of them) whose features fit; the model with the train-score features only
    when `with_train`, else (or when it is missing) the one without. The source is
    ``"network"``, ``"classical"`` or ``"given"``; the model None when none fits."""
    if meta_model is None:
        if network:
            found = (load_meta(with_train=True, network=True) if with_train else None
                     ) or load_meta(network=True)
            if found is not None:
                return found, "network"
        return ((load_meta(with_train=True) if with_train else None) or load_meta(),
                "classical")
    given = [meta_model] if isinstance(meta_model, TreeEnsembles) else list(meta_model)
    for m in given:
        if not isinstance(m, TreeEnsembles):
            raise InputError("meta_model", "a TreeEnsembles or a sequence of them",
                             type(m).__name__)
        if list(m.features) not in (feature_names(), feature_names(with_train=True)):
            raise InputError("meta_model", "ensembles with the features of feature_names()",
                             f"{len(m.features)} other features")
    by_kind = {m.with_train: m for m in given}
    return by_kind.get(with_train) or by_kind.get(False), "given"


def fit_learning_curve(sizes: Any, scores: Any, *, train_scores: Any = None,
                       higher_is_better: bool = True,
                       lower: float | None = None, upper: float | None = None,
                       method: str = "auto",
                       families: tuple[str, ...] | None = None,
                       meta_model: Any = None, network: bool = False) -> LearningCurve:
    """Fit a learning curve to scores measured at several training-set sizes.

    Parameters
    ----------
    sizes : array-like of shape (m,)
        Training-set sizes; may repeat (one entry per seed).
    scores : array-like of shape (m,)
        Metric values in natural units.
    train_scores : array-like of shape (m,), optional
        The same metric on each model's own training set (same units and orientation as
        `scores`; NaN where not recorded). When recorded at the last three distinct sizes,
        ``"meta"`` and ``"blend"`` use the meta-model that also reads the training curve
        (how far it sits above the validation curve and how both move); otherwise, and
        for the other methods, they are ignored. See `LearningCurve.uses_train_scores`.
    higher_is_better : bool
        Orientation of the metric (accuracy: True; error, log-loss, RMSE: False).
    lower, upper : float, optional
        The metric's range. Default [0, 1] when `higher_is_better`, [0, inf) otherwise.
    method : {"auto", "blend", "meta", "average"} or a family name
        ``"auto"`` uses ``"blend"`` for metrics ranging over [0, 1] and ``"average"``
        otherwise.
    families : tuple of str, optional
        Families to fit (default `DEFAULT_FAMILIES`).
    meta_model : TreeEnsembles or sequence of TreeEnsembles, optional
        Meta-models to use instead of the shipped ones: one without train-score features
        and, optionally, one with them (benchmarks pass models trained without the
        datasets they are scored on).
    network : bool
        Whether the scores are a neural network's (datacurve's ``mlp`` and ``cnn``, or
        your own torch module). ``"meta"`` and ``"blend"`` then use the shipped
        meta-model learned on LCDB and datacurve's corpus of deep-learning curves
        (``meta_dl.npz``) instead of the one learned on LCDB's classical learners; see
        `LearningCurve.meta_model`. `fit_model_curve` sets it from the model's name.

    Returns
    -------
    LearningCurve

    Examples
    --------
    >>> import numpy as np
    >>> n = np.array([64, 128, 256, 512, 1024])
    >>> fit = fit_learning_curve(n, 0.9 - 0.8 * n ** -0.5)
    >>> round(fit.predict(8192), 2)
    0.89
    """
    lo = float(lower) if lower is not None else 0.0
    hi = float(upper) if upper is not None else (1.0 if higher_is_better else math.inf)
    if not lo < hi:
        raise InputError("lower/upper", "lower < upper", f"[{lo:g}, {hi:g}]")
    best = hi if higher_is_better else lo
    if not math.isfinite(best):
        raise InputError("upper" if higher_is_better else "lower",
                         "a finite best value of the metric", repr(best))
    n, s, t = _validate(sizes, scores, lo, hi, train_scores)
    names = tuple(families) if families is not None else DEFAULT_FAMILIES
    unknown = [f for f in names if f not in FAMILIES]
    if unknown:
        raise InputError("families", f"names among {sorted(FAMILIES)}", repr(unknown[0]))
    valid_methods = {"auto", "blend", "meta", "average", *FAMILIES}
    if method not in valid_methods:
        raise InputError("method", "'auto', 'blend', 'meta', 'average' or a family name",
                         repr(method))
    e = best - s if higher_is_better else s - best
    e_train = None if t is None else (best - t if higher_is_better else t - best)
    # Later sizes say more about where the curve is going; sizes whose seeds scatter
    # more than the curve's noise say less (heteroscedastic weights).
    w = n / n.max() * _seed_weights(n, e)
    notes: list[str] = []
    bounded01 = lo == 0.0 and hi == 1.0
    if method == "auto":
        method = "blend" if bounded01 else "average"
    # Fit the families averaged, the one asked for by name, and the meta-model's inputs.
    fitted = [*names, *([method] if method in FAMILIES else []),
              *(META_FAMILIES if method in ("meta", "blend") else [])]
    fits = {name: fit_family(FAMILIES[name], n, e, w) for name in dict.fromkeys(fitted)}
    ref = fits["pow4"] if "pow4" in fits else next(iter(fits.values()))
    noise = _noise(n, e, ref)
    meta = None
    if method in FAMILIES:
        weights = {method: 1.0}
    elif method == "average":
        weights = _holdout_weights(n, e, w, names, noise)
    else:  # "meta" or "blend"
        with_train = train_available(n, e_train)
        model, source = _pick_meta(meta_model, with_train, network)
        if not bounded01 or model is None:
            notes.append("meta correction needs a metric ranging over [0, 1]; used the "
                         "weighted family average" if not bounded01 else
                         "meta-model file missing; used the weighted family average")
            method = "average"
            weights = _holdout_weights(n, e, w, names, noise)
        else:
            # The meta-model does the extrapolating; its family average only carries the
            # curve inside the measured range and past the last learned horizon, where
            # in-sample fit (BIC weights) is what matters and no refits are needed.
            bic = _bic_weights(n, fits, names)
            meta = replace(MetaCorrection.build(model, n, e, fits, bic, e_train),
                           source=source)
            if e_train is not None and np.isfinite(e_train).any() and not meta.with_train:
                notes.append("train scores ignored: they are needed at each of the last "
                             "three sizes" if not with_train else
                             "no meta-model with train-score features; used the one "
                             "without")
            weights = bic if method == "meta" else _holdout_weights(n, e, w, names, noise)
    if method not in FAMILIES:
        weights = _no_acceleration(n, fits, weights, noise)
    top = max(weights, key=lambda k: weights[k])
    ends = weighted_error(fits, weights, np.array([n.min(), n.max()]))
    if float(ends[0] - ends[1]) <= max(0.05 * float(np.ptp(e)), 1e-12):
        notes.append("no family found the scores rising with data (they are flat or "
                     "falling); the curve stays at the measured level")
    curve = LearningCurve(method=method, family=top, weights=weights, fits=fits,
                          notes=tuple(notes), sizes=n, scores=s,
                          higher_is_better=higher_is_better, lower=lo, upper=hi,
                          noise=noise, _meta=meta)
    anchor, note = _anchor(curve, n, e)
    if note is None:
        return curve
    return replace(curve, anchor=anchor, notes=(*curve.notes, note))


def correct_with_others(curve: LearningCurve,
                        others: dict[str, tuple[LearningCurve, Any, Any]],
                        alpha: float = EVIDENCE_ALPHA,
                        narrow: float | None = None) -> LearningCurve:
    """Shift a curve's extrapolation by the error other models made on the same data.

    Each other model was measured beyond `curve`'s largest size; its own curve, fitted
    only to its sizes up to that size, foresaw its scores there with some residual
    (measured minus foreseen, in error space). Models trained on the same data tend to
    err the same way (the data's curve bends where no fit could tell), so `curve` is
    shifted by `alpha` times the median residual, linear in log n from 0 at its largest
    size to the others' sizes and constant beyond; every quantile moves alike.

    Parameters
    ----------
    curve : LearningCurve
        The curve to correct.
    others : dict
        Model name → ``(fit, sizes, scores)``: that model's curve fitted to its
        observations at sizes ≤ ``curve.n_last`` (same metric), and all its observations
        (arrays of shape (m,), sizes repeating per seed). Models with no size beyond
        ``curve.n_last`` are skipped.
    alpha : float
        Share of the median residual applied (`EVIDENCE_ALPHA`).
    narrow : float, optional
        Factor on every quantile's distance from the median beyond ``curve.n_last``, in
        (0, 1]; default `EVIDENCE_NARROW` of ``curve.meta_model`` (1 when not listed).

    Returns
    -------
    LearningCurve
        `curve` with `LearningCurve.evidence` set and a note, or `curve` itself when no
        other model reaches beyond it.
    """
    if not 0.0 <= float(alpha) <= 1.0:
        raise InputError("alpha", "a share between 0 and 1", repr(alpha))
    if narrow is None:
        narrow = EVIDENCE_NARROW.get(curve.meta_model or "", 1.0)
    if not 0.0 < float(narrow) <= 1.0:
        raise InputError("narrow", "a factor in (0, 1]", repr(narrow))
    last = curve.n_last
    paths: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    measured: dict[str, np.ndarray] = {}
    for name, (fit, sizes, scores) in others.items():
        if fit.n_last > last or fit.higher_is_better != curve.higher_is_better:
            raise InputError(f"others[{name!r}]", f"a curve fitted to sizes <= {last:g} "
                             "of the same metric", f"largest size {fit.n_last:g}")
        u, means, _, _ = size_means(np.asarray(sizes, np.float64),
                                    np.asarray(scores, np.float64))
        beyond = u > last
        if beyond.any():
            resid = fit._to_error(means[beyond]) - fit._to_error(fit.predict(u[beyond]))
            paths[name] = (np.log(u[beyond]), resid)
            measured[name] = u[beyond]
    if not paths:
        return curve
    sizes_at = np.unique(np.concatenate([[last], *measured.values()]))
    grid = np.log(sizes_at)
    # Each model's residual path: 0 where its fit ends, its residuals where measured,
    # held beyond its largest size; their median at every grid size.
    shift = float(alpha) * np.median(
        [np.interp(grid, np.r_[math.log(last), g], np.r_[0.0, r]) for g, r in paths.values()],
        axis=0)
    ev = Evidence(models=tuple(paths), sizes=sizes_at, shift=shift, alpha=float(alpha),
                  narrow=float(narrow))
    out = replace(curve, evidence=ev)
    top = float(ev.sizes[-1])
    note = (f"shifted by {out.evidence_shift(top):+.4g} at {top:,.0f} from the residuals of "
            f"{len(paths)} other model{'s' if len(paths) > 1 else ''} measured beyond "
            f"{last:,.0f} ({', '.join(paths)}; {alpha:g} × their median)")
    return replace(out, notes=(*curve.notes, note))
