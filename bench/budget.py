"""Decision cost: "how many samples reach the target" from 15 % of one full training run,
against measuring every anchor up to N/8 with 2 seeds.

Both sides are replayed from recorded learning curves, so the truth (the whole curve up
to the full pool N) is known:

- **LCDB** (bench/data/lcdb_curves_dev.csv.gz): curves of scikit-learn classifiers whose
  largest anchor N >= 1,024. A trial at (n, repeat r) scores LCDB's mean validation
  accuracy at n plus r's draw of its recorded seed spread (``score_valid_std``) and
  costs LCDB's recorded training time at n. The meta-models the curves are fitted with
  are retrained for each of 5 folds of datasets and used only on the fold they never
  saw (as bench/extrapolation.py does), so the figures are for unseen datasets.
- **MNIST-1D** (bench/data/mnist1d_curves.csv, datacurve's own runner, N = 32,000, six
  networks, 2 seeds): a trial returns the recorded seed's score and fit time. The
  network meta-model was trained on the deep-learning corpus, whose tasks include
  MNIST-1D under other generator settings (not these curves).

The target of a curve is its mean score at the anchor nearest N/2 (so the answer lies
beyond N/8 and has to be extrapolated); curves whose mean already reaches it by N/8 are
left out. The truth is the size where the mean curve first reaches the target
(log-linear between anchors). The budgeted run is `datacurve.fit.budget_step`, the
function `run_curve(budget=...)` calls after every round, with the target given; its
answer, like the baseline's, is `samples_needed` of the curve fitted to what it
measured. Cost is the measured trials' training seconds over the time of one run at N:
the time model (`fit_time_model`) fitted to the whole recorded curve's times, read at N,
because one recorded time is noisy (MNIST-1D's CNN took 82 s at 8,192 rows and 55 s at
32,000: early stopping ends runs at different epochs).

With ``--live STORE`` the budgeted runner also runs for real (`run_curve(budget=...)`,
real training) on MNIST-1D for the issue's networks (cnn widths 4, 16, 48; mlp widths 64,
256), each with its own target, against the truth of the recorded grid.

Usage: python -W ignore bench/budget.py [--curves 100] [--share 0.15] [--folds 5]
       [--only lcdb|mnist1d] [--live STORE]
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Callable
from pathlib import Path
from unittest import mock

import numpy as np
import pandas as pd

from _metalearn import build_table, export, train
from datacurve.curves import Budget
from datacurve.fit import budget_step, fit_time_model, samples_needed
from datacurve.fit._plan import _fit_one
from datacurve.results import Results

DATA = Path(__file__).resolve().parent / "data"
RATIO = 1.5  # "within 1.5x of the truth"
REPEATS = 2

# (n, repeat) -> (score, seconds) for one curve.
Oracle = Callable[[int, int], tuple[float, float]]


def truth_size(n: np.ndarray, mean: np.ndarray, target: float) -> float:
    """Where the mean curve first reaches `target`, log-linear between anchors."""
    i = int(np.argmax(mean >= target))
    if i == 0:
        return float(n[0])
    lo, hi = mean[i - 1], mean[i]
    frac = (target - lo) / (hi - lo) if hi > lo else 1.0
    return float(math.exp(math.log(n[i - 1]) + frac * math.log(n[i] / n[i - 1])))


def full_run_seconds(n: np.ndarray, secs: np.ndarray) -> float:
    """One run's seconds at the largest size, from the time model of the whole curve."""
    t = pd.DataFrame({"model": "m", "n": n, "val_score": 0.5, "fit_time": secs})
    return float(fit_time_model(t, "m").predict(float(n[-1])))


def _table(rows: list[tuple[str, int, int, float, float]]) -> pd.DataFrame:
    return pd.DataFrame({
        "model": [r[0] for r in rows], "n": [r[1] for r in rows],
        "seed": [r[2] for r in rows], "val_score": [r[3] for r in rows],
        "fit_time": [r[4] for r in rows], "status": "ok", "params": 0,
        "train_score": np.nan, "key": [f"{r[0]}|{r[1]}|{r[2]}" for r in rows]})


def answer(rows: list[tuple[str, int, int, float, float]], model: str,
           target: float) -> float:
    r = Results.from_source(_table(rows))
    return samples_needed(_fit_one(r, model, network=None), target)


