"""Printing for the CLI: rich tables, progress bars and JSON. No computation here."""

from __future__ import annotations

import json
import math
import sys
from contextlib import AbstractContextManager
from typing import Any

import numpy as np
import pandas as pd
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from datacurve.curves import progress_bar as _runner_progress

__all__ = ["audit_table", "curve_table", "diagnosis_lines", "err_console", "fit_table",
           "json_default", "out_console", "plan_lines", "print_json", "progress_bar",
           "records", "worst_lines"]

out_console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)


def progress_bar(enabled: bool, label: str) -> AbstractContextManager[Any]:
    """The runner's progress bar, drawn on the CLI's stderr console."""
    return _runner_progress(enabled, label, console=err_console)


def json_default(obj: Any) -> Any:
    """JSON encoder for NumPy and pandas values; NaN becomes null upstream."""
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating):
        return None if math.isnan(float(obj)) else float(obj)
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, pd.Timestamp):
        return obj.isoformat()
    return str(obj)


def _clean(obj: Any) -> Any:
    if isinstance(obj, float) and (math.isnan(obj) or math.isinf(obj)):
        return None
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_clean(v) for v in obj]
    return obj


def print_json(payload: Any) -> None:
    """Write `payload` as JSON on stdout (NaN and inf as null)."""
    text = json.dumps(_clean(json.loads(json.dumps(payload, default=json_default,
                                                   allow_nan=True))), indent=2)
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """DataFrame rows as JSON-ready dicts."""
    return [_clean(r) for r in json.loads(df.to_json(orient="records", double_precision=6))]




def curve_table(summary: pd.DataFrame, title: str) -> Table:
    """Evaluation metric (mean ± std over seeds) per training size (rows) and model."""
    metric = str(summary["metric"].iloc[0]) if len(summary) else "score"
    table = Table(title=title, title_justify="left")
    table.add_column("n", justify="right")
    models = list(dict.fromkeys(summary["model"]))
    for m in models:
        params = int(summary.loc[summary["model"] == m, "params"].max())
        table.add_column(f"{m}\n{params:,} params", justify="right")
    for n in sorted(set(summary["n"])):
        row = [f"{n:,}"]
        for m in models:
            hit = summary[(summary["model"] == m) & (summary["n"] == n)]
            if hit.empty or hit["seeds"].iloc[0] == 0:
                row.append("[red]failed[/]" if not hit.empty else "")
                continue
            mean = float(hit["val_mean"].iloc[0])
            std = float(hit["val_std"].iloc[0])
            cell = f"{mean:.3f}" + (f" ± {std:.3f}" if not math.isnan(std) else "")
            if int(hit["failed"].iloc[0]):
                cell += f" [red]({int(hit['failed'].iloc[0])} failed)[/]"
            row.append(cell)
        table.add_row(*row)
    table.caption = f"evaluation {metric}: mean ± std over seeds"
    return table


def _fmt_n(x: float | None) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    if math.isinf(x):
        return "never"
    return f"{math.ceil(x):,}"


def fit_table(rows: list[dict[str, Any]], metric: str, title: str) -> Table:
    """Fitted curves: predicted score [80 % interval] per size (rows) and model
    (columns, headed by the family chosen and the asymptote)."""
    table = Table(title=title, title_justify="left")
    table.add_column("n", justify="right")
    for r in rows:
        asym = "–" if r["asymptote"] is None else f"{r['asymptote']:.3f}"
        table.add_column(f"{r['model']}\n{r['method']}: {r['family']}\n→ {asym}",
                         justify="right")
    sizes = sorted({int(v["n"]) for r in rows for v in r["predictions"]})
    for n in sizes:
        cells = [f"{n:,}"]
        for r in rows:
            hit = [v for v in r["predictions"] if int(v["n"]) == n]
            cells.append(f"{hit[0]['predicted']:.3f} [{hit[0]['interval'][0]:.3f}, "
                         f"{hit[0]['interval'][1]:.3f}]" if hit else "")
        table.add_row(*cells)
    table.caption = (f"{metric}: predicted [80 % interval]; → the asymptote "
                     "(the score with unlimited data)")
    return table


