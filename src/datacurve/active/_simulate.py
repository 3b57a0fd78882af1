"""Simulated active learning: what each query strategy saves against random labelling.

Pool-based and honest about what a strategy may see: the pool's labels are hidden until
a row is queried; every strategy starts from the same first batch and is scored on the
same evaluation set within a seed. Seed s is evaluated on fold s of the learning curves'
evaluation folds (`datacurve.curves.make_eval_folds`: K folds of a small dataset, one
hold-out of a large one), so the full pool's score is the curve's at the same size; each
round trains a fresh learner on the labelled rows, scores it and queries the next batch.
The full pool's score (the learner trained on every pool row, per seed) sets the target
(by default 95 % of it). Every round is a trial in the store (model
``"<spec> ~active:<strategy>"``, ``n`` the labels so far, the rows it queried in
``info``), so a run killed at any moment resumes at its last finished round.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from datacurve._errors import InputError
from datacurve.active._strategies import COLD_STARTS, STRATEGIES, cold_start, query
from datacurve.curves import (
    ProgressEvent,
    Store,
    TrialResult,
    learner_outputs,
    make_eval_folds,
    open_store,
    trial_key,
    trial_random_state,
)
from datacurve.data import Dataset, as_dataset
from datacurve.fit import LearningCurve, fit_learning_curve
from datacurve.metrics import compute_metrics
from datacurve.models import is_network, parse_spec
from datacurve.results import ACTIVE_MARK

__all__ = ["DEFAULT_STRATEGIES", "ActiveSimulation", "labels_to_reach", "load_simulations",
           "simulate_active_learning"]

DEFAULT_STRATEGIES = ("random", "least_confidence", "margin", "entropy", "coreset",
                      "cluster_margin")
"""Every strategy but ``bald``, which needs a torch network with dropout."""
_BOOT = 2000


@dataclass(frozen=True)
class ActiveSimulation:
    """What `simulate_active_learning` measured.

    Attributes
    ----------
    model, dataset, metric : str
    rounds : DataFrame
        One row per (strategy, seed, round): ``labels``, ``score`` (natural units,
        higher is better), ``fit_time``.
    full_pool : float
        Mean score over seeds of the learner trained on the whole pool.
    pool_size : int
        The smallest seed's pool (the folds' pools differ by a row or so).
    eval_folds : int
        Evaluation folds the seeds cycle through (1: one hold-out).
    target : float
        The score to reach (``target_share`` × `full_pool` unless given).
    reach : DataFrame
        Per strategy: ``labels`` to reach the target on the seeds' mean curve
        (interpolated in log labels between rounds; inf when not reached within the
        budget), ``low``/``high`` (80 % bootstrap interval over seeds), ``saved``
        (fraction of random's labels saved), ``saved_low``/``saved_high``,
        ``saved_samples``.
    best : str
        The strategy needing the fewest labels (random when none beats it).
    curve : LearningCurve or None
        The fit room's learning curve of the best strategy (labels → score).
    notes : tuple of str
    """

    model: str
    dataset: str
    metric: str
    rounds: pd.DataFrame = field(repr=False)
    full_pool: float
    pool_size: int
    target: float
    reach: pd.DataFrame = field(repr=False)
    best: str
    curve: LearningCurve | None = field(repr=False)
    notes: tuple[str, ...] = ()
    fingerprint: str = ""
    eval_folds: int = 1

    @property
    def bands(self) -> pd.DataFrame:
        """Per strategy and labels: the seeds' ``mean``, ``low`` and ``high`` score (the
        seed band every surface draws)."""
        g = self.rounds.groupby(["strategy", "labels"], sort=False)["score"]
        return g.agg(mean="mean", low="min", high="max").reset_index()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary."""
        def num(x: float) -> float | None:
            return float(x) if math.isfinite(x) else None

        return {
            "model": self.model, "dataset": self.dataset, "fingerprint": self.fingerprint,
            "metric": self.metric, "pool_size": self.pool_size, "full_pool": self.full_pool,
            "eval_folds": self.eval_folds,
            "target": self.target, "best": self.best,
            "strategies": [{k: (num(v) if isinstance(v, float) else v)
                            for k, v in row.items()}
                           for row in self.reach.reset_index().to_dict("records")],
            "curve": None if self.curve is None else self.curve.to_dict(),
            "rounds": self.rounds.to_dict("records"),
            "notes": list(self.notes),
        }


