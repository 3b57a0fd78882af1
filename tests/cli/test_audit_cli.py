"""`datacurve audit` and `datacurve clean` on files: summaries, JSON, reports, cleaned
files beside the original (never over it), one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.cli.test_cli import assert_one_line_error, run_cli


@pytest.fixture
def csv(tmp_path: Path) -> Path:
    """A table with 3 classes, one row with a missing value and a hostile label value."""
    rng = np.random.default_rng(0)
    n = 300
    y = rng.integers(0, 3, n)
    df = pd.DataFrame(rng.normal(size=(n, 3)) + y[:, None], columns=["a", "b", "c"])
    df["label"] = np.array(["cat", "dog", "<script>x</script>"])[y]
    df.loc[7, "b"] = np.nan
    path = tmp_path / "data.csv"
    df.to_csv(path, index=False)
    return path


def test_audit_json_summary_and_report_file(csv: Path, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    """--json gives the per-check summary, quality score and worst rows; --out writes the
    full report."""
    out = tmp_path / "report.json"
    code, text, err = run_cli(["audit", str(csv), "--label", "label", "--checks",
                               "missing,class_imbalance", "--out", str(out), "--json"],
                              capsys)
    assert code == 0, err
    payload = json.loads(text)
    assert {s["check"] for s in payload["summary"]} == {"missing", "class_imbalance"}
    assert payload["worst"]["missing"][0]["index"] == 7
    assert 0 < payload["quality_score"] < 1
    saved = json.loads(out.read_text())
    assert saved["checks"]["missing"]["flags"] == [7]


def test_audit_text_output(csv: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, text, err = run_cli(["audit", str(csv), "--label", "label", "--checks", "missing"],
                              capsys)
    assert code == 0, err
    assert "data-quality score" in text and "row 7" in text


def test_clean_writes_beside_the_original_and_never_over_it(
        csv: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """clean --drop missing writes data.clean.csv (one row fewer) and its lineage; the
    original is unchanged; a second run refuses to replace it without --force."""
    before = csv.read_bytes()
    code, text, err = run_cli(["clean", str(csv), "--label", "label", "--drop", "missing",
                               "--json"], capsys)
    assert code == 0, err
    payload = json.loads(text)
    written = Path(payload["written"])
    assert written == csv.with_name("data.clean.csv")
    assert len(pd.read_csv(written)) == 299 and csv.read_bytes() == before
    lineage = json.loads(Path(payload["lineage_file"]).read_text())
    assert lineage["lineage"][0]["dropped"][0]["index"] == 7
    code, _, err = run_cli(["clean", str(csv), "--label", "label", "--drop", "missing"],
                           capsys)
    assert_one_line_error(code, err, "--out", "exists")
    code, _, err = run_cli(["clean", str(csv), "--label", "label", "--drop", "missing",
                            "--force"], capsys)
    assert code == 0, err


def test_clean_refuses_to_write_over_the_source(csv: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(["clean", str(csv), "--label", "label", "--out", str(csv)],
                           capsys)
    assert_one_line_error(code, err, "--out", "never overwritten")


@pytest.mark.parametrize(("args", "needles"), [
    (["--label", "nope"], ["label", "nope"]),
    (["--label", "label", "--group", "site"], ["group", "site"]),
    (["--label", "label", "--checks", "bogus"], ["checks", "bogus"]),
    (["--label", "label", "--out", "r.txt"], ["--out", ".json"]),
])
def test_audit_bad_input_is_one_line(csv: Path, args: list[str], needles: list[str],
                                     capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(["audit", str(csv), *args], capsys)
    assert_one_line_error(code, err, *needles)


def test_clean_with_a_missing_report_is_one_line(csv: Path, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(["clean", str(csv), "--label", "label", "--report",
                            str(tmp_path / "none.json")], capsys)
    assert_one_line_error(code, err, "report", "no such file")


def test_audit_measure_reports_the_gain_of_cleaning(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    """--measure runs raw and cleaned curves on one evaluation set and prints the gain,
    its interval and its worth in samples (planted: 20 % flipped training labels on
    separable classes, a clean test split); --out saves the measurement with the
    report."""
    rng = np.random.default_rng(1)
    n = 600
    y = rng.integers(0, 3, n)
    df = pd.DataFrame(rng.normal(size=(n, 4)) + 3 * y[:, None], columns=list("abcd"))
    split = np.where(np.arange(n) < n // 5, "test", "train")
    flip = rng.choice(np.flatnonzero(split == "train"), size=n // 5, replace=False)
    y[flip] = (y[flip] + 1) % 3
    df["label"] = y
    df["split"] = split
    path = tmp_path / "noisy.csv"
    df.to_csv(path, index=False)
    code, text, err = run_cli(["audit", str(path), "--label", "label", "--split", "split",
                               "--checks", "label", "--measure", "-m",
                               "sklearn:KNeighborsClassifier(n_neighbors=1)",
                               "--seeds", "2", "--store", str(tmp_path / "m.sqlite"),
                               "--out", str(tmp_path / "audit.json"), "--json"], capsys)
    assert code == 0, err
    payload = json.loads(text)
    m = payload["measure"]
    assert m["dropped"] > 50 and m["gain"] > 0.05
    assert m["equivalent_samples"] is None or m["equivalent_samples"] > 0
    assert m["level"] == 0.95 and 0 < m["gain_interval"][0] <= m["gain"]
    assert m["distinguishable"] and "not distinguishable" not in m["summary"]
    assert "measure" not in payload["meta"]  # printed once, at the top
    saved = json.loads((tmp_path / "audit.json").read_text())
    assert saved["meta"]["measure"]["gain_interval"] == m["gain_interval"]
    assert saved["checks"]["label"]["flagged"] >= m["dropped"]


def test_audit_measure_of_a_cleaning_that_changes_nothing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Nothing flagged, nothing dropped: the text says the gain is not distinguishable
    from no gain (no multiplier, no worth), and --out holds the measurement."""
    rng = np.random.default_rng(2)
    n = 300
    y = rng.integers(0, 2, n)
    df = pd.DataFrame(rng.normal(size=(n, 3)) + y[:, None], columns=list("abc"))
    df["label"] = y
    path = tmp_path / "clean.csv"
    df.to_csv(path, index=False)
    out = tmp_path / "audit.json"
    code, text, err = run_cli(["audit", str(path), "--label", "label", "--checks",
                               "class_imbalance", "--measure", "--seeds", "2", "--store",
                               str(tmp_path / "m.sqlite"), "--out", str(out)], capsys)
    assert code == 0, err
    flat = " ".join(text.split())
    assert "0 dropped" in flat and "not distinguishable from no gain" in flat
    assert "worth" not in flat and "x the data" not in flat
    m = json.loads(out.read_text())["meta"]["measure"]
    assert m["dropped"] == 0 and m["gain"] == 0 and not m["distinguishable"]
    assert m["gain_interval"][0] <= 0 <= m["gain_interval"][1]