def plan_lines(p: dict[str, Any]) -> list[str]:
    """A data plan as short readable lines."""
    metric = p["metric"]
    lines = [f"[bold]{p['model']}[/]: {metric} {p['predicted_now']:.4g} at n={p['have']:,} now; "
             f"target {p['target']:g}"]
    if p["reachable"]:
        lo, hi = p["samples_interval"]
        hi_text = "never" if hi is None else _fmt_n(hi)
        lines.append(f"samples needed: {_fmt_n(p['samples_needed'])} "
                     f"({int(100 * p['level'])} % interval {_fmt_n(lo)} – {hi_text}); "
                     f"collect {_fmt_n(p['additional'])} more")
    else:
        lines.append(f"samples needed: never — the curve levels off at {p['asymptote']:.4g}")
    if p["at"] is not None:
        lo, hi = p["interval_at"]
        lines.append(f"at n={p['at']:,}: {metric} {p['predicted_at']:.4g} "
                     f"[{lo:.4g}, {hi:.4g}]")
    if p["train_seconds"] is not None:
        lines.append(f"training at that size: about {p['train_seconds']:.1f} s per run "
                     "(from the measured fit times)")
    if p["cost"] is not None:
        lines.append(f"cost of the additional samples: {p['cost']:,.2f}")
    if p["budget"] is not None:
        lines.append(f"budget {p['budget']:,.2f} buys {_fmt_n(p['budget_samples'])} samples: "
                     f"{metric} {p['budget_score']:.4g} predicted")
    for r in p["rounds"]:
        lines.append(f"  round {r['round']}: grow to {r['total']:,} (+{r['add']:,}), expect "
                     f"{metric} {r['predicted']:.4g}; then re-measure and re-plan")
    lines += [f"note: {n}" for n in p["notes"]]
    return lines


def diagnosis_lines(d: dict[str, Any]) -> list[str]:
    """A diagnosis as short readable lines (text from the data is escaped)."""
    ev = d["evidence"]
    verdict = d["bottleneck"].replace("_", " ")
    lines = [f"[bold]{escape(d['model'])}[/]: bottleneck [bold]{verdict}[/]"]
    if "val_score" in ev:
        def f(x: Any) -> str:
            return "n/a" if x is None else f"{x:.3g}"

        lines.append(
            f"  at n={ev['n']:,}: {d['metric']} train {ev['train_score']:.4g}, evaluation "
            f"{ev['val_score']:.4g}; avoidable bias {f(ev.get('avoidable_bias'))}, variance "
            f"{f(ev.get('variance'))} (optimal error {f(ev.get('optimal_error'))}, "
            f"{ev.get('optimal_source', 'unknown')})")
        extra = [f"doubling the data {ev['gain_double_data']:+.3g}"]
        if ev.get("gain_larger_model") is not None:
            extra.append(f"a larger model ({escape(str(ev['larger_model']))}) "
                         f"{ev['gain_larger_model']:+.3g}")
        if ev.get("gain_clean_labels") is not None:
            extra.append(f"clean labels {ev['gain_clean_labels']:+.3g}")
        lines.append(f"  gains: {', '.join(extra)}")
    for i, r in enumerate(d["recommendations"], 1):
        lines.append(f"  {i}. {escape(r['reason'])}")
    lines += [f"  note: {escape(n)}" for n in d["notes"]]
    return lines


def audit_table(summary: list[dict[str, Any]], title: str) -> Table:
    """One row per check: flagged, share, summary score, seconds, or why skipped."""
    table = Table(title=escape(title), title_justify="left")
    for col in ("check", "flagged", "share", "score", "seconds", "note"):
        table.add_column(col, justify="right" if col in ("flagged", "share", "score",
                                                         "seconds") else "left")
    for r in summary:
        skipped = r.get("skipped")
        table.add_row(r["check"], "-" if skipped else f"{r['flagged']:,}",
                      "-" if skipped else f"{100 * r['share']:.1f} %",
                      f"{r['summary_score']:.3f}",
                      "" if r.get("seconds") is None else f"{r['seconds']:.2f}",
                      escape(f"skipped: {skipped}") if skipped else "")
    return table


def worst_lines(check: str, rows: list[dict[str, Any]]) -> list[str]:
    """The worst examples of one check, one line each (values from the data escaped)."""
    out = [f"[bold]{check}[/] worst:"]
    for r in rows:
        extra = ""
        if r.get("other", -1) is not None and r.get("other", -1) >= 0:
            extra = f", pairs with row {r['other']}"
        if r.get("suggested_label") is not None:
            extra += f", suggested label {escape(str(r['suggested_label']))}"
        out.append(f"  row {r['index']} (id {escape(str(r['id']))}, label "
                   f"{escape(str(r['label']))}): score {r['score']:.3f}{extra}")
    return out