def budgeted(model: str, anchors: np.ndarray, oracle: Oracle, budget: Budget,
             full_n: int) -> tuple[list[tuple[str, int, int, float, float]], str, int]:
    """Replay `run_curve(budget=...)` for one model: rounds of `budget_step` picks, one
    trial per round (one worker), each answered by `oracle`."""
    cand = pd.DataFrame([(f"{model}|{int(n)}|{r}", model, int(n), r)
                         for n in anchors for r in range(REPEATS)],
                        columns=["key", "model", "n", "repeat"])
    rows: list[tuple[str, int, int, float, float]] = []
    done: set[str] = set()
    rounds = 0
    while True:
        step = budget_step(_table(rows) if rows else _table([]).iloc[:0],
                           cand[~cand["key"].isin(done)], budget, full_n=full_n, slots=1)
        rounds += 1
        if not step.picks:
            return rows, str(step.stop), rounds
        for key in step.picks:
            _, n, r = key.rsplit("|", 2)
            score, secs = oracle(int(n), int(r))
            rows.append((model, int(n), int(r), score, secs))
            done.add(key)


GRIDS = {"grid": 8, "grid4": 4, "grid2": 2}
"""The grid baselines: every anchor up to N/8 (the issue's), N/4 and N/2, both repeats.
N/8 and N/4 show what more measurement buys; N/2 holds the target's own anchor, so its
answer is an interpolation: the ceiling any measurement can reach on these curves."""


def baseline(model: str, anchors: np.ndarray, oracle: Oracle, full_n: int, upto: int = 8
             ) -> list[tuple[str, int, int, float, float]]:
    """Every anchor up to N/`upto`, every repeat."""
    return [(model, int(n), r, *oracle(int(n), r)) for n in anchors
            if n <= full_n / upto * 1.01 for r in range(REPEATS)]


def score_case(model: str, anchors: np.ndarray, mean: np.ndarray, oracle: Oracle,
               full_seconds: float, share: float) -> dict[str, object] | None:
    full_n = int(anchors[-1])
    target = float(mean[int(np.argmin(np.abs(np.log(anchors / (full_n / 2)))))])
    if np.any(mean[anchors <= full_n / 8] >= target):
        return None  # reached by N/8: nothing to extrapolate
    true = truth_size(anchors, mean, target)
    t0 = time.perf_counter()
    rows, stop, rounds = budgeted(model, anchors, oracle, Budget(share=share, target=target),
                                  full_n)
    decide = time.perf_counter() - t0
    rise = target - float(np.max(mean[anchors <= full_n / 8]))
    out: dict[str, object] = {"model": model, "N": full_n, "target": target, "truth": true,
                              "rise": rise, "stop": stop, "rounds": rounds,
                              "decide_s": decide}
    runs = {"budget": rows} | {name: baseline(model, anchors, oracle, full_n, upto)
                               for name, upto in GRIDS.items()}
    for name, got in runs.items():
        pred = answer(got, model, target)
        ratio = pred / true if math.isfinite(pred) else math.inf
        out[f"{name}_cost"] = sum(r[4] for r in got) / full_seconds
        out[f"{name}_ratio"] = ratio
        out[f"{name}_ok"] = max(ratio, 1 / ratio) <= RATIO
        out[f"{name}_largest"] = max(r[1] for r in got)
    return out


def lcdb_cases(curves: int, seed: int = 0) -> list[tuple[int, str, pd.DataFrame]]:
    df = pd.read_csv(DATA / "lcdb_curves_dev.csv.gz")
    df = df[np.isfinite(df["score_valid"]) & np.isfinite(df["traintime"])]
    out = []
    for (oid, learner), c in df.groupby(["openmlid", "learner"], sort=True):
        c = c.sort_values("size_train")
        n = c["size_train"].to_numpy(float)
        if n[-1] < 1024 or len(c) < 8 or c["traintime"].iloc[-1] <= 0:
            continue
        out.append((int(oid), str(learner), c))
    rng = np.random.default_rng(seed)
    pick = sorted(rng.choice(len(out), min(curves, len(out)), replace=False))
    return [out[i] for i in pick]


def run_lcdb(curves: int, share: float, folds: int) -> pd.DataFrame:
    cases = lcdb_cases(curves)
    oids = sorted({c[0] for c in cases})
    fold_of = {o: i % folds for i, o in enumerate(np.random.default_rng(0).permutation(oids))}
    table = build_table()
    rows = []
    for fold in range(folds):
        t0 = time.perf_counter()
        seen = table[~table["oid"].astype(int).map(fold_of).eq(fold).to_numpy()]
        models = (export(train(seen)), export(train(seen, with_train=True),
                                              with_train=True))
        print(f"fold {fold}: meta-models trained without its datasets in "
              f"{time.perf_counter() - t0:.0f} s", flush=True)

        def held_out(with_train: bool = False, network: bool = False,
                     models: tuple[object, object] = models) -> object:
            return models[1] if with_train else models[0]

        with mock.patch("datacurve.fit._curve.load_meta", held_out):
            for oid, learner, c in cases:
                if fold_of[oid] != fold:
                    continue
                n = c["size_train"].to_numpy(float)
                mean = c["score_valid"].to_numpy(float)
                sd = np.nan_to_num(c["score_valid_std"].to_numpy(float))
                secs = np.maximum(c["traintime"].to_numpy(float), 1e-5)
                z = np.random.default_rng(oid * 1000 + len(learner)).normal(
                    size=(n.size, REPEATS))

                def oracle(size: int, r: int, n: np.ndarray = n, mean: np.ndarray = mean,
                           sd: np.ndarray = sd, secs: np.ndarray = secs,
                           z: np.ndarray = z) -> tuple[float, float]:
                    i = int(np.flatnonzero(n == size)[0])
                    return float(np.clip(mean[i] + sd[i] * z[i, r], 0, 1)), float(secs[i])

                res = score_case(learner, n, mean, oracle, full_run_seconds(n, secs),
                                 share)
                if res is not None:
                    rows.append({"source": "lcdb", "oid": oid, **res})
    return pd.DataFrame(rows)


