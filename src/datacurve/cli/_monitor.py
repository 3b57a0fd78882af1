"""`datacurve drift` and `datacurve monitor ...`: drift checks and the monitoring history.

Registered on the `app` of `datacurve.cli._app` (imported at its end). Parsing and printing
only: the tests live in `datacurve.monitor`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from datacurve._errors import InputError
from datacurve.cli._app import _check_output, app
from datacurve.cli._render import (
    drift_lines,
    drift_table,
    monitor_history_table,
    monitor_status_lines,
    out_console,
    plan_lines,
    print_json,
    progress_bar,
    records,
)
from datacurve.curves import DEFAULT_STORE

if TYPE_CHECKING:
    from datacurve.monitor import DriftReport

__all__ = ["drift_cmd", "monitor_app"]

_Ref = Annotated[str, typer.Argument(help="Reference data: a table file (CSV, TSV, JSONL, "
                                     "Parquet — read a column at a time).")]
_Cur = Annotated[str, typer.Argument(help="Current window, with the reference's columns.")]
_Label = Annotated[str | None, typer.Option(help="Label column (not compared as a feature; "
                                            "tests the label proportions when the "
                                            "current window has labels).")]
_Feature = Annotated[list[str] | None, typer.Option(
    "--feature", "-f", help="Compare only these columns. Repeatable.")]
_Model = Annotated[str | None, typer.Option(
    "--model", "-m", help="Learner spec trained on half the reference (needs --label) "
                          "whose predicted probabilities are compared too (black-box "
                          "shift detection, and BBSE's estimate of the labels).")]
_Text = Annotated[list[str] | None, typer.Option(
    "--text-column", help="Free-text column compared through MiniLM embeddings (MMD). "
                          "Repeatable.")]
_Test = Annotated[str, typer.Option(help="Numeric columns' test: cvm (Cramér–von Mises), "
                                    "ks or ad.")]
_Correction = Annotated[str, typer.Option(help="Multiple-testing correction over every "
                                          "test: bh (Benjamini–Hochberg) or bonferroni.")]
_Alpha = Annotated[float, typer.Option(help="Level of the corrected p-values.")]
_MinEffect = Annotated[float, typer.Option(help="Smallest effect (Wasserstein in sd, or "
                                           "Jensen–Shannon) a column needs to count as "
                                           "drifted.")]
_Multi = Annotated[bool, typer.Option("--multivariate/--no-multivariate",
                                      help="MMD and classifier tests on the whole table.")]
_Seed = Annotated[int, typer.Option(help="Seed of the row samples and the classifier.")]
_Json = Annotated[bool, typer.Option("--json", help="Print JSON.")]
_Store = Annotated[Path, typer.Option(help="The datacurve store keeping the windows "
                                      "(SQLite; the report reads them).")]


def _drift(reference: str, current: str, label: str | None, feature: list[str] | None,
           model: str | None, text_column: list[str] | None, test: str, correction: str,
           alpha: float, min_effect: float, multivariate: bool, seed: int) -> DriftReport:
    from datacurve.monitor import drift

    return drift(reference, current, features=feature or None, label=label, model=model,
                 text_columns=text_column or (), test=test, correction=correction,
                 alpha=alpha, min_effect=min_effect, multivariate=multivariate, seed=seed)


def _write_rows(report: DriftReport, current: str, out: Path, top: int) -> int:
    """The current rows most unlike the reference, with their score, to `out`."""
    from datacurve.data import read_table

    rows = report.drifted_rows(top)
    if not len(rows):
        raise InputError("drifted_rows", "a classifier test to rank rows by "
                         "(--multivariate)", "--no-multivariate")
    scores = dict(zip(report.row_index.tolist(), report.row_scores.tolist(),  # type: ignore[union-attr]
                      strict=True))
    frame = read_table(Path(current)).iloc[rows].copy()
    frame.insert(0, "drift_score", [scores[int(r)] for r in rows])
    frame.insert(0, "row", rows)
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() == ".parquet":
        frame.to_parquet(out, index=False)
    else:
        frame.to_csv(out, index=False)
    return len(frame)


def _check_rows_out(out: Path | None) -> None:
    if out is None:
        return
    if out.suffix.lower() not in (".csv", ".parquet"):
        raise InputError("drifted_rows", "a file name ending in .csv or .parquet", f"'{out}'")
    if out.exists():
        raise InputError("drifted_rows", "a new file (never overwritten)",
                         f"'{out}' (exists)")
    _check_output(out, "drifted_rows")


def _print_report(d: dict[str, Any], title: str) -> None:
    out_console.print(drift_table(d, title))
    for line in drift_lines(d):
        out_console.print(line)


@app.command("drift")
def drift_cmd(
    reference: _Ref,
    current: _Cur,
    label: _Label = None,
    feature: _Feature = None,
    model: _Model = None,
    text_column: _Text = None,
    test: _Test = "cvm",
    correction: _Correction = "bh",
    alpha: _Alpha = 0.05,
    min_effect: _MinEffect = 0.0,
    multivariate: _Multi = True,
    drifted_rows: Annotated[Path | None, typer.Option(
        help="Write the current rows most unlike the reference (classifier-test score) "
             "to this .csv/.parquet — for `datacurve audit` or `datacurve active init`.")]
    = None,
    top: Annotated[int, typer.Option(help="Rows written by --drifted-rows.")] = 100,
    seed: _Seed = 0,
    json_out: _Json = False,
) -> None:
    """Has CURRENT moved away from REFERENCE? Per column, jointly, through a model's
    outputs and the labels; the tests corrected within each group (inputs, outputs,
    labels), the groups sharing --alpha."""
    _check_rows_out(drifted_rows)
    if top < 1:
        raise InputError("top", "a positive number of rows", repr(top))
    report = _drift(reference, current, label, feature, model, text_column, test,
                    correction, alpha, min_effect, multivariate, seed)
    written = _write_rows(report, current, drifted_rows, top) if drifted_rows else 0
    d = report.to_dict()
    if json_out:
        print_json(d | {"drifted_rows_file": str(drifted_rows) if drifted_rows else None})
        return
    _print_report(d, f"{escape(reference)} → {escape(current)}")
    if drifted_rows:
        out_console.print(f"{written:,} most drifted rows written to "
                          f"{escape(str(drifted_rows))} (audit them, or label them: "
                          f"datacurve active init {escape(str(drifted_rows))} --label ...)")


monitor_app = typer.Typer(help="Monitoring: drift of production windows against the "
                                "reference, kept in the store.", no_args_is_help=True)
app.add_typer(monitor_app, name="monitor")


@monitor_app.command("add")
def monitor_add_cmd(
    reference: _Ref,
    current: _Cur,
    name: Annotated[str, typer.Option(help="The window's name (e.g. 2026-12-01).")],
    label: _Label = None,
    feature: _Feature = None,
    model: _Model = None,
    text_column: _Text = None,
    test: _Test = "cvm",
    correction: _Correction = "bh",
    alpha: _Alpha = 0.05,
    min_effect: _MinEffect = 0.0,
    multivariate: _Multi = True,
    replace: Annotated[bool, typer.Option("--replace", help="Replace a window of the same "
                                          "name.")] = False,
    seed: _Seed = 0,
    store: _Store = DEFAULT_STORE,
    json_out: _Json = False,
) -> None:
    """Check the window CURRENT against REFERENCE and record the report as --name."""
    from datacurve.monitor import add_window

    _check_output(store, "store")
    report = _drift(reference, current, label, feature, model, text_column, test,
                    correction, alpha, min_effect, multivariate, seed)
    w = add_window(store, name, report, replace=replace)
    d = report.to_dict()
    if json_out:
        print_json({"window": w.name, "added": w.added, "store": str(store)} | d)
        return
    _print_report(d, f"window {escape(w.name)}: {escape(current)}")
    out_console.print(f"recorded as window '{escape(w.name)}' in {escape(str(store))}")


@monitor_app.command("status")
def monitor_status_cmd(
    recent: Annotated[int, typer.Option(help="Windows counted for columns that keep "
                                        "drifting.")] = 5,
    store: _Store = DEFAULT_STORE,
    json_out: _Json = False,
) -> None:
    """The latest window's verdict, the windows that drifted, the columns that keep
    drifting."""
    from datacurve.monitor import history, monitor_status, windows

    ws = windows(store)
    status = monitor_status(recent=recent, source=ws)
    if json_out:
        print_json(status.to_dict())
        return
    for line in monitor_status_lines(status.to_dict(), history(source=ws)):
        out_console.print(line)


@monitor_app.command("history")
def monitor_history_cmd(
    feature: _Feature = None,
    store: _Store = DEFAULT_STORE,
    json_out: _Json = False,
) -> None:
    """Every window × test: corrected p-value, effect and verdict (--feature to follow
    some columns)."""
    from datacurve.monitor import history

    h = history(store)
    if feature:
        h = h[(h["family"] == "overall") | h["name"].isin(feature)]
    if json_out:
        print_json(records(h))
        return
    out_console.print(monitor_history_table(records(h),
                                            f"monitoring history · {escape(str(store))}"))


@monitor_app.command("recover")
def monitor_recover_cmd(
    current: _Cur,
    label: Annotated[str, typer.Option(help="Label column of the current window.")],
    model: Annotated[str, typer.Option("--model", "-m", help="Learner spec.")],
    target: Annotated[float | None, typer.Option(help="Score to recover (default: measured "
                                                 "on --reference).")] = None,
    reference: Annotated[str | None, typer.Option(help="Reference data, to measure the "
                                                  "score to recover.")] = None,
    seeds: Annotated[int, typer.Option(help="Seeds of the current window's curve.")] = 2,
    jobs: Annotated[int, typer.Option(help="Parallel trials.")] = 1,
    store: _Store = DEFAULT_STORE,
    quiet: Annotated[bool, typer.Option(help="No progress bar.")] = False,
    json_out: _Json = False,
) -> None:
    """With labels for the drifted window: how many of its samples bring the model back
    to the reference score (its learning curve on the current data)."""
    from datacurve.monitor import recovery

    _check_output(store, "store")
    with progress_bar(not (json_out or quiet), "recovery") as cb:
        r = recovery(current, label=label, model=model, target=target, reference=reference,
                     seeds=seeds, store=store, jobs=jobs, progress=cb)
    if json_out:
        print_json(r.to_dict())
        return
    out_console.print(escape(r.sentence))
    for line in plan_lines(r.plan.to_dict()):
        out_console.print(line)
