"""``exact_duplicate`` and ``near_duplicate``: examples that repeat others.

``exact_duplicate`` groups examples with identical features (`AuditContext.row_groups`)
and flags every member of a group of two or more, pairing each with its group's first
member.

``near_duplicate`` follows cleanlab Datalab's near-duplicate issue: two examples are near
duplicates when their distance in `AuditContext.embeddings` is at most `threshold` times
the *scale* of the data, the median distance from an example to its nearest other
example (cleanlab's default `threshold` 0.13). The scale is taken over the examples
that have no exact copy, so that a dataset full of copies does not shrink it to zero
(cleanlab takes it over all examples). Candidates are each example's `k` nearest
neighbours (`AuditContext.knn`); exact duplicates are near duplicates too (their pairs
are added from `row_groups` even when a group is larger than `k`). An example's score is
cleanlab's ``1 - exp(-d / scale)`` of its distance ``d`` to its nearest other example
(0 for an exact copy), so an example is flagged exactly when its score is at most
``1 - exp(-threshold)`` (0.12 by default).

Notation: n examples, p pairs, g exact-duplicate groups.
"""

from __future__ import annotations

import numpy as np

from datacurve._errors import InputError
from datacurve.auditing._base import Check, CheckResult, register
from datacurve.auditing._context import AuditContext

__all__ = ["THRESHOLD", "ExactDuplicate", "K", "NearDuplicate", "duplicate_pairs",
           "near_duplicate_scale", "near_duplicate_scores"]

THRESHOLD = 0.13
"""Near duplicates lie within this fraction of the median nearest-neighbour distance
(cleanlab Datalab's default)."""

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
    """Flag pairs of examples within `threshold` × the median nearest-neighbour distance
    of each other in the embeddings (see the module docstring)."""

    name = "near_duplicate"
    description = "examples (almost) on top of another example"
    row_level = True

    def __init__(self, threshold: float = THRESHOLD, k: int = K) -> None:
        self.threshold = _check_threshold(threshold)
        if int(k) < 1:
            raise InputError("near_duplicate k", "a number of neighbours >= 1", repr(k))
        self.k = int(k)

    def applies(self, ctx: AuditContext) -> str | None:
        if ctx.X is None and ctx.given_features is None:
            return "needs features or embeddings"
        if ctx.n < 2:
            return "needs at least 2 examples"
        return None

    def run(self, ctx: AuditContext) -> CheckResult:
        dist, idx = ctx.knn(self.k)
        scale = near_duplicate_scale(ctx)
        radius = self.threshold * scale
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
            {"threshold": self.threshold, "k": self.k,
             "median_nn_distance": scale, "radius": radius,
             "score_threshold": float(-np.expm1(-self.threshold)),
             "n_pairs": int(pairs.shape[0]), "n_flagged": n_flagged},
            pairs=pairs)
