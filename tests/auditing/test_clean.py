"""`clean`: a new dataset version with lineage; pairs keep one representative; the
input never changes. `measure_cleaning`: raw vs cleaned curves on one evaluation set."""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from datacurve import InputError
from datacurve.auditing import (
    AuditReport,
    CheckResult,
    clean,
    clean_path,
    load_report,
    measure_cleaning,
    write_clean,
)
from datacurve.data import Dataset, load_data, make_synthetic


def dataset(n: int = 12) -> Dataset:
    rng = np.random.default_rng(0)
    y = np.arange(n) % 2
    X = rng.normal(size=(n, 3)).astype(np.float32)
    raw = pd.DataFrame({"a": X[:, 0], "b": X[:, 1], "c": X[:, 2],
                        "label": np.array(["no", "yes"])[y]})
    split = np.where(np.arange(n) >= n - 3, "test", "train")
    return Dataset(X, y.astype(np.int64), "classification", name="toy",
                   classes=np.array(["no", "yes"]), raw=raw, split=split,
                   metadata={"label": "label"})


def report(ds: Dataset, **results: CheckResult) -> AuditReport:
    return AuditReport(dict(results), ds.n, ds.name, ds.fingerprint, np.asarray(ds.ids),
                       None)


def flags(n: int, idx: list[int]) -> np.ndarray:
    f = np.zeros(n, dtype=bool)
    f[idx] = True
    return f


def result(name: str, n: int, idx: list[int], pairs: list[tuple[int, int]] | None = None,
           suggested: dict[int, int] | None = None) -> CheckResult:
    scores = np.where(flags(n, idx), 0.1, 1.0)
    sug = None
    if suggested is not None:
        sug = np.full(n, -1)
        for i, v in suggested.items():
            sug[i] = v
    return CheckResult(name, scores, flags(n, idx), 0.5, {},
                       pairs=None if pairs is None else np.array(pairs), suggested=sug)


def test_duplicate_groups_keep_their_first_member() -> None:
    """A group of three duplicates (pairs 1-4, 4-7) and a pair 2-3: 1 and 2 stay."""
    ds = dataset()
    r = report(ds, exact_duplicate=result("exact_duplicate", ds.n, [1, 4, 7, 2, 3],
                                          [(1, 4), (4, 7), (2, 3)]))
    out = clean(ds, r)
    assert out.n == ds.n - 3
    assert set(out.ids.tolist()) == set(range(ds.n)) - {3, 4, 7}
    (entry,) = out.metadata["lineage"]
    assert entry["counts"]["dropped"] == 3 and entry["parent"] == ds.fingerprint
    assert {d["check"] for d in entry["dropped"]} == {"exact_duplicate"}
    assert entry["fingerprint"] == out.fingerprint != ds.fingerprint


def test_leak_drops_the_training_member_only() -> None:
    """A train row (0) leaking into a test row (10): the training twin goes."""
    ds = dataset()
    out = clean(ds, report(ds, leakage=result("leakage", ds.n, [0, 10], [(0, 10)])))
    assert 0 not in out.ids and 10 in out.ids


def test_relabel_uses_the_suggested_label_and_records_it() -> None:
    """Relabelling row 0 from 'no' to 'yes' changes y and the raw table, and says so."""
    ds = dataset()
    r = report(ds, label=result("label", ds.n, [0], suggested={0: 1}))
    out = clean(ds, r, drop=[], relabel=["label"])
    assert out.n == ds.n and out.y[0] == 1 and out.raw is not None
    assert out.raw.loc[0, "label"] == "yes"
    (rec,) = out.metadata["lineage"][0]["relabelled"]
    assert rec == {"index": 0, "id": 0, "check": "label", "score": 0.1, "from": "no",
                   "to": "yes"}


def test_protected_rows_are_never_touched() -> None:
    """Rows in `keep` stay even when flagged."""
    ds = dataset()
    out = clean(ds, report(ds, label=result("label", ds.n, [0, 1, 2])), keep=np.array([1]))
    assert set(out.ids.tolist()) == set(range(ds.n)) - {0, 2}


def test_input_dataset_is_unchanged() -> None:
    """Cleaning returns a new dataset and leaves the input's arrays and table alone."""
    ds = dataset()
    X0, y0, raw0 = ds.X.copy(), ds.y.copy(), ds.raw.copy()  # type: ignore[union-attr]
    clean(ds, report(ds, label=result("label", ds.n, [0], suggested={0: 1})),
          relabel=["label"])
    np.testing.assert_array_equal(ds.X, X0)
    np.testing.assert_array_equal(ds.y, y0)
    pd.testing.assert_frame_equal(ds.raw, raw0)  # type: ignore[arg-type]
    assert "lineage" not in ds.metadata


def test_lineage_accumulates_over_versions() -> None:
    """A cleaned dataset cleaned again carries both entries, parent to child."""
    ds = dataset()
    once = clean(ds, report(ds, label=result("label", ds.n, [0])))
    twice = clean(once, report(once, label=result("label", once.n, [0])))
    a, b = twice.metadata["lineage"]
    assert a["fingerprint"] == b["parent"] == once.fingerprint


