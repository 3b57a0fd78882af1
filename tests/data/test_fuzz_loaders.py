"""Fuzzing the loaders (issue 15: every bad input gets one line, no traceback, ever).

Hypothesis writes malformed and odd files for every loader: random bytes, valid files cut
at a random byte, empty and header-only tables, ragged rows, wrong delimiters, encodings
and BOMs, non-UTF-8 bytes, duplicate and odd column names, all-missing and constant
columns, labels with one class or none, infinities and numbers beyond float32 and int64,
Parquet columns of every Arrow type, ``.npz`` archives of every dtype and shape (object
arrays must be refused without unpickling), JSON lines that are not objects, and image
folders holding non-images, zero-byte images and one class. Whatever it writes, the
public entry the CLI uses (`load_data`) returns a `Dataset` that keeps its documented
promises or raises a `DatacurveError` (an `InputError`) whose one-line message names the
file; the CLI turns such files into exit code 2 and one line on stderr.
"""

from __future__ import annotations

import contextlib
import csv
import gzip
import io
import json
import pickle
import sqlite3
import tempfile
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as npst
from PIL import Image

from datacurve._errors import DatacurveError
from datacurve.data import Dataset, load_data
from tests.conftest import assert_cli_refuses

FAST = settings(max_examples=120, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
LABEL = "y"


# -- a case: the files to write and how to load them -------------------------------------
@dataclass
class Case:
    """Files (relative path -> bytes; None makes a directory) and the `load_data` call."""

    files: dict[str, bytes | None]
    source: str
    kwargs: dict[str, Any] = field(default_factory=dict)
    table: bool = True  # a table: infinities must have become NaN

    def write(self, root: Path) -> Path:
        for rel, data in self.files.items():
            path = root / rel
            if data is None:
                path.mkdir(parents=True, exist_ok=True)
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
        return root / self.source

    def __repr__(self) -> str:  # what Hypothesis prints for a failing example
        def shown(data: bytes) -> bytes:
            if data.startswith(b"\x1f\x8b"):
                with contextlib.suppress(Exception):
                    return b"gzip:" + gzip.decompress(data)[:200]
            return data[:200]

        sizes = {k: (None if v is None else (len(v), shown(v))) for k, v in self.files.items()}
        return f"Case(source={self.source!r}, kwargs={self.kwargs!r}, files={sizes!r})"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:  # Hypothesis's printer
        printer.text(repr(self))


def cut(draw: st.DrawFn, data: bytes) -> bytes:
    """`data`, or `data` cut at a random byte (a truncated file)."""
    if draw(st.integers(0, 3)) == 0:
        return data[:draw(st.integers(0, max(len(data) - 1, 0)))]
    return data


def load_options(draw: st.DrawFn, columns: list[str]) -> dict[str, Any]:
    """Options of a table load: the label, and sometimes a format, task, or role column."""
    kwargs: dict[str, Any] = {"label": draw(st.sampled_from([LABEL] * 6 + ["Y", "a"]))}
    if draw(st.integers(0, 4)) == 0:
        kwargs["format"] = draw(st.sampled_from(["csv", "tsv", "jsonl", "parquet", "npz",
                                                 "images"]))
    if draw(st.integers(0, 3)) == 0:
        kwargs["task"] = draw(st.sampled_from(["classification", "regression"]))
    if columns and draw(st.integers(0, 4)) == 0:
        option = draw(st.sampled_from(["group", "split", "id_column", "text_column"]))
        kwargs[option] = draw(st.sampled_from(columns))
    return kwargs


# -- cells, columns, tables ---------------------------------------------------------------
ODD_TEXT = ["", " ", "a", "b", "NaN", "nan", "NA", "null", "None", "inf", "-inf",
            "Infinity", "1e400", "-1e400", "1e39", "True", "false", "0x1F", "1,5", "١٢",
            "\t", '"', "'", ",", ";", "|", "a\nb", "\r", "é", "\u00a0", "\ufeff", "\x00",
            "<script>", "2024-01-01", "12:30"]
ODD_NUMBERS = [0, -0.0, 1, 2, -1, 2**31, 2**53 + 1, 2**63 - 1, 2**63, -(2**63) - 1, 2**64,
               10**30, 1e308, -1e308, 3.5e38, 1e39, 5e-324, float("inf"), float("-inf"),
               float("nan")]

cells = st.one_of(
    st.integers(-3, 3), st.integers(), st.sampled_from(ODD_NUMBERS), st.floats(),
    st.sampled_from(ODD_TEXT), st.text(max_size=5), st.booleans(), st.none(),
)
numeric_cells = st.one_of(st.integers(-5, 5), st.floats(), st.sampled_from(ODD_NUMBERS),
                          st.none())
COLUMN_NAMES = ["a", "b", "c", "", " ", "a", "y ", "Y", "y.1", "Unnamed: 0", "é", "a,b",
                'q"', "0", "1.5", "nan", "\ufeffa", "a\tb"]


@st.composite
def column(draw: st.DrawFn, n: int, *, label: bool = False) -> list[Any]:
    """One column of n cells: numbers, categories, a mix, all missing, constant, ..."""
    kinds = ["numeric", "category", "mixed", "missing", "constant", "inf"]
    if label:
        kinds += ["two", "two", "two", "ints", "ints"]
    kind = draw(st.sampled_from(kinds))
    if kind == "numeric":
        return draw(st.lists(numeric_cells, min_size=n, max_size=n))
    if kind == "category":
        return draw(st.lists(st.sampled_from(["red", "green", "blue", "", None]),
                             min_size=n, max_size=n))
    if kind == "missing":
        return [draw(st.sampled_from([None, "", float("nan"), "NA"]))] * n
    if kind == "constant":
        return [draw(cells)] * n
    if kind == "inf":
        return draw(st.lists(st.sampled_from([1.0, 2.0, float("inf"), float("-inf"), 1e39]),
                             min_size=n, max_size=n))
    if kind == "two":
        return draw(st.lists(st.sampled_from(["cat", "dog"]), min_size=n, max_size=n))
    if kind == "ints":
        return draw(st.lists(st.integers(0, 2), min_size=n, max_size=n))
    return draw(st.lists(cells, min_size=n, max_size=n))


@st.composite
def tables(draw: st.DrawFn) -> tuple[list[str], list[list[Any]]]:
    """A header (duplicates and odd names allowed) and rows; usually a label column."""
    n = draw(st.integers(0, 8))
    header = draw(st.lists(st.sampled_from(COLUMN_NAMES), max_size=4))
    columns = [draw(column(n)) for _ in header]
    if draw(st.integers(0, 7)) > 0:
        at = draw(st.integers(0, len(header)))
        header.insert(at, LABEL)
        columns.insert(at, draw(column(n, label=True)))
    rows = [[col[i] for col in columns] for i in range(n)]
    return header, rows


def text_of(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return str(value)


@st.composite
def delimited_files(draw: st.DrawFn) -> Case:
    """CSV / TSV text, sometimes broken: wrong delimiter, no quoting, ragged rows, odd
    encodings, BOMs, invalid bytes, gzip, cut short."""
    header, rows = draw(tables())
    suffix = draw(st.sampled_from([".csv", ".csv", ".tsv", ".csv.gz", ".tsv.gz"]))
    delimiter = draw(st.sampled_from([",", ",", "\t", ";", "|", " "]))
    lines = [header, *rows]
    if draw(st.integers(0, 3)) == 0:  # ragged rows
        lines = [line[:draw(st.integers(0, len(line)))] if draw(st.booleans())
                 else [*line, *draw(st.lists(cells, max_size=2))] for line in lines]
    if draw(st.booleans()):
        buffer = io.StringIO()
        csv.writer(buffer, delimiter=delimiter,
                   lineterminator=draw(st.sampled_from(["\n", "\r\n"]))).writerows(
            [[text_of(v) for v in line] for line in lines])
        text = buffer.getvalue()
    else:  # no quoting at all
        text = "".join(delimiter.join(text_of(v) for v in line) + "\n" for line in lines)
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "utf-16", "latin-1",
                                     "cp1252"]))
    data = text.encode(encoding, errors="replace")
    if draw(st.integers(0, 4)) == 0:  # bytes that are not UTF-8
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.sampled_from([b"\xff\xfe", b"\x80", b"\xc3(", b"\x00",
                                                 b"\xed\xa0\x80"])) + data[at:]
    if suffix.endswith(".gz"):
        data = gzip.compress(data)
    return Case({"data" + suffix: cut(draw, data)}, "data" + suffix,
                load_options(draw, header))


