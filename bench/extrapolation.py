"""Extrapolation benchmark: predict the score at the largest size from the small ones.

Task (the project's, on LCDB curves): for each curve whose largest anchor M >= 1024, observe
the anchors <= M * f (at least 4) for f in {1/16, 1/8, 1/4} and predict the validation
accuracy at M. Methods, in one run:

- ``default``: `fit_learning_curve` (meta-learned quantile extrapolation). Its meta-model is
  retrained for each of 5 folds of *datasets* and scored only on the fold it never saw,
  so the figures are for unseen datasets, not the training set;
- ``average``: the held-back-forecast weighted family average (no meta-learning);
- ``pow3``: a - b n^-c by scipy's curve_fit, clipped to [0, 1] (the published baseline);
- ``last``: the last observed value.

Reported: mean absolute error per f; coverage of the 80 % interval; for `size_for`, the
median |log2(predicted size / true size)| over targets the true curve reaches beyond the
observed part; median fit time of one curve. Then the same error on the deep-learning
curves of bench/data/mnist1d_curves.csv (observe n <= M/8, predict the mean score at M).

Usage: python bench/extrapolation.py [--folds 5] [--limit N]
"""

from __future__ import annotations

import argparse
import math
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import curve_fit

from _metalearn import build_table, export, lcdb_curves, train
from datacurve.fit import fit_learning_curve

FRACTIONS = (1 / 16, 1 / 8, 1 / 4)
DL = Path(__file__).resolve().parent / "data" / "mnist1d_curves.csv"


def pow3_predict(n: np.ndarray, y: np.ndarray, at: float) -> float:
    """The baseline: a - b n^-c with scipy's curve_fit, clipped to [0, 1]."""
    def f(x: np.ndarray, a: float, b: float, c: float) -> np.ndarray:
        return a - b * x ** (-c)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            p, _ = curve_fit(f, n, y, p0=[y[-1], 1.0, 0.5], maxfev=10_000)
            return float(np.clip(f(np.array([at]), *p)[0], 0.0, 1.0))
        except (RuntimeError, ValueError):
            return float(y[-1])


def tasks(curves: list[tuple[int, str, np.ndarray, np.ndarray]]) -> list[dict[str, object]]:
    out = []
    for oid, learner, n, y in curves:
        if n.size == 0 or n[-1] < 1024:
            continue
        for f in FRACTIONS:
            k = int(np.sum(n <= n[-1] * f))
            if k >= 4:
                out.append({"oid": oid, "learner": learner, "f": f, "k": k, "n": n, "y": y})
    return out


def size_errors(fit: object, n: np.ndarray, y: np.ndarray, k: int) -> list[float]:
    """log2(predicted / true size) for the targets the curve reaches after the cut
    (signed: negative when the size needed is under-estimated)."""
    seen = float(np.max(y[:k]))
    errs = []
    for j in range(k, n.size):
        target = float(y[j])
        if target <= seen:
            continue
        true = float(n[int(np.argmax(y >= target))])
        pred = fit.size_for(target)  # type: ignore[attr-defined]
        errs.append(math.inf if not math.isfinite(pred) else math.log2(pred / true))
    return errs


