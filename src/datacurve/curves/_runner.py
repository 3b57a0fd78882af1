"""The runner: plan the trials of a learning curve, skip what the store holds, run the
rest on an executor, and record each result the moment it arrives."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from datacurve import _hooks
from datacurve._errors import InputError
from datacurve.curves._anchors import resolve_anchors
from datacurve.curves._executors import Executor, make_executor
from datacurve.curves._store import Store, open_store
from datacurve.curves._subsets import EvalSplit, make_eval_split, nested_order, valid_anchors
from datacurve.curves._trial import Trial, TrialData, TrialResult, run_trial, trial_key
from datacurve.data import Dataset, as_dataset
from datacurve.metrics import get_metric
from datacurve.models import LearnerEntry, RowAccess, parse_spec, resolve_learners

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
        Learner names (canonical spec strings for specs).
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
    """The outcome of `run_curve`: the measured trials and shortcuts to analyse them.

    Attributes
    ----------
    design : CurvePlan
        The trials: dataset, learners, sizes, seeds and evaluation split.
    results : DataFrame
        One row per trial of the design (see `Store.results`), failed trials included.
    ran, cached, failed : int
        Trials trained in this call, found in the store, and failed in this call.
    store_path : Path
    seconds : float
        Wall time of this call.
    errors : dict
        Trial key → error message of the trials that failed in this call.
    """

    design: CurvePlan
    results: pd.DataFrame
    ran: int
    cached: int
    failed: int
    store_path: Path
    seconds: float
    errors: dict[str, str] = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        """The results table: one row per trial, the contract columns and the rest."""
        return self.results.copy()

    def summary(self) -> pd.DataFrame:
        """Mean and spread over seeds per (model, n), in the metric's natural units."""
        return summarize(self.results)

    def failures(self) -> pd.DataFrame:
        """Failed trials grouped by model and error (first line), most frequent first.

        Returns
        -------
        DataFrame
            Columns model, error, trials, sizes.
        """
        bad = self.results[self.results["status"] != "ok"]
        if bad.empty:
            return pd.DataFrame(columns=["model", "error", "trials", "sizes"])
        first = bad["error"].fillna("").astype(str).str.split("\n").str[0]
        g = bad.assign(error=first).groupby(["model", "error"], sort=False)
        sizes = {key: sorted({int(v) for v in part}) for key, part in g["n"]}
        out = pd.DataFrame({"trials": g.size()})
        out["sizes"] = [sizes[key] for key in out.index]
        return out.reset_index().sort_values("trials", ascending=False, kind="stable"
                                             ).reset_index(drop=True)

    def describe_failures(self) -> str:
        """One line: how many trials failed and why ("" when none did)."""
        f = self.failures()
        if f.empty:
            return ""
        total = int(f["trials"].sum())
        parts = [f"{r['trials']} × {r['model']}: {r['error']}"
                 for r in f.head(3).to_dict("records")]
        more = f"; {len(f) - 3} more reasons" if len(f) > 3 else ""
        return (f"{total} of {len(self.results)} trials failed: " + "; ".join(parts) + more)

    def fit(self, **kwargs: Any) -> dict[str, Any]:
        """One fitted `LearningCurve` per model: the curves of `datacurve.analyze`
        (keywords ``models``, ``metric``)."""
        analysis = _hooks.provided("analyze")(self, include=("curves",), strict=True,
                                              **kwargs)
        return dict(analysis.curves())

    def diagnose(self, model: str | None = None, **kwargs: Any) -> Any:
        """The `Diagnosis` of `model` (the other models are evidence): the diagnosis of
        `datacurve.analyze` (keywords ``target``, ``optimal_error``, ``noise_rate``,
        ``n_classes``, ``metric``, ``tolerance``)."""
        analysis = _hooks.provided("analyze")(
            self, models=None if model is None else [model], include=("diagnoses",),
            strict=True, **kwargs)
        return analysis.one().diagnosis

    def plan(self, target: float, model: str | None = None, **kwargs: Any) -> Any:
        """How many samples reach `target` and what that costs: the `DataPlan` of
        `datacurve.analyze` (keywords ``metric``, ``have``, ``at``, ``cost_per_sample``,
        ``budget``, ``level``)."""
        analysis = _hooks.provided("analyze")(
            self, target=target, models=None if model is None else [model],
            include=("plans",), strict=True, **kwargs)
        return analysis.one().plan

    def _repr_html_(self) -> str | None:
        """Jupyter display: mean and spread per model and size, and why trials failed
        (rendered by the report room)."""
        return _hooks.html(self)