@st.composite
def jsonl_files(draw: st.DrawFn) -> Case:
    """JSON lines: objects (keys missing or extra), and lines that are not objects."""
    header, rows = draw(tables())
    lines = []
    for row in rows:
        kind = draw(st.sampled_from(["object"] * 6 + ["list", "number", "string", "null",
                                                      "garbage", "blank", "nested"]))
        record = dict(zip(header, row, strict=True))
        if kind == "object":
            if draw(st.integers(0, 3)) == 0 and record:
                record.pop(draw(st.sampled_from(sorted(record))))
            lines.append(json.dumps(record, allow_nan=True))
        elif kind == "list":
            lines.append(json.dumps(row, allow_nan=True))
        elif kind == "number":
            lines.append(json.dumps(draw(st.sampled_from(ODD_NUMBERS)), allow_nan=True))
        elif kind == "string":
            lines.append(json.dumps(draw(st.text(max_size=4))))
        elif kind == "null":
            lines.append("null")
        elif kind == "garbage":
            lines.append(draw(st.sampled_from(["{", "}", "{'a': 1}", "[1,", "nul", "\x00",
                                               '{"y": "cat", "y": 1}', '{"": 1}'])))
        elif kind == "blank":
            lines.append("")
        else:
            lines.append(json.dumps({**record, LABEL: draw(st.sampled_from(
                [{"a": 1}, [1, 2], [], {}]))}))
    text = "\n".join(lines) + draw(st.sampled_from(["", "\n"]))
    data = (b"\xef\xbb\xbf" if draw(st.integers(0, 5)) == 0 else b"") + text.encode()
    suffix = draw(st.sampled_from([".jsonl", ".ndjson", ".jsonl.gz"]))
    if suffix.endswith(".gz"):
        data = gzip.compress(data)
    return Case({"data" + suffix: cut(draw, data)}, "data" + suffix,
                load_options(draw, header))


