"""Model size under a data budget: which size of one architecture is best at each amount
of data, measured with successive halving so that sizes clearly beaten stop costing
compute.

The sizes of a sweep (``cnn`` with ``width=4,16,64``, or any spec and keyword values)
are trained size by size of the training set, smallest first, on the same nested
subsets and seeds. After each training-set size from the third on, a model is dropped —
not trained at the larger sizes — when it is beaten twice over: its upper interval end
at this size (mean over seeds plus z standard errors) lies below the leader's lower end,
and its fitted learning curve, at its most optimistic, stays below the leader's at its
most pessimistic at the largest size searched (learning curves cross: a larger model
behind at small n often leads later). What is left is measured to the end. The answer is
the best model at every measured size (highest mean), where that best changes, and what
the halving saved in trials.

Why not the joint scaling law: its additive form ``E + A/P^α + B/n^β`` always prefers
the largest model at every n, so it cannot say where a smaller model is the better buy;
the measured means can.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from datacurve._errors import InputError
from datacurve.curves import Store, run_curve
from datacurve.data import as_dataset
from datacurve.models import parse_spec
from datacurve.results import Results

__all__ = ["MIN_SIZES_BEFORE_DROP", "SizeSearch", "search_model_size"]

MIN_SIZES_BEFORE_DROP = 3
"""Training-set sizes a model is measured at before it can be dropped (a learning curve
needs 3 to be fitted and extrapolated)."""


def _end(results: Results, model: str, n: int, level: float, sign: float,
         which: int) -> float:
    """The oriented (higher is better) end `which` (0 low, 1 high) of `model`'s fitted
    curve interval at size `n`; +inf / -inf (never drop) when no curve fits."""
    from datacurve.fit import fit_model_curve

    try:
        lo, hi = fit_model_curve(results, model).interval(float(n), level)
    except InputError:
        return math.inf if which == 1 else -math.inf
    ends = sorted((sign * float(lo), sign * float(hi)))
    return ends[which]


@dataclass(frozen=True)
class SizeSearch:
    """What `search_model_size` measured.

    Attributes
    ----------
    models : list of str
        Every model of the sweep (spec names), in the sweep's order.
    rounds : DataFrame
        One row per (n, model) measured: ``n, model, seeds, score, low, high, kept``
        (score: mean over seeds, natural units; low / high: the interval used to drop;
        kept: whether the model went on to the next size).
    best : DataFrame
        One row per measured n: ``n, model, score`` of the best model there.
    dropped : dict of str to dict
        Model -> ``{"n": size it was dropped at, "by": the model that beat it}``.
    trials_run, trials_full : int
        Trials trained, and those the full grid would have trained.
    metric : str
    level : float
    results : Results
    """

    models: list[str]
    rounds: pd.DataFrame
    best: pd.DataFrame
    dropped: dict[str, dict[str, Any]]
    trials_run: int
    trials_full: int
    metric: str
    level: float
    results: Results = field(repr=False)

    @property
    def changes(self) -> list[dict[str, Any]]:
        """Where the best model changes: ``{"n", "from", "to"}`` per change."""
        out: list[dict[str, Any]] = []
        prev: str | None = None
        for r in self.best.to_dict("records"):
            if prev is not None and r["model"] != prev:
                out.append({"n": int(r["n"]), "from": prev, "to": r["model"]})
            prev = str(r["model"])
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        from datacurve._plain import plain

        return {"models": self.models, "metric": self.metric, "level": self.level,
                "rounds": plain(self.rounds.to_dict("records")),
                "best": plain(self.best.to_dict("records")), "changes": self.changes,
                "dropped": plain(self.dropped), "trials_run": self.trials_run,
                "trials_full": self.trials_full}


def _sweep_models(spec: str, sweep: Mapping[str, Sequence[Any]]) -> list[str]:
    """The model specs of every combination of the sweep's values."""
    if not sweep or any(isinstance(v, str) or not len(v) for v in sweep.values()):
        raise InputError("sweep", "name -> values to search, such as {'width': [4, 16, 64]}",
                         repr(sweep))
    base = parse_spec(spec)
    keys = list(sweep)
    names = [base.with_params(**dict(zip(keys, combo, strict=True))).canonical
             for combo in itertools.product(*(sweep[k] for k in keys))]
    if len(set(names)) < 2:
        raise InputError("sweep", "at least 2 different models", repr(sweep))
    return list(dict.fromkeys(names))