def summarize(results: pd.DataFrame) -> pd.DataFrame:
    """Per (model, n): params, seeds, mean/std of evaluation and train metric.

    Parameters
    ----------
    results : DataFrame
        A results table (`Store.results`).

    Returns
    -------
    DataFrame
        Columns model, n, params (the lower median of the known parameter counts at
        that size; NaN when no trial recorded one), seeds, val_mean, val_std, train_mean, fit_time,
        metric, failed; metric values in natural units.
    """
    if results.empty:
        return pd.DataFrame(columns=["model", "n", "params", "seeds", "val_mean", "val_std",
                                     "train_mean", "fit_time", "metric", "failed"])
    df = results.copy()
    metric = str(df["metric"].iloc[0])
    m = get_metric(metric)
    df["val"] = m.natural(df["val_score"].to_numpy(np.float64))
    df["train"] = m.natural(df["train_score"].to_numpy(np.float64))
    df["is_failed"] = df["status"] != "ok"
    # Failed trials record no size (-1); trees grow with n and differ by seed: the
    # (lower) median of the known counts, a count some trial measured, is the model's
    # size at that n.
    df["params"] = df["params"].where(df["params"] > 0)
    g = df.groupby(["model", "n"], sort=True)
    out = pd.DataFrame({
        "params": g["params"].quantile(0.5, interpolation="lower"),
        "seeds": g["val"].count(),
        "val_mean": g["val"].mean(),
        "val_std": g["val"].std(ddof=1),
        "train_mean": g["train"].mean(),
        "fit_time": g["fit_time"].mean(),
        "failed": g["is_failed"].sum().astype(int),
    }).reset_index()
    out["metric"] = metric
    return out


def _seeds(seeds: int | Sequence[int]) -> tuple[int, ...]:
    if isinstance(seeds, int | np.integer):
        if seeds < 1:
            raise InputError("seeds", "a positive number of seeds", repr(seeds))
        return tuple(range(int(seeds)))
    out = tuple(int(s) for s in seeds)
    if not out:
        raise InputError("seeds", "at least one seed", "none")
    return out


def _needs_frame(entries: list[LearnerEntry]) -> bool:
    """Whether any learner might be a pipeline that reads the table's columns."""
    return any(e.kind != "spec" or parse_spec(e.obj).kind == "factory" for e in entries)


def plan_curve(data: Any, learners: Any, *, seeds: int | Sequence[int] = 3,
               sizes: Sequence[int] | None = None, max_size: int | None = None,
               eval_size: float | int = 0.2, eval_seed: int = 0, threads: int = 1,
               sweep: Mapping[str, Sequence[Any]] | None = None, label: str | None = None,
               labels: Any = None, task: str | None = None, name: str | None = None,
               metric: str | None = None) -> CurvePlan:
    """Plan every trial: learners × seeds × anchors on nested stratified subsets.

    Parameters
    ----------
    data, learners, sweep, label, labels, task, name, metric
        See `run_curve`.
    seeds : int or sequence of int
        Number of seeds (0..K-1) or the seeds themselves.
    sizes : sequence of int, optional
        Training-set sizes; default ``ceil(16 * 2**(k/2))`` up to the pool size.
    max_size : int, optional
        Cap on the default sizes.
    eval_size : float or int
        The fixed evaluation set (unless the dataset has a split column): a fraction of
        the rows, or a number of rows.
    eval_seed : int
        Seed of the evaluation hold-out.
    threads : int
        Threads per trial.

    Returns
    -------
    CurvePlan
    """
    dataset = as_dataset(data, label=label, labels=labels, task=task, name=name)
    entries = resolve_learners(learners, sweep)
    seed_list = _seeds(seeds)
    if metric is not None:
        get_metric(metric, dataset.task)
    if dataset.task == "classification" and dataset.n_classes < 2:
        raise InputError("labels", "at least two classes", f"{dataset.n_classes} class")
    split = make_eval_split(dataset, eval_size=eval_size, seed=eval_seed)
    anchors = resolve_anchors(int(split.pool.size), sizes, max_size=max_size)
    anchors = valid_anchors(dataset, split.pool, anchors)
    if anchors.size == 0:
        raise InputError("sizes", "at least one training size that can hold every class",
                         "none left")
    if dataset.is_lazy:
        access = RowAccess(y=dataset.y, source=dataset.items)
    else:
        frame = dataset.feature_frame() if _needs_frame(entries) else None
        access = RowAccess(y=dataset.y, X=dataset.X, frame=frame)
    data_obj = TrialData(dataset.X, dataset.y, split.evaluation, dataset.task,
                         dataset.n_classes, access, metric)
    orders = {s: nested_order(dataset, split.pool, s) for s in seed_list}
    trials = [
        Trial(trial_key(dataset.fingerprint, e.identity, int(a), s, split.key), e.name,
              int(a), s, orders[s][: int(a)], data_obj, threads, e)
        for a in anchors for e in entries for s in seed_list
    ]
    return CurvePlan(dataset, tuple(e.name for e in entries), anchors, seed_list, split,
                     tuple(trials))