@pytest.mark.parametrize(("kwargs", "name"), [
    ({"drop": ["outlier"]}, "drop"), ({"relabel": ["exact_duplicate"]}, "relabel"),
    ({"drop": ["class_imbalance"]}, "drop"),
])
def test_bad_cleaning_requests_name_the_argument(kwargs: dict[str, object],
                                                 name: str) -> None:
    ds = dataset()
    r = report(ds, exact_duplicate=result("exact_duplicate", ds.n, [1, 2], [(1, 2)]),
               class_imbalance=result("class_imbalance", ds.n, [0]))
    with pytest.raises(InputError) as info:
        clean(ds, r, **kwargs)  # type: ignore[arg-type]
    assert info.value.name == name


def test_report_of_another_dataset_is_refused() -> None:
    ds = dataset()
    other = dataset(14)
    with pytest.raises(InputError) as info:
        clean(ds, report(other))
    assert info.value.name == "report"


def test_report_round_trips_through_json(tmp_path: object) -> None:
    """save → load_report gives the same flags, scores, pairs and suggestions."""
    from pathlib import Path

    ds = dataset()
    r = report(ds, label=result("label", ds.n, [0], suggested={0: 1}),
               exact_duplicate=result("exact_duplicate", ds.n, [1, 2], [(1, 2)]))
    back = load_report(r.save(Path(str(tmp_path)) / "r.json"))
    for name in r.results:
        np.testing.assert_array_equal(back.results[name].flags, r.results[name].flags)
        np.testing.assert_allclose(back.results[name].scores, r.results[name].scores)
    np.testing.assert_array_equal(back.results["exact_duplicate"].pairs, [[1, 2]])
    assert back.results["label"].suggested is not None
    assert back.results["label"].suggested[0] == 1
    assert clean(ds, back).n == clean(ds, r).n


def test_cleaning_planted_label_noise_is_worth_samples(tmp_path: object) -> None:
    """Synthetic data with 25 % planted flips, cleaned by dropping exactly the planted
    rows: the cleaned curve beats the raw one on the same evaluation set, and the gain
    is worth more raw samples."""
    from pathlib import Path

    ds = make_synthetic(n_samples=1500, n_classes=3, n_features=8, class_sep=1.5,
                        label_noise=0.25, seed=2)
    noisy = np.asarray(ds.metadata["noisy_indices"])
    r = report(ds, label=result("label", ds.n, noisy.tolist()))
    v = measure_cleaning(ds, r, model="sklearn:KNeighborsClassifier(n_neighbors=1)",
                         seeds=2, sizes=[50, 100, 200, 400, 800],
                         store=Path(str(tmp_path)) / "m.sqlite")
    assert v.dropped > 0 and v.n == 800
    assert v.gain > 0.03
    assert v.equivalent_samples > 0 and v.multiplier > 1.0
    assert set(v.results["version"]) == {"raw", "clean"}


# -- writing a cleaned file: never over the source ------------------------------------------
def cleaned_file(path: Path) -> Dataset:
    """Write `dataset()`'s table to `path` (its ending picks format and compression),
    load it, and clean its duplicate pair 1-2 away (row 2 goes)."""
    raw = dataset().raw
    assert raw is not None
    if ".jsonl" in path.name:
        raw.to_json(path, orient="records", lines=True)
    elif ".tsv" in path.name:
        raw.to_csv(path, sep="\t", index=False)
    else:
        raw.to_csv(path, index=False)
    ds = load_data(str(path), label="label")
    return clean(ds, report(ds, exact_duplicate=result("exact_duplicate", ds.n, [1, 2],
                                                       [(1, 2)])))


def _link(kind: str, target: Path, link: Path) -> None:
    if kind == "symlink":
        link.symlink_to(target)
    else:
        os.link(target, link)


@pytest.mark.parametrize("kind", ["symlink", "hardlink"])
@pytest.mark.parametrize("which", ["data", "lineage", "source_lineage"])
def test_links_to_the_source_are_refused_even_with_force(tmp_path: Path, kind: str,
                                                         which: str) -> None:
    """The incident: `clean --force` wrote the original through a symlinked lineage file.
    A target (the data file or its lineage) that is the source, or the source's own
    lineage file, by a symbolic or a hard link, is refused naming `out`; nothing is
    written and the source's bytes never change."""
    data = tmp_path / "data.csv"
    cleaned = cleaned_file(data)
    source_lineage = tmp_path / "data.csv.lineage.json"
    source_lineage.write_text('{"lineage": []}')
    protected = source_lineage if which == "source_lineage" else data
    before = {p: p.read_bytes() for p in (data, source_lineage)}
    dest = tmp_path / "data.clean.csv"
    _link(kind, protected, dest if which == "data" else
          dest.with_name(dest.name + ".lineage.json"))
    with pytest.raises(InputError) as info:
        write_clean(cleaned, data, force=True)
    assert info.value.name == "out" and "never overwritten" in str(info.value)
    assert {p: p.read_bytes() for p in (data, source_lineage)} == before
    if which != "data":
        assert not dest.exists()


