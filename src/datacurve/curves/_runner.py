"""The runner: plan the trials of a learning curve, skip what the store holds, run the
rest on an executor, and record each result the moment it arrives."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from datacurve._errors import InputError
from datacurve.curves._anchors import resolve_anchors
from datacurve.curves._executors import Executor, make_executor
from datacurve.curves._metrics import get_metric
from datacurve.curves._store import Store, open_store
from datacurve.curves._subsets import EvalSplit, make_eval_split, nested_order, valid_anchors
from datacurve.curves._trial import Trial, TrialData, TrialResult, run_trial, trial_key
from datacurve.data import Dataset

__all__ = ["CurvePlan", "CurveRun", "ProgressEvent", "plan_curve", "run_curve"]


@dataclass(frozen=True)
class ProgressEvent:
    """What the runner reports while it works.

    Attributes
    ----------
    kind : {"start", "trial", "done"}
    total : int
        Trials to run in this call (excluding those the store already held).
    done : int
        Trials finished so far in this call.
    cost_total, cost_done : float
        Estimated work (proportional to training-set size), for an honest ETA.
    result : TrialResult, optional
        The trial that just finished (kind "trial").
    cached : int
        Trials the store already held.
    """

    kind: str
    total: int
    done: int
    cost_total: float
    cost_done: float
    cached: int = 0
    result: TrialResult | None = None


ProgressCallback = Callable[[ProgressEvent], None]


@dataclass(frozen=True)
class CurvePlan:
    """Every trial of a learning-curve run, before anything is trained.

    Attributes
    ----------
    dataset : Dataset
    models : tuple of str
        Canonical learner specs.
    anchors : ndarray of shape (m,)
        Training-set sizes.
    seeds : tuple of int
    split : EvalSplit
    trials : tuple of Trial
        Ordered by size, so the small anchors of every model finish first.
    """

    dataset: Dataset
    models: tuple[str, ...]
    anchors: np.ndarray
    seeds: tuple[int, ...]
    split: EvalSplit
    trials: tuple[Trial, ...]

    def describe(self) -> dict[str, Any]:
        """Plain-value summary."""
        return {
            "dataset": self.dataset.summary(),
            "models": list(self.models),
            "anchors": [int(a) for a in self.anchors],
            "seeds": list(self.seeds),
            "evaluation": {"n": int(self.split.evaluation.size), "how": self.split.how,
                           "key": self.split.key},
            "pool": int(self.split.pool.size),
            "trials": len(self.trials),
        }


@dataclass(frozen=True)
class CurveRun:
    """The outcome of `run_curve`.

    Attributes
    ----------
    plan : CurvePlan
    results : DataFrame
        One row per trial of the plan (see `Store.results`), failed trials included.
    ran, cached, failed : int
        Trials trained in this call, found in the store, and failed in this call.
    store_path : Path
    seconds : float
        Wall time of this call.
    """

    plan: CurvePlan
    results: pd.DataFrame
    ran: int
    cached: int
    failed: int
    store_path: Path
    seconds: float
    errors: dict[str, str] = field(default_factory=dict)

    def summary(self) -> pd.DataFrame:
        """Mean and spread over seeds per (model, n), in the metric's natural units."""
        return summarize(self.results)


def summarize(results: pd.DataFrame) -> pd.DataFrame:
    """Per (model, n): params, seeds, mean/std of evaluation and train metric.

    Parameters
    ----------
    results : DataFrame
        A results table (`Store.results`).

    Returns
    -------
    DataFrame
        Columns model, n, params, seeds, val_mean, val_std, train_mean, fit_time,
        metric, failed; metric values in natural units.
    """
    if results.empty:
        return pd.DataFrame(columns=["model", "n", "params", "seeds", "val_mean", "val_std",
                                     "train_mean", "fit_time", "metric", "failed"])
    df = results.copy()
    metric = str(df["metric"].iloc[0])
    sign = 1.0 if get_metric(metric).higher_is_better else -1.0
    df["val"] = sign * df["val_score"]
    df["train"] = sign * df["train_score"]
    df["is_failed"] = df["status"] != "ok"
    g = df.groupby(["model", "n"], sort=True)
    out = pd.DataFrame({
        "params": g["params"].max(),
        "seeds": g["val"].count(),
        "val_mean": g["val"].mean(),
        "val_std": g["val"].std(ddof=1),
        "train_mean": g["train"].mean(),
        "fit_time": g["fit_time"].mean(),
        "failed": g["is_failed"].sum().astype(int),
    }).reset_index()
    out["metric"] = metric
    return out


