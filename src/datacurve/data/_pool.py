"""Load a partly labelled table: the pool of an active-learning loop.

`load` refuses a table with empty labels (every row of a learning curve needs one); an
active-learning loop starts from exactly such a table: the rows with an empty label are
the ones still to label. `load_pool` reads it with the same readers and feature encoding
as `load` (every row encoded together, so a row's features do not change when it gets a
label), and keeps each label as text (``None`` when empty), because the labels a team
types into a CSV later must compare equal to the ones in the file.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from datacurve._errors import InputError
from datacurve.data._dataset import fingerprint_arrays
from datacurve.data._loaders import (
    _aux_column,
    _check_column,
    _encode_features,
    _format_from_suffix,
    _normalise_format,
    _read_table,
    _row_list,
    _tfidf,
)

__all__ = ["LabelPool", "canonical_label", "load_pool", "read_table"]


def canonical_label(value: Any) -> str | None:
    """A label as the text every surface compares: stripped; integral numbers without a
    decimal part (``3``, ``3.0`` and ``"3.0"`` are all ``"3"``); ``None`` when empty.

    Parameters
    ----------
    value : object
        A cell of a label column (number, text, bool, None, NaN).

    Returns
    -------
    str or None
    """
    if value is None or value is pd.NA:
        return None
    if isinstance(value, bytes | bytearray):
        value = value.decode("utf-8", "backslashreplace")
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        if math.isnan(value):
            return None
        return str(int(value)) if float(value).is_integer() else repr(float(value))
    text = str(value).strip()
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        return text
    if math.isfinite(number) and number.is_integer() and any(c.isdigit() for c in text):
        return str(int(number))
    return text


@dataclass(frozen=True, eq=False)
class LabelPool:
    """A table whose empty labels are still to be labelled.

    Attributes
    ----------
    X : ndarray of shape (n, d) or CSR matrix
        Every row's features, encoded as `load` encodes a table.
    labels : ndarray of shape (n,), object
        Each row's label as text (`canonical_label`), ``None`` where empty.
    ids : ndarray of shape (n,), object
        Row identifiers as text: the id column, or the row number (0 = first data row).
    feature_names : tuple of str
    raw : DataFrame
        The table as read.
    source : str
        The file, resolved.
    label, id_column, text_column : str or None
        The columns named when loading.
    fingerprint : str
        16 hex digits over the features and ids (not the labels, which the loop adds).
    """

    X: Any
    labels: np.ndarray
    ids: np.ndarray
    feature_names: tuple[str, ...]
    raw: pd.DataFrame
    source: str
    label: str
    id_column: str | None
    text_column: str | None
    fingerprint: str

    @property
    def n(self) -> int:
        """Rows in the pool."""
        return int(self.labels.size)

    @property
    def labelled(self) -> np.ndarray:
        """ndarray of shape (n,), bool: rows with a label in the file."""
        return np.array([v is not None for v in self.labels], dtype=bool)


def _fingerprint(X: Any, ids: np.ndarray) -> str:
    """The features and row ids (not the labels, which the loop adds), hashed as a
    dataset is (`fingerprint_arrays`, the ids in the place of the labels)."""
    return fingerprint_arrays(X, np.asarray(ids.tolist(), dtype=str), "pool")


def load_pool(source: str | Path, *, label: str, id_column: str | None = None,
              text_column: str | None = None, format: str | None = None,
              max_tfidf_features: int = 5000) -> LabelPool:
    """Read a table whose rows with an empty label are still to be labelled.

    Parameters
    ----------
    source : str or Path
        A CSV, TSV, JSONL or Parquet file (`load`'s table formats).
    label : str
        The label column; empty cells (blank, NaN, None) mark unlabelled rows.
    id_column : str, optional
        Unique row identifiers (default: the row number, 0 for the first data row).
    text_column : str, optional
        Features are the TF-IDF of this column (as in `load`).
    format : str, optional
        Inferred from the file ending when None.
    max_tfidf_features : int

    Returns
    -------
    LabelPool

    Raises
    ------
    InputError
        A missing or unreadable file, a format that is not a table, a missing column,
        duplicated or empty ids, no feature columns.
    """
    path = Path(source).expanduser()
    if not path.is_file():
        raise InputError("data", "an existing table file (CSV, TSV, JSONL or Parquet)",
                         f"'{source}'" + (" (a directory)" if path.is_dir()
                                          else " (no such file)"))
    fmt = _normalise_format(format) or _format_from_suffix(path)
    if fmt not in ("csv", "tsv", "jsonl", "parquet"):
        raise InputError("data", "a table (CSV, TSV, JSONL or Parquet) with an empty label "
                         "where a row is still to be labelled", f"'{source}' ({fmt})")
    df = _read_table(path, fmt)
    where = f"'{path.name}'"
    if len(df) == 0:
        raise InputError("data", f"rows in {where}", "an empty table")
    _check_column(df, "label", label, where)
    roles = {label}
    ids: np.ndarray
    if id_column is not None:
        _check_column(df, "id_column", id_column, where)
        if id_column == label:
            raise InputError("id_column", "a column other than the label column",
                             repr(id_column))
        values = _aux_column(df, "id_column", id_column, where).map(canonical_label)
        dup = values.duplicated(keep=False).to_numpy(dtype=bool)
        if dup.any():
            raise InputError("id_column", f"unique identifiers in column {id_column!r} of "
                             f"{where}", f"{int(dup.sum())} rows sharing an identifier "
                             f"(rows {_row_list(dup)})")
        ids = values.to_numpy(dtype=object)
        roles.add(id_column)
    else:
        ids = np.array([str(i) for i in range(len(df))], dtype=object)
    if text_column is not None:
        _check_column(df, "text_column", text_column, where)
        X, names = _tfidf(df[text_column], text_column, max_tfidf_features, where)
    else:
        X, names, _ = _encode_features(df[[c for c in df.columns if c not in roles]])
        if X.shape[1] == 0:
            raise InputError("data", f"at least one feature column in {where} besides the "
                             "label and id columns", f"columns: {', '.join(map(str, df.columns))}")
    col = df[label]
    if col.dtype == object and col.map(lambda v: isinstance(v, list | tuple | dict)).any():
        raise InputError("label", f"one number or text per label in column {label!r} of "
                         f"{where}", "lists or objects")
    labels = np.array([canonical_label(v) for v in col.tolist()], dtype=object)
    return LabelPool(X=X, labels=labels, ids=ids, feature_names=tuple(names),
                     raw=df.reset_index(drop=True), source=str(path.resolve()), label=label,
                     id_column=id_column, text_column=text_column,
                     fingerprint=_fingerprint(X, ids))


def read_table(source: str | Path, format: str | None = None) -> pd.DataFrame:
    """Read a CSV, TSV, JSONL or Parquet file as `load` reads it (one-line errors).

    Parameters
    ----------
    source : str or Path
    format : str, optional
        Inferred from the file ending when None.

    Returns
    -------
    DataFrame
    """
    path = Path(source).expanduser()
    if not path.is_file():
        raise InputError(str(source), "an existing table file (CSV, TSV, JSONL or Parquet)",
                         "a directory" if path.is_dir() else "no such file")
    fmt = _normalise_format(format) or _format_from_suffix(path)
    if fmt not in ("csv", "tsv", "jsonl", "parquet"):
        raise InputError(str(source), "a table (CSV, TSV, JSONL or Parquet)", fmt)
    return _read_table(path, fmt)
