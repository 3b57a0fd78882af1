"""Load user data (tables, text, arrays, image folders) into a `Dataset`.

Every problem with the input raises `InputError` naming the input, what was expected
and what was received. Loaders only read: nothing is written next to the user's files and
a DataFrame passed in is copied, never modified.

Notation: n rows or examples, d feature columns after encoding, k classes.
"""

from __future__ import annotations

import dataclasses
import hashlib
import inspect
import math
import os
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from datacurve._errors import InputError, describe, did_you_mean
from datacurve.data._dataset import Dataset, Task
from datacurve.data._versions import source_record

__all__ = [
    "CATEGORICAL_ONEHOT_MAX",
    "CLASSIFICATION_MAX_DISTINCT",
    "FORMATS",
    "IMAGE_EXTENSIONS",
    "ImageFolderItems",
    "ParquetRows",
    "load",
    "load_data",
]

#: Formats `load` understands, by name, and the file endings that select each one.
FORMATS: dict[str, tuple[str, ...]] = {
    "csv": (".csv",),
    "tsv": (".tsv", ".tab"),
    "jsonl": (".jsonl", ".ndjson"),
    "parquet": (".parquet", ".pq"),
    "npz": (".npz",),
    "images": (),  # a directory
}
_FORMAT_ALIASES = {"ndjson": "jsonl", "pq": "parquet", "image": "images", "imagefolder": "images"}
_TABLE_FORMATS = ("csv", "tsv", "jsonl", "parquet")
# pandas decompresses these transparently, so `data.csv.gz` is read as CSV.
_COMPRESSION_SUFFIXES = (".gz", ".bz2", ".zip", ".xz", ".zst")

#: File endings read as images inside an image folder; other files are skipped.
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".ppm",
                    ".pgm", ".pbm")
# Pillow modes holding one intensity channel.
_GRAY_MODES = frozenset({"1", "L", "LA", "I", "F", "I;16", "I;16L", "I;16B", "I;16N", "La"})

#: Integer labels (or integer-valued float labels) with at most this many distinct values
#: are read as classes when no task is given; more mean regression.
CLASSIFICATION_MAX_DISTINCT = 50
#: Categorical feature columns with at most this many distinct values are one-hot encoded;
#: columns with more get ordinal codes ranked by frequency.
CATEGORICAL_ONEHOT_MAX = 32

_MISSING_NAME = "<missing>"


# ---------------------------------------------------------------------------------------
# public entry points
# ---------------------------------------------------------------------------------------
def load(
    source: str | Path | pd.DataFrame,
    *,
    label: str | None = None,
    format: str | None = None,
    task: str | None = None,
    text_column: str | None = None,
    group: str | None = None,
    split: str | None = None,
    id_column: str | None = None,
    image_size: tuple[int, int] = (28, 28),
    grayscale: bool | None = None,
    max_tfidf_features: int = 5000,
    name: str | None = None,
    lazy: bool = False,
) -> Dataset:
    """Load a table, a text table, an ``.npz`` archive or an image folder.

    Parameters
    ----------
    source : str, Path or DataFrame
        A file (``.csv``, ``.tsv``, ``.parquet``, ``.jsonl``/``.ndjson``, ``.npz``; CSV,
        TSV and JSONL may be compressed, e.g. ``.csv.gz``), a directory holding one
        sub-folder of images per class, or a DataFrame (copied, never modified).
    label : str, optional
        Label column of a table (required for tables). For ``.npz`` the key of the labels,
        default ``"y"``. Ignored for image folders, whose labels are the sub-folder names.
    format : str, optional
        One of ``csv``, ``tsv``, ``jsonl``, ``parquet``, ``npz``, ``images``; inferred from
        the file ending (or a directory) when None.
    task : {"classification", "regression"}, optional
        Inferred from the labels when None: strings, booleans and categories, and integer
        (or integer-valued float) labels with at most 50 distinct values, are classes;
        anything else is a regression target.
    text_column : str, optional
        A column of free text. When given, the features are the TF-IDF of that column
        alone (a CSR matrix of shape (n, <= max_tfidf_features)); the table stays in `raw`.
    group, split, id_column : str, optional
        Columns (``.npz`` keys) holding each example's group, split label and identifier.
        For ``.npz`` the keys ``groups``, ``split`` and ``ids`` are used when present.
    image_size : tuple of int
        ``(height, width)`` every image is resized to.
    grayscale : bool, optional
        Force one (True) or three (False) channels; when None images get one channel if
        every image is grayscale, three otherwise.
    max_tfidf_features : int
        Vocabulary size of the TF-IDF features.
    name : str, optional
        The dataset's name (default: the file name, or ``"dataframe"``).
    lazy : bool
        Keep the features on disk and read the rows a trial uses when it uses them (a
        lazy `Dataset`: `Dataset.items`). Image folders: the files are listed
        (`ImageFolderItems`) and each image decoded when used, so a million images are
        never decoded at once. Parquet: the label and named columns are read, the
        feature columns (numbers) stay in the file and are read a row group
        at a time (`ParquetRows`), so a table larger than memory can be measured. Other
        formats refuse it.

    Returns
    -------
    Dataset
        Tables: X float32 of shape (n, d), numeric columns as they are (NaN kept; the
        learner imputes and standardises), categorical columns one-hot encoded (at most 32
        values, missing values get their own indicator) or as ordinal codes ranked by
        frequency. Text: X CSR float32 of shape (n, vocabulary). ``.npz``: X float32 of
        the stored shape. Image folders: X float32 in [0, 1] of shape (n, c, h, w).
        Classification labels are int64 codes ``0..k-1`` with the sorted original labels
        in `classes`. `metadata` records the source, format and loader options.

    Raises
    ------
    InputError
        Missing file, unknown format, unreadable file, missing or incomplete label column,
        labels that are not one number or text per row, infinite labels, a single class,
        no usable features, an unreadable image, bad options. The message is one line
        and names the file.
    """
    options: dict[str, Any] = {
        "label": label, "format": format, "task": task, "text_column": text_column,
        "group": group, "split": split, "id_column": id_column,
        "image_size": list(image_size), "grayscale": grayscale,
        "max_tfidf_features": max_tfidf_features, "lazy": bool(lazy),
    }
    if task is not None and task not in ("classification", "regression"):
        raise InputError("task", "'classification', 'regression' or nothing (inferred)",
                         repr(task))
    fmt = _normalise_format(format)

    if isinstance(source, pd.DataFrame):
        table = _TableSpec(label, task, text_column, group, split, id_column,
                           max_tfidf_features)
        return _dataset_from_table(source.copy(), table, name=name or "dataframe",
                                   metadata={"source": "<DataFrame>", "format": "dataframe",
                                             "options": options})

    if not isinstance(source, str | os.PathLike):
        raise InputError("data", "a path, a built-in name or a pandas DataFrame",
                         f"{type(source).__name__}")
    path = Path(source).expanduser()
    if not path.exists():
        raise InputError("data", "an existing file or directory", f"'{source}' (no such file)")
    if path.is_dir():
        if fmt not in (None, "images"):
            raise InputError("format", f"a format that reads directories ('images') for "
                             f"'{source}'", repr(format))
        fmt = "images"
    elif fmt is None:
        fmt = _format_from_suffix(path)
    elif fmt == "images":
        raise InputError("data", "a directory with one sub-folder per class for "
                         "format 'images'", f"'{source}' (a file)")

    metadata: dict[str, Any] = {"source": str(path.resolve()), "format": fmt,
                                "options": options, **source_record(path)}
    if fmt == "images":
        for option, value in (("text_column", text_column), ("group", group),
                              ("split", split), ("id_column", id_column)):
            if value is not None:
                raise InputError(option, f"no value for an image folder ('{source}': its "
                                 "labels are the sub-folder names)", repr(value))
        if task == "regression":
            raise InputError("task", f"'classification' for an image folder ('{source}')",
                             repr(task))
        ds = _load_image_folder(path, image_size=image_size, grayscale=grayscale,
                                metadata=metadata, lazy=bool(lazy))
        return dataclasses.replace(ds, name=name) if name else ds
    if lazy and fmt != "parquet":
        raise InputError("lazy", f"an image folder or a Parquet file (a {fmt} file is read "
                         "whole)", repr(lazy))
    if fmt == "npz":
        if text_column is not None:
            raise InputError("text_column", f"no value for an .npz archive ('{source}')",
                             repr(text_column))
        ds = _load_npz(path, label=label, task=task, group=group, split=split,
                       id_column=id_column, metadata=metadata)
        return dataclasses.replace(ds, name=name) if name else ds

    table = _TableSpec(label, task, text_column, group, split, id_column, max_tfidf_features)
    if lazy:
        return _lazy_parquet(path, table, name=name or path.name, metadata=metadata)
    df = _read_table(path, fmt)
    return _dataset_from_table(df, table, name=name or path.name, metadata=metadata,
                               where=f"'{path.name}'")


