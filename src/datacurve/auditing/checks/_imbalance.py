"""``class_imbalance``: classes far rarer than a balanced share.

A class is under-represented when it holds fewer than `threshold` times its balanced
share ``n / k`` (default 0.1, cleanlab's default for its class-imbalance issue). Its
examples are flagged (they are not wrong; the flag marks who is concerned), scored by
their class's share of the balanced count; the summary is the rarest class's ratio to
the most frequent one.
"""

from __future__ import annotations

import numpy as np

from datacurve.auditing._base import Check, CheckResult, register
from datacurve.auditing._context import AuditContext

__all__ = ["ClassImbalance"]

THRESHOLD = 0.1
"""A class is rare below this fraction of the balanced share n / k."""


@register
class ClassImbalance(Check):
    """Flag the examples of classes rarer than `threshold` × n / k."""

    name = "class_imbalance"
    description = "classes far rarer than a balanced share"
    row_level = False

    def __init__(self, threshold: float = THRESHOLD) -> None:
        self.threshold = float(threshold)

    def applies(self, ctx: AuditContext) -> str | None:
        if ctx.task != "classification" or ctx.y is None or ctx.n_classes < 2:
            return "needs class labels of 2 or more classes"
        return None

    def run(self, ctx: AuditContext) -> CheckResult:
        assert ctx.y is not None
        k = ctx.n_classes
        counts = np.bincount(ctx.y, minlength=k)
        share = counts / (ctx.n / k)                  # 1 = balanced
        rare = share < self.threshold
        scores = np.minimum(share, 1.0)[ctx.y]
        summary = float(counts.min() / counts.max()) if counts.max() > 0 else 1.0
        classes = [str(c) for c in ctx.classes] if ctx.classes is not None else list(
            map(str, range(k)))
        return CheckResult(
            self.name, scores, rare[ctx.y], summary,
            {"counts": dict(zip(classes, counts.tolist(), strict=True)),
             "rare_classes": [c for c, r in zip(classes, rare, strict=True) if r],
             "threshold": self.threshold,
             "imbalance_ratio": float(counts.max() / max(counts.min(), 1))})
