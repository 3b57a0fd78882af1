"""Runner overhead over the bare training loop, on the same trials.

The bare loop builds each learner, fits it on the same nested subset and scores it on the
same evaluation set. The runner does that plus planning, store writes, the train-subset
score and every metric. Both run serially in this process; each is timed three times,
interleaved, and the best time of each is compared (the machine is shared and noisy).

Usage: python bench/runner_overhead.py [--model SPEC] [--n N]
Target: overhead at most 5 %.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from datacurve.curves import plan_curve, run_curve
from datacurve.curves._trial import trial_random_state
from datacurve.data import builtin
from datacurve.models import parse_spec


def bare_loop(plan: object) -> float:
    """Fit and score every planned trial with nothing around it; return seconds."""
    import torch

    torch.set_num_threads(1)
    t0 = time.perf_counter()
    for trial in plan.trials:  # type: ignore[attr-defined]
        data = trial.data
        learner = parse_spec(trial.model).build(
            data.task, random_state=trial_random_state(trial.seed, trial.n))
        learner.fit(data.X[trial.train], data.y[trial.train])
        proba = learner.predict_proba(data.X[data.evaluation])
        float(np.mean(proba.argmax(1) == data.y[data.evaluation]))
    return time.perf_counter() - t0


def runner(dataset: object, model: str, sizes: list[int], seeds: int) -> float:
    """The same trials through run_curve with a fresh store; return seconds."""
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        run = run_curve(dataset, [model], seeds=seeds, sizes=sizes,  # type: ignore[arg-type]
                        eval_folds=1,
                        store=Path(tmp) / "s.sqlite", jobs=1, progress=False)
        seconds = time.perf_counter() - t0
        assert run.failed == 0 and run.ran == len(sizes) * seeds
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="mlp:width=64")
    parser.add_argument("--n", type=int, default=5000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    dataset = builtin(f"mnist1d:n={args.n}")
    sizes = [256, 512, 1024, 2048]
    seeds = 2
    plan = plan_curve(dataset, [args.model], seeds=seeds, sizes=sizes, eval_folds=1)
    bare, ran = [], []
    for _ in range(args.repeats):
        bare.append(bare_loop(plan))
        ran.append(runner(dataset, args.model, sizes, seeds))
    b, r = min(bare), min(ran)
    print(f"trials: {len(plan.trials)} ({args.model} on mnist1d:n={args.n}, sizes {sizes}, "
          f"{seeds} seeds)")
    print(f"bare loop: best {b:.2f} s of {[round(x, 2) for x in bare]}")
    print(f"runner:    best {r:.2f} s of {[round(x, 2) for x in ran]}")
    print(f"overhead:  {100 * (r / b - 1):+.1f} %  (target <= +5 %)")


if __name__ == "__main__":
    main()