def labels_to_reach(labels: np.ndarray, scores: np.ndarray, target: float) -> float:
    """Labels at which a curve first reaches `target`, interpolated linearly in log
    labels between the round before and the round that reached it, rounded up (a label
    is whole; every surface shows the same count).

    Parameters
    ----------
    labels, scores : ndarray of shape (r,)
        Ascending labels and the scores after each round (higher is better).
    target : float

    Returns
    -------
    float
        ``math.inf`` when no round reaches it.
    """
    hit = np.flatnonzero(scores >= target)
    if hit.size == 0:
        return math.inf
    i = int(hit[0])
    if i == 0:
        return float(labels[0])
    s0, s1 = float(scores[i - 1]), float(scores[i])
    t = (target - s0) / (s1 - s0) if s1 > s0 else 1.0
    at = float(np.exp(np.log(labels[i - 1]) + t * np.log(labels[i] / labels[i - 1])))
    return float(math.ceil(at - 1e-9))


def _embeddings(X: Any) -> np.ndarray:
    """Standardised flat features (what core-set and clustering measure distance on)."""
    if hasattr(X, "toarray"):
        from sklearn.decomposition import TruncatedSVD

        Z = TruncatedSVD(n_components=min(64, X.shape[1] - 1), random_state=0).fit_transform(X)
    else:
        Z = np.asarray(X, np.float64).reshape(X.shape[0], -1)
    sd = Z.std(axis=0)
    return np.asarray((Z - Z.mean(axis=0)) / np.where(sd > 0, sd, 1.0))


