"""Late binding for the conveniences of early rooms, so that imports flow one way.

A value made in an early room offers shortcuts that need a later one: `CurveRun.fit()`
(curves) needs the analysis room, and the notebook display (``_repr_html_``) of a
`LearningCurve` (fit), a `Diagnosis` (diagnosis) or an `AuditReport` (auditing) needs the
report room. Importing upward would tie the rooms in a knot. Instead, the later room
registers its function here when it is imported (``import datacurve`` imports every
room), and the early room looks it up when the shortcut is called. A bottom module: it
imports no room.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from datacurve._errors import DatacurveError

__all__ = ["html", "provide", "provide_html", "provided"]

_PROVIDED: dict[str, Callable[..., Any]] = {}
_HTML: dict[type, Callable[[Any], str]] = {}


def provide(name: str, fn: Callable[..., Any]) -> None:
    """Register `fn` under `name` (a later room offering a function to earlier ones)."""
    _PROVIDED[name] = fn


def provided(name: str) -> Callable[..., Any]:
    """The function a later room registered under `name`.

    Raises
    ------
    DatacurveError
        When no room registered it (its room was not imported: ``import datacurve``).
    """
    try:
        return _PROVIDED[name]
    except KeyError:
        raise DatacurveError(f"{name!r} is provided by a room that is not imported yet; "
                             "run 'import datacurve' first") from None


def provide_html(cls: type, render: Callable[[Any], str]) -> None:
    """Register how the report room renders values of `cls` as an HTML fragment."""
    _HTML[cls] = render


def html(obj: Any) -> str | None:
    """`obj` as an HTML fragment (Jupyter's ``_repr_html_``), or None when no renderer is
    registered for its type (Jupyter then shows its ``repr``)."""
    for cls in type(obj).__mro__:
        render = _HTML.get(cls)
        if render is not None:
            return render(obj)
    return None
