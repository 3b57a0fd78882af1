"""Parquet tables loaded lazily: the feature columns stay in the file and are read a row
group at a time; rows equal the eager loader's, a curve equals the eager curve, and bad
lazy tables are refused in one line."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from datacurve._errors import InputError
from datacurve.curves import run_curve
from datacurve.data import ParquetRows, load


def _table(tmp_path: Path, n: int = 1200, row_group: int = 100) -> Path:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, size=n)
    df = pd.DataFrame({f"x{j}": rng.normal(size=n) + (y == j % 3) for j in range(6)})
    df["count"] = rng.integers(0, 9, size=n).astype("int32")
    df.loc[::17, "x1"] = np.nan
    df.loc[5, "x2"] = np.inf
    df["patient"] = [f"p{i % 40}" for i in range(n)]
    df["label"] = np.array(["cat", "dog", "eel"])[y]
    path = tmp_path / "t.parquet"
    pq.write_table(pa.Table.from_pandas(df, preserve_index=False), path,
                   row_group_size=row_group)
    return path


def test_rows_equal_the_eager_loader(tmp_path: Path) -> None:
    path = _table(tmp_path)
    eager = load(path, label="label", group="patient")
    lazy = load(path, label="label", group="patient", lazy=True)
    assert lazy.is_lazy and isinstance(lazy.items, ParquetRows)
    assert lazy.metadata["row_groups"] == 12
    assert np.array_equal(lazy.y, eager.y) and list(lazy.classes) == list(eager.classes)
    assert np.array_equal(lazy.groups, eager.groups)
    assert lazy.feature_names == eager.feature_names
    rows = np.array([1199, 0, 5, 17, 640, 101, 99])  # any order, across row groups
    np.testing.assert_array_equal(lazy.items.take(rows), eager.X[rows])
    x, label = lazy.items[5]
    assert np.isnan(x[2]) and label == eager.y[5]  # infinities become NaN, as eagerly


def test_a_lazy_curve_equals_the_eager_curve(tmp_path: Path) -> None:
    """The same trials on the same rows: a scikit-learn model and a network score the
    same whether the table was read whole or a row group at a time."""
    path = _table(tmp_path)
    models = ["sklearn:LogisticRegression(max_iter=300)", "mlp:width=8,max_epochs=3"]
    runs = [run_curve(load(path, label="label", group="patient", lazy=lazy), models,
                      sizes=[64, 256], seeds=1, eval_folds=1, store=tmp_path / f"s{lazy}.sqlite",
                      progress=False) for lazy in (False, True)]
    a, b = (r.to_frame().sort_values(["model", "n"]).reset_index(drop=True) for r in runs)
    assert (a["status"] == "ok").all() and (b["status"] == "ok").all()
    np.testing.assert_allclose(a["val_score"], b["val_score"], atol=1e-9)


def test_reads_only_the_row_groups_it_needs(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    path = _table(tmp_path)
    lazy = load(path, label="label", group="patient", lazy=True)
    read: list[int] = []
    real = pq.ParquetFile.read_row_group

    def counting(self: pq.ParquetFile, i: int, **kw: object) -> pa.Table:
        read.append(i)
        return real(self, i, **kw)

    monkeypatch.setattr(pq.ParquetFile, "read_row_group", counting)
    lazy.items.take(np.array([3, 250, 260, 1100]))
    assert sorted(read) == [0, 2, 11]


@pytest.mark.parametrize(("change", "needle"), [
    ("text", "numeric feature columns"), ("bool", "numeric feature columns"),
    ("text_column", "no text column for a lazy table"),
    ("no_label", "label"),
])
def test_bad_lazy_tables_refused(tmp_path: Path, change: str, needle: str) -> None:
    path = _table(tmp_path)
    kwargs: dict[str, object] = {"label": "label", "lazy": True}
    if change == "text":
        kwargs["group"] = None  # the patient column is text: a feature now
    elif change == "bool":
        df = pq.read_table(path).to_pandas().assign(flag=lambda d: d["x0"] > 0)
        pq.write_table(pa.Table.from_pandas(df, preserve_index=False), path)
    elif change == "text_column":
        kwargs.update(group="patient", text_column="patient")
    else:
        kwargs["label"] = "nope"
    kwargs.setdefault("group", "patient")
    with pytest.raises(InputError) as err:
        load(path, **kwargs)  # type: ignore[arg-type]
    assert needle in str(err.value)
