"""``leakage``: test examples the training side has already seen.

Three kinds, all needing a split with both a test side (`AuditContext.is_test`: rows
marked test, eval, validation...) and a train side (every other row):

* ``exact``: a test example with features identical to a train example's (one
  `AuditContext.row_groups` group on both sides): every member of such a group is
  flagged and scored 0;
* ``near``: a test example within the near-duplicate radius of a train example, the
  radius being `near_duplicate_radius` as for the ``near_duplicate`` check
  (`threshold` × `near_duplicate_scale`, widened with `adaptive` to a distinct low mode
  of the nearest-neighbour distances over the whole dataset). Test embeddings are
  searched against an index of the train embeddings only
  (`datacurve.auditing._neighbors.nearest`), up to `k` train neighbours each; test rows
  are scored ``1 - exp(-d / scale)`` from the distance ``d`` to their nearest train
  example, and a flagged train row takes the lowest score of its test partners;
* ``group``: with `groups`, a group (patient, site, ...) with rows on both sides: all its
  rows are flagged and scored 0 (rows without a group are never grouped).

Both members of every leaked pair are flagged; ``pairs`` hold each near pair, and for
exact and group leaks each member with the first member of its group on the other side.
Rows of the train side with no leak keep score 1. The summary is the share of test rows
that do not leak.

Notation: n examples, t test rows, r train rows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from datacurve._errors import InputError
from datacurve.auditing._base import Check, CheckResult, register
from datacurve.auditing._context import AuditContext
from datacurve.auditing._neighbors import nearest
from datacurve.auditing.checks._duplicates import (
    THRESHOLD,
    near_duplicate_radius,
    near_duplicate_scale,
    near_duplicate_scores,
)

__all__ = ["K", "Leakage", "cross_side"]

K = 5
"""Train neighbours searched per test example (every one within the radius is paired)."""

MAX_GROUPS_SHOWN = 20
"""Leaked group names listed in the result's info."""