def run_mnist1d(share: float) -> pd.DataFrame:
    df = pd.read_csv(DATA / "mnist1d_curves.csv")
    df = df[df["status"] == "ok"]
    rows = []
    for model, g in df.groupby("model", sort=True):
        per = g.groupby("n").agg(mean=("val_score", "mean"), secs=("fit_time", "median"))
        n = per.index.to_numpy(float)
        by = {(int(a), int(s)): (float(v), float(t)) for a, s, v, t in
              g[["n", "seed", "val_score", "fit_time"]].itertuples(index=False)}
        seeds = sorted(g["seed"].unique())

        def oracle(size: int, r: int, by: dict = by, seeds: list = seeds  # type: ignore[type-arg]
                   ) -> tuple[float, float]:
            return by[(size, int(seeds[r % len(seeds)]))]

        res = score_case(str(model), n, per["mean"].to_numpy(float), oracle,
                         full_run_seconds(n, per["secs"].to_numpy(float)), share)
        if res is not None:
            # How well-defined the truth is: where each seed's own curve first reaches
            # the target, against the mean curve's answer.
            one = [truth_size(n, g[g["seed"] == s].groupby("n")["val_score"].mean()
                              .reindex(per.index).to_numpy(float), float(res["target"]))
                   / float(res["truth"]) for s in seeds]  # type: ignore[arg-type]
            res["seed_ratios"] = " ".join(f"{x:.2f}" for x in one)
            res["seed_ok"] = all(max(x, 1 / x) <= RATIO for x in one)
            rows.append({"source": "mnist1d", "oid": 0, **res})
    return pd.DataFrame(rows)


ISSUE_MODELS = ("cnn:width=4", "cnn", "cnn:width=48", "mlp:width=64", "mlp:width=256")
"""Issue 19's MNIST-1D networks ("cnn" is width 16, the default)."""


def mnist1d_truth(model: str) -> tuple[np.ndarray, np.ndarray, float, float, float]:
    """The recorded grid's anchors, mean curve, target (mean at the anchor nearest N/2),
    true size for it and one full run's seconds."""
    df = pd.read_csv(DATA / "mnist1d_curves.csv")
    g = df[(df["status"] == "ok") & (df["model"] == model)]
    per = g.groupby("n").agg(mean=("val_score", "mean"), secs=("fit_time", "median"))
    n, mean = per.index.to_numpy(float), per["mean"].to_numpy(float)
    target = float(mean[int(np.argmin(np.abs(np.log(n / (n[-1] / 2)))))])
    return n, mean, target, truth_size(n, mean, target), full_run_seconds(
        n, per["secs"].to_numpy(float))


def run_live(share: float, store: Path) -> pd.DataFrame:
    """The budgeted runner for real on MNIST-1D (the grid's data: 40,000 generated, 20 %
    evaluation, N = 32,000), one run per network with its own target; the truth and the
    full run's seconds come from the recorded grid. Cost = the seconds the run's trials
    trained over one full run's."""
    from datacurve.curves import run_curve
    from datacurve.data import builtin

    dataset = builtin("mnist1d:n=40000")
    rows = []
    for model in ISSUE_MODELS:
        _, _, target, true, full_s = mnist1d_truth(model)
        spec = "cnn:width=16" if model == "cnn" else model
        t0 = time.perf_counter()
        run = run_curve(dataset, [spec], budget=share, target=target, eval_size=0.2,
                        store=store, progress=False)
        wall = time.perf_counter() - t0
        ok = run.results[run.results["status"] == "ok"]
        got = [(model, int(a), int(s), float(v), float(t)) for a, s, v, t in
               ok[["n", "seed", "val_score", "fit_time"]].itertuples(index=False)]
        pred = answer(got, model, target)
        ratio = pred / true if math.isfinite(pred) else math.inf
        rows.append({"model": model, "target": target, "truth": true, "answer": pred,
                     "ratio": ratio, "ok": max(ratio, 1 / ratio) <= RATIO,
                     "cost": sum(r[4] for r in got) / full_s, "trials": len(got),
                     "largest": max(r[1] for r in got), "wall_s": wall,
                     "stop": run.budget.stop if run.budget is not None else ""})
        r = rows[-1]
        print(f"  {model:14s} target {target:.4f}: truth {true:,.0f}, answer {pred:,.0f} "
              f"({ratio:.2f}x), cost {r['cost']:.2f} of a full run ({full_s:.0f} s), "
              f"{len(got)} trials up to n={r['largest']:,}, {wall:.0f} s wall; "
              f"{str(r['stop']).split(' (')[0]}", flush=True)
    return pd.DataFrame(rows)