ARROW_KINDS = ["int64", "uint64", "float64", "float16", "string", "large_string", "bool",
               "binary", "list", "struct", "map", "null", "dictionary", "decimal",
               "timestamp", "timestamp_tz", "duration", "date", "time"]


@st.composite
def arrow_column(draw: st.DrawFn, n: int, *, label: bool = False) -> pa.Array:
    """n values of one Arrow type, some missing."""
    kind = draw(st.sampled_from(ARROW_KINDS + (["two"] * 8 if label else [])))

    def values(strategy: st.SearchStrategy[Any]) -> list[Any]:
        return draw(st.lists(st.one_of(strategy, st.none()), min_size=n, max_size=n))

    if kind == "two":
        return pa.array(draw(st.lists(st.sampled_from(["cat", "dog"]), min_size=n,
                                      max_size=n)))
    if kind == "int64":
        return pa.array(values(st.integers(-(2**63), 2**63 - 1)), pa.int64())
    if kind == "uint64":
        return pa.array(values(st.integers(0, 2**64 - 1)), pa.uint64())
    if kind == "float64":
        return pa.array(values(st.floats()), pa.float64())
    if kind == "float16":
        return pa.array(np.asarray(draw(st.lists(st.floats(width=16), min_size=n,
                                                 max_size=n)), dtype=np.float16))
    if kind in ("string", "large_string"):
        return pa.array(values(st.text(max_size=4)),
                        pa.string() if kind == "string" else pa.large_string())
    if kind == "bool":
        return pa.array(values(st.booleans()), pa.bool_())
    if kind == "binary":
        return pa.array(values(st.binary(max_size=4)), pa.binary())
    if kind == "list":
        return pa.array(values(st.lists(st.integers(-3, 3), max_size=3)),
                        pa.list_(pa.int64()))
    if kind == "struct":
        return pa.array(values(st.fixed_dictionaries({"a": st.integers(-3, 3)})),
                        pa.struct([("a", pa.int64())]))
    if kind == "map":
        return pa.array(values(st.lists(st.tuples(st.sampled_from(["k", "v"]),
                                                  st.integers(0, 3)), max_size=2)),
                        pa.map_(pa.string(), pa.int64()))
    if kind == "null":
        return pa.nulls(n)
    if kind == "dictionary":
        return pa.array(values(st.sampled_from(["x", "y", "z"])),
                        pa.string()).dictionary_encode()
    if kind == "decimal":
        return pa.array(values(st.decimals(min_value=-999, max_value=999, places=2,
                                           allow_nan=False, allow_infinity=False)),
                        pa.decimal128(10, 2))
    if kind in ("timestamp", "timestamp_tz"):
        return pa.array(values(st.integers(-(2**40), 2**40)),
                        pa.timestamp("s", tz="UTC" if kind == "timestamp_tz" else None))
    if kind == "duration":
        return pa.array(values(st.integers(-(2**40), 2**40)), pa.duration("s"))
    if kind == "date":
        return pa.array(values(st.integers(-(2**20), 2**20)), pa.date32())
    return pa.array(values(st.integers(0, 86_399)), pa.time32("s"))


