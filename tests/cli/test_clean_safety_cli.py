"""`datacurve clean` never writes to the data it cleans (through a link or otherwise) and
cleans compressed tables; `datacurve audit` records its command as an argument list."""

from __future__ import annotations

import html
import json
import os
import shlex
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from datacurve.auditing import load_report
from tests.cli.test_cli import assert_one_line_error, run_cli
from tests.conftest import scripted_dataset, scripted_spec


def table(path: Path) -> Path:
    """A 3-class table with a missing value in row 7, written to `path` (its ending picks
    the compression)."""
    rng = np.random.default_rng(0)
    n = 120
    y = rng.integers(0, 3, n)
    df = pd.DataFrame(rng.normal(size=(n, 3)) + y[:, None], columns=["a", "b", "c"])
    df["label"] = np.array(["cat", "dog", "eel"])[y]
    df.loc[7, "b"] = np.nan
    path.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(path, index=False)
    return path


def test_clean_writes_a_compressed_table_compressed(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    data = table(tmp_path / "data.csv.gz")
    before = data.read_bytes()
    code, out, err = run_cli(["clean", str(data), "--label", "label", "--drop", "missing",
                              "--json"], capsys)
    assert code == 0, err
    payload = json.loads(out)
    written = Path(payload["written"])
    assert written == tmp_path / "data.clean.csv.gz"
    assert written.read_bytes()[:2] == b"\x1f\x8b"  # gzip
    assert len(pd.read_csv(written)) == 119 and data.read_bytes() == before
    assert Path(payload["lineage_file"]).name == "data.clean.csv.gz.lineage.json"


def test_clean_force_never_writes_through_a_link_to_the_source(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The incident: a lineage file symlinked to the original, then `clean --force`; and
    an --out hard-linked to it. Both are one-line errors naming --out; the original keeps
    its bytes."""
    data = table(tmp_path / "data.csv")
    before = data.read_bytes()
    (tmp_path / "data.clean.csv.lineage.json").symlink_to(data)
    code, _, err = run_cli(["clean", str(data), "--label", "label", "--drop", "missing",
                            "--force"], capsys)
    assert_one_line_error(code, err, "--out", "never overwritten", "link")
    assert data.read_bytes() == before and not (tmp_path / "data.clean.csv").exists()

    os.link(data, tmp_path / "hard.csv")
    code, _, err = run_cli(["clean", str(data), "--label", "label", "--drop", "missing",
                            "--out", str(tmp_path / "hard.csv"), "--force"], capsys)
    assert_one_line_error(code, err, "--out", "never overwritten")
    assert data.read_bytes() == before


def test_audit_records_its_command_as_arguments(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """A path with spaces stays one argument in the saved report, and the HTML report
    shows the command quoted for a shell."""
    from datacurve.curves import run_curve
    from datacurve.report import build_report

    data = table(tmp_path / "my data" / "the table.csv")
    report = tmp_path / "audit report.json"
    argv = ["/somewhere/bin/datacurve", "audit", str(data), "--label", "label", "--checks",
            "missing", "--out", str(report)]
    monkeypatch.setattr(sys, "argv", argv)
    code, _, err = run_cli(argv[1:], capsys)
    assert code == 0, err
    command = ["datacurve", *argv[1:]]
    assert json.loads(report.read_text())["meta"]["command"] == command
    assert load_report(report).meta["command"] == command

    store = tmp_path / "s.sqlite"
    run_curve(scripted_dataset(300), scripted_spec(asymptote=0.9, params=100), seeds=2,
              sizes=[32, 64, 128], store=store, progress=False, eval_folds=1)
    page = build_report(store, audit=report)
    shown = shlex.join(command)
    assert shlex.split(shown) == command
    assert html.escape(shown, quote=True) in page
