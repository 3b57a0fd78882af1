"""Parallel speed-up: --jobs 2 over serial on the same grid of trials.

Runs the same learning curve twice into fresh stores, serially and with two local worker
processes (joblib/loky), alternating the order over repeats, and reports the ratio of
the best wall times. Usage: python bench/parallel.py [--model SPEC] [--repeats R]
Target: wall time with 2 jobs at most 0.6× the serial time.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from datacurve.curves import run_curve
from datacurve.data import builtin


def timed(dataset: object, model: str, sizes: list[int], seeds: int, jobs: int) -> float:
    """Wall seconds of one run_curve call with a fresh store."""
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        run = run_curve(dataset, [model], seeds=seeds, sizes=sizes,  # type: ignore[arg-type]
                        eval_folds=1,
                        store=Path(tmp) / "s.sqlite", jobs=jobs, progress=False)
        seconds = time.perf_counter() - t0
        assert run.failed == 0 and run.ran == len(sizes) * seeds
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="cnn:width=16")
    parser.add_argument("--n", type=int, default=5000)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    dataset = builtin(f"mnist1d:n={args.n}")
    sizes = [512, 724, 1024, 1448]
    seeds = 3
    serial, parallel = [], []
    for r in range(args.repeats):
        order = (1, 2) if r % 2 == 0 else (2, 1)
        for jobs in order:
            (serial if jobs == 1 else parallel).append(
                timed(dataset, args.model, sizes, seeds, jobs))
    s, p = min(serial), min(parallel)
    print(f"trials: {len(sizes) * seeds} ({args.model} on mnist1d:n={args.n}, sizes {sizes}, "
          f"{seeds} seeds)")
    print(f"serial:  best {s:.2f} s of {[round(x, 2) for x in serial]}")
    print(f"--jobs 2: best {p:.2f} s of {[round(x, 2) for x in parallel]}")
    print(f"ratio:   {p / s:.2f}×  (target <= 0.60×)")


if __name__ == "__main__":
    main()
