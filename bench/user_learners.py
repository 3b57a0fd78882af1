"""What bringing your own module costs: `TorchLearner` against a bare training loop,
and a lazily indexed torch dataset against in-memory arrays, on the same trials.

The bare loop builds the same module under the same seed, trains it with AdamW for the
same fixed number of epochs on the same nested subsets (batches sliced from tensors),
and scores it on the same evaluation rows. `run_curve` adds planning, the store, the
train-subset score and every metric. The lazy dataset goes item by item through a
``DataLoader`` (what a user's map-style dataset does), the arrays a batch at a time.
Each variant is timed `--repeats` times, interleaved, and the best time is compared
(the machine is shared and noisy).

Usage: python bench/user_learners.py [--n 5000] [--epochs 10] [--repeats 3]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

from datacurve import TorchLearner, run_curve
from datacurve.curves import plan_curve
from datacurve.curves._trial import trial_random_state
from datacurve.data import builtin

SIZES = [250, 1000, 3000]


def make_mlp(d: int = 40, width: int = 64, k: int = 10) -> nn.Module:
    return nn.Sequential(nn.Linear(d, width), nn.ReLU(), nn.Linear(width, k))


class ItemData(torch.utils.data.Dataset):  # type: ignore[type-arg]
    """The same arrays behind a map-style dataset: one item per call."""

    def __init__(self, X: np.ndarray, y: np.ndarray) -> None:
        self.X, self.targets = torch.from_numpy(X), y.tolist()

    def __len__(self) -> int:
        return len(self.targets)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, int]:
        return self.X[i], self.targets[i]


def bare_loop(X: np.ndarray, y: np.ndarray, epochs: int) -> float:
    """The same trials by hand; returns seconds."""
    plan = plan_curve((X, y), TorchLearner(make_mlp), seeds=1, sizes=SIZES, eval_folds=1)
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    t0 = time.perf_counter()
    for trial in plan.trials:
        torch.manual_seed(trial_random_state(trial.seed, trial.n))
        model = make_mlp()
        opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
        rows = torch.from_numpy(trial.train)
        for _ in range(epochs):
            model.train()
            for b in rows[torch.randperm(rows.numel())].split(64):
                loss = nn.functional.cross_entropy(model(Xt[b]), yt[b])
                opt.zero_grad()
                loss.backward()
                opt.step()
        model.eval()
        with torch.no_grad():
            ev = torch.from_numpy(trial.data.evaluation)
            float((model(Xt[ev]).argmax(1) == yt[ev]).float().mean())
    return time.perf_counter() - t0


def through_runner(data: object, epochs: int) -> float:
    learner = TorchLearner(make_mlp, epochs=epochs, early_stopping=None, batch_size=64)
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        run = run_curve(data, learner, seeds=1, sizes=SIZES, store=Path(tmp) / "s.sqlite",
                        eval_folds=1,
                        progress=False)
        seconds = time.perf_counter() - t0
    assert run.failed == 0, run.describe_failures()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5000)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(1)
    ds = builtin(f"mnist1d:n={args.n}")
    X, y = np.asarray(ds.X, dtype=np.float32), ds.y
    times: dict[str, list[float]] = {"bare loop": [], "TorchLearner, arrays": [],
                                     "TorchLearner, lazy dataset": []}
    for _ in range(args.repeats):
        times["bare loop"].append(bare_loop(X, y, args.epochs))
        times["TorchLearner, arrays"].append(through_runner((X, y), args.epochs))
        times["TorchLearner, lazy dataset"].append(through_runner(ItemData(X, y), args.epochs))
    base = min(times["bare loop"])
    print(f"MNIST-1D n={args.n}, sizes {SIZES}, 1 seed, {args.epochs} epochs, MLP 40-64-10, "
          f"best of {args.repeats}")
    for name, t in times.items():
        print(f"{name:>28}: {min(t):6.2f} s  ({min(t) / base:.2f}x the bare loop)")


if __name__ == "__main__":
    main()
