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

Issue 16: the corpus figures without ``--corpus-cv`` are the classical meta-model's (LCDB
only, which never saw the corpus). ``--corpus-cv W ...`` scores the network meta-model's
recipe (LCDB + corpus rows weighted W; the shipped meta_dl*.npz is W = 8 trained on the
whole corpus) on corpus curves whose task and family it never saw (4 task folds x 2
family folds). ``--corpus-weight W`` adds every corpus row (weighted W) to each LCDB
fold's training set (a joint model for every learner, measured and not shipped: LCDB's
learners keep the classical pair).
Both end with part 3's measurement: how much the residuals of the other models measured
further on the same data correct a model's extrapolation, replayed through the run-time
function `correct_with_others` (`evidence_from_others`).

Usage: python bench/extrapolation.py [--folds 5] [--limit N] [--only-dl]
       [--corpus-weight W] [--corpus-cv W ...] [--save FILE]
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
from datacurve.fit import (
    EVIDENCE_ALPHA,
    EVIDENCE_NARROW,
    correct_with_others,
    fit_learning_curve,
)

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


def _signed_median(errors: pd.Series) -> float:
    """Median of the finite signed log2 size errors of several curves (lists)."""
    e = np.concatenate([np.asarray(x, float) for x in errors] or [[]])
    e = e[np.isfinite(e)]
    return float(np.median(e)) if e.size else math.nan


def run_lcdb(folds: int, limit: int | None, save: str | None = None,
             corpus_weight: float | None = None) -> pd.DataFrame:
    curves = lcdb_curves()
    all_tasks = tasks(curves)
    if limit:
        rng = np.random.default_rng(0)
        all_tasks = [all_tasks[i] for i in sorted(rng.choice(len(all_tasks), limit, False))]
    table = build_table()
    corpus = None
    if corpus_weight is not None:
        # The joint model: every corpus row joins each fold's training set (no LCDB
        # dataset is in the corpus, so the held-out datasets stay unseen).
        from _metalearn import build_corpus_table

        corpus = build_corpus_table()[table.columns].assign(weight=corpus_weight)
    oids = np.array(sorted({t["oid"] for t in all_tasks}))  # type: ignore[type-var]
    fold_of = {int(o): i % folds for i, o in
               enumerate(np.random.default_rng(0).permutation(oids))}
    rows = []
    cuts: list[dict[str, object]] = []
    fit_times: dict[str, list[float]] = {"default": [], "no-train": []}
    for fold in range(folds):
        t0 = time.perf_counter()
        keep = ~table["oid"].astype(int).map(fold_of).eq(fold).to_numpy()
        seen = table[keep]
        if corpus is not None:
            seen = pd.concat([seen.assign(weight=1.0), corpus], ignore_index=True)
        models = (export(train(seen)), export(train(seen, with_train=True), with_train=True))
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
            cuts.append({"oid": t["oid"], "f": t["f"], "fit": fits["default"], "n": n,
                         "y": y, "M": M, "truth": yM})
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
    evidence_from_others(cuts, "oid", "LCDB")
    return res


