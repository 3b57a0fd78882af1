"""The ``missing`` check: planted missing and malformed cells are found, clean look-alikes
are not, and the column findings (shares, constant, all-missing, mixed types) hold."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from datacurve.auditing import audit
from datacurve.auditing.checks._missing import Missing
from datacurve.data import Dataset, load

N = 40


def planted_frame() -> tuple[pd.DataFrame, set[int]]:
    """A table of 40 rows (5 feature columns) with one planted bad cell in each of 12
    rows; the other rows hold look-alikes of bad values that are fine ("None of the
    above", "null hypothesis", "--", "-5", "0")."""
    rng = np.random.default_rng(0)
    df = pd.DataFrame({
        "x": rng.normal(size=N),
        "size": rng.integers(1, 9, size=N).astype(float),
        "colour": np.array(["red", "green", "blue", "None of the above"])[np.arange(N) % 4],
        "note": np.array(["ok", "n/a-ish", "null hypothesis", "a-b", "?!", "--",
                          "None of those", "nan bread"])[np.arange(N) % 8],
        "delta": np.array(["-5", "0", "3.5", "-1"])[np.arange(N) % 4],
        "label": np.array(["+", "-"])[np.arange(N) % 2],      # "-" is a class, not missing
    }).astype({"colour": object, "note": object, "delta": object})
    plant = {1: ("x", np.nan), 3: ("x", np.inf), 5: ("size", -np.inf),
             7: ("colour", None), 9: ("colour", ""), 11: ("colour", "   "),
             13: ("note", "NA"), 15: ("note", "N/A"), 17: ("note", "null"),
             19: ("note", "None"), 21: ("delta", "?"), 23: ("delta", " - ")}
    for row, (column, value) in plant.items():
        df.loc[row, column] = value
    return df, set(plant)


def run_missing(data: object, **kw: object) -> object:
    """The ``missing`` result of an audit of `data` (a Dataset)."""
    return audit(data, checks=["missing"], **kw).results["missing"]


def test_planted_cells_are_found_without_false_positives() -> None:
    """Every row with NaN, inf, empty, blank or a placeholder is flagged, and only those."""
    df, planted = planted_frame()
    r = run_missing(load(df, label="label"))
    assert set(np.flatnonzero(r.flags)) == planted


def test_kinds_are_counted() -> None:
    """info counts missing, infinite, empty and placeholder cells separately."""
    df, _ = planted_frame()
    info = run_missing(load(df, label="label")).info
    assert info["by_kind"] == {"missing": 2, "infinite": 2, "empty": 2, "placeholder": 6}
    assert info["placeholders_found"] == {"note": {"NA": 1, "N/A": 1, "null": 1, "None": 1},
                                          "delta": {"?": 1, "-": 1}}


def test_label_column_is_not_scanned() -> None:
    """A label "-" (a real class) is not a placeholder: the label column is excluded."""
    df, _ = planted_frame()
    info = run_missing(load(df, label="label")).info
    assert info["excluded_columns"] == ["label"] and info["n_columns"] == 5


def test_score_is_share_of_cells_present() -> None:
    """A row with 2 of 5 cells bad scores 0.6; the summary is the share of cells present."""
    df, planted = planted_frame()
    df.loc[1, "note"] = "?"                           # row 1 now has 2 bad cells
    r = run_missing(load(df, label="label"))
    assert r.scores[1] == pytest.approx(0.6)
    assert r.scores[3] == pytest.approx(0.8) and r.scores[0] == 1.0
    assert r.summary == pytest.approx(1 - (len(planted) + 1) / (N * 5))


def test_csv_placeholders_are_found(tmp_path: Path) -> None:
    """From a CSV: pandas' own NA tokens, "?" and "-" in a numeric column, "inf"."""
    path = tmp_path / "t.csv"
    path.write_text("a,b,label\n1,x,0\n?,y,1\n-,z,0\n4,,1\ninf,w,0\n6,null,1\n7,v,0\n")
    r = run_missing(load(path, label="label"))
    assert set(np.flatnonzero(r.flags)) == {1, 2, 3, 4, 5}


def test_column_share_of_missing() -> None:
    """info lists each column's share of missing cells, worst first."""
    df, _ = planted_frame()
    info = run_missing(load(df, label="label")).info
    assert info["missing_share"] == {"note": 4 / N, "colour": 3 / N, "delta": 2 / N,
                                     "x": 2 / N, "size": 1 / N}


def test_constant_and_all_missing_columns() -> None:
    """A column of one value is constant; a column of placeholders only is all-missing."""
    df, _ = planted_frame()
    df["same"] = "k"
    df["gone"] = pd.Series(["?", None, "NA", ""] * (N // 4), dtype=object)
    info = run_missing(load(df, label="label")).info
    assert info["constant_columns"] == ["same"]
    assert info["all_missing_columns"] == ["gone"]


def test_mixed_type_column() -> None:
    """Numbers and non-numeric text in one column are reported, with the minority rows."""
    df, _ = planted_frame()
    df["weight"] = pd.Series([str(v) for v in range(N)], dtype=object)
    df.loc[[4, 6], "weight"] = ["twelve", "3kg"]
    info = run_missing(load(df, label="label")).info
    assert info["mixed_type_columns"] == {"weight": {"numeric": N - 2, "text": 2,
                                                     "minority": "text", "rows": [4, 6]}}


def test_placeholders_do_not_make_a_column_mixed() -> None:
    """Numbers with "?" and "-", or words with "NA" and "null", are not mixed-type."""
    df, _ = planted_frame()
    info = run_missing(load(df, label="label")).info
    assert info["mixed_type_columns"] == {}


def test_clean_table_is_not_flagged() -> None:
    """A complete table gives no flag and a summary of 1."""
    df, planted = planted_frame()
    df = df.drop(index=sorted(planted)).reset_index(drop=True)
    r = run_missing(load(df, label="label"))
    assert not r.flags.any() and r.summary == 1.0


def test_arrays_use_the_features() -> None:
    """Without a table: NaN and inf in X are flagged, per row."""
    X = np.random.default_rng(1).normal(size=(30, 3))
    X[2, 0], X[5, 1], X[5, 2] = np.nan, np.inf, -np.inf
    r = audit(X, np.arange(30) % 2, checks=["missing"]).results["missing"]
    assert set(np.flatnonzero(r.flags)) == {2, 5}
    assert r.scores[5] == pytest.approx(1 / 3)
    assert r.info["source"] == "features"


def test_numeric_dataframe_constant_column() -> None:
    """A numeric DataFrame given to audit is scanned as its table."""
    df = pd.DataFrame({"a": np.arange(20.0), "b": np.ones(20)})
    df.loc[3, "a"] = np.nan
    r = audit(df, np.arange(20) % 2, checks=["missing"]).results["missing"]
    assert set(np.flatnonzero(r.flags)) == {3} and r.info["constant_columns"] == ["b"]


def test_sparse_features() -> None:
    """Sparse features without a table: non-finite stored values are flagged."""
    import scipy.sparse as sp

    M = sp.random(20, 6, density=0.5, format="csr", random_state=0)
    M.data[0] = np.nan
    row = int(np.searchsorted(M.indptr, 0, side="right") - 1)
    ds = Dataset(M, np.arange(20) % 2, "classification")
    r = audit(ds, checks=["missing"]).results["missing"]
    assert set(np.flatnonzero(r.flags)) == {row}


def test_custom_placeholders() -> None:
    """The placeholder list is a parameter ("unknown" added)."""
    df, planted = planted_frame()
    df.loc[0, "colour"] = "Unknown"
    r = run_missing(load(df, label="label"),
                    params={"missing": {"placeholders": [*Missing().placeholders,
                                                         "unknown"]}})
    assert set(np.flatnonzero(r.flags)) == planted | {0}
