"""Errors raised at datacurve's public boundary.

Every error that comes from bad input names the input, what was expected and what was
received, so the CLI can print it as one line and exit with code 2.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["DatacurveError", "InputError", "describe", "did_you_mean"]


class DatacurveError(Exception):
    """Base class of all errors datacurve raises on purpose."""


class InputError(DatacurveError, ValueError):
    """Bad input: names the input, what was expected and what was received.

    Parameters
    ----------
    name : str
        The input, as the user knows it: a Python parameter (``spec``, ``store``,
        ``seeds``), a file path, a column. The CLI names its own flag instead
        (``--model``, ``--store``, ``--seeds``).
    expected : str
        What datacurve expected.
    got : str
        What it received.

    Examples
    --------
    >>> str(InputError("label", "a column of data.csv", "'price' (columns: a, b)"))
    "label: expected a column of data.csv, got 'price' (columns: a, b)"
    """

    def __init__(self, name: str, expected: str, got: str) -> None:
        self.name = name
        self.expected = expected
        self.got = got
        super().__init__(f"{name}: expected {expected}, got {got}")


def describe(values: Iterable[object], limit: int = 6) -> str:
    """Short, readable description of a collection for error messages.

    Parameters
    ----------
    values : iterable
        The values to list.
    limit : int
        At most this many are shown; the rest are counted.
    """
    items = [str(v) for v in values]
    shown = ", ".join(items[:limit])
    if len(items) > limit:
        shown += f", … ({len(items) - limit} more)"
    return shown


def did_you_mean(value: object, choices: Iterable[object]) -> str:
    """`` (did you mean 'x'?)`` for the choice closest to `value`, or ``""``."""
    import difflib

    close = difflib.get_close_matches(str(value), [str(c) for c in choices], n=1,
                                      cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""
