"""The `datacurve` command. It parses arguments, calls the rooms and prints; the logic
lives in the rooms."""

from __future__ import annotations

import ast
import dataclasses
import math
import os
import re
import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from typer.exceptions import TyperException

from datacurve._errors import DatacurveError, InputError
from datacurve._version import __version__
from datacurve.cli._render import (
    active_lines,
    allocation_line,
    audit_table,
    curve_table,
    diagnosis_text,
    err_console,
    fit_table,
    loop_next_lines,
    loop_status_lines,
    out_console,
    plan_lines,
    print_json,
    progress_bar,
    records,
    search_lines,
    search_table,
    strategy_line,
    strategy_table,
    target_lines,
    worst_lines,
)
from datacurve.curves import DEFAULT_STORE

if TYPE_CHECKING:
    import pandas as pd

    from datacurve.analysis import Analysis, SweepAnalysis
    from datacurve.curves import CurveRun
    from datacurve.results import Results

__all__ = ["CLI_NAMES", "DEMO_DATA", "DEMO_MODELS", "app", "cli_error", "main"]

app = typer.Typer(
    name="datacurve",
    help="How much data does your model need? Measure learning curves on your data.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

DEMO_DATA = "mnist1d:n=10000"
"""The demo's built-in dataset: MNIST-1D generated locally."""
DEMO_MODELS = ("cnn:width=4", "cnn:width=32", "mlp:width=128,depth=2")
"""The demo's models: a small CNN, a larger CNN and an MLP."""


def _parse_sizes(text: str | None) -> list[int] | None:
    if text is None:
        return None
    try:
        return [int(s) for s in text.replace(" ", "").split(",") if s]
    except ValueError:
        raise InputError("sizes", "comma-separated integers such as 16,64,256",
                         repr(text)) from None


def check_store(store: Path) -> None:
    """Refuse (naming ``--store``) a store path that cannot be one, before anything is
    written: folders that are files, or an existing file that is not a datacurve
    store."""
    from datacurve.curves import open_store

    _check_output(store, "store")
    if store.exists():
        open_store(store, readonly=True).close()


def _check_output(path: Path, flag: str) -> None:
    """Refuse, before any work, an output path that cannot be written: a folder on its
    way is a file, or the nearest existing folder is not writable."""
    path = Path(path)
    for parent in path.parents:
        if not parent.exists():
            continue
        if not parent.is_dir():
            raise InputError(flag, "a path whose folders are folders",
                             f"'{path}' ('{parent}' is a file)")
        if not os.access(parent, os.W_OK | os.X_OK):
            raise InputError(flag, "a path in a folder you can write to",
                             f"'{path}' ('{parent}' is not writable)")
        return


def _check_counts(*, seeds: int | None = None, jobs: int | None = None) -> None:
    """Refuse, before any work, a number of seeds below 1 and a number of worker
    processes that is neither positive nor -1 (one per core)."""
    if seeds is not None and seeds < 1:
        raise InputError("seeds", "a positive number of seeds", str(seeds))
    if jobs is not None and (jobs == 0 or jobs < -1):
        raise InputError("jobs", "a positive number of worker processes (or -1: one per "
                         "core)", str(jobs))


def _eval_size(eval_size: float) -> float | int:
    """--eval-size as the runner takes it: a fraction in (0, 1) or a number of rows."""
    if eval_size == 1.0:
        raise InputError("eval_size", "a fraction in (0, 1) such as 0.2, or a number of "
                         "rows (2 or more)", "1.0 (one row, or every row: neither leaves "
                         "a usable split)")
    if eval_size >= 1 and float(eval_size).is_integer():
        return int(eval_size)
    return eval_size


def _load(data: str, label: str | None, text_column: str | None, group: str | None,
          split: str | None, task: str | None, lazy: bool = False) -> Any:
    from datacurve.data import load_data

    extra = {"lazy": True} if lazy else {}
    return load_data(data, label=label, text_column=text_column, group=group, split=split,
                     task=task, **extra)


def _run_payload(run: CurveRun) -> dict[str, Any]:
    return {
        "plan": run.design.describe(),
        "store": str(run.store_path),
        "ran": run.ran,
        "cached": run.cached,
        "failed": run.failed,
        "seconds": round(run.seconds, 3),
        "summary": records(run.summary()),
        "results": records(run.results),
        "budget": None if run.budget is None else run.budget.to_dict(),
    }


def _print_run(run: CurveRun, title: str) -> None:
    summary = run.summary()
    out_console.print(curve_table(summary, title))
    note = (f"{run.ran} trials trained, {run.cached} reused from the store, "
            f"{run.failed} failed, in {run.seconds:.1f} s · store: "
            f"{escape(str(run.store_path))}")
    out_console.print(note)
    if run.budget is not None:
        out_console.print(escape(run.budget.describe()))
        for name, why in run.budget.dropped.items():
            out_console.print(f"dropped {escape(name)}: {escape(why)}")
    failures = run.describe_failures()
    if failures:
        out_console.print(f"[red]{escape(failures)}[/]  (see `datacurve results --all`)")


def _importable_cwd(specs: list[str], allowed: list[str] | None = None) -> None:
    """Let import-path specs (``mypkg.models:make_net``) name the user's own modules.

    The modules given to ``--allow-module`` may provide factory functions
    (`datacurve.models.allow_modules`, which sets the environment variable that worker
    processes inherit). A module a spec names that cannot be imported otherwise is
    looked for in the working directory: the directory is then *appended* to
    ``sys.path``, after the standard library and the installed packages, so a file there
    never shadows them. When every named module is found (or none is named, as for
    ``sklearn:`` and built-in specs) ``sys.path`` is left alone.
    """
    import importlib.machinery
    import importlib.util

    from datacurve.models import allow_modules, spec_module

    if allowed:
        allow_modules(*allowed)
    cwd = str(Path.cwd())
    for spec in specs:
        module = spec_module(spec)
        if module is None or cwd in sys.path:
            continue
        top = module.split(".")[0]
        try:
            found = importlib.util.find_spec(top) is not None
        except (ImportError, ValueError):
            found = False
        if not found and importlib.machinery.PathFinder.find_spec(top, [cwd]) is not None:
            sys.path.append(cwd)


def _parse_sweep(items: list[str] | None) -> dict[str, list[Any]] | None:
    """``["width=16,64", "depth=2,3"]`` → ``{"width": [16, 64], "depth": [2, 3]}``."""
    if not items:
        return None
    out: dict[str, list[Any]] = {}
    for item in items:
        key, sep, values = item.partition("=")
        key = key.strip()
        if not sep or not key.isidentifier() or not values.strip():
            raise InputError("sweep", "name=value,value,... such as width=16,64,256",
                             repr(item))
        parsed = []
        for v in values.split(","):
            try:
                parsed.append(ast.literal_eval(v.strip()))
            except (ValueError, SyntaxError):
                parsed.append(v.strip())
        out[key] = parsed
    return out


@app.command()
def curve(
    data: Annotated[str, typer.Argument(help="A file (CSV, Parquet, JSONL, NPZ), an image "
                                        "folder, or a built-in: digits, mnist1d[:n=N], "
                                        "synthetic[:n=N,classes=K,noise=R,imbalance=I], "
                                        "topics[:n=N] (generated text).")],
    model: Annotated[list[str], typer.Option("--model", "-m", help="Learner spec, e.g. "
                                             "cnn:width=16, mlp:width=256,depth=2, "
                                             "sklearn:LogisticRegression(C=0.5). Repeatable.")],
    label: Annotated[str | None, typer.Option(help="Label column of a table.")] = None,
    seeds: Annotated[int, typer.Option(help="Seeds (nested subsets) per size.")] = 3,
    jobs: Annotated[int, typer.Option("--jobs", "-j", help="Worker processes "
                                      "(-1: all cores).")] = 1,
    store: Annotated[Path, typer.Option(help="Results store (SQLite).")] = DEFAULT_STORE,
    sizes: Annotated[str | None, typer.Option(help="Training sizes, e.g. 16,64,256 "
                                              "(default: 16·2^(k/2) up to the pool).")] = None,
    max_size: Annotated[int | None, typer.Option(help="Largest default size.")] = None,
    metric: Annotated[str | None, typer.Option(help="accuracy, error, log_loss, "
                                               "balanced_accuracy, macro_f1, roc_auc; "
                                               "rmse, mae, r2.")] = None,
    eval_size: Annotated[float, typer.Option(help="Held-out evaluation set when there is "
                                             "no split column: a fraction (0.2) or a "
                                             "number of rows (500).")] = 0.2,
    eval_folds: Annotated[int | None, typer.Option(help="Repeat the evaluation over K "
                                                   "stratified folds of the data (K× the "
                                                   "trials). Default: 5 when the single "
                                                   "evaluation set would hold ≤ 1,000 rows "
                                                   "and no split column marks test rows, "
                                                   "else 1.")] = None,
    sweep: Annotated[list[str] | None, typer.Option(help="Model-size sweep applied to "
                                                    "every model, e.g. width=16,64,256. "
                                                    "Repeatable.")] = None,
    text_column: Annotated[str | None, typer.Option(help="Text column (TF-IDF).")] = None,
    group: Annotated[str | None, typer.Option(help="Group column.")] = None,
    split: Annotated[str | None, typer.Option(help="Split column; rows marked 'test' "
                                              "form the evaluation set.")] = None,
    task: Annotated[str | None, typer.Option(help="classification or regression "
                                             "(default: inferred).")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    quiet: Annotated[bool, typer.Option(help="No progress bar.")] = False,
    retry_failed: Annotated[bool, typer.Option(help="Rerun trials that failed before.")]
    = True,
    allow_module: Annotated[list[str] | None, typer.Option(
        help="Let --model specs call factory functions from this module or package (and "
             "its submodules), e.g. mypkg; learner classes need no permission, the "
             "standard library is never allowed. Repeatable.")] = None,
    executor: Annotated[str, typer.Option(help="local (worker processes) or ray (each "
                                          "trial a Ray task; pip install "
                                          "'datacurve[ray]').")] = "local",
    address: Annotated[str | None, typer.Option(help="--executor ray: a running cluster "
                                                "('auto' or HOST:PORT); default a local "
                                                "Ray instance with --jobs CPUs.")] = None,
    gpus_per_trial: Annotated[float, typer.Option(help="--executor ray: GPUs each trial "
                                                  "declares.")] = 0.0,
    budget: Annotated[str | None, typer.Option(help="Measure with this share of one "
                                               "full-data training run per model, e.g. "
                                               "15% (the trials that narrow the answer "
                                               "most per second first).")] = None,
    budget_seconds: Annotated[float | None, typer.Option(help="The budget in training "
                                                         "seconds instead.")] = None,
    until_width: Annotated[float | None, typer.Option(help="Stop once the answer's 80 % "
                                                      "interval is this narrow: a ratio "
                                                      "with --target (1.5), else the "
                                                      "score's width at the full pool "
                                                      "(0.02).")] = None,
    target: Annotated[float | None, typer.Option(help="With a budget: narrow the samples "
                                                 "needed for this score (default: the "
                                                 "score at the full pool).")] = None,
    lazy: Annotated[bool, typer.Option(help="Image folders: decode each image when a "
                                       "trial uses it (never the whole folder at "
                                       "once).")] = False,
) -> None:
    """Measure learning curves: train each model on nested subsets of DATA."""
    from datacurve.curves import parse_budget, run_curve

    _check_output(store, "store")
    share = None if budget is None else parse_budget(budget)
    size = _eval_size(eval_size)
    _check_counts(jobs=jobs)
    dataset = _load(data, label, text_column, group, split, task, lazy)
    _importable_cwd(model, allow_module)
    with progress_bar(not (json_out or quiet), f"{dataset.name}") as cb:
        run = run_curve(dataset, model, seeds=seeds, sizes=_parse_sizes(sizes),
                        max_size=max_size, eval_size=size, store=store,
                        jobs=jobs, metric=metric, retry_failed=retry_failed, progress=cb,
                        sweep=_parse_sweep(sweep), eval_folds=eval_folds,
                        executor=executor, address=address,
                        gpus_per_trial=gpus_per_trial, budget=share,
                        budget_seconds=budget_seconds, until_width=until_width,
                        target=target)
    if json_out:
        print_json(_run_payload(run))
    else:
        _print_run(run, f"Learning curves · {dataset.name} · {dataset.fingerprint}")
        if run.design.eval_folds > 1:
            plan = run.design.describe()
            cost = (f"{len(run.results)} of the design's {plan['cost']}"
                    if run.budget is not None else plan["cost"])
            out_console.print(f"evaluation: {escape(plan['evaluation']['how'])}; "
                              f"{escape(cost)} (--eval-folds 1: one evaluation set)")
    # The curve is incomplete while trials of it failed: exit 1, or 3 when none worked.
    failed = int((run.results["status"] != "ok").sum())
    if failed:
        total = len(run.results)
        how = ("run the same command again to retry them" if retry_failed
               else "run without --no-retry-failed to retry them")
        sys.stderr.write(f"datacurve: {failed} of {total} trials failed; {how} "
                         "(`datacurve results --all` shows why)\n")
        raise typer.Exit(3 if failed == total else 1)


@app.command()
def results(
    store: Annotated[Path, typer.Option(help="Results store (SQLite).")] = DEFAULT_STORE,
    dataset: Annotated[str | None, typer.Option(help="Dataset name or fingerprint.")] = None,
    model: Annotated[list[str] | None, typer.Option("--model", "-m",
                                                    help="Only these models.")] = None,
    metric: Annotated[str | None, typer.Option(help="Metric of train_score/val_score.")] = None,
    out: Annotated[Path | None, typer.Option(help="Export to .csv or .parquet.")] = None,
    all_trials: Annotated[bool, typer.Option("--all", help="Include failed trials.")] = False,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List or export what a store holds (one row per trial)."""
    from datacurve.curves import Store, summarize

    if out is not None:
        _check_export(out)

    if not store.exists():
        raise InputError("store", "an existing datacurve store", f"'{store}' (no such file)")
    models = None
    if model:
        from datacurve.models import parse_spec  # imports scikit-learn: only when asked

        models = [parse_spec(m).canonical for m in model]
    with Store(store, readonly=True) as st:
        table = st.results(metric=metric, dataset=dataset, models=models,
                           include_failed=all_trials)
        names = st.datasets()
    if out is not None:
        _export(table, out)
    if json_out:
        print_json({"store": str(store), "trials": len(table),
                    "datasets": records(names.drop(columns=["summary"])),
                    "results": records(table)})
        return
    if out is not None:
        out_console.print(f"wrote {len(table)} trials to {escape(str(out))}")
        return
    if table.empty:
        out_console.print(f"{escape(str(store))}: no trials" + (" matching the filters" if
                                                   (dataset or model) else ""))
        return
    for fp, part in table.groupby("dataset", sort=False):
        name = str(part["dataset_name"].iloc[0])
        ok = part[part["status"] == "ok"]
        if not ok.empty:
            out_console.print(curve_table(summarize(ok), f"{name} · {fp}"))
        bad = part[part["status"] != "ok"]
        for _, row in bad.iterrows():
            first = str(row["error"]).splitlines()[0] if row["error"] else "failed"
            out_console.print(f"[red]failed[/] {escape(str(row['model']))} n={row['n']} "
                              f"seed={row['seed']}: {first}")


def _check_export(out: Path) -> None:
    """Refuse a --out for `results` that cannot be written (before the store is read)."""
    if out.suffix.lower() not in (".csv", ".parquet"):
        raise InputError("out", "a file name ending in .csv or .parquet", f"'{out}'")
    if out.exists() and out.is_dir():
        raise InputError("out", "a file path", f"'{out}' (a directory)")
    _check_output(out, "out")


def _export(table: pd.DataFrame, out: Path) -> None:
    """Write `table` to `out` (checked by `_check_export` before the store was read)."""
    suffix = out.suffix.lower()
    out.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".csv":
        table.to_csv(out, index=False)
    else:
        table.to_parquet(out, index=False)


SourceArg = Annotated[Path | None, typer.Argument(
    help="A datacurve store (SQLite) or a results file (.csv / .parquet) written by "
         "'datacurve results --out' (default: --store).", show_default=False)]
StoreOpt = Annotated[Path | None, typer.Option(
    "--store", help="The store to read, as 'curve' and 'results' name it (the same as "
                    "SOURCE; default .datacurve/store.sqlite).", show_default=False)]


def _source(source: Path | None, store: Path | None) -> Path:
    """SOURCE or --store (the same thing, as every command can name it), else the
    default store."""
    if source is not None and store is not None and source != store:
        raise InputError("source", "SOURCE or --store, not two different ones",
                         f"'{source}' and '{store}'")
    return source or store or DEFAULT_STORE


def _read(source: Path, metric: str | None, dataset: str | None) -> Results:
    from datacurve.results import Results

    return Results.from_source(source, metric=metric, dataset=dataset, name="source")


@app.command("fit")
def fit_cmd(
    source: SourceArg = None,
    store: StoreOpt = None,
    model: Annotated[list[str] | None, typer.Option("--model", "-m",
                                                    help="Only these models.")] = None,
    dataset: Annotated[str | None, typer.Option(help="Dataset name or fingerprint.")] = None,
    metric: Annotated[str | None, typer.Option(help="Metric to fit.")] = None,
    at: Annotated[list[int] | None, typer.Option(help="Sizes to predict (repeatable; "
                                                 "default 2x, 4x, 10x the largest).")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Fit each model's learning curve and print the chosen family and predictions."""
    from datacurve.analysis import analyze

    source = _source(source, store)
    if at is not None and any(a <= 0 for a in at):
        raise InputError("at", "positive training-set sizes", repr(at))
    analysis = analyze(_read(source, metric, dataset), models=model or None,
                       include=("curves",), strict=True)
    rows = []
    for name, c in analysis.curves().items():
        largest = int(c.n_last)
        sizes = at or [2 * largest, 4 * largest, 10 * largest]
        preds = []
        for n in sizes:
            lo, hi = c.interval(float(n), 0.8)
            preds.append({"n": int(n), "predicted": float(c.predict(float(n))),
                          "interval": [float(lo), float(hi)]})
        rows.append({"model": name, **c.to_dict(), "largest": largest,
                     "predictions": preds})
    metric_name = analysis.results.metric.name
    if json_out:
        print_json({"source": str(source), "metric": metric_name, "curves": rows,
                    "notes": list(analysis.results.notes)})
        return
    out_console.print(fit_table(rows, metric_name, f"Fitted learning curves · {source}"))
    _print_notes(analysis)
    for r in rows:
        for note in r["notes"]:
            out_console.print(f"note ({escape(r['model'])}): {escape(note)}")


def _print_notes(analysis: Analysis) -> None:
    """What reading the results left out, if anything."""
    for note in analysis.results.notes:
        out_console.print(f"note: {escape(note)}")


def _allocation(sweep: SweepAnalysis) -> dict[str, Any] | None:
    """A sweep's compute-optimal point as JSON: its law, the allocation, its notes."""
    if sweep.allocation is None or sweep.law is None:
        return None
    return {"architecture": sweep.architecture, "models": list(sweep.models),
            "law": sweep.law.to_dict(), **sweep.allocation.to_dict(),
            "budget_source": sweep.budget_source, "notes": list(sweep.notes)}


@app.command("plan")
def plan_cmd(
    target: Annotated[float, typer.Option(help="Score to reach, in the metric's units "
                                          "(e.g. 0.95 accuracy).")],
    source: SourceArg = None,
    store: StoreOpt = None,
    model: Annotated[str | None, typer.Option("--model", "-m", help="Model to plan for "
                                              "(default: each model).")] = None,
    dataset: Annotated[str | None, typer.Option(help="Dataset name or fingerprint.")] = None,
    metric: Annotated[str | None, typer.Option(help="Metric of the target.")] = None,
    have: Annotated[int | None, typer.Option(help="Samples available now (default: the "
                                             "largest size measured).")] = None,
    at: Annotated[int | None, typer.Option(help="Also predict the score at this size.")]
    = None,
    cost_per_sample: Annotated[float | None, typer.Option(help="Cost of one more "
                                                          "labelled sample.")] = None,
    budget: Annotated[float | None, typer.Option(help="Money for samples (with "
                                                 "--cost-per-sample).")] = None,
    level: Annotated[float, typer.Option(help="Interval coverage.")] = 0.8,
    compute_budget: Annotated[float | None, typer.Option(
        help="Seconds for one training run: also choose the model size and data size "
             "that minimise the error within it (needs 2+ model sizes in SOURCE).")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """How many samples reach --target, how many more to collect, and what it costs."""
    from datacurve.analysis import analyze

    source = _source(source, store)
    analysis = analyze(
        _read(source, metric, dataset), target=target, models=[model] if model else None,
        have=have, at=at, cost_per_sample=cost_per_sample, budget=budget, level=level,
        compute_budget=compute_budget, strict=True,
        include=("plans", "sweeps") if compute_budget is not None else ("plans",))
    plans = [p.to_dict() for p in analysis.plans().values()]
    allocations = [a for a in (_allocation(s) for s in analysis.sweeps.values()) if a]
    if model is not None:
        # The sweep of the model asked about (others, if any, are listed in allocations).
        mine = [a for a in allocations if any(m in a["models"] for m in analysis.models)]
        allocations = mine + [a for a in allocations if a not in mine]
    if json_out:
        print_json({"source": str(source), "plans": plans,
                    "allocation": allocations[0] if allocations else None,
                    "allocations": allocations, "notes": list(analysis.results.notes)})
        return
    _print_notes(analysis)
    for p in plans:
        for line in plan_lines(p):
            out_console.print(line)
        out_console.print("")
    for a in allocations:
        out_console.print(allocation_line(a))
        for note in a["notes"]:
            out_console.print(f"note: {escape(note)}")


@app.command("diagnose")
def diagnose_cmd(
    source: SourceArg = None,
    store: StoreOpt = None,
    model: Annotated[list[str] | None, typer.Option(
        "--model", "-m", help="Model to diagnose (repeatable; default: each model).")] = None,
    dataset: Annotated[str | None, typer.Option(help="Dataset name or fingerprint.")] = None,
    metric: Annotated[str | None, typer.Option(help="Metric to analyse.")] = None,
    target: Annotated[float | None, typer.Option(help="Score the team needs.")] = None,
    optimal_error: Annotated[float | None, typer.Option(
        help="Best achievable error (Bayes or human level), e.g. 0.02 for 98 % accuracy.")]
    = None,
    noise_rate: Annotated[float | None, typer.Option(
        help="Fraction of wrong training labels (e.g. from 'datacurve audit').")] = None,
    n_classes: Annotated[int | None, typer.Option(
        help="Number of classes (default: from the store).")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Whether data, model size, label noise or overfitting holds each model back."""
    from datacurve.analysis import analyze

    source = _source(source, store)
    analysis = analyze(_read(source, metric, dataset), target=target,
                       models=model or None, optimal_error=optimal_error,
                       noise_rate=noise_rate, n_classes=n_classes,
                       include=("diagnoses", "strategies"), strict=True)
    diagnoses = analysis.diagnoses()
    if json_out:
        print_json({"source": str(source), "notes": list(analysis.results.notes),
                    "diagnoses": [d.to_dict() for d in diagnoses.values()]})
        return
    _print_notes(analysis)
    for d in diagnoses.values():
        out_console.print(diagnosis_text(d))
        out_console.print("")


def _audit_payload(report: Any, worst: int) -> dict[str, Any]:
    """The report's JSON (no per-example arrays) with the worst examples of each check."""
    payload = report.to_dict(examples=False)
    issues = report.issues
    classes = report.meta.get("classes") or []
    payload["worst"] = {}
    for name in report.checks:
        rows = issues[issues["check"] == name].head(worst)
        payload["worst"][name] = [
            {"index": int(r.index), "id": r.id, "label": r.label, "score": float(r.score),
             "other": int(r.other),
             "suggested_label": (classes[int(r.suggested)]
                                 if 0 <= int(r.suggested) < len(classes) else None)}
            for r in rows.itertuples(index=False)]
    return payload


DataArg = Annotated[str, typer.Argument(
    help="A file (CSV, TSV, Parquet, JSONL, NPZ), an image folder, or a built-in: digits, "
         "mnist1d[:n=N], synthetic[:n=N,classes=K,noise=R,imbalance=I], topics[:n=N] "
         "(generated text).")]


@app.command("audit")
def audit_cmd(
    data: DataArg,
    label: Annotated[str | None, typer.Option(help="Label column of a table.")] = None,
    group: Annotated[str | None, typer.Option(help="Group column (group leakage, "
                                              "subgroups).")] = None,
    split: Annotated[str | None, typer.Option(help="Split column (train/test leakage).")]
    = None,
    text_column: Annotated[str | None, typer.Option(help="Text column (TF-IDF).")] = None,
    checks: Annotated[str | None, typer.Option(help="Comma-separated checks (default: "
                                               "all).")] = None,
    worst: Annotated[int, typer.Option(help="Worst examples shown per check.")] = 3,
    out: Annotated[Path | None, typer.Option(help="Write the full report (JSON) here.")]
    = None,
    measure: Annotated[bool, typer.Option(help="Also measure what cleaning is worth: "
                                          "learning curves of the raw and the cleaned "
                                          "data on the same evaluation set.")] = False,
    model: Annotated[str | None, typer.Option("--model", "-m", help="Learner for "
                                              "--measure.")] = None,
    seeds: Annotated[int, typer.Option(help="Seeds per size for --measure.")] = 3,
    store: Annotated[Path, typer.Option(help="Results store for --measure.")]
    = DEFAULT_STORE,
    jobs: Annotated[int, typer.Option("--jobs", "-j", help="Worker processes.")] = 1,
    seed: Annotated[int, typer.Option(help="Seed of the audit (folds, projections).")]
    = 0,
    embedding: Annotated[str, typer.Option(help="Embeddings of the distance checks: auto "
                                           "(from the features) or minilm (sentence "
                                           "embeddings of --text-column; needs the 'text' "
                                           "extra).")] = "auto",
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    executor: Annotated[str, typer.Option(help="local, or ray: the out-of-fold "
                                          "probabilities' folds and the embeddings' "
                                          "batches as Ray tasks.")] = "local",
    address: Annotated[str | None, typer.Option(help="--executor ray: a running cluster "
                                                "('auto' or HOST:PORT).")] = None,
) -> None:
    """Audit DATA: label errors, outliers, duplicates, leakage, conflicting labels,
    imbalance, missing values, subgroups and personal data."""
    from datacurve.auditing import audit, measure_cleaning

    if out is not None and out.suffix.lower() != ".json":
        raise InputError("out", "a file name ending in .json", f"'{out}'")
    if out is not None:
        _check_output(out, "out")
    if worst < 0:
        raise InputError("worst", "a number of examples (0 or more)", str(worst))
    if measure:
        _check_counts(seeds=seeds)
        _check_output(store, "store")
    dataset = _load(data, label, text_column, group, split, None)
    if executor not in ("local", "ray"):
        raise InputError("executor", "local or ray", repr(executor))
    report = audit(dataset, checks=checks.split(",") if checks else None, seed=seed,
                   n_jobs=jobs, embedding=embedding, executor=executor, address=address)
    report.meta["command"] = ["datacurve", *sys.argv[1:]]  # the arguments, as given
    value = None
    try:
        if measure:
            with progress_bar(not json_out, "measure") as cb:
                value = measure_cleaning(dataset, report, model=model, seeds=seeds,
                                         store=store, jobs=jobs, progress=cb)
            report.meta["measure"] = value.to_dict()
    finally:  # saved once, with the measurement (the audit alone if measuring failed)
        if out is not None:
            report.save(out)
    payload = _audit_payload(report, worst)
    if value is not None:
        payload["meta"] = {k: v for k, v in report.meta.items() if k != "measure"}
        payload["measure"] = report.meta["measure"]
    if json_out:
        print_json(payload)
        return
    out_console.print(audit_table(payload["summary"], f"Audit · {dataset.name} · "
                                  f"{dataset.fingerprint} · {dataset.n:,} examples"))
    out_console.print(f"data-quality score: {report.quality_score:.3f} (share of examples "
                      "no row-level check flagged)")
    for name, rows in payload["worst"].items():
        if rows:
            for line in worst_lines(name, rows):
                out_console.print(line)
    if out is not None:
        out_console.print(f"report written to {escape(str(out))}", soft_wrap=True)
    if value is not None:
        out_console.print(
            f"cleaning ({value.dropped:,} dropped, {value.relabelled:,} relabelled) with "
            f"{escape(value.model)}: {value.describe()}")


AsForCurve = Annotated[str, typer.Argument(help="A file, an image folder or a built-in, as "
                                           "for 'curve'.")]


@app.command("strategies")
def strategies_cmd(
    data: AsForCurve,
    model: Annotated[str, typer.Option("--model", "-m", help="The baseline's spec.")],
    strategy: Annotated[list[str], typer.Option(
        "--strategy", "-s", help="ensemble:k=K (K members averaged), augment:OPS "
                                 "(e.g. augment:shift=0.1,noise=0.05: per epoch for mlp / "
                                 "cnn, k copies for estimators), noise:k=K,sigma=S, smote, "
                                 "adasyn, generate:k=K (Gaussian mixture per class), "
                                 "selftrain:threshold=T (rest of the pool unlabelled), "
                                 "transfer:mode=finetune|freeze (needs --source). "
                                 "Repeatable.")],
    label: Annotated[str | None, typer.Option(help="Label column of a table.")] = None,
    seeds: Annotated[int, typer.Option(help="Seeds (nested subsets) per size.")] = 3,
    jobs: Annotated[int, typer.Option("--jobs", "-j", help="Worker processes "
                                      "(-1: all cores).")] = 1,
    store: Annotated[Path, typer.Option(help="Results store (SQLite).")] = DEFAULT_STORE,
    sizes: Annotated[str | None, typer.Option(help="Training sizes, e.g. 64,256,1024.")]
    = None,
    metric: Annotated[str | None, typer.Option(help="Metric (default: accuracy / r2).")]
    = None,
    source: Annotated[str | None, typer.Option(help="Source data that transfer "
                                               "strategies pretrain on (a file or a "
                                               "built-in, examples shaped like DATA's).")]
    = None,
    source_label: Annotated[str | None, typer.Option(help="Label column of the source "
                                                     "(default: --label).")] = None,
    target: Annotated[float | None, typer.Option(help="A score to reach: the samples the "
                                                 "baseline needs (plan) and what each "
                                                 "strategy needs and saves.")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    quiet: Annotated[bool, typer.Option(help="No progress bar.")] = False,
) -> None:
    """What each strategy is worth in the baseline's raw samples: the effective data
    multiplier, measured on the same subsets."""
    from datacurve.strategies import compare_strategies

    _check_output(store, "store")
    _check_counts(seeds=seeds, jobs=jobs)
    dataset = _load(data, label, None, None, None, None)
    src = None
    if source is not None:
        try:
            src = _load(source, source_label or label, None, None, None, None)
        except InputError as exc:
            raise InputError("--source", exc.expected, exc.got) from None
    try:
        with progress_bar(not (json_out or quiet), f"{dataset.name}") as cb:
            c = compare_strategies(dataset, model, strategy, sizes=_parse_sizes(sizes),
                                   seeds=seeds, metric=metric, jobs=jobs, store=store,
                                   progress=cb or False, source=src)
    except InputError as exc:
        if exc.name != "source":  # here the transfer source, not `results SOURCE`
            raise
        raise InputError("--source", exc.expected, exc.got) from None
    pretrained = {k: {"path": str(p.path), "source": p.source, "n": p.n,
                      "seconds": p.seconds} for k, p in c.pretrained.items()}
    at_target: dict[str, Any] | None = None
    if target is not None:
        # The analysis path: the baseline's plan and the strategies priced on its one
        # fitted curve, as the report and `plan` give them.
        from datacurve.analysis import analyze

        a = analyze(c.results, target=target, models=[c.baseline],
                    include=("plans", "strategies"), strict=True)
        need = a.models[c.baseline].plan
        table = a.strategy_targets.get(c.baseline)
        # The analysis names a strategy by its model's suffix; here it keeps the text
        # given to --strategy, as the table above does.
        given = {model: text for text, model in c.strategies.items()}
        if table is not None:
            table = table.assign(strategy=[
                given.get(f"{c.baseline} + {label}", label) for label in table["strategy"]])
        at_target = {"target": target,
                     "baseline_samples": None if need is None else need.samples_needed,
                     "table": [] if table is None else records(table)}
    if json_out:
        print_json({"baseline": c.baseline, "metric": c.metric,
                    "strategies": c.strategies, "table": records(c.table),
                    "pretrained": pretrained, "at_target": at_target,
                    "store": str(store)})
        return
    # Rows as they are (records() would turn an infinite multiplier into null).
    rows = [{str(k): v for k, v in r.items()} for r in c.table.to_dict("records")]
    out_console.print(strategy_table(rows, c.metric, f"Strategies against {c.baseline}"))
    for r in c.summary().to_dict("records"):
        mine = [x for x in rows if x["strategy"] == r["strategy"]]
        out_console.print(strategy_line({str(k): v for k, v in r.items()}, mine))
    if at_target is not None:
        for line in target_lines(at_target, c.metric):
            out_console.print(line)
    for name, p in pretrained.items():
        spent = f"{p['seconds']:.1f} s" if p["seconds"] else "reused from an earlier run"
        did = ("embedded once with" if str(p["source"]).endswith("sentence encoder")
               else "pretrained once on")
        out_console.print(f"{escape(name)}: {did} {escape(str(p['source']))} "
                          f"({p['n']:,} examples; {spent})")


ACTIVE_STORE = DEFAULT_STORE.with_name("active.sqlite")
"""Where `datacurve active` keeps its rounds unless told: apart from the learning curves,
whose other models `fit` reads as evidence (an active-learning curve is not one of them)."""

active_app = typer.Typer(help="Active learning: which examples to label next and what "
                                "that saves against random labelling.",
                           no_args_is_help=True)
app.add_typer(active_app, name="active")


@active_app.command("simulate")
def active_simulate_cmd(
    data: AsForCurve,
    model: Annotated[str, typer.Option("--model", "-m", help="Learner spec.")],
    label: Annotated[str | None, typer.Option(help="Label column of a table.")] = None,
    strategy: Annotated[list[str] | None, typer.Option(
        "--strategy", "-s", help="random, least_confidence, margin, entropy, coreset, "
                                 "cluster_margin (default: these), bald (a torch network "
                                 "with dropout). Repeatable.")] = None,
    initial: Annotated[int, typer.Option(help="First labelled batch.")] = 20,
    batch: Annotated[int, typer.Option(help="Rows queried per round.")] = 10,
    budget: Annotated[int, typer.Option(help="Labels at the last round.")] = 200,
    seeds: Annotated[int, typer.Option(help="Repetitions, each its own first batch.")] = 3,
    cold_start: Annotated[str, typer.Option(help="First batch: stratified (one per class "
                                            "first), random or typical (TypiClust).")]
    = "stratified",
    target: Annotated[float | None, typer.Option(help="Accuracy to reach (default: "
                                                 "--target-share of the full pool's).")]
    = None,
    target_share: Annotated[float, typer.Option(help="Share of the full pool's accuracy "
                                                "to reach.")] = 0.95,
    eval_folds: Annotated[int | None, typer.Option(
        help="Evaluation folds, as datacurve curve chooses them (default: 5 for a small "
             "dataset, one hold-out otherwise); seed s is evaluated on fold s.",
        show_default=False)] = None,
    store: Annotated[Path, typer.Option(help="Store of the rounds (SQLite); rounds there "
                                        "are read back, so a rerun resumes. Kept apart "
                                        "from the curves' store: its curves are not "
                                        "random subsets.")] = ACTIVE_STORE,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    quiet: Annotated[bool, typer.Option(help="No progress bar.")] = False,
) -> None:
    """Simulate pool-based active learning with each strategy on labelled DATA and price
    it in labels against random labelling."""
    from datacurve.active import DEFAULT_STRATEGIES, simulate_active_learning

    _check_output(store, "store")
    _check_counts(seeds=seeds)
    dataset = _load(data, label, None, None, None, None)
    with progress_bar(not (json_out or quiet), f"{dataset.name} · active") as cb:
        sim = simulate_active_learning(
            dataset, model, strategies=tuple(strategy or DEFAULT_STRATEGIES),
            initial=initial, batch=batch, budget=budget, seeds=seeds, cold=cold_start,
            target=target, target_share=target_share, eval_folds=eval_folds, store=store,
            progress=cb)
    if json_out:
        print_json(sim.to_dict() | {"store": str(store)})
        return
    for line in active_lines(sim):
        out_console.print(line)


_LOOP_STORE = Annotated[Path, typer.Option(help="Store holding the labelling loop "
                                            "(SQLite).")]
_LOOP_NAME = Annotated[str | None, typer.Option(
    "--name", help="The loop's name (needed when the store holds several).")]


@active_app.command("init")
def active_init_cmd(
    data: Annotated[str, typer.Argument(help="A table (CSV, TSV, JSONL, Parquet); rows "
                                        "with an empty label are still to label.")],
    label: Annotated[str, typer.Option(help="Label column.")],
    model: Annotated[str, typer.Option("--model", "-m", help="Learner spec.")],
    strategy: Annotated[str, typer.Option(help="Query strategy of `active next`.")]
    = "cluster_margin",
    batch: Annotated[int, typer.Option(help="Default batch size of `active next`.")] = 50,
    holdout: Annotated[float, typer.Option(help="Share of the file's labelled rows held "
                                           "out for scoring (per class, at random).")]
    = 0.2,
    target: Annotated[float | None, typer.Option(help="Held-out accuracy to reach.")]
    = None,
    classes: Annotated[str | None, typer.Option(help="Classes beyond the file's, comma "
                                                "separated.")] = None,
    id_column: Annotated[str | None, typer.Option(help="Row ids (default: row number, 0 = "
                                                  "first data row).")] = None,
    text_column: Annotated[str | None, typer.Option(help="Free-text column; its TF-IDF "
                                                    "are the features.")] = None,
    seed: Annotated[int, typer.Option(help="Seed of the held-out draw and the picks.")] = 0,
    name: Annotated[str, typer.Option(help="The loop's name in the store.")] = "default",
    store: _LOOP_STORE = ACTIVE_STORE,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Start a labelling loop on DATA: the rows with an empty label are the ones to label."""
    from datacurve.active import LabellingLoop

    _check_output(store, "store")
    loop = LabellingLoop.init(
        data, label=label, model=model, store=store, name=name, id_column=id_column,
        text_column=text_column, strategy=strategy, holdout=holdout, target=target,
        batch=batch, seed=seed,
        classes=None if classes is None else [c for c in classes.split(",") if c.strip()])
    status = loop.status()
    if json_out:
        print_json(status.to_dict() | {"store": str(store)})
        return
    for line in loop_status_lines(status):
        out_console.print(line)
    out_console.print(f"next: datacurve active next -k {batch} --out batch.csv"
                      + ("" if store == ACTIVE_STORE else f" --store {escape(str(store))}"))


@active_app.command("next")
def active_next_cmd(
    k: Annotated[int | None, typer.Option("-k", help="Rows in the batch (default: the "
                                          "loop's).")] = None,
    out: Annotated[Path | None, typer.Option(help="Write the batch there (.csv, .tsv, "
                                             ".jsonl, .parquet; never overwritten).")]
    = None,
    strategy: Annotated[str | None, typer.Option(help="This batch's strategy (default: "
                                                 "the loop's).")] = None,
    holdout: Annotated[bool, typer.Option("--holdout", help="Draw the batch at random for "
                                          "the held-out set.")] = False,
    include_pending: Annotated[bool, typer.Option(
        "--include-pending", help="Offer rows handed out earlier and not labelled yet.")]
    = False,
    name: _LOOP_NAME = None,
    store: _LOOP_STORE = ACTIVE_STORE,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Hand out the next rows to label: flagged rows first, then the strategy's picks."""
    from datacurve.active import LabellingLoop

    loop = LabellingLoop.open(store, name)
    got = loop.next(k, strategy=strategy, holdout=holdout,
                    include_pending=include_pending, out=out)
    if json_out:
        print_json({"batch": got.id, "strategy": got.strategy, "purpose": got.purpose,
                    "labels": got.labels, "out": None if out is None else str(out),
                    "rows": [{loop.id_name: r, "score": s if math.isfinite(s) else None,
                              "reason": w} for r, s, w in zip(
                                  got.rows[loop.id_name], got.rows["score"],
                                  got.rows["reason"], strict=True)]})
        return
    for line in loop_next_lines(got, loop.id_name, out):
        out_console.print(line)


@active_app.command("import")
def active_import_cmd(
    labels: Annotated[Path, typer.Argument(help="A filled-in batch file (or any table "
                                           "with the id and label columns).")],
    relabel: Annotated[bool, typer.Option("--relabel", help="Accept new labels for rows "
                                          "already labelled.")] = False,
    name: _LOOP_NAME = None,
    store: _LOOP_STORE = ACTIVE_STORE,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Record the labels of a filled-in batch file (validated; a re-import changes
    nothing)."""
    from datacurve.active import LabellingLoop

    got = LabellingLoop.open(store, name).import_labels(labels, relabel=relabel)
    if json_out:
        print_json(dataclasses.asdict(got))
        return
    out_console.print(
        f"{escape(str(labels))}: {got.added} new labels, {got.changed} relabelled, "
        f"{got.unchanged} already recorded, {got.empty} left empty"
        + ("" if got.import_id is not None else " (nothing changed)"))


@active_app.command("status")
def active_status_cmd(
    target: Annotated[float | None, typer.Option(help="Held-out accuracy to reach "
                                                 "(default: the loop's).")] = None,
    name: _LOOP_NAME = None,
    store: _LOOP_STORE = ACTIVE_STORE,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Labels so far, the held-out score, the fitted curve, the labels the target needs and
    whether the next batch is worth labelling."""
    from datacurve.active import LabellingLoop

    status = LabellingLoop.open(store, name).status(target)
    if json_out:
        print_json(status.to_dict())
        return
    for line in loop_status_lines(status):
        out_console.print(line)


@active_app.command("audit")
def active_audit_cmd(
    checks: Annotated[list[str] | None, typer.Option(
        "--check", help="Audit checks whose flagged rows go back to the queue "
                        "(default: label). Repeatable.")] = None,
    name: _LOOP_NAME = None,
    store: _LOOP_STORE = ACTIVE_STORE,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Audit the labelled rows and send the flagged ones back to the queue: `active next`
    hands them out first for relabelling."""
    from datacurve.active import LabellingLoop

    loop = LabellingLoop.open(store, name)
    flagged, report = loop.audit(tuple(checks or ("label",)))
    issues = report.issues
    if json_out:
        print_json({"flagged": flagged, "checks": report.checks,
                    "rows": issues[["id", "check", "score"]].astype({"id": str})
                    .to_dict("records")})
        return
    out_console.print(f"audited {report.n:,} labelled rows ({', '.join(report.checks)}): "
                      f"{len(issues):,} flagged, {flagged:,} newly queued for relabelling")
    if flagged:
        out_console.print("next: datacurve active next (flagged rows come first)")


@app.command("search")
def search_cmd(
    data: AsForCurve,
    model: Annotated[str, typer.Option("--model", "-m", help="The architecture's spec.")],
    sweep: Annotated[list[str], typer.Option(help="The sizes to search, e.g. "
                                             "width=4,16,64 (repeatable: every "
                                             "combination).")],
    sizes: Annotated[str, typer.Option(help="Training sizes, smallest first, e.g. "
                                       "250,500,1000,2000.")],
    label: Annotated[str | None, typer.Option(help="Label column of a table.")] = None,
    seeds: Annotated[int, typer.Option(help="Seeds (nested subsets) per size, 2 or more.")]
    = 3,
    jobs: Annotated[int, typer.Option("--jobs", "-j", help="Worker processes "
                                      "(-1: all cores).")] = 1,
    store: Annotated[Path, typer.Option(help="Results store (SQLite).")] = DEFAULT_STORE,
    metric: Annotated[str | None, typer.Option(help="Metric (default: accuracy / r2).")]
    = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    quiet: Annotated[bool, typer.Option(help="No progress bar.")] = False,
) -> None:
    """The best model size at each amount of data, with successive halving: a size
    clearly beaten (now, and by its fitted curve at the largest size) is not trained
    further."""
    from datacurve.strategies import search_model_size

    _check_output(store, "store")
    _check_counts(seeds=seeds, jobs=jobs)
    order = _parse_sizes(sizes)
    dataset = _load(data, label, None, None, None, None)
    with progress_bar(not (json_out or quiet), f"{dataset.name}") as cb:
        found = search_model_size(dataset, model, _parse_sweep(sweep) or {},
                                  sizes=order or [], seeds=seeds, metric=metric, jobs=jobs,
                                  store=store, progress=cb or False)
    if json_out:
        print_json({**found.to_dict(), "store": str(store)})
        return
    out_console.print(search_table(found.rounds, found.metric,
                                   f"Model sizes of {model} on {dataset.name}"))
    for line in search_lines(found.to_dict()):
        out_console.print(line)


@app.command("clean")
def clean_cmd(
    data: DataArg,
    label: Annotated[str | None, typer.Option(help="Label column of a table.")] = None,
    group: Annotated[str | None, typer.Option(help="Group column.")] = None,
    split: Annotated[str | None, typer.Option(help="Split column.")] = None,
    text_column: Annotated[str | None, typer.Option(help="Text column (TF-IDF).")] = None,
    report: Annotated[Path | None, typer.Option(help="An audit report written by "
                                                "'datacurve audit --out' (default: audit "
                                                "now).")] = None,
    drop: Annotated[str | None, typer.Option(help="Checks whose flagged rows are dropped "
                                             "(default: label, exact_duplicate, "
                                             "near_duplicate, conflicting_labels, "
                                             "leakage).")] = None,
    relabel: Annotated[str | None, typer.Option(help="Checks whose suggested labels "
                                                "replace the flagged ones (label).")]
    = None,
    out: Annotated[Path | None, typer.Option(help="Where to write (default: beside DATA, "
                                             "<name>.clean<ext>, compressed as DATA is: "
                                             "data.csv.gz -> data.clean.csv.gz).")] = None,
    force: Annotated[bool, typer.Option(help="Replace an earlier cleaned file (never DATA "
                                        "or a link to it).")] = False,
    store: Annotated[Path, typer.Option(help="The store the cleaned version and its "
                                        "parent are recorded in ('datacurve versions', "
                                        "'datacurve lineage').")] = DEFAULT_STORE,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Write a cleaned version of DATA beside it (never over it), with its lineage, and
    record both versions in the store."""
    from datacurve.auditing import DEFAULT_DROP, audit, clean, load_report, write_clean
    from datacurve.data import is_builtin
    from datacurve.govern import record

    if is_builtin(data):
        raise InputError("data", "a file or folder to clean (built-ins are generated, not "
                         "stored)", repr(data))
    if out is not None:
        _check_output(out, "out")
    check_store(store)
    dataset = _load(data, label, text_column, group, split, None)
    rep = load_report(report) if report is not None else audit(dataset)
    cleaned = clean(dataset, rep, drop=drop if drop is not None else DEFAULT_DROP,
                    relabel=relabel)
    path, lineage = write_clean(cleaned, data, out, force=force)
    record(cleaned, store)
    entry = cleaned.metadata["lineage"][-1]
    payload = {"source": data, "written": str(path), "lineage_file": str(lineage),
               "fingerprint": cleaned.fingerprint, "n": cleaned.n, "parent_n": dataset.n,
               "counts": entry["counts"], "store": str(store)}
    if json_out:
        print_json(payload)
        return
    out_console.print(f"{dataset.n:,} examples → {cleaned.n:,} ({entry['counts']['dropped']:,} "
                      f"dropped, {entry['counts']['relabelled']:,} relabelled); wrote "
                      f"{path} and its lineage {lineage}; version "
                      f"{cleaned.fingerprint[:12]} recorded in {store}")


@app.command("report")
def report_cmd(
    out: Annotated[Path, typer.Option(help="Directory to write index.html into (new, "
                                      "empty, or a previous report with --force).")],
    source: SourceArg = None,
    store: StoreOpt = None,
    audit: Annotated[Path | None, typer.Option(help="An audit report written by "
                                               "'datacurve audit --out'.")] = None,
    target: Annotated[float | None, typer.Option(help="Score to reach: adds the size "
                                                 "for it and the plan.")] = None,
    dataset: Annotated[str | None, typer.Option(help="Dataset name or fingerprint.")] = None,
    metric: Annotated[str | None, typer.Option(help="Metric to report.")] = None,
    cost_per_sample: Annotated[float | None, typer.Option(help="Cost of one more "
                                                          "labelled sample.")] = None,
    force: Annotated[bool, typer.Option(help="Replace a previous report in --out.")]
    = False,
    active: Annotated[Path | None, typer.Option(
        help="Store of active-learning simulations (default: .datacurve/active.sqlite "
             "when it exists); those of the same dataset get a section.",
        show_default=False)] = None,
    monitor: Annotated[Path | None, typer.Option(
        help="Store of monitoring windows (datacurve monitor add; default: SOURCE's own "
             "windows, when it is a store that has some).", show_default=False)] = None,
) -> None:
    """Write one self-contained HTML report: curves, model size vs data size, diagnosis,
    active learning, monitoring, plan and audit."""
    source = _source(source, store)
    from datacurve.report import build_report, check_out_dir, write_report

    _check_output(out / "index.html", "out")

    check_out_dir(out, force=force)
    if active is None and ACTIVE_STORE.is_file():
        active = ACTIVE_STORE
    page = build_report(source, audit=audit, target=target, dataset=dataset, metric=metric,
                        cost_per_sample=cost_per_sample, active=active, monitor=monitor,
                        command=shlex.join(["datacurve", *sys.argv[1:]]))
    out_console.print(f"report written to {escape(str(write_report(page, out, force=force)))}")


@app.command()
def demo(
    store: Annotated[Path, typer.Option(help="Results store.")] = Path(".datacurve")
    / "demo.sqlite",
    jobs: Annotated[int, typer.Option("--jobs", "-j", help="Worker processes.")] = 2,
    seeds: Annotated[int, typer.Option(help="Seeds per size.")] = 2,
    report_dir: Annotated[Path, typer.Option(help="Where the HTML report goes (a previous "
                                             "demo report there is replaced).")]
    = Path("demo-report"),
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    data: Annotated[str | None, typer.Option(
        help=f"Another built-in dataset (default {DEMO_DATA}).", show_default=False)] = None,
    model: Annotated[list[str] | None, typer.Option(
        "--model", "-m", help=f"Other models, repeatable (default: {', '.join(DEMO_MODELS)}).",
        show_default=False)] = None,
) -> None:
    """The main job on a built-in dataset: MNIST-1D, two CNNs and an MLP, 2 seeds."""
    from datacurve.analysis import analyze
    from datacurve.curves import run_curve
    from datacurve.data import builtin
    from datacurve.report import check_out_dir, render_report, write_report

    _check_counts(seeds=seeds, jobs=jobs)
    _check_output(store, "store")
    _check_output(report_dir / "index.html", "report_dir")
    check_out_dir(report_dir, force=True)

    source = data or DEMO_DATA
    models = list(model or DEMO_MODELS)
    try:
        dataset = builtin(source)
    except InputError as exc:  # the demo's dataset is its --data option
        raise InputError("demo_data", exc.expected, exc.got) from None
    if not json_out:
        err_console.print(escape(f"datacurve {__version__} demo: learning curves of "
                                 f"{', '.join(models)} on {source} (generated locally)"))
    with progress_bar(not json_out, "demo") as cb:
        run = run_curve(dataset, models, seeds=seeds, store=store, jobs=jobs, progress=cb)
    # One analysis of this run: what is printed here is what the report shows.
    analysis = analyze(run)
    index = write_report(render_report(analysis, command=shlex.join(["datacurve",
                                                                      *sys.argv[1:]])),
                         report_dir, force=True)
    curves = _demo_curves(analysis)
    if json_out:
        print_json({**_run_payload(run), "curves": curves,
                    "diagnoses": [d.to_dict() for d in analysis.diagnoses().values()],
                    "report": str(index)})
        return
    _print_run(run, f"Learning curves · {dataset.name} · {dataset.fingerprint}")
    _print_largest(run)
    for c in curves:
        lo, hi = c["interval"]
        out_console.print(
            f"{escape(c['model'])}: with {c['at']:,} samples (4×) the fitted curve "
            f"({c['method']}) "
            f"predicts {c['predicted']:.3f} [{lo:.3f}, {hi:.3f}]; with unlimited data "
            f"{c['asymptote']:.3f}")
    if analysis.diagnoses():
        out_console.print("")
        out_console.print("[bold]Diagnosis[/] (datacurve diagnose):")
    for d in analysis.diagnoses().values():
        out_console.print(diagnosis_text(d))
    out_console.print(f"\nreport: {escape(str(index))}", soft_wrap=True)


def _demo_curves(analysis: Analysis) -> list[dict[str, Any]]:
    """Each model's fitted curve: the prediction at 4x the largest size, the asymptote."""
    out = []
    for name, c in analysis.curves().items():
        at = 4 * int(c.n_last)
        lo, hi = c.interval(float(at))
        out.append({"model": name, "method": c.method, "family": c.family, "at": at,
                    "predicted": float(c.predict(float(at))), "interval": [lo, hi],
                    "asymptote": c.asymptote})
    return out


def _print_largest(run: CurveRun) -> None:
    """One line per model: where its curve ends, train beside evaluation."""
    import pandas as pd

    summary = run.summary()
    if summary.empty:
        return
    metric = str(summary["metric"].iloc[0])
    for m, part in summary.groupby("model", sort=False):
        last = part[part["seeds"] > 0].sort_values("n").tail(1)
        if last.empty:
            continue
        r = last.iloc[0]
        size = ("an unknown number of" if pd.isna(r["params"])
                else f"{int(r['params']):,}")
        out_console.print(
            f"{escape(str(m))}: {metric} {r['val_mean']:.3f} on the evaluation set at "
            f"n={int(r['n']):,} (train {r['train_mean']:.3f}, gap "
            f"{r['train_mean'] - r['val_mean']:+.3f}); {size} parameters")


@app.callback(invoke_without_command=True)
def _root(
    version: Annotated[bool, typer.Option("--version", help="Print the version.")] = False,
) -> None:
    if version:
        out_console.print(f"datacurve {__version__}")
        raise typer.Exit(0)


CLI_NAMES = {
    "version": "VERSION",
    "spec": "--model", "model": "--model", "learners": "--model", "store": "--store",
    "seeds": "--seeds", "jobs": "--jobs", "n_jobs": "--jobs", "metric": "--metric",
    "sizes": "--sizes", "max_size": "--max-size", "eval_size": "--eval-size",
    "eval_folds": "--eval-folds",
    "sweep": "--sweep", "label": "--label", "labels": "--label", "group": "--group",
    "groups": "--group", "split": "--split", "text_column": "--text-column",
    "task": "--task", "dataset": "--dataset", "target": "--target", "at": "--at",
    "have": "--have", "cost_per_sample": "--cost-per-sample", "budget": "--budget",
    "compute_budget": "--compute-budget", "level": "--level",
    "optimal_error": "--optimal-error", "noise_rate": "--noise-rate",
    "n_classes": "--n-classes", "audit": "--audit", "out": "--out", "checks": "--checks",
    "embedding": "--embedding", "drop": "--drop", "relabel": "--relabel",
    "report": "--report", "force": "--force", "allow_modules": "--allow-module",
    "source": "SOURCE", "results": "SOURCE", "worst": "--worst",
    "report_dir": "--report-dir", "demo_data": "--data", "strategies": "--strategy",
    "data": "DATA", "initial": "--initial", "batch": "--batch", "cold_start": "--cold-start",
    "target_share": "--target-share", "k": "-k", "holdout": "--holdout", "name": "--name",
    "classes": "--classes", "id_column": "--id-column", "strategy": "--strategy",
    "include_pending": "--include-pending", "active": "--active",
    "executor": "--executor", "address": "--address", "gpus_per_trial": "--gpus-per-trial",
    "budget_seconds": "--budget-seconds", "until_width": "--until-width", "lazy": "--lazy",
    "features": "--feature", "text_columns": "--text-column", "correction": "--correction",
    "alpha": "--alpha", "min_effect": "--min-effect", "test": "--test", "recent": "--recent",
    "top": "--top", "reference": "REFERENCE", "current": "CURRENT",
    "drifted_rows": "--drifted-rows", "monitor": "--monitor",
}
"""Library errors name Python parameters; the CLI names its own flags and arguments."""


def cli_error(exc: InputError) -> InputError:
    """`exc` as the CLI's user knows the input: its flag (``spec`` → ``--model``,
    ``compute_budget`` → ``--compute-budget``); parameter names with an underscore, and
    ``force``, are translated in the message too."""
    expected = exc.expected
    for name, flag in CLI_NAMES.items():
        if "_" in name or name == "force":
            expected = re.sub(rf"(?<![\w-]){name}\b", flag, expected)
    return InputError(CLI_NAMES.get(exc.name, exc.name), expected, exc.got)


_INTERRUPTED = "datacurve: interrupted; run the same command again to resume\n"


class _Interrupted(BaseException):
    """SIGINT or SIGTERM: raised in the main thread so that every ``finally`` runs
    (workers are stopped, the store is closed). Not a KeyboardInterrupt, which typer
    would turn into a silent exit code."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _stop_on_signals() -> Any:
    """Make SIGINT and SIGTERM raise `_Interrupted` (a second one exits at once);
    returns a function that restores the previous handlers."""
    import os
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    received: list[int] = []

    def handler(signum: int, frame: object) -> None:
        if received:  # impatient: the first one's cleanup is cut short
            os._exit(128 + received[0])
        received.append(signum)
        raise _Interrupted(signum)

    previous = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}

    def restore() -> None:
        for s, h in previous.items():
            signal.signal(s, h if h is not None else signal.SIG_DFL)

    return restore


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the CLI and return its exit code.

    0 done; 1 some trials failed (or another error); 2 bad input (one line naming the
    flag); 3 every trial failed; 130 interrupted by SIGINT (Ctrl-C) and 143 by SIGTERM,
    after one line saying how to resume.
    """
    restore = _stop_on_signals()
    try:
        return _main(argv)
    finally:
        restore()


def _main(argv: list[str] | None) -> int:
    command = typer.main.get_command(app)
    try:
        code = command.main(args=argv, prog_name="datacurve", standalone_mode=False)
    except _Interrupted as exc:
        sys.stderr.write(_INTERRUPTED)
        return 128 + exc.signum
    except typer.Exit as exc:
        return int(getattr(exc, "exit_code", 0))
    except typer.Abort:
        err_console.print("datacurve: interrupted")
        return 130
    except TyperException as exc:
        # typer >= 0.29 vendors click; its usage errors derive from TyperException and
        # carry click's `format_message()` and `ctx`.
        message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
        ctx = getattr(exc, "ctx", None)
        hint = f" (see 'datacurve {ctx.command.name} --help')" if ctx is not None else ""
        sys.stderr.write(f"datacurve: error: {message}{hint}\n")
        return 2
    except InputError as exc:
        sys.stderr.write(f"datacurve: error: {cli_error(exc)}\n")
        return 2
    except DatacurveError as exc:
        sys.stderr.write(f"datacurve: error: {exc}\n")
        return 1
    except KeyboardInterrupt:
        sys.stderr.write(_INTERRUPTED)
        return 130
    except OSError as exc:
        # A file the command was pointed at cannot be read or written (what the
        # commands check up front covers the common cases; this is the last line).
        if exc.filename is None:
            raise
        sys.stderr.write(f"datacurve: error: '{exc.filename}': {exc.strerror or exc}\n")
        return 2
    # Without standalone mode typer returns the code of a `typer.Exit` raised by a
    # command, and turns a KeyboardInterrupt it sees into 130.
    if code == 130:
        sys.stderr.write(_INTERRUPTED)
    return code if isinstance(code, int) and not isinstance(code, bool) else 0


# `datacurve drift`, `datacurve monitor ...`, `versions`, `lineage`, `card` and `expand`
# register themselves on `app`.
from datacurve.cli import _govern, _monitor  # noqa: E402,F401
