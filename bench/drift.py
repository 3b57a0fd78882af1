"""Drift detection (issue 20): `datacurve.monitor.drift` against alibi-detect's and
Evidently's default detectors on the same planted shifts.

1. **Gaussian.** 20 independent N(0, 1) features, 1,000 reference against 1,000 current
   rows (both drawn anew for every repetition), the current mean of one feature moved by
   0.1, 0.2 or 0.3 σ; the detection rate over `--reps` windows (200), and the false-alarm
   rate on as many unshifted windows. Rows: datacurve univariate (Cramér–von Mises per
   column, Benjamini–Hochberg), datacurve's default (those plus the MMD and classifier
   two-sample tests, all corrected together), datacurve with KS + Bonferroni (the
   textbook detector, whose rates are known: false alarms ≈ 0.05, detection ≈ 0.17 /
   0.77 / 0.99), alibi-detect's ``KSDrift`` and ``CVMDrift`` (``p_val=0.05``, Bonferroni,
   their defaults) and Evidently's ``DataDriftPreset`` (per-column KS at 0.05 for ≤ 1,000
   reference rows, no correction; the dataset verdict needs half the columns drifted, and
   "any column" is the first drifted column). Goal: detection ≥ 0.9 at 0.2 σ with false
   alarms ≤ 0.05. The slow detectors see only the first windows: datacurve's default
   `--mv-reps` (10; its classifier test fits 5 gradient-boosting folds, ~5 s a window)
   and Evidently `--evidently-reps` (50; ~1 s a window without its plots, 5–7 s with).
2. **MNIST-1D.** Reference windows come from the generator with its default arguments
   (``mnist1d.data.get_dataset_args()``, seed 0), current windows from the same generator
   with one argument changed at two strengths (``iid_noise_scale``, ``corr_noise_scale``,
   ``scale_coeff``, ``max_translation``), and a null row from the default arguments with
   another seed; 500 against 500 rows, `--mnist-reps` (20) windows each (datacurve's
   default: `--mv-reps`, 5 here). Detection from the 40 raw inputs (datacurve univariate
   and default, alibi KS) and from the predicted probabilities of ``cnn:width=16`` trained
   once on 4,000 other reference examples (30 epochs): datacurve's "output" family (KS
   per class and chi-squared of the predicted labels, in a call with the inputs,
   `multivariate=False`) and alibi KS on the 10 probability columns. The CNN's accuracy on
   the current windows says how much each shift costs the model.
3. **Label shift.** A binary `make_classification` task (10 features, 200,000 examples,
   50/50); logistic regression trained on 2,000 of them; every repetition draws a
   reference window of 2,000 held-out rows (50/50, labelled) and a current window of
   500 / 2,000 / 10,000 rows at 70/30 (and 2,000 at 50/50 as the null), by class, so the
   truth is exact. BBSE's estimate (``r.label_estimate``, from the reference labels and
   both windows' probabilities) against classify-and-count (the share of predicted
   labels): mean absolute error of the class proportions over `--label-reps` (50)
   windows, and how often the shift is detected (datacurve's verdict and output family,
   alibi KS on the probabilities).

The competitors run in bench/.venv-drift (created from bench/requirements-drift.txt on
first use, ~3 minutes, 1.7 GB), through bench/_drift_competitors.py, on exactly the arrays
datacurve sees (written once to an .npz); all windows of a part go in one call, which
runs on the second core while datacurve works through the same windows on the first.
Wall times are per window, medians, building the detector on the reference included.
datacurve runs with one BLAS/OpenMP thread (`--threads`): on a busy 2-core machine the
classifier test's OpenMP threads made it ten times slower (52 s a window instead of 5;
no difference on an idle one). 14–16 minutes in all on 2 cores with the defaults.

Usage: python -W ignore bench/drift.py [--only gaussian|mnist1d|labels] [--reps 200]
       [--mv-reps N] [--evidently-reps 50] [--mnist-reps 20] [--label-reps 50]
       [--seed 0] [--threads 1] [--save FILE.json]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

HERE = Path(__file__).resolve().parent
SIDE = HERE / ".venv-drift"
REQUIREMENTS = HERE / "requirements-drift.txt"
WORKER = HERE / "_drift_competitors.py"
ALPHA = 0.05
GOAL_DETECTION, GOAL_FALSE_ALARMS = 0.9, 0.05

GAUSS_FEATURES, GAUSS_ROWS = 20, 1000
GAUSS_SHIFTS = (0.0, 0.1, 0.2, 0.3)

MNIST_ROWS, MNIST_TRAIN, MNIST_EPOCHS = 500, 4000, 30
MNIST_SHIFTS: tuple[tuple[str, float], ...] = (  # defaults: 0.02, 0.25, 0.4, 48
    ("iid_noise_scale", 0.05), ("iid_noise_scale", 0.1),
    ("corr_noise_scale", 0.4), ("corr_noise_scale", 0.6),
    ("scale_coeff", 0.5), ("scale_coeff", 0.7),
    ("max_translation", 36), ("max_translation", 24),
)

LABEL_POOL, LABEL_TRAIN, LABEL_REF = 200_000, 2000, 2000
LABEL_SIZES = (500, 2000, 10_000)
LABEL_SHIFT = (0.7, 0.3)


# -- the side venv and the competitors' worker ----------------------------------------------
def side_python() -> Path:
    """bench/.venv-drift's python, creating the venv when it is missing or was built from
    other requirements."""
    py = SIDE / "bin" / "python"
    stamp = SIDE / "requirements-drift.txt"
    wanted = REQUIREMENTS.read_text()
    if py.exists() and stamp.exists() and stamp.read_text() == wanted:
        return py
    print(f"creating {SIDE.relative_to(HERE.parent)} from "
          f"{REQUIREMENTS.relative_to(HERE.parent)} (alibi-detect, Evidently; a few "
          "minutes, once)", file=sys.stderr, flush=True)
    t0 = time.perf_counter()
    python3 = shutil.which("python3") or sys.executable
    subprocess.run([python3, "-m", "venv", "--clear", str(SIDE)], check=True)
    log = SIDE / "pip-install.log"
    with log.open("wb") as out:
        done = subprocess.run([str(py), "-m", "pip", "install", "--disable-pip-version-check",
                               "-r", str(REQUIREMENTS)], stdout=out, stderr=out)
    if done.returncode != 0:
        sys.stderr.write(log.read_text()[-5000:])
        raise SystemExit(f"pip install -r {REQUIREMENTS.name} failed (log: {log})")
    stamp.write_text(wanted)
    print(f"bench/.venv-drift ready in {time.perf_counter() - t0:.0f} s", file=sys.stderr,
          flush=True)
    return py


class Competitors:
    """One call of the worker on a list of jobs, started in the background."""

    def __init__(self, tmp: Path, name: str) -> None:
        self.tmp, self.name = tmp, name
        self.jobs: list[dict[str, Any]] = []
        self.proc: subprocess.Popen[bytes] | None = None

    def add(self, job: str, ref: np.ndarray, cur: np.ndarray, detectors: Sequence[str],
            reps: dict[str, int] | None = None) -> None:
        path = self.tmp / f"{self.name}-{len(self.jobs)}.npz"
        np.savez(path, ref=ref, cur=cur)
        self.jobs.append({"name": job, "npz": str(path), "detectors": list(detectors),
                          "reps": reps or {}})

    def start(self) -> None:
        jobs = self.tmp / f"{self.name}-jobs.json"
        jobs.write_text(json.dumps(self.jobs))
        self.out = self.tmp / f"{self.name}-out.json"
        self.err = (self.tmp / f"{self.name}-err.txt").open("wb")
        self.t0 = time.perf_counter()
        self.proc = subprocess.Popen([str(side_python()), str(WORKER), str(jobs),
                                      str(self.out)], stdout=self.err, stderr=self.err)

    def result(self) -> dict[str, Any]:
        assert self.proc is not None
        code = self.proc.wait()
        self.err.close()
        if code != 0:
            sys.stderr.write((self.tmp / f"{self.name}-err.txt").read_text())
            raise SystemExit(f"competitor worker failed with exit code {code}")
        print(f"({self.name}: competitors' worker took {time.perf_counter() - self.t0:.0f} s"
              " including start-up)", file=sys.stderr, flush=True)
        res: dict[str, Any] = json.loads(self.out.read_text())
        for p in self.tmp.glob(f"{self.name}-*.npz"):
            p.unlink()
        return res


# -- datacurve ----------------------------------------------------------------------------
def frame(x: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame(x, columns=[f"x{i}" for i in range(x.shape[1])])


def run_ours(ref: np.ndarray, cur: np.ndarray, reps: int, seed: int, **kw: Any
             ) -> dict[str, list[Any]]:
    """datacurve's verdicts on the first `reps` windows; per-window probabilities (when
    given as ``reference_probs``/``current_probs`` arrays of shape (R, n, k)) are sliced."""
    from datacurve.monitor import drift

    out: dict[str, list[Any]] = {"drifted": [], "families": [], "seconds": [],
                                 "label_estimate": []}
    per_window = {k: kw.pop(k) for k in ("reference_probs", "current_probs",
                                         "reference_labels") if k in kw}
    for r in range(reps):
        extra = {k: v[r] for k, v in per_window.items()}
        fr, fc = frame(ref[r]), frame(cur[r])
        t0 = time.perf_counter()
        rep = drift(fr, fc, seed=seed + r, **extra, **kw)
        out["seconds"].append(time.perf_counter() - t0)
        out["drifted"].append(bool(rep.drifted))
        t = rep.table()
        out["families"].append(sorted(set(t.loc[t["drifted"], "family"])))
        out["label_estimate"].append(rep.label_estimate)
    return out


# -- tables -------------------------------------------------------------------------------
def md_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    lines = ["| " + " | ".join(headers) + " |",
             "|" + "|".join("---" if i == 0 else "---:" for i in range(len(headers))) + "|"]
    lines += ["| " + " | ".join(str(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def rate(v: Sequence[bool]) -> str:
    return f"{np.mean(v):.3f}" if len(v) else "–"


def ms(seconds: Sequence[float]) -> str:
    return f"{float(np.median(seconds)) * 1000:,.0f}" if len(seconds) else "–"


# -- 1. Gaussian --------------------------------------------------------------------------
def gaussian(args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    R, mv, ev = args.reps, min(args.mv_reps or 10, args.reps), min(args.evidently_reps,
                                                                   args.reps)
    windows = {}
    comp = Competitors(tmp, "gaussian")
    for k, shift in enumerate(GAUSS_SHIFTS):
        rng = np.random.default_rng([args.seed, 1, k])
        ref = rng.standard_normal((R, GAUSS_ROWS, GAUSS_FEATURES))
        cur = rng.standard_normal((R, GAUSS_ROWS, GAUSS_FEATURES))
        cur[:, :, 0] += shift
        windows[shift] = (ref, cur)
        comp.add(f"{shift}", ref, cur, ["alibi_ks", "alibi_cvm", "evidently"],
                 {"evidently": ev})
    comp.start()
    ours_rows: dict[str, tuple[int, dict[str, Any]]] = {
        "datacurve CvM + BH, univariate": (R, {"multivariate": False}),
        "datacurve default (+ MMD, classifier)": (mv, {}),
        "datacurve KS + Bonferroni, univariate": (R, {"test": "ks", "correction": "bonferroni",
                                                      "multivariate": False}),
    }
    res: dict[str, dict[float, Any]] = {name: {} for name in ours_rows}
    with threadpool_limits(args.threads):
        for shift, (ref, cur) in windows.items():
            for name, (reps, kw) in ours_rows.items():
                t0 = time.perf_counter()
                res[name][shift] = run_ours(ref, cur, reps, args.seed, **kw)
                print(f"  gaussian {shift} σ, {name}: {reps} windows in "
                      f"{time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True)
    theirs = comp.result()
    for key, label in (("alibi_ks", "alibi-detect KSDrift"),
                       ("alibi_cvm", "alibi-detect CVMDrift")):
        res[label] = {s: theirs[f"{s}"][key] for s in GAUSS_SHIFTS}
    res["Evidently DataDriftPreset, dataset"] = {
        s: theirs[f"{s}"]["evidently"] for s in GAUSS_SHIFTS}
    res["Evidently DataDriftPreset, any column"] = {
        s: {**theirs[f"{s}"]["evidently"], "drifted": theirs[f"{s}"]["evidently"]["any_column"]}
        for s in GAUSS_SHIFTS}

    rows = []
    for name, by in res.items():
        null = by[0.0]["drifted"]
        det = [by[s]["drifted"] for s in GAUSS_SHIFTS[1:]]
        secs = [t for s in GAUSS_SHIFTS for t in by[s]["seconds"]]
        goal = ""
        if name.startswith("datacurve"):
            ok = np.mean(by[0.2]["drifted"]) >= GOAL_DETECTION and np.mean(null) <= \
                GOAL_FALSE_ALARMS
            goal = "met" if ok else "not met"
        rows.append([name, len(null), rate(null), *(rate(d) for d in det), ms(secs), goal])
    print(f"\n### 1. Gaussian: {GAUSS_FEATURES} features, {GAUSS_ROWS:,} vs {GAUSS_ROWS:,} rows,"
          " one feature's mean shifted\n")
    print(md_table(["detector", "windows per setting", "false alarms", "0.1 σ", "0.2 σ",
                    "0.3 σ", "ms / window", "goal"], rows))
    print(f"\nGoal: detection ≥ {GOAL_DETECTION} at 0.2 σ with false alarms ≤ "
          f"{GOAL_FALSE_ALARMS}. Expected for KS + Bonferroni: false alarms ≈ 0.05, "
          "detection ≈ 0.17 / 0.77 / 0.99.")
    full = [theirs[f"{s}"]["evidently"].get("seconds_full") for s in GAUSS_SHIFTS]
    checks = [theirs[f"{s}"]["evidently"].get("render_check") for s in GAUSS_SHIFTS]
    print(f"Evidently's Report.run as shipped (drawing its plots): "
          f"{np.median([f for f in full if f is not None]):.1f} s a window; the same "
          f"verdicts without the plots: {'yes' if all(checks) else 'NO'}.")
    mv_res = res["datacurve default (+ MMD, classifier)"]
    fam = {s: sum("multivariate" in f and "feature" not in f for f in mv_res[s]["families"])
           for s in GAUSS_SHIFTS}
    print("datacurve default, windows flagged only by a multivariate test: "
          + ", ".join(f"{s} σ {fam[s]}/{len(mv_res[s]['families'])}" for s in GAUSS_SHIFTS))
    return {"results": {k: {str(s): v for s, v in by.items()} for k, by in res.items()},
            "versions": theirs.get("versions")}


# -- 2. MNIST-1D --------------------------------------------------------------------------
def mnist_windows(n_windows: int, seed: int, **overrides: float) -> tuple[np.ndarray,
                                                                         np.ndarray]:
    from datacurve.data._builtin import _generate_mnist1d

    X, y = _generate_mnist1d(n_windows * MNIST_ROWS, seed, **overrides)
    return (X.astype(np.float64).reshape(n_windows, MNIST_ROWS, -1),
            y.reshape(n_windows, MNIST_ROWS))


def mnist1d(args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    from datacurve.data._builtin import _generate_mnist1d
    from datacurve.models import parse_spec

    R = args.mnist_reps
    mv = min(args.mv_reps or 5, R)
    t0 = time.perf_counter()
    X, y = _generate_mnist1d(MNIST_TRAIN + R * MNIST_ROWS, args.seed)
    Xtr, ytr = X[:MNIST_TRAIN], y[:MNIST_TRAIN]
    ref = X[MNIST_TRAIN:].astype(np.float64).reshape(R, MNIST_ROWS, -1)
    settings: list[tuple[str, np.ndarray, np.ndarray]] = []
    xs, ys = mnist_windows(R, args.seed + 1)
    settings.append(("null (default, another seed)", xs, ys))
    for k, (param, value) in enumerate(MNIST_SHIFTS):
        xs, ys = mnist_windows(R, args.seed + 2 + k, **{param: value})
        settings.append((f"{param} = {value:g}", xs, ys))
    print(f"  mnist1d: generated in {time.perf_counter() - t0:.0f} s", file=sys.stderr,
          flush=True)

    t0 = time.perf_counter()
    import torch

    torch.manual_seed(args.seed)
    cnn = parse_spec(f"cnn:width=16,max_epochs={MNIST_EPOCHS}").build(
        "classification", random_state=args.seed)
    cnn.fit(Xtr, ytr)
    train_s = time.perf_counter() - t0

    def proba(x: np.ndarray) -> np.ndarray:
        flat = x.reshape(-1, x.shape[-1]).astype(np.float32)
        return np.asarray(cnn.predict_proba(flat), dtype=np.float64).reshape(
            x.shape[0], x.shape[1], -1)

    p_ref = proba(ref)
    ref_acc = float((p_ref.argmax(-1) == y[MNIST_TRAIN:].reshape(R, -1)).mean())
    print(f"  mnist1d: cnn:width=16 trained in {train_s:.0f} s ({cnn.n_epochs_} epochs), "
          f"accuracy {ref_acc:.3f} on the reference windows", file=sys.stderr, flush=True)
    comp = Competitors(tmp, "mnist1d")
    probs = []
    for name, xs, _ in settings:
        p_cur = proba(xs)
        probs.append(p_cur)
        comp.add(f"{name}|inputs", ref, xs, ["alibi_ks"])
        comp.add(f"{name}|probs", p_ref, p_cur, ["alibi_ks"])
    comp.start()
    res: dict[str, dict[str, Any]] = {}
    with threadpool_limits(args.threads):
        for (name, xs, ys), p_cur in zip(settings, probs, strict=True):
            t0 = time.perf_counter()
            res[name] = {
                "uni": run_ours(ref, xs, R, args.seed, multivariate=False),
                "default": run_ours(ref, xs, mv, args.seed),
                "probs": run_ours(ref, xs, R, args.seed, multivariate=False,
                                  reference_probs=p_ref, current_probs=p_cur),
                "accuracy": float((p_cur.argmax(-1) == ys).mean()),
            }
            print(f"  mnist1d {name}: {time.perf_counter() - t0:.0f} s", file=sys.stderr,
                  flush=True)
    theirs = comp.result()
    rows = []
    for name, _, _ in settings:
        r = res[name]
        r["alibi_inputs"] = theirs[f"{name}|inputs"]["alibi_ks"]
        r["alibi_probs"] = theirs[f"{name}|probs"]["alibi_ks"]
        output = ["output" in f for f in r["probs"]["families"]]
        rows.append([name, f"{r['accuracy']:.3f}", rate(r["uni"]["drifted"]),
                     rate(r["default"]["drifted"]), rate(r["alibi_inputs"]["drifted"]),
                     rate(output), rate(r["probs"]["drifted"]),
                     rate(r["alibi_probs"]["drifted"])])
    print(f"\n### 2. MNIST-1D: {MNIST_ROWS} vs {MNIST_ROWS} rows, reference = default "
          f"generator; {R} windows a row (datacurve default: {mv}); cnn:width=16 accuracy "
          f"{ref_acc:.3f} on the reference\n")
    print(md_table(["current window", "CNN accuracy", "inputs: datacurve univariate",
                    "inputs: datacurve default", "inputs: alibi KS",
                    "probs: datacurve output family", "probs + inputs: datacurve verdict",
                    "probs: alibi KS"], rows))
    secs = {
        "datacurve univariate (inputs)": [t for n in res for t in res[n]["uni"]["seconds"]],
        "datacurve default (inputs)": [t for n in res for t in res[n]["default"]["seconds"]],
        "datacurve inputs + probs": [t for n in res for t in res[n]["probs"]["seconds"]],
        "alibi KS (inputs)": [t for n in res for t in res[n]["alibi_inputs"]["seconds"]],
        "alibi KS (probs)": [t for n in res for t in res[n]["alibi_probs"]["seconds"]],
    }
    print("\nms / window: " + "; ".join(f"{k} {ms(v)}" for k, v in secs.items()))
    return {"results": res, "cnn_seconds": train_s, "reference_accuracy": ref_acc}


# -- 3. label shift -----------------------------------------------------------------------
def labels(args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    from sklearn.datasets import make_classification
    from sklearn.linear_model import LogisticRegression

    R = args.label_reps
    X, y = make_classification(n_samples=LABEL_POOL, n_features=10, n_informative=5,
                               n_redundant=2, weights=None, random_state=args.seed)
    rng = np.random.default_rng([args.seed, 3])
    by_class = [rng.permutation(np.flatnonzero(y == c)) for c in (0, 1)]
    half = LABEL_TRAIN // 2
    train = np.concatenate([b[:half] for b in by_class])
    pool = [b[half:] for b in by_class]
    model = LogisticRegression(max_iter=1000).fit(X[train], y[train])

    def draw(n: int, share0: float, avoid: list[np.ndarray]) -> np.ndarray:
        n0 = round(n * share0)
        idx = []
        for c, k in ((0, n0), (1, n - n0)):
            left = np.setdiff1d(pool[c], avoid[c], assume_unique=True)
            idx.append(rng.choice(left, size=k, replace=False))
        return np.concatenate(idx)

    settings = [("null 50/50", LABEL_REF, (0.5, 0.5))] + [
        (f"70/30, {n:,} rows", n, LABEL_SHIFT) for n in LABEL_SIZES]
    comp = Competitors(tmp, "labels")
    data = []
    for name, n, (share0, _) in settings:
        refs, curs = [], []
        for _ in range(R):
            ri = draw(LABEL_REF, 0.5, [np.array([], int)] * 2)
            ci = draw(n, share0, [ri[y[ri] == 0], ri[y[ri] == 1]])
            refs.append(ri)
            curs.append(ci)
        xr, xc = X[np.stack(refs)], X[np.stack(curs)]
        pr = model.predict_proba(xr.reshape(-1, xr.shape[-1])).reshape(R, LABEL_REF, 2)
        pc = model.predict_proba(xc.reshape(-1, xc.shape[-1])).reshape(R, n, 2)
        data.append((name, n, share0, xr, xc, pr, pc, y[np.stack(refs)], y[np.stack(curs)]))
        comp.add(name, pr, pc, ["alibi_ks"])
    comp.start()
    rows, res = [], {}
    with threadpool_limits(args.threads):
        for name, _n, share0, xr, xc, pr, pc, yr, yc in data:
            t0 = time.perf_counter()
            out = run_ours(xr, xc, R, args.seed, multivariate=False, reference_probs=pr,
                           current_probs=pc, reference_labels=yr)
            truth = np.array([share0, 1 - share0])
            est = np.array([[e["estimated"][e["classes"].index(c)] for c in (0, 1)]
                            for e in out["label_estimate"]])
            cc = np.stack([(pc.argmax(-1) == c).mean(axis=1) for c in (0, 1)], axis=1)
            obs = np.stack([(yc == c).mean(axis=1) for c in (0, 1)], axis=1)
            out.update({"bbse": est.tolist(), "classify_count": cc.tolist(),
                        "observed": obs.tolist()})
            res[name] = out
            print(f"  labels {name}: {time.perf_counter() - t0:.0f} s", file=sys.stderr,
                  flush=True)
            mae_b = float(np.abs(est - truth).mean())
            mae_c = float(np.abs(cc - truth).mean())
            output = ["output" in f for f in out["families"]]
            rows.append([name, f"{mae_b:.4f}", f"{float(np.abs(est - truth).std()):.4f}",
                         f"{mae_c:.4f}", f"{est[:, 1].mean():.3f}", rate(out["drifted"]),
                         rate(output), ms(out["seconds"])])
    theirs = comp.result()
    for i, (name, *_rest) in enumerate(settings):
        res[name]["alibi_probs"] = theirs[name]["alibi_ks"]
        rows[i].insert(7, rate(theirs[name]["alibi_ks"]["drifted"]))
    acc = float((model.predict(X[np.concatenate(pool)]) == y[np.concatenate(pool)]).mean())
    print(f"\n### 3. Label shift 50/50 → 70/30: binary make_classification, logistic "
          f"regression (accuracy {acc:.3f}), reference window {LABEL_REF:,} labelled rows, "
          f"{R} windows a row\n")
    print(md_table(["current window", "BBSE MAE", "BBSE sd of error",
                    "classify-and-count MAE", "BBSE mean share of class 1",
                    "datacurve verdict", "datacurve output family", "alibi KS on probs",
                    "ms / window"], rows))
    print("\nMAE: mean over windows and both classes of |estimated − true proportion| "
          "(true: 0.5/0.5 for the null, 0.7/0.3 otherwise, exact by construction).")
    return {"results": res, "accuracy": acc}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--only", choices=["gaussian", "mnist1d", "labels"])
    ap.add_argument("--reps", type=int, default=200, help="Gaussian windows per setting")
    ap.add_argument("--mv-reps", type=int, default=None,
                    help="windows per setting for datacurve's default (multivariate) "
                    "detector (default: 10 Gaussian, 5 MNIST-1D)")
    ap.add_argument("--evidently-reps", type=int, default=50)
    ap.add_argument("--mnist-reps", type=int, default=20)
    ap.add_argument("--label-reps", type=int, default=50)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1,
                    help="BLAS/OpenMP threads for datacurve's detectors")
    ap.add_argument("--save", help="write every verdict and time to this JSON file")
    args = ap.parse_args()
    parts: dict[str, Callable[[argparse.Namespace, Path], dict[str, Any]]] = {
        "gaussian": gaussian, "mnist1d": mnist1d, "labels": labels}
    side_python()
    saved: dict[str, Any] = {"args": vars(args)}
    t_all = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="datacurve-drift-") as tmp:
        for name, fn in parts.items():
            if args.only in (None, name):
                t0 = time.perf_counter()
                saved[name] = fn(args, Path(tmp))
                saved[name]["seconds"] = time.perf_counter() - t0
                print(f"\n({name}: {saved[name]['seconds']:.0f} s)", flush=True)
    print(f"\n(total {time.perf_counter() - t_all:.0f} s)")
    if args.save:
        Path(args.save).write_text(json.dumps(saved, default=float, indent=1))


if __name__ == "__main__":
    main()
