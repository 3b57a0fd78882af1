"""Read a results table from a store or a results file (CSV / Parquet)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from datacurve._errors import InputError
from datacurve.curves._store import RESULT_COLUMNS, Store
from datacurve.metrics import get_metric

__all__ = ["read_results", "select_metric"]

_SQLITE_MAGIC = b"SQLite format 3\x00"


def read_results(source: str | Path, *, metric: str | None = None,
                 dataset: str | None = None, name: str = "results") -> pd.DataFrame:
    """The results table held by a datacurve store or written by ``datacurve results``.

    Parameters
    ----------
    source : path
        A datacurve SQLite store, or a ``.csv`` / ``.parquet`` results file.
    metric : str, optional
        Metric for ``train_score`` / ``val_score`` (default: the table's own).
    dataset : str, optional
        Dataset name or fingerprint to keep.
    name : str
        How to name `source` in errors (the CLI passes its option name).

    Returns
    -------
    DataFrame
        Successful trials only, with the contract columns first.
    """
    path = Path(source)
    if not path.exists():
        raise InputError(name, "an existing store or results file", f"'{path}' (no such file)")
    if path.is_dir():
        raise InputError(name, "a store or results file", f"'{path}' (a directory)")
    with path.open("rb") as fh:
        head = fh.read(16)
    if head == _SQLITE_MAGIC:
        with Store(path, readonly=True) as st:
            table = st.results(metric=metric, dataset=dataset)
    else:
        suffix = path.suffix.lower()
        try:
            if suffix == ".parquet":
                table = pd.read_parquet(path)
            elif suffix in (".csv", ".gz"):
                table = pd.read_csv(path)
            else:
                raise InputError(name, "a datacurve store (.sqlite), .csv or .parquet results",
                                 f"'{path}'")
        except InputError:
            raise
        except Exception as exc:
            raise InputError(name, "a readable results table",
                             f"'{path}' ({type(exc).__name__}: {exc})") from None
        missing = [c for c in RESULT_COLUMNS if c not in table.columns]
        if missing:
            raise InputError(name, f"a results table with columns {', '.join(RESULT_COLUMNS)}",
                             f"'{path}' without {', '.join(missing)}")
        if dataset is not None and "dataset" in table.columns:
            keep = (table["dataset"] == dataset) | (table.get("dataset_name") == dataset)
            table = table[keep]
        if metric is not None:
            table = select_metric(table, metric, name=name)
    if "status" in table.columns:
        table = table[table["status"] == "ok"]
    table = table[pd.notna(table["val_score"])]
    if table.empty:
        raise InputError(name, "finished trials", f"'{path}' holds none"
                         + (f" for dataset {dataset!r}" if dataset else ""))
    return table.reset_index(drop=True)


def select_metric(table: pd.DataFrame, metric: str, *, name: str = "results") -> pd.DataFrame:
    """Re-express ``train_score`` / ``val_score`` in `metric` from its natural-unit columns
    ``train_<metric>`` / ``val_<metric>``."""
    task = str(table["task"].iloc[0]) if "task" in table.columns and len(table) else None
    m = get_metric(metric, task)
    if "metric" in table.columns and (table["metric"] == metric).all():
        return table
    col = f"val_{metric}"
    if col not in table.columns:
        raise InputError("--metric", f"a metric recorded in {name}", repr(metric))
    out = table.copy()
    out["val_score"] = out[col] if m.higher_is_better else -out[col]
    tcol = f"train_{metric}"
    if tcol in out.columns:
        out["train_score"] = out[tcol] if m.higher_is_better else -out[tcol]
    out["metric"] = metric
    return out
