"""Which trial to measure next when compute is scarce, and what a measurement cost.

`budget_step` is the decision a budgeted `run_curve` makes after every round (see
`datacurve.curves.Budget`): given the trials measured so far and those the design still
offers, it picks the trials that narrow the answer's interval most per second of
training, drops models that are clearly beaten, and says when to stop.

How a trial's worth is judged. The answer is "samples to reach the target" (its 80 %
interval's width as log(pessimistic / optimistic)) or, without a target, "the score at
the full pool" (its interval's width). For a candidate trial at size n the curve is
refitted twice with an imagined result, one standard deviation either side of what it
predicts there (the curve's own 68 % interval at a new size; the measured mean ± the
seeds' spread at a measured one): the mean width of the two refits is the expected width
after the trial, a two-point Gauss–Hermite rule for the expectation over the result.
Its worth is the expected narrowing divided by the trial's predicted seconds (the time
model). No library does this for learning curves: the published sequential designs
(Bayesian optimisation's expected information gain, Kriging-believer batches) assume a
Gaussian-process model, and our curves are meta-learned quantile ensembles; imagined
results refitted with the real fitting code judge the real interval.

Models are raced (successive halving's early stopping by confidence): a model whose
optimistic score at the full pool is worse than the best model's predicted score there,
both measured at three sizes or more, is dropped and its budget goes to the others.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from datacurve._errors import InputError
from datacurve.curves import Budget, BudgetStep
from datacurve.fit._compute import training_seconds
from datacurve.fit._curve import LearningCurve
from datacurve.fit._plan import _fit_one, _model_arrays, samples_interval
from datacurve.fit._timing import TimeModel, fit_time_model
from datacurve.results import Results

__all__ = ["EXTRAPOLATED_TIME_MARGIN", "WARMUP_FRACTIONS", "WARMUP_SIZES", "budget_step"]

WARMUP_SIZES = 3
"""Sizes each model is measured at (one repeat each) before a curve and a time model can
judge anything."""
WARMUP_FRACTIONS = (1 / 512, 1 / 128, 1 / 32)
"""Where the first sizes lie, as shares of the full pool (the nearest anchors on a log
scale; the smallest anchors when these coincide): spread over a 16-fold range, so that
the time model sees time grow rather than a learner's fixed overhead or a network's fixed
step budget at tiny sizes, for about 4 % of a full run when time grows linearly."""
_GROW_AHEAD = 3
"""New sizes considered per model and round: the next this many anchors above its largest
measured one (a jump can be worth its price when the extrapolation is long)."""
_REPEAT_AT = 3
"""Measured sizes (the largest) at which one more repeat is considered per round."""
_HORIZON = 1000.0
"""Samples-needed intervals are clipped at this many times the full pool: beyond it an
unreachable end would make every width infinite."""
_ONE_SD = 0.6827
"""Coverage of ±1 standard deviation of a normal: the imagined results' spread."""
EXTRAPOLATED_TIME_MARGIN = 2.0
"""A trial larger than every timed one must fit in the budget left at up to this many
times its predicted seconds: the square root of how far beyond the largest timed size it
lies, at most this (1.41 at twice the size, 2 from four times). A time model extrapolated
from small sizes can be far off (a network's fixed step budget below the size where early
stopping starts looks like overhead; on the MNIST-1D curves of bench/budget.py, 4,096 to
8,192 rows took 2x what sizes up to 1,024 foretold), and one such trial could spend the
whole budget; a flat factor of 2 stopped half of the LCDB replays with 40 % of their
budget unspent."""


Option = tuple[float, float, float, str, str, int]
"""A candidate trial: (narrowing per second, narrowing, seconds it needs of what is left,
key, model, size)."""