def _canonical_models(models: Sequence[str]) -> tuple[str, ...]:
    from datacurve.models import parse_spec

    if isinstance(models, str):
        models = [models]
    if not models:
        raise InputError("--model", "at least one model spec", "none")
    canon: list[str] = []
    for m in models:
        c = parse_spec(str(m)).canonical
        if c not in canon:
            canon.append(c)
    return tuple(canon)


def _seeds(seeds: int | Sequence[int]) -> tuple[int, ...]:
    if isinstance(seeds, int | np.integer):
        if seeds < 1:
            raise InputError("--seeds", "a positive number of seeds", repr(seeds))
        return tuple(range(int(seeds)))
    out = tuple(int(s) for s in seeds)
    if not out:
        raise InputError("seeds", "at least one seed", "none")
    return out


def plan_curve(dataset: Dataset, models: Sequence[str], *, seeds: int | Sequence[int] = 3,
               sizes: Sequence[int] | None = None, max_size: int | None = None,
               eval_fraction: float = 0.2, eval_seed: int = 0, threads: int = 1) -> CurvePlan:
    """Plan every trial: models × seeds × anchors on nested stratified subsets.

    Parameters
    ----------
    dataset : Dataset
    models : sequence of str
        Learner specs (``"cnn:width=16"``, ``"sklearn:LogisticRegression(C=0.5)"``...).
    seeds : int or sequence of int
        Number of seeds (0..K-1) or the seeds themselves.
    sizes : sequence of int, optional
        Training-set sizes; default ``ceil(16 * 2**(k/2))`` up to the pool size.
    max_size : int, optional
        Cap on the default sizes.
    eval_fraction, eval_seed : float, int
        The fixed evaluation set (unless the dataset has a split column).
    threads : int
        Threads per trial.

    Returns
    -------
    CurvePlan
    """
    if not isinstance(dataset, Dataset):
        raise InputError("dataset", "a datacurve Dataset", type(dataset).__name__)
    canon = _canonical_models(models)
    seed_list = _seeds(seeds)
    if dataset.task == "classification" and dataset.n_classes < 2:
        raise InputError("labels", "at least two classes", f"{dataset.n_classes} class")
    split = make_eval_split(dataset, eval_fraction=eval_fraction, seed=eval_seed)
    anchors = resolve_anchors(int(split.pool.size), sizes, max_size=max_size)
    anchors = valid_anchors(dataset, split.pool, anchors)
    if anchors.size == 0:
        raise InputError("sizes", "at least one training size that can hold every class",
                         "none left")
    data = TrialData(dataset.X, dataset.y, split.evaluation, dataset.task,
                     dataset.n_classes)
    orders = {s: nested_order(dataset, split.pool, s) for s in seed_list}
    trials = [
        Trial(trial_key(dataset.fingerprint, m, int(a), s, split.key), m, int(a), s,
              orders[s][: int(a)], data, threads)
        for a in anchors for m in canon for s in seed_list
    ]
    return CurvePlan(dataset, canon, anchors, seed_list, split, tuple(trials))