def evidence_from_others(cuts: list[dict[str, object]], group: str, label: str,
                         narrow: float = 1.0, folds: int = 5) -> None:
    """Part 3 of issue 16, replayed through the run-time path: `correct_with_others`
    shifts each model's curve by the residuals of the other models on the same data
    (`fit_model_curve` does this whenever other models were measured further).

    `cuts` holds one entry per (curve, f): its `group` (dataset or task), ``f``, the fitted
    curve ``fit`` (observed to M·f), the model's whole measured curve ``n``/``y``, ``M``
    and ``truth``; `narrow` is the `EVIDENCE_NARROW` of the meta-model the fits stand for
    (they were given held-out models, so the curves cannot tell). Every other model of
    the same group cut at the same size and measured beyond it is evidence, as at run
    time. Printed per f: MAE and 80 % coverage alone and
    corrected with `EVIDENCE_ALPHA`, the residual correlation, the MAE for other alphas,
    alpha chosen on the other group folds (grouped cross-validation) and its held-out MAE,
    and `size_for`'s median |log2| error alone and corrected."""
    by_cut: dict[tuple[object, object, float], list[dict[str, object]]] = {}
    for c in cuts:
        fit = c["fit"]
        by_cut.setdefault((c[group], c["f"], fit.n_last), []).append(c)  # type: ignore[attr-defined]
    alphas = np.round(np.arange(0, 1.01, 0.1), 1)
    rows = []
    for (g, f, _), members in by_cut.items():
        for i, c in enumerate(members):
            fit = c["fit"]
            others = {str(j): (o["fit"], o["n"], o["y"]) for j, o in enumerate(members)
                      if j != i}
            M, truth = float(c["M"]), float(c["truth"])  # type: ignore[arg-type]
            alone = float(fit.predict(M))  # type: ignore[attr-defined]
            at = correct_with_others(fit, others, EVIDENCE_ALPHA,  # type: ignore[arg-type]
                                     narrow)
            if at.evidence is None:
                continue
            shift = at.evidence_shift(M)
            # The shift is linear in alpha until the score is clipped; scale it.
            lo, hi = at.interval(M, 0.8)
            # Coverage had the interval been narrowed to other factors (the same function;
            # not a rescaling of this interval, which clipping at the metric's ends bends).
            narrowed = [_covers(correct_with_others(fit, others, EVIDENCE_ALPHA,  # type: ignore[arg-type]
                                                    float(x)), M, truth)
                        for x in NARROW_GRID]
            k = int(np.sum(np.asarray(c["n"]) <= fit.n_last))  # type: ignore[attr-defined]
            rows.append({"group": g, "f": f, "r": truth - alone, "shift1": shift / EVIDENCE_ALPHA,
                         "cover": lo <= truth <= hi, "narrowed": narrowed,
                         "cover_alone": _covers(fit, M, truth),
                         "size_alone": size_errors(fit, c["n"], c["y"], k),  # type: ignore[arg-type]
                         "size": size_errors(at, c["n"], c["y"], k)})  # type: ignore[arg-type]
    if not rows:
        print(f"\n{label}: no model has another measured beyond its cut")
        return
    d = pd.DataFrame(rows)
    groups = np.array(sorted(d["group"].unique(), key=str))
    fold = {k: i % folds for i, k in enumerate(np.random.default_rng(0).permutation(groups))}
    d["fold"] = d["group"].map(fold)
    held = np.empty(len(d))
    chosen = []
    for k in range(folds):
        fit_rows, test = d["fold"] != k, (d["fold"] == k).to_numpy()
        errs = [np.mean(np.abs(d.r[fit_rows] - a * d.shift1[fit_rows])) for a in alphas]
        a = float(alphas[int(np.argmin(errs))])
        chosen.append(a)
        held[test] = (d.r[test] - a * d.shift1[test]).to_numpy()
    d["held"] = held
    print(f"\n{label}: evidence from the other models measured further on the same data "
          f"(correct_with_others, alpha {EVIDENCE_ALPHA}, interval narrowed to {narrow:g}; "
          f"cuts with evidence only; alpha chosen per held-out fold {chosen})")
    print(f"{'f':>6} {'cuts':>6} {'alone':>8} {'shifted':>8} {'cv alpha':>8} "
          f"{'cov alone':>9} {'cov shifted':>11} {'corr':>6} {'|log2| alone':>12} "
          f"{'|log2| shifted':>14}  MAE for alpha " + " ".join(f"{a:g}" for a in alphas))
    for f, g in d.groupby("f"):
        by_alpha = " ".join(f"{np.mean(np.abs(g.r - a * g.shift1)):.4f}" for a in alphas)
        sizes = [float(np.median(np.abs(np.concatenate([np.asarray(x, float)
                                                          for x in g[col]] or [[]]))))
                 for col in ("size_alone", "size")]
        print(f"{'1/' + str(round(1 / f)):>6} {len(g):>6} {np.mean(np.abs(g.r)):>8.4f} "
              f"{np.mean(np.abs(g.r - EVIDENCE_ALPHA * g.shift1)):>8.4f} "
              f"{np.mean(np.abs(g.held)):>8.4f} {g.cover_alone.mean():>9.3f} "
              f"{g.cover.mean():>11.3f} {np.corrcoef(g.r, g.shift1)[0, 1]:>6.2f} "
              f"{sizes[0]:>12.3f} {sizes[1]:>14.3f}  {by_alpha}")
    print("80 % coverage of the shifted interval narrowed (correct_with_others' narrow) to "
          + " ".join(f"{x:g}" for x in NARROW_GRID))
    for f, g in d.groupby("f"):
        print(f"{'1/' + str(round(1 / f)):>6} " + " ".join(
            f"{v:.3f}" for v in np.mean(np.array(g.narrowed.tolist()), axis=0)))


