"""Data planning: how many samples reach a target, what they cost, how to collect them.

From a results table (one row per trial), fit each model's learning curve and answer:
samples needed for the target (with an interval), how many more to collect, the metric
predicted at a given size, the training compute that size implies, the money it costs,
what a budget buys, and a collection schedule in rounds.

Rounds: Mahmood et al. (CVPR 2022, "How Much More Data Do I Need?") show that one-shot
estimates of the data requirement miss, mostly by under-estimating it, and that
collecting in rounds, re-fitting after each, with a correction factor is cheaper than
either under- or over-collecting. datacurve corrects each estimate by the bias it measures
on its own benchmark (`SIZE_BIAS_LOG2`, see bench/extrapolation.py) and never extrapolates
one round further than `MAX_ROUND_GROWTH` times the data in hand, beyond which the
benchmark shows extrapolation error grows quickly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from datacurve._errors import InputError
from datacurve.fit._compute import Compute, compute_spent
from datacurve.fit._curve import LearningCurve, correct_with_others, fit_learning_curve
from datacurve.models import early_stopping_above, is_network
from datacurve.results import Results

__all__ = ["MAX_ROUND_GROWTH", "SIZE_BIAS_LOG2", "SIZE_CORRECTION", "DataPlan", "fit_curves",
           "fit_model_curve", "plan", "samples_interval", "samples_needed"]

SIZE_BIAS_LOG2 = -0.22
"""Median log2(true size / predicted size) of `size_for` on the extrapolation benchmark
(LCDB, observing sizes <= 1/8 of the largest, datasets held out from the meta-model:
`size_for` over-estimates by a median factor of 2**0.22 = 1.16; 2**0.21 with the train
scores, a difference of 1 % in size); estimates are multiplied by 2**SIZE_BIAS_LOG2
before planning, so the plan is median-unbiased there."""
SIZE_CORRECTION = 2.0 ** SIZE_BIAS_LOG2
"""The factor `samples_needed` applies to `LearningCurve.size_for`."""
MAX_ROUND_GROWTH = 4.0
"""No round plans beyond this many times the data already measured."""


@dataclass(frozen=True)
class DataPlan:
    """What reaching `target` takes for one model (see `plan`).

    Attributes
    ----------
    model, metric : str
    target, level : float
    higher_is_better : bool
    have : int
        Samples available now (the largest measured size unless given).
    predicted_now : float
        The score now: the mean measured at `have` over seeds (the largest measured
        size by default), or the curve's prediction where nothing was measured.
    now_source : {"measured", "predicted"}
        Which of the two `predicted_now` is.
    samples_needed : float
        Training-set size where the curve reaches the target (``inf`` if never),
        corrected for the benchmark's bias.
    samples_interval : tuple of float
        Optimistic and pessimistic ends at `level`.
    additional : float
        Samples still to collect (``inf`` if never reachable).
    asymptote : float
        The best score the curve reaches with unlimited data.
    at, predicted_at, interval_at : optional
        The score predicted at the size asked for.
    train_seconds : float or None
        Predicted seconds to train one model on `samples_needed` (from the measured fit
        times).
    cost : float or None
        ``additional * cost_per_sample``.
    budget, budget_samples, budget_score : optional
        What the money budget buys: samples and the score then predicted.
    rounds : list of dict
        Collection schedule: each round's total size, samples to add and predicted score.
    curve : LearningCurve
    notes : list of str
    train_seconds_is_bound : bool
        Whether `train_seconds` is an upper bound: `samples_needed` lies above a size
        where the learner turns early stopping on by itself (`TimeModel.is_bound`).
    compute : Compute or None
        What measuring the curve cost against one full-data training run
        (`compute_spent`); None when the table does not record the pool.
    """

    model: str
    metric: str
    target: float
    level: float
    higher_is_better: bool
    have: int
    predicted_now: float
    now_source: str
    samples_needed: float
    samples_interval: tuple[float, float]
    additional: float
    asymptote: float
    at: int | None
    predicted_at: float | None
    interval_at: tuple[float, float] | None
    train_seconds: float | None
    cost: float | None
    budget: float | None
    budget_samples: float | None
    budget_score: float | None
    rounds: list[dict[str, float]]
    curve: LearningCurve = field(repr=False)
    notes: list[str]
    train_seconds_is_bound: bool = False
    compute: Compute | None = None

    @property
    def reachable(self) -> bool:
        """Whether the curve ever reaches the target."""
        return math.isfinite(self.samples_needed)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (``inf`` becomes None)."""
        def num(x: float | None) -> float | None:
            return None if x is None or not math.isfinite(x) else float(x)

        return {
            "model": self.model, "metric": self.metric, "target": self.target,
            "level": self.level, "reachable": self.reachable, "have": self.have,
            "predicted_now": num(self.predicted_now), "now_source": self.now_source,
            "samples_needed": num(self.samples_needed),
            "samples_interval": [num(x) for x in self.samples_interval],
            "additional": num(self.additional), "asymptote": num(self.asymptote),
            "at": self.at, "predicted_at": num(self.predicted_at),
            "interval_at": None if self.interval_at is None
            else [num(x) for x in self.interval_at],
            "train_seconds": num(self.train_seconds),
            "train_seconds_is_bound": self.train_seconds_is_bound, "cost": num(self.cost),
            "budget": self.budget, "budget_samples": num(self.budget_samples),
            "budget_score": num(self.budget_score), "rounds": self.rounds,
            "curve": self.curve.to_dict(), "notes": self.notes,
            "compute": None if self.compute is None else self.compute.to_dict(),
        }

    def __repr__(self) -> str:
        """One line: model, target, the score now, the samples needed with their interval
        (rounded up, as every surface shows them) and what is still to collect."""
        def count(x: float) -> str:
            return f"{math.ceil(x):,}" if math.isfinite(x) else "inf"

        lo, hi = self.samples_interval
        extra = f", rounds={len(self.rounds)}" if self.rounds else ""
        extra += f", notes={len(self.notes)}" if self.notes else ""
        return (f"DataPlan(model={self.model!r}, target={self.target:g} {self.metric}, "
                f"have={self.have:,}, now={self.predicted_now:.4g} ({self.now_source}), "
                f"samples_needed={count(self.samples_needed)} "
                f"({self.level:.0%}: {count(lo)}–{count(hi)}), "
                f"additional={count(self.additional)}{extra})")


