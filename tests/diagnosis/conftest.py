"""Real training runs for the diagnosis tests, recorded once per test session.

Four situations the diagnosis must tell apart, each trained for real (PyTorch CNNs on
MNIST-1D generated locally, scikit-learn on planted Gaussian data) and stored in one
session-scoped store; the CNNs train with a short, fixed budget (30 epochs, batch 256,
lr 3e-3) so the whole set runs in well under two minutes on two CPU cores.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from datacurve.curves import run_curve
from datacurve.data import Dataset, builtin, make_synthetic
from datacurve.models import parse_spec

FAST = "max_epochs=30,batch_size=256,lr=0.003"
TINY_CNN = parse_spec(f"cnn:width=4,{FAST}").canonical
WIDE_CNN = parse_spec(f"cnn:width=32,{FAST}").canonical
NOISE = 0.3


@dataclass(frozen=True)
class Recorded:
    """A store and its results table."""

    store: Path
    results: pd.DataFrame


def _noisy_mnist1d(n: int, n_eval: int, rate: float, seed: int = 0) -> Dataset:
    """MNIST-1D with `rate` of the training labels flipped to another class uniformly;
    the evaluation rows (split "test") keep their true labels."""
    clean = builtin(f"mnist1d:n={n}")
    rng = np.random.default_rng(seed)
    split = np.array(["train"] * (n - n_eval) + ["test"] * n_eval)
    y = clean.y.copy()
    k = len(clean.classes) if clean.classes is not None else int(y.max()) + 1
    flip = rng.choice(n - n_eval, size=round(rate * (n - n_eval)), replace=False)
    y[flip] = (y[flip] + rng.integers(1, k, size=flip.size)) % k
    return Dataset(clean.X, y, "classification", name=f"mnist1d-noisy{int(rate * 100)}",
                   classes=clean.classes, split=split,
                   metadata={"noisy_indices": sorted(flip.tolist())})


@pytest.fixture(scope="session")
def real_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Recorded]:
    """Trials of the four situations (one store each):

    * ``capacity``: a width-4 and a width-32 CNN on MNIST-1D up to 16,000 samples;
    * ``data``: the width-32 CNN on at most 1,024 samples;
    * ``noise``: the width-32 CNN with 30 % of the training labels flipped;
    * ``saturated``: logistic regression on well-separated classes whose labels (train
      and evaluation) carry 10 % planted noise, so 0.9 accuracy is the best possible.
    """
    root = tmp_path_factory.mktemp("diagnose-runs")
    out: dict[str, Recorded] = {}

    def record(key: str, dataset: Dataset, models: list[str], sizes: list[int],
               seeds: int) -> None:
        path = root / f"{key}.sqlite"
        run = run_curve(dataset, models, seeds=seeds, sizes=sizes, store=path, jobs=2)
        assert run.failed == 0, run.errors
        out[key] = Recorded(path, run.results)

    record("capacity", builtin("mnist1d:n=21000"), [TINY_CNN, WIDE_CNN],
           [1000, 2000, 4000, 8000, 16000], seeds=1)
    record("data", builtin("mnist1d:n=4000"), [WIDE_CNN], [64, 128, 256, 512, 1024], seeds=2)
    record("noise", _noisy_mnist1d(6000, 1500, NOISE), [WIDE_CNN],
           [250, 500, 1000, 2000, 4000], seeds=1)
    record("saturated", make_synthetic(n_samples=4000, n_classes=3, n_features=10,
                                       class_sep=3.0, label_noise=0.1, seed=1),
           ["sklearn:LogisticRegression"], [50, 100, 200, 400, 800, 1600], seeds=2)
    return out
