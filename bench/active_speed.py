"""Active-learning speed benchmark (issue 18): one query over a 100,000-row pool, in
seconds and peak memory, by datacurve and by scikit-activeml and modAL on the same inputs.

Inputs (made once, saved to a temporary ``.npz`` and loaded by every run): a Gaussian
mixture of 10 classes in 64 dimensions (standardised float64), 1,000 labelled rows and a
pool of 100,000 candidates; the class probabilities of the candidates come from a
logistic regression fitted on the labelled rows beforehand (not timed).

Queries, batch size k (default 100):

- **margin**: ``datacurve.active.query("margin")``; scikit-activeml's
  ``UncertaintySampling(method="margin_sampling").query`` with a classifier that returns
  the same probabilities (``fit_clf=False``); modAL's ``uncertainty.margin_sampling``
  with an object whose ``predict_proba`` returns them.
- **core-set** (k-centre greedy, Sener & Savarese 2018): ``query("coreset")``; scikit-
  activeml's ``CoreSet.query`` with the same ``random_state``. Also at k = 1,000
  (``--big-k``). modAL has no k-centre greedy: its nearest diversity batch is
  ``batch.uncertainty_batch_sampling`` (ranked batch mode, Cardoso et al. 2017), a
  different algorithm (uncertainty traded against distance to the labelled set and the
  batch so far), timed at k only.
- **cluster_margin** (datacurve only): margin within k-means clusters.

Each query runs in a fresh process (this script with ``--one``), so one's peak cannot
hide another's: the libraries are imported first (the ``import s`` column), then the
query runs up to ``--repeats`` times (fewer once ``--budget`` seconds are spent) and the
median is reported, then once more under ``tracemalloc`` for the peak of the Python and
NumPy allocations made during the call (``peak MiB``). ``max RSS`` is the process's peak
resident memory (``ru_maxrss``) after the timed runs, ``+RSS`` its growth over the peak
before them (inputs loaded, libraries imported). ``same picks`` compares the chosen
candidates, as sets, with datacurve's for the same query.

Run with ``OMP_NUM_THREADS=1`` for stable figures (the published ones were); the whole
run takes a few minutes on 2 cores, most of it modAL's ranked batch and core-set at k =
1,000.

Usage: python bench/active_speed.py [--pool 100000] [--k 100] [--repeats 3] [--big-k 1000]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

D, CLASSES, LABELLED, SEED = 64, 10, 1000, 0


@dataclass(frozen=True)
class Method:
    query: str  # margin / coreset / ...
    library: str
    call: str
    big: bool  # also run at --big-k


METHODS = {
    "margin-datacurve": Method("margin", "datacurve", 'query("margin")', False),
    "margin-skactiveml": Method("margin", "scikit-activeml",
                                'UncertaintySampling("margin_sampling")', False),
    "margin-modal": Method("margin", "modAL", "uncertainty.margin_sampling", False),
    "coreset-datacurve": Method("coreset", "datacurve", 'query("coreset")', True),
    "coreset-skactiveml": Method("coreset", "scikit-activeml", "CoreSet", True),
    "coreset-modal": Method("coreset", "modAL",
                            "batch.uncertainty_batch_sampling (ranked batch)", False),
    "cluster_margin-datacurve": Method("cluster_margin", "datacurve",
                                       'query("cluster_margin")', False),
}


# -- inputs (in their own process, so the parent stays small) ---------------------------
def make_inputs(path: Path, pool: int) -> None:
    """A 10-class Gaussian mixture, standardised; proba from a fitted logistic regression."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(SEED)
    centres = rng.normal(size=(CLASSES, D)) * 0.35
    y = rng.integers(CLASSES, size=LABELLED + pool)
    X = centres[y] + rng.normal(size=(LABELLED + pool, D))
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    labelled, candidates = X[:LABELLED], X[LABELLED:]
    lr = LogisticRegression(max_iter=1000).fit(labelled, y[:LABELLED])
    proba = lr.predict_proba(candidates)
    accuracy = float((proba.argmax(axis=1) == y[LABELLED:]).mean())
    np.savez(path, labelled=labelled, candidates=candidates, proba=proba)
    print(json.dumps({"accuracy": accuracy}))