def load_data(source: str | Path | pd.DataFrame, **kwargs: Any) -> Dataset:
    """Load a built-in dataset by name or user data, as the CLI does.

    Parameters
    ----------
    source : str, Path or DataFrame
        A built-in spec such as ``"digits"`` or ``"synthetic:n=500,noise=0.2"`` (used when
        no file of that name exists), otherwise anything `load` accepts.
    **kwargs
        Options of `load`. With a built-in, options left at None or their default are
        ignored; any other value raises `InputError` (a built-in has nothing to configure
        there), except ``task="classification"`` which every built-in satisfies.

    Returns
    -------
    Dataset
    """
    # Imported here because the built-ins pull in scikit-learn's dataset helpers.
    from datacurve.data._builtin import builtin, is_builtin

    if isinstance(source, str) and is_builtin(source) and not Path(source).exists():
        defaults = {name: p.default for name, p in inspect.signature(load).parameters.items()
                    if p.kind is inspect.Parameter.KEYWORD_ONLY}
        for option, value in kwargs.items():
            if option not in defaults:
                raise TypeError(f"load_data() got an unexpected keyword argument {option!r}")
            default = defaults[option]
            if value is None or value == default or (option == "image_size"
                                                     and tuple(value) == default):
                continue
            if option == "task" and value == "classification":
                continue
            raise InputError(option, f"no value with the built-in dataset '{source}'",
                             repr(value))
        return builtin(source)
    return load(source, **kwargs)


# ---------------------------------------------------------------------------------------
# formats and reading
# ---------------------------------------------------------------------------------------
def _supported() -> str:
    endings = [e for ends in FORMATS.values() for e in ends]
    return f"a directory of images or a file ending in {', '.join(endings)}"


def _normalise_format(format: str | None) -> str | None:
    if format is None:
        return None
    key = str(format).strip().lower().lstrip(".")
    key = _FORMAT_ALIASES.get(key, key)
    if key not in FORMATS:
        raise InputError("format", f"one of {', '.join(FORMATS)}", repr(format))
    return key


def _format_from_suffix(path: Path) -> str:
    suffixes = [s.lower() for s in path.suffixes]
    if len(suffixes) >= 2 and suffixes[-1] in _COMPRESSION_SUFFIXES:
        suffixes = suffixes[:-1]
    ending = suffixes[-1] if suffixes else ""
    for fmt, endings in FORMATS.items():
        if ending in endings:
            return fmt
    raise InputError(str(path), _supported() + " (or pass format=)",
                     f"'{path.name}'" + (f" (unknown ending '{ending}')" if ending
                                         else " (no file ending)"))


def _one_line(exc: BaseException) -> str:
    """The exception's type and message on one line, for `InputError.got`."""
    message = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


