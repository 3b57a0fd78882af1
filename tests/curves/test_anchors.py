"""Anchors: LCDB's geometric schedule and user-given sizes."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from datacurve import InputError
from datacurve.curves import geometric_anchors, resolve_anchors


def test_default_schedule_is_lcdbs() -> None:
    """The default sizes are ceil(16 * 2^(k/2))."""
    expected = [math.ceil(16 * 2 ** (k / 2)) for k in range(12)]
    assert geometric_anchors(expected[-1]).tolist() == expected


@given(st.integers(min_value=16, max_value=10_000_000))
def test_schedule_is_increasing_and_bounded(max_size: int) -> None:
    """Anchors increase strictly, start at 16, never exceed the pool, and step by about √2."""
    a = geometric_anchors(max_size)
    assert a[0] == 16
    assert a[-1] <= max_size
    assert np.all(np.diff(a) > 0)
    assert a[-1] * math.sqrt(2) > max_size - 1  # no schedule point left out below the cap
    ratios = a[1:] / a[:-1]
    assert np.all((ratios > 1.3) & (ratios < 1.5))


def test_pool_smaller_than_first_anchor_is_refused() -> None:
    """A pool smaller than the smallest anchor is a clear input error."""
    with pytest.raises(InputError) as info:
        resolve_anchors(10)
    assert "16" in str(info.value) and "10 examples" in str(info.value)


def test_user_sizes_are_checked_against_the_pool() -> None:
    """User sizes outside [1, pool] are named in the error."""
    with pytest.raises(InputError) as info:
        resolve_anchors(100, [10, 500])
    assert "500" in str(info.value)


def test_user_sizes_are_sorted_and_unique() -> None:
    """User sizes come back sorted without repeats."""
    assert resolve_anchors(100, [50, 10, 50]).tolist() == [10, 50]


def test_default_anchors_end_at_the_full_pool() -> None:
    """As in LCDB, the default schedule ends with the whole training pool (8,000 after
    5,793), but not when that would nearly repeat the last geometric size."""
    assert resolve_anchors(8000).tolist()[-2:] == [5793, 8000]
    assert resolve_anchors(6000).tolist()[-1] == 5793
    assert resolve_anchors(8000, max_size=1000).tolist()[-2:] == [725, 1000]