def samples_needed(curve: LearningCurve, target: float) -> float:
    """Training-set size where `curve` reaches `target`, corrected for the bias measured
    on the extrapolation benchmark (`SIZE_BIAS_LOG2`): the one answer to "how many
    samples" that `plan`, the diagnosis and the report all give. It lies inside its own
    interval (`samples_interval`), so never below a measured size whose mean score
    misses the target.

    Returns
    -------
    float
        ``inf`` when the curve never reaches `target`.
    """
    raw = curve.size_for(target)
    if not math.isfinite(raw):
        return math.inf
    lo, hi = _corrected_interval(curve, target, _POINT_LEVEL)
    return float(min(max(raw * SIZE_CORRECTION, lo), hi))


def samples_interval(curve: LearningCurve, target: float,
                     level: float = 0.8) -> tuple[float, float]:
    """The interval of `samples_needed` at `level` (optimistic, pessimistic end): the
    curve's size interval with the same bias correction applied to both ends, never below
    a measured size whose mean misses the target nor above the size from which every
    measured mean reaches it (a measurement is not corrected), and widened, if need be,
    to hold `samples_needed`."""
    lo, hi = _corrected_interval(curve, target, level)
    point = samples_needed(curve, target)
    if math.isfinite(point):
        lo, hi = min(lo, point), max(hi, point)
    return lo, hi


_POINT_LEVEL = 0.8
"""The interval `samples_needed` is kept inside."""


def _corrected_interval(curve: LearningCurve, target: float,
                        level: float) -> tuple[float, float]:
    lo, hi = curve.size_interval(target, level)
    lo = max(lo * SIZE_CORRECTION, curve.measured_floor(target))
    hi = hi * SIZE_CORRECTION if math.isfinite(hi) else math.inf
    hi = min(hi, curve.measured_ceiling(target))
    return lo, max(hi, lo)


def fit_model_curve(results: Results | pd.DataFrame, model: str | None = None, *,
                    network: bool | None = None, evidence: bool = True) -> LearningCurve:
    """Fit one model's learning curve from its trials (all seeds), with the training
    scores the table records, and the evidence of the other models measured further.

    Parameters
    ----------
    results : Results or DataFrame
        See `Results.from_source`.
    model : str, optional
        May be omitted when the table holds one model.
    network : bool, optional
        Whether the model is a neural network, for the meta-model (see
        `fit_learning_curve`); default `datacurve.models.is_network` of its name.
    evidence : bool
        Shift the extrapolation by the residuals of the table's other models measured
        beyond this model's largest size (`correct_with_others`: a cheap model measured
        on the whole pool tells where an expensive one measured on a part is going).
        Each other model is fitted to its sizes up to this model's largest the same way
        (its own meta-model, its train scores); models with fewer than three sizes there
        are left out. No effect when no other model was measured further.

    Returns
    -------
    LearningCurve
        In the metric's natural units; `LearningCurve.evidence` names the models used.
    """
    r = Results.from_source(results)
    model = r.pick(model)
    curve = _fit_one(r, model, network=network)
    if not evidence:
        return curve
    # Only models measured beyond this one can be evidence: find them from the table
    # before reading any model's arrays.
    largest = r.table.groupby("model")["n"].max()
    others = {}
    for other in r.models():
        if other == model or largest[other] <= curve.n_last:
            continue
        arrays = _model_arrays(r, other)
        n = arrays[0]
        if np.unique(n[n <= curve.n_last]).size >= 3:
            others[other] = (_fit_one(r, other, network=None, arrays=arrays,
                                      upto=curve.n_last), n, arrays[1])
    return correct_with_others(curve, others)