def _read_table(path: Path, fmt: str) -> pd.DataFrame:
    readers: dict[str, Callable[[], pd.DataFrame]] = {
        "csv": lambda: pd.read_csv(path),
        "tsv": lambda: pd.read_csv(path, sep="\t"),
        # dtype=False: values stay as the JSON parser gives them; pandas would otherwise
        # turn columns named like dates ("modified", "*_at") into timestamps.
        "jsonl": lambda: pd.read_json(path, lines=True, dtype=False),
        "parquet": lambda: pd.read_parquet(path, engine="pyarrow"),
    }
    try:
        df = readers[fmt]()
    except Exception as exc:  # any parser failure is a property of the user's file
        raise InputError(str(path), f"a readable {fmt.upper()} file", _one_line(exc)) from exc
    if not isinstance(df, pd.DataFrame):  # e.g. a JSON scalar per line
        raise InputError(str(path), f"a table in {fmt.upper()} format", type(df).__name__)
    return df


# ---------------------------------------------------------------------------------------
# labels
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Labels:
    y: np.ndarray
    task: Task
    classes: np.ndarray | None
    inferred: bool


def _row_list(mask: np.ndarray, limit: int = 5) -> str:
    """1-based row numbers of the first `limit` True entries of `mask`."""
    rows = np.flatnonzero(mask)[:limit] + 1
    return ", ".join(str(r) for r in rows)


def _as_text(values: pd.Series) -> pd.Series:
    """The values as pandas strings. Bytes (Parquet binary columns, ``S`` arrays) are read
    as UTF-8 with undecodable bytes escaped (``\\xff``), where pandas would raise."""
    if values.dtype == object or values.dtype.kind == "S":
        values = values.map(lambda v: v.decode("utf-8", "backslashreplace")
                            if isinstance(v, bytes | bytearray) else v)
    elif isinstance(values.dtype, pd.DatetimeTZDtype):
        # pandas cannot spell aware times beyond the year 9999, naive ones it can (UTC).
        values = values.dt.tz_convert("UTC").dt.tz_localize(None)
    return values.astype("string")


def _missing_mask(values: pd.Series) -> np.ndarray:
    """True where a value is NaN/None or (for text) empty or whitespace only."""
    missing = values.isna().to_numpy(dtype=bool)
    if not (pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values)):
        text = _as_text(values).str.strip()
        missing = missing | (text == "").fillna(False).to_numpy(dtype=bool)
    return missing


def _is_text_like(values: pd.Series) -> bool:
    return bool(pd.api.types.is_bool_dtype(values)
                or isinstance(values.dtype, pd.CategoricalDtype)
                or not pd.api.types.is_numeric_dtype(values))


def _encode_labels(values: pd.Series, *, name: str, where: str, task: str | None) -> _Labels:
    """Check a label column and turn it into codes (classification) or float64 targets.

    Parameters
    ----------
    values : Series of length n
    name : str
        The label input as the user knows it (column name or ``.npz`` key).
    where : str
        Where the labels come from, for messages (e.g. ``"'data.csv'"``).
    task : str, optional
        Requested task; inferred when None.
    """
    n = len(values)
    if n == 0:
        raise InputError(name, f"labelled rows in {where}", "0 rows")
    if values.dtype == object:
        nested = values.map(lambda v: isinstance(v, list | tuple | dict | set | np.ndarray)
                            ).to_numpy(dtype=bool)
        if nested.any():  # JSON arrays and objects, Parquet lists, structs and maps
            first = int(np.flatnonzero(nested)[0])
            value = values.iloc[first]
            raise InputError(name, f"one number or text per label in {where}",
                             f"{type(value).__name__} {value!r:.40} at row {first + 1} "
                             f"({int(nested.sum())} such rows)")
    if values.dtype.kind in "SmM" or (values.dtype == object and any(
            isinstance(v, bytes | bytearray) for v in values)):
        values = _as_text(values)  # classes are names: bytes and times are read as text
    missing = _missing_mask(values)
    if missing.any():
        raise InputError(
            name, f"a label in every row of {where}",
            f"{int(missing.sum())} of {n} rows empty or NaN (rows {_row_list(missing)}; "
            "row 1 is the first data row)")

    inferred = task is None
    if isinstance(values.dtype, pd.CategoricalDtype):
        values = values.astype(values.cat.categories.dtype)
    if task is None:
        task = _infer_task(values)

    if task == "regression":
        if _is_text_like(values) and not pd.api.types.is_bool_dtype(values):
            numeric = pd.to_numeric(values, errors="coerce")
            bad = numeric.isna().to_numpy(dtype=bool)
            if bad.any():
                first = values.iloc[int(np.flatnonzero(bad)[0])]
                raise InputError(name, f"numbers in {where} for regression",
                                 f"{first!r} at row {int(np.flatnonzero(bad)[0]) + 1}")
            values = numeric
        y = values.to_numpy(dtype=np.float64)
        finite = np.isfinite(y)
        if not finite.all():
            raise InputError(name, f"finite numbers in {where} for regression",
                             f"{int((~finite).sum())} infinite values (rows "
                             f"{_row_list(~finite)})")
        if y.min() == y.max():  # (np.ptp overflows for targets near float64's limits)
            raise InputError(name, f"a target that varies across the rows of {where}",
                             f"the constant {y[0]!r} in all {n} rows")
        return _Labels(y, "regression", None, inferred)

    raw = values.to_numpy()
    if raw.dtype.kind == "f":
        infinite = np.isinf(raw)
        if infinite.any():
            raise InputError(name, f"finite numbers or text as classes in {where}",
                             f"{int(infinite.sum())} infinite values (rows "
                             f"{_row_list(infinite)})")
        if np.all(raw == np.round(raw)) and np.all(np.abs(raw.astype(np.float64)) < 2.0**63):
            raw = raw.astype(np.int64)  # 1.0, 2.0 -> classes 1, 2
    if raw.dtype == object:
        try:
            classes, codes = np.unique(raw, return_inverse=True)
        except TypeError:  # mixed types (e.g. 1 and "a" in JSON) cannot be sorted together
            classes, codes = np.unique(raw.astype(str), return_inverse=True)
        if all(isinstance(c, str) for c in classes):
            classes = np.asarray(classes.tolist(), dtype=str)
    else:
        classes, codes = np.unique(raw, return_inverse=True)
    if len(classes) < 2:
        raise InputError(name, f"at least two classes in {where}",
                         f"only {classes[0]!r} in all {n} rows")
    return _Labels(codes.astype(np.int64).reshape(-1), "classification", classes, inferred)


