"""A progress bar for the runner's events: trials done, the last one, and an ETA
weighted by trial cost (training time grows with the subset size). Drawn by rich on
stderr, so JSON on stdout stays clean; used by `run_curve(progress=True)` and the CLI."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from datacurve.curves._runner import ProgressEvent

__all__ = ["progress_bar"]


@contextmanager
def progress_bar(enabled: bool, label: str, *, console: Console | None = None
                 ) -> Iterator[Any]:
    """A progress callback drawing a bar with an ETA weighted by trial cost.

    Parameters
    ----------
    enabled : bool
        False yields None (no callback, nothing drawn).
    label : str
        Shown before the bar.
    console : rich Console, optional
        Where to draw (default: a console on stderr, so JSON on stdout stays clean).
    """
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
        console=console or Console(stderr=True, highlight=False),
        transient=False,
    )
    state: dict[str, TaskID] = {}

    def callback(event: ProgressEvent) -> None:
        if event.kind == "start" and "task" in state:
            # A budgeted run's next round: the same bar, a larger total.
            progress.update(state["task"], total=max(event.cost_total, 1.0),
                            trials=f"{event.done}/{event.total} trials")
            return
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