@st.composite
def parquet_files(draw: st.DrawFn) -> Case:
    """A Parquet table of odd Arrow types (duplicate names allowed), maybe cut short."""
    n = draw(st.integers(0, 6))
    names = draw(st.lists(st.sampled_from(COLUMN_NAMES), max_size=3))
    arrays = [draw(arrow_column(n)) for _ in names]
    if draw(st.integers(0, 7)) > 0:
        names.append(LABEL)
        arrays.append(draw(arrow_column(n, label=True)))
    buffer = io.BytesIO()
    pq.write_table(pa.Table.from_arrays(arrays, names=names), buffer)
    suffix = draw(st.sampled_from([".parquet", ".pq"]))
    return Case({"data" + suffix: cut(draw, buffer.getvalue())}, "data" + suffix,
                load_options(draw, names))


# -- .npz ---------------------------------------------------------------------------------
NPZ_DTYPES = st.one_of(npst.floating_dtypes(), npst.integer_dtypes(),
                       npst.unsigned_integer_dtypes(), npst.boolean_dtypes(),
                       npst.complex_number_dtypes(), npst.unicode_string_dtypes(max_len=3),
                       npst.byte_string_dtypes(max_len=3), npst.datetime64_dtypes(),
                       npst.timedelta64_dtypes(), st.just(np.dtype([("a", "<i4")])))


@st.composite
def npz_array(draw: st.DrawFn, n: int) -> np.ndarray:
    """An array of n rows (or another length, or no rows at all) of any dtype."""
    rows = draw(st.sampled_from([n] * 6 + [n + 1, 0]))
    shape = draw(st.sampled_from([(rows,), (rows,), (rows, 2), (rows, 2, 3), (), (rows, 0)]))
    if draw(st.integers(0, 7)) == 0:  # an object array: pickled by np.savez
        objects = np.empty(rows, dtype=object)
        objects[:] = draw(st.lists(st.one_of(cells, st.lists(st.integers(), max_size=2)),
                                   min_size=rows, max_size=rows))
        return objects
    return draw(npst.arrays(NPZ_DTYPES, shape))


@st.composite
def npz_files(draw: st.DrawFn) -> Case:
    """An .npz archive with or without X / y / groups / split / ids, of any dtype and shape;
    or bytes that are almost one (a bare .npy, a pickle, a zip of garbage, cut short)."""
    n = draw(st.integers(0, 6))
    keys = draw(st.lists(st.sampled_from(["X", "y", "groups", "split", "ids", "x", "labels"]),
                         unique=True, max_size=5))
    if draw(st.integers(0, 3)) > 0:
        keys = sorted({*keys, "X", "y"})
    arrays: dict[str, np.ndarray] = {}
    for key in keys:
        if key == "y" and draw(st.booleans()):
            arrays[key] = np.asarray(draw(st.lists(st.sampled_from([0, 1, 2]), min_size=n,
                                                   max_size=n)))
        elif key == "X" and draw(st.booleans()):
            arrays[key] = np.asarray(draw(st.lists(st.lists(
                st.floats(width=64), min_size=2, max_size=2), min_size=n, max_size=n)),
                dtype=np.float64).reshape(n, 2)
        else:
            arrays[key] = draw(npz_array(n))
    buffer = io.BytesIO()
    container = draw(st.sampled_from(["savez"] * 4 + ["compressed", "npy", "pickle", "zip"]))
    if container == "savez":
        np.savez(buffer, **arrays)  # type: ignore[arg-type]
    elif container == "compressed":
        np.savez_compressed(buffer, **arrays)  # type: ignore[arg-type]
    elif container == "npy":
        np.save(buffer, arrays.get("X", np.zeros(3)), allow_pickle=True)
    elif container == "pickle":
        pickle.dump(arrays, buffer)
    else:
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("X.npy", draw(st.binary(max_size=40)))
            archive.writestr("y.npy", b"\x93NUMPY\x01\x00" + draw(st.binary(max_size=40)))
    kwargs: dict[str, Any] = {}
    if draw(st.integers(0, 4)) == 0:
        kwargs["label"] = draw(st.sampled_from(["labels", "X", "missing"]))
    if draw(st.integers(0, 4)) == 0:
        option = draw(st.sampled_from(["group", "split", "id_column"]))
        kwargs[option] = draw(st.sampled_from(["groups", "split", "ids", "y", "nope"]))
    if draw(st.integers(0, 4)) == 0:
        kwargs["task"] = draw(st.sampled_from(["classification", "regression"]))
    return Case({"arrays.npz": cut(draw, buffer.getvalue())}, "arrays.npz", kwargs,
                table=False)