def _infer_task(values: pd.Series) -> Task:
    if _is_text_like(values):
        return "classification"
    arr = values.to_numpy(dtype=np.float64)
    distinct = len(np.unique(arr))
    if pd.api.types.is_integer_dtype(values):
        return "classification" if distinct <= CLASSIFICATION_MAX_DISTINCT else "regression"
    if np.all(arr == np.round(arr)) and distinct <= CLASSIFICATION_MAX_DISTINCT:
        return "classification"
    return "regression"


# ---------------------------------------------------------------------------------------
# tables
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _TableSpec:
    label: str | None
    task: str | None
    text_column: str | None
    group: str | None
    split: str | None
    id_column: str | None
    max_tfidf_features: int


def _columns_text(df: pd.DataFrame) -> str:
    return describe((str(c) for c in df.columns), limit=20)


def _check_column(df: pd.DataFrame, option: str, column: str, where: str) -> None:
    if column not in df.columns:
        raise InputError(option, f"a column of {where}",
                         f"{column!r}{did_you_mean(column, df.columns)} (columns: "
                         f"{_columns_text(df)})")


def _aux_column(df: pd.DataFrame, option: str, column: str, where: str) -> pd.Series:
    """A group / split / id column, checked for missing values."""
    values = df[column]
    missing = _missing_mask(values)
    if missing.any():
        raise InputError(option, f"a value in every row of column {column!r} of {where}",
                         f"{int(missing.sum())} empty or NaN (rows {_row_list(missing)})")
    return values


def _roles(df: pd.DataFrame, spec: _TableSpec, where: str) -> dict[str, str]:
    """Option → column of the label and the other named columns, each checked to exist
    and to be used once, after the table's column names are checked to be unique (`df`
    may have no rows: only its columns are read)."""
    if not df.columns.is_unique:
        dup = df.columns[df.columns.duplicated()].unique()
        raise InputError("data", f"unique column names in {where}",
                         f"duplicated: {describe(str(c) for c in dup)}")
    if spec.label is None:
        raise InputError("label", f"the name of the label column of {where}",
                         f"nothing (columns: {_columns_text(df)})")
    _check_column(df, "label", str(spec.label), where)
    roles = {"label": str(spec.label)}
    for option, column in (("text_column", spec.text_column), ("group", spec.group),
                           ("split", spec.split), ("id_column", spec.id_column)):
        if column is None:
            continue
        _check_column(df, option, column, where)
        for other, used in roles.items():
            if used == column:
                raise InputError(option, f"a column of {where} other than the {other} "
                                 "column", repr(column))
        roles[option] = column
    return roles


def _role_values(df: pd.DataFrame, spec: _TableSpec, where: str
                 ) -> tuple[_Labels, np.ndarray | None, np.ndarray | None, np.ndarray | None]:
    """The encoded labels, and the groups, split and ids named by `spec` (or None)."""
    # Named "label" (the option), not by the column: a column called "target" or "model"
    # must not read as another option of the command line.
    labels = _encode_labels(df[spec.label], name="label",
                            where=f"column {spec.label!r} of {where}", task=spec.task)
    groups = None if spec.group is None else _aux_column(df, "group", spec.group,
                                                         where).to_numpy()
    split = None if spec.split is None else _aux_column(
        df, "split", spec.split, where).pipe(_as_text).str.strip().to_numpy(dtype=str)
    ids = None
    if spec.id_column is not None:
        id_values = _aux_column(df, "id_column", spec.id_column, where)
        dup_mask = id_values.duplicated(keep=False).to_numpy(dtype=bool)
        if dup_mask.any():
            raise InputError("id_column", f"unique identifiers in column "
                             f"{spec.id_column!r} of {where}",
                             f"{int(dup_mask.sum())} rows sharing an identifier (rows "
                             f"{_row_list(dup_mask)})")
        ids = id_values.to_numpy()
    return labels, groups, split, ids


class ParquetRows:
    """The feature rows of a Parquet file, read a row group at a time when asked for:
    item i is ``(features, label)`` with features float32 of shape (d,); `take` reads a
    block of rows (what the runner and the learners use). The file is never read whole:
    a block touches the row groups holding its rows, one at a time, and only the feature
    columns.

    Parameters
    ----------
    path : Path
    columns : list of str
        Feature columns (integer or floating point).
    offsets : ndarray of int64, shape (g + 1,)
        First row of each of the g row groups, then the row count.
    targets : ndarray of shape (n,)
        Labels (class codes or values).
    """

    def __init__(self, path: Path, columns: list[str], offsets: np.ndarray,
                 targets: np.ndarray) -> None:
        self.path = path
        self.columns = columns
        self.offsets = offsets
        self.targets = targets
        self._file: Any = None

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_file": None}  # each process opens the file itself

    def __len__(self) -> int:
        return int(self.offsets[-1])

    def __getitem__(self, i: int) -> tuple[np.ndarray, Any]:
        return self.take(np.array([i]))[0], self.targets[i]

    def take(self, rows: np.ndarray) -> np.ndarray:
        """Features of `rows` (shape (m,), any order), float32 of shape (m, d); missing
        values are NaN, infinities NaN as when loaded whole."""
        import pyarrow.parquet as pq

        rows = np.asarray(rows, dtype=np.int64)
        if self._file is None:
            self._file = pq.ParquetFile(self.path)
        out = np.empty((rows.size, len(self.columns)), dtype=np.float32)
        group = np.searchsorted(self.offsets, rows, side="right") - 1
        for g in np.unique(group):
            at = np.flatnonzero(group == g)
            table = self._file.read_row_group(int(g), columns=self.columns)
            local = rows[at] - self.offsets[g]
            block = np.column_stack([
                table.column(c).to_numpy(zero_copy_only=False).astype(np.float64)
                if table.num_rows else np.empty(0) for c in self.columns])
            with np.errstate(over="ignore"):
                part = block[local].astype(np.float32)
            part[np.isinf(part)] = np.nan
            out[at] = part
        return out

    def __repr__(self) -> str:
        return (f"ParquetRows('{self.path}', {len(self)} rows × {len(self.columns)} "
                f"columns, {self.offsets.size - 1} row groups)")


