"""The examples in examples/ run end to end on tiny data (as a user would run them)."""

from __future__ import annotations

import importlib.util
import sqlite3
from pathlib import Path
from types import ModuleType

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def load_example(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(("name", "args", "models"), [
    ("torch_image_folder", ["--per-class", "30", "--sizes", "16,32,48", "--widths", "2,4",
                            "--seeds", "1", "--epochs", "2"], {"cnn(width=2)", "cnn(width=4)"}),
    ("sklearn_pipeline_csv", ["--rows", "400", "--seeds", "1"], {"logreg", "boosting"}),
    ("hf_trainer_train_fn", ["--n", "300", "--sizes", "32,64,128", "--seeds", "1",
                             "--epochs", "2"], {"tiny-bert"}),
])
def test_example_runs(name: str, args: list[str], models: set[str], tmp_path: Path,
                      capsys: pytest.CaptureFixture[str]) -> None:
    store = tmp_path / "store.sqlite"
    load_example(name).main([*args, "--store", str(store)])
    out = capsys.readouterr().out
    assert "failed" not in out, out
    with sqlite3.connect(store) as con:
        rows = con.execute("SELECT model, status, params FROM trials").fetchall()
    assert {r[0] for r in rows} == models
    assert all(r[1] == "ok" and r[2] > 0 for r in rows)


def test_labelling_loop_example_carries_on_after_a_restart(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    example = load_example("labelling_loop")
    args = ["--dir", str(tmp_path), "--labelled", "120", "--batch", "40", "--holdout", "100"]
    first = example.main([*args, "--rounds", "2"])
    assert first.status().labels + first.status().holdout == 120 + 100 + 80
    again = example.main([*args, "--rounds", "1"])  # a new process would do the same
    st = again.status()
    assert st.labels + st.holdout == 120 + 100 + 120 and st.imports == 4
    assert len(list(tmp_path.glob("batch-*.csv"))) == 3
    assert "held-out accuracy" in capsys.readouterr().out