# -- image folders --------------------------------------------------------------------------
IMAGE_MODES = {"L": ".png", "RGB": ".png", "RGBA": ".png", "P": ".gif", "1": ".bmp",
               "I;16": ".png", "I": ".tif", "F": ".tif", "LA": ".png", "CMYK": ".jpg",
               "YCbCr": ".jpg"}


def image_bytes(mode: str, size: tuple[int, int], value: int) -> bytes:
    ext = IMAGE_MODES[mode]
    if mode in ("I", "F", "I;16"):
        image = Image.new(mode, size, value * 257)
    elif mode in ("RGB", "RGBA", "CMYK", "YCbCr"):
        image = Image.new(mode, size, tuple([value] * Image.getmodebands(mode)))
    elif mode == "LA":
        image = Image.new(mode, size, (value, 128))
    else:
        image = Image.new(mode, size, value % 2 if mode == "1" else value)
    buffer = io.BytesIO()
    extra: dict[str, Any] = {"transparency": 0} if mode == "P" else {}
    image.save(buffer, format={".png": "PNG", ".gif": "GIF", ".bmp": "BMP", ".tif": "TIFF",
                               ".jpg": "JPEG"}[ext], **extra)
    return buffer.getvalue()


def _float_tiff() -> bytes:
    """A 32-bit float TIFF holding NaN and infinite pixels."""
    buffer = io.BytesIO()
    Image.fromarray(np.array([[np.nan, np.inf], [-np.inf, 0.5]], dtype=np.float32)).save(
        buffer, format="TIFF")
    return buffer.getvalue()


@st.composite
def image_file(draw: st.DrawFn, folder: str, i: int) -> tuple[str, bytes]:
    kind = draw(st.sampled_from(["image"] * 5 + ["empty", "text", "cut", "other", "nested",
                                                 "renamed", "float"]))
    if kind == "float":  # 32-bit float pixels, NaN and infinities among them
        pixels = np.array([[np.nan, np.inf], [-np.inf, draw(st.floats(width=32))]],
                          dtype=np.float32)
        buffer = io.BytesIO()
        Image.fromarray(pixels).save(buffer, format="TIFF")
        return f"{folder}/{i}.tif", buffer.getvalue()
    if kind in ("image", "cut", "nested", "renamed"):
        mode = draw(st.sampled_from(sorted(IMAGE_MODES)))
        data = image_bytes(mode, (draw(st.integers(1, 6)), draw(st.integers(1, 6))),
                           draw(st.integers(0, 255)))
        ext = IMAGE_MODES[mode]
        if kind == "cut":
            data = data[:draw(st.integers(0, max(len(data) - 1, 0)))]
        if kind == "renamed":  # the ending of another format
            ext = draw(st.sampled_from([".jpg", ".png", ".webp", ".ppm"]))
        name = f"sub/{i}{ext}" if kind == "nested" else f"{i}{ext}"
        return f"{folder}/{name}", data
    if kind == "empty":
        return f"{folder}/{i}{draw(st.sampled_from(['.png', '.jpg', '.gif']))}", b""
    if kind == "text":
        return f"{folder}/{i}.jpeg", b"not an image at all"
    return f"{folder}/{i}{draw(st.sampled_from(['.txt', '.csv', '', '.DS_Store']))}", b"x"


@st.composite
def image_folders(draw: st.DrawFn) -> Case:
    """Class folders of images of every mode, with zero-byte, cut and non-image files, empty
    folders, one class or none."""
    classes = draw(st.lists(st.sampled_from(["cat", "dog", "é", "a b", ".hidden", "1", "_"]),
                            unique=True, max_size=3))
    files: dict[str, bytes | None] = {"images": None}
    for name in classes:
        files[f"images/{name}"] = None
        for i in range(draw(st.integers(0, 3))):
            rel, data = draw(image_file(f"images/{name}", i))
            files[rel] = data
    if draw(st.integers(0, 3)) == 0:
        files["images/README.txt"] = b"notes"
    kwargs: dict[str, Any] = {}
    if draw(st.integers(0, 3)) == 0:
        kwargs["grayscale"] = draw(st.booleans())
    if draw(st.integers(0, 3)) == 0:
        kwargs["image_size"] = draw(st.sampled_from([(1, 1), (3, 5)]))
    return Case(files, "images", kwargs, table=False)


