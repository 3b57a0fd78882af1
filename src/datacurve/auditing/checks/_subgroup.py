"""``subgroup``: groups too small to be served, or served significantly worse.

Needs each example's group (site, device, demographic...). Two findings, per group g of
``n_g`` examples among G groups:

* **under-represented**: ``n_g < MIN_SHARE_OF_MEAN × n / G`` (default 0.2 of the mean
  group size) or ``n_g < MIN_COUNT`` (default 30: too few examples to learn or to judge
  the group);
* **under-performing** (classification): the accuracy of the out-of-fold predictions
  (`AuditContext.pred_probs`) in g falls significantly below the overall accuracy: the
  upper end of the group's Wilson score interval (confidence `confidence`, Bonferroni-
  corrected over the G groups) lies below the overall accuracy, and the gap is at least
  `min_gap`.

The examples of flagged groups are flagged (the flag marks who is concerned; the check is
not row-level). Each example scores ``min(1, acc_g / acc)`` — its group's accuracy
relative to the overall one — and, for groups under the size threshold, at most
``n_g / threshold``; the summary is the mean score. ``info["groups"]`` is the per-group
table (a list of dicts).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from datacurve._errors import InputError
from datacurve.auditing._base import Check, CheckResult, register
from datacurve.auditing._context import AuditContext

__all__ = ["CONFIDENCE", "MIN_COUNT", "MIN_GAP", "MIN_SHARE_OF_MEAN", "Subgroup",
           "wilson_interval"]

MIN_SHARE_OF_MEAN = 0.2
"""A group is under-represented below this fraction of the mean group size n / G."""

MIN_COUNT = 30
"""A group is under-represented below this many examples."""

CONFIDENCE = 0.95
"""Family-wise confidence of the per-group accuracy intervals."""

MIN_GAP = 0.02
"""Smallest accuracy gap (group below overall) worth flagging, however significant."""


def wilson_interval(successes: np.ndarray, trials: np.ndarray,
                    confidence: float = CONFIDENCE) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of binomial proportions.

    Parameters
    ----------
    successes, trials : ndarray of shape (m,)
        Counts; `trials` may be 0 (the interval is then [0, 1]).
    confidence : float
        Two-sided confidence level in (0, 1).

    Returns
    -------
    low, high : ndarray of shape (m,), float64 in [0, 1]
    """
    k = np.asarray(successes, dtype=np.float64)
    m = np.asarray(trials, dtype=np.float64)
    z = float(stats.norm.ppf(0.5 + confidence / 2.0))
    safe = np.maximum(m, 1.0)
    p = k / safe
    denom = 1.0 + z * z / safe
    centre = (p + z * z / (2.0 * safe)) / denom
    half = z * np.sqrt(p * (1.0 - p) / safe + z * z / (4.0 * safe * safe)) / denom
    low = np.where(m > 0, np.clip(centre - half, 0.0, 1.0), 0.0)
    high = np.where(m > 0, np.clip(centre + half, 0.0, 1.0), 1.0)
    return low, high


