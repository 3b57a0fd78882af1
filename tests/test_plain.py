"""The bottom formatting module every surface shares (`datacurve._plain`)."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from datacurve._plain import multiplier, plain


def test_multiplier_is_written_one_way() -> None:
    """The CLI, the report and the analysis's texts write a multiplier the same way."""
    assert multiplier(2.4) == "2.40×"
    assert multiplier(1250.0) == "1,250×"
    assert multiplier(math.inf) == "∞×"
    assert multiplier(None) == multiplier(math.nan) == "–"


@given(st.floats(min_value=0.0, max_value=1e9, allow_nan=False))
def test_multiplier_reads_back_close(m: float) -> None:
    """What is written reads back within its rounding."""
    text = multiplier(m).rstrip("×").replace(",", "")
    assert abs(float(text) - m) <= 0.5 + 1e-9 * m


def test_plain_turns_non_finite_into_none() -> None:
    """NaN and infinity become None, NumPy scalars Python numbers, in nested values."""
    out = plain({"a": np.float64(np.nan), "b": [np.int64(3), np.inf]})
    assert out == {"a": None, "b": [3, None]}