def _lazy_parquet(path: Path, spec: _TableSpec, *, name: str,
                  metadata: dict[str, Any]) -> Dataset:
    """A lazy `Dataset` over a Parquet file: the label and named columns read, the
    feature columns left in the file (`ParquetRows`)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    where = f"'{path.name}'"
    try:
        pf = pq.ParquetFile(path)
        schema = pf.schema_arrow
    except Exception as exc:
        raise InputError(str(path), "a readable Parquet file", _one_line(exc)) from None
    empty = schema.empty_table().to_pandas()
    if spec.text_column is not None:
        raise InputError("text_column", "no text column for a lazy table (TF-IDF needs "
                         "every row)", repr(spec.text_column))
    roles = _roles(empty, spec, where)
    df = pf.read(columns=list(roles.values())).to_pandas()
    labels, groups, split, ids = _role_values(df, spec, where)
    features = [c for c in schema.names if c not in roles.values()]
    if not features:
        raise InputError("data", f"at least one feature column in {where} besides "
                         f"{', '.join(f'{k}={v!r}' for k, v in roles.items())}",
                         f"columns: {_columns_text(empty)}")
    for c in features:
        t = schema.field(c).type
        # Booleans, categories and text are one-hot or ordinal codes when loaded whole,
        # which needs every value first: a lazy table reads numbers only.
        if not (pa.types.is_integer(t) or pa.types.is_floating(t)):
            raise InputError("lazy", f"numeric feature columns in {where} (a lazy table "
                             "is read as it is; load it without lazy to encode booleans, "
                             "categories and text)", f"column {c!r} of type {t}")
    meta = pf.metadata
    sizes = [meta.row_group(g).num_rows for g in range(meta.num_row_groups)]
    offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    stat = path.stat()
    metadata.update({
        "n_rows": int(offsets[-1]), "task_inferred": labels.inferred, "label": spec.label,
        "lazy": True, "row_groups": len(sizes),
        "encoding": {c: {"kind": "numeric"} for c in features},
        "identity": f"parquet|{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|"
                    f"{','.join(features)}"})
    return Dataset(np.zeros((int(offsets[-1]), 0), dtype=np.float32), labels.y, labels.task,
                   name=name, classes=labels.classes, feature_names=tuple(features),
                   groups=groups, ids=ids, split=split,
                   items=ParquetRows(path, features, offsets, labels.y), metadata=metadata)


def _dataset_from_table(df: pd.DataFrame, spec: _TableSpec, *, name: str,
                        metadata: dict[str, Any], where: str = "the DataFrame") -> Dataset:
    roles = _roles(df, spec, where)

    labels, groups, split, ids = _role_values(df, spec, where)

    X: np.ndarray | sp.csr_matrix
    if spec.text_column is not None:
        X, feature_names = _tfidf(df[spec.text_column], spec.text_column,
                                  spec.max_tfidf_features, where)
        metadata["ignored_columns"] = [str(c) for c in df.columns if c not in roles.values()]
    else:
        feature_columns = [c for c in df.columns if c not in roles.values()]
        X, feature_names, encoding = _encode_features(df[feature_columns])
        if X.shape[1] == 0:
            raise InputError("data", f"at least one feature column in {where} besides "
                             f"{', '.join(f'{k}={v!r}' for k, v in roles.items())}",
                             f"columns: {_columns_text(df)}")
        metadata.update(encoding)

    metadata.update({"n_rows": len(df), "task_inferred": labels.inferred,
                     "label": spec.label})
    return Dataset(
        X=X, y=labels.y, task=labels.task, name=name, classes=labels.classes,
        feature_names=tuple(feature_names), groups=groups, ids=ids, split=split,
        raw=df.reset_index(drop=True), metadata=metadata,
    )


def _tfidf(text: pd.Series, column: str, max_features: int,
           where: str) -> tuple[sp.csr_matrix, list[str]]:
    """TF-IDF features of a text column: CSR float32 of shape (n, <= max_features)."""
    from sklearn.feature_extraction.text import TfidfVectorizer  # slow import, only for text

    if isinstance(max_features, bool) or not isinstance(max_features, int) or max_features < 1:
        raise InputError("max_tfidf_features", "a positive integer", repr(max_features))
    documents = _as_text(text).fillna("").tolist()
    vectorizer = TfidfVectorizer(sublinear_tf=True, max_features=max_features,
                                 dtype=np.float32)
    try:
        X = vectorizer.fit_transform(documents)
    except ValueError as exc:  # "empty vocabulary": no row holds a word
        raise InputError("text_column", f"a column of text with words ({column!r} of "
                         f"{where})",
                         _one_line(exc)) from exc
    return sp.csr_matrix(X), [str(t) for t in vectorizer.get_feature_names_out()]


def _numeric_like(values: pd.Series) -> bool:
    """Object columns holding only numbers (e.g. Decimal from Parquet) count as numeric."""
    if values.dtype != object:
        return False
    kind = pd.api.types.infer_dtype(values, skipna=True)
    return kind in ("integer", "floating", "mixed-integer-float", "decimal")


def _float64(values: pd.Series) -> np.ndarray:
    """A numeric column as float64: NaN where missing, ±inf beyond float64's range."""
    try:
        return pd.to_numeric(values).to_numpy(dtype=np.float64, na_value=np.nan)
    except OverflowError:  # Python integers beyond float64 (a DataFrame's object column)
        return np.array([_to_float(v) for v in values], dtype=np.float64)