@register
class Subgroup(Check):
    """Flag the examples of under-represented or significantly under-performing groups.

    Parameters
    ----------
    min_share_of_mean : float
        Under-represented below this fraction of the mean group size.
    min_count : int
        Under-represented below this many examples.
    confidence : float
        Family-wise confidence level of the accuracy intervals (Bonferroni over groups).
    min_gap : float
        Smallest accuracy gap flagged.
    performance : bool
        Compare per-group accuracy (needs out-of-fold probabilities, computed when not
        given, which trains models); False checks representation only.
    """

    name = "subgroup"
    description = "groups under-represented or served significantly worse"
    row_level = False

    def __init__(self, min_share_of_mean: float = MIN_SHARE_OF_MEAN,
                 min_count: int = MIN_COUNT, confidence: float = CONFIDENCE,
                 min_gap: float = MIN_GAP, performance: bool = True) -> None:
        if not 0.0 < float(confidence) < 1.0:
            raise InputError("subgroup confidence", "a level in (0, 1)", repr(confidence))
        if float(min_share_of_mean) < 0 or int(min_count) < 0 or float(min_gap) < 0:
            raise InputError("subgroup thresholds", "non-negative values",
                             f"min_share_of_mean={min_share_of_mean!r}, "
                             f"min_count={min_count!r}, min_gap={min_gap!r}")
        self.min_share_of_mean = float(min_share_of_mean)
        self.min_count = int(min_count)
        self.confidence = float(confidence)
        self.min_gap = float(min_gap)
        self.performance = bool(performance)

    def applies(self, ctx: AuditContext) -> str | None:
        if ctx.groups is None:
            return "needs a group column"
        return None

    def run(self, ctx: AuditContext) -> CheckResult:
        assert ctx.groups is not None
        codes, uniques = pd.factorize(pd.Series(ctx.groups, dtype=object),
                                      use_na_sentinel=False)
        codes = np.asarray(codes, dtype=np.int64)
        g = len(uniques)
        counts = np.bincount(codes, minlength=g)
        mean_size = ctx.n / g
        size_threshold = max(self.min_share_of_mean * mean_size, float(self.min_count))
        small = counts < size_threshold
        size_ratio = np.minimum(counts / size_threshold, 1.0) if size_threshold > 0 \
            else np.ones(g)

        info: dict[str, Any] = {"n_groups": g, "mean_group_size": float(mean_size),
                                "size_threshold": float(size_threshold),
                                "min_share_of_mean": self.min_share_of_mean,
                                "min_count": self.min_count}
        acc_ratio = np.ones(g)
        weak = np.zeros(g, dtype=bool)
        table_acc: dict[str, np.ndarray] = {}
        reason = self._no_performance(ctx) if g > 1 else "one group only"
        if reason is None:
            assert ctx.y is not None
            try:
                probs = np.asarray(ctx.pred_probs(), dtype=np.float64)
            except InputError as exc:       # e.g. a dataset without usable features
                reason = f"no out-of-fold predictions ({exc})"
            else:
                correct = (probs.argmax(axis=1) == ctx.y).astype(np.float64)
                overall = float(correct.mean())
                right = np.bincount(codes, weights=correct, minlength=g)
                acc = right / np.maximum(counts, 1)
                # Bonferroni: each interval at 1 - (1 - confidence) / G.
                level = 1.0 - (1.0 - self.confidence) / max(g, 1)
                low, high = wilson_interval(right, counts, level)
                weak = (high < overall) & (overall - acc >= self.min_gap)
                acc_ratio = np.minimum(acc / overall, 1.0) if overall > 0 else acc_ratio
                table_acc = {"accuracy": acc, "ci_low": low, "ci_high": high,
                             "gap": acc - overall}
                info.update({"overall_accuracy": overall, "confidence": self.confidence,
                             "interval_level": level, "min_gap": self.min_gap})
        if reason is not None:
            info["performance_skipped"] = reason

        group_score = np.minimum(acc_ratio, size_ratio)
        flagged_group = small | weak
        names = [str(u) for u in uniques]
        table = []
        for j in np.argsort(-counts, kind="stable"):    # one row per group, not per example
            row: dict[str, Any] = {"group": names[j], "count": int(counts[j]),
                                   "share": float(counts[j] / ctx.n)}
            for key, values in table_acc.items():
                row[key] = float(values[j])
            row.update({"under_represented": bool(small[j]),
                        "under_performing": bool(weak[j]), "score": float(group_score[j])})
            table.append(row)
        info["groups"] = table
        info["under_represented"] = [names[j] for j in np.flatnonzero(small)]
        info["under_performing"] = [names[j] for j in np.flatnonzero(weak)]
        scores = np.clip(group_score[codes], 0.0, 1.0)
        return CheckResult(self.name, scores, flagged_group[codes],
                           float(scores.mean()) if ctx.n else 1.0, info)

    def _no_performance(self, ctx: AuditContext) -> str | None:
        """Why per-group accuracy is not compared (None when it is)."""
        if not self.performance:
            return "performance=False"
        if ctx.task != "classification" or ctx.y is None or ctx.n_classes < 2:
            return "needs class labels of 2 or more classes"
        return None