def budget_step(results: pd.DataFrame, candidates: pd.DataFrame, budget: Budget, *,
                full_n: int, slots: int = 1,
                dropped: Mapping[str, str] | None = None) -> BudgetStep:
    """Decide a budgeted run's next trials.

    Parameters
    ----------
    results : DataFrame
        The design's trials measured so far (the runner's results table, failed trials
        included; may be empty): ``model, n, val_score, status, fit_time`` at least.
    candidates : DataFrame
        The design's trials not measured yet: columns ``key, model, n, repeat`` (repeat:
        0 for the first (fold, seed) measurement of a size, 1 for the next, ...).
    budget : Budget
    full_n : int
        Rows of one full-data training run (the pool).
    slots : int
        Trials the executor runs at once: up to this many are picked per round.
    dropped : mapping, optional
        Models dropped in earlier rounds (model → reason).

    Returns
    -------
    BudgetStep
        Empty `picks` with a `stop` reason when the run should stop.
    """
    dropped = dict(dropped or {})
    done = results[results["status"] == "ok"] if len(results) else results
    spent = training_seconds(results)
    models = list(dict.fromkeys([*candidates["model"], *results.get("model", [])]))
    alive = [m for m in models if m not in dropped]

    def step(picks: list[str], stop: str | None, **kw: Any) -> BudgetStep:
        return BudgetStep(tuple(picks), stop, spent_seconds=spent, dropped=dict(dropped),
                          **kw)

    if budget.seconds is not None and spent >= budget.seconds:
        return step([], "budget spent", budget_seconds=budget.seconds)
    # First WARMUP_SIZES sizes spread over the pool, one repeat each.
    warm = _warmup_picks(alive, done, results, candidates, full_n, dropped)
    alive = [m for m in alive if m not in dropped]
    if warm:
        return step(warm, None, budget_seconds=budget.seconds)
    if not alive:
        return step([], "no model could be measured at enough sizes")

    r = Results.from_source(done)
    times = {m: _time_model(r, m) for m in models if m in set(done["model"])}
    full = {m: float(tm.predict(full_n)) for m, tm in times.items()}
    total_full = sum(full.values())
    limit = (budget.seconds if budget.seconds is not None else
             budget.share * total_full if budget.share is not None else None)
    curves = {m: _fit_one(r, m, network=None) for m in alive}
    widths = {m: _width(c, budget, full_n) for m, c in curves.items()}
    info = {"budget_seconds": limit, "full_seconds": full, "widths": widths}

    # Race the models: drop those clearly beaten at the full pool.
    for m, why in _beaten(r, curves, full_n, budget.level).items():
        dropped[m] = why
        widths.pop(m)
    alive = [m for m in alive if m not in dropped]
    if limit is not None and spent >= limit:
        first = all(done.loc[done["model"] == m, "n"].nunique() <= WARMUP_SIZES
                    for m in models if m in times)
        why = (f"budget spent by the first sizes alone ({WARMUP_SIZES} per model, the "
               f"fewest a curve is fitted to; a full run costs about {total_full:.3g} s "
               "here)" if first else "budget spent")
        return step([], why + _overhead_note(times, full), **info)
    if budget.until_width is not None and all(
            _shown_width(w, budget) <= budget.until_width for w in widths.values()):
        return step([], f"interval narrower than {budget.until_width:g}"
                    f"{'×' if budget.target is not None else ''}", **info)

    left = math.inf if limit is None else limit - spent
    options: list[Option] = []
    for m in alive:
        timed = times[m].n_range[1]
        for key, n, value in _options(r, m, curves[m], candidates, budget, full_n,
                                      widths[m]):
            cost = max(float(times[m].predict(n)), 1e-9)
            need = cost * min(EXTRAPOLATED_TIME_MARGIN, max(1.0, math.sqrt(n / timed)))
            options.append((value / cost, value, need, key, m, n))
    if not options:
        return step([], "every trial of the design was measured", **info)
    picks = _pick(options, slots, left, done, limit is not None)
    if picks:
        return step(picks, None, **info)
    # Something would narrow it (or a larger size would, as above) but costs more than
    # is left; else nothing the design offers is expected to narrow it.
    if limit is not None and any(o[1] > 0 or o[5] > _largest(done, o[4]) for o in options):
        return step([], "no trial that narrows the interval fits in what is left of the "
                    "budget", **info)
    return step([], "no trial is expected to narrow the interval", **info)