def run_curve(dataset: Dataset, models: Sequence[str], *, seeds: int | Sequence[int] = 3,
              sizes: Sequence[int] | None = None, max_size: int | None = None,
              eval_fraction: float = 0.2, eval_seed: int = 0,
              store: Store | str | Path | None = None, jobs: int = 1,
              executor: Executor | None = None, retry_failed: bool = True,
              metric: str | None = None,
              progress: ProgressCallback | None = None) -> CurveRun:
    """Measure learning curves: train every model on nested subsets for every seed.

    Trials the store already holds are not recomputed; each new result is committed
    as soon as it arrives, so an interrupted run resumes where it stopped.

    Parameters
    ----------
    dataset : Dataset
    models : sequence of str
        Learner specs.
    seeds, sizes, max_size, eval_fraction, eval_seed
        See `plan_curve`.
    store : Store, path or None
        Results store; default ``.datacurve/store.sqlite``.
    jobs : int
        Worker processes when `executor` is not given (1 = this process, -1 = all cores).
    executor : Executor, optional
    retry_failed : bool
        Rerun trials that failed before (a failure can be transient, e.g. memory).
    metric : str, optional
        Metric of the returned results table (all metrics are recorded).
    progress : callable, optional
        Receives `ProgressEvent` values.

    Returns
    -------
    CurveRun

    Examples
    --------
    >>> from datacurve.data import make_synthetic
    >>> import tempfile, pathlib
    >>> ds = make_synthetic(n_samples=300, n_classes=2, seed=0)
    >>> run = run_curve(ds, ["sklearn:LogisticRegression"], seeds=2, sizes=[20, 80],
    ...                 store=pathlib.Path(tempfile.mkdtemp()) / "s.sqlite")
    >>> run.results[["model", "n", "seed"]].shape
    (4, 3)
    """
    if metric is not None:
        get_metric(metric, dataset.task)
    plan = plan_curve(dataset, models, seeds=seeds, sizes=sizes, max_size=max_size,
                      eval_fraction=eval_fraction, eval_seed=eval_seed)
    own_store = not isinstance(store, Store)
    st = store if isinstance(store, Store) else open_store(store)
    t_start = time.perf_counter()
    try:
        st.add_dataset(dataset.fingerprint, dataset.name, dataset.task, dataset.summary())
        known = st.status_of(t.key for t in plan.trials)
        todo = [t for t in plan.trials
                if known.get(t.key) != "ok" and (retry_failed or t.key not in known)]
        cached = len(plan.trials) - len(todo)
        ex = executor if executor is not None else make_executor(jobs)
        ran, failed, errors = _execute(plan, todo, st, ex, cached, progress)
        results = st.results(metric=metric, dataset=dataset.fingerprint,
                             models=list(plan.models), include_failed=True)
        keys = {t.key for t in plan.trials}
        results = results[results["key"].isin(keys)].reset_index(drop=True)
        return CurveRun(plan, results, ran, cached, failed, st.path,
                        time.perf_counter() - t_start, errors)
    finally:
        if own_store:
            st.close()


def _execute(plan: CurvePlan, todo: list[Trial], store: Store, executor: Executor,
             cached: int, progress: ProgressCallback | None) -> tuple[int, int, dict[str, str]]:
    """Run `todo`, committing each result as it arrives."""
    # Training cost grows about linearly with the subset size: weigh the ETA by it.
    cost = {t.key: float(t.n) for t in todo}
    cost_total = float(sum(cost.values()))
    n_eval = int(plan.split.evaluation.size)
    done = 0
    failed = 0
    cost_done = 0.0
    errors: dict[str, str] = {}
    if progress:
        progress(ProgressEvent("start", len(todo), 0, cost_total, 0.0, cached))
    pending = {t.key: t for t in todo}
    results: Iterator[TrialResult] = executor.map_unordered(run_trial, todo)
    try:
        for result in results:
            store.put(result, dataset=plan.dataset.fingerprint, eval_split=plan.split.key,
                      task=plan.dataset.task, n_eval=n_eval)
            pending.pop(result.key, None)
            done += 1
            cost_done += cost.get(result.key, 0.0)
            if result.status != "ok":
                failed += 1
                errors[result.key] = result.error
            if progress:
                progress(ProgressEvent("trial", len(todo), done, cost_total, cost_done,
                                       cached, result))
    except KeyboardInterrupt:
        raise
    except Exception as exc:  # a dead worker must not lose the other results
        # The executor itself broke (e.g. a worker process was killed by the OS).
        # Record the trials it did not return as failed, so they are retried next time.
        message = f"executor failed: {type(exc).__name__}: {exc}"
        for trial in pending.values():
            store.put(TrialResult(trial.key, trial.model, trial.n, trial.seed, "failed",
                                  error=message),
                      dataset=plan.dataset.fingerprint, eval_split=plan.split.key,
                      task=plan.dataset.task, n_eval=n_eval)
            errors[trial.key] = message
            failed += 1
            done += 1
    if progress:
        progress(ProgressEvent("done", len(todo), done, cost_total, cost_done, cached))
    return done - failed, failed, errors