# -- one query in a fresh process -------------------------------------------------------
def build(name: str, k: int, inputs: dict[str, Any]) -> Callable[[], Any]:
    """Import what `name` needs and return a call that runs its query once (positions
    among the candidates)."""
    import numpy as np

    labelled, candidates, proba = inputs["labelled"], inputs["candidates"], inputs["proba"]
    lib = METHODS[name].library
    if lib == "datacurve":
        import skactiveml.pool  # noqa: F401  (datacurve imports it on the first query)
        import sklearn.cluster  # noqa: F401

        from datacurve.active import query

        strategy = METHODS[name].query

        def run_datacurve() -> Any:
            q = query(strategy, k, proba=None if strategy == "coreset" else proba,
                      candidates=candidates, labelled=labelled,
                      rng=np.random.default_rng(SEED))
            return q.picked

        return run_datacurve
    if name == "margin-skactiveml":
        from skactiveml.base import SkactivemlClassifier
        from skactiveml.pool import UncertaintySampling

        class Precomputed(SkactivemlClassifier):
            """Returns the precomputed probabilities, whatever it is asked."""

            def __init__(self, proba: Any = None, classes: Any = None,
                         missing_label: Any = np.nan) -> None:
                super().__init__(classes=classes, missing_label=missing_label)
                self.proba = proba

            def fit(self, X: Any, y: Any, sample_weight: Any = None) -> Precomputed:
                return self

            def predict_proba(self, X: Any, **kwargs: Any) -> Any:
                return self.proba

        clf = Precomputed(proba, classes=np.arange(CLASSES))
        y = np.full(candidates.shape[0], np.nan)

        def run_uncertainty() -> Any:
            qs = UncertaintySampling(method="margin_sampling", random_state=SEED)
            return qs.query(candidates, y, clf=clf, fit_clf=False, batch_size=k)

        return run_uncertainty
    if name == "coreset-skactiveml":
        from skactiveml.pool import CoreSet

        # The same random_state as datacurve's query draws from default_rng(SEED).
        state = int(np.random.default_rng(SEED).integers(2**31))

        def run_coreset() -> Any:
            X = np.concatenate([labelled, candidates])
            y = np.full(X.shape[0], np.nan)
            y[:LABELLED] = 0.0
            cand = np.arange(LABELLED, X.shape[0])
            idx = CoreSet(random_state=state).query(X, y, candidates=cand, batch_size=k)
            return np.asarray(idx) - LABELLED

        return run_coreset
    from modAL.batch import uncertainty_batch_sampling
    from modAL.uncertainty import margin_sampling

    class Model:
        """What modAL reads of a learner: predict_proba and (ranked batch) the training
        rows."""

        on_transformed = False
        X_training = labelled

        def predict_proba(self, X: Any, **kwargs: Any) -> Any:
            return proba

    if name == "margin-modal":
        return lambda: margin_sampling(Model(), candidates, n_instances=k)[0]
    return lambda: uncertainty_batch_sampling(Model(), candidates, n_instances=k)[0]


def max_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def one(name: str, k: int, path: Path, repeats: int, budget: float) -> None:
    """Time and measure one query; print a JSON line for the parent."""
    import numpy as np

    with np.load(path) as f:
        inputs = {key: f[key] for key in f.files}
    t0 = time.perf_counter()
    run = build(name, k, inputs)
    import_s = time.perf_counter() - t0
    rss_before = max_rss_mib()
    seconds: list[float] = []
    while len(seconds) < repeats and (not seconds or sum(seconds) < budget):
        t0 = time.perf_counter()
        picked = run()
        seconds.append(time.perf_counter() - t0)
    rss_after = max_rss_mib()
    tracemalloc.start()
    run()
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    print(json.dumps({"seconds": seconds, "import": import_s, "peak": peak,
                      "rss": rss_after, "rss_growth": rss_after - rss_before,
                      "picked": [int(i) for i in picked]}))


