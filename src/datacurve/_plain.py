"""Plain, JSON-ready values from NumPy and pandas ones (a bottom module, no room).

Every ``to_dict`` and the CLI's ``--json`` go through `plain`, so NaN and infinity are
``None`` and NumPy scalars are Python numbers everywhere.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np

__all__ = ["multiplier", "num", "plain", "plain_value", "short_names", "short_sizes"]


def multiplier(m: float | None) -> str:
    """A multiplier as the CLI, the report and the analysis's texts write it: ``2.40×``,
    ``1,250×`` from 100 on, ``∞×`` for an unbounded one, ``–`` when missing or NaN.

    Examples
    --------
    >>> multiplier(2.4), multiplier(1250.0), multiplier(float("inf")), multiplier(None)
    ('2.40×', '1,250×', '∞×', '–')
    """
    if m is None or math.isnan(m):
        return "–"
    if math.isinf(m):
        return "∞×"
    return f"{m:.2f}×" if m < 100 else f"{m:,.0f}×"


def num(x: Any) -> float | None:
    """`x` as a finite float, or None (missing, NaN or infinite)."""
    if x is None:
        return None
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def plain_value(v: Any) -> Any:
    """One identifier or label as JSON holds it: NumPy scalars as Python values, other
    objects as text."""
    if isinstance(v, np.generic):
        return v.item()
    return v if isinstance(v, int | float | str | bool) or v is None else str(v)


def plain(obj: Any) -> Any:
    """`obj` with NumPy arrays and scalars turned into Python values, recursively, and
    NaN and ±inf into None; dict keys become strings; datacurve's result values (frozen
    dataclasses with a ``to_dict``) become their ``to_dict()``."""
    to_dict = getattr(obj, "to_dict", None)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type) and callable(to_dict):
        return plain(to_dict())
    if isinstance(obj, dict):
        return {str(k): plain(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [plain(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return plain(obj.tolist())
    if isinstance(obj, bool | np.bool_):
        return bool(obj)
    if isinstance(obj, float | np.floating):
        f = float(obj)
        return f if math.isfinite(f) else None
    if isinstance(obj, np.generic):
        return obj.item()
    return obj


# -- short text for reprs ------------------------------------------------------------------
def short_names(names: Any, *, first: int = 3, width: int = 40) -> str:
    """A list of names for a one-line ``repr``: the first `first` names (each cut to
    `width` characters with an ellipsis), then how many there are in all.

    >>> short_names(["a", "b"])
    "['a', 'b']"
    >>> short_names(["a", "b", "c", "d", "e"])
    "['a', 'b', 'c', ...] (5)"
    """
    items = [str(n) for n in names]
    shown = [n if len(n) <= width else n[: width - 1] + "…" for n in items[:first]]
    text = "[" + ", ".join(repr(n) for n in shown)
    return text + (f", ...] ({len(items)})" if len(items) > first else "]")


def short_sizes(sizes: Any) -> str:
    """Training-set sizes for a one-line ``repr``: all of up to four, else the first
    and the last and how many.

    >>> short_sizes([16, 32, 64])
    '[16, 32, 64]'
    >>> short_sizes([16, 23, 32, 46, 64, 91])
    '[16, ..., 91] (6)'
    """
    vals = [int(v) for v in np.asarray(sizes, dtype=np.float64).ravel()
            if math.isfinite(float(v))]
    if len(vals) <= 4:
        return "[" + ", ".join(str(v) for v in vals) + "]"
    return f"[{vals[0]}, ..., {vals[-1]}] ({len(vals)})"