@st.composite
def random_files(draw: st.DrawFn) -> Case:
    """Random bytes (or nothing) under every ending a loader reads."""
    suffix = draw(st.sampled_from([".csv", ".tsv", ".csv.gz", ".jsonl", ".parquet", ".npz",
                                   ".pq", ".tab", ".ndjson", ".csv.bz2", ".csv.zip",
                                   ".csv.xz"]))
    prefix = draw(st.sampled_from([b"", b"", b"PAR1", b"PK\x03\x04", b"\x1f\x8b",
                                   b"\x93NUMPY", b"\xef\xbb\xbf", b"\xff\xfe"]))
    data = prefix + draw(st.binary(max_size=200))
    return Case({"data" + suffix: data}, "data" + suffix, {"label": LABEL})


# -- the check ------------------------------------------------------------------------------
def check_dataset(ds: Dataset, case: Case) -> None:
    """What a loaded dataset promises (README, `load`'s docstring)."""
    assert isinstance(ds, Dataset)
    n = ds.n
    assert n > 0 and ds.y.shape == (n,)
    if sp.issparse(ds.X):
        assert ds.X.dtype == np.float32
    else:
        X = np.asarray(ds.X)
        assert X.dtype == np.float32 and X.shape[0] == n
        if case.table:  # tables: infinities (and values beyond float32) become NaN
            assert not np.isinf(X).any()
        if X.ndim == 4:  # an image folder: pixels in [0, 1]
            assert np.isfinite(X).all() and X.min() >= 0.0 and X.max() <= 1.0
    if ds.task == "classification":
        assert ds.y.dtype == np.int64 and ds.classes is not None
        assert len(ds.classes) >= 2
        assert ds.y.min() >= 0 and ds.y.max() < len(ds.classes)
        assert set(np.unique(ds.y)) == set(range(len(ds.classes)))
    else:
        assert ds.y.dtype == np.float64 and np.isfinite(ds.y).all()
    json.dumps(ds.summary())
    repr(ds)


def assert_loads_or_refuses(case: Case) -> None:
    """`load_data` gives a Dataset or a one-line DatacurveError naming the file, and warns
    of nothing on the way (a warning is a second line on the CLI's stderr)."""
    with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        path = case.write(Path(tmp))
        try:
            ds = load_data(str(path), **case.kwargs)
        except DatacurveError as exc:
            message = str(exc)
            assert "\n" not in message and "\r" not in message, message
            assert path.name in message, message
        else:
            check_dataset(ds, case)
    assert not [w for w in caught if not issubclass(w.category, DeprecationWarning)], [
        f"{w.category.__name__}: {w.message}" for w in caught]


@FAST
@given(delimited_files())
def test_fuzz_delimited_tables(case: Case) -> None:
    """CSV / TSV (and gzip) files, well-formed or not, load or are refused in one line."""
    assert_loads_or_refuses(case)


@FAST
@given(jsonl_files())
def test_fuzz_json_lines(case: Case) -> None:
    """JSON-lines files with objects, other values and garbage lines."""
    assert_loads_or_refuses(case)


@FAST
@given(parquet_files())
def test_fuzz_parquet(case: Case) -> None:
    """Parquet tables of every Arrow type, whole or cut short."""
    assert_loads_or_refuses(case)


@FAST
@given(npz_files())
def test_fuzz_npz(case: Case) -> None:
    """.npz archives of any dtype and shape, with or without their keys, or not .npz."""
    assert_loads_or_refuses(case)


@settings(FAST, max_examples=60)
@given(image_folders())
def test_fuzz_image_folders(case: Case) -> None:
    """Image folders holding images of every mode, non-images, empty and cut files."""
    assert_loads_or_refuses(case)


@FAST
@given(random_files())
def test_fuzz_random_bytes(case: Case) -> None:
    """Random bytes (after a format's magic number, sometimes) under every ending."""
    assert_loads_or_refuses(case)


def _parquet(**columns: pa.Array) -> bytes:
    buffer = io.BytesIO()
    pq.write_table(pa.table(columns), buffer)
    return buffer.getvalue()


def _npz(**arrays: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)  # type: ignore[arg-type]
    return buffer.getvalue()


