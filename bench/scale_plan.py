"""The numbers behind README's plan for 100 GPUs: what the driver can absorb, and how a
real grid's trials spread over 100 workers.

1. **Store write rate**, measured here: results written one commit each (what the runner
   does, so that a result is never lost) into a fresh store, as fast as one driver can.
2. **Makespan of a real grid on W workers**, simulated from recorded trial times: the
   MNIST-1D grid of bench/data/mnist1d_curves.csv (6 networks × 23 sizes × 2 seeds,
   sizes 16–32,000, 5,200 s of training in all), handed out in the runner's order
   (smallest sizes first, so the small anchors of every model finish first) and
   largest-first (longest-processing-time first, LPT); each worker takes the next trial
   when it is free. `--speedup` divides every recorded time (a GPU against this CPU).
3. **Object-store traffic**: the shared data is put once and pulled once per node; each
   trial sends only its row indices (8 bytes per training row) and returns a few
   hundred bytes.

Usage: python bench/scale_plan.py [--workers 100] [--speedup 20] [--writes 2000]
"""

from __future__ import annotations

import argparse
import heapq
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from datacurve.curves import Store, TrialResult

DATA = Path(__file__).resolve().parent / "data"


FIRST_SIX = ("cnn", "cnn:width=4", "cnn:width=8", "cnn:width=32", "mlp:width=32",
             "mlp:width=256")

def store_write_rate(writes: int) -> float:
    """Results committed per second, one commit each, into a fresh store."""
    scores = {"accuracy": 0.9, "error": 0.1, "log_loss": 0.3, "balanced_accuracy": 0.9,
              "macro_f1": 0.9, "roc_auc": 0.95}
    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "s.sqlite") as st:
        st.add_dataset("f" * 16, "bench", "classification", {})
        t0 = time.perf_counter()
        for i in range(writes):
            r = TrialResult(f"{i:024x}", "cnn:width=16", 1000 + i, i % 3, "ok", 3546,
                            scores, scores, 1.0, 0.1, info={"eval_fold": 0, "pool": 32000})
            st.put(r, dataset="f" * 16, eval_split="e" * 12, task="classification",
                   n_eval=8000)
        return writes / (time.perf_counter() - t0)


def makespan(times: np.ndarray, workers: int) -> float:
    """Finish time when `workers` each take the next of `times` (in order) when free."""
    free = [0.0] * min(workers, len(times))
    heapq.heapify(free)
    end = 0.0
    for t in times:
        start = heapq.heappop(free)
        heapq.heappush(free, start + t)
        end = max(end, start + t)
    return end


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", type=int, default=100)
    ap.add_argument("--speedup", type=float, default=20.0)
    ap.add_argument("--writes", type=int, default=2000)
    args = ap.parse_args()

    rate = store_write_rate(args.writes)
    print(f"store: {rate:,.0f} results committed per second (one commit each, WAL, "
          f"{args.writes:,} writes)")

    df = pd.read_csv(DATA / "mnist1d_curves.csv")
    # The six networks README's figures were measured on (the CSV gained cnn:width=48 and
    # mlp:width=64 later the same day).
    df = df[(df["status"] == "ok") & df["model"].isin(FIRST_SIX)]
    times = df["fit_time"].to_numpy(float) / args.speedup
    runner = df.sort_values(["n", "model", "seed"])["fit_time"].to_numpy(float) / args.speedup
    lpt = np.sort(times)[::-1]
    total = float(times.sum())
    print(f"\nMNIST-1D grid: {len(times)} trials, {total:,.0f} s of training at speed-up "
          f"{args.speedup:g} (mean {times.mean():.2f} s, longest {times.max():.1f} s)")
    for w in (1, 8, args.workers):
        a, b = makespan(runner, w), makespan(lpt, w)
        bound = max(total / w, float(times.max()))
        print(f"  {w:4d} workers: runner order {a:8.1f} s, largest first {b:8.1f} s, "
              f"lower bound {bound:8.1f} s; trials per hour {len(times) / a * 3600:,.0f}; "
              f"results per second at the driver {len(times) / a:.2f}")
    # A grid of 10 models x 23 sizes x 3 seeds x 5 folds on 100 GPUs: how fast results come
    # in when trials are short (the smallest sizes) against what the store absorbs.
    for short in (0.05, 0.5, 5.0):
        need = args.workers / short
        print(f"  trials of {short:g} s on {args.workers} workers: {need:,.0f} results/s "
              f"to write ({need / rate:.0%} of the store's measured rate)")
    n_rows, features = 32_000, 40
    data_mb = n_rows * features * 4 / 1e6
    nodes = -(-args.workers // 8)
    print(f"\nobject store: MNIST-1D's {n_rows:,} × {features} float32 = {data_mb:.1f} MB put "
          f"once, pulled once by each of {nodes} nodes of 8 GPUs = {data_mb * nodes:.0f} MB; "
          f"a trial at n = {n_rows:,} sends {n_rows * 8 / 1e6:.2f} MB of row indices; "
          f"ImageNet-1k (1.28 M × 3 × 224 × 224 uint8 = 193 GB) does not fit a node's "
          "object store: it must be read from a shared path")


if __name__ == "__main__":
    main()
