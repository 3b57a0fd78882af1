"""What training strategies are worth, in labelled samples, on real small tasks.

Each benchmark runs `compare_strategies` (the baseline and the strategy on the same nested
subsets, seeds and evaluation set) and prints the effective data multiplier m(n) with its
80 % interval at every size, the raw samples it is worth (m·n) and the training compute
against the baseline's:

- shift: MNIST-1D (6,000 generated), ``cnn:width=16`` with MNIST-1D's own padded shifts
  applied per epoch, n up to 4,000;
- transfer: ``cnn:width=16`` pretrained on MNIST-1D digits 0-4 (8,000 examples) and
  fine-tuned on digits 5-9, n = 125 to 2,000;
- selftrain: digits, logistic regression, n labelled (10 % of the pool is 144) plus the
  rest of the pool unlabelled;
- smote: a synthetic table with a 5 % minority class, logistic regression, balanced
  accuracy;
- ensemble: 5 seeded ``cnn:width=16`` averaged on MNIST-1D (5x the compute);
- text: logistic regression on MiniLM sentence embeddings against TF-IDF, on the
  generated topics task (needs ``datacurve[text]``).

Usage: python bench/strategies.py [--only shift transfer ...] [--jobs 2]
       [--store bench-strategies.sqlite  (reuse finished trials)]
"""

from __future__ import annotations

import argparse
import math
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from datacurve.data import Dataset, builtin
from datacurve.strategies import compare_strategies

CNN = "cnn:width=16"


def _imbalanced() -> Dataset:
    from sklearn.datasets import make_classification

    X, y = make_classification(4000, 10, n_informative=5, weights=[0.95], flip_y=0,
                               class_sep=0.8, random_state=0)
    return Dataset(X.astype(np.float32), y, "classification", name="minority-5%")


BENCHMARKS: dict[str, dict[str, Any]] = {
    "shift": {"data": lambda: builtin("mnist1d:n=6000"), "model": CNN,
              "strategies": ["augment:pad_shift=0.1"],
              "sizes": [250, 500, 1000, 2000, 4000]},
    "transfer": {"data": lambda: builtin("mnist1d:n=3000,classes=5-9,seed=1"), "model": CNN,
                 "strategies": ["transfer:mode=finetune", "transfer:mode=freeze"],
                 "sizes": [125, 250, 500, 1000, 2000],
                 "source": lambda: builtin("mnist1d:n=8000,classes=0-4,seed=2")},
    "selftrain": {"data": lambda: builtin("digits"),
                  "model": "sklearn:LogisticRegression(max_iter=1000)",
                  "strategies": ["selftrain:threshold=0.9"],
                  "sizes": [36, 72, 144, 288, 576, 1150]},
    "smote": {"data": _imbalanced, "model": "sklearn:LogisticRegression()",
              "strategies": ["smote", "adasyn"], "sizes": [100, 200, 400, 800, 1600],
              "metric": "balanced_accuracy"},
    "ensemble": {"data": lambda: builtin("mnist1d:n=6000"), "model": CNN,
                 "strategies": ["ensemble:k=5"], "sizes": [250, 500, 1000, 2000, 4000]},
    "text": {"data": lambda: builtin("topics:n=2000"),
             "model": "sklearn:LogisticRegression(max_iter=1000)",
             "strategies": ["transfer:embedding=minilm"],
             "sizes": [16, 32, 64, 128, 256, 512]},
}


def _x(m: float) -> str:
    return "∞" if not math.isfinite(m) else f"{m:.2f}"


def run(name: str, store: Path, jobs: int, seeds: int) -> None:
    """Run one benchmark and print its table."""
    spec = BENCHMARKS[name]
    t0 = time.perf_counter()
    c = compare_strategies(spec["data"](), spec["model"], spec["strategies"],
                           sizes=spec["sizes"], seeds=seeds, jobs=jobs, store=store,
                           metric=spec.get("metric"),
                           source=spec["source"]() if "source" in spec else None)
    elapsed = time.perf_counter() - t0
    print(f"\n### {name}: {c.baseline}, {c.metric} ({elapsed:.0f} s)\n")
    print("| strategy | n | score | baseline | gain | multiplier (80 % interval) | worth "
          "(raw samples) | compute |")
    print("|---|---|---|---|---|---|---|---|")
    for r in c.table.to_dict("records"):
        worth = "∞" if not math.isfinite(r["worth"]) else f"{r['worth']:,.0f}"
        print(f"| {r['strategy']} | {r['n']:,} | {r['score']:.4f} | "
              f"{r['baseline_score']:.4f} | {r['gain']:+.4f} | **{_x(r['multiplier'])}×** "
              f"({_x(r['multiplier_low'])} – {_x(r['multiplier_high'])}) | {worth} | "
              f"{r['compute']:.1f}× |")
    for label, made in c.pretrained.items():
        did = "embedded with" if made.source.endswith("sentence encoder") else "pretrained on"
        print(f"\n{label}: {did} {made.source} ({made.n:,} examples) in "
              f"{made.seconds:.0f} s" + (" (reused)" if not made.seconds else ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", default=list(BENCHMARKS),
                        choices=list(BENCHMARKS))
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--store", type=Path, help="a store to keep (default: temporary)")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    with tempfile.TemporaryDirectory() as tmp:
        store = args.store or Path(tmp) / "strategies.sqlite"
        for name in args.only:
            run(name, store, args.jobs, args.seeds)


if __name__ == "__main__":
    main()
