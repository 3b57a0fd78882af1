"""Printing for the CLI: rich tables, progress bars and JSON. No computation here."""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import pandas as pd
from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from datacurve.curves import ProgressEvent

__all__ = ["curve_table", "err_console", "json_default", "out_console", "print_json",
           "progress_bar"]

out_console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)


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


@contextmanager
def progress_bar(enabled: bool, label: str) -> Iterator[Any]:
    """A progress callback drawing a bar with an ETA weighted by trial cost on stderr."""
    if not enabled:
        yield None
        return
    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[trials]}"),
        TextColumn("{task.fields[last]}"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=err_console,
        transient=False,
    )
    state: dict[str, TaskID] = {}

    def callback(event: ProgressEvent) -> None:
        if event.kind == "start":
            state["task"] = progress.add_task(
                label, total=max(event.cost_total, 1.0),
                trials=f"0/{event.total} trials" + (f" ({event.cached} cached)"
                                                    if event.cached else ""),
                last="")
            return
        task = state.get("task")
        if task is None:
            return
        last = ""
        if event.result is not None:
            r = event.result
            last = (f"{r.model} n={r.n} s={r.seed}" if r.status == "ok"
                    else f"[red]failed[/] {r.model} n={r.n}")
        progress.update(task, completed=event.cost_done,
                        trials=f"{event.done}/{event.total} trials"
                        + (f" ({event.cached} cached)" if event.cached else ""),
                        last=last)

    with progress:
        yield callback


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
