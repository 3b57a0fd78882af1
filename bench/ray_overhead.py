"""Ray against the local process executor on this machine: total time and overhead per
trial for the same grid.

The learner is the scripted one with a known sleep per training row, so every trial's
work is known exactly and the rest of the wall time is the executor's: start-up
(processes or a Ray instance), sending the data and the trials, collecting results and
writing them to the store. Each executor runs the grid into a fresh store, the order
alternating over repeats; best wall times are reported.

overhead per trial = (wall − Σ trial seconds / workers) / trials

Usage: python bench/ray_overhead.py [--repeats 2] [--trials-per-size 8] [--sleep 2e-4]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from datacurve.curves import run_curve
from datacurve.data import Dataset
from datacurve.models._scripted import scripted_dataset_features

SPEC = "datacurve.models._scripted:ScriptedLearner(sleep_per_sample={sleep!r})"


def dataset(n: int) -> Dataset:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, size=n)
    return Dataset(scripted_dataset_features(y), y.astype(np.int64), "classification",
                   name=f"scripted{n}")


def timed(ds: Dataset, spec: str, sizes: list[int], seeds: int, executor: object,
          ) -> tuple[float, float, int]:
    """(wall seconds, summed trial fit seconds, trials) of one run with a fresh store;
    an executor named by a string is started (and stopped) inside the wall time."""
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        run = run_curve(ds, [spec], seeds=seeds, sizes=sizes, eval_folds=1, jobs=2,
                        executor=executor,  # type: ignore[arg-type]
                        store=Path(tmp) / "s.sqlite", progress=False)
        wall = time.perf_counter() - t0
        assert run.failed == 0, run.describe_failures()
        work = float(run.to_frame()["fit_time"].sum())
        return wall, work, len(run.to_frame())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--seeds", type=int, default=8)
    ap.add_argument("--sleep", type=float, default=2e-4)
    args = ap.parse_args()
    ds = dataset(20_000)
    spec = SPEC.format(sleep=args.sleep)
    grids = {"short trials": [64, 128, 256], "longer trials": [2048, 4096, 8192]}
    print(f"2 workers on {__import__('os').cpu_count()} cores; scripted learner sleeping "
          f"{args.sleep:g} s per training row; {args.seeds} seeds per size")
    for name, sizes in grids.items():
        best: dict[str, tuple[float, float, int]] = {}
        for rep in range(args.repeats):
            order = ["local", "ray"] if rep % 2 == 0 else ["ray", "local"]
            for ex in order:
                got = timed(ds, spec, sizes, args.seeds, ex)
                if ex not in best or got[0] < best[ex][0]:
                    best[ex] = got
        print(f"\n{name} (sizes {sizes}):")
        for ex, (wall, work, trials) in best.items():
            over = (wall - work / 2) / trials
            print(f"  {ex:5s}: {trials} trials, wall {wall:.2f} s, trial work "
                  f"{work:.2f} s, overhead {over * 1000:.0f} ms per trial")
        ratio = best["ray"][0] / best["local"][0]
        print(f"  ray / local wall time: {ratio:.2f}")
    # Warm: the workers (or the Ray instance) already running, as in a long session or
    # on a cluster; the overhead is then the per-trial cost alone.
    from datacurve.curves import ProcessExecutor, RayExecutor

    sizes = grids["short trials"]
    print("\nwarm executors (started before the clock), short trials:")
    warm: dict[str, float] = {}
    for name, ex in (("local", ProcessExecutor(2)), ("ray", RayExecutor(num_cpus=2))):
        timed(ds, spec, sizes, 2, ex)  # warm-up run
        wall, work, trials = min(timed(ds, spec, sizes, args.seeds, ex)
                                 for _ in range(args.repeats))
        warm[name] = (wall - work / 2) / trials
        print(f"  {name:5s}: {trials} trials, wall {wall:.2f} s, overhead "
              f"{warm[name] * 1000:.0f} ms per trial")
        ex.shutdown(kill=True)


if __name__ == "__main__":
    main()
