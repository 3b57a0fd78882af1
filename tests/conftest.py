"""Shared fixtures: small datasets made for the scripted learner, temporary stores."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from datacurve.data import Dataset
from datacurve.models._scripted import scripted_dataset_features

SCRIPTED = "datacurve.models._scripted:ScriptedLearner"


def scripted_spec(**kw: object) -> str:
    """Spec string of the scripted learner with the given hyper-parameters."""
    args = ", ".join(f"{k}={v!r}" for k, v in sorted(kw.items()))
    return f"{SCRIPTED}({args})"


def scripted_dataset(n: int = 600, k: int = 3, seed: int = 0) -> Dataset:
    """A dataset whose label sits in feature column 0 (for ScriptedLearner)."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, size=n)
    y[:k] = np.arange(k)
    X = scripted_dataset_features(y, seed=seed)
    return Dataset(X, y.astype(np.int64), "classification", name=f"scripted{n}")


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    """A fresh store path."""
    return tmp_path / "store.sqlite"