# What the fuzz found, kept as plain examples so that every run checks them: each raised
# something other than an InputError, warned (a second line on the CLI's stderr), loaded
# garbage silently or named no file (json-object-labels, parquet-float16-labels and
# npz-bare-npy are neighbours that already worked).
FOUND = {
    "json-list-labels": Case({"d.jsonl": b'{"a": 1, "y": [1, 2]}\n{"a": 2, "y": 3}\n'},
                             "d.jsonl", {"label": "y"}),
    "json-object-labels": Case({"d.jsonl": b'{"a": 1, "y": {"k": 1}}\n{"a": 2, "y": "b"}\n'},
                               "d.jsonl", {"label": "y"}),
    "parquet-binary-labels": Case({"d.parquet": _parquet(
        a=pa.array([1, 2, 3]), y=pa.array([b"\xfd\x0c", b"ab", b"\xfd\x0c"]))}, "d.parquet",
        {"label": "y"}),
    "parquet-binary-feature": Case({"d.parquet": _parquet(
        a=pa.array([b"\xff", b"\x80a", None]), y=pa.array(["u", "v", "u"]))}, "d.parquet",
        {"label": "y"}),
    "parquet-times-beyond-9999": Case({"d.parquet": _parquet(
        a=pa.array([1, 2, 3]), y=pa.array([2**40, 0, 2**40], pa.timestamp("s", tz="UTC")))},
        "d.parquet", {"label": "y"}),
    "parquet-float16-labels": Case({"d.parquet": _parquet(
        a=pa.array([1, 2]), y=pa.array(np.array([16, 3], dtype=np.float16)))}, "d.parquet",
        {"label": "y"}),
    "npz-structured-labels": Case({"a.npz": _npz(X=np.zeros((2, 2)), y=np.zeros(
        2, dtype=[("a", "<i4")]))}, "a.npz", table=False),
    "npz-times-beyond-pandas": Case({"a.npz": _npz(X=np.zeros((2, 2)), y=np.array(
        [10**15, 0], dtype="datetime64[D]"))}, "a.npz", table=False),
    "npz-beyond-float32": Case({"a.npz": _npz(X=np.array([[1e300, 1.0], [2.0, -1e39]]),
                                             y=np.array([0, 1]))}, "a.npz", table=False),
    "npz-broken-zip": Case({"a.npz": b"PK\x03\x04\x11\\?\xc2"}, "a.npz", table=False),
    "npz-bare-npy": Case({"a.npz": b"\x93NUMPY\x01\x00v\x00{'descr': '<f8', "
                          b"'fortran_order': False, 'shape': (1,), }" + b" " * 69 + b"\n"
                          + b"\x00" * 8}, "a.npz", table=False),
    "npz-split-bytes-not-ascii": Case({"a.npz": _npz(X=np.zeros((2, 2)), y=np.arange(2),
                                                split=np.array([b"\xc6", b"test"]))},
                                      "a.npz", table=False),
    "npz-missing-label-key": Case({"a.npz": _npz(X=np.zeros((2, 2)), y=np.arange(2))},
                                  "a.npz", {"label": "labels"}, table=False),
    "csv-infinite-class": Case({"d.csv": b"a,y\n1,inf\n2,1\n3,2\n"}, "d.csv",
                               {"label": "y", "task": "classification"}),
    "csv-class-beyond-int64": Case({"d.csv": b"a,y\n1,1e30\n2,1\n3,1e30\n"}, "d.csv",
                                   {"label": "y"}),
    "csv-feature-beyond-float32": Case({"d.csv": b"a,y\n1e39,u\n-1e300,v\n"}, "d.csv",
                                       {"label": "y"}),
    "csv-group-is-label": Case({"d.csv": b"a,y\n1,u\n2,v\n"}, "d.csv",
                               {"label": "y", "group": "y"}),
    "csv-text-column-without-words": Case({"d.csv": b"t,y\n-,u\n!,v\n"}, "d.csv",
                                          {"label": "y", "text_column": "t"}),
    "npz-with-text-column": Case({"a.npz": _npz(X=np.zeros((2, 2)), y=np.arange(2))},
                                 "a.npz", {"text_column": "t"}, table=False),
    "images-corrupt-exif": Case({"im/a/0.png": image_bytes("L", (3, 3), 1),
                                 "im/b/0.tif": image_bytes("I", (4, 3), 7)[:8],
                                 "im/b/1.png": image_bytes("L", (3, 3), 9)}, "im",
                                table=False),
    "images-float-nan-pixels": Case({"im/a/0.png": image_bytes("L", (3, 3), 1),
                                     "im/b/0.tif": _float_tiff()}, "im", table=False),
    "images-with-group": Case({"pics/a/0.png": image_bytes("L", (3, 3), 1),
                               "pics/b/0.png": image_bytes("L", (3, 3), 9)}, "pics",
                              {"group": "g"}, table=False),
}


