"""``conflicting_labels``: identical inputs carrying different labels.

Examples with identical features (``ctx.row_groups()``) form a group; a group whose
members carry two or more distinct labels is conflicting and all its members are flagged
(no model can get them all right). An example's score is the share of its group that
agrees with its label (1 for examples outside conflicting groups). Where one label holds
a strict majority of a conflicting group, it is suggested to the members that disagree.
"""

from __future__ import annotations

import numpy as np

from datacurve.auditing._base import Check, CheckResult, register
from datacurve.auditing._context import AuditContext

__all__ = ["ConflictingLabels"]


@register
class ConflictingLabels(Check):
    """Flag every member of a group of identical inputs with more than one label."""

    name = "conflicting_labels"
    description = "identical inputs carrying different labels"

    def applies(self, ctx: AuditContext) -> str | None:
        if ctx.task != "classification" or ctx.y is None:
            return "needs class labels"
        if ctx.X is None:
            return "needs features to compare"
        return None

    def run(self, ctx: AuditContext) -> CheckResult:
        assert ctx.y is not None
        groups = np.asarray(ctx.row_groups(), dtype=np.int64)              # (n,)
        labels = np.asarray(ctx.y, dtype=np.int64)                         # (n,)
        size = np.bincount(groups)                                         # (g,)
        # (group, label) pairs: how many members of each group carry each label.
        pairs, pair_of, pair_count = np.unique(
            np.column_stack([groups, labels]), axis=0, return_inverse=True,
            return_counts=True)
        pair_of = pair_of.ravel()
        n_labels = np.bincount(pairs[:, 0], minlength=size.size)          # (g,)
        conflicting = n_labels > 1
        flags = conflicting[groups]
        scores = np.where(flags, pair_count[pair_of] / size[groups], 1.0)
        # Majority label per group: pairs sorted by group, then count descending.
        order = np.lexsort((-pair_count, pairs[:, 0]))
        first = order[np.r_[True, np.diff(pairs[order, 0]) != 0]]         # (g,) pair rows
        top = np.zeros(size.size, dtype=np.int64)
        top[pairs[first, 0]] = pair_count[first]
        major = np.full(size.size, -1, dtype=np.int64)
        strict = 2 * top > size
        major[pairs[first, 0]] = np.where(strict[pairs[first, 0]], pairs[first, 1], -1)
        suggested = np.where(flags & (major[groups] != labels), major[groups], -1)
        n_groups = int(conflicting.sum())
        return CheckResult(
            self.name, scores, flags, 1.0 - float(flags.mean()),
            {"n_conflicting_groups": n_groups, "n_flagged": int(flags.sum()),
             "largest_group": int(size[conflicting].max()) if n_groups else 0},
            suggested=suggested)
