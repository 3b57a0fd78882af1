"""`datacurve demo` end to end on tiny settings: it measures, prints the learning curves,
the extrapolations and a diagnosis, and writes the HTML report.

The demo's own path (run_curve, analyze, render_report, write_report, the printing) on a
small built-in and two small models (``--data``, ``--model``, ``--seeds 1 -j 1``), run
in-process.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from datacurve.cli._app import main

TINY_DATA = "synthetic:n=240,classes=2,features=4,seed=0"
TINY_MODELS = ("sklearn:LogisticRegression(max_iter=200)",
               "sklearn:DecisionTreeClassifier(max_depth=3)")
"""Two scikit-learn models: a 16-unit MLP took 8 s of the test's 11 s (200 ms a trial)."""


def test_demo_runs_end_to_end_on_tiny_settings(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    """Exit 0; stdout has the learning-curve table, each model's extrapolation and its
    diagnosis (the bold "Diagnosis" heading, then "<model>: bottleneck ..."); the report
    is written to --report-dir/index.html and names every model. Run again, every trial is
    reused from the store (README: "Run again, it reuses every trial")."""
    store, report = tmp_path / "demo.sqlite", tmp_path / "demo-report"
    args = ["demo", "--store", str(store), "--report-dir", str(report), "--seeds", "1",
            "--jobs", "1", "--data", TINY_DATA]
    for model in TINY_MODELS:
        args += ["--model", model]
    code = main(args)
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "Learning curves" in out
    assert "Diagnosis" in out and "(datacurve diagnose)" in out
    for model in TINY_MODELS:
        assert f"{model}: bottleneck " in out, out
        assert f"{model}: with " in out and "with unlimited data" in out
    index = report / "index.html"
    assert index.is_file() and f"report: {index}" in out.replace("\n", "")
    page = index.read_text()
    assert page.startswith("<!DOCTYPE html>") or page.lstrip().lower().startswith("<!doctype")
    assert "Diagnosis" in page and all(m.split("(")[0] in page for m in TINY_MODELS)
    assert store.is_file()

    code = main([*args, "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    payload = json.loads(out)
    assert payload["ran"] == 0 and payload["failed"] == 0 and payload["cached"] > 0
    assert payload["report"] == str(index) and index.is_file()
    assert {d["model"] for d in payload["diagnoses"]} == set(TINY_MODELS)
    assert all(d["bottleneck"] for d in payload["diagnoses"])
