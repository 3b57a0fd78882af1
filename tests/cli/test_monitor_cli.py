"""`datacurve drift` and `datacurve monitor`: the same numbers in text, JSON and Python;
windows kept in the store; drifted rows handed to the audit and the labelling loop; the
recovery curve."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from datacurve.monitor import drift, windows
from tests.cli.test_cli import run_cli


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from sklearn.datasets import load_breast_cancer

    folder = tmp_path_factory.mktemp("monitor")
    d = load_breast_cancer(as_frame=True).frame.rename(columns={"target": "label"})
    d = d.sample(frac=1.0, random_state=0).reset_index(drop=True)
    ref, cur = d.iloc[:285], d.iloc[285:].copy()
    ref.to_csv(folder / "ref.csv", index=False)
    cur.to_csv(folder / "same.csv", index=False)
    cur["mean radius"] *= 1.2
    cur.to_parquet(folder / "cur.parquet")
    return folder


def test_drift_text_json_and_python_agree(files: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    args = ["drift", str(files / "ref.csv"), str(files / "cur.parquet"), "--label", "label",
            "--no-multivariate"]
    code, out, err = run_cli([*args, "--json"], capsys)
    assert code == 0, err
    d = json.loads(out)
    py = drift(files / "ref.csv", files / "cur.parquet", label="label", multivariate=False)
    assert d["verdict"] == py.verdict and d["drifted"]
    radius = next(t for t in d["tests"] if t["name"] == "mean radius")
    assert radius["drifted"]
    assert radius["p_adjusted"] == pytest.approx(
        next(t.p_adjusted for t in py.tests if t.name == "mean radius"))
    code, text, err = run_cli(args, capsys)
    assert code == 0, err
    assert "mean radius" in text and "drift: " in text
    assert f"{radius['p_adjusted']:.2e}" in text
    # The same rows, unshifted: no drift.
    code, out, err = run_cli(["drift", str(files / "ref.csv"), str(files / "same.csv"),
                              "--label", "label", "--no-multivariate", "--json"], capsys)
    assert code == 0 and not json.loads(out)["drifted"]


def test_drifted_rows_go_to_the_audit_and_the_labelling_loop(
        files: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = tmp_path / "drifted.csv"
    code, out, err = run_cli(["drift", str(files / "ref.csv"), str(files / "cur.parquet"),
                              "--label", "label", "--drifted-rows", str(rows), "--top", "40"],
                             capsys)
    assert code == 0, err
    assert "40 most drifted rows written" in out
    got = pd.read_csv(rows)
    assert list(got.columns[:2]) == ["row", "drift_score"] and len(got) == 40
    assert got["drift_score"].is_monotonic_decreasing
    cur = pd.read_parquet(files / "cur.parquet")
    assert np.allclose(got["mean radius"], cur["mean radius"].iloc[got["row"]])
    # The audit reads the file as it reads any table …
    code, out, err = run_cli(["audit", str(rows), "--label", "label", "--checks",
                              "exact_duplicate", "--json"], capsys)
    assert code == 0, err
    # … and a labelling loop starts from it once the labels are cleared.
    pool = got.drop(columns=["drift_score"]).astype({"label": "Int64"})
    pool.loc[pool.index % 2 == 1, "label"] = pd.NA
    pool.to_csv(tmp_path / "queue.csv", index=False)
    code, out, err = run_cli(["active", "init", str(tmp_path / "queue.csv"), "--label",
                              "label", "-m", "sklearn:LogisticRegression(max_iter=300)",
                              "--id-column", "row", "--holdout", "0.3", "--classes", "0,1",
                              "--store", str(tmp_path / "loop.sqlite"), "--json"], capsys)
    assert code == 0, err


def test_monitor_add_status_history(files: Path, tmp_path: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    store = tmp_path / "m.sqlite"
    base = ["monitor", "add", str(files / "ref.csv")]
    opts = ["--label", "label", "--no-multivariate", "--store", str(store)]
    for name, cur in (("day1", "same.csv"), ("day2", "cur.parquet")):
        code, out, err = run_cli([*base, str(files / cur), "--name", name, *opts], capsys)
        assert code == 0, err
        assert f"recorded as window '{name}'" in out
    code, out, err = run_cli([*base, str(files / "same.csv"), "--name", "day1", *opts],
                             capsys)
    assert code == 2 and "--name" in err and "not recorded yet" in err
    code, out, err = run_cli(["monitor", "status", "--store", str(store), "--json"], capsys)
    assert code == 0, err
    st = json.loads(out)
    assert st["windows"] == 2 and st["drifted_windows"] == ["day2"]
    assert st["latest"]["verdict"] == windows(store)[1].report.verdict
    code, out, err = run_cli(["monitor", "status", "--store", str(store)], capsys)
    assert code == 0 and "latest window 'day2'" in out and "day1" in out
    code, out, err = run_cli(["monitor", "history", "--store", str(store), "--feature",
                              "mean radius", "--json"], capsys)
    rows = json.loads(out)
    assert [(r["window"], r["name"], r["drifted"]) for r in rows] == [
        ("day1", "overall", False), ("day1", "mean radius", False),
        ("day2", "overall", True), ("day2", "mean radius", True)]


def test_monitor_recover(files: Path, tmp_path: Path,
                         capsys: pytest.CaptureFixture[str]) -> None:
    cur = pd.read_parquet(files / "cur.parquet")
    cur.to_csv(tmp_path / "cur.csv", index=False)
    code, out, err = run_cli(["monitor", "recover", str(tmp_path / "cur.csv"), "--label",
                              "label", "-m", "sklearn:LogisticRegression(max_iter=300)",
                              "--target", "0.93", "--seeds", "1", "--store",
                              str(tmp_path / "r.sqlite"), "--quiet", "--json"], capsys)
    assert code == 0, err
    d = json.loads(out)
    assert d["target"] == 0.93 and d["labelled"] == len(cur)
    need = d["plan"]["samples_needed"]
    assert 16 <= need <= len(cur)
    assert f"trained on about {need:,.0f} samples" in d["sentence"]


def test_report_shows_windows_of_another_store(files: Path, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    curves, watch = tmp_path / "c.sqlite", tmp_path / "w.sqlite"
    code, _, err = run_cli(["curve", str(files / "ref.csv"), "--label", "label", "-m",
                              "sklearn:LogisticRegression(max_iter=300)", "--sizes",
                              "16,32,64,128", "--seeds", "1", "--store", str(curves),
                              "--quiet"], capsys)
    assert code == 0, err
    code, _, err = run_cli(["monitor", "add", str(files / "ref.csv"),
                              str(files / "cur.parquet"), "--name", "w1", "--label", "label",
                              "--no-multivariate", "--store", str(watch)], capsys)
    assert code == 0, err
    code, _, err = run_cli(["report", str(curves), "--out", str(tmp_path / "r")], capsys)
    assert code == 0, err
    assert '<section id="monitor">' not in (tmp_path / "r" / "index.html").read_text()
    code, _, err = run_cli(["report", str(curves), "--monitor", str(watch), "--out",
                              str(tmp_path / "r2")], capsys)
    assert code == 0, err
    page = (tmp_path / "r2" / "index.html").read_text()
    assert '<section id="monitor">' in page and "mean radius" in page
    code, _, err = run_cli(["report", str(curves), "--monitor", str(tmp_path / "no.sqlite"),
                            "--out", str(tmp_path / "r3")], capsys)
    assert code == 2 and "--monitor" in err
