"""``label``: labels that the rest of the data contradicts, by confident learning.

cleanlab's `find_label_issues` (Northcutt, Jiang & Chuang 2021) compares each given label
with out-of-sample predicted probabilities (the user's ``pred_probs``, else
`datacurve.auditing._probs.out_of_fold_probs`): it estimates the joint distribution of
given and true labels from the examples predicted confidently, hence how many errors each
class holds, and flags that many examples. Per-example scores are cleanlab's label quality
(`get_label_quality_scores`, self-confidence: the probability of the given label). The
suggested label of a flagged example is the class the model finds most likely.

Default ``filter_by="prune_by_class"`` (flag, in each class, its estimated number of
errors with the lowest self-confidence) rather than cleanlab's ``"prune_by_noise_rate"``:
with the default learner on scikit-learn's ``digits`` with 10% of labels flipped it
reached F1 0.953 (mean of 10 draws, min 0.936) against 0.933 (min 0.893); on wine, breast
cancer and a synthetic 3-class set the two were within 0.02 of each other.
"""

from __future__ import annotations

import numpy as np

from datacurve._errors import InputError
from datacurve.auditing._base import Check, CheckResult, register
from datacurve.auditing._context import AuditContext
from datacurve.auditing._probs import probs_info

__all__ = ["LabelIssues"]

FILTERS = ("prune_by_class", "prune_by_noise_rate", "both", "confident_learning",
           "predicted_neq_given", "low_normalized_margin", "low_self_confidence")
"""cleanlab's `filter_by` options."""


@register
class LabelIssues(Check):
    """Flag examples whose label confident learning finds likely wrong.

    Parameters
    ----------
    filter_by : str
        cleanlab's rule for which examples to flag (one of `FILTERS`).
    min_examples_per_class : int
        cleanlab leaves at least this many examples of each class unflagged.
    """

    name = "label"
    description = "labels the rest of the data contradicts (confident learning)"

    def __init__(self, filter_by: str = "prune_by_class",
                 min_examples_per_class: int = 1) -> None:
        if filter_by not in FILTERS:
            raise InputError("filter_by", f"one of {', '.join(FILTERS)}", repr(filter_by))
        self.filter_by = filter_by
        self.min_examples_per_class = int(min_examples_per_class)

    def applies(self, ctx: AuditContext) -> str | None:
        if ctx.task != "classification" or ctx.y is None or ctx.n_classes < 2:
            return "needs class labels of 2 or more classes"
        if ctx.given_pred_probs is None:
            if ctx.X is None:
                return "needs features or pred_probs"
            counts = np.bincount(ctx.y, minlength=ctx.n_classes)
            if (counts >= 2).sum() < 2:
                return "needs 2 or more classes with 2 or more examples (or pred_probs)"
        return None

    def run(self, ctx: AuditContext) -> CheckResult:
        from cleanlab.filter import find_label_issues
        from cleanlab.rank import get_label_quality_scores

        assert ctx.y is not None
        labels = np.asarray(ctx.y, dtype=np.int64)
        k = ctx.n_classes
        probs = np.asarray(ctx.pred_probs(), dtype=np.float64)
        if probs.shape != (ctx.n, k):
            raise InputError("pred_probs", f"an array of shape ({ctx.n}, {k})",
                             f"{probs.shape}")
        issues = np.asarray(find_label_issues(
            labels, probs, filter_by=self.filter_by,
            min_examples_per_class=self.min_examples_per_class, n_jobs=1), dtype=bool)
        scores = np.clip(get_label_quality_scores(labels, probs), 0.0, 1.0)
        suggested = np.where(issues, probs.argmax(axis=1), -1)
        counts = np.bincount(labels, minlength=k)
        flagged = np.bincount(labels[issues], minlength=k)
        names = ([str(c) for c in ctx.classes] if ctx.classes is not None
                 else [str(j) for j in range(k)])
        rate = float(issues.mean())
        learner = probs_info(ctx)
        return CheckResult(
            self.name, scores, issues, 1.0 - rate,
            {"learner": learner.get("learner"), "learner_info": learner,
             "filter_by": self.filter_by, "n_flagged": int(issues.sum()),
             "noise_rate": rate,
             "per_class": {c: {"count": int(a), "flagged": int(b)}
                           for c, a, b in zip(names, counts, flagged, strict=True)}},
            suggested=suggested)