def _to_float(value: Any) -> float:
    if value is None or value is pd.NA:
        return math.nan
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


def _encode_features(df: pd.DataFrame) -> tuple[np.ndarray, list[str], dict[str, Any]]:
    """Encode feature columns as a float32 matrix.

    Parameters
    ----------
    df : DataFrame of shape (n, m)
        The feature columns only.

    Returns
    -------
    X : ndarray of shape (n, d), float32
    feature_names : list of str, length d
    metadata : dict
        ``encoding`` (per column: numeric, onehot with its values, or ordinal),
        ``dropped_columns`` (column -> reason) and ``infinite_to_nan`` (column -> count).
    """
    n = len(df)
    blocks: list[np.ndarray] = []
    names: list[str] = []
    encoding: dict[str, Any] = {}
    dropped: dict[str, str] = {}
    infinite: dict[str, int] = {}
    for column in df.columns:
        values = df[column]
        key = str(column)
        if pd.api.types.is_datetime64_any_dtype(values) or pd.api.types.is_timedelta64_dtype(
                values):
            dropped[key] = f"unsupported dtype {values.dtype}"
            continue
        numeric = (pd.api.types.is_numeric_dtype(values) and not _is_text_like(values)) \
            or _numeric_like(values)
        if numeric:
            with np.errstate(over="ignore"):  # beyond float32: inf, then NaN below
                block = _float64(values).astype(np.float32)
            # Infinities (and float64 values beyond float32's range) would poison the
            # learner's standardisation; they become missing values it can impute.
            inf = np.isinf(block)
            if inf.any():
                infinite[key] = int(inf.sum())
                block = np.where(inf, np.float32(np.nan), block)
            blocks.append(block.reshape(n, 1))
            names.append(key)
            encoding[key] = {"kind": "numeric"}
            continue
        block, block_names, info = _encode_categorical(values, key)
        blocks.append(block)
        names.extend(block_names)
        encoding[key] = info
    X = np.hstack(blocks).astype(np.float32, copy=False) if blocks else np.zeros(
        (n, 0), np.float32)
    meta: dict[str, Any] = {"encoding": encoding}
    if dropped:
        meta["dropped_columns"] = dropped
    if infinite:
        meta["infinite_to_nan"] = infinite
    return np.ascontiguousarray(X), names, meta


def _encode_categorical(values: pd.Series, key: str) -> tuple[np.ndarray, list[str],
                                                                dict[str, Any]]:
    """One-hot (few values) or frequency-ranked ordinal codes (many values) of one column.

    Returns
    -------
    block : ndarray of shape (n, j), float32
    names : list of str, length j
    info : dict
    """
    n = len(values)
    # Strings give every value (bool, numbers mixed with text, categories) one spelling.
    text = _as_text(values)
    codes, uniques = pd.factorize(text, sort=True, use_na_sentinel=True)
    k = len(uniques)
    missing = codes < 0
    if k <= CATEGORICAL_ONEHOT_MAX:
        width = k + int(missing.any())
        block = np.zeros((n, width), dtype=np.float32)
        # Missing values get the extra last indicator column.
        block[np.arange(n), np.where(missing, k, codes)] = 1.0
        levels = [str(u) for u in uniques]
        names = [f"{key}={u}" for u in levels]
        if missing.any():
            names.append(f"{key}={_MISSING_NAME}")
        return block, names, {"kind": "onehot", "values": levels,
                              "missing_indicator": bool(missing.any())}
    # Rank values by frequency (ties by sorted value) so code 0 is the most common value;
    # missing values are ranked as a value of their own.
    slot = np.where(missing, k, codes)
    counts = np.bincount(slot, minlength=k + 1)
    order = np.lexsort((np.arange(k + 1), -counts))
    rank = np.empty(k + 1, dtype=np.int64)
    rank[order] = np.arange(k + 1)
    block = rank[slot].astype(np.float32).reshape(n, 1)
    return block, [key], {"kind": "ordinal", "n_values": k,
                          "missing_values": int(missing.sum())}


