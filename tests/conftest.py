"""Shared fixtures: small datasets made for the scripted learner, temporary stores."""

from __future__ import annotations

import contextlib
import io
import warnings
from collections.abc import Iterator
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


@contextlib.contextmanager
def captured_cli() -> Iterator[tuple[io.StringIO, io.StringIO, list[warnings.WarningMessage]]]:
    """stdout, stderr and warnings of an in-process CLI run (capsys is per test, and
    Hypothesis runs many examples in one test)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), \
            warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield out, err, caught


def assert_cli_refuses(argv: list[str], name: str) -> None:
    """Exit code 2, exactly one line on stderr naming `name`, no traceback, no warning."""
    from datacurve.cli._app import main

    with captured_cli() as (_, err, caught):
        code = main(argv)
    text = err.getvalue()
    lines = [line for line in text.splitlines() if line.strip()]
    assert code == 2, (code, text)
    assert len(lines) == 1 and "Traceback" not in text, text
    assert name in lines[0], lines[0]
    assert not [w for w in caught if not issubclass(w.category, DeprecationWarning)], [
        f"{w.category.__name__}: {w.message}" for w in caught]