@pytest.mark.parametrize("case", FOUND.values(), ids=FOUND.keys())
def test_what_the_fuzz_found(case: Case) -> None:
    """Each input the fuzz once broke the loaders with loads or is one line naming it."""
    assert_loads_or_refuses(case)


@pytest.mark.parametrize("name", ["data.csv", "data.tsv", "data.jsonl", "data.parquet",
                                  "arrays.npz", "data.csv.gz"])
def test_empty_file_is_refused_naming_it(tmp_path: Path, name: str) -> None:
    """A zero-byte file of any format is one InputError naming it."""
    path = tmp_path / name
    path.write_bytes(b"")
    with pytest.raises(DatacurveError) as info:
        load_data(str(path), label=LABEL)
    assert name in str(info.value) and "\n" not in str(info.value)


class _Trap:
    """Unpickling this touches a file: proof that an archive ran code."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        return (Path.touch, (self.marker,))


def test_object_arrays_in_npz_are_refused_without_unpickling(tmp_path: Path) -> None:
    """An .npz holding an object array (or a pickle named .npz) is refused, and the pickle is
    never loaded: the object whose unpickling would touch a file does not."""
    marker = tmp_path / "pwned"
    trap = np.array([_Trap(marker), 1], dtype=object)
    for key in ("X", "y", "groups"):
        path = tmp_path / f"trap-{key}.npz"
        arrays = {"X": np.zeros((2, 2)), "y": np.array([0, 1]), key: trap}
        np.savez(path, **arrays)  # type: ignore[arg-type]
        with pytest.raises(DatacurveError) as info:
            load_data(str(path))
        assert path.name in str(info.value)
    raw = tmp_path / "pickle.npz"
    raw.write_bytes(pickle.dumps({"X": trap, "y": trap}))
    with pytest.raises(DatacurveError):
        load_data(str(raw))
    assert not marker.exists()


# -- the CLI on bad files -------------------------------------------------------------------
def other_sqlite() -> bytes:
    """An SQLite database of another application."""
    with contextlib.closing(sqlite3.connect(":memory:")) as con:
        con.execute("CREATE TABLE notes (body TEXT)")
        con.execute("INSERT INTO notes VALUES ('hello')")
        con.commit()
        return con.serialize()


@st.composite
def bad_data_files(draw: st.DrawFn) -> Case:
    """Files no loader can make a dataset of."""
    kind = draw(st.sampled_from(["random", "cut-gzip", "header-only", "one-class", "npz",
                                 "jsonl", "sqlite"]))
    if kind == "random":
        case = draw(random_files())
        return Case({"bad" + case.source[4:]: case.files[case.source]},
                    "bad" + case.source[4:], table=False)
    if kind == "cut-gzip":
        data = gzip.compress(b"a,y\n1,cat\n2,dog\n" * 20)
        return Case({"bad.csv.gz": data[:draw(st.integers(0, len(data) - 9))]}, "bad.csv.gz")
    if kind == "header-only":
        return Case({"bad.csv": draw(st.sampled_from([b"a,y\n", b"y", b"\xef\xbb\xbfa,y\r\n"]))},
                    "bad.csv")
    if kind == "one-class":
        rows = "".join(f"{draw(st.floats())},cat\n" for _ in range(draw(st.integers(1, 5))))
        return Case({"bad.csv": ("a,y\n" + rows).encode()}, "bad.csv")
    if kind == "npz":
        buffer = io.BytesIO()
        np.savez(buffer, X=np.zeros((3, 2)), target=np.arange(3))
        return Case({"bad.npz": cut(draw, buffer.getvalue())}, "bad.npz", table=False)
    if kind == "jsonl":
        return Case({"bad.jsonl": draw(st.sampled_from([b"1\n2\n", b"[1, 2]\n", b"{\n",
                                                        b"null\n", b'"a"\n'
                                                        ]))}, "bad.jsonl")
    return Case({"bad.csv": other_sqlite()}, "bad.csv")  # another application's database


@settings(FAST, max_examples=8)
@given(bad_data_files())
def test_fuzz_cli_audit_bad_files(case: Case) -> None:
    """`datacurve audit FILE --label y` on a bad file: exit 2 and one line naming it."""
    with tempfile.TemporaryDirectory() as tmp:
        path = case.write(Path(tmp))
        assert_cli_refuses(["audit", str(path), "--label", LABEL], path.name)