# ---------------------------------------------------------------------------------------
# npz archives
# ---------------------------------------------------------------------------------------
def _load_npz(path: Path, *, label: str | None, task: str | None, group: str | None,
              split: str | None, id_column: str | None, metadata: dict[str, Any]) -> Dataset:
    where = f"'{path.name}'"
    expected = "a readable .npz archive of numeric arrays"
    try:
        # The file is opened here so that it is closed whatever np.load raises (it leaks
        # its own handle when a zip archive is broken). No pickles: an archive must not
        # be able to run code on load.
        with path.open("rb") as fh:
            loaded = np.load(fh, allow_pickle=False)
            if not isinstance(loaded, np.lib.npyio.NpzFile):
                raise InputError(str(path), expected + " (np.savez)",
                                 f"a single .npy array of shape {np.shape(loaded)}")
            with loaded as archive:
                arrays = {key: archive[key] for key in archive.files}
    except InputError:
        raise
    except Exception as exc:
        raise InputError(str(path), expected, _one_line(exc)) from exc
    y_key = label or "y"
    for option, key in (("data", "X"), ("label", y_key)):
        if key not in arrays:
            raise InputError(option if option != "data" else str(path),
                             f"an .npz archive with arrays 'X' and {y_key!r} ({where})",
                             f"keys: {describe(arrays) or 'none'}")
    X = arrays["X"]
    y = arrays[y_key]
    if y.dtype.kind in "cV":  # complex numbers, structured records
        raise InputError(y_key, f"a label array of numbers or text in {where}",
                         f"dtype {y.dtype}")
    if y.dtype.kind in "mM":  # times as text: numpy holds more of them than pandas
        texts = y.astype(str).astype(object)
        texts[np.isnat(y)] = None
        y = texts
    if y.ndim != 1:
        raise InputError(y_key, f"a 1-D label array in {where}", f"shape {y.shape}")
    if X.ndim < 2 or X.shape[0] != y.shape[0]:
        raise InputError("X", f"an array of shape ({y.shape[0]}, ...) in {where}, one row per "
                         "label", f"shape {X.shape}")
    if X.dtype.kind not in "biuf":
        raise InputError("X", f"a numeric array in {where}", f"dtype {X.dtype}")
    labels = _encode_labels(pd.Series(y), name="label", where=f"key {y_key!r} of {where}",
                            task=task)

    def optional(option: str, key: str | None, default: str) -> np.ndarray | None:
        if key is not None and key not in arrays:
            raise InputError(option, f"a key of {where}", f"{key!r} (keys: "
                             f"{describe(arrays)})")
        key = key or default
        if key not in arrays:
            return None
        value = arrays[key]
        if value.shape != y.shape:
            raise InputError(key, f"an array of shape {y.shape} in {where}",
                             f"shape {value.shape}")
        if value.dtype.kind == "S":  # bytes as text (numpy would read them as ASCII)
            value = np.array([v.decode("utf-8", "backslashreplace") for v in value],
                             dtype=str)
        return value

    groups = optional("group", group, "groups")
    split_values = optional("split", split, "split")
    ids = optional("id_column", id_column, "ids")
    metadata.update({"task_inferred": labels.inferred, "keys": sorted(arrays)})
    with np.errstate(over="ignore"):  # beyond float32: inf, which learners treat as missing
        features = np.ascontiguousarray(X, dtype=np.float32)
    return Dataset(
        X=features, y=labels.y, task=labels.task,
        name=path.name, classes=labels.classes, groups=groups, ids=ids,
        split=None if split_values is None else split_values.astype(str),
        metadata=metadata,
    )


# ---------------------------------------------------------------------------------------
# image folders
# ---------------------------------------------------------------------------------------
def _list_images(root: Path) -> tuple[list[str], list[Path], np.ndarray, list[str]]:
    """Class names, image files (sorted), their class codes and skipped files."""
    class_dirs = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    files: list[Path] = []
    codes: list[int] = []
    skipped: list[str] = [p.name for p in root.iterdir() if p.is_file()
                          and not p.name.startswith(".")]
    classes: list[str] = []
    for class_dir in class_dirs:
        members = sorted(p for p in class_dir.rglob("*") if p.is_file()
                         and not any(part.startswith(".") for part in
                                     p.relative_to(root).parts))
        is_image = [p.suffix.lower() in IMAGE_EXTENSIONS for p in members]
        images = [p for p, ok in zip(members, is_image, strict=True) if ok]
        skipped.extend(str(p.relative_to(root)) for p, ok in zip(members, is_image, strict=True)
                       if not ok)
        if not images:
            continue  # an empty folder is not a class
        codes.extend([len(classes)] * len(images))
        classes.append(class_dir.name)
        files.extend(images)
    return classes, files, np.asarray(codes, dtype=np.int64), skipped


@dataclass(frozen=True)
class _Decoded:
    pixels: np.ndarray | None  # (h, w) or (h, w, 3), float32 in [0, 1]
    error: str | None


def _decode_image(path: Path, size: tuple[int, int], target: str | None) -> _Decoded:
    """Decode, orient, convert and resize one image.

    Parameters
    ----------
    target : {"L", "RGB"} or None
        Channel layout to convert to; None keeps the image's own (gray -> L, else RGB).
    """
    from PIL import Image, ImageOps

    try:
        with Image.open(path) as opened:
            opened.load()  # decode now so a truncated or corrupt file fails here
            image = ImageOps.exif_transpose(opened) or opened
            mode = target or ("L" if image.mode in _GRAY_MODES else "RGB")
            height, width = size
            if image.mode in ("I", "I;16", "I;16L", "I;16B", "I;16N", "F"):
                # High bit depth: scale by the format's range in floating point, since
                # Pillow's own conversion to 8 bits clips instead of scaling.
                depth = np.asarray(image, dtype=np.float32)
                top = 1.0 if image.mode == "F" else (255.0 if depth.max() <= 255 else 65535.0)
                # NaN pixels (float images) become 0, infinities the range's ends.
                scaled = np.clip(np.nan_to_num(depth / top, nan=0.0), 0.0, 1.0).astype(
                    np.float32)
                gray = Image.fromarray(scaled).resize((width, height),  # float32 -> mode F
                                                      Image.Resampling.BILINEAR)
                pixels = np.asarray(gray, dtype=np.float32)
                if mode == "RGB":
                    pixels = np.repeat(pixels[..., None], 3, axis=2)
                return _Decoded(pixels, None)
            converted = image.convert(mode).resize((width, height), Image.Resampling.BILINEAR)
            return _Decoded(np.asarray(converted, dtype=np.float32) / np.float32(255.0), None)
    except Exception as exc:  # whatever Pillow raises, it is a property of the file
        return _Decoded(None, _one_line(exc))