@pytest.mark.parametrize("kind", ["symlink", "hardlink"])
def test_an_out_linked_to_the_source_is_refused(tmp_path: Path, kind: str) -> None:
    data = tmp_path / "data.csv"
    cleaned = cleaned_file(data)
    before = data.read_bytes()
    out = tmp_path / "elsewhere" / "copy.csv"
    out.parent.mkdir()
    _link(kind, data, out)
    with pytest.raises(InputError, match=r"^out: .*never overwritten"):
        write_clean(cleaned, data, out, force=True)
    assert data.read_bytes() == before
    with pytest.raises(InputError, match=r"^out: "):  # the source itself, by a relative path
        write_clean(cleaned, data, tmp_path / "elsewhere" / ".." / "data.csv", force=True)
    assert data.read_bytes() == before


def test_force_replaces_a_link_instead_of_writing_through_it(tmp_path: Path) -> None:
    """An earlier target that is a link to some other file is replaced by the new file;
    the other file keeps its bytes."""
    data = tmp_path / "data.csv"
    cleaned = cleaned_file(data)
    other = tmp_path / "unrelated.txt"
    other.write_text("someone else's file")
    dest = clean_path(data)
    dest.symlink_to(other)
    with pytest.raises(InputError, match="exists"):
        write_clean(cleaned, data)
    written, lineage = write_clean(cleaned, data, force=True)
    assert written == dest and not dest.is_symlink()
    assert len(pd.read_csv(dest)) == cleaned.n
    assert other.read_text() == "someone else's file"
    assert json.loads(lineage.read_text())["fingerprint"] == cleaned.fingerprint
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "data.clean.csv", "data.clean.csv.lineage.json", "data.csv", "unrelated.txt"]


@pytest.mark.parametrize(("name", "opener"), [
    ("data.csv.gz", gzip.open), ("data.tsv.gz", gzip.open),
    ("data.jsonl.bz2", None), ("data.csv.xz", None), ("data.csv.zip", None),
])
def test_compressed_tables_are_cleaned_compressed_the_same_way(tmp_path: Path, name: str,
                                                               opener: object) -> None:
    """`data.csv.gz` is written as `data.clean.csv.gz`, gzip-compressed, readable back;
    the source is untouched."""
    data = tmp_path / name
    cleaned = cleaned_file(data)
    before = data.read_bytes()
    stem, ending = name.split(".", 1)
    assert clean_path(data) == tmp_path / f"{stem}.clean.{ending}"
    written, lineage = write_clean(cleaned, data)
    assert written == tmp_path / f"{stem}.clean.{ending}"
    assert lineage.name == f"{stem}.clean.{ending}.lineage.json"
    if opener is gzip.open:
        assert written.read_bytes()[:2] == b"\x1f\x8b"
    back = load_data(str(written), label="label")
    assert back.n == cleaned.n == 11 and back.fingerprint == cleaned.fingerprint
    assert data.read_bytes() == before


def test_an_unwritable_ending_names_the_data_or_the_out_given(tmp_path: Path) -> None:
    """The error names `data` when no `out` was given (it used to blame an --out never
    passed), `out` when one was."""
    data = tmp_path / "data.txt"
    dataset().raw.to_csv(data, index=False)  # type: ignore[union-attr]
    ds = load_data(str(data), label="label", format="csv")
    cleaned = clean(ds, report(ds))
    with pytest.raises(InputError) as info:
        write_clean(cleaned, data)
    assert info.value.name == "data" and "out=" in info.value.expected
    with pytest.raises(InputError) as info:
        write_clean(cleaned, data, tmp_path / "x.clean.txt")
    assert info.value.name == "out"
    written, _ = write_clean(cleaned, data, tmp_path / "x.clean.csv.gz")
    assert load_data(str(written), label="label").n == cleaned.n
    (tmp_path / "folder.csv").mkdir()
    with pytest.raises(InputError, match=r"^out: expected a file path, not a directory"):
        write_clean(cleaned, data, tmp_path / "folder.csv", force=True)


def test_an_image_folder_is_never_written_into(tmp_path: Path) -> None:
    from PIL import Image

    folder = tmp_path / "images"
    for label in ("a", "b"):
        (folder / label).mkdir(parents=True)
        for i in range(4):
            Image.new("L", (4, 4), color=60 * i + (100 if label == "b" else 0)).save(
                folder / label / f"{i}.png")
    ds = load_data(str(folder))
    cleaned = clean(ds, report(ds))
    with pytest.raises(InputError, match="inside the image folder"):
        write_clean(cleaned, folder, folder / "a" / "manifest.csv")
    inside = folder / "a" / "0.png"
    before = inside.read_bytes()
    os.link(inside, tmp_path / "hard.csv")
    with pytest.raises(InputError, match="inside the image folder"):
        write_clean(cleaned, folder, tmp_path / "hard.csv", force=True)
    assert inside.read_bytes() == before
    written, _ = write_clean(cleaned, folder)
    assert written == tmp_path / "images.clean.csv" and len(pd.read_csv(written)) == 8