def _warmup_picks(alive: list[str], done: pd.DataFrame, results: pd.DataFrame,
                  candidates: pd.DataFrame, full_n: int, dropped: dict[str, str]
                  ) -> list[str]:
    """Keys of the first sizes of every model short of WARMUP_SIZES measured ones; a
    model with nothing left to measure there is added to `dropped`."""
    warm: list[str] = []
    for m in alive:
        have = int(done.loc[done["model"] == m, "n"].nunique()) if len(done) else 0
        if have >= WARMUP_SIZES:
            continue
        tried = (results.loc[results["model"] == m, "n"].to_list() if len(results)
                 else [])
        mine = candidates[(candidates["model"] == m) & ~candidates["n"].isin(tried)]
        first = mine.sort_values(["n", "repeat"]).drop_duplicates("n")
        take = _warmup(first, full_n, WARMUP_SIZES - have)
        if take.empty:
            dropped[m] = (f"only {have} size{'s' if have != 1 else ''} could be measured "
                          f"(a curve needs {WARMUP_SIZES})")
            continue
        warm.extend(take["key"])
    return warm


def _pick(options: list[Option], slots: int, left: float, done: pd.DataFrame,
          budgeted: bool) -> list[str]:
    """Up to `slots` keys by narrowing per second, one per (model, size), each fitting in
    what is `left`; when nothing narrows (a curve that already looks certain) and there
    is a budget, the largest new size it affords: measuring nearer the full pool is what
    extrapolation error shrinks with."""
    picks: list[str] = []
    taken: set[tuple[str, int]] = set()
    for _, value, need, key, m, n in sorted(options, key=lambda o: -o[0]):
        if len(picks) >= slots or value <= 0:
            break
        if need > left or (m, n) in taken:
            continue
        picks.append(key)
        taken.add((m, n))
        left -= need
    if not picks and budgeted and all(o[1] <= 0 for o in options):
        grow = [o for o in options if o[2] <= left and o[5] > _largest(done, o[4])]
        if grow:
            picks.append(max(grow, key=lambda o: (o[5], o[1]))[3])
    return picks


def _largest(done: pd.DataFrame, model: str) -> int:
    """The largest size `model` was measured at."""
    return int(done.loc[done["model"] == model, "n"].max())


def _warmup(first: pd.DataFrame, full_n: int, k: int) -> pd.DataFrame:
    """`k` of the candidate sizes `first` (one row per size, ascending): those nearest
    `WARMUP_FRACTIONS` of the full pool, then the smallest others."""
    if first.empty or k <= 0:
        return first.head(0)
    logs = np.log(first["n"].to_numpy(np.float64))
    chosen: list[int] = []
    for frac in WARMUP_FRACTIONS[-k:] if k < len(WARMUP_FRACTIONS) else WARMUP_FRACTIONS:
        i = int(np.argmin(np.abs(logs - math.log(max(frac * full_n, 1.0)))))
        if i not in chosen:
            chosen.append(i)
    rest = [i for i in range(len(first)) if i not in chosen]
    chosen = sorted(chosen + rest[: max(k - len(chosen), 0)])[:k]
    return first.iloc[chosen]


def _overhead_note(times: Mapping[str, TimeModel], full: Mapping[str, float]) -> str:
    """Why a share of a full run buys little when fixed overhead dominates training time
    ("" when it does not)."""
    shares = {m: tm.t0 / full[m] for m, tm in times.items() if full.get(m)}
    if not shares or min(shares.values()) < 0.5:
        return ""
    return (f" (training time hardly grows with n here: a run's fixed overhead is "
            f"{min(shares.values()):.0%} or more of a full run, so the smallest sizes "
            "cost nearly as much as the full pool; give a larger budget or one "
            "in seconds, or measure every size)")


def _time_model(r: Results, model: str) -> TimeModel:
    """`model`'s time model, or seconds proportional to n when it cannot be fitted (one
    size with a fit time)."""
    try:
        return fit_time_model(r, model)
    except InputError:
        rows = r.table[r.table["model"] == model]
        t = pd.to_numeric(rows["fit_time"], errors="coerce").to_numpy(np.float64)
        n = rows["n"].to_numpy(np.float64)
        ok = np.isfinite(t) & (t > 0)
        per = float(np.median(t[ok] / n[ok])) if ok.any() else 1e-6
        return TimeModel(0.0, per, 1.0, (float(n.min()), float(n.max())), 1, 0.0, model)