NARROW_GRID = np.round(np.arange(0.5, 1.01, 0.05), 2)


def _covers(fit: object, M: float, truth: float) -> bool:
    lo, hi = fit.interval(M, 0.8)  # type: ignore[attr-defined]
    return bool(lo <= truth <= hi)


def run_dl() -> None:
    if not DL.exists():
        print(f"\n{DL} missing: run bench/make_dl_curves.py first")
        return
    df = pd.read_csv(DL)
    # The six networks README's figures were measured on (cnn:width=48 and mlp:width=64
    # were added to the CSV later, for bench/budget.py).
    df = df[df["model"].isin(("cnn", "cnn:width=4", "cnn:width=8", "cnn:width=32",
                              "mlp:width=32", "mlp:width=256"))]
    df = df[df["status"] == "ok"]
    methods = ("default", "no-train", "classical", "average", "pow3", "last")
    print(f"\nMNIST-1D deep-learning curves ({DL.name}): observe n <= M/8, predict at M "
          "(default: the network meta-model with the runner's train_score, as "
          "fit_model_curve runs it for mlp and cnn; classical: the LCDB-only one)")
    print(f"{'model':>16} {'M':>7} {'truth':>7} " + " ".join(f"{m:>8}" for m in methods))
    errs: dict[str, list[float]] = {m: [] for m in methods}
    for model, g in df.groupby("model"):
        M = float(g.n.max())
        truth = float(g[g.n == M].val_score.mean())
        obs = g[g.n <= M / 8]
        means = obs.groupby("n").val_score.mean()
        n, y = obs.n.to_numpy(float), obs.val_score.to_numpy(float)
        tr = obs.train_score.to_numpy(float)
        fit = fit_learning_curve(n, y, train_scores=tr, network=True)
        preds = {"default": fit.predict(M),
                 "no-train": fit_learning_curve(n, y, network=True).predict(M),
                 "classical": fit_learning_curve(n, y, train_scores=tr).predict(M),
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
    """The classical meta-model (LCDB only, held out from the corpus by construction)
    against pow3 and the last value on every curve of the deep-learning corpus whose
    largest size is at least `min_largest`: for f in `FRACTIONS`, observe n <= M·f (at
    least 4 sizes) and predict the mean score at M. Reported per f (MAE, 80 % coverage of
    the default) and per family at f = 1/8."""
    if not CORPUS.exists():
        print(f"\n{CORPUS} missing: run bench/make_dl_corpus.py, then --export")
        return
    rows = []
    for t in _corpus_tasks(min_largest):
        n, y, tr = t["n"], t["y"], t["tr"]
        M, truth = float(t["M"]), float(t["truth"])  # type: ignore[arg-type]
        means = pd.Series(y).groupby(n).mean()  # type: ignore[arg-type]
        t0 = time.perf_counter()
        fit = fit_learning_curve(n, y, train_scores=tr, network=False)
        seconds = time.perf_counter() - t0
        lo, hi = fit.interval(M, 0.8)
        rows.append({"task": t["task"], "model": t["model"], "family": t["family"],
                     "f": t["f"], "default": abs(fit.predict(M) - truth),
                     "pow3": abs(pow3_predict(means.index.to_numpy(float), means.to_numpy(),
                                              M) - truth),
                     "last": abs(float(means.iloc[-1]) - truth),
                     "covered": float(lo <= truth <= hi), "seconds": seconds})
    if not rows:
        print(f"\n{CORPUS}: no curve reaches {min_largest} yet")
        return
    res = pd.DataFrame(rows)
    curves = res.groupby(["task", "model"]).ngroups
    print(f"\nDeep-learning corpus ({CORPUS.name}): {curves} curves of "
          f"{res['task'].nunique()} tasks, largest size >= {min_largest}; the classical "
          "meta-models (LCDB only, not trained on the corpus)")
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


def _corpus_tasks(min_largest: int) -> list[dict[str, object]]:
    """Every (curve, f) of the corpus to score: the raw per-seed observations up to M·f
    (at least 4 sizes) and the mean score at M, the curve's largest size."""
    df = pd.read_csv(CORPUS)
    df = df[df["status"] == "ok"]
    out = []
    for (task, model), g in df.groupby(["task_name", "model"]):
        largest = float(g.n.max())
        if largest < min_largest:
            continue
        means = g.groupby("n").val_score.mean()
        for f in FRACTIONS:
            obs = g[g.n <= largest * f].sort_values("n")
            if obs.n.nunique() < 4:
                continue
            out.append({"task": task, "model": model, "family": g["family"].iloc[0],
                        "f": f, "M": largest, "truth": float(means.iloc[-1]),
                        "n": obs.n.to_numpy(float), "y": obs.val_score.to_numpy(float),
                        "tr": obs.train_score.to_numpy(float),
                        "curve_n": means.index.to_numpy(float),
                        "curve_y": means.to_numpy(float)})
    return out


def run_corpus_cv(task_folds: int = 4, family_folds: int = 2,
                  weights: tuple[float, ...] = (1.0,), min_largest: int = 1024,
                  save: str | None = None) -> pd.DataFrame:
    """The meta-model retrained on LCDB and the deep-learning corpus together, scored on
    corpus curves whose task *and* family it never saw.

    Tasks are split into `task_folds` groups and families into `family_folds`; for each
    pair (T, F) the model with train-score features is trained on every LCDB row plus the
    corpus rows of tasks outside T and families outside F (corpus rows weighted by each of
    `weights` relative to LCDB rows), and scored on the curves of tasks in T and families
    in F. The shipped model (LCDB only), pow3 and the last value are scored on the same
    curves.
    """
    from _metalearn import build_corpus_table
    from datacurve.fit._meta import load_meta

    lcdb = build_table()
    corpus = build_corpus_table()
    items = _corpus_tasks(min_largest)
    rng = np.random.default_rng(0)
    task_names = sorted({str(t["task"]) for t in items})
    families = sorted({str(t["family"]) for t in items})
    task_fold = {k: i % task_folds for i, k in enumerate(rng.permutation(task_names))}
    family_fold = {k: i % family_folds for i, k in enumerate(rng.permutation(families))}
    shipped = (load_meta(), load_meta(with_train=True))
    rows = []
    cuts: dict[str, list[dict[str, object]]] = {}
    for ti in range(task_folds):
        for fi in range(family_folds):
            test = [t for t in items if task_fold[str(t["task"])] == ti
                    and family_fold[str(t["family"])] == fi]
            if not test:
                continue
            seen = (~corpus["task"].map(task_fold).eq(ti)
                    & ~corpus["family"].map(family_fold).eq(fi))
            models = {}
            for w in weights:
                t0 = time.perf_counter()
                part = corpus[seen.to_numpy()].assign(weight=w)
                table = pd.concat([lcdb.assign(weight=1.0),
                                   part[[*lcdb.columns.tolist(), "weight"]]])
                models[w] = (shipped[0], export(train(table, with_train=True),
                                                with_train=True))
                print(f"tasks {ti} x families {fi}: weight {w:g}, trained on "
                      f"{len(part):,} corpus rows + LCDB in {time.perf_counter() - t0:.0f} s;"
                      f" {len(test)} test cuts", flush=True)
            for t in test:
                n, y, tr = t["n"], t["y"], t["tr"]
                M, truth = float(t["M"]), float(t["truth"])  # type: ignore[arg-type]
                row = {k: t[k] for k in ("task", "model", "family", "f")}
                row["truth"] = truth
                metas = {"shipped": shipped} | {
                    f"joint w={w:g}": m for w, m in models.items()}
                for name, meta in metas.items():
                    s0 = time.perf_counter()
                    fit = fit_learning_curve(n, y, train_scores=tr, meta_model=meta)
                    row[f"sec_{name}"] = time.perf_counter() - s0
                    lo, hi = fit.interval(M, 0.8)
                    row[name] = fit.predict(M)
                    row[f"cover_{name}"] = lo <= truth <= hi
                    row[f"size_{name}"] = size_errors(fit, t["curve_n"],  # type: ignore[arg-type]
                                                      t["curve_y"],  # type: ignore[arg-type]
                                                      int(np.sum(t["curve_n"] <= n.max())))  # type: ignore[operator]
                    cuts.setdefault(name, []).append(
                        {"task": t["task"], "f": t["f"], "fit": fit, "n": t["curve_n"],
                         "y": t["curve_y"], "M": M, "truth": truth})
                means = pd.Series(y).groupby(n).mean()  # type: ignore[arg-type]
                row["pow3"] = pow3_predict(means.index.to_numpy(float), means.to_numpy(), M)
                row["last"] = float(means.iloc[-1])
                rows.append(row)
    res = pd.DataFrame(rows)
    if save:
        res.drop(columns=[c for c in res if c.startswith("size_")]).to_parquet(save)
    methods = ["shipped", *(f"joint w={w:g}" for w in weights)]
    print(f"\nDeep-learning corpus, grouped CV ({task_folds} task folds x {family_folds} "
          f"family folds: no test curve's task or family in training): "
          f"{res.groupby(['task', 'model']).ngroups} curves of {res.task.nunique()} tasks")
    head = [*methods, "pow3", "last"]
    print(f"{'f':>6} {'cuts':>5} " + " ".join(f"{m:>12}" for m in head) + " "
          + " ".join(f"{'cov80 ' + m:>18}" for m in methods) + " "
          + " ".join(f"{'|log2| ' + m:>18}" for m in methods))
    for f, g in res.groupby("f"):
        mae = [float(np.mean(np.abs(g[m] - g.truth))) for m in head]
        sizes = []
        for m in methods:
            sd = np.concatenate([np.asarray(x, float) for x in g[f"size_{m}"]] or [[]])
            sizes.append(float(np.median(np.abs(sd))) if sd.size else math.nan)
        print(f"{'1/' + str(round(1 / f)):>6} {len(g):>5} "
              + " ".join(f"{v:>12.4f}" for v in mae) + " "
              + " ".join(f"{g['cover_' + m].mean():>18.3f}" for m in methods) + " "
              + " ".join(f"{v:>18.3f}" for v in sizes))
    eighth = res[res["f"] == 1 / 8]
    print("by family at f = 1/8 (MAE " + " / ".join(head) + "):")
    for family, g in eighth.groupby("family"):
        print(f"  {family:>9}: " + " / ".join(f"{np.mean(np.abs(g[m] - g.truth)):.4f}"
                                             for m in head) + f" ({len(g)} curves)")
    print("median fit time: " + ", ".join(
        f"{m} {1000 * res['sec_' + m].median():.1f} ms" for m in methods))
    # The plan divides size_for by SIZE_CORRECTION (LCDB's median signed log2 error); the
    # same median here says whether networks need another correction.
    for f, g in res.groupby("f"):
        print(f"size_for median signed log2 (predicted / true) at f = 1/{round(1 / f)}: "
              + ", ".join(f"{m} {_signed_median(g[f'size_{m}']):+.2f}" for m in methods))
    for m in methods:
        # The joint recipe is the network meta-model's: its narrowing, as at run time.
        evidence_from_others(cuts[m], "task", f"Corpus ({m})",
                             EVIDENCE_NARROW["network"] if m.startswith("joint") else 1.0)
    return res


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--limit", type=int, default=None,
                        help="score a random subset of this many tasks (quick runs)")
    parser.add_argument("--save", default=None, help="write per-task results (parquet)")
    parser.add_argument("--only-dl", action="store_true",
                        help="skip LCDB: only the deep-learning curves and corpus")
    parser.add_argument("--corpus-weight", type=float, default=None,
                        help="LCDB: train each fold's meta-models on the deep-learning "
                        "corpus too, its rows weighted this much")
    parser.add_argument("--corpus-cv", type=float, nargs="*", default=None,
                        help="Corpus: grouped CV of the joint meta-model at these corpus "
                        "weights (each a full retraining per fold pair)")
    args = parser.parse_args()
    if not args.only_dl:
        run_lcdb(args.folds, args.limit, args.save, args.corpus_weight)
    run_dl()
    run_corpus()
    if args.corpus_cv:
        run_corpus_cv(weights=tuple(args.corpus_cv))


if __name__ == "__main__":
    main()
