"""Active-learning benchmark (issue 18): labels to reach 95 % of the full pool's accuracy,
random labelling against every strategy, with `simulate_active_learning`.

- digits (scikit-learn's 8x8, 1,797 images; 1,438 in the pool, 359 evaluated), logistic
  regression, first batch 20 (stratified: one per class first), batch 10, budget 400,
  5 seeds.
- ``--mnist1d``: MNIST-1D (4,000 examples generated locally), ``cnn:width=16`` with
  dropout 0.2 (for BALD), first batch 100, batch 100, budget 3,000, 2 seeds: random,
  entropy, BALD, core-set and cluster_margin (about an hour on 2 cores).

Usage: python bench/active.py [--seeds 5] [--mnist1d] [--store FILE]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from sklearn.datasets import load_digits

from datacurve.active import DEFAULT_STRATEGIES, ActiveSimulation, simulate_active_learning


def show(sim: ActiveSimulation, seconds: float) -> None:
    print(f"{sim.model} on {sim.dataset}: full pool {sim.pool_size:,} labels, accuracy "
          f"{sim.full_pool:.4f}; target {sim.target:.4f} (95 %); {seconds:.0f} s")
    print(f"{'strategy':>16} {'labels':>7} {'80 % interval':>15} {'saved':>7} "
          f"{'saved 80 %':>13} {'samples':>8}")
    for s, r in sim.reach.iterrows():
        bound = ">=" if r["saved_is_bound"] else ""
        print(f"{s:>16} {r['labels']:>7.0f} {r['low']:>7.0f} – {r['high']:<5.0f} "
              f"{bound}{r['saved']:>6.1%} {r['saved_low']:>6.1%}–{r['saved_high']:<6.1%} "
              f"{r['saved_samples']:>8.0f}")
    for n in sim.notes:
        print(f"note: {n}")
    means = sim.rounds.groupby(["strategy", "labels"])["score"].mean().unstack(0)
    print("mean accuracy by labels (every 5th round):")
    print(means.iloc[::5].round(4).to_string())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--mnist1d", action="store_true")
    parser.add_argument("--store", default=None, help="record (and resume) the rounds")
    args = parser.parse_args()
    X, y = load_digits(return_X_y=True)
    t0 = time.perf_counter()
    sim = simulate_active_learning((X.astype(np.float32), y),
                                   "sklearn:LogisticRegression(max_iter=500)",
                                   strategies=DEFAULT_STRATEGIES, initial=20, batch=10,
                                   budget=400, seeds=args.seeds, store=args.store)
    show(sim, time.perf_counter() - t0)
    if args.mnist1d:
        from datacurve.data import builtin

        ds = builtin("mnist1d:n=4000")
        t0 = time.perf_counter()
        sim = simulate_active_learning(ds, "cnn:width=16,dropout=0.2",
                                       strategies=("entropy", "bald", "coreset",
                                                   "cluster_margin"),
                                       initial=100, batch=100, budget=3000, seeds=2,
                                       store=args.store)
        show(sim, time.perf_counter() - t0)


if __name__ == "__main__":
    main()