def report(res: pd.DataFrame, title: str) -> None:
    """All cases, then two subsets: where training time grows with n (the grid to N/8
    costs less than one full run, so a share of a full run buys a curve at all), and
    where the target lies at least 0.01 above the score at N/8 (a rise larger than the
    seeds' noise, so "samples to reach it" is a question the data can answer)."""
    _report(res, title)
    _report(res[res["grid_cost"] < 1], f"{title}, training time grows (grid < 1 full run)")
    _report(res[res["rise"] >= 0.01], f"{title}, target >= 0.01 above the score at N/8")


def _report(res: pd.DataFrame, title: str) -> None:
    if res.empty:
        print(f"\n{title}: no case")
        return
    print(f"\n{title}: {len(res)} curves")
    for name, label in (("budget", "budgeted"), ("grid", "every anchor <= N/8, 2 seeds"),
                        ("grid4", "every anchor <= N/4, 2 seeds"),
                        ("grid2", "every anchor <= N/2, 2 seeds")):
        cost = res[f"{name}_cost"]
        ratio = res[f"{name}_ratio"].replace(np.inf, np.nan)
        err = np.abs(np.log2(ratio))
        print(f"  {label:30s} cost median {cost.median():.3f} (IQR {cost.quantile(.25):.3f}"
              f"–{cost.quantile(.75):.3f}) of a full run; within {RATIO}x: "
              f"{res[f'{name}_ok'].mean():.0%}; median |log2 ratio| {err.median():.2f}; "
              f"never reached {int(ratio.isna().sum())}")
    if "seed_ok" in res:
        print(f"  the truth from one seed's curve alone is within {RATIO}x of the mean "
              f"curve's for both seeds in {res['seed_ok'].mean():.0%} of curves")
    print("  stops: " + "; ".join(f"{k} {v}" for k, v in
                                 res["stop"].str.split(" \\(").str[0].value_counts().items()))
    print(f"  decision time per curve: median {res['decide_s'].median():.1f} s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--curves", type=int, default=100)
    ap.add_argument("--share", type=float, default=0.15)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--only", choices=["lcdb", "mnist1d"])
    ap.add_argument("--save")
    ap.add_argument("--live", metavar="STORE", help="also run the budgeted runner for real "
                    "on MNIST-1D with the issue's networks, trials kept in STORE")
    args = ap.parse_args()
    parts = []
    if args.live:
        print(f"MNIST-1D live, budget {args.share:.0%}:")
        live = run_live(args.share, Path(args.live))
        print(f"  within {RATIO}x: {live['ok'].mean():.0%}; median cost "
              f"{live['cost'].median():.2f}; median |log2 ratio| "
              f"{np.abs(np.log2(live['ratio'].replace(np.inf, np.nan))).median():.2f}")
        parts.append(live.assign(source="mnist1d-live"))
    if args.only in (None, "mnist1d"):
        m = run_mnist1d(args.share)
        report(m, f"MNIST-1D (N = 32,000), budget {args.share:.0%}")
        mine = m[m["model"].isin(ISSUE_MODELS)]
        report(mine, f"MNIST-1D, the issue's networks ({', '.join(ISSUE_MODELS)})")
        for r in mine.to_dict("records"):
            print(f"    {r['model']:14s} truth {r['truth']:,.0f}: budgeted "
                  f"{r['budget_ratio']:.2f}x at cost {r['budget_cost']:.2f}; grid "
                  f"{r['grid_ratio']:.2f}x at cost {r['grid_cost']:.2f}; N/4 "
                  f"{r['grid4_ratio']:.2f}x at {r['grid4_cost']:.2f}; N/2 "
                  f"{r['grid2_ratio']:.2f}x at {r['grid2_cost']:.2f}; one seed "
                  f"{r['seed_ratios']}")
        parts.append(m)
    if args.only in (None, "lcdb"):
        lc = run_lcdb(args.curves, args.share, args.folds)
        report(lc, f"LCDB (held-out meta-models), budget {args.share:.0%}")
        parts.append(lc)
    if args.save:
        pd.concat(parts).to_csv(args.save, index=False)


if __name__ == "__main__":
    main()