def simulate_active_learning(
        data: Any, learner: str, *, label: str | None = None,
        strategies: Sequence[str] = DEFAULT_STRATEGIES, initial: int = 20, batch: int = 10,
        budget: int = 200, seeds: int = 3, cold: str = "stratified",
        target: float | None = None, target_share: float = 0.95,
        eval_size: float | int = 0.2, eval_folds: int | None = None,
        store: str | Path | Store | None = None,
        progress: Callable[[ProgressEvent], None] | None = None) -> ActiveSimulation:
    """Simulate pool-based active learning with each strategy and price it in labels.

    Parameters
    ----------
    data : Dataset, arrays, DataFrame, ...
        Anything `datacurve.data.as_dataset` takes; a classification task.
    learner : str
        Learner spec (``"sklearn:LogisticRegression(max_iter=500)"``, ``"mlp:width=64"``).
    label : str, optional
        Label column of a DataFrame.
    strategies : sequence of str
        Among `datacurve.active.STRATEGIES`; ``random`` is added when missing (savings
        are priced against it).
    initial, batch, budget : int
        First labelled batch, rows queried per round, labels at the last round.
    seeds : int
        Repetitions (each its own first batch, shared by every strategy).
    cold : {"stratified", "random", "typical"}
        How the first batch is drawn (`datacurve.active.cold_start`).
    target : float, optional
        Accuracy to reach; default `target_share` × the full pool's.
    target_share : float
    eval_size : float or int
        The single hold-out when there is one (`make_eval_folds`).
    eval_folds : int, optional
        Evaluation folds, as `datacurve.curves.run_curve` chooses them (None: 5 folds
        for a small dataset, one hold-out otherwise); seed s is evaluated on fold
        s mod K, so ``seeds`` = K evaluates on every row.
    store : path or Store, optional
        Record every round; rounds already there are read back, not retrained.
    progress : callable, optional
        The runner's progress callback (`datacurve.curves.ProgressEvent`: a start, one
        event per round with its trial, a done); work counted in labels trained on.

    Returns
    -------
    ActiveSimulation
    """
    ds = as_dataset(data, label=label) if not isinstance(data, Dataset) else data
    if ds.task != "classification":
        raise InputError("data", "a classification task (labels to query)", ds.task)
    unknown = [s for s in strategies if s not in STRATEGIES]
    if unknown:
        raise InputError("strategies", f"names among {', '.join(STRATEGIES)}",
                         repr(unknown[0]))
    names = tuple(dict.fromkeys(["random", *strategies]))
    spec = parse_spec(learner).canonical
    folds = make_eval_folds(ds, eval_folds=eval_folds, eval_size=eval_size)
    smallest = min(f.pool.size for f in folds)
    if not 1 <= initial < smallest:
        raise InputError("initial", f"between 1 and the pool's {smallest - 1} rows",
                         repr(initial))
    if not initial < budget <= smallest:
        raise InputError("budget", f"more than the first batch ({initial}) and at most the "
                         f"pool's {smallest} rows", repr(budget))
    if batch < 1:
        raise InputError("batch", "at least 1 row per round", repr(batch))
    if cold not in COLD_STARTS:
        raise InputError("cold_start", f"one of {', '.join(COLD_STARTS)}", repr(cold))
    if "bald" in names:
        check_bald(learner)
    if not 0 < target_share <= 1:
        raise InputError("target_share", "a share in (0, 1]", repr(target_share))
    n_classes = int(ds.classes.size) if ds.classes is not None else int(ds.y.max()) + 1
    X, y = ds.X, ds.y
    emb = _embeddings(X)
    st = _open(store)
    if st is not None:
        st.add_dataset(ds.fingerprint, ds.name, ds.task, ds.summary())
    schedule = [*range(initial, budget, batch), budget]
    total = len(names) * seeds * len(schedule) + seeds
    cost_total = float(sum(len(names) * sum(schedule) + folds[sd % len(folds)].pool.size
                           for sd in range(seeds)))
    done, cost = 0, 0.0

    def tick(result: TrialResult | None, work: float, kind: str = "trial") -> None:
        nonlocal done, cost
        done, cost = done + (kind == "trial"), cost + work
        if progress:
            progress(ProgressEvent(kind, total, done, cost_total, cost, 0, result))

    tick(None, 0.0, "start")
    rows = []
    full = []
    try:
        for seed in range(seeds):
            rng = np.random.default_rng([seed, 0xAC71])
            split = folds[seed % len(folds)]
            pool = split.pool
            full.append(_full_pool(st, ds, spec, split, seed, n_classes, len(folds)))
            tick(None, float(pool.size))
            first = pool[cold_start(cold, initial, y=y[pool], embeddings=emb[pool], rng=rng)]
            for s in names:
                model = f"{spec}{ACTIVE_MARK}{s}"
                labelled = list(first)
                stored = _stored_rounds(st, ds.fingerprint, model, seed, split.key)
                for r, n in enumerate(schedule):
                    if len(labelled) != n:
                        raise RuntimeError(f"round {r}: {len(labelled)} labels, expected {n}")
                    key = trial_key(ds.fingerprint, model, n, seed, split.key)
                    result = None
                    if key in stored:
                        res = stored[key]
                        score, fit_time = res["score"], res["fit_time"]
                        queried = res["queried"]
                    else:
                        score, fit_time, queried, why, picked_scores = _round(
                            s, spec, X, y, np.array(labelled), pool, split.evaluation,
                            emb, n_classes, min(batch, budget - n),
                            # one generator per round: a resumed run queries as an
                            # uninterrupted one would
                            np.random.default_rng([seed, 0xAC71, STRATEGIES.index(s), r]),
                            seed, n)
                        result = TrialResult(
                            key, model, n, seed, "ok", -1, {}, {"accuracy": score},
                            fit_time, 0.0, "",
                            {"active": s, "round": r, "queried": [int(i) for i in queried],
                             "why": why, "eval_fold": seed % len(folds),
                             "eval_folds": len(folds),
                             "query_scores": [float(v) if math.isfinite(v) else None
                                              for v in picked_scores]})
                        if st is not None:
                            st.put(result, dataset=ds.fingerprint, eval_split=split.key,
                                   task=ds.task, n_eval=int(split.evaluation.size))
                    rows.append({"strategy": s, "seed": seed, "round": r, "labels": n,
                                 "score": score, "fit_time": fit_time})
                    labelled += [int(i) for i in queried]
                    tick(result, float(n))
        tick(None, 0.0, "done")
    finally:
        if st is not None and not isinstance(store, Store):
            st.close()
    return _summarise(pd.DataFrame(rows), spec, ds.name, float(np.mean(full)), smallest,
                      target, target_share, ds.fingerprint, len(folds))


