"""`datacurve active simulate`: the same numbers in the text and in --json, a rerun read
back from the store, bad input in one line."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from sklearn.datasets import load_digits

from tests.cli.test_cli import assert_one_line_error, run_cli

LOGREG = "sklearn:LogisticRegression(max_iter=300)"


@pytest.fixture(scope="module")
def digits_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    X, y = load_digits(return_X_y=True)
    path = tmp_path_factory.mktemp("active") / "digits.csv"
    pd.DataFrame(X[:700], columns=[f"p{i}" for i in range(64)]).assign(
        label=y[:700]).to_csv(path, index=False)
    return path


def test_simulate_prints_and_json_agree(digits_csv: Path, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    store = tmp_path / "s.sqlite"
    args = ["active", "simulate", str(digits_csv), "--label", "label", "--model", LOGREG,
            "-s", "margin", "--initial", "10", "--batch", "10", "--budget", "80",
            "--seeds", "2", "--store", str(store), "--quiet"]
    code, out, err = run_cli([*args, "--json"], capsys)
    assert code == 0, err
    d = json.loads(out)
    rows = {r["strategy"]: r for r in d["strategies"]}
    assert set(rows) == {"random", "margin"} and d["store"] == str(store)
    assert len(d["rounds"]) == 2 * 2 * 8
    code, text, err = run_cli(args, capsys)  # read back from the store
    assert code == 0, err
    flat = " ".join(text.split())
    assert f"target {d['target']:.4f}" in flat
    for name, r in rows.items():
        if r["labels"] is not None:
            assert f"{name}: {int(r['labels']):,} labels" in flat


def test_simulate_bad_input_is_one_line(digits_csv: Path, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    base = ["active", "simulate", str(digits_csv), "--label", "label", "--model", LOGREG,
            "--store", str(tmp_path / "s.sqlite"), "--quiet"]
    code, _, err = run_cli([*base, "--strategy", "nope"], capsys)
    assert_one_line_error(code, err, "--strategy", "nope")
    code, _, err = run_cli([*base, "--budget", "100000"], capsys)
    assert_one_line_error(code, err, "--budget", "100000")
    code, _, err = run_cli([*base, "--cold-start", "lucky"], capsys)
    assert_one_line_error(code, err, "--cold-start", "lucky")
    assert not (tmp_path / "s.sqlite").exists()  # refused before any training