# -- the parent: one process per query, then the table ----------------------------------
def child(args: list[str]) -> dict[str, Any]:
    done = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True,
                          check=False)
    if done.returncode != 0:
        return {"error": (done.stderr.strip().splitlines() or ["?"])[-1]}
    out: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return out


def same(picked: list[int], reference: list[int] | None) -> str:
    if reference is None:
        return ""
    common = len(set(picked) & set(reference))
    return "yes" if common == len(reference) == len(picked) else f"no ({common}/{len(picked)})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pool", type=int, default=100_000)
    parser.add_argument("--k", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--big-k", type=int, default=1000,
                        help="core-set also at this batch size (0: not)")
    parser.add_argument("--budget", type=float, default=30.0,
                        help="no more repeats once this many seconds are spent")
    parser.add_argument("--one", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--inputs", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one == "make":
        make_inputs(Path(args.inputs), args.pool)
        return
    if args.one is not None:
        one(args.one, args.k, Path(args.inputs), args.repeats, args.budget)
        return

    wall = time.perf_counter()
    libs = ", ".join(f"{p} {version(p)}" for p in
                     ("datacurve", "scikit-activeml", "modAL-python", "numpy", "scikit-learn"))
    print(f"{libs}; OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}, "
          f"{os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "inputs.npz"
        made = child(["--one", "make", "--inputs", str(path), "--pool", str(args.pool)])
        if "error" in made:
            sys.exit(f"making the inputs failed: {made['error']}")
        print(f"pool {args.pool:,} candidates x {D} features, {LABELLED:,} labelled, "
              f"{CLASSES} classes; logistic regression accuracy on the pool "
              f"{made['accuracy']:.3f}; median of up to {args.repeats} runs")
        print(f"{'query':<15} {'k':>5} {'library':<16} {'runs':>4} {'seconds':>8} "
              f"{'import s':>8} {'peak MiB':>9} {'max RSS':>8} {'+RSS':>7}  same picks  call")
        runs = [(name, args.k) for name in METHODS]
        if args.big_k and args.big_k != args.k:
            runs += [(name, args.big_k) for name, m in METHODS.items() if m.big]
        reference: dict[tuple[str, int], list[int]] = {}
        for name, k in runs:
            m = METHODS[name]
            r = child(["--one", name, "--k", str(k), "--inputs", str(path),
                       "--repeats", str(args.repeats), "--budget", str(args.budget)])
            head = f"{m.query:<15} {k:>5} {m.library:<16}"
            if "error" in r:
                print(f"{head} failed: {r['error']}")
                continue
            if m.library == "datacurve":
                reference[m.query, k] = r["picked"]
                verdict = ""
            elif name == "coreset-modal":
                verdict = "n/a"
            else:
                verdict = same(r["picked"], reference.get((m.query, k)))
            print(f"{head} {len(r['seconds']):>4} {statistics.median(r['seconds']):>8.3f} "
                  f"{r['import']:>8.2f} {r['peak']:>9.1f} {r['rss']:>8.0f} "
                  f"{r['rss_growth']:>7.0f}  {verdict:<10}  {m.call}", flush=True)
    print("seconds: median of the timed runs; import s: importing what the query needs, "
          "in a fresh process; peak MiB: tracemalloc peak during one call; max RSS / +RSS: "
          "the process's peak resident MiB, and its growth during the timed runs")
    print("modAL's row under coreset is ranked batch mode (Cardoso et al. 2017), not "
          "k-centre greedy: a different algorithm, so its picks are not compared "
          f"(and it is not run at k = {args.big_k:,}: it recomputes the distances from "
          "the pool to the labelled set for every pick)")
    print(f"wall time {time.perf_counter() - wall:.0f} s")


if __name__ == "__main__":
    main()
