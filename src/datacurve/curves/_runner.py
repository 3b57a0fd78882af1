"""The runner: plan the trials of a learning curve, skip what the store holds, run the
rest on an executor, and record each result the moment it arrives."""

from __future__ import annotations

import dataclasses
import hashlib
import inspect
import math
import os
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
from datacurve._plain import short_names, short_sizes
from datacurve.curves._anchors import resolve_anchors
from datacurve.curves._budget import Budget, BudgetOutcome, BudgetStep
from datacurve.curves._executors import Executor, make_executor
from datacurve.curves._store import Store, open_store
from datacurve.curves._subsets import EvalSplit, make_eval_folds, nested_order, valid_anchors
from datacurve.curves._summary import summarize
from datacurve.curves._trial import Trial, TrialData, TrialResult, run_trial, trial_key
from datacurve.data import Dataset, as_dataset, derive, version_chain
from datacurve.metrics import default_metric, get_metric
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
        Training-set sizes (each fits in every fold's pool).
    seeds : tuple of int
    split : EvalSplit
        The evaluation split: the single one, or the first of `folds`.
    trials : tuple of Trial
        Ordered by size, so the small anchors of every model finish first; within a
        size and model, by fold, then seed.
    folds : tuple of EvalSplit
        The K evaluation folds (``(split,)`` with a single evaluation set). Every
        (fold, seed) pair is one repeated measurement of each size: K × seeds trials
        per model and size.
    """

    dataset: Dataset
    models: tuple[str, ...]
    anchors: np.ndarray
    seeds: tuple[int, ...]
    split: EvalSplit
    trials: tuple[Trial, ...]
    folds: tuple[EvalSplit, ...] = ()

    def __post_init__(self) -> None:
        if not self.folds:
            object.__setattr__(self, "folds", (self.split,))

    @property
    def design_id(self) -> str:
        """12 hex digits naming the evaluation design (every fold's split key): trials of
        one model measured under two designs are not one curve (see
        `datacurve.results.Results`)."""
        h = hashlib.sha256("|".join(sorted(f.key for f in self.folds)).encode())
        return h.hexdigest()[:12]

    @property
    def eval_folds(self) -> int:
        """K, the number of evaluation folds (1: a single evaluation set)."""
        return len(self.folds)

    def describe(self) -> dict[str, Any]:
        """Plain-value summary.

        ``eval_folds`` is K; ``evaluation`` describes the evaluation set(s): ``n`` rows
        of the (first) evaluation set, ``how``, ``key`` (the first fold's with K > 1)
        and ``folds`` (fold, n, pool and key of each); ``pool`` is the smallest
        training pool; ``cost`` spells out the trials (models × sizes × seeds × folds).
        """
        k = self.eval_folds
        n_eval = [int(s.evaluation.size) for s in self.folds]
        n_pool = [int(s.pool.size) for s in self.folds]
        per_fold = [{"fold": f, "n": n_eval[f], "pool": n_pool[f], "key": s.key}
                    for f, s in enumerate(self.folds)]
        if k == 1:
            how = self.split.how
        else:
            lo, hi = min(n_eval), max(n_eval)
            rows = str(lo) if lo == hi else f"{lo}–{hi}"
            how = (f"{self.split.how.rsplit(', fold ', 1)[0]}: each fold's {rows} "
                   "held-out rows are its evaluation set, the other rows its pool")
        n = len(self.trials)
        counts = ((len(self.models), "model"), (int(self.anchors.size), "size"),
                  (len(self.seeds), "seed"), (k, "evaluation fold"))
        cost = f"{n} trials = " + " × ".join(f"{c} {w}{'s' if c != 1 else ''}"
                                             for c, w in counts)
        if k > 1:
            cost += f" ({k}× the {n // k} trials of a single evaluation set)"
        return {
            "dataset": self.dataset.summary(),
            "models": list(self.models),
            "anchors": [int(a) for a in self.anchors],
            "seeds": list(self.seeds),
            "eval_folds": k,
            "evaluation": {"n": int(self.split.evaluation.size), "how": how,
                           "key": self.split.key, "folds": per_fold},
            "pool": min(n_pool),
            "trials": n,
            "cost": cost,
        }

    def __repr__(self) -> str:
        """One line: dataset, models, sizes, seeds, folds and trials (no index arrays)."""
        folds = f", eval_folds={self.eval_folds}" if self.eval_folds > 1 else ""
        return (f"CurvePlan(dataset={self.dataset.name!r}, models={short_names(self.models)}, "
                f"sizes={short_sizes(self.anchors)}, seeds={len(self.seeds)}{folds}, "
                f"trials={len(self.trials)})")


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
    budget : BudgetOutcome or None
        A budgeted run's spending, decisions and why it stopped (None otherwise).
    """

    design: CurvePlan
    results: pd.DataFrame
    ran: int
    cached: int
    failed: int
    store_path: Path
    seconds: float
    errors: dict[str, str] = field(default_factory=dict)
    budget: BudgetOutcome | None = None

    def to_frame(self) -> pd.DataFrame:
        """The results table: one row per trial, the contract columns and the rest."""
        return self.results.copy()

    def summary(self) -> pd.DataFrame:
        """Mean and spread over the repeated measurements (seeds × evaluation folds)
        per (model, n), in the metric's natural units."""
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

    def __repr__(self) -> str:
        """One line: dataset, models, sizes, seeds, how the trials went, time and store
        (not the index arrays of the design nor the results table)."""
        d = self.design
        status = self.results.get("status", pd.Series([], dtype=object))
        ok = int((status == "ok").sum())
        bad = int(status.size - ok)
        folds = f", eval_folds={d.eval_folds}" if d.eval_folds > 1 else ""
        return (f"CurveRun(dataset={d.dataset.name!r}, models={short_names(d.models)}, "
                f"sizes={short_sizes(d.anchors)}, seeds={len(d.seeds)}{folds}, "
                f"trials: {ok} ok ({self.ran} ran, {self.cached} reused), {bad} failed, "
                f"{self.seconds:.1f} s, store={Path(self.store_path).name!r})")

    def _repr_html_(self) -> str | None:
        """Jupyter display: mean and spread per model and size, and why trials failed
        (rendered by the report room)."""
        return _hooks.html(self)


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
               metric: str | None = None, eval_folds: int | None = None) -> CurvePlan:
    """Plan every trial: learners × seeds × evaluation folds × anchors on nested
    stratified subsets.

    Parameters
    ----------
    data, learners, sweep, label, labels, task, name, metric
        See `run_curve`.
    seeds : int or sequence of int
        Number of seeds (0..S-1) or the seeds themselves.
    sizes : sequence of int, optional
        Training-set sizes; default ``ceil(16 * 2**(k/2))`` up to the smallest pool.
        Each must fit in every fold's pool.
    max_size : int, optional
        Cap on the default sizes.
    eval_size : float or int
        The fixed evaluation set (unless the dataset has a split column or K > 1
        evaluation folds): a fraction of the rows, or a number of rows.
    eval_seed : int
        Seed of the evaluation hold-out or of the fold assignment.
    threads : int
        Threads per trial.
    eval_folds : int, optional
        K evaluation folds (see `make_eval_folds`): None is auto, 5 folds when the
        single evaluation set would hold at most 1,000 rows (and so would a fold's) and
        no split column marks evaluation rows, else 1; 1 is one evaluation set; K > 1
        partitions the rows into K stratified folds, each fold's rows its evaluation set
        and the other rows its pool, refused when a split column marks evaluation rows.

    Returns
    -------
    CurvePlan
        ``len(learners) × S × K × m`` trials; with K = 1 exactly those (and keys) of a
        single evaluation set.
    """
    dataset = as_dataset(data, label=label, labels=labels, task=task, name=name)
    entries = resolve_learners(learners, sweep)
    seed_list = _seeds(seeds)
    if metric is not None:
        get_metric(metric, dataset.task)
    if dataset.task == "classification" and dataset.n_classes < 2:
        raise InputError("labels", "at least two classes", f"{dataset.n_classes} class")
    folds = make_eval_folds(dataset, eval_folds=eval_folds, eval_size=eval_size,
                            seed=eval_seed)
    # Sizes fit in every fold's pool; a size must hold every class of the pools.
    smallest = min(folds, key=lambda s: s.pool.size).pool
    anchors = resolve_anchors(int(smallest.size), sizes, max_size=max_size)
    richest = (folds[0].pool if len(folds) == 1 else
               max((s.pool for s in folds), key=lambda p: np.unique(dataset.y[p]).size))
    anchors = valid_anchors(dataset, richest, anchors)
    if anchors.size == 0:
        raise InputError("sizes", "at least one training size that can hold every class",
                         "none left")
    if dataset.is_lazy:
        access = RowAccess(y=dataset.y, source=dataset.items)
    else:
        frame = dataset.feature_frame() if _needs_frame(entries) else None
        access = RowAccess(y=dataset.y, X=dataset.X, frame=frame)
    data_of = [TrialData(dataset.X, dataset.y, s.evaluation, dataset.task,
                         dataset.n_classes, access, metric) for s in folds]
    orders = {(f, s): nested_order(dataset, split.pool, s)
              for f, split in enumerate(folds) for s in seed_list}
    trials = [
        Trial(trial_key(dataset.fingerprint, e.identity, int(a), s, split.key), e.name,
              int(a), s, orders[f, s][: int(a)], data_of[f], threads, e, f)
        for a in anchors for e in entries for f, split in enumerate(folds)
        for s in seed_list
    ]
    return CurvePlan(dataset, tuple(e.name for e in entries), anchors, seed_list, folds[0],
                     tuple(trials), folds)


def run_curve(data: Any, learners: Any, *, sizes: Sequence[int] | None = None,
              seeds: int | Sequence[int] = 3, metric: str | None = None,
              eval_size: float | int = 0.2, executor: str | Executor = "local",
              jobs: int = 1, store: Store | str | Path | None = None,
              progress: bool | ProgressCallback | None = True,
              sweep: Mapping[str, Sequence[Any]] | None = None,
              label: str | None = None, labels: Any = None, task: str | None = None,
              name: str | None = None, max_size: int | None = None, eval_seed: int = 0,
              retry_failed: bool = True, eval_folds: int | None = None,
              address: str | None = None, gpus_per_trial: float = 0.0,
              budget: float | Budget | None = None, budget_seconds: float | None = None,
              until_width: float | None = None, target: float | None = None) -> CurveRun:
    """Measure learning curves: train every learner on nested subsets for every seed
    and evaluation fold.

    Trials the store already holds are not recomputed; each new result is committed
    as soon as it arrives, so an interrupted run resumes where it stopped. A trial that
    raises is recorded as failed with its error, and the others go on; so is a trial
    whose worker process died while running it (killed, out of memory), and only that
    one.

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
        Held-out evaluation set when the data has no split column (and K = 1): a
        fraction, or rows.
    eval_folds : int, optional
        K: repeat the evaluation over K folds of the data, so that the repeated
        measurements of each size include the evaluation set's own variance. Each
        (fold, seed) pair is one measurement (results column ``seed`` keeps the seed,
        ``eval_fold`` names the fold, ``eval_split`` its split key); nested subsets
        per fold and seed; K times the trials. None (default) is auto: 5 folds when
        the single evaluation set would hold at most 1,000 rows (and so would a fold's)
        and no split column marks evaluation rows, else 1, a single evaluation set
        (then every trial and key is that of a single evaluation set). More than 1 fold
        is refused when a split column marks evaluation rows. See `make_eval_folds`.
    executor : "local", "ray" or Executor
        ``"local"`` runs in this process (``jobs=1``) or in `jobs` worker processes,
        which stop when the call returns or is interrupted (an exception, Ctrl-C).
        ``"ray"`` runs each trial as a Ray task (`RayExecutor`): on a local Ray instance
        with `jobs` CPUs (all cores for -1 or 1), or on the cluster at `address`. An
        executor given here is left running (see `ProcessExecutor.shutdown`).
    jobs : int
        Worker processes for ``executor="local"`` (-1: all cores); the local Ray
        instance's CPUs for ``executor="ray"``.
    address : str, optional
        ``executor="ray"``: ``"auto"`` or ``"HOST:PORT"`` of a running Ray cluster.
    gpus_per_trial : float
        ``executor="ray"``: GPUs each trial declares (CPUs: 1 per trial).
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
    budget : float or Budget, optional
        Measure with a share of one full-data training run of each model (0.15: 15 %;
        with several models, of the sum of their full runs) instead of every trial of
        the design: three sizes spread up to 1/32 of the pool first, then, after every
        round, the trials that narrow the answer's interval most per second of training
        (`datacurve.fit.budget_step`); models clearly beaten at the full pool are
        dropped. The full run's seconds are estimated from the measured times (the time
        model). `CurveRun.budget` says what was spent and why it stopped; a rerun with
        the same store counts what it holds and goes on.
    budget_seconds : float, optional
        The budget in training seconds instead of a share.
    until_width : float, optional
        Stop once every remaining model's interval is this narrow: a ratio (pessimistic
        / optimistic samples needed, e.g. 1.5) with a `target`, else the width of the
        score interval at the full pool in the metric's units. Alone, it is the only
        stopping rule besides running out of trials.
    target : float, optional
        With a budget, the answer to narrow is the samples needed to reach `target`
        (natural units); without one, the score at the full pool.

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
    >>> run.design.eval_folds  # 1,797 rows: a 359-row evaluation set is small
    5
    >>> run.to_frame()[["model", "n", "seed", "eval_fold"]].shape  # 2 sizes × 2 × 5
    (20, 4)
    """
    plan_budget = _budget_of(budget, budget_seconds, until_width, target)
    design = plan_curve(data, learners, seeds=seeds, sizes=sizes, max_size=max_size,
                      eval_size=eval_size, eval_seed=eval_seed, sweep=sweep, label=label,
                      labels=labels, task=task, name=name, metric=metric,
                      eval_folds=eval_folds)
    dataset = design.dataset
    if plan_budget is not None and plan_budget.target is not None:
        m = get_metric(metric or default_metric(dataset.task), dataset.task)
        if not (math.isfinite(plan_budget.target)
                and m.lower <= plan_budget.target <= m.upper):
            raise InputError("target", f"a {m.name} within [{m.lower:g}, {m.upper:g}]",
                             repr(plan_budget.target))
    if isinstance(executor, str):
        if executor not in ("local", "ray"):
            raise InputError("executor", "'local', 'ray' or an Executor", repr(executor))
        if executor == "local" and (address is not None or gpus_per_trial):
            raise InputError("address" if address is not None else "gpus_per_trial",
                             "nothing unless executor='ray'",
                             repr(address if address is not None else gpus_per_trial))
        if executor == "ray":
            from datacurve.curves._ray import RayExecutor

            ex: Executor = RayExecutor(address, num_cpus=None if jobs in (-1, 1) else jobs,
                                       gpus_per_trial=gpus_per_trial)
        else:
            ex = make_executor(jobs)
    elif isinstance(executor, Executor):
        ex = executor
    else:
        raise InputError("executor", "'local', 'ray' or an Executor",
                         type(executor).__name__)
    own_store = not isinstance(store, Store)
    st = store if isinstance(store, Store) else open_store(store)
    t_start = time.perf_counter()
    try:
        st.add_dataset(dataset.fingerprint, dataset.name, dataset.task, dataset.summary())
        st.put_versions(_versions(dataset, design))
        known = st.status_of(t.key for t in design.trials)
        todo = [t for t in design.trials
                if known.get(t.key) != "ok" and (retry_failed or t.key not in known)]
        cached = len(design.trials) - len(todo)
        # Trials stored before runs recorded their design get it now (the key pins both),
        # and every reused trial records that this run used it.
        st.stamp({t.key: _stamp(design, t) for t in design.trials if t.key in known},
                 fresh={"used_at": time.time()})
        outcome = None
        with _progress(progress, dataset.name) as callback:
            if plan_budget is None:
                ran, failed, errors = _execute(design, todo, st, ex, cached, callback)
            else:
                slots = _slots(ex, jobs)
                ran, failed, errors, outcome = _run_budgeted(
                    design, {t.key for t in todo}, st, ex, cached, callback, plan_budget,
                    slots)
        results = st.results(metric=metric, dataset=dataset.fingerprint,
                             models=list(design.models), include_failed=True)
        keys = {t.key for t in design.trials}
        results = results[results["key"].isin(keys)]
        # The store orders by (model, n, seed); folds share those: fold order within.
        results = results.sort_values(["model", "n", "eval_fold", "seed"], kind="stable"
                                      ).reset_index(drop=True)
        return CurveRun(design, results, ran, cached, failed, st.path,
                        time.perf_counter() - t_start, errors, outcome)
    finally:
        if isinstance(executor, str):
            # Workers this call started end with it: idle now, or interrupted.
            _shutdown(ex)
        if own_store:
            st.close()


def _shutdown(executor: Executor) -> None:
    """Stop the workers of an executor `run_curve` made (at once: no trial is left to
    wait for, and an idle worker has nothing to finish)."""
    stop = getattr(executor, "shutdown", None)
    if callable(stop):
        stop(kill=True)


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


def _versions(dataset: Dataset, design: CurvePlan) -> list[dict[str, Any]]:
    """The measured dataset's version chain, and the two sides of its evaluation split
    (pool and evaluation set; with K folds, the first fold's) as versions made by a
    ``split`` (in-memory datasets: a lazily indexed one's rows are not taken to
    fingerprint them)."""
    records = version_chain(dataset)
    if dataset.is_lazy:
        return records
    split = design.split
    for part, rows in (("pool", split.pool), ("evaluation", split.evaluation)):
        child = derive(dataset, dataset.subset(rows, name=f"{dataset.name}[{part}]"),
                       "split", params={"part": part, "how": split.how,
                                        "eval_split": split.key,
                                        "folds": design.eval_folds},
                       removed=dataset.n - int(rows.size))
        records.append(version_chain(child)[-1])
    return records


def _stamp(plan: CurvePlan, trial: Trial) -> dict[str, Any]:
    """What each stored trial records besides its scores: the evaluation design and what
    exactly was trained, so that trials of one model name from another run are never
    read as one curve."""
    return {"design": plan.design_id,
            "identity": trial.learner.identity if trial.learner is not None else trial.model,
            "pool": int(plan.folds[trial.fold].pool.size)}


def _accepts_on_lost(executor: Executor) -> bool:
    """Whether `executor.map_unordered` takes ``on_lost=`` (see `Executor`)."""
    try:
        params = inspect.signature(executor.map_unordered).parameters
    except (TypeError, ValueError):
        return False
    return "on_lost" in params


def _execute(plan: CurvePlan, todo: list[Trial], store: Store, executor: Executor,
             cached: int, progress: ProgressCallback | None) -> tuple[int, int, dict[str, str]]:
    """Run `todo`, committing each result as it arrives."""
    # Training cost grows about linearly with the subset size: weigh the ETA by it.
    cost = {t.key: float(t.n) for t in todo}
    cost_total = float(sum(cost.values()))
    fold_of = {t.key: t.fold for t in todo}
    stamp: dict[str, dict[str, Any]] = {t.key: _stamp(plan, t) for t in todo}
    done = 0
    failed = 0
    cost_done = 0.0
    errors: dict[str, str] = {}
    if progress:
        progress(ProgressEvent("start", len(todo), 0, cost_total, 0.0, cached))
    pending = {t.key: t for t in todo}

    def lost(trial: Trial, message: str) -> TrialResult:
        # Its worker died while running it (or it could not reach one): this trial
        # alone failed; it is retried next time.
        return TrialResult(trial.key, trial.model, trial.n, trial.seed, "failed",
                           error=message, info={"eval_fold": trial.fold})

    results: Iterator[TrialResult] = (
        executor.map_unordered(run_trial, todo, on_lost=lost)  # type: ignore[call-arg]
        if _accepts_on_lost(executor) else executor.map_unordered(run_trial, todo))
    try:
        for result in results:
            split = plan.folds[fold_of.get(result.key, 0)]
            result = dataclasses.replace(result, info={**result.info,
                                                       **stamp.get(result.key, {})})
            store.put(result, dataset=plan.dataset.fingerprint, eval_split=split.key,
                      task=plan.dataset.task, n_eval=int(split.evaluation.size))
            pending.pop(result.key, None)
            done += 1
            cost_done += cost.get(result.key, 0.0)
            if result.status != "ok":
                failed += 1
                errors[result.key] = result.error
            if progress:
                progress(ProgressEvent("trial", len(todo), done, cost_total, cost_done,
                                       cached, result))
    except Exception as exc:  # an executor without on_lost broke: keep what it returned
        # Record the trials it did not return as failed, so they are retried next time.
        message = f"executor failed: {type(exc).__name__}: {exc}"
        for trial in pending.values():
            split = plan.folds[trial.fold]
            store.put(TrialResult(trial.key, trial.model, trial.n, trial.seed, "failed",
                                  error=message,
                                  info={"eval_fold": trial.fold, **stamp[trial.key]}),
                      dataset=plan.dataset.fingerprint, eval_split=split.key,
                      task=plan.dataset.task, n_eval=int(split.evaluation.size))
            errors[trial.key] = message
            failed += 1
            done += 1
    finally:
        # An interrupt (or any exception) stops the executor's work at once: closing
        # its generator kills the workers of a `ProcessExecutor`.
        close = getattr(results, "close", None)
        if callable(close):
            close()
    if progress:
        progress(ProgressEvent("done", len(todo), done, cost_total, cost_done, cached))
    return done - failed, failed, errors


def _budget_of(budget: float | Budget | None, seconds: float | None,
               until_width: float | None, target: float | None) -> Budget | None:
    """The run's `Budget`, or None for a run of every trial."""
    if isinstance(budget, Budget):
        if seconds is not None or until_width is not None or target is not None:
            raise InputError("budget", "a Budget alone, or a share with budget_seconds, "
                             "until_width and target as keywords", "both")
        return budget
    if budget is None and seconds is None and until_width is None:
        if target is not None:
            raise InputError("target", "nothing without a budget (budget, budget_seconds "
                             "or until_width)", repr(target))
        return None
    if budget is not None and (isinstance(budget, bool)
                               or not isinstance(budget, int | float)):
        raise InputError("budget", "a share of one full training run (0.15) or a Budget",
                         repr(budget))
    return Budget(share=None if budget is None else float(budget), seconds=seconds,
                  until_width=until_width, target=target)


def _slots(executor: Executor, jobs: int) -> int:
    """Trials a budgeted round hands the executor at once: its parallel width."""
    width = getattr(executor, "n_workers", None)
    if isinstance(width, int | float) and width >= 1:
        return int(width)
    return max(1, os.cpu_count() or 1) if jobs == -1 else max(1, jobs)


def _run_budgeted(plan: CurvePlan, todo: set[str], store: Store, executor: Executor,
                  cached: int, progress: ProgressCallback | None, budget: Budget,
                  slots: int) -> tuple[int, int, dict[str, str], BudgetOutcome]:
    """Rounds of `datacurve.fit.budget_step`'s picks until it says stop. Trials the store
    already holds (`todo` lists those it does not) count as measured and spent."""
    decide = _hooks.provided("budget_step")
    by_key = {t.key: t for t in plan.trials}
    k = plan.eval_folds
    candidates = pd.DataFrame({
        "key": [t.key for t in plan.trials], "model": [t.model for t in plan.trials],
        "n": [t.n for t in plan.trials],
        "repeat": [plan.seeds.index(t.seed) * k + t.fold for t in plan.trials]})
    full_n = min(int(f.pool.size) for f in plan.folds)
    ran = failed = rounds = 0
    errors: dict[str, str] = {}
    dropped: dict[str, str] = {}
    tried: set[str] = set()
    decision = 0.0
    count = _Cumulative(progress)
    while True:
        t0 = time.perf_counter()
        measured = store.results(dataset=plan.dataset.fingerprint,
                                 models=list(plan.models), include_failed=True)
        measured = measured[measured["key"].isin(by_key)
                            & (~measured["key"].isin(todo) | measured["key"].isin(tried))]
        open_ = candidates[~candidates["key"].isin(measured["key"])]
        step: BudgetStep = decide(measured, open_, budget, full_n=full_n, slots=slots,
                                  dropped=dropped)
        decision += time.perf_counter() - t0
        dropped = dict(step.dropped)
        rounds += 1
        if not step.picks:
            break
        trials = [by_key[key] for key in step.picks]
        tried.update(step.picks)
        r, f, e = _execute(plan, trials, store, executor, cached, count)
        ran, failed = ran + r, failed + f
        errors.update(e)
    count.finish()
    full = sum(step.full_seconds.values()) if step.full_seconds else None
    outcome = BudgetOutcome(budget, rounds, step.stop or "", step.spent_seconds, full,
                            step.budget_seconds, dict(step.widths), dropped,
                            decision_seconds=decision)
    store.set_meta(f"budget:{plan.design_id}", outcome.to_dict())
    return ran, failed, errors, outcome


class _Cumulative:
    """Turns each round's progress events into one run's: counts add up over rounds."""

    def __init__(self, callback: ProgressCallback | None) -> None:
        self.callback = callback
        self.total = self.done = 0
        self.cost_total = self.cost_done = 0.0
        self.cached = 0

    def __bool__(self) -> bool:
        return self.callback is not None

    def __call__(self, event: ProgressEvent) -> None:
        if self.callback is None:
            return
        if event.kind == "start":
            self.total += event.total
            self.cost_total += event.cost_total
            self.cached = event.cached
            self.callback(ProgressEvent("start", self.total, self.done, self.cost_total,
                                        self.cost_done, self.cached))
        elif event.kind == "trial":
            self.callback(ProgressEvent("trial", self.total, self.done + event.done,
                                        self.cost_total, self.cost_done + event.cost_done,
                                        self.cached, event.result))
        else:
            self.done += event.done
            self.cost_done += event.cost_done

    def finish(self) -> None:
        if self.callback is not None and self.total:
            self.callback(ProgressEvent("done", self.total, self.done, self.cost_total,
                                        self.cost_done, self.cached))