def cross_side(codes: np.ndarray, is_test: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows whose code appears on both sides of a split.

    Parameters
    ----------
    codes : ndarray of shape (n,), int
        Group codes ``0..g-1``; -1 for rows in no group.
    is_test : ndarray of shape (n,), bool

    Returns
    -------
    leaked : ndarray of shape (n,), bool
        Rows of a group present on both sides.
    pairs : ndarray of shape (p, 2), int64
        Each leaked row with the first row of its group on the other side, ``i < j``,
        each pair once.
    """
    codes = np.asarray(codes, dtype=np.int64)
    test = np.asarray(is_test, dtype=bool)
    n = codes.size
    grouped = codes >= 0
    g = int(codes.max()) + 1 if grouped.any() else 0
    idx = np.arange(n)
    first_test = np.full(g, n, dtype=np.int64)
    first_train = np.full(g, n, dtype=np.int64)
    # Scatter-min (np.minimum.at) finds each group's first row per side in one pass.
    np.minimum.at(first_test, codes[grouped & test], idx[grouped & test])
    np.minimum.at(first_train, codes[grouped & ~test], idx[grouped & ~test])
    both = (first_test < n) & (first_train < n)
    safe = np.where(grouped, codes, 0)
    leaked = grouped & both[safe] if g else np.zeros(n, dtype=bool)
    if not leaked.any():
        return leaked, np.empty((0, 2), dtype=np.int64)
    partner = np.where(test, first_train[safe], first_test[safe])
    pairs = np.sort(np.column_stack([idx[leaked], partner[leaked]]), axis=1)
    return leaked, np.unique(pairs, axis=0).astype(np.int64).reshape(-1, 2)


@register
class Leakage(Check):
    """Flag test examples duplicated (exactly or nearly) on the train side, their train
    copies, and groups present on both sides (see the module docstring)."""

    name = "leakage"
    description = "test examples also present (exactly, nearly or by group) in training"
    row_level = True

    def __init__(self, threshold: float = THRESHOLD, k: int = K,
                 exact_search: bool | None = None, adaptive: bool = True) -> None:
        self.threshold = float(threshold)
        if not 0.0 <= self.threshold < 1.0:
            raise InputError("leakage threshold",
                             "a fraction of the median nearest-neighbour distance in [0, 1)",
                             repr(threshold))
        if int(k) < 1:
            raise InputError("leakage k", "a number of neighbours >= 1", repr(k))
        self.k = int(k)
        self.exact_search = exact_search
        self.adaptive = bool(adaptive)

    def applies(self, ctx: AuditContext) -> str | None:
        test = ctx.is_test
        if test is None:
            return "needs a split with train and test rows (no split given)"
        if not test.any():
            return "needs a split with train and test rows (no test rows)"
        if test.all():
            return "needs a split with train and test rows (no train rows)"
        return None

    def run(self, ctx: AuditContext) -> CheckResult:
        test = ctx.is_test
        assert test is not None
        n = ctx.n
        scores = np.ones(n)
        all_pairs = []

        # (a) exact copies across the split: one row_groups group on both sides.
        exact = np.zeros(n, dtype=bool)
        if ctx.X is not None:
            exact, exact_pairs = cross_side(ctx.row_groups(), test)
            all_pairs.append(exact_pairs)

        # (a) near copies: test embeddings searched against the train embeddings only.
        near = np.zeros(n, dtype=bool)
        scale = radius = float("nan")
        if ctx.X is not None or ctx.given_features is not None:
            Z = ctx.embeddings()
            te, tr = np.flatnonzero(test), np.flatnonzero(~test)
            dist, nn = nearest(Z[tr], Z[te], self.k, self.exact_search, seed=ctx.seed)
            # The radius first: its neighbour search also serves the scale.
            radius = near_duplicate_radius(ctx, self.threshold, self.adaptive)
            scale = near_duplicate_scale(ctx)
            rows, cols = np.nonzero((dist <= radius) & (nn >= 0))
            near_pairs = np.column_stack([te[rows], tr[nn[rows, cols]]])
            all_pairs.append(np.sort(near_pairs, axis=1))
            near[near_pairs.ravel()] = True
            test_scores = near_duplicate_scores(dist[:, 0], scale)
            scores[te] = test_scores
            # A train row takes its closest test partner's score (scatter-min).
            np.minimum.at(scores, tr[nn[rows, cols]], test_scores[rows])
        scores[exact] = 0.0

        # (b) groups on both sides.
        group = np.zeros(n, dtype=bool)
        leaked_groups: list[str] = []
        if ctx.groups is not None:
            codes, uniques = pd.factorize(pd.Series(ctx.groups, dtype=object))
            group, group_pairs = cross_side(codes, test)
            all_pairs.append(group_pairs)
            leaked_codes = np.unique(codes[group])
            leaked_groups = [str(v) for v in np.asarray(uniques, dtype=object)[leaked_codes]]
            scores[group] = 0.0

        flags = exact | near | group
        pairs = (np.unique(np.vstack(all_pairs), axis=0).astype(np.int64).reshape(-1, 2)
                 if all_pairs else np.empty((0, 2), dtype=np.int64))
        n_test = int(test.sum())
        leaked_test = int((flags & test).sum())
        return CheckResult(
            self.name, scores, flags, 1.0 - leaked_test / n_test,
            {"n_test": n_test, "n_train": n - n_test, "leaked_test_rows": leaked_test,
             "rows": {"exact": int(exact.sum()), "near": int((near & ~exact).sum()),
                      "group": int(group.sum())},
             "test_rows": {"exact": int((exact & test).sum()),
                           "near": int((near & ~exact & test).sum()),
                           "group": int((group & test).sum())},
             "n_leaked_groups": len(leaked_groups),
             "leaked_groups": leaked_groups[:MAX_GROUPS_SHOWN],
             "threshold": self.threshold, "adaptive": self.adaptive,
             "median_nn_distance": scale, "radius": radius},
            pairs=pairs)
