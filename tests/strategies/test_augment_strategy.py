"""The augment strategy: per-epoch shifts on a shift-invariant task are worth more than
their samples, an "augmentation" that buries the signal less; scikit-learn learners get
k augmented copies; augmentations that do not fit the data are one clear error; a
strategy's trials survive kill -9 and resume."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from datacurve import InputError
from datacurve.data import Dataset, builtin
from datacurve.strategies import AugmentedCopiesLearner, compare_strategies

CNN = "cnn:width=8,depth=2,max_epochs=30"
SHIFT, BURY = "augment:shift=0.5", "augment:noise=4"


def shift_task(n: int = 1500, L: int = 32, seed: int = 0) -> Dataset:
    """Four classes, each a pattern of 8 values placed at a random circular position of
    a noisy signal: the label does not depend on where, so shifts preserve it."""
    rng = np.random.default_rng(seed)
    protos = rng.normal(size=(4, 8))
    y = rng.integers(0, 4, n)
    X = 0.3 * rng.normal(size=(n, L))
    cols = (rng.integers(0, L, n)[:, None] + np.arange(8)) % L
    X[np.arange(n)[:, None], cols] += 2 * protos[y]
    return Dataset(X.astype(np.float32), y, "classification", name="shift-task")


@pytest.fixture(scope="module")
def comparison(tmp_path_factory: pytest.TempPathFactory):
    store = tmp_path_factory.mktemp("augment") / "s.sqlite"
    return compare_strategies(shift_task(), CNN, [SHIFT, BURY], sizes=[32, 64, 128, 256],
                              seeds=3, store=store, jobs=2)


def test_shift_augmentation_helps_on_a_shift_invariant_task(comparison) -> None:
    t = comparison.table[comparison.table["strategy"] == SHIFT].set_index("n")
    assert comparison.strategies[SHIFT].endswith("(per epoch)")
    assert (t.loc[[32, 64], "gain"] > 0).all()
    assert (t.loc[[32, 64], "multiplier_low"] > 1).all(), t


def test_burying_the_signal_hurts(comparison) -> None:
    t = comparison.table[comparison.table["strategy"] == BURY].set_index("n")
    assert (t.loc[[64, 128, 256], "multiplier_high"] < 1).all(), t
    assert (t["gain"] < 0).all()


def test_estimators_get_k_augmented_copies() -> None:
    """A scikit-learn learner trains on the examples plus k copies; the name says so."""
    ds = builtin("synthetic:n=300,classes=2,features=6,seed=0")
    learner = AugmentedCopiesLearner("sklearn:LogisticRegression()", "noise=0.1", k=3)
    learner.fit(ds.X[:100], ds.y[:100])
    assert learner.predict_proba(ds.X[:5]).shape == (5, 2)
    from datacurve.strategies import strategy_learner

    name, obj = strategy_learner("augment:noise=0.1,k=3", "sklearn:LogisticRegression()",
                                 "classification")
    assert name.endswith("k=3 (copies)") and isinstance(obj, AugmentedCopiesLearner)
    seen: list[int] = []

    class Count:
        def fit(self, X, y):
            seen.append(len(X))
            return self

    learner.model_ = Count()
    import datacurve.strategies._learners as mod

    original = mod._build
    mod._build = lambda spec, task, seed: Count()  # type: ignore[assignment]
    try:
        learner.fit(ds.X[:100], ds.y[:100])
    finally:
        mod._build = original
    assert seen == [400]


def _table() -> Any:
    from sklearn.datasets import load_wine

    return load_wine(as_frame=True).frame


@pytest.mark.parametrize(("data", "spec", "strategy", "needle"), [
    ("wine table", "sklearn:LogisticRegression()", "augment:flip", "suit table data"),
    ("synthetic:n=200,seed=0", "sklearn:LogisticRegression()", "augment:flip",
     "suit signal data"),
    ("synthetic:n=200,seed=0", "sklearn:LogisticRegression()", "augment:mixup",
     "no mixup for a scikit-learn classifier"),
    ("synthetic:n=200,seed=0", "mlp", "augment:noise=0.1,k=3", "no k for a torch learner"),
    ("synthetic:n=200,seed=0", "mlp", "augment:rotat=5", "did you mean 'rotate'"),
    ("synthetic:n=200,seed=0", "mlp", "augment", "augmentation operations"),
])
def test_augmentations_that_do_not_fit_are_one_clear_error(
        data: str, spec: str, strategy: str, needle: str, tmp_path: Path) -> None:
    source = _table() if data == "wine table" else builtin(data)
    with pytest.raises(InputError) as err:
        compare_strategies(source, spec, [strategy], store=tmp_path / "s.sqlite",
                           label="target" if data == "wine table" else None)
    assert needle in str(err.value), str(err.value)
    assert not (tmp_path / "s.sqlite").exists()


def test_strategy_trials_resume_after_kill_9(tmp_path: Path) -> None:
    """`datacurve strategies` killed with SIGKILL amid its trials: the rerun reuses every
    finished trial (none trained twice) and completes the table."""
    store = tmp_path / "s.sqlite"
    args = [sys.executable, "-m", "datacurve", "strategies",
            "synthetic:n=1200,classes=3,features=10,seed=2", "-m",
            "sklearn:DecisionTreeClassifier()", "-s", "ensemble:k=20", "-s",
            "augment:noise=0.2,k=6", "--sizes", "64,128,256,512,900", "--seeds", "3",
            "--store", str(store), "--quiet", "--jobs", "1"]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    done = 0
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if store.exists():
            try:
                with sqlite3.connect(f"file:{store}?mode=ro", uri=True) as con:
                    done = con.execute("SELECT COUNT(*) FROM trials WHERE status='ok'"
                                       ).fetchone()[0]
            except sqlite3.Error:
                done = 0
        if done >= 5:
            break
        time.sleep(0.05)
    assert proc.poll() is None, "finished before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    with sqlite3.connect(store) as con:
        before = dict(con.execute("SELECT key, attempts FROM trials WHERE status='ok'"))
    assert 5 <= len(before) < 45
    again = subprocess.run(args, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    with sqlite3.connect(store) as con:
        after = dict(con.execute("SELECT key, attempts FROM trials WHERE status='ok'"))
    assert len(after) == 45 and all(after[k] == before[k] == 1 for k in before)