def _model_arrays(r: Results, model: str
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """One model's sizes, scores and training scores (shape (m,), natural units; trials
    flagged as outliers left out) and the metric's lower end used to fit them."""
    f = r.natural_frame(model)
    if "outlier" in r.table.columns:
        # A trial below chance beside siblings that learned did not learn: an outlier,
        # not noise (`Results`).
        learned = ~r.table.loc[r.table["model"] == model, "outlier"].to_numpy(bool)
        if learned.any():
            f = f[learned]
    m = r.metric
    scores = f["val"].to_numpy(np.float64)
    lower = m.lower if math.isfinite(m.lower) else float(np.min(scores)) - 1.0
    # Train scores only inform the extrapolation (and only of [0, 1] metrics); with an
    # unbounded metric the lower end the fit works in is made up from the evaluation
    # scores, and training scores below it are left out.
    train = f["train"].to_numpy(np.float64)
    train = np.where((train < lower) | (train > m.upper), np.nan, train)
    return f["n"].to_numpy(np.float64), scores, train, lower


def _fit_one(r: Results, model: str, *, network: bool | None,
             arrays: tuple[np.ndarray, np.ndarray, np.ndarray, float] | None = None,
             upto: float = math.inf) -> LearningCurve:
    """`model`'s curve from its trials at sizes <= `upto` (`arrays`: its
    `_model_arrays`, when already read)."""
    n, scores, train, lower = arrays if arrays is not None else _model_arrays(r, model)
    keep = n <= upto
    n, scores, train = n[keep], scores[keep], train[keep]
    return fit_learning_curve(n, scores, train_scores=train,
                              higher_is_better=r.metric.higher_is_better, lower=lower,
                              upper=r.metric.upper,
                              network=is_network(model) if network is None else network)


def fit_curves(results: Results | pd.DataFrame, *, metric: str | None = None,
               models: list[str] | None = None) -> dict[str, LearningCurve]:
    """Fit one learning curve per model of a results table.

    Parameters
    ----------
    results : Results, DataFrame, store or path
        See `Results.from_source`: contract columns (``model, n, val_score``; scores
        higher-is-better as the runner stores them) and optionally ``train_score``,
        ``metric``, ``status``, ``val_<metric>`` and ``train_<metric>``. Training scores,
        when present, are passed to `fit_learning_curve` as ``train_scores``.
    metric : str, optional
        The metric to fit (default: the table's).
    models : list of str, optional
        Models to fit (default all).

    Returns
    -------
    dict
        Model → `LearningCurve` in the metric's natural units.
    """
    r = Results.from_source(results, metric=metric)
    names = r.models() if models is None else [r.pick(m) for m in models]
    return {name: fit_model_curve(r, name) for name in names}


def _train_seconds(results: Results, model: str, n: float) -> tuple[float | None, bool]:
    """Seconds to train one run of `model` at size `n`, and whether that is an upper
    bound: its training-time model ``t0 + c * n**q`` (fixed overhead plus a growing part,
    `fit_time_model`) fitted to the median fit time per measured size; None when `n` is
    infinite or fewer than 2 sizes recorded a fit time."""
    from datacurve.fit._timing import fit_time_model

    if not math.isfinite(n):
        return None, False
    try:
        times = fit_time_model(results, model)
    except InputError:
        return None, False
    return float(times.predict(n)), times.is_bound(n)


def _rounds(curve: LearningCurve, have: int, needed: float,
            corr: float) -> list[dict[str, float]]:
    """Rounds of at most MAX_ROUND_GROWTH x the data, up to `needed`; each round's score
    is read off the bias-corrected curve (size s scores what the fit gives at s/corr),
    so the last round expects the target."""
    if not math.isfinite(needed) or needed <= have:
        return []
    out: list[dict[str, float]] = []
    size = float(have)
    while size < needed and len(out) < 10:
        nxt = min(needed, size * MAX_ROUND_GROWTH)
        out.append({"round": len(out) + 1, "total": math.ceil(nxt),
                    "add": math.ceil(nxt - size),
                    "predicted": float(curve.predict(nxt / corr))})
        size = nxt
    return out


def plan(results: Results | pd.DataFrame, *, target: float, model: str | None = None,
         metric: str | None = None, have: int | None = None, at: int | None = None,
         cost_per_sample: float | None = None, budget: float | None = None,
         level: float = 0.8, curve: LearningCurve | None = None) -> DataPlan:
    """How many samples `model` needs to reach `target`, and what that takes.

    Parameters
    ----------
    results : Results, DataFrame, store or path
        The runner's results (see `Results.from_source`).
    target : float
        Score to reach, in the metric's natural units (e.g. 0.95 accuracy, 0.05 error).
    model : str, optional
        Model to plan for; may be omitted when the table holds one.
    metric : str, optional
    have : int, optional
        Samples available now (default: the largest size measured).
    at : int, optional
        Also predict the score at this size.
    cost_per_sample : float, optional
        Cost of one more labelled sample (any currency).
    budget : float, optional
        Money available for samples (needs `cost_per_sample`).
    level : float
        Coverage of the intervals.
    curve : LearningCurve, optional
        The model's fitted curve when already fitted (`fit_model_curve`); fitted here
        otherwise.

    Returns
    -------
    DataPlan
    """
    r = Results.from_source(results, metric=metric)
    m = r.metric
    model = r.pick(model)
    for arg, val in (("cost_per_sample", cost_per_sample), ("budget", budget)):
        if val is not None and not (math.isfinite(val) and val >= 0):
            raise InputError(arg, "a non-negative number", repr(val))
    if budget is not None and cost_per_sample is None:
        raise InputError("budget", "cost_per_sample as well (to turn money into samples)",
                         "a budget alone")
    if at is not None and at <= 0:
        raise InputError("at", "a positive training-set size", repr(at))
    if curve is None:
        curve = fit_model_curve(r, model)
    sizes = r.per_size(model)
    measured = int(sizes["n"].max())
    have_n = measured if have is None else int(have)
    if have_n <= 0:
        raise InputError("have", "a positive number of samples", repr(have))
    # "Now" is what was measured at `have` (the mean over seeds), and the curve's
    # prediction only where nothing was measured.
    at_have = sizes[sizes["n"] == have_n]
    now, now_source = ((float(at_have["val"].iloc[0]), "measured") if len(at_have)
                       else (float(curve.predict(float(have_n))), "predicted"))
    t = curve._check_target(target)
    notes = list(curve.notes)
    needed = samples_needed(curve, t)
    lo_n, hi_n = samples_interval(curve, t, level)
    if math.isfinite(needed) and needed <= measured:
        notes.append(f"the measured curve already reaches {t:g} at n={measured}")
    additional = max(needed - have_n, 0.0) if math.isfinite(needed) else math.inf
    if not math.isfinite(needed):
        notes.append(f"the curve levels off at {curve.asymptote:.4g}; more data of this kind "
                     "does not reach the target with this model")
    if math.isfinite(needed) and needed > 8 * measured:
        notes.append(f"the estimate extrapolates {needed / measured:.0f}x beyond the "
                     "largest measured size; treat it as a first round's direction only")
    predicted_at = interval_at = None
    if at is not None:
        predicted_at = float(curve.predict(float(at)))
        lo, hi = curve.interval(float(at), level)
        interval_at = (float(lo), float(hi))
    cost = additional * cost_per_sample if cost_per_sample is not None else None
    budget_samples = budget_score = None
    if budget is not None and cost_per_sample is not None:
        budget_samples = math.inf if cost_per_sample == 0 else budget / cost_per_sample
        total = have_n + budget_samples
        budget_score = float(curve.predict(min(total, 1e15)))
    seconds, seconds_bound = _train_seconds(r, model, needed)
    if seconds_bound:
        notes.append(f"the training time at {needed:,.0f} is an upper bound: the learner "
                     "turns early stopping on by itself above "
                     f"{early_stopping_above(model):,} rows, and every measured size lies "
                     "below that")
    return DataPlan(
        model=model, metric=m.name, target=t, level=level,
        higher_is_better=m.higher_is_better, have=have_n,
        predicted_now=now, now_source=now_source, samples_needed=needed,
        samples_interval=(lo_n, hi_n), additional=additional,
        asymptote=curve.asymptote, at=at, predicted_at=predicted_at,
        interval_at=interval_at, train_seconds=seconds, cost=cost,
        budget=budget, budget_samples=budget_samples, budget_score=budget_score,
        rounds=_rounds(curve, have_n, needed, SIZE_CORRECTION), curve=curve, notes=notes,
        train_seconds_is_bound=seconds_bound, compute=compute_spent(r, model))