class ImageFolderItems:
    """The images of a folder as a map-style dataset: item i is ``(pixels, label)`` with
    pixels float32 in [0, 1] of shape (c, h, w), decoded from its file when asked for.

    Parameters
    ----------
    root : Path
    files : list of Path
        One per example, sorted by class folder then path.
    targets : ndarray of int64, shape (n,)
        Class codes.
    size : tuple of int
        ``(height, width)`` every image is resized to.
    mode : {"L", "RGB"}
        Channels every image is converted to (1 or 3).
    """

    def __init__(self, root: Path, files: list[Path], targets: np.ndarray,
                 size: tuple[int, int], mode: str) -> None:
        self.root = root
        self.files = files
        self.targets = targets
        self.size = size
        self.mode = mode

    def __len__(self) -> int:
        return len(self.files)

    def __getitem__(self, i: int) -> tuple[np.ndarray, int]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            d = _decode_image(self.files[i], self.size, self.mode)
        if d.pixels is None:
            raise InputError(str(self.files[i]), "a readable image", str(d.error))
        p = np.clip(d.pixels, 0.0, 1.0)
        pixels = p[None] if p.ndim == 2 else p.transpose(2, 0, 1)
        return np.ascontiguousarray(pixels, dtype=np.float32), int(self.targets[i])

    def __repr__(self) -> str:
        h, w = self.size
        return (f"ImageFolderItems('{self.root}', {len(self)} images, {h}x{w}, "
                f"{self.mode})")


_PROBE_IMAGES = 32
"""Images a lazy folder decodes up front to choose one or three channels (evenly spread
over the files): one when all of them are grayscale."""


def _lazy_image_folder(root: Path, files: list[Path], y: np.ndarray, classes: list[str],
                       skipped: list[str], size: tuple[int, int], grayscale: bool | None,
                       metadata: dict[str, Any]) -> Dataset:
    """A lazy `Dataset` over the image files: nothing is decoded but a probe of up to
    `_PROBE_IMAGES` (when `grayscale` is None), which must decode."""
    if grayscale is None:
        probe = np.unique(np.linspace(0, len(files) - 1, min(_PROBE_IMAGES, len(files))
                                      ).astype(int))
        gray = True
        for i in probe:
            d = _decode_image(files[int(i)], size, None)
            if d.pixels is None:
                raise InputError(str(files[int(i)]), "a readable image", str(d.error))
            gray = gray and d.pixels.ndim == 2
        mode = "L" if gray else "RGB"
    else:
        mode = "L" if grayscale else "RGB"
    # Map-style (`__len__`, `__getitem__`): the runner and torch's DataLoader read it as
    # they read a lazily indexed torch dataset.
    items = ImageFolderItems(root, files, y, size, mode)
    # The identity covers every file's name, size and modification time (no file is
    # read): an edited, added or removed image gives another fingerprint.
    h = hashlib.sha256(f"{size}|{mode}".encode())
    for f in files:
        st = f.stat()
        h.update(f"{f.relative_to(root)}|{st.st_size}|{st.st_mtime_ns}\n".encode())
    relative = [str(f.relative_to(root)) for f in files]
    class_array = np.asarray(classes, dtype=str)
    metadata.update({"task_inferred": False, "image_size": list(size),
                     "channels": 1 if mode == "L" else 3, "skipped_files": skipped,
                     "lazy": True, "identity": f"images|{h.hexdigest()}"})
    return Dataset(np.zeros((len(files), 0), dtype=np.float32), y, "classification",
                   name=root.name, classes=class_array,
                   ids=np.asarray(relative, dtype=object),
                   raw=pd.DataFrame({"path": relative, "label": class_array[y]}),
                   items=items, metadata=metadata)


def _load_image_folder(root: Path, *, image_size: tuple[int, int], grayscale: bool | None,
                       metadata: dict[str, Any], lazy: bool = False) -> Dataset:
    try:
        height, width = (int(s) for s in image_size)
        valid = height > 0 and width > 0 and len(tuple(image_size)) == 2
    except (TypeError, ValueError):
        valid = False
    if not valid:
        raise InputError("image_size", "two positive integers (height, width)",
                         repr(image_size))
    if grayscale is not None and not isinstance(grayscale, bool):
        raise InputError("grayscale", "True, False or None (inferred)", repr(grayscale))

    classes, files, y, skipped = _list_images(root)
    if not files:
        raise InputError(str(root), "one sub-folder of images per class "
                         f"({', '.join(IMAGE_EXTENSIONS)})", "no images")
    if len(classes) < 2:
        raise InputError(str(root), "at least two sub-folders (classes) holding images",
                         f"only {classes[0]!r} with {len(files)} images")

    if lazy:
        return _lazy_image_folder(root, files, y, classes, skipped, (height, width),
                                  grayscale, metadata)
    target = None if grayscale is None else ("L" if grayscale else "RGB")
    # Pillow releases the GIL while decoding and resizing, so threads give real speed-up.
    workers = min(32, (os.cpu_count() or 1) + 4, len(files))
    # Pillow warns of what it works around (corrupt EXIF data, large images): an image
    # that decodes is read, one that does not is named below; no warning reaches the
    # user's terminal as a second line.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with ThreadPoolExecutor(max_workers=workers) as pool:
            decoded = list(pool.map(lambda p: _decode_image(p, (height, width), target),
                                    files))

    failures = [i for i, d in enumerate(decoded) if d.error is not None]
    if failures:
        first = failures[0]
        more = f" (and {len(failures) - 1} more unreadable images)" if len(failures) > 1 else ""
        raise InputError(str(files[first]), "a readable image", f"{decoded[first].error}{more}")

    pixels = [d.pixels for d in decoded if d.pixels is not None]
    channels = 1 if all(p.ndim == 2 for p in pixels) else 3
    X = np.empty((len(pixels), channels, height, width), dtype=np.float32)
    for i, p in enumerate(pixels):
        # Gray images in a colour set are repeated over the three channels.
        X[i] = p[None] if p.ndim == 2 else p.transpose(2, 0, 1)
    np.clip(X, 0.0, 1.0, out=X)  # resampling can overshoot by rounding

    relative = [str(f.relative_to(root)) for f in files]
    metadata.update({"task_inferred": False, "image_size": [height, width],
                     "channels": channels, "skipped_files": skipped})
    class_array = np.asarray(classes, dtype=str)
    raw = pd.DataFrame({"path": relative, "label": class_array[y]})
    return Dataset(X=X, y=y, task="classification", name=root.name, classes=class_array,
                   ids=np.asarray(relative, dtype=object), raw=raw, metadata=metadata)
