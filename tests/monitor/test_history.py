"""The monitoring history: windows kept in the store, in order, surviving a restart;
nothing recorded is overwritten by accident."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from datacurve._errors import InputError
from datacurve.curves import open_store
from datacurve.monitor import add_window, drift, history, monitor_status, windows


def _frame(seed: int, shift: float = 0.0, n: int = 300) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    d = pd.DataFrame(rng.standard_normal((n, 3)), columns=["a", "b", "c"])
    d["b"] += shift
    return d


@pytest.fixture(scope="module")
def reports() -> list:
    ref = _frame(0)
    return [drift(ref, _frame(1), multivariate=False),
            drift(ref, _frame(2, shift=0.8), multivariate=False),
            drift(ref, _frame(3, shift=1.0), multivariate=False)]


def test_windows_in_order_and_after_a_restart(tmp_path: Path, reports: list) -> None:
    store = tmp_path / "s.sqlite"
    for name, r in zip(["w-zeta", "w-alpha", "w-mid"], reports, strict=True):
        add_window(store, name, r)
    ws = windows(store)                      # a fresh read: another process would see this
    assert [w.name for w in ws] == ["w-zeta", "w-alpha", "w-mid"]
    assert [w.report.drifted for w in ws] == [False, True, True]
    assert ws[1].report.verdict == reports[1].verdict
    h = history(store)
    overall = h[h["family"] == "overall"]
    assert list(overall["window"]) == ["w-zeta", "w-alpha", "w-mid"]
    b = h[(h["name"] == "b") & (h["family"] == "feature")]
    assert list(b["drifted"]) == [False, True, True]
    assert b["p_adjusted"].iloc[1] == pytest.approx(
        next(t.p_adjusted for t in reports[1].tests if t.name == "b"))
    st = monitor_status(store)
    assert st.windows == 3 and st.drifted_windows == ("w-alpha", "w-mid")
    assert st.persistent == {"b": 2}
    assert st.verdict.startswith("latest window 'w-mid'")
    assert "'b' (2 of the last 3)" in st.verdict and st.history in st.verdict
    # The store's trials are untouched, and a store holding trials takes windows too.
    with open_store(store, readonly=True) as s:
        assert len(s) == 0


def test_a_recorded_window_is_never_overwritten_by_accident(tmp_path: Path,
                                                           reports: list) -> None:
    store = tmp_path / "s.sqlite"
    add_window(store, "day1", reports[0])
    add_window(store, "day2", reports[1])
    with pytest.raises(InputError, match="not recorded yet"):
        add_window(store, "day1", reports[2])
    assert not windows(store)[0].report.drifted
    add_window(store, "day1", reports[2], replace=True)
    ws = windows(store)
    assert [w.name for w in ws] == ["day1", "day2"]          # kept its place
    assert ws[0].report.drifted


@pytest.mark.parametrize("name", ["", " lead", "a/b", "x" * 101, "semi;colon"])
def test_bad_window_names(tmp_path: Path, reports: list, name: str) -> None:
    with pytest.raises(InputError, match="window name"):
        add_window(tmp_path / "s.sqlite", name, reports[0])


def test_status_of_a_missing_store_is_one_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        windows(tmp_path / "nothing.sqlite")
    assert not (tmp_path / "nothing.sqlite").exists()