def _width(curve: LearningCurve, budget: Budget, full_n: int) -> float:
    """The answer's interval width: log(pessimistic / optimistic) samples for the
    target, or the score interval's width at the full pool."""
    if budget.target is None:
        lo, hi = curve.interval(float(full_n), budget.level)
        return float(hi - lo)
    lo, hi = samples_interval(curve, budget.target, budget.level)
    cap = _HORIZON * full_n
    return math.log(min(hi, cap) / max(min(lo, cap), 1.0))


def _shown_width(width: float, budget: Budget) -> float:
    """`width` in `Budget.until_width`'s units (a ratio with a target)."""
    return math.exp(width) if budget.target is not None else width


def _beaten(r: Results, curves: dict[str, LearningCurve], full_n: int,
            level: float) -> dict[str, str]:
    """Models whose optimistic score at the full pool is worse than the best model's
    predicted score there (each measured at WARMUP_SIZES sizes or more)."""
    if len(curves) < 2:
        return {}
    higher = r.metric.higher_is_better
    pred = {m: float(c.predict(float(full_n))) for m, c in curves.items()}
    best = max(pred, key=lambda m: pred[m] if higher else -pred[m])
    out = {}
    for m, c in curves.items():
        if m == best:
            continue
        lo, hi = c.interval(float(full_n), level)
        optimistic = hi if higher else lo
        if (optimistic < pred[best]) if higher else (optimistic > pred[best]):
            out[m] = (f"beaten: its optimistic {r.metric.name} at n={full_n:,} "
                      f"({optimistic:.4g}) is worse than {best}'s predicted "
                      f"{pred[best]:.4g}")
    return out


def _options(r: Results, model: str, curve: LearningCurve, candidates: pd.DataFrame,
             budget: Budget, full_n: int, width: float
             ) -> list[tuple[str, int, float]]:
    """(key, n, expected narrowing) of `model`'s candidate trials: the next
    `_GROW_AHEAD` new sizes above its largest measured one, and one more repeat at each
    of its `_REPEAT_AT` largest measured sizes."""
    mine = candidates[candidates["model"] == model]
    if mine.empty:
        return []
    n, scores, train, lower = _model_arrays(r, model)
    largest = float(n.max())
    first = mine.sort_values(["n", "repeat"]).drop_duplicates("n")
    grow = first[first["n"] > largest].head(_GROW_AHEAD)
    # One more repeat at each of the largest measured sizes: cheaper than growing, and
    # what is left of a budget too small for the next size can still narrow the noise.
    top = np.unique(n)[-_REPEAT_AT:]
    again = (mine[mine["n"].isin(top)].sort_values(["n", "repeat"])
             .drop_duplicates("n"))
    top_train = train[n == largest]
    train_guess = float(np.nanmean(top_train)) if np.isfinite(top_train).any() else np.nan
    out = []
    rows = pd.concat([grow, again])
    for key, n_row in zip(rows["key"].astype(str), rows["n"].astype(int), strict=True):
        size = float(n_row)
        if size > largest:
            lo, hi = curve.interval(size, _ONE_SD)
        else:
            here = scores[n == size]
            sd = float(np.std(here, ddof=1)) if here.size > 1 else curve.noise
            mid = float(np.mean(here))
            lo, hi = mid - sd, mid + sd
        after = []
        for value in (lo, hi):
            v = float(np.clip(value, lower, r.metric.upper))
            arrays = (np.append(n, size), np.append(scores, v),
                      np.append(train, train_guess), lower)
            try:
                refit = _fit_one(r, model, network=None, arrays=arrays)
            except InputError:
                continue
            after.append(_width(refit, budget, full_n))
        if after:
            out.append((key, int(n_row), width - float(np.mean(after))))
    return out
