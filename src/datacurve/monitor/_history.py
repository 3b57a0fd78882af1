"""The monitoring history: one `DriftReport` per production window, kept in the store.

`add_window` records a window's report under its name (``meta`` key ``monitor:<name>``
of the datacurve store, beside the trials); `windows` reads them back in the order they
were added, `history` lays them out per test, and `monitor_status` says where things
stand: the latest verdict, the windows that drifted, the columns that keep drifting.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from datacurve._errors import InputError
from datacurve.curves import DEFAULT_STORE, Store, open_store
from datacurve.monitor._drift import DriftReport

__all__ = [
    "WINDOW_PREFIX",
    "MonitorStatus",
    "MonitorWindow",
    "add_window",
    "history",
    "monitor_status",
    "windows",
]

WINDOW_PREFIX = "monitor:"
"""Store ``meta`` keys of monitoring windows start with this."""

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:@+\- ]{0,99}$")


@dataclass(frozen=True)
class MonitorWindow:
    """One recorded window.

    Attributes
    ----------
    name : str
    added : str
        ISO time it was recorded (UTC).
    report : DriftReport
    """

    name: str
    added: str
    report: DriftReport


def _open(store: str | Path | Store | None, *, readonly: bool) -> tuple[Store, bool]:
    if isinstance(store, Store):
        return store, False
    path = Path(DEFAULT_STORE if store is None else store)
    if readonly and not path.exists():
        raise InputError("store", "an existing datacurve store with monitoring windows "
                         "(datacurve monitor add)", f"'{path}' (no such file)")
    return open_store(path, readonly=readonly), True


def add_window(store: str | Path | Store | None, name: str, report: DriftReport, *,
               replace: bool = False) -> MonitorWindow:
    """Record `report` as the window `name`.

    Parameters
    ----------
    store : path or Store, optional
        The datacurve store (default: `DEFAULT_STORE`); created when missing.
    name : str
        The window's name (letters, digits, ``_ . : @ + -`` and spaces; up to 100).
    report : DriftReport
    replace : bool
        Replace a window of the same name (otherwise refused: nothing recorded is lost).

    Returns
    -------
    MonitorWindow

    Raises
    ------
    InputError
        A bad name, or a name already recorded without `replace`.
    """
    if not isinstance(name, str) or not _NAME.match(name):
        raise InputError("name", "a window name of letters, digits, '_ . : @ + -' and "
                         "spaces (up to 100, starting with a letter or digit)", repr(name))
    s, close = _open(store, readonly=False)
    try:
        key = WINDOW_PREFIX + name
        old = s.get_meta(key)
        if old is not None and not replace:
            raise InputError("name", "a window name not recorded yet (or replace it)",
                             f"'{name}' (recorded {old.get('added', '?')})")
        added = _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")
        # The order windows were added in (a replaced window keeps its place).
        seq = old["seq"] if old is not None else 1 + max(
            (int(v.get("seq", 0)) for _, v in s.meta_items(WINDOW_PREFIX)), default=0)
        s.set_meta(key, {"name": name, "added": added, "seq": seq,
                         "report": report.to_dict()})
    finally:
        if close:
            s.close()
    return MonitorWindow(name, added, report)


def windows(store: str | Path | Store | None = None) -> list[MonitorWindow]:
    """The recorded windows in the order they were first added."""
    s, close = _open(store, readonly=True)
    try:
        items = s.meta_items(WINDOW_PREFIX)
    finally:
        if close:
            s.close()
    items.sort(key=lambda kv: (int(kv[1].get("seq", 0)), kv[0]))
    return [MonitorWindow(v["name"], v["added"], DriftReport.from_dict(v["report"]))
            for _, v in items]


def history(store: str | Path | Store | None = None, *,
            source: list[MonitorWindow] | None = None) -> pd.DataFrame:
    """One row per (window, test): window, added, name, family, test, p_adjusted,
    effect, drifted — plus one ``family == "overall"`` row per window with its verdict.

    Parameters
    ----------
    store : path or Store, optional
    source : list of MonitorWindow, optional
        Windows already read (instead of the store).
    """
    ws = windows(store) if source is None else source
    rows: list[dict[str, Any]] = []
    for w in ws:
        r = w.report
        rows.append({"window": w.name, "added": w.added, "name": "overall",
                     "family": "overall", "test": "", "p_adjusted": min(
                         (t.p_adjusted for t in r.tests), default=float("nan")),
                     "effect": float("nan"), "drifted": r.drifted, "reason": r.verdict})
        rows += [{"window": w.name, "added": w.added, "name": t.name, "family": t.family,
                  "test": t.test, "p_adjusted": t.p_adjusted, "effect": t.effect,
                  "drifted": t.drifted, "reason": t.reason} for t in r.tests]
    cols = ["window", "added", "name", "family", "test", "p_adjusted", "effect", "drifted",
            "reason"]
    return pd.DataFrame(rows, columns=cols)


@dataclass(frozen=True)
class MonitorStatus:
    """Where monitoring stands (see `monitor_status`).

    Attributes
    ----------
    windows : int
    drifted_windows : tuple of str
        Names of the windows whose verdict is drift, in order.
    latest : MonitorWindow or None
    persistent : dict
        Column → windows (of the last `recent`) in which its feature test drifted, for
        columns that drifted in at least two of them.
    recent : int
    """

    windows: int
    drifted_windows: tuple[str, ...]
    latest: MonitorWindow | None
    persistent: dict[str, int]
    recent: int

    @property
    def history(self) -> str:
        """One line on the whole history: the windows that drifted and the columns that
        keep drifting."""
        names = ", ".join(f"'{n}'" for n in self.drifted_windows[-8:])
        more = (f" and {len(self.drifted_windows) - 8} earlier"
                if len(self.drifted_windows) > 8 else "")
        line = (f"{len(self.drifted_windows)} of {self.windows} windows drifted"
                + (f" ({names}{more})" if names else ""))
        if self.persistent:
            cols = ", ".join(f"'{k}' ({v} of the last {self.recent})"
                             for k, v in list(self.persistent.items())[:5])
            line += f"; drifting again and again: {cols}"
        return line

    @property
    def verdict(self) -> str:
        """One line: the latest window's verdict, then `history`."""
        if self.latest is None:
            return "no monitoring windows recorded yet (datacurve monitor add)"
        return (f"latest window '{self.latest.name}' ({self.latest.added}): "
                f"{self.latest.report.verdict}; {self.history}")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {"verdict": self.verdict, "history": self.history, "windows": self.windows,
                "drifted_windows": list(self.drifted_windows),
                "latest": None if self.latest is None else {
                    "name": self.latest.name, "added": self.latest.added,
                    "drifted": self.latest.report.drifted,
                    "verdict": self.latest.report.verdict},
                "persistent": self.persistent, "recent": self.recent}


def monitor_status(store: str | Path | Store | None = None, *, recent: int = 5,
                   source: list[MonitorWindow] | None = None) -> MonitorStatus:
    """The latest verdict, the windows that drifted, and the columns that drifted in at
    least two of the `recent` last windows."""
    if recent < 1:
        raise InputError("recent", "a positive number of windows", repr(recent))
    ws = windows(store) if source is None else source
    counts: dict[str, int] = {}
    for w in ws[-recent:]:
        for t in w.report.family("feature"):
            if t.drifted:
                counts[t.name] = counts.get(t.name, 0) + 1
    persistent = dict(sorted(((k, v) for k, v in counts.items() if v >= 2),
                             key=lambda kv: (-kv[1], kv[0])))
    return MonitorStatus(len(ws), tuple(w.name for w in ws if w.report.drifted),
                         ws[-1] if ws else None, persistent, min(recent, len(ws)))
