"""Extrapolation benchmark: predict the score at the largest size from the small ones.

Task (the project's, on LCDB curves): for each curve whose largest anchor M >= 1024, observe
the anchors <= M * f (at least 4) for f in {1/16, 1/8, 1/4} and predict the validation
accuracy at M. Methods, in one run:

- ``default``: `fit_learning_curve` given the validation scores and LCDB's training-set
  scores (``train_scores=score_train``; meta-learned quantile extrapolation). Both of its
  meta-models (without and with train-score features) are retrained for each of 5 folds of
  *datasets* and scored only on the fold they never saw, so the figures are for unseen
  datasets, not the training set;
- ``no-train``: the same without the training-set scores (the meta-model without
  train-score features);
- ``meta``: the meta-model's quantiles alone (with the training-set scores);
- ``average``: the held-back-forecast weighted family average (no meta-learning);
- ``pow3``: a - b n^-c by scipy's curve_fit, clipped to [0, 1] (the published baseline);
- ``last``: the last observed value.

Reported: mean absolute error per f; coverage of the 80 % interval; for `size_for`, the
median |log2(predicted size / true size)| over targets the true curve reaches beyond the
observed part (default and no-train); median fit time of one curve (both). Then the same
error on the deep-learning curves of bench/data/mnist1d_curves.csv (observe n <= M/8,
predict the mean score at M), and on the deep-learning corpus of issue 16
(bench/data/dl_corpus.csv.gz) for every f, by family.

Usage: python bench/extrapolation.py [--folds 5] [--limit N] [--only-dl]
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

from _metalearn import Curve, build_table, export, lcdb_curves, train
from datacurve.fit import fit_learning_curve

FRACTIONS = (1 / 16, 1 / 8, 1 / 4)
DL = Path(__file__).resolve().parent / "data" / "mnist1d_curves.csv"
CORPUS = Path(__file__).resolve().parent / "data" / "dl_corpus.csv.gz"
"""The deep-learning corpus of issue 16 (bench/make_dl_corpus.py --export)."""


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


def tasks(curves: list[Curve]) -> list[dict[str, object]]:
    out = []
    for oid, learner, n, y, tr in curves:
        if n.size == 0 or n[-1] < 1024:
            continue
        for f in FRACTIONS:
            k = int(np.sum(n <= n[-1] * f))
            if k >= 4:
                out.append({"oid": oid, "learner": learner, "f": f, "k": k, "n": n, "y": y,
                            "tr": tr})
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
    fit_times: dict[str, list[float]] = {"default": [], "no-train": []}
    for fold in range(folds):
        t0 = time.perf_counter()
        keep = ~table["oid"].astype(int).map(fold_of).eq(fold).to_numpy()
        models = (export(train(table[keep])),
                  export(train(table[keep], with_train=True), with_train=True))
        print(f"fold {fold}: both meta-models trained on {int(keep.sum()):,} rows of other "
              f"datasets in {time.perf_counter() - t0:.0f} s", flush=True)
        for t in all_tasks:
            if fold_of[int(t["oid"])] != fold:  # type: ignore[call-overload]
                continue
            n, y, tr, k = t["n"], t["y"], t["tr"], int(t["k"])  # type: ignore[call-overload]
            M, yM = float(n[-1]), float(y[-1])  # type: ignore[index]
            on, oy, otr = n[:k], y[:k], tr[:k]  # type: ignore[index]
            fits = {}
            for name, given in (("default", otr), ("no-train", None)):
                s0 = time.perf_counter()
                fits[name] = fit_learning_curve(on, oy, train_scores=given, meta_model=models)
                fit_times[name].append(time.perf_counter() - s0)
            fits["meta"] = fit_learning_curve(on, oy, train_scores=otr, meta_model=models,
                                              method="meta")
            fits["average"] = fit_learning_curve(on, oy, method="average")
            row = {"f": t["f"], "oid": t["oid"], "learner": t["learner"], "truth": yM,
                   "pow3": pow3_predict(on, oy, M), "last": float(oy[-1]),
                   "train_used": fits["default"].uses_train_scores}
            for name in ("default", "no-train"):
                row[f"size_{name}"] = size_errors(fits[name], n, y, k)  # type: ignore[arg-type]
            for name, c in fits.items():
                lo, hi = c.interval(M, 0.8)
                row.update({name: c.predict(M), f"lo_{name}": lo, f"hi_{name}": hi,
                            f"cover_{name}": lo <= yM <= hi})
            rows.append(row)
    res = pd.DataFrame(rows)
    if save:
        res.drop(columns=["size_default", "size_no-train"]).to_parquet(save)
    print(f"\nLCDB dev curves: {len(res)} tasks, {res.oid.nunique()} datasets, "
          f"meta-models cross-validated over {folds} dataset folds; train scores used in "
          f"{res.train_used.mean():.1%} of the default's fits")
    methods = ("default", "no-train", "meta", "average", "pow3", "last")
    covered = ("default", "no-train", "meta", "average")
    print(f"{'f':>6} {'tasks':>6} " + " ".join(f"{m:>8}" for m in methods) + " "
          + " ".join(f"{'cov80 ' + m:>14}" for m in covered)
          + " " + " ".join(f"{h + ' ' + m:>19}" for m in ("default", "no-train")
                           for h in ("size |log2|", "size log2")))
    for f, g in res.groupby("f"):
        mae = {m: float(np.mean(np.abs(g[m] - g.truth))) for m in methods}
        sizes = []
        for m in ("default", "no-train"):
            sd = np.concatenate([np.asarray(x, float) for x in g[f"size_{m}"]] or [[]])
            sizes += [np.median(np.abs(sd)), np.median(sd[np.isfinite(sd)])]
        print(f"{'1/' + str(round(1 / f)):>6} {len(g):>6} "
              + " ".join(f"{mae[m]:>8.4f}" for m in methods) + " "
              + " ".join(f"{g['cover_' + m].mean():>14.3f}" for m in covered) + " "
              + " ".join(f"{v:>19.3f}" for v in sizes))
    print("median fit time of one curve: " + ", ".join(
        f"{m} {1000 * np.median(v):.1f} ms" for m, v in fit_times.items()))


def run_dl() -> None:
    if not DL.exists():
        print(f"\n{DL} missing: run bench/make_dl_curves.py first")
        return
    df = pd.read_csv(DL)
    df = df[df["status"] == "ok"]
    methods = ("default", "no-train", "average", "pow3", "last")
    print(f"\nMNIST-1D deep-learning curves ({DL.name}): observe n <= M/8, predict at M "
          "(default: with the runner's train_score; shipped meta-models)")
    print(f"{'model':>16} {'M':>7} {'truth':>7} " + " ".join(f"{m:>8}" for m in methods))
    errs: dict[str, list[float]] = {m: [] for m in methods}
    for model, g in df.groupby("model"):
        M = float(g.n.max())
        truth = float(g[g.n == M].val_score.mean())
        obs = g[g.n <= M / 8]
        means = obs.groupby("n").val_score.mean()
        n, y = obs.n.to_numpy(float), obs.val_score.to_numpy(float)
        fit = fit_learning_curve(n, y, train_scores=obs.train_score.to_numpy(float))
        preds = {"default": fit.predict(M), "no-train": fit_learning_curve(n, y).predict(M),
                 "average": fit_learning_curve(n, y, method="average").predict(M),
                 "pow3": pow3_predict(means.index.to_numpy(float), means.to_numpy(), M),
                 "last": float(means.iloc[-1])}
        for m, p in preds.items():
            errs[m].append(abs(p - truth))
        print(f"{model:>16} {int(M):>7} {truth:>7.3f} "
              + " ".join(f"{preds[m]:>8.3f}" for m in methods))
    print(f"{'MAE':>16} {'':>7} {'':>7} " + " ".join(f"{np.mean(errs[m]):>8.4f}"
                                                     for m in methods))


def run_corpus(min_largest: int = 1024) -> None:
    """The shipped extrapolation against pow3 and the last value on every curve of the
    deep-learning corpus whose largest size is at least `min_largest`: for f in
    `FRACTIONS`, observe n <= M·f (at least 4 sizes) and predict the mean score at M.
    Reported per f (MAE, 80 % coverage of the default) and per family at f = 1/8."""
    if not CORPUS.exists():
        print(f"\n{CORPUS} missing: run bench/make_dl_corpus.py, then --export")
        return
    df = pd.read_csv(CORPUS)
    df = df[df["status"] == "ok"]
    rows = []
    for (task, model), g in df.groupby(["task_name", "model"]):
        largest = float(g.n.max())
        if largest < min_largest:
            continue
        truth = float(g[g.n == largest].val_score.mean())
        for f in FRACTIONS:
            obs = g[g.n <= largest * f]
            means = obs.groupby("n").val_score.mean()
            if len(means) < 4:
                continue
            n, y = obs.n.to_numpy(float), obs.val_score.to_numpy(float)
            t0 = time.perf_counter()
            fit = fit_learning_curve(n, y, train_scores=obs.train_score.to_numpy(float))
            seconds = time.perf_counter() - t0
            lo, hi = fit.interval(largest, 0.8)
            rows.append({"task": task, "model": model, "family": g["family"].iloc[0],
                         "f": f, "default": abs(fit.predict(largest) - truth),
                         "pow3": abs(pow3_predict(means.index.to_numpy(float),
                                                  means.to_numpy(), largest) - truth),
                         "last": abs(float(means.iloc[-1]) - truth),
                         "covered": float(lo <= truth <= hi), "seconds": seconds})
    if not rows:
        print(f"\n{CORPUS}: no curve reaches {min_largest} yet")
        return
    res = pd.DataFrame(rows)
    curves = res.groupby(["task", "model"]).ngroups
    print(f"\nDeep-learning corpus ({CORPUS.name}): {curves} curves of "
          f"{res['task'].nunique()} tasks, largest size >= {min_largest}; shipped "
          "meta-models (not trained on the corpus)")
    print(f"{'f':>6} {'curves':>6} {'default':>8} {'pow3':>8} {'last':>8} {'coverage':>8}")
    for f, g in res.groupby("f"):
        print(f"{f:>6.4f} {len(g):>6} {g['default'].mean():>8.4f} {g['pow3'].mean():>8.4f} "
              f"{g['last'].mean():>8.4f} {g['covered'].mean():>8.3f}")
    eighth = res[res["f"] == 1 / 8]
    if len(eighth):
        print("by family at f = 1/8 (MAE default / pow3):")
        for family, g in eighth.groupby("family"):
            print(f"  {family:>9}: {g['default'].mean():.4f} / {g['pow3'].mean():.4f} "
                  f"({len(g)} curves)")
    print(f"median fit time: {1000 * res['seconds'].median():.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--limit", type=int, default=None,
                        help="score a random subset of this many tasks (quick runs)")
    parser.add_argument("--save", default=None, help="write per-task results (parquet)")
    parser.add_argument("--only-dl", action="store_true",
                        help="skip LCDB: only the deep-learning curves and corpus")
    args = parser.parse_args()
    if not args.only_dl:
        run_lcdb(args.folds, args.limit, args.save)
    run_dl()
    run_corpus()


if __name__ == "__main__":
    main()