def load_simulations(store: str | Path | Store, *, dataset: str | None = None,
                     target: float | None = None, target_share: float = 0.95
                     ) -> list[ActiveSimulation]:
    """The simulations a store holds, summarised again from their rounds (nothing is
    trained): one per (dataset, learner), over the seeds every strategy finished.

    Parameters
    ----------
    store : path or Store
        A store `simulate_active_learning` wrote to.
    dataset : str, optional
        A dataset's fingerprint or name (default: every dataset).
    target, target_share
        As `simulate_active_learning`.

    Returns
    -------
    list of ActiveSimulation
        Empty when the store holds no finished seed of any simulation.
    """
    st = _open(store)
    assert st is not None
    try:
        t = st.trials(dataset=dataset, include_failed=False)
    finally:
        if not isinstance(store, Store):
            st.close()
    t = t[t["model"].str.contains(ACTIVE_MARK, regex=False)]
    out = []
    for (fp, spec), g in t.groupby([t["dataset"], t["model"].str.split(ACTIVE_MARK).str[0]],
                                    sort=True):
        kind = g["model"].str.split(ACTIVE_MARK).str[1]
        full = g[kind == "full-pool"]
        r = g[kind != "full-pool"]
        rounds = pd.DataFrame({
            "strategy": kind[kind != "full-pool"], "seed": r["seed"],
            "round": [i.get("round", -1) for i in r["info"]], "labels": r["n"],
            "score": [v["accuracy"] for v in r["val_scores"]], "fit_time": r["fit_time"]})
        # Seeds every strategy finished (an interrupted run's last seed is left out).
        size = rounds.groupby(["strategy", "seed"]).size()
        most = size.groupby("strategy").max()
        done = [sd for sd in sorted(set(rounds["seed"]))
                if all(size.get((s, sd), 0) == most[s] for s in most.index)
                and sd in set(full["seed"])]
        if not done or "random" not in most.index:
            continue
        # The simulation's order: random first, then the strategies as STRATEGIES lists them.
        order = ["random", *[s for s in STRATEGIES if s != "random" and s in most.index]]
        rounds = rounds[rounds["seed"].isin(done)].copy()
        rounds["strategy"] = pd.Categorical(rounds["strategy"], order)
        rounds = rounds.sort_values(["strategy", "seed", "labels"], kind="stable")
        rounds["strategy"] = rounds["strategy"].astype(str)
        score = float(np.mean([v["accuracy"] for v, sd in zip(
            full["val_scores"], full["seed"], strict=True) if sd in done]))
        name = str(g["dataset_name"].iloc[0]) or str(fp)
        folds = max(int(i.get("eval_folds", 1)) for i in full["info"])
        out.append(_summarise(rounds.reset_index(drop=True), str(spec), name, score,
                              int(full["n"].min()), target, target_share, str(fp), folds))
    return out


def _open(store: str | Path | Store | None) -> Store | None:
    if store is None or isinstance(store, Store):
        return store
    return open_store(store)