def search_model_size(data: Any, spec: str, sweep: Mapping[str, Sequence[Any]], *,
                      sizes: Sequence[int], seeds: int = 3, metric: str | None = None,
                      jobs: int = 1, store: Store | str | Path | None = None,
                      label: str | None = None, eval_folds: int | None = 1,
                      level: float = 0.8, progress: bool = False) -> SizeSearch:
    """Find the best model size at each training-set size, dropping sizes clearly beaten.

    Parameters
    ----------
    data : Dataset, array pair, DataFrame or path
        As `run_curve` takes it.
    spec : str
        The architecture's spec (``cnn``, ``mlp:depth=2``, ``sklearn:MLPClassifier()``).
    sweep : mapping of str to sequence
        Keyword -> values to search (``{"width": [4, 16, 64]}``); every combination is a
        model.
    sizes : sequence of int
        Training-set sizes, measured smallest first (2 or more).
    seeds, metric, jobs, store, label, eval_folds
        As for `run_curve`.
    level : float
        Coverage of the interval that drops a model (0.8: mean ± 1.28 standard errors).

    Returns
    -------
    SizeSearch

    Raises
    ------
    InputError
        Naming ``sweep`` (fewer than 2 models), ``sizes`` (fewer than 2), ``seeds``
        (fewer than 2: the interval needs a spread) or ``level``.
    """
    models = _sweep_models(spec, sweep)
    order = sorted({int(n) for n in sizes})
    if len(order) < 2:
        raise InputError("sizes", "2 or more training sizes to search over", repr(sizes))
    if not isinstance(seeds, int) or seeds < 2:
        raise InputError("seeds", "2 or more seeds (the interval needs their spread)",
                         repr(seeds))
    if not 0.0 < float(level) < 1.0:
        raise InputError("level", "a coverage strictly between 0 and 1", repr(level))
    z = float(stats.norm.ppf(0.5 + float(level) / 2))
    dataset = as_dataset(data, label=label)
    alive = list(models)
    raw: list[pd.DataFrame] = []
    rounds: list[dict[str, Any]] = []
    dropped: dict[str, dict[str, Any]] = {}
    metric_name = ""
    results: Results | None = None
    for k, n in enumerate(order):
        run = run_curve(dataset, {m: m for m in alive}, sizes=[n], seeds=seeds,
                        metric=metric, jobs=jobs, store=store, progress=progress,
                        eval_folds=eval_folds)
        raw.append(run.results)
        results = Results.from_source(pd.concat(raw, ignore_index=True), metric=metric,
                                      name="results")
        metric_name = results.metric.name
        frame = results.natural_frame()
        stat = frame[frame["n"] == n].groupby("model")["val"].agg(["mean", "std", "count"])
        sign = 1.0 if results.metric.higher_is_better else -1.0
        se = (stat["std"].fillna(0.0) / np.sqrt(stat["count"])).to_numpy()
        mean = stat["mean"].to_numpy() * sign
        low, high = mean - z * se, mean + z * se
        lead = int(np.argmax(low))
        # Curves cross: a model behind at small n may lead later. Drop only from the
        # third size on, and only a model whose fitted curve, at its most optimistic,
        # stays below the leader's at its most pessimistic at the largest size searched.
        lead_end = _end(results, str(stat.index[lead]), order[-1], level, sign, 0) \
            if k >= MIN_SIZES_BEFORE_DROP - 1 and n != order[-1] else math.nan
        for i, model in enumerate(stat.index):
            beaten = (i != lead and high[i] < low[lead] and math.isfinite(lead_end)
                      and _end(results, str(model), order[-1], level, sign, 1) < lead_end)
            rounds.append({"n": n, "model": model, "seeds": int(stat["count"].iloc[i]),
                           "score": float(stat["mean"].iloc[i]),
                           "low": float(sign * (low[i] if sign > 0 else high[i])),
                           "high": float(sign * (high[i] if sign > 0 else low[i])),
                           "kept": not beaten})
            if beaten:
                dropped[str(model)] = {"n": n, "by": str(stat.index[lead])}
        alive = [m for m in alive if m not in dropped]
    assert results is not None
    table = pd.DataFrame(rounds)
    best = (table.sort_values("score", ascending=not results.metric.higher_is_better)
            .groupby("n").head(1).sort_values("n")[["n", "model", "score"]]
            .reset_index(drop=True))
    trials_run = sum(len(f) for f in raw)
    # Trials per (model, size) cell times the full grid: what no halving would train.
    trials_full = round(trials_run / max(1, len(table)) * len(models) * len(order))
    return SizeSearch(models=models, rounds=table, best=best, dropped=dropped,
                      trials_run=trials_run, trials_full=trials_full, metric=metric_name,
                      level=float(level), results=results)


