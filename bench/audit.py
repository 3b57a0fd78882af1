"""Audit benchmark: detection quality on planted problems, and speed and memory against
cleanlab's Datalab on the same inputs.

    python bench/audit.py            # everything (a few minutes)
    python bench/audit.py --n 20000  # a smaller speed run

1. **Label errors on digits.** scikit-learn's `digits` with 10 % of the labels flipped
   uniformly to another class: F1 of the `label` check with datacurve's default
   out-of-fold probabilities, and with logistic regression's for reference.
2. **Duplicates and leaks.** Planted exact duplicates, near duplicates (noise of 1e-3 of
   the feature scale) and train→test copies in a 64-d Gaussian mixture: precision and
   recall of `exact_duplicate`, `near_duplicate`, `leakage`. Then `digits` as an
   (n, 64) array with 60 rows copied under pixel noise of σ = 0.3 (on 0-16): precision
   and recall of `near_duplicate` with its adaptive radius and with cleanlab's fixed
   rule alone, and what it flags on the plain digits.
3. **Speed.** n × 64 synthetic examples (default 100,000) with planted label flips,
   outliers and near duplicates; datacurve's `label`, `outlier` and `near_duplicate`
   checks and cleanlab's ``Datalab.find_issues`` for the same issue types get the same
   features and the same out-of-fold probabilities. Each side runs in its own process
   so its peak resident memory (``ru_maxrss``) is its own; wall times and F1 per type are
   compared in the same run. Then the end-to-end audit time including the
   probabilities.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
TYPES = ("label", "outlier", "near_duplicate")


def f1(found: np.ndarray, truth: np.ndarray) -> tuple[float, float, float]:
    """Precision, recall and F1 of boolean masks."""
    tp = float((found & truth).sum())
    p = tp / max(found.sum(), 1)
    r = tp / max(truth.sum(), 1)
    return p, r, 0.0 if p + r == 0 else 2 * p * r / (p + r)


# -- 1. label errors on digits -----------------------------------------------------------
def digits_labels(seed: int = 0) -> dict[str, float]:
    from sklearn.datasets import load_digits
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_predict
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from datacurve.auditing import audit

    X, y = load_digits(return_X_y=True)
    rng = np.random.default_rng(seed)
    noisy = rng.choice(len(y), size=round(0.1 * len(y)), replace=False)
    y_obs = y.copy()
    y_obs[noisy] = (y[noisy] + rng.integers(1, 10, size=noisy.size)) % 10
    truth = np.zeros(len(y), dtype=bool)
    truth[noisy] = True
    t0 = time.perf_counter()
    r = audit(X, y_obs, checks=["label"], seed=seed)
    seconds = time.perf_counter() - t0
    found = r.results["label"].flags
    p, rec, f = f1(found, truth)
    lr = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
    pp = cross_val_predict(lr, X, y_obs, cv=5, method="predict_proba")
    r_lr = audit(X, y_obs, checks=["label"], pred_probs=pp)
    _, _, f_lr = f1(r_lr.results["label"].flags, truth)
    return {"precision": p, "recall": rec, "f1": f, "seconds": seconds, "f1_logreg": f_lr,
            "learner": str(r.results["label"].info.get("learner", ""))}


# -- 2. duplicates and leaks --------------------------------------------------------------
def duplicates(n: int = 5000, d: int = 64, seed: int = 0) -> dict[str, dict[str, float]]:
    from datacurve.auditing import audit

    rng = np.random.default_rng(seed)
    centers = rng.normal(scale=3.0, size=(10, d))
    y = rng.integers(0, 10, n)
    X = centers[y] + rng.normal(size=(n, d))
    n_dup = n // 50
    src = rng.choice(n, size=3 * n_dup, replace=False)
    exact_src, near_src, leak_src = np.split(src, 3)
    split = np.where(rng.random(n) < 0.2, "test", "train")
    split[leak_src] = "train"
    X_exact = X[exact_src]
    X_near = X[near_src] + rng.normal(scale=1e-3, size=(n_dup, d))
    X_leak = X[leak_src] + rng.normal(scale=1e-4, size=(n_dup, d))
    Xa = np.vstack([X, X_exact, X_near, X_leak])
    ya = np.concatenate([y, y[exact_src], y[near_src], y[leak_src]])
    sa = np.concatenate([split, np.full(n_dup, "train"), np.full(n_dup, "train"),
                         np.full(n_dup, "test")])
    N = len(ya)
    exact_truth = np.zeros(N, dtype=bool)
    exact_truth[exact_src] = True
    exact_truth[n:n + n_dup] = True
    near_truth = exact_truth.copy()
    near_truth[near_src] = True
    near_truth[n + n_dup:n + 2 * n_dup] = True
    # Leaked copies are near duplicates of their sources as well.
    near_truth[leak_src] = True
    near_truth[n + 2 * n_dup:] = True
    leak_truth = np.zeros(N, dtype=bool)
    leak_truth[leak_src] = True
    leak_truth[n + 2 * n_dup:] = True
    # Exact copies that ended up on both sides of the split are leaks as well.
    for a, b in ((exact_src, np.arange(n, n + n_dup)),
                 (near_src, np.arange(n + n_dup, n + 2 * n_dup))):
        cross = sa[a] != sa[b]
        leak_truth[a[cross]] = True
        leak_truth[b[cross]] = True
    r = audit(Xa, ya, split=sa, checks=["exact_duplicate", "near_duplicate", "leakage"])
    out = {}
    for name, truth in (("exact_duplicate", exact_truth), ("near_duplicate", near_truth),
                        ("leakage", leak_truth)):
        p, rec, f = f1(r.results[name].flags, truth)
        out[name] = {"precision": p, "recall": rec, "f1": f}
    return out


def digits_copies(n_copies: int = 60, noise: float = 0.3,
                  seed: int = 0) -> dict[str, float]:
    from sklearn.datasets import load_digits

    from datacurve.auditing import audit

    X, y = load_digits(return_X_y=True)
    X = X.astype(np.float64)
    rng = np.random.default_rng(seed)
    src = rng.choice(len(X), n_copies, replace=False)
    Xa = np.vstack([X, X[src] + rng.normal(0.0, noise, size=(n_copies, X.shape[1]))])
    ya = np.concatenate([y, y[src]])
    truth = np.zeros(len(ya), dtype=bool)
    truth[src] = True
    truth[len(X):] = True
    out = {}
    for rule, adaptive in (("adaptive", True), ("fixed", False)):
        r = audit(Xa, ya, checks=["near_duplicate"],
                  params={"near_duplicate": {"adaptive": adaptive}})
        p, rec, _ = f1(r.results["near_duplicate"].flags, truth)
        out[f"{rule}_precision"], out[f"{rule}_recall"] = p, rec
    plain = audit(X, y, checks=["near_duplicate"]).results["near_duplicate"]
    out["plain_flagged"] = float(plain.n_flagged)
    return out


# -- 3. speed against Datalab ----------------------------------------------------------------
def make_speed_data(n: int, d: int = 64, k: int = 10, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    centers = rng.normal(scale=1.2, size=(k, d))
    y = rng.integers(0, k, n)
    X = centers[y] + rng.normal(size=(n, d))
    out_idx = rng.choice(n, size=n // 200, replace=False)          # 0.5 % outliers
    X[out_idx] += rng.normal(scale=8.0, size=(out_idx.size, d))
    rest = np.setdiff1d(np.arange(n), out_idx)
    pairs = rng.choice(rest, size=(n // 400, 2), replace=False)    # 0.5 % in pairs
    X[pairs[:, 1]] = X[pairs[:, 0]] + rng.normal(scale=1e-3, size=(len(pairs), d))
    y[pairs[:, 1]] = y[pairs[:, 0]]
    flip = rng.choice(rest, size=n // 20, replace=False)            # 5 % flips
    y_obs = y.copy()
    y_obs[flip] = (y[flip] + rng.integers(1, k, size=flip.size)) % k
    truth = {t: np.zeros(n, dtype=bool) for t in TYPES}
    truth["label"][flip] = True
    truth["outlier"][out_idx] = True
    truth["near_duplicate"][pairs.ravel()] = True
    return {"X": X.astype(np.float32), "y": y_obs, **{f"truth_{t}": v
                                                       for t, v in truth.items()}}


def _side(which: str, path: str) -> None:
    """Run one side of the speed comparison in this process and print JSON."""
    data = np.load(path)
    X, y, pp = data["X"], data["y"], data["pred_probs"]
    t0 = time.perf_counter()
    if which == "datacurve":
        from datacurve.auditing import audit

        r = audit(X, y, pred_probs=pp, features=X, checks=list(TYPES))
        flags = {t: r.results[t].flags for t in TYPES}
    else:
        from cleanlab import Datalab

        lab = Datalab({"y": y}, label_name="y", verbosity=0)
        lab.find_issues(features=X, pred_probs=pp,
                        issue_types={t: {} for t in TYPES})
        issues = lab.get_issues()
        flags = {t: issues[f"is_{t}_issue"].to_numpy() for t in TYPES}
    seconds = time.perf_counter() - t0
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    scores = {t: f1(flags[t], data[f"truth_{t}"].astype(bool)) for t in TYPES}
    print(json.dumps({"seconds": seconds, "peak_rss_mb": rss_mb,
                      "f1": {t: s[2] for t, s in scores.items()},
                      "precision": {t: s[0] for t, s in scores.items()},
                      "recall": {t: s[1] for t, s in scores.items()}}))


def speed(n: int, tmp: Path) -> dict[str, object]:
    from datacurve.auditing._context import context_from
    from datacurve.auditing._probs import out_of_fold_probs

    data = make_speed_data(n)
    t0 = time.perf_counter()
    ctx = context_from(data["X"], data["y"])
    pp = out_of_fold_probs(ctx)
    probs_seconds = time.perf_counter() - t0
    path = tmp / f"speed_{n}.npz"
    np.savez(path, pred_probs=pp, **data)
    sides = {}
    for which in ("datacurve", "cleanlab"):
        res = subprocess.run([sys.executable, __file__, "--side", which, str(path)],
                             capture_output=True, text=True, check=True)
        sides[which] = json.loads(res.stdout.strip().splitlines()[-1])
    from datacurve.auditing import audit

    t0 = time.perf_counter()
    audit(data["X"], data["y"], checks=list(TYPES))
    end_to_end = time.perf_counter() - t0
    return {"n": n, "probs_seconds": probs_seconds, "end_to_end_seconds": end_to_end,
            **sides}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--side", nargs=2, metavar=("WHICH", "NPZ"))
    parser.add_argument("--skip-quality", action="store_true")
    args = parser.parse_args()
    if args.side:
        _side(*args.side)
        return
    if not args.skip_quality:
        d = digits_labels()
        print(f"digits, 10 % flipped: label F1 {d['f1']:.3f} (precision {d['precision']:.3f}"
              f", recall {d['recall']:.3f}) in {d['seconds']:.1f} s with {d['learner']}; "
              f"with logistic regression's probabilities F1 {d['f1_logreg']:.3f}")
        for name, s in duplicates().items():
            print(f"planted {name}: precision {s['precision']:.3f}, recall {s['recall']:.3f}")
        c = digits_copies()
        print(f"digits, 60 copies under pixel noise 0.3: near_duplicate precision "
              f"{c['adaptive_precision']:.3f}, recall {c['adaptive_recall']:.3f} (fixed rule "
              f"alone: {c['fixed_precision']:.3f}, {c['fixed_recall']:.3f}); plain digits "
              f"flagged {c['plain_flagged']:.0f}")
    tmp = HERE / "data"
    tmp.mkdir(exist_ok=True)
    s = speed(args.n, tmp)
    dc, cl = s["datacurve"], s["cleanlab"]
    assert isinstance(dc, dict) and isinstance(cl, dict)
    print(f"speed, {s['n']:,} x 64 (label, outlier, near_duplicate; same features and "
          f"probabilities): datacurve {dc['seconds']:.1f} s, peak RSS {dc['peak_rss_mb']:.0f} "
          f"MB; cleanlab Datalab {cl['seconds']:.1f} s, peak RSS {cl['peak_rss_mb']:.0f} MB; "
          f"speed-up {cl['seconds'] / dc['seconds']:.2f}x")
    for t in TYPES:
        print(f"  {t}: F1 datacurve {dc['f1'][t]:.3f} vs Datalab {cl['f1'][t]:.3f} "
              f"(precision {dc['precision'][t]:.3f} / {cl['precision'][t]:.3f}, recall "
              f"{dc['recall'][t]:.3f} / {cl['recall'][t]:.3f})")
    print(f"end-to-end audit of the same three checks including out-of-fold probabilities: "
          f"{s['end_to_end_seconds']:.1f} s (probabilities alone {s['probs_seconds']:.1f} s)")


if __name__ == "__main__":
    main()
