"""Training-set sizes (anchors) for learning curves.

The default schedule is LCDB's (Mohr et al., 2022): ``ceil(16 * 2**(k/2))`` for
k = 0, 1, ... up to the pool size, so consecutive anchors differ by a factor of √2.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from datacurve._errors import InputError

__all__ = ["MIN_ANCHOR", "geometric_anchors", "resolve_anchors"]

MIN_ANCHOR = 16
"""Smallest default anchor (LCDB)."""
FINAL_ANCHOR_GAP = 1.1
"""The pool size is added as a last default anchor when it is at least this factor above
the last geometric one."""


def geometric_anchors(
    max_size: int, *, min_size: int = MIN_ANCHOR, step: float = 0.5
) -> np.ndarray:
    """LCDB's geometric schedule ``ceil(min_size * 2**(k*step))`` up to `max_size`.

    Parameters
    ----------
    max_size : int
        Largest admissible size (the pool size).
    min_size : int
        First anchor.
    step : float
        Exponent step; 0.5 gives factors of √2.

    Returns
    -------
    ndarray of shape (m,)
        Strictly increasing int64 sizes, all <= `max_size`; empty when
        ``max_size < min_size``.

    Examples
    --------
    >>> geometric_anchors(100).tolist()
    [16, 23, 32, 46, 64, 91]
    """
    if min_size < 1:
        raise InputError("min_size", "a positive integer", repr(min_size))
    if step <= 0:
        raise InputError("step", "a positive number", repr(step))
    if max_size < min_size:
        return np.zeros(0, dtype=np.int64)
    k_max = math.floor(math.log2(max_size / min_size) / step) + 1
    sizes = np.ceil(min_size * 2.0 ** (np.arange(k_max + 1) * step)).astype(np.int64)
    return np.unique(sizes[sizes <= max_size])


def resolve_anchors(pool_size: int, sizes: Sequence[int] | None = None,
                    *, max_size: int | None = None) -> np.ndarray:
    """The anchors to run: user-given `sizes` or the geometric default.

    Parameters
    ----------
    pool_size : int
        Examples available for training.
    sizes : sequence of int, optional
        Explicit sizes. Each must be in ``[1, pool_size]``.
    max_size : int, optional
        Cap on the default schedule (ignored when `sizes` is given).

    Returns
    -------
    ndarray of shape (m,)
        Sorted unique sizes: the given ones, or the geometric schedule up to the cap
        followed by the cap itself (the full pool, as LCDB does) when it lies at least
        `FINAL_ANCHOR_GAP` times above the last geometric size.
    """
    if sizes is not None:
        arr = np.asarray(list(sizes))
        if arr.size == 0 or arr.ndim != 1 or not np.issubdtype(arr.dtype, np.integer):
            raise InputError("sizes", "a non-empty list of integers", repr(list(sizes)))
        bad = arr[(arr < 1) | (arr > pool_size)]
        if bad.size:
            raise InputError("sizes", f"sizes between 1 and the training pool of {pool_size}",
                             ", ".join(str(int(b)) for b in bad))
        return np.unique(arr.astype(np.int64))
    cap = pool_size if max_size is None else min(pool_size, int(max_size))
    # Default: geometric sizes up to the cap, then the cap itself (see FINAL_ANCHOR_GAP).
    anchors = geometric_anchors(cap)
    if anchors.size == 0:
        raise InputError("data", f"at least {MIN_ANCHOR} training examples for the smallest "
                         "anchor", f"{pool_size} examples in the training pool")
    if cap >= FINAL_ANCHOR_GAP * anchors[-1]:
        # LCDB ends every curve at the full training set; the largest size is the one a
        # team cares most about. Skipped when it would nearly duplicate the last anchor.
        anchors = np.append(anchors, np.int64(cap))
    return anchors
