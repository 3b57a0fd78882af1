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
from datacurve.fit._curve import LearningCurve, fit_learning_curve
from datacurve.fit._scaling import _natural_scores
from datacurve.metrics import Metric

__all__ = ["MAX_ROUND_GROWTH", "SIZE_BIAS_LOG2", "DataPlan", "fit_curves", "plan"]

SIZE_BIAS_LOG2 = -0.22
"""Median log2(true size / predicted size) of `size_for` on the extrapolation benchmark
(LCDB, observing sizes <= 1/8 of the largest, datasets held out from the meta-model:
`size_for` over-estimates by a median factor of 2**0.22 = 1.16; 2**0.21 with the train
scores, a difference of 1 % in size); estimates are multiplied by 2**SIZE_BIAS_LOG2
before planning, so the plan is median-unbiased there."""
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
        The curve's score at `have`.
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
    """

    model: str
    metric: str
    target: float
    level: float
    higher_is_better: bool
    have: int
    predicted_now: float
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
            "predicted_now": num(self.predicted_now),
            "samples_needed": num(self.samples_needed),
            "samples_interval": [num(x) for x in self.samples_interval],
            "additional": num(self.additional), "asymptote": num(self.asymptote),
            "at": self.at, "predicted_at": num(self.predicted_at),
            "interval_at": None if self.interval_at is None
            else [num(x) for x in self.interval_at],
            "train_seconds": num(self.train_seconds), "cost": num(self.cost),
            "budget": self.budget, "budget_samples": num(self.budget_samples),
            "budget_score": num(self.budget_score), "rounds": self.rounds,
            "curve": self.curve.to_dict(), "notes": self.notes,
        }


def _curve_inputs(results: Any, metric: str | None
                  ) -> tuple[pd.DataFrame, Metric, np.ndarray, np.ndarray]:
    """Finished trials of `results`, the metric to fit and each row's validation and
    training score in its natural units, shape (rows,) each (the same resolution as
    `fit_scaling_law`: the table's own metric, or ``val_<metric>`` / ``train_<metric>``
    when another is asked for; training scores are NaN where not recorded)."""
    if not isinstance(results, pd.DataFrame):
        raise InputError("results", "a pandas DataFrame (one row per trial)",
                         type(results).__name__)
    need = ("model", "n", "val_score")
    missing = [c for c in need if c not in results.columns]
    if missing:
        raise InputError("results", f"columns {', '.join(need)}",
                         f"a table without {', '.join(missing)}")
    table = results
    if "status" in table.columns:
        table = table[table["status"] == "ok"]
    table = table[np.isfinite(table["val_score"].astype(float))]
    if table.empty:
        raise InputError("results", "at least one finished trial", "none")
    ok = np.ones(len(table), dtype=bool)
    m, natural = _natural_scores(table, ok, metric)
    _, train = _natural_scores(table, ok, metric, kind="train")
    keep = np.isfinite(natural)
    return table[keep], m, natural[keep], train[keep]


def _fit_model(table: pd.DataFrame, m: Metric, natural: np.ndarray, train: np.ndarray,
               name: str) -> LearningCurve:
    rows = (table["model"] == name).to_numpy()
    if not rows.any():
        raise InputError("model", f"one of {', '.join(map(str, table['model'].unique()))}",
                         repr(name))
    scores = natural[rows]
    lower = m.lower if math.isfinite(m.lower) else float(np.min(scores)) - 1.0
    # Train scores only inform the extrapolation (and only of [0, 1] metrics): values
    # outside the range the fit works in (a lower bound made up from the validation
    # scores, or a table storing them in another orientation) are left out, not refused.
    train_scores = train[rows]
    train_scores = np.where((train_scores < lower) | (train_scores > m.upper), np.nan,
                            train_scores)
    return fit_learning_curve(table["n"].to_numpy(dtype=np.float64)[rows], scores,
                              train_scores=train_scores,
                              higher_is_better=m.higher_is_better, lower=lower,
                              upper=m.upper)


def fit_curves(results: pd.DataFrame, *, metric: str | None = None,
               models: list[str] | None = None) -> dict[str, LearningCurve]:
    """Fit one learning curve per model of a results table.

    Parameters
    ----------
    results : DataFrame
        Contract columns (``model, n, val_score``; scores higher-is-better as the runner
        stores them) and optionally ``train_score``, ``metric``, ``status``,
        ``val_<metric>`` and ``train_<metric>``. Training scores, when present, are
        passed to `fit_learning_curve` as ``train_scores`` (converted to the metric's
        natural units as the validation scores are; values outside the metric's range
        are left out).
    metric : str, optional
        The metric to fit (default: the table's ``metric`` column, else accuracy).
    models : list of str, optional
        Models to fit (default all).

    Returns
    -------
    dict
        Model → `LearningCurve` in the metric's natural units.
    """
    table, m, natural, train = _curve_inputs(results, metric)
    names = list(dict.fromkeys(table["model"])) if models is None else models
    return {name: _fit_model(table, m, natural, train, name) for name in names}


def _train_seconds(part: pd.DataFrame, n: float) -> float | None:
    """Seconds to train at size `n`: a power law in n fitted to the larger half of the
    measured fit times (small sizes are dominated by fixed overhead)."""
    if "fit_time" not in part.columns or not math.isfinite(n):
        return None
    t = part.groupby("n")["fit_time"].median()
    t = t[t > 0]
    if t.size < 2:
        return None
    top = t.iloc[t.size // 2:] if t.size >= 4 else t
    slope, _ = np.polyfit(np.log(top.index.to_numpy(float)), np.log(top.to_numpy()), 1)
    slope = float(np.clip(slope, 0.0, 3.0))
    ref_n, ref_t = float(top.index[-1]), float(top.iloc[-1])
    return float(ref_t * (n / ref_n) ** slope)


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


def plan(results: pd.DataFrame, *, target: float, model: str | None = None,
         metric: str | None = None, have: int | None = None, at: int | None = None,
         cost_per_sample: float | None = None, budget: float | None = None,
         level: float = 0.8) -> DataPlan:
    """How many samples `model` needs to reach `target`, and what that takes.

    Parameters
    ----------
    results : DataFrame
        The runner's results table (see `fit_curves`).
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

    Returns
    -------
    DataPlan
    """
    table, m, natural, train = _curve_inputs(results, metric)
    names = list(dict.fromkeys(table["model"]))
    if model is None:
        if len(names) != 1:
            raise InputError("model", f"one of {', '.join(map(str, names))} (the table "
                             "holds several)", "none")
        model = names[0]
    if model not in names:
        raise InputError("model", f"one of {', '.join(map(str, names))}", repr(model))
    for arg, val in (("cost_per_sample", cost_per_sample), ("budget", budget)):
        if val is not None and not (math.isfinite(val) and val >= 0):
            raise InputError(arg, "a non-negative number", repr(val))
    if budget is not None and cost_per_sample is None:
        raise InputError("budget", "cost_per_sample as well (to turn money into samples)",
                         "a budget alone")
    if at is not None and at <= 0:
        raise InputError("at", "a positive training-set size", repr(at))
    curve = _fit_model(table, m, natural, train, model)
    part = table[table["model"] == model]
    measured = int(part["n"].max())
    have_n = measured if have is None else int(have)
    if have_n <= 0:
        raise InputError("have", "a positive number of samples", repr(have))
    t = curve._check_target(target)
    notes = list(curve.notes)
    raw = curve.size_for(t)
    lo_n, hi_n = curve.size_interval(t, level)
    corr = 2.0 ** SIZE_BIAS_LOG2
    needed = raw * corr if math.isfinite(raw) else math.inf
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
    return DataPlan(
        model=model, metric=m.name, target=t, level=level,
        higher_is_better=m.higher_is_better, have=have_n,
        predicted_now=float(curve.predict(float(have_n))), samples_needed=needed,
        samples_interval=(lo_n * corr, hi_n * corr), additional=additional,
        asymptote=curve.asymptote, at=at, predicted_at=predicted_at,
        interval_at=interval_at, train_seconds=_train_seconds(part, needed), cost=cost,
        budget=budget, budget_samples=budget_samples, budget_score=budget_score,
        rounds=_rounds(curve, have_n, needed, corr), curve=curve, notes=notes)