def run_curve(data: Any, learners: Any, *, sizes: Sequence[int] | None = None,
              seeds: int | Sequence[int] = 3, metric: str | None = None,
              eval_size: float | int = 0.2, executor: str | Executor = "local",
              jobs: int = 1, store: Store | str | Path | None = None,
              progress: bool | ProgressCallback | None = True,
              sweep: Mapping[str, Sequence[Any]] | None = None,
              label: str | None = None, labels: Any = None, task: str | None = None,
              name: str | None = None, max_size: int | None = None, eval_seed: int = 0,
              retry_failed: bool = True) -> CurveRun:
    """Measure learning curves: train every learner on nested subsets for every seed.

    Trials the store already holds are not recomputed; each new result is committed
    as soon as it arrives, so an interrupted run resumes where it stopped. A trial that
    raises is recorded as failed with its error, and the others go on.

    Parameters
    ----------
    data : Dataset, (X, y), DataFrame or torch Dataset
        A `Dataset`; arrays ``X`` of shape (n, *s) (or CSR (n, d)) and ``y`` of shape
        (n,); a pandas or polars DataFrame with the label column `label`; or a map-style
        ``torch.utils.data.Dataset`` of n items ``(input, label)``, indexed lazily (only
        the rows a trial uses are read; labels from its ``targets`` attribute or
        `labels`).
    learners : learner, list or dict name -> learner
        Spec strings (``"cnn:width=16"``, ``"sklearn:LogisticRegression(C=0.5)"``,
        ``"mypkg.models:make_net(width=64)"``), scikit-learn estimators, objects with
        ``fit``/``predict``, `TorchLearner` or `FunctionLearner`.
    sizes : sequence of int, optional
        Training-set sizes; default ``ceil(16 * 2**(k/2))`` up to the pool size.
    seeds : int or sequence of int
        Number of seeds (nested subsets per size) or the seeds themselves.
    metric : str, optional
        Metric of the returned table (every metric of the task is recorded); the metric
        a `FunctionLearner` reports. Default accuracy (classification), R² (regression).
    eval_size : float or int
        Held-out evaluation set when the data has no split column: a fraction, or rows.
    executor : "local" or Executor
        ``"local"`` runs in this process (``jobs=1``) or in `jobs` worker processes.
    jobs : int
        Worker processes for ``executor="local"`` (-1: all cores).
    store : Store, path or None
        Results store; default ``.datacurve/store.sqlite``.
    progress : bool or callable
        True draws a progress bar on stderr; a callable receives `ProgressEvent` values.
    sweep : dict, optional
        Model-size sweep, e.g. ``{"width": [16, 64, 256]}``: one learner per value, each
        with its parameter count recorded, for the scaling law and the diagnosis.
    label : str, optional
        Label column of a DataFrame.
    labels : array-like, optional
        Labels of a torch dataset that has no ``targets`` attribute.
    task : {"classification", "regression"}, optional
        Inferred from the labels when None.
    name : str, optional
        Dataset name in the store.
    max_size, eval_seed
        See `plan_curve`.
    retry_failed : bool
        Rerun trials that failed before (a failure can be transient, e.g. memory).

    Returns
    -------
    CurveRun

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.linear_model import LogisticRegression
    >>> import tempfile, pathlib
    >>> X, y = load_digits(return_X_y=True)
    >>> run = run_curve((X, y), {"lr": LogisticRegression(max_iter=200)}, seeds=2,
    ...                 sizes=[40, 160], progress=False,
    ...                 store=pathlib.Path(tempfile.mkdtemp()) / "s.sqlite")
    >>> run.to_frame()[["model", "n", "seed"]].shape
    (4, 3)
    """
    design = plan_curve(data, learners, seeds=seeds, sizes=sizes, max_size=max_size,
                      eval_size=eval_size, eval_seed=eval_seed, sweep=sweep, label=label,
                      labels=labels, task=task, name=name, metric=metric)
    dataset = design.dataset
    if isinstance(executor, str):
        if executor != "local":
            raise InputError("executor", "'local' or an Executor", repr(executor))
        ex = make_executor(jobs)
    elif isinstance(executor, Executor):
        ex = executor
    else:
        raise InputError("executor", "'local' or an Executor", type(executor).__name__)
    own_store = not isinstance(store, Store)
    st = store if isinstance(store, Store) else open_store(store)
    t_start = time.perf_counter()
    try:
        st.add_dataset(dataset.fingerprint, dataset.name, dataset.task, dataset.summary())
        known = st.status_of(t.key for t in design.trials)
        todo = [t for t in design.trials
                if known.get(t.key) != "ok" and (retry_failed or t.key not in known)]
        cached = len(design.trials) - len(todo)
        with _progress(progress, dataset.name) as callback:
            ran, failed, errors = _execute(design, todo, st, ex, cached, callback)
        results = st.results(metric=metric, dataset=dataset.fingerprint,
                             models=list(design.models), include_failed=True)
        keys = {t.key for t in design.trials}
        results = results[results["key"].isin(keys)].reset_index(drop=True)
        return CurveRun(design, results, ran, cached, failed, st.path,
                        time.perf_counter() - t_start, errors)
    finally:
        if own_store:
            st.close()


@contextmanager
def _progress(progress: bool | ProgressCallback | None, label: str
              ) -> Iterator[ProgressCallback | None]:
    if progress is None or progress is False:
        yield None
    elif progress is True:
        from datacurve.curves._progress import progress_bar

        with progress_bar(True, label) as cb:
            yield cb
    elif callable(progress):
        yield progress
    else:
        raise InputError("progress", "True, False or a callable", repr(progress))


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
