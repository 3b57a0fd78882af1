"""``exact_duplicate`` and ``near_duplicate``: examples that repeat others.

``exact_duplicate`` groups examples with identical features (`AuditContext.row_groups`)
and flags every member of a group of two or more, pairing each with its group's first
member.

``near_duplicate`` flags two examples as near duplicates when their distance in
`AuditContext.embeddings` is at most a *radius*, the larger of

* cleanlab Datalab's fixed rule, `threshold` times the *scale* of the data, the median
  distance from an example to its nearest other example (cleanlab's default `threshold`
  0.13). The scale is taken over the examples that have no exact copy, so that a
  dataset full of copies does not shrink it to zero (cleanlab takes it over all
  examples);
* with `adaptive` (the default), the top of a distinct *low mode* of those
  nearest-neighbour distances (`low_mode_radius`): copies made under noise sit at
  one small distance from their source, far below the bulk of the data but not always
  below the fixed fraction (8×8 digits copied under pixel noise of σ = 0.3 on the 0–16
  scale sit at 0.10–0.19 × the scale, where cleanlab's rule finds 2–4 of 60). The mode
  must lie below `MAX_FRACTION` of the scale, be separated from the bulk by an empty
  gap, hold far more examples than the bulk's own lower tail predicts, and be made of
  small groups (`near_duplicate_low_mode`); without such a mode the fixed rule alone
  applies (as on 420 simulated data sets without copies, 1 to 64 dimensions, tight and
  loose clusters, and on scikit-learn's digits, iris, wine and breast cancer).

Candidates are each example's `k` nearest neighbours (`AuditContext.knn`); exact
duplicates are near duplicates too (their pairs are added from `row_groups` even when a
group is larger than `k`). An example's score is cleanlab's ``1 - exp(-d / scale)`` of
its distance ``d`` to its nearest other example (0 for an exact copy), so an example is
flagged exactly when its score is at most ``1 - exp(-radius / scale)`` (0.12 with the
fixed rule alone).

Notation: n examples, p pairs, g exact-duplicate groups.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import gammainc

from datacurve._errors import InputError
from datacurve.auditing._base import Check, CheckResult, register
from datacurve.auditing._context import AuditContext

__all__ = ["GROUP_K", "MAX_FRACTION", "MAX_PARTNERS", "MIN_EXAMPLES", "MIN_GAP",
           "MODE_P_VALUE", "THRESHOLD", "ExactDuplicate", "K", "NearDuplicate", "duplicate_pairs",
           "low_mode_radius", "near_duplicate_low_mode", "near_duplicate_radius",
           "near_duplicate_scale", "near_duplicate_scores"]

THRESHOLD = 0.13
"""Near duplicates lie within at least this fraction of the median nearest-neighbour
distance (cleanlab Datalab's default, the floor of the radius)."""

MAX_FRACTION = 0.3
"""A low mode of nearest-neighbour distances counts only when all of it lies within this
fraction of the median (the adaptive radius never exceeds it): an example at a third of
the typical distance to its neighbour is close, not (almost) on top of it. On
scikit-learn's digits the closest genuine pair sits at 0.33."""

MIN_GAP = 1.25
"""The empty gap above a low mode: its closest example beyond is at least this many
times farther than its farthest member."""

MODE_P_VALUE = 1e-6
"""A low mode must be this improbable (Poisson tail) as the lower tail of the bulk."""

MIN_EXAMPLES = 200
"""Examples (without exact copies) needed before the lower tail is modelled; below, the
fixed rule alone applies."""

MAX_PARTNERS = 8
"""Copies come in small groups: at the median, a member of a low mode has at most this
many of its `GROUP_K` nearest neighbours within the radius (a source with up to 8 copies
passes; in a dense region all of them are within)."""

GROUP_K = 10
"""Neighbours looked at to tell small groups of copies from a dense region."""

_TAIL = (0.05, 0.5)
"""Quantiles of the bulk's nearest-neighbour distances its lower tail is fitted through."""

_MIN_ANCHOR = 10
"""The lower quantile of `_TAIL` lies at least this many examples into the bulk."""

K = 10
"""Nearest neighbours searched per example for near duplicates (cleanlab's default)."""

_EPSILON = 1e-12
"""Smallest scale, so that a dataset of identical points still has a finite one."""


def duplicate_pairs(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Who shares a code with another example, and each one paired with its group's first.

    Parameters
    ----------
    codes : ndarray of shape (n,), int
        Group codes ``0..g-1`` (e.g. `AuditContext.row_groups`).

    Returns
    -------
    in_group : ndarray of shape (n,), bool
        Members of groups of two or more.
    pairs : ndarray of shape (p, 2), int64
        ``(first member, member)`` for every other member, so ``i < j``.
    """
    codes = np.asarray(codes, dtype=np.int64)
    idx = np.arange(codes.size)
    _, first_of_code, inverse, sizes = np.unique(codes, return_index=True,
                                                 return_inverse=True, return_counts=True)
    inverse = inverse.ravel()
    in_group = sizes[inverse] >= 2
    first = first_of_code[inverse]
    other = in_group & (idx != first)
    pairs = np.column_stack([first[other], idx[other]]).astype(np.int64)
    return in_group, pairs.reshape(-1, 2)


def near_duplicate_scale(ctx: AuditContext) -> float:
    """The median distance from an example to its nearest other example in the
    embeddings, over the examples with no exact copy (all of them when every example
    has one, or without raw features); at least 1e-12. Cached in `ctx`, shared by the
    near-duplicate and leakage checks."""
    return float(ctx.cached("near_duplicate_scale", lambda: _scale(ctx)))


def _scale(ctx: AuditContext) -> float:
    dist, _ = ctx.knn(1)
    d1 = dist[:, 0].astype(np.float64)
    usable = np.isfinite(d1)
    if ctx.X is not None:
        single, _ = duplicate_pairs(ctx.row_groups())
        if (usable & ~single).any():
            usable &= ~single
    if not usable.any():
        return _EPSILON
    return max(float(np.median(d1[usable])), _EPSILON)


def low_mode_radius(distance: np.ndarray, scale: float) -> float:
    """The radius around a distinct low mode of nearest-neighbour distances, or NaN.

    Hand-written because no library offers it: cleanlab stops at the fixed fraction,
    and generic mode finders (kernel densities, Gaussian mixtures, dip tests) neither
    know the shape of the lower tail of nearest-neighbour distances nor say where a
    mode of copies ends. On log distances sorted ascending, every cut below the median
    with an empty gap above it (the next distance at least `MIN_GAP` times the last
    below), whose examples below all lie within `MAX_FRACTION` × `scale`, is a
    candidate low mode of ``c`` examples. The bulk above the cut has a lower tail that
    follows nearest-neighbour theory, a Weibull law ``F(d) = 1 - exp(-(d / λ)^D)`` (D:
    the data's local dimension): it is fitted through two of the bulk's quantiles
    (`_TAIL`), and its extrapolation gives the number ``E`` of examples the bulk alone
    would put below the gap. A candidate is a mode when ``c`` is improbable under a
    Poisson law of mean ``E``: ``P(X >= c/2 | E/2) <= MODE_P_VALUE``, counted in pairs
    because a close pair contributes two equal distances. The highest such cut wins,
    and the radius is the gap's geometric midpoint (at most ``MAX_FRACTION * scale``).

    Parameters
    ----------
    distance : ndarray of shape (n,)
        Each example's distance to its nearest other example; values that are not finite
        and positive (exact copies, lone examples) are left out.
    scale : float
        `near_duplicate_scale`.

    Returns
    -------
    float
        NaN when there is no such mode or fewer than `MIN_EXAMPLES` distances.
    """
    # Hand-written (no library finds a low mode of nearest-neighbour distances).
    d = np.asarray(distance, dtype=np.float64).ravel()
    d = d[np.isfinite(d) & (d > 0)]
    m = d.size
    if m < MIN_EXAMPLES or not scale > 0:
        return math.nan
    logd = np.sort(np.log(d))                                                      # (m,)
    c = np.arange(2, m // 2)                   # examples below each candidate cut
    below, above = logd[c - 1], logd[c]        # the gap's lower and upper edges
    ok = (above - below >= math.log(MIN_GAP)) & (below <= math.log(MAX_FRACTION * scale))
    if not ok.any():
        return math.nan
    c, below, above = c[ok], below[ok], above[ok]
    bulk = m - c
    p_lo = np.maximum(_TAIL[0], _MIN_ANCHOR / bulk)
    log_lo = logd[c + np.floor(p_lo * (bulk - 1)).astype(np.int64)]
    log_hi = logd[c + np.floor(_TAIL[1] * (bulk - 1)).astype(np.int64)]
    # Weibull cumulative hazard H = (d / λ)^D through both quantiles, extrapolated down
    # to the gap's upper edge.
    h_lo, h_hi = -np.log1p(-p_lo), -math.log1p(-_TAIL[1])
    dim = np.log(h_hi / h_lo) / np.maximum(log_hi - log_lo, 1e-12)
    expected = m * -np.expm1(-h_lo * np.exp(dim * (above - log_lo)))
    # P(X >= k) for X ~ Poisson(λ) is the regularised lower incomplete gamma P(k, λ).
    p = gammainc(np.ceil(c / 2), expected / 2)
    mode = np.flatnonzero(p <= MODE_P_VALUE)
    if mode.size == 0:
        return math.nan
    j = mode[-1]
    return float(min(math.exp((below[j] + above[j]) / 2), MAX_FRACTION * scale))


def near_duplicate_low_mode(ctx: AuditContext) -> float:
    """`low_mode_radius` of the examples with no exact copy, kept when the mode is made
    of small groups (at the median, a member has at most `MAX_PARTNERS` of its
    `GROUP_K` nearest neighbours within it); else NaN. Cached in `ctx`.

    The group test tells copies from a dense region (a tight class among loose ones),
    which also makes a low mode of distances: there every example has all its nearest
    neighbours about as close, while a copy has its source and the few other copies.
    """
    return float(ctx.cached("near_duplicate_low_mode", lambda: _low_mode(ctx)))


def _low_mode(ctx: AuditContext) -> float:
    dist, _ = ctx.knn(GROUP_K)
    d1 = dist[:, 0].astype(np.float64)
    single = np.ones(ctx.n, dtype=bool)
    if ctx.X is not None:
        exact, _ = duplicate_pairs(ctx.row_groups())
        single = ~exact
    radius = low_mode_radius(d1[single], near_duplicate_scale(ctx))
    if not math.isfinite(radius):
        return math.nan
    members = single & (d1 <= radius)
    partners = (dist[members] <= radius).sum(axis=1)
    return radius if float(np.median(partners)) <= MAX_PARTNERS else math.nan


def near_duplicate_radius(ctx: AuditContext, threshold: float = THRESHOLD,
                          adaptive: bool = True) -> float:
    """Distance within which two examples are near duplicates: ``threshold ×
    near_duplicate_scale``, or with `adaptive` the `near_duplicate_low_mode` radius
    when there is one and it is larger. Shared by the near-duplicate and leakage
    checks."""
    # The low mode first: its search for `GROUP_K` neighbours also serves the scale.
    low = near_duplicate_low_mode(ctx) if adaptive else math.nan
    radius = threshold * near_duplicate_scale(ctx)
    return max(radius, low) if math.isfinite(low) else radius


def near_duplicate_scores(distance: np.ndarray, scale: float) -> np.ndarray:
    """cleanlab's near-duplicate score ``1 - exp(-distance / scale)``.

    Parameters
    ----------
    distance : ndarray of shape (n,)
        Distance to the nearest other example (inf: none, scored 1).
    scale : float
        `near_duplicate_scale`.

    Returns
    -------
    ndarray of shape (n,), float64 in [0, 1], 0 for a distance of 0
    """
    d = np.asarray(distance, dtype=np.float64)
    return np.clip(-np.expm1(-d / scale), 0.0, 1.0)


def _check_threshold(threshold: float) -> float:
    t = float(threshold)
    if not 0.0 <= t < 1.0:
        raise InputError("near_duplicate threshold",
                         "a fraction of the median nearest-neighbour distance in [0, 1)",
                         repr(threshold))
    return t


@register
class ExactDuplicate(Check):
    """Flag every example whose features are identical to another example's."""

    name = "exact_duplicate"
    description = "examples with features identical to another example's"
    row_level = True

    def applies(self, ctx: AuditContext) -> str | None:
        if ctx.X is None:
            return "needs features to compare"
        return None

    def run(self, ctx: AuditContext) -> CheckResult:
        codes = ctx.row_groups()
        dup, pairs = duplicate_pairs(codes)
        sizes = np.bincount(codes)
        n_groups = int((sizes >= 2).sum())
        n_dup = int(dup.sum())
        return CheckResult(
            self.name, np.where(dup, 0.0, 1.0), dup, 1.0 - n_dup / ctx.n,
            {"n_duplicates": n_dup, "n_groups": n_groups,
             "n_redundant": n_dup - n_groups,            # rows a deduplication would drop
             "largest_group": int(sizes.max()) if n_groups else 1},
            pairs=pairs)


@register
class NearDuplicate(Check):
    """Flag pairs of examples within `near_duplicate_radius` of each other in the
    embeddings (see the module docstring).

    Parameters
    ----------
    threshold : float
        Fraction of the median nearest-neighbour distance always within the radius
        (cleanlab's rule).
    k : int
        Nearest neighbours searched per example.
    adaptive : bool
        Widen the radius to a distinct low mode of nearest-neighbour distances when
        there is one (`low_mode_radius`); False: cleanlab's fixed rule alone.
    """

    name = "near_duplicate"
    description = "examples (almost) on top of another example"
    row_level = True

    def __init__(self, threshold: float = THRESHOLD, k: int = K,
                 adaptive: bool = True) -> None:
        self.threshold = _check_threshold(threshold)
        if int(k) < 1:
            raise InputError("near_duplicate k", "a number of neighbours >= 1", repr(k))
        self.k = int(k)
        self.adaptive = bool(adaptive)

    def applies(self, ctx: AuditContext) -> str | None:
        if ctx.X is None and ctx.given_features is None:
            return "needs features or embeddings"
        if ctx.n < 2:
            return "needs at least 2 examples"
        return None

    def run(self, ctx: AuditContext) -> CheckResult:
        # One search serves the check and the low mode's group test.
        dist, idx = ctx.knn(max(self.k, GROUP_K) if self.adaptive else self.k)
        dist, idx = dist[:, :self.k], idx[:, :self.k]
        scale = near_duplicate_scale(ctx)
        radius = near_duplicate_radius(ctx, self.threshold, self.adaptive)
        close = (dist <= radius) & (idx >= 0)
        rows, cols = np.nonzero(close)
        pairs = np.column_stack([rows, idx[rows, cols]]).astype(np.int64)
        nearest = dist[:, 0].astype(np.float64)
        if ctx.X is not None:
            exact, exact_pairs = duplicate_pairs(ctx.row_groups())
            pairs = np.vstack([pairs, exact_pairs])
            nearest = np.where(exact, 0.0, nearest)
        pairs = np.unique(np.sort(pairs, axis=1), axis=0).reshape(-1, 2)
        flags = np.zeros(ctx.n, dtype=bool)
        flags[pairs.ravel()] = True
        scores = near_duplicate_scores(nearest, scale)
        n_flagged = int(flags.sum())
        return CheckResult(
            self.name, scores, flags, 1.0 - n_flagged / ctx.n,
            {"threshold": self.threshold, "k": self.k, "adaptive": self.adaptive,
             "median_nn_distance": scale, "radius": radius,
             "radius_fraction": radius / scale, "low_mode": radius > self.threshold * scale,
             "score_threshold": float(-np.expm1(-radius / scale)),
             "n_pairs": int(pairs.shape[0]), "n_flagged": n_flagged},
            pairs=pairs)
