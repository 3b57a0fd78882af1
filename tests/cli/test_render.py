"""The CLI's tables at a terminal width of 80: long names are shown in full (folded onto
several lines, never cut with an ellipsis), and an audit check that did not run says
``skipped (why)`` where its score would be."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from rich.console import Console
from rich.table import Table

from datacurve.cli._render import audit_table, curve_table, fit_table, plan_lines
from tests.cli.test_cli import run_cli

LONG = "torch:mypkg.models.make_very_long_network_name(width=512, depth=12, dropout=0.25)"
"""A model name of 81 characters (the example of issue 15)."""
OTHER = LONG.replace("512", "256")
SEPARATORS = "│┃"


def render(table: Table | str, width: int = 80) -> str:
    """What a terminal of `width` columns shows."""
    console = Console(width=width, record=True, highlight=False)
    console.print(table)
    return console.export_text()


def columns(text: str) -> list[str]:
    """Each table column's text, its lines joined and all whitespace removed (rows of
    box-drawing rules skipped)."""
    cells: list[list[str]] = []
    for line in text.splitlines():
        parts = re.split(f"[{SEPARATORS}]", line)
        if len(parts) < 3:
            continue
        parts = parts[1:-1]
        while len(cells) < len(parts):
            cells.append([])
        for i, part in enumerate(parts):
            cells[i].append(part)
    return [re.sub(r"\s+", "", "".join(c)) for c in cells]


def squash(s: str) -> str:
    return re.sub(r"\s+", "", s)


def assert_whole(name: str, text: str) -> None:
    """`name` appears in full in one column (whitespace aside) and nothing is cut."""
    assert "…" not in text, text
    assert any(squash(name) in col for col in columns(text)), text


def summary_rows(models: list[str]) -> pd.DataFrame:
    return pd.DataFrame([{"model": m, "n": n, "params": 12_345_678, "seeds": 2,
                          "val_mean": 0.8, "val_std": 0.01, "train_mean": 0.9,
                          "fit_time": 1.0, "metric": "accuracy", "failed": 0}
                         for m in models for n in (16, 32, 64)])


@pytest.mark.parametrize("models", [[LONG], [LONG, "mlp:width=16", OTHER],
                                    [LONG.replace("512", str(w)) for w in range(6)]])
def test_results_table_shows_long_names_whole(models: list[str]) -> None:
    """`datacurve results` / `curve` / `demo`: each model's column header holds its whole
    name, one, three or six models across 80 columns."""
    assert len(LONG) >= 80
    text = render(curve_table(summary_rows(models), "Results"))
    assert max(len(line) for line in text.splitlines()) <= 80
    for m in models:
        assert_whole(m, text)


def test_fit_table_shows_long_names_whole() -> None:
    rows = [{"model": m, "method": "blend", "family": "pow3", "asymptote": 0.95,
             "predictions": [{"n": n, "predicted": 0.9, "interval": [0.85, 0.93]}
                             for n in (100, 200, 400)]} for m in (LONG, "mlp", OTHER)]
    text = render(fit_table(rows, "accuracy", "Fitted learning curves"))
    assert_whole(LONG, text)
    assert_whole(OTHER, text)


def test_plan_lines_show_long_names_whole() -> None:
    p = {"model": LONG, "metric": "accuracy", "predicted_now": 0.9, "have": 1000,
         "target": 0.95, "reachable": True, "samples_interval": [3000, None],
         "samples_needed": 5000, "level": 0.8, "additional": 4000, "at": None,
         "train_seconds": None, "cost": None, "budget": None, "rounds": [], "notes": []}
    text = "".join(render(line) for line in plan_lines(p))
    assert "…" not in text and squash(LONG) in squash(text)


def test_audit_table_folds_names_and_says_skipped_why() -> None:
    """A check that ran shows its score; one that did not shows "skipped (reason)" in the
    score column, with "–" for flagged and share; long check names are folded, not cut."""
    long_check = "near_duplicate_of_a_plugin_with_a_really_long_registered_name"
    reason = "no embeddings for text columns"
    summary = [
        {"check": "label", "flagged": 3, "share": 0.01, "summary_score": 0.981,
         "seconds": 0.1, "skipped": None},
        {"check": long_check, "flagged": 0, "share": 0.0, "summary_score": 1.0,
         "seconds": 0.0, "skipped": reason},
        {"check": "leakage", "flagged": 0, "share": 0.0, "summary_score": 1.0,
         "seconds": None, "skipped": float("nan")},   # NaN from a DataFrame: it ran
    ]
    text = render(audit_table(summary, "Audit"))
    assert "…" not in text
    check, flagged, share, score, _ = columns(text)
    assert squash(long_check) in check
    assert "0.981" in score and squash(f"skipped ({reason})") in score
    assert score.count("skipped") == 1 and "1.000" in score       # leakage ran: a score
    assert flagged.count("–") == 1 and share.count("–") == 1


def test_cli_audit_and_report_say_why_a_check_was_skipped(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`datacurve audit` on a table without a split column: the leakage check cannot run,
    and the printed table says "skipped (<its reason>)" in its row."""
    from datacurve.auditing import load_report

    rng = np.random.default_rng(0)
    df = pd.DataFrame({"a": rng.normal(size=120), "b": rng.normal(size=120),
                       "y": rng.integers(0, 2, 120)})
    path = tmp_path / "t.csv"
    df.to_csv(path, index=False)
    out_json = tmp_path / "audit.json"
    code, out, err = run_cli(["audit", str(path), "--label", "y", "--checks",
                              "exact_duplicate,leakage", "--out", str(out_json)], capsys)
    assert code == 0, err
    reason = load_report(out_json).results["leakage"].skipped
    assert reason and "split" in reason
    cols = columns(out)
    assert squash(f"skipped ({reason})") in cols[3], out
    assert "skipped" not in cols[4]                        # nothing after the score
