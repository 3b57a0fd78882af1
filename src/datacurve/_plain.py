"""Plain, JSON-ready values from NumPy and pandas ones (a bottom module, no room).

Every ``to_dict`` and the CLI's ``--json`` go through `plain`, so NaN and infinity are
``None`` and NumPy scalars are Python numbers everywhere.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np

__all__ = ["num", "plain", "plain_value"]


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
