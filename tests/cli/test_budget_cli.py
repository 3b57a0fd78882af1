"""`datacurve curve --budget`: the run's spending in text and JSON, and the compute behind
the answer the same in `plan` (text, JSON) and the report."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tests.cli.test_cli import run_cli
from tests.conftest import scripted_dataset, scripted_spec


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    ds = scripted_dataset(5000)
    path = tmp_path_factory.mktemp("budget") / "d.npz"
    np.savez(path, X=ds.X, y=ds.y)
    return path


def test_budgeted_curve_then_plan_and_report_agree(data: Path, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]
                                                   ) -> None:
    store = tmp_path / "s.sqlite"
    spec = scripted_spec(sleep_per_sample=2e-4)
    args = ["curve", str(data), "--model", spec, "--seeds", "2", "--eval-folds", "1",
            "--budget", "30%", "--store", str(store), "--quiet"]
    code, out, err = run_cli([*args, "--json"], capsys)
    assert code == 0, err
    d = json.loads(out)
    b = d["budget"]
    assert b["budget"]["share"] == pytest.approx(0.3)
    assert b["share_spent"] <= 0.3 * 1.3
    assert len(d["results"]) < d["plan"]["trials"]
    # Rerun in text: nothing new to train, the same stop reason printed.
    code, text, err = run_cli(args, capsys)
    assert code == 0, err
    flat = " ".join(text.split())
    assert "0 trials trained" in flat and f"stopped: {b['stop']}" in flat
    assert "budget 30% of one full training run" in flat

    code, out, err = run_cli(["plan", "--store", str(store), "--target", "0.85", "--json"],
                             capsys)
    assert code == 0, err
    c = json.loads(out)["plans"][0]["compute"]
    spent = sum(r["fit_time"] for r in d["results"])
    assert c["spent_seconds"] == pytest.approx(spent, rel=1e-4)  # JSON rounds to 1 µs
    assert c["full_n"] == 4000  # the pool: 5,000 rows less the 20 % evaluation set
    share = f"{c['share']:,.0%}"
    code, text, err = run_cli(["plan", "--store", str(store), "--target", "0.85"], capsys)
    assert code == 0, err
    assert f"measured with {share} of one full training run" in " ".join(text.split())
    report = tmp_path / "report"
    code, _, err = run_cli(["report", "--store", str(store), "--target", "0.85", "--out",
                            str(report)], capsys)
    assert code == 0, err
    html = (report / "index.html").read_text()
    assert "share of one full training run" in html and f"{share} (" in html
