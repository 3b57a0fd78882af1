"""Tests of `datacurve.data.load` and `load_data`: formats, encoding, task inference, errors."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from PIL import Image

from datacurve._errors import InputError
from datacurve.data import load, load_data


def _table(n: int = 12) -> pd.DataFrame:
    """A small table with numeric, categorical and label columns."""
    rng = np.random.default_rng(1)
    return pd.DataFrame({
        "size": rng.normal(size=n).round(3),
        "rooms": rng.integers(1, 5, size=n),
        "colour": (["red", "green", "blue"] * n)[:n],
        "label": (["cat", "dog"] * n)[:n],
    })


def _write(df: pd.DataFrame, path: Path) -> Path:
    if path.suffix == ".parquet":
        df.to_parquet(path)
    elif path.suffix in (".jsonl", ".ndjson"):
        df.to_json(path, orient="records", lines=True)
    elif path.suffix == ".tsv":
        df.to_csv(path, sep="\t", index=False)
    else:
        df.to_csv(path, index=False)
    return path


# -- tables ---------------------------------------------------------------------------
def test_csv_numeric_columns_are_float32_and_categoricals_one_hot(tmp_path: Path) -> None:
    """A CSV gives float32 numeric columns and one-hot columns named column=value."""
    ds = load(_write(_table(), tmp_path / "data.csv"), label="label")
    assert ds.X.dtype == np.float32 and ds.X.shape == (12, 5)
    assert ds.feature_names == ("size", "rooms", "colour=blue", "colour=green", "colour=red")
    assert np.array_equal(ds.X[:, 2:].sum(axis=1), np.ones(12))
    assert ds.X[0, 4] == 1.0  # row 0 is red


def test_numeric_nan_is_kept(tmp_path: Path) -> None:
    """Missing numeric values stay NaN: the learner imputes, not the loader."""
    df = _table()
    df.loc[3, "size"] = np.nan
    ds = load(_write(df, tmp_path / "data.csv"), label="label")
    assert np.isnan(ds.X[3, 0]) and np.isnan(ds.X[:, 0]).sum() == 1


def test_categorical_missing_values_get_their_own_indicator(tmp_path: Path) -> None:
    """A missing categorical value sets a column=<missing> indicator, not any value column."""
    df = _table()
    df["colour"] = df["colour"].astype(object)
    df.loc[2, "colour"] = None
    ds = load(df, label="label")
    assert ds.feature_names is not None
    names = list(ds.feature_names)
    assert names[-1] == "colour=<missing>"
    assert ds.X[2, names.index("colour=<missing>")] == 1.0
    assert ds.X[2, 2:-1].sum() == 0.0


def test_high_cardinality_categorical_gets_frequency_ranked_codes() -> None:
    """More than 32 distinct values give one ordinal column, 0 for the most common value."""
    values = ["common"] * 40 + [f"rare{i}" for i in range(40)]
    df = pd.DataFrame({"city": values, "label": [0, 1] * 40})
    ds = load(df, label="label")
    assert ds.feature_names == ("city",)
    assert np.all(ds.X[:40, 0] == 0.0)
    assert len(np.unique(ds.X[40:, 0])) == 40 and ds.X[40:, 0].min() == 1.0


def test_parquet_matches_csv(tmp_path: Path) -> None:
    """Parquet and CSV copies of one table load to the same features and labels."""
    df = _table()
    a = load(_write(df, tmp_path / "data.csv"), label="label")
    b = load(_write(df, tmp_path / "data.parquet"), label="label")
    assert a.fingerprint == b.fingerprint and a.feature_names == b.feature_names


@pytest.mark.parametrize("name", ["data.jsonl", "data.ndjson"])
def test_json_lines(tmp_path: Path, name: str) -> None:
    """JSON lines files (.jsonl and .ndjson) load like the CSV of the same table."""
    df = _table()
    a = load(_write(df, tmp_path / "data.csv"), label="label")
    b = load(_write(df, tmp_path / name), label="label")
    assert b.metadata["format"] == "jsonl" and a.fingerprint == b.fingerprint


def test_gzipped_csv_and_explicit_format(tmp_path: Path) -> None:
    """A compressed CSV is read by its inner ending; format= overrides an odd ending."""
    df = _table()
    gz = tmp_path / "data.csv.gz"
    df.to_csv(gz, index=False)
    odd = _write(df, tmp_path / "data.txt")
    assert load(gz, label="label").fingerprint == load(odd, label="label",
                                                      format="csv").fingerprint


def test_group_split_and_id_columns_are_not_features(tmp_path: Path) -> None:
    """group / split / id columns fill those fields and are left out of the features."""
    df = _table()
    df["patient"] = np.repeat(["p1", "p2", "p3"], 4)
    df["fold"] = ["train"] * 9 + ["test"] * 3
    df["key"] = [f"row{i}" for i in range(12)]
    ds = load(_write(df, tmp_path / "data.csv"), label="label", group="patient",
              split="fold", id_column="key")
    assert ds.feature_names is not None
    assert not {"patient", "fold", "key"} & set(ds.feature_names)
    assert ds.groups is not None and list(ds.groups[:5]) == ["p1"] * 4 + ["p2"]
    assert ds.split is not None and list(ds.split[-3:]) == ["test"] * 3
    assert ds.ids is not None and ds.ids[11] == "row11"


def test_metadata_records_source_format_and_options(tmp_path: Path) -> None:
    """metadata holds the absolute source path, the format and the loader options."""
    path = _write(_table(), tmp_path / "data.csv")
    ds = load(path, label="label")
    assert ds.metadata["source"] == str(path.resolve())
    assert ds.metadata["format"] == "csv"
    assert ds.metadata["options"]["label"] == "label"
    json.dumps(ds.metadata)  # plain values, ready for reports


def test_raw_keeps_the_original_table(tmp_path: Path) -> None:
    """raw is the table as read, label and all."""
    df = _table()
    ds = load(_write(df, tmp_path / "data.csv"), label="label")
    assert ds.raw is not None and list(ds.raw.columns) == list(df.columns)
    assert list(ds.raw["label"]) == list(df["label"])


def test_dataframe_input_is_not_modified() -> None:
    """Loading from a DataFrame leaves that DataFrame as it was."""
    df = _table()
    before = df.copy(deep=True)
    ds = load(df, label="label")
    assert ds.raw is not df
    pd.testing.assert_frame_equal(df, before)


# -- labels and tasks --------------------------------------------------------------------
def test_string_labels_are_encoded_with_sorted_classes() -> None:
    """String labels become int64 codes 0..k-1 indexing the sorted original labels."""
    labels = ["b", "c", "a", "b", "a", "c"]
    ds = load(pd.DataFrame({"x": range(6), "y": labels}), label="y")
    assert ds.task == "classification" and ds.y.dtype == np.int64
    assert ds.classes is not None and list(ds.classes) == ["a", "b", "c"]
    assert list(ds.classes[ds.y]) == labels


@pytest.mark.parametrize(
    ("labels", "task"),
    [
        (np.tile([1, 2, 3], 20), "classification"),  # few integers
        (np.arange(60), "regression"),  # many integers
        (np.tile([0.0, 1.0, 2.0], 20), "classification"),  # integer-valued floats
        (np.linspace(0, 1, 60), "regression"),  # real floats
        (np.tile([True, False], 30), "classification"),  # booleans
    ],
)
def test_task_inference(labels: np.ndarray, task: str) -> None:
    """The task follows the label type and number of distinct values."""
    ds = load(pd.DataFrame({"x": np.arange(60.0), "y": labels}), label="y")
    assert ds.task == task
    assert ds.metadata["task_inferred"] is True


def test_integer_valued_float_labels_give_integer_classes() -> None:
    """Labels 1.0, 2.0 become classes 1, 2 (int), not 1.0, 2.0."""
    ds = load(pd.DataFrame({"x": range(4), "y": [1.0, 2.0, 2.0, 1.0]}), label="y")
    assert ds.classes is not None and ds.classes.dtype == np.int64
    assert list(ds.classes) == [1, 2]


def test_explicit_task_overrides_inference() -> None:
    """task="regression" turns few integer labels into float64 targets."""
    ds = load(pd.DataFrame({"x": range(6), "y": [1, 2, 3, 1, 2, 3]}), label="y",
              task="regression")
    assert ds.task == "regression" and ds.y.dtype == np.float64 and ds.classes is None


def test_regression_targets_are_float64() -> None:
    """Regression labels keep their values as float64."""
    y = np.linspace(0.5, 9.5, 60)
    ds = load(pd.DataFrame({"x": range(60), "y": y}), label="y")
    assert ds.y.dtype == np.float64 and np.allclose(ds.y, y)


# -- npz --------------------------------------------------------------------------------
def test_npz_with_optional_arrays(tmp_path: Path) -> None:
    """An .npz archive gives X as stored (float32), y encoded, groups/split/ids attached."""
    path = tmp_path / "arrays.npz"
    X = np.arange(6 * 2 * 5).reshape(6, 2, 5)
    np.savez(path, X=X, y=np.array([3, 7, 3, 7, 3, 7]), groups=np.array([0, 0, 1, 1, 2, 2]),
             split=np.array(["train"] * 4 + ["test"] * 2), ids=np.arange(10, 16))
    ds = load(path)
    assert ds.X.dtype == np.float32 and ds.X.shape == (6, 2, 5)
    assert ds.classes is not None and list(ds.classes) == [3, 7]
    assert list(ds.y) == [0, 1, 0, 1, 0, 1]
    assert ds.groups is not None and ds.split is not None and ds.ids is not None
    assert list(ds.split) == ["train"] * 4 + ["test"] * 2 and ds.ids[0] == 10


def test_npz_without_labels_names_the_keys(tmp_path: Path) -> None:
    """An .npz without a 'y' array raises an error listing the keys it has."""
    path = tmp_path / "arrays.npz"
    np.savez(path, X=np.zeros((4, 2)), target=np.arange(4))
    with pytest.raises(InputError, match=r"keys: X, target"):
        load(path)


# -- images -------------------------------------------------------------------------------
def test_gray_image_folder(make_images: Callable[..., Path]) -> None:
    """Gray PNGs in class folders give (n, 1, h, w) float32 in [0, 1], classes from folders."""
    root = make_images({"cat": 3, "dog": 2})
    ds = load(root, image_size=(8, 6))
    assert ds.X.shape == (5, 1, 8, 6) and ds.X.dtype == np.float32
    assert ds.X.min() >= 0.0 and ds.X.max() <= 1.0
    assert ds.classes is not None and list(ds.classes) == ["cat", "dog"]
    assert list(ds.y) == [0, 0, 0, 1, 1]
    assert ds.ids is not None and ds.ids[3] == str(Path("dog") / "0.png")


def test_image_pixels_scaled_to_unit_interval(tmp_path: Path) -> None:
    """A constant-grey image at its own size keeps its value divided by 255."""
    for label, value in (("dark", 0), ("light", 204)):
        (tmp_path / "im" / label).mkdir(parents=True)
        Image.new("L", (4, 4), value).save(tmp_path / "im" / label / "a.png")
    ds = load(tmp_path / "im", image_size=(4, 4))
    assert np.allclose(ds.X[0], 0.0) and np.allclose(ds.X[1], 0.8)


def test_colour_images_give_three_channels(make_images: Callable[..., Path]) -> None:
    """One RGB image among gray ones makes every image three channels."""
    root = make_images({"a": 2, "b": 2})
    Image.new("RGB", (5, 5), (255, 0, 0)).save(root / "a" / "red.png")
    ds = load(root, image_size=(5, 5))
    assert ds.X.shape == (5, 3, 5, 5)
    red = list(ds.ids).index(str(Path("a") / "red.png")) if ds.ids is not None else -1
    assert np.allclose(ds.X[red, 0], 1.0) and np.allclose(ds.X[red, 1:], 0.0)


def test_grayscale_option_forces_one_channel(make_images: Callable[..., Path]) -> None:
    """grayscale=True converts colour images to a single channel."""
    root = make_images({"a": 2, "b": 2}, mode="RGB")
    assert load(root, grayscale=True).X.shape == (4, 1, 28, 28)


def test_corrupt_image_is_named(make_images: Callable[..., Path]) -> None:
    """A corrupt image among readable ones raises an error naming its path."""
    root = make_images({"a": 2, "b": 2})
    bad = root / "b" / "broken.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n not really a png")
    with pytest.raises(InputError) as info:
        load(root)
    assert info.value.name == str(bad)
    assert info.value.expected == "a readable image"
    assert "\n" not in str(info.value)


def test_non_image_files_are_skipped(make_images: Callable[..., Path]) -> None:
    """Files without an image ending (notes, .DS_Store) are skipped and recorded."""
    root = make_images({"a": 2, "b": 2})
    (root / "a" / "notes.txt").write_text("hello")
    (root / "a" / ".DS_Store").write_bytes(b"\0")
    ds = load(root)
    assert ds.n == 4 and ds.metadata["skipped_files"] == [str(Path("a") / "notes.txt")]


# -- text ---------------------------------------------------------------------------------
def test_text_column_gives_sparse_tfidf(tmp_path: Path) -> None:
    """text_column gives CSR TF-IDF features over the vocabulary; the text stays in raw."""
    df = pd.DataFrame({
        "review": ["great film", "awful plot", "great cast great plot", "awful awful", "ok"],
        "stars": [5, 1, 5, 1, 3],
        "sentiment": ["pos", "neg", "pos", "neg", "pos"],
    })
    ds = load(_write(df, tmp_path / "reviews.csv"), label="sentiment", text_column="review",
              max_tfidf_features=4)
    assert sp.issparse(ds.X) and isinstance(ds.X, sp.csr_matrix)
    assert ds.X.shape == (5, 4) and ds.X.dtype == np.float32
    assert ds.feature_names is not None and "great" in ds.feature_names
    assert ds.raw is not None and ds.raw["review"][0] == "great film"


# -- bad input -----------------------------------------------------------------------------
def test_missing_file(tmp_path: Path) -> None:
    """A path that does not exist is reported as the data input."""
    missing = tmp_path / "nope.csv"
    with pytest.raises(InputError) as info:
        load(missing, label="y")
    assert info.value.name == "data" and "no such file" in info.value.got
    assert str(missing) in info.value.got


def test_unknown_extension_lists_supported_formats(tmp_path: Path) -> None:
    """An unknown file ending names the file and the supported endings."""
    path = tmp_path / "data.xlsx"
    path.write_bytes(b"PK")
    with pytest.raises(InputError, match=r"\.csv.*\.parquet.*\.npz") as info:
        load(path, label="y")
    assert "data.xlsx" in info.value.got


def test_unknown_format_option() -> None:
    """A format= value outside the supported ones names the option."""
    with pytest.raises(InputError) as info:
        load(_table(), label="label", format="excel")
    assert info.value.name == "format" and "csv" in info.value.expected


def test_malformed_csv_reports_the_parser_on_one_line(tmp_path: Path) -> None:
    """A CSV pandas cannot parse gives its message, on one line, naming the file."""
    path = tmp_path / "bad.csv"
    path.write_text("a,b,label\n1,2,x\n1,2,3,4,5\n")
    with pytest.raises(InputError) as info:
        load(path, label="label")
    assert info.value.name == str(path) and "ParserError" in info.value.got
    assert "\n" not in str(info.value)


def test_missing_label_column_lists_columns(tmp_path: Path) -> None:
    """A label that is not a column names it and lists the columns."""
    with pytest.raises(InputError) as info:
        load(_write(_table(), tmp_path / "data.csv"), label="price")
    assert info.value.name == "label"
    assert "'price'" in info.value.got and "size, rooms, colour, label" in info.value.got


def test_no_label_given_lists_columns() -> None:
    """A table loaded without label= says a label column is needed and lists the columns."""
    with pytest.raises(InputError, match=r"label: .*columns: size, rooms"):
        load(_table())


def test_nan_labels_are_counted_with_row_numbers() -> None:
    """NaN labels give the column, how many rows and the first row numbers."""
    df = pd.DataFrame({"x": range(6), "y": [1.0, np.nan, 2.0, np.nan, 1.0, 2.0]})
    with pytest.raises(InputError) as info:
        load(df, label="y")
    # Named as the option (label), the column in the message: a column called "target"
    # must not read as the command line's --target.
    assert info.value.name == "label" and "column 'y'" in info.value.expected
    assert "2 of 6 rows" in info.value.got and "rows 2, 4" in info.value.got


def test_empty_string_labels_are_missing(tmp_path: Path) -> None:
    """Empty and whitespace-only labels count as missing."""
    path = tmp_path / "data.csv"
    path.write_text("x,y\n1,a\n2,\n3, \n4,b\n")
    with pytest.raises(InputError, match=r"label: .*column 'y'.*2 of 4 rows .*rows 2, 3"):
        load(path, label="y")


def test_single_class_is_rejected() -> None:
    """One class only cannot make a classification dataset."""
    with pytest.raises(InputError, match=r"at least two classes") as info:
        load(pd.DataFrame({"x": range(5), "y": ["a"] * 5}), label="y")
    assert info.value.name == "label" and "'a'" in info.value.got


def test_table_without_features_is_rejected() -> None:
    """A table holding only label (and id) columns has nothing to learn from."""
    df = pd.DataFrame({"key": ["a", "b", "c"], "y": [0, 1, 0]})
    with pytest.raises(InputError, match=r"at least one feature column"):
        load(df, label="y", id_column="key")


def test_regression_on_text_labels_is_rejected() -> None:
    """task="regression" with non-numeric labels names the first bad value."""
    with pytest.raises(InputError, match=r"numbers .*'b' at row 2"):
        load(pd.DataFrame({"x": range(3), "y": ["1", "b", "3"]}), label="y", task="regression")


def test_duplicate_ids_are_rejected() -> None:
    """An id column with repeated values is reported with the rows sharing them."""
    df = pd.DataFrame({"x": range(4), "y": [0, 1, 0, 1], "key": ["a", "b", "a", "c"]})
    with pytest.raises(InputError, match=r"rows 1, 3") as info:
        load(df, label="y", id_column="key")
    assert info.value.name == "id_column"


def test_single_image_class_is_rejected(make_images: Callable[..., Path]) -> None:
    """An image folder with one class folder cannot make a classification dataset."""
    root = make_images({"only": 3})
    with pytest.raises(InputError, match=r"at least two sub-folders"):
        load(root)


def test_user_files_are_left_untouched(tmp_path: Path, make_images: Callable[..., Path],
                                       snapshot: Callable[[Path], object]) -> None:
    """Loading every format leaves the files' bytes and mtimes as they were, adding none."""
    df = _table()
    for name in ("data.csv", "data.parquet", "data.jsonl"):
        _write(df, tmp_path / name)
    np.savez(tmp_path / "arrays.npz", X=np.zeros((4, 3)), y=np.array([0, 1, 0, 1]))
    root = make_images({"a": 2, "b": 2})
    (root / "b" / "bad.png").write_bytes(b"junk")
    before = snapshot(tmp_path)
    for name in ("data.csv", "data.parquet", "data.jsonl"):
        load(tmp_path / name, label="label")
        load(tmp_path / name, label="label", text_column="colour")
    load(tmp_path / "arrays.npz")
    with pytest.raises(InputError):
        load(root)
    assert snapshot(tmp_path) == before


# -- load_data ------------------------------------------------------------------------------
def test_load_data_dispatches_builtin_names() -> None:
    """A built-in spec that is not an existing path makes the built-in."""
    ds = load_data("synthetic:n=60,classes=3", label=None)
    assert ds.name == "synthetic" and ds.n == 60


def test_load_data_prefers_an_existing_path(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """A file named like a built-in is loaded as a file."""
    monkeypatch.chdir(tmp_path)
    Path("digits").write_text("x,y\n1,a\n2,b\n")
    ds = load_data("digits", label="y", format="csv")
    assert ds.name == "digits" and ds.n == 2


def test_load_data_rejects_options_that_do_not_apply() -> None:
    """Options such as label= are refused with a built-in rather than silently ignored."""
    with pytest.raises(InputError) as info:
        load_data("digits", label="y")
    assert info.value.name == "label"
