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


def test_report_shows_the_simulation_as_the_cli_prints_it(
        digits_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    curves, sims = tmp_path / "c.sqlite", tmp_path / "a.sqlite"
    code, _, err = run_cli(["curve", str(digits_csv), "--label", "label", "--model", LOGREG,
                            "--sizes", "50,100,200,400", "--seeds", "2", "--eval-folds",
                            "1", "--store", str(curves), "--quiet"], capsys)
    assert code == 0, err
    code, out, err = run_cli(["active", "simulate", str(digits_csv), "--label", "label",
                              "--model", LOGREG, "-s", "least_confidence", "--budget", "120",
                              "--seeds", "2", "--store", str(sims), "--quiet", "--json"],
                             capsys)
    assert code == 0, err
    d = json.loads(out)
    code, _, err = run_cli(["report", str(curves), "--out", str(tmp_path / "r"), "--active",
                            str(sims)], capsys)
    assert code == 0, err
    page = (tmp_path / "r" / "index.html").read_text()
    section = page[page.index('<section id="active">'):]
    section = section[:section.index("</section>")]
    assert f"target {d['target']:.4f}" in section
    for r in d["strategies"]:
        if r["labels"] is not None:
            assert f"<td>{r['strategy']}</td><td class=\"num\">{int(r['labels']):,}</td>" \
                in section.replace("\n", "")
    assert section.count("<svg") == 1
    # The active store itself is no store of learning curves: said in one line.
    code, _, err = run_cli(["fit", str(sims)], capsys)
    assert_one_line_error(code, err, "active-learning rounds only", "--active")
    # A store of another dataset's simulations adds a note, not a section.
    other = tmp_path / "other.csv"
    pd.read_csv(digits_csv).iloc[:400].to_csv(other, index=False)
    code, _, err = run_cli(["active", "simulate", str(other), "--label", "label", "--model",
                            LOGREG, "-s", "margin", "--budget", "60", "--seeds", "1",
                            "--store", str(tmp_path / "o.sqlite"), "--quiet"], capsys)
    assert code == 0, err
    code, _, err = run_cli(["report", str(curves), "--out", str(tmp_path / "r2"), "--active",
                            str(tmp_path / "o.sqlite")], capsys)
    assert code == 0, err
    page = (tmp_path / "r2" / "index.html").read_text()
    assert '<section id="active">' not in page and "other datasets" in page


def test_the_labelling_loop_from_the_command_line(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    X, y = load_digits(return_X_y=True)
    table = pd.DataFrame(X[:600], columns=[f"p{i}" for i in range(64)])
    lab = pd.Series(pd.NA, index=table.index, dtype="Int64")
    lab[:120] = y[:120]
    table.assign(label=lab).to_csv(tmp_path / "pool.csv", index=False)
    store = str(tmp_path / "loop.sqlite")
    code, out, err = run_cli(["active", "init", str(tmp_path / "pool.csv"), "--label",
                              "label", "--model", LOGREG, "--store", store, "--batch", "30",
                              "--target", "0.9"], capsys)
    assert code == 0, err
    assert "95 for training" in " ".join(out.split())  # 20 % of each class held out
    for i in range(3):
        batch = tmp_path / f"b{i}.csv"
        code, out, err = run_cli(["active", "next", "--out", str(batch), "--store", store],
                                 capsys)
        assert code == 0, err
        assert f"active import {batch}" in " ".join(out.split())
        b = pd.read_csv(batch)
        b.assign(label=y[b["row"]]).to_csv(batch, index=False)
        code, out, err = run_cli(["active", "import", str(batch), "--store", store], capsys)
        assert code == 0, err
        assert "30 new labels" in " ".join(out.split())
    code, out, err = run_cli(["active", "import", str(batch), "--store", store], capsys)
    flat = " ".join(out.split())
    assert "30 already recorded" in flat and "nothing changed" in flat
    code, out, err = run_cli(["active", "status", "--store", store, "--json"], capsys)
    assert code == 0, err
    d = json.loads(out)
    assert d["labels"] == 95 + 90 and d["holdout"] == 25 and len(d["points"]) == 4
    code, text, err = run_cli(["active", "status", "--store", store], capsys)
    flat = " ".join(text.split())
    assert f"held-out accuracy {d['score']:.4f} ± {d['score_se']:.4f}" in flat
    assert ("stop:" in flat) is d["stop"] and ("keep labelling:" in flat) is (not d["stop"])
    # Bad input: one line, exit 2, the store unchanged.
    b = pd.read_csv(batch).assign(label=11)
    b.to_csv(tmp_path / "bad.csv", index=False)
    code, _, err = run_cli(["active", "import", str(tmp_path / "bad.csv"), "--store", store],
                           capsys)
    assert_one_line_error(code, err, "bad.csv", "'11'")
    code, _, err = run_cli(["active", "next", "-k", "99999", "--store", store], capsys)
    assert_one_line_error(code, err, "-k", "99999")
    code, out, err = run_cli(["active", "status", "--store", store, "--json"], capsys)
    assert json.loads(out)["labels"] == d["labels"]
    code, _, err = run_cli(["active", "status", "--store", str(tmp_path / "none.sqlite")],
                           capsys)
    assert_one_line_error(code, err, "--store", "none.sqlite")
    code, out, err = run_cli(["active", "audit", "--store", store], capsys)
    assert code == 0, err
    assert "newly queued for relabelling" in " ".join(out.split())
