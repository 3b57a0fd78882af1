"""Produce real deep-learning learning curves with the runner, for bench/extrapolation.py.

MNIST-1D (generated locally, 40,000 examples: 32,000 in the pool, 8,000 evaluation),
CNNs of widths 4 to 48 and MLPs of widths 32 to 256, anchors 16 .. 32,000, 2 seeds.
The results table (contract columns plus every metric) is written to
bench/data/mnist1d_curves.csv so the benchmark runs without retraining; rerunning this
script resumes from its store (bench/data/mnist1d_curves.sqlite, not committed).

Usage: python bench/make_dl_curves.py [--jobs 2] [--models cnn:width=48 ...]
       (about 30 minutes on 2 cores for the first six networks; ``--models`` trains only
       those and replaces their rows in the CSV, keeping the others)
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from datacurve.curves import run_curve
from datacurve.data import builtin

HERE = Path(__file__).resolve().parent / "data"
MODELS = ["cnn:width=4", "cnn:width=8", "cnn:width=16", "cnn:width=32", "cnn:width=48",
          "mlp:width=32", "mlp:width=64", "mlp:width=256"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--n", type=int, default=40_000)
    parser.add_argument("--models", nargs="+", default=MODELS)
    args = parser.parse_args()
    HERE.mkdir(exist_ok=True)
    dataset = builtin(f"mnist1d:n={args.n}")
    done = 0

    def progress(event: object) -> None:
        nonlocal done
        done += 1
        print(f"\r{done} trials", end="", flush=True)

    run = run_curve(dataset, args.models, seeds=2, eval_size=0.2, jobs=args.jobs,
                    store=HERE / "mnist1d_curves.sqlite", progress=progress)
    print()
    print(run.summary())
    out = HERE / "mnist1d_curves.csv"
    new = run.results
    if out.exists():
        old = pd.read_csv(out)
        new = pd.concat([old[~old["model"].isin(set(new["model"]))], new],
                        ignore_index=True)
    new.to_csv(out, index=False)


if __name__ == "__main__":
    main()