def run_lcdb(folds: int, limit: int | None, save: str | None = None) -> None:
    curves = lcdb_curves()
    all_tasks = tasks(curves)
    if limit:
        rng = np.random.default_rng(0)
        all_tasks = [all_tasks[i] for i in sorted(rng.choice(len(all_tasks), limit, False))]
    table = build_table()
    oids = np.array(sorted({t["oid"] for t in all_tasks}))  # type: ignore[type-var]
    fold_of = {int(o): i % folds for i, o in
               enumerate(np.random.default_rng(0).permutation(oids))}
    rows = []
    fit_times = []
    for fold in range(folds):
        t0 = time.perf_counter()
        keep = ~table["oid"].astype(int).map(fold_of).eq(fold).to_numpy()
        ens = export(train(table[keep]))
        print(f"fold {fold}: meta-model trained on {int(keep.sum()):,} rows of other "
              f"datasets in {time.perf_counter() - t0:.0f} s", flush=True)
        for t in all_tasks:
            if fold_of[int(t["oid"])] != fold:  # type: ignore[call-overload]
                continue
            n, y, k = t["n"], t["y"], int(t["k"])  # type: ignore[call-overload]
            M, yM = float(n[-1]), float(y[-1])  # type: ignore[index]
            on, oy = n[:k], y[:k]  # type: ignore[index]
            s0 = time.perf_counter()
            fit = fit_learning_curve(on, oy, meta_model=ens)
            fit_times.append(time.perf_counter() - s0)
            meta = fit_learning_curve(on, oy, meta_model=ens, method="meta")
            avg = fit_learning_curve(on, oy, method="average")
            row = {"f": t["f"], "oid": t["oid"], "learner": t["learner"], "truth": yM,
                   "pow3": pow3_predict(on, oy, M), "last": float(oy[-1]),
                   "size_default": size_errors(fit, n, y, k)}  # type: ignore[arg-type]
            for name, c in (("default", fit), ("meta", meta), ("average", avg)):
                lo, hi = c.interval(M, 0.8)
                row.update({name: c.predict(M), f"lo_{name}": lo, f"hi_{name}": hi,
                            f"cover_{name}": lo <= yM <= hi})
            rows.append(row)
    res = pd.DataFrame(rows)
    if save:
        res.drop(columns=["size_default"]).to_parquet(save)
    print(f"\nLCDB dev curves: {len(res)} tasks, {res.oid.nunique()} datasets, "
          f"meta-model cross-validated over {folds} dataset folds")
    methods = ("default", "meta", "average", "pow3", "last")
    print(f"{'f':>6} {'tasks':>6} " + " ".join(f"{m:>8}" for m in methods)
          + f" {'cov80 default':>14} {'cov80 meta':>11} {'cov80 avg':>10}"
          + f" {'size |log2|':>12} {'size log2':>10}")
    for f, g in res.groupby("f"):
        mae = {m: float(np.mean(np.abs(g[m] - g.truth))) for m in methods}
        sd = np.concatenate([np.asarray(x, float) for x in g.size_default] or [[]])
        print(f"{'1/' + str(round(1 / f)):>6} {len(g):>6} "
              + " ".join(f"{mae[m]:>8.4f}" for m in methods)
              + f" {g.cover_default.mean():>14.3f} {g.cover_meta.mean():>11.3f}"
              + f" {g.cover_average.mean():>10.3f}"
              + f" {np.median(np.abs(sd)):>12.3f} {np.median(sd[np.isfinite(sd)]):>10.3f}")
    print(f"median fit time of one curve (default): {1000 * np.median(fit_times):.1f} ms")


def run_dl() -> None:
    if not DL.exists():
        print(f"\n{DL} missing: run bench/make_dl_curves.py first")
        return
    df = pd.read_csv(DL)
    df = df[df["status"] == "ok"]
    print(f"\nMNIST-1D deep-learning curves ({DL.name}): observe n <= M/8, predict at M")
    print(f"{'model':>16} {'M':>7} {'truth':>7} {'default':>8} {'average':>8} {'pow3':>8} "
          f"{'last':>8}")
    errs: dict[str, list[float]] = {m: [] for m in ("default", "average", "pow3", "last")}
    for model, g in df.groupby("model"):
        M = float(g.n.max())
        truth = float(g[g.n == M].val_score.mean())
        obs = g[g.n <= M / 8]
        means = obs.groupby("n").val_score.mean()
        fit = fit_learning_curve(obs.n.to_numpy(float), obs.val_score.to_numpy(float))
        avg = fit_learning_curve(obs.n.to_numpy(float), obs.val_score.to_numpy(float),
                                 method="average")
        preds = {"default": fit.predict(M), "average": avg.predict(M),
                 "pow3": pow3_predict(means.index.to_numpy(float), means.to_numpy(), M),
                 "last": float(means.iloc[-1])}
        for m, p in preds.items():
            errs[m].append(abs(p - truth))
        print(f"{model:>16} {int(M):>7} {truth:>7.3f} " + " ".join(
            f"{preds[m]:>8.3f}" for m in ("default", "average", "pow3", "last")))
    print(f"{'MAE':>16} {'':>7} {'':>7} " + " ".join(
        f"{np.mean(errs[m]):>8.4f}" for m in ("default", "average", "pow3", "last")))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--limit", type=int, default=None,
                        help="score a random subset of this many tasks (quick runs)")
    parser.add_argument("--save", default=None, help="write per-task results (parquet)")
    args = parser.parse_args()
    run_lcdb(args.folds, args.limit, args.save)
    run_dl()


if __name__ == "__main__":
    main()