def _stored_rounds(st: Store | None, fp: str, model: str, seed: int,
                   split_key: str) -> dict[str, dict[str, Any]]:
    """Finished rounds of one (strategy, seed) already in the store, by trial key."""
    if st is None:
        return {}
    t = st.trials(dataset=fp, models=[model], include_failed=False)
    t = t[(t["seed"] == seed) & (t["eval_split"] == split_key)]
    return {k: {"score": float(v["accuracy"]), "fit_time": float(ft),
                "queried": list(info.get("queried", []))}
            for k, v, ft, info in zip(t["key"], t["val_scores"], t["fit_time"], t["info"],
                                      strict=True)}


def check_bald(learner: str, name: str = "strategies") -> None:
    """Refuse BALD for a learner without Monte Carlo dropout (naming the flag)."""
    probe = parse_spec(learner).build("classification", random_state=0)
    if not hasattr(probe, "predict_proba_samples") or not getattr(probe, "dropout", 0):
        raise InputError(name, "bald with a torch network that has dropout "
                         "(Monte Carlo dropout), e.g. mlp:dropout=0.2 or "
                         "cnn:width=16,dropout=0.2", f"bald with {learner}")


def _train(spec: str, X: Any, y: np.ndarray, rows: np.ndarray, seed: int, n: int) -> Any:
    learner = parse_spec(spec).build("classification",
                                     random_state=trial_random_state(seed, n))
    learner.fit(X[rows], y[rows])
    return learner


def _round(strategy: str, spec: str, X: Any, y: np.ndarray, labelled: np.ndarray,
           pool: np.ndarray, evaluation: np.ndarray, emb: np.ndarray, n_classes: int,
           k: int, rng: np.random.Generator, seed: int, n: int
           ) -> tuple[float, float, np.ndarray, str, np.ndarray]:
    """Train on the labelled rows, score on the evaluation set (NaN when it is empty),
    query `k` more among the pool's rows not labelled."""
    t0 = time.perf_counter()
    learner = _train(spec, X, y, labelled, seed, n)
    fit_time = time.perf_counter() - t0
    score = math.nan
    if evaluation.size:
        p_eval = learner_outputs(learner, X[evaluation], "classification", n_classes)
        score = compute_metrics("classification", y[evaluation], p_eval,
                                n_classes)["accuracy"]
    if k == 0:
        return float(score), fit_time, np.empty(0, np.int64), "", np.empty(0)
    candidates = np.setdiff1d(pool, labelled)
    proba = (learner_outputs(learner, X[candidates], "classification", n_classes)
             if strategy not in ("random", "coreset", "bald") else None)
    samples = None
    if strategy == "bald":
        raw = np.asarray(learner.predict_proba_samples(X[candidates]), np.float64)
        samples = np.zeros((*raw.shape[:2], n_classes))
        samples[:, :, np.asarray(learner.classes_).astype(np.int64)] = raw
    q = query(strategy, k, proba=proba, candidates=emb[candidates], labelled=emb[labelled],
              rng=rng, samples=samples)
    return float(score), fit_time, candidates[q.picked], q.reason, q.scores


def _full_pool(st: Store | None, ds: Dataset, spec: str, split: Any, seed: int,
               n_classes: int, k: int) -> float:
    """The learner trained on the whole pool (the reference every target is a share of),
    stored as an ordinary trial of the model at the pool's size."""
    n = int(split.pool.size)
    model = f"{spec}{ACTIVE_MARK}full-pool"
    key = trial_key(ds.fingerprint, model, n, seed, split.key)
    got = _stored_rounds(st, ds.fingerprint, model, seed, split.key)
    if key in got:
        return float(got[key]["score"])
    score, fit_time, *_ = _round("random", spec, ds.X, ds.y, split.pool, split.pool,
                                 split.evaluation, np.empty((0, 0)), n_classes, 0,
                                 np.random.default_rng(0), seed, n)
    if st is not None:
        st.put(TrialResult(key, model, n, seed, "ok", -1, {}, {"accuracy": score},
                           fit_time, 0.0, "", {"active": "full-pool", "eval_fold": seed % k,
                                               "eval_folds": k}),
               dataset=ds.fingerprint, eval_split=split.key, task=ds.task,
               n_eval=int(split.evaluation.size))
    return score


