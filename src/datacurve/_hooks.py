"""Late binding for the conveniences of early rooms, so that imports flow one way.

A value made in an early room offers shortcuts that need a later one: `CurveRun.fit()`
(curves) needs the analysis room, and the notebook display (``_repr_html_``) of a
`LearningCurve` (fit), a `Diagnosis` (diagnosis) or an `AuditReport` (auditing) needs the
report room. Importing upward would tie the rooms in a knot. Instead, the later room
registers its function here when it is imported, and the early room looks it up when
the shortcut is called; a shortcut whose room is not imported yet imports it then (by
name, from `HOMES`). A bottom module: it imports no room at import time.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from datacurve._errors import DatacurveError

__all__ = ["html", "provide", "provide_html", "provided"]

_PROVIDED: dict[str, Callable[..., Any]] = {}
_HTML: dict[type, Callable[[Any], str]] = {}

HOMES = {"analyze": "datacurve.analysis", "budget_step": "datacurve.fit",
         "html": "datacurve.report"}
"""The room that registers each provided function (and ``"html"``: the renderers)."""


def _import_home(name: str) -> None:
    home = HOMES.get(name)
    if home is not None:
        importlib.import_module(home)


def provide(name: str, fn: Callable[..., Any]) -> None:
    """Register `fn` under `name` (a later room offering a function to earlier ones)."""
    _PROVIDED[name] = fn


def provided(name: str) -> Callable[..., Any]:
    """The function a later room registered under `name`.

    Raises
    ------
    DatacurveError
        When no room registers it.
    """
    if name not in _PROVIDED:
        _import_home(name)
    try:
        return _PROVIDED[name]
    except KeyError:
        raise DatacurveError(f"no room provides {name!r}") from None


def provide_html(cls: type, render: Callable[[Any], str]) -> None:
    """Register how the report room renders values of `cls` as an HTML fragment."""
    _HTML[cls] = render


def html(obj: Any) -> str | None:
    """`obj` as an HTML fragment (Jupyter's ``_repr_html_``), or None when no renderer is
    registered for its type (Jupyter then shows its ``repr``)."""
    for attempt in range(2):
        for cls in type(obj).__mro__:
            render = _HTML.get(cls)
            if render is not None:
                return render(obj)
        if attempt == 0:
            _import_home("html")
    return None
