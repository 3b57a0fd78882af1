"""Dataset versions kept on the dataset: the `load` record of a file (its real SHA-256,
size, options, who and when), `derive` appending a record that names its parent (and
none for the same content), records inferred for built-ins, arrays and subsets, folder
digests, and the chain's ids as a property of any small table."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from datacurve.data import (
    OPERATIONS,
    Dataset,
    builtin,
    derive,
    file_digest,
    load,
    source_record,
    version_chain,
)
from datacurve.data._versions import _user


def _table(path: Path, n: int = 30, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"a": rng.normal(size=n).round(3), "b": rng.integers(0, 50, n),
                       "label": np.array(["cat", "dog"])[np.arange(n) % 2]})
    df.to_csv(path, index=False)
    return df


def _when(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S%z")


# ---------------------------------------------------------------------------------------
# load
# ---------------------------------------------------------------------------------------
def test_a_loaded_csv_is_one_load_record_of_the_real_file(tmp_path: Path) -> None:
    path = tmp_path / "pets.csv"
    _table(path)
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    ds = load(path, label="label")
    (rec,) = version_chain(ds)
    assert rec["operation"] == "load" and rec["parents"] == []
    assert rec["id"] == ds.fingerprint and rec["name"] == "pets.csv"
    assert rec["source"] == str(path.resolve())
    assert rec["source_sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert rec["source_bytes"] == path.stat().st_size == ds.metadata["source_bytes"]
    # The options given and the format; options left at their defaults are not recorded.
    assert rec["params"] == {"label": "label", "format": "csv"}
    assert version_chain(load(path, label="label", task="classification"))[0]["params"] == {
        "label": "label", "task": "classification", "format": "csv"}
    assert rec["rows"] == 30 and rec["task"] == "classification"
    assert rec["removed"] == rec["changed"] == rec["added"] == 0 and rec["by_check"] == {}
    # Who and when: the loader's, kept in the metadata and copied into the record.
    assert rec["user"] == ds.metadata["loaded_by"] == _user() != ""
    assert rec["time"] == ds.metadata["loaded_at"]
    assert abs((_when(rec["time"]) - before).total_seconds()) < 120
    assert rec["datacurve_version"]
    # The record never changes with the clock: asked again, the same record.
    assert version_chain(ds) == [rec]


def test_source_record_is_the_files_digest(tmp_path: Path) -> None:
    path = tmp_path / "x.bin"
    path.write_bytes(os.urandom(3 * (1 << 20) + 17))  # more than one 1 MiB chunk
    got = source_record(path)
    assert got["source_sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert got["source_bytes"] == 3 * (1 << 20) + 17
    assert set(got) == {"source_sha256", "source_bytes", "loaded_by", "loaded_at"}


# ---------------------------------------------------------------------------------------
# derive
# ---------------------------------------------------------------------------------------
def test_derive_appends_a_record_naming_its_parent(tmp_path: Path) -> None:
    path = tmp_path / "pets.csv"
    _table(path)
    ds = load(path, label="label")
    child = ds.subset(np.arange(2, ds.n))
    cleaned = derive(ds, child, "clean", params={"drop": ["exact_duplicate"]}, removed=2,
                     by_check={"exact_duplicate": 2})
    assert cleaned.fingerprint == child.fingerprint
    assert "versions" not in child.metadata  # the child passed in is not modified
    load_rec, clean_rec = version_chain(cleaned)
    assert load_rec["operation"] == "load" and load_rec["id"] == ds.fingerprint
    assert clean_rec["operation"] == "clean" and clean_rec["parents"] == [ds.fingerprint]
    assert clean_rec["id"] == cleaned.fingerprint and clean_rec["rows"] == ds.n - 2
    assert clean_rec["removed"] == 2 and clean_rec["by_check"] == {"exact_duplicate": 2}
    assert clean_rec["params"] == {"drop": ["exact_duplicate"]}
    assert clean_rec["source_sha256"] == ""  # only a load (or label) names a file

    X = np.concatenate([np.asarray(cleaned.X), np.asarray(cleaned.X[:3])])
    bigger = Dataset(X, np.concatenate([cleaned.y, cleaned.y[:3]]), "classification",
                     name="pets+copies", classes=cleaned.classes)
    grown = derive(cleaned, bigger, "augment", params={"k": 1}, added=3)
    chain = version_chain(grown)
    assert [r["operation"] for r in chain] == ["load", "clean", "augment"]
    assert chain[-1]["parents"] == [cleaned.fingerprint] and chain[-1]["added"] == 3
    assert chain[:2] == version_chain(cleaned)


def test_derive_refuses_an_unknown_operation() -> None:
    ds = builtin("synthetic:n=200,seed=1")
    with pytest.raises(ValueError, match="operation"):
        derive(ds, ds.subset(np.arange(10)), "shuffle")
    assert "shuffle" not in OPERATIONS


def test_a_derive_of_the_same_content_adds_no_record(tmp_path: Path) -> None:
    path = tmp_path / "pets.csv"
    _table(path)
    ds = load(path, label="label")
    same = ds.subset(np.arange(ds.n), name="pets+clean")  # nothing removed
    assert same.fingerprint == ds.fingerprint
    out = derive(ds, same, "clean", removed=0)
    assert version_chain(out) == version_chain(ds)
    assert [r["operation"] for r in out.metadata["versions"]] == ["load"]


def test_a_merge_keeps_every_parents_chain() -> None:
    a = builtin("synthetic:n=200,seed=1")
    b = builtin("synthetic:n=200,seed=2")
    both = Dataset(np.concatenate([a.X, b.X]), np.concatenate([a.y, b.y]), "classification")
    merged = derive(a, both, "augment", added=b.n, parents=[b])
    chain = version_chain(merged)
    assert [r["id"] for r in chain] == [a.fingerprint, b.fingerprint, merged.fingerprint]
    assert chain[-1]["parents"] == [a.fingerprint, b.fingerprint]


def test_the_content_of_an_earlier_version_is_that_version() -> None:
    a = builtin("synthetic:n=200,seed=1")
    copy = Dataset(np.concatenate([a.X, a.X[:1]]), np.concatenate([a.y, a.y[:1]]),
                   "classification")
    grown = derive(a, copy, "augment", added=1)
    # The added row taken off again: the same content as `a`, so `a`'s chain (no cycle
    # through the augmentation, and the dataset's own record last).
    for back in (grown.subset(np.arange(a.n)),
                 derive(grown, grown.subset(np.arange(a.n)), "clean", removed=1)):
        chain = version_chain(back)
        assert [(r["operation"], r["id"]) for r in chain] == [("make", a.fingerprint)]


# ---------------------------------------------------------------------------------------
# inferred records
# ---------------------------------------------------------------------------------------
def test_builtins_and_arrays_are_made_and_a_subset_is_a_subset(tmp_path: Path) -> None:
    ds = builtin("synthetic:n=200,seed=1")
    (rec,) = version_chain(ds)
    assert rec["operation"] == "make" and rec["id"] == ds.fingerprint and rec["parents"] == []
    assert rec["params"]["spec"] == "synthetic:n=200,seed=1"
    assert rec["params"]["params"]["n_samples"] == 200
    assert rec["source"].startswith("builtin:") and rec["rows"] == 200

    arrays = Dataset(np.zeros((6, 2), np.float32), np.array([0, 1] * 3), "classification")
    (rec,) = version_chain(arrays)
    assert rec["operation"] == "make" and rec["params"] == {"from": "arrays"}

    # A subset of a built-in is not what the built-in makes: a subset naming it.
    part = ds.subset(np.arange(50))
    (rec,) = version_chain(part)
    assert rec["operation"] == "subset" and rec["parents"] == [ds.fingerprint]
    assert rec["id"] == part.fingerprint and rec["rows"] == 50

    # A subset of a loaded file is no load of that file: its digest is not claimed.
    path = tmp_path / "pets.csv"
    _table(path)
    loaded = load(path, label="label")
    rows = loaded.subset(np.arange(10))
    (rec,) = version_chain(rows)
    assert rec["operation"] == "subset" and rec["parents"] == [loaded.fingerprint]
    assert rec["source_sha256"] == "" and rec["params"]["source"] == str(path.resolve())

    # A subset of a recorded version: the chain, then the subset with the rows it left.
    kept = derive(loaded, loaded.subset(np.arange(20)), "clean", removed=10)
    sub = kept.subset(np.arange(5))
    chain = version_chain(sub)
    assert [r["operation"] for r in chain] == ["load", "clean", "subset"]
    assert chain[-1]["parents"] == [kept.fingerprint] and chain[-1]["removed"] == 15


# ---------------------------------------------------------------------------------------
# file_digest
# ---------------------------------------------------------------------------------------
def test_a_folder_digest_follows_its_listing(tmp_path: Path) -> None:
    folder = tmp_path / "images"
    (folder / "cat").mkdir(parents=True)
    (folder / "dog").mkdir()
    (folder / "cat" / "1.png").write_bytes(b"a" * 10)
    (folder / "dog" / "2.png").write_bytes(b"b" * 20)
    first, size = file_digest(folder)
    assert size == 30 and len(first) == 64
    # Not otherwise: asked again, or after a file is read, the same digest.
    assert file_digest(folder) == (first, size)
    (folder / "cat" / "1.png").read_bytes()
    assert file_digest(folder) == (first, size)

    (folder / "dog" / "3.png").write_bytes(b"c" * 5)  # added
    added, size = file_digest(folder)
    assert added != first and size == 35

    (folder / "dog" / "3.png").write_bytes(b"c" * 6)  # resized
    resized, size = file_digest(folder)
    assert resized != added and size == 36

    st = (folder / "cat" / "1.png").stat()
    os.utime(folder / "cat" / "1.png", ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))  # touched
    touched, size = file_digest(folder)
    assert touched != resized and size == 36
    assert file_digest(folder) == (touched, 36)


def test_a_file_digest_is_its_sha256(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    _table(path)
    data = path.read_bytes()
    assert file_digest(path) == (hashlib.sha256(data).hexdigest(), len(data))
    os.utime(path, ns=(0, 0))  # a file's digest is its content's: the time does not count
    assert file_digest(path) == (hashlib.sha256(data).hexdigest(), len(data))


# ---------------------------------------------------------------------------------------
# property: the chain of any small table
# ---------------------------------------------------------------------------------------
@st.composite
def tables(draw: st.DrawFn) -> pd.DataFrame:
    n = draw(st.integers(4, 12))
    cols = draw(st.integers(1, 3))
    values = st.integers(-5, 5) | st.floats(-10, 10, allow_nan=False, width=32)
    data = {f"c{j}": draw(st.lists(values, min_size=n, max_size=n)) for j in range(cols)}
    labels = draw(st.lists(st.sampled_from(["a", "b", "c"]), min_size=n - 2, max_size=n - 2))
    data["label"] = ["a", "b", *labels]  # two classes at least
    return pd.DataFrame(data)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(df=tables(), steps=st.lists(st.sampled_from(["drop", "same", "copy", "undo", "subset"]),
                                   max_size=5), seed=st.integers(0, 2**16))
def test_the_chain_ends_at_the_fingerprint_with_unique_ids(df: pd.DataFrame, steps: list[str],
                                                           seed: int) -> None:
    rng = np.random.default_rng(seed)
    ds = load(df, label="label")
    for step in steps:
        if step == "subset":  # rows taken without a record of their own
            ds = ds.subset(rng.permutation(ds.n)[: max(2, ds.n - 1)])
            continue
        if step == "drop" and ds.n > 2:
            child, op = ds.subset(np.arange(1, ds.n)), "clean"
        elif step == "undo" and ds.n > 2:  # the last row off: after a copy, an earlier version
            child, op = ds.subset(np.arange(ds.n - 1)), "clean"
        elif step == "copy":
            child = Dataset(np.concatenate([np.asarray(ds.X), np.asarray(ds.X[:1])]),
                            np.concatenate([ds.y, ds.y[:1]]), ds.task, classes=ds.classes)
            op = "augment"
        else:
            child, op = ds.subset(np.arange(ds.n)), "clean"
        ds = derive(ds, child, op)
    chain = version_chain(ds)
    ids = [r["id"] for r in chain]
    assert ids[-1] == ds.fingerprint
    assert len(ids) == len(set(ids))
    for i, r in enumerate(chain):
        assert r["operation"] in OPERATIONS
        assert all(p in ids[:i] for p in r["parents"]) or r["operation"] == "subset"