def _summarise(rounds: pd.DataFrame, spec: str, dataset: str, full: float, pool: int,
               target: float | None, share: float, fingerprint: str = "",
               eval_folds: int = 1) -> ActiveSimulation:
    goal = float(target) if target is not None else share * full
    strategies = list(dict.fromkeys(rounds["strategy"]))
    # scores[strategy]: (seeds, rounds) on the shared labels schedule.
    labels = np.sort(rounds["labels"].unique()).astype(float)
    scores = {s: g.pivot(index="seed", columns="labels", values="score").to_numpy()
              for s, g in rounds.groupby("strategy", sort=False)}
    point = {s: labels_to_reach(labels, v.mean(axis=0), goal) for s, v in scores.items()}
    # Bootstrap over seeds, paired: a resample draws the same seeds for every strategy
    # (they share each seed's first batch).
    n_seeds = next(iter(scores.values())).shape[0]
    rng = np.random.default_rng(0)
    draws = rng.integers(0, n_seeds, size=(_BOOT, n_seeds))
    boot = {s: np.array([labels_to_reach(labels, v[d].mean(axis=0), goal) for d in draws])
            for s, v in scores.items()}
    # Random labelling that never reached the target within the budget is counted at the
    # budget: every saving is then a lower bound (said in a note and `saved_is_bound`).
    budget = float(labels[-1])
    ref, ref_boot = point["random"], boot["random"]
    bound = not math.isfinite(ref)
    ref = ref if not bound else budget
    ref_boot = np.where(np.isfinite(ref_boot), ref_boot, budget)
    rows = []
    for s in strategies:
        finite = math.isfinite(point[s])
        with np.errstate(invalid="ignore"):
            # "inverted_cdf" picks resampled values, so a resample that never reached the
            # target (inf labels, -inf saved) bounds the interval instead of making it NaN.
            lo, hi = np.percentile(boot[s], [10, 90], method="inverted_cdf")
            fr = 1 - boot[s] / ref_boot
            fr = np.where(np.isfinite(fr), fr, -np.inf)  # a resample that never reached
            s_lo, s_hi = np.percentile(fr, [10, 90], method="inverted_cdf")
        rows.append({"strategy": s, "labels": point[s], "low": float(lo), "high": float(hi),
                     "saved": 1 - point[s] / ref if finite else math.nan,
                     "saved_low": float(s_lo), "saved_high": float(s_hi),
                     "saved_samples": ref - point[s] if finite else math.nan,
                     "saved_is_bound": bound and s != "random"})
    reach = pd.DataFrame(rows).set_index("strategy")
    best = min(strategies, key=lambda s: (point[s], s != "random"))
    notes = []
    if eval_folds > 1:
        used = min(n_seeds, eval_folds)
        notes.append(f"seed s is evaluated on fold s of the {eval_folds} evaluation folds "
                     "of a learning curve (datacurve curve), so the full pool's score is the "
                     "curve's at the pool's size"
                     + ("" if used == eval_folds else
                        f"; {used} of the {eval_folds} folds used (--seeds {eval_folds} "
                        "evaluates on every row)"))
    if bound:
        notes.append(f"random labelling did not reach {goal:.4g} within {int(budget)} labels; "
                     "savings are counted against the budget and are lower bounds")
    if not math.isfinite(point[best]):
        notes.append(f"no strategy reached {goal:.4g} within {int(budget)} labels; "
                     "raise the budget")
    curve = None
    g = rounds[rounds["strategy"] == best]
    try:
        curve = fit_learning_curve(g["labels"].to_numpy(float), g["score"].to_numpy(float),
                                   network=is_network(spec))
    except InputError as exc:
        notes.append(f"no learning curve of {best}: {exc}")
    return ActiveSimulation(model=spec, dataset=dataset, metric="accuracy",
                            rounds=rounds, full_pool=full, pool_size=pool, target=goal,
                            reach=reach, best=best, curve=curve, notes=tuple(notes),
                            fingerprint=fingerprint, eval_folds=eval_folds)
