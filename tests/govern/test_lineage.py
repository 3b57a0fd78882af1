"""Recorded versions and their lineage: load → clean → augment read back in a new
process, changed and deleted sources, refused version ids and stores, the runner's
split versions, a cleaned file loaded again, and the labelling loop's labelled set."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from datacurve._errors import InputError
from datacurve.active import LabellingLoop
from datacurve.auditing import audit, clean, write_clean
from datacurve.curves import open_store, run_curve
from datacurve.data import Dataset, load, version_chain
from datacurve.govern import (
    derived,
    lineage,
    lineage_of_dataset,
    record,
    resolve_version,
    versions,
)
from datacurve.strategies import expand

LOGREG = "sklearn:LogisticRegression(max_iter=200)"
DUPLICATES = 4


def _planted(path: Path, n: int = 60, seed: int = 0) -> pd.DataFrame:
    """`n` distinct rows, then exact copies of the first `DUPLICATES` (label included)."""
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"a": rng.normal(size=n).round(4), "b": rng.normal(size=n).round(4),
                       "label": np.array(["no", "yes"])[np.arange(n) % 2]})
    df = pd.concat([df, df.iloc[:DUPLICATES]], ignore_index=True)
    df.to_csv(path, index=False)
    return df


def _cleaned(path: Path) -> tuple[Dataset, Dataset]:
    raw = load(path, label="label")
    return raw, clean(raw, audit(raw, checks=["exact_duplicate"]))


# ---------------------------------------------------------------------------------------
# load → clean → augment
# ---------------------------------------------------------------------------------------
def test_a_three_step_chain_reads_back_after_a_restart(tmp_path: Path) -> None:
    path, store = tmp_path / "raw.csv", tmp_path / "store.sqlite"
    df = _planted(path)
    raw, cleaned = _cleaned(path)
    expanded = expand(cleaned, "noise:k=1,sigma=0.1")
    chain = record(expanded, store)
    assert [r["operation"] for r in chain] == ["load", "clean", "augment"]

    code = ("import json, sys\n"
            "from datacurve.govern import lineage\n"
            "print(json.dumps(lineage(sys.argv[1], sys.argv[2]).to_dict()))\n")
    done = subprocess.run([sys.executable, "-c", code, str(store), expanded.fingerprint[:8]],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout)
    assert got["complete"] is True and got["missing"] == [] and got["notes"] == []
    assert got["version"] == expanded.fingerprint
    load_step, clean_step, last = got["steps"]
    assert [s["operation"] for s in got["steps"]] == ["load", "clean", "augment"]
    assert [s["id"] for s in got["steps"]] == [raw.fingerprint, cleaned.fingerprint,
                                               expanded.fingerprint]
    assert load_step["parents"] == [] and load_step["rows"] == len(df)
    assert load_step["source"] == str(path.resolve()) and load_step["source_changed"] is False
    assert load_step["source_sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert clean_step["parents"] == [raw.fingerprint]
    assert clean_step["removed"] == DUPLICATES == clean_step["by_check"]["exact_duplicate"]
    assert clean_step["rows"] == len(df) - DUPLICATES
    assert last["parents"] == [cleaned.fingerprint]
    assert last["added"] == len(df) - DUPLICATES == last["rows"] - clean_step["rows"]
    assert last["params"]["strategy"] == "noise:k=1,sigma=0.1"

    # The same lineage in this process, from the store and from the dataset itself.
    here = lineage(store, expanded.fingerprint)
    assert [s.id for s in here.steps] == [s["id"] for s in got["steps"]]
    assert [s.id for s in lineage_of_dataset(expanded).steps] == [s.id for s in here.steps]


def test_smote_after_clean_is_a_synthetic_step(tmp_path: Path) -> None:
    path, store = tmp_path / "raw.csv", tmp_path / "store.sqlite"
    _planted(path, n=61)  # 31 "no", 30 "yes" + the duplicates: imbalanced by one after clean
    _, cleaned = _cleaned(path)
    expanded = expand(cleaned, "smote")
    record(expanded, store)
    steps = lineage(store, expanded.fingerprint[:8]).steps
    assert [s.operation for s in steps] == ["load", "clean", "synthetic"]
    counts = np.bincount(cleaned.y)
    assert steps[-1].added == counts.max() * counts.size - cleaned.n == 1
    assert steps[-1].rows == cleaned.n + steps[-1].added


# ---------------------------------------------------------------------------------------
# sources changed since
# ---------------------------------------------------------------------------------------
def test_a_changed_or_deleted_source_is_flagged(tmp_path: Path) -> None:
    path, store = tmp_path / "raw.csv", tmp_path / "store.sqlite"
    _planted(path)
    raw, cleaned = _cleaned(path)
    record(cleaned, store)

    same = lineage(store, cleaned.fingerprint)
    assert same.steps[0].source_changed is False and same.changed_sources == []
    assert same.notes() == []
    assert lineage(store, cleaned.fingerprint, check_source=False).steps[0].source_changed \
        is None

    with path.open("a") as fh:
        fh.write("9.0,9.0,yes\n")
    changed = lineage(store, cleaned.fingerprint)
    assert changed.steps[0].source_changed is True
    assert [s.id for s in changed.changed_sources] == [raw.fingerprint]
    assert changed.steps[1].source_changed is None  # a clean names no file
    (note,) = changed.notes()
    assert "has changed" in note and str(path.resolve()) in note and "gone" not in note
    assert changed.complete  # a changed source does not break the chain

    path.unlink()
    gone = lineage(store, cleaned.fingerprint)
    assert gone.steps[0].source_changed is True and gone.changed_sources
    (note,) = gone.notes()
    assert "has changed" in note and "gone" in note


# ---------------------------------------------------------------------------------------
# refused ids and stores
# ---------------------------------------------------------------------------------------
def test_unknown_and_ambiguous_versions_and_missing_stores_are_refused(tmp_path: Path) -> None:
    path, store = tmp_path / "raw.csv", tmp_path / "store.sqlite"
    _planted(path)
    raw, cleaned = _cleaned(path)
    record(cleaned, store)

    with pytest.raises(InputError, match="deadbeef") as err:
        lineage(store, "deadbeef")
    assert err.value.name == "version" and "version" in str(err.value)
    with pytest.raises(InputError) as err:
        lineage(store, raw.fingerprint[:3])  # a prefix needs 4 characters at least
    assert err.value.name == "version"

    # Two recorded versions sharing a prefix: the prefix is refused, a longer one is not.
    twins = [dict(version_chain(raw)[0], id="abcd" + "0" * 12, parents=[]),
             dict(version_chain(raw)[0], id="abcd" + "1" * 12, parents=[])]
    with open_store(store) as st:
        assert st.put_versions(twins) == 2
    with pytest.raises(InputError, match="abcd") as err:
        lineage(store, "abcd", check_source=False)
    assert err.value.name == "version" and "abcd0000" in str(err.value)
    assert lineage(store, "abcd1", check_source=False).version == "abcd" + "1" * 12
    assert resolve_version(twins, "ABCD0", "here") == "abcd" + "0" * 12

    missing = tmp_path / "nowhere" / "store.sqlite"
    with pytest.raises(InputError, match="store") as err:
        lineage(missing, "deadbeef")
    assert err.value.name == "store" and str(missing) in str(err.value)
    assert not missing.exists() and not missing.parent.exists()  # nothing was created
    with pytest.raises(InputError) as err:
        versions(missing)
    assert err.value.name == "store"


# ---------------------------------------------------------------------------------------
# the runner records its splits
# ---------------------------------------------------------------------------------------
def test_run_curve_records_the_load_and_both_sides_of_its_split(tmp_path: Path) -> None:
    path, store = tmp_path / "raw.csv", tmp_path / "store.sqlite"
    _planted(path, n=150)
    ds = load(path, label="label")
    run_curve(ds, [LOGREG], store=store, seeds=1, eval_folds=1, sizes=[20, 40],
              progress=False)
    recs = versions(store)
    assert recs[0].operation == "load" and recs[0].id == ds.fingerprint
    splits = [s for s in recs if s.operation == "split"]
    assert len(splits) == 2 and len(recs) == 3
    assert {s.params["part"] for s in splits} == {"pool", "evaluation"}
    assert all(s.parents == (ds.fingerprint,) for s in splits)
    assert sum(s.rows for s in splits) == ds.n
    assert all(s.removed == ds.n - s.rows for s in splits)
    assert [s.id for s in derived(store, ds.fingerprint)] == [s.id for s in splits]
    for s in splits:
        assert lineage(store, s.id).complete
        assert [t.operation for t in lineage(store, s.id).steps] == ["load", "split"]

    # A rerun records nothing new (same origin: the first record is kept).
    run_curve(ds, [LOGREG], store=store, seeds=1, eval_folds=1, sizes=[20, 40],
              progress=False)
    assert [(s.id, s.time) for s in versions(store)] == [(s.id, s.time) for s in recs]


# ---------------------------------------------------------------------------------------
# the cleaned file loaded again
# ---------------------------------------------------------------------------------------
def test_a_cleaned_file_loaded_again_keeps_the_cleanings_lineage(tmp_path: Path) -> None:
    path = tmp_path / "raw.csv"
    _planted(path)
    raw, cleaned = _cleaned(path)
    written, _ = write_clean(cleaned, path)
    again = load(written, label="label")
    assert again.fingerprint == cleaned.fingerprint  # the same content
    # Beside its .lineage.json the written file carries the cleaning's chain itself.
    assert [r["id"] for r in version_chain(again)] == [raw.fingerprint, cleaned.fingerprint]
    store = tmp_path / "store.sqlite"
    record(again, store)
    chain = lineage(store, again.fingerprint)
    assert [s.operation for s in chain.steps] == ["load", "clean"] and chain.complete
    assert chain.steps[0].source == str(path.resolve())

    # The file copied without its .lineage.json is a plain load of the same content:
    # recorded in one store with the cleaning, in either order, the cleaning's lineage
    # counts, the load of the raw file first.
    elsewhere = tmp_path / "copy"
    elsewhere.mkdir()
    shutil.copy(written, elsewhere / written.name)
    bare = load(elsewhere / written.name, label="label")
    assert bare.fingerprint == cleaned.fingerprint
    (bare_rec,) = version_chain(bare)
    assert bare_rec["operation"] == "load" and bare_rec["parents"] == []
    for name, first, then in (("a", bare, cleaned), ("b", cleaned, bare)):
        one = tmp_path / f"{name}.sqlite"
        record(first, one)
        record(then, one)
        assert sorted(s.operation for s in versions(one)) == ["clean", "load", "load"]
        chain = lineage(one, bare.fingerprint)
        assert [s.id for s in chain.steps] == [raw.fingerprint, cleaned.fingerprint], name
        assert [s.operation for s in chain.steps] == ["load", "clean"], name
        assert chain.steps[0].source == str(path.resolve()) and chain.complete, name
        assert chain.steps[-1].removed == DUPLICATES


# ---------------------------------------------------------------------------------------
# the labelling loop
# ---------------------------------------------------------------------------------------
def test_the_labelling_loop_records_its_labelled_set(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    n = 120
    X = rng.normal(size=(n, 4))
    truth = (X[:, 0] > 0).astype(int)
    df = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    labels = pd.Series(pd.NA, index=df.index, dtype="Int64")
    labels[:20] = truth[:20]
    df["label"] = labels
    pool, store = tmp_path / "pool.csv", tmp_path / "al.sqlite"
    df.to_csv(pool, index=False)
    digest = hashlib.sha256(pool.read_bytes()).hexdigest()

    loop = LabellingLoop.init(pool, label="label", model=LOGREG, store=store, batch=10,
                              holdout=0.3, name="triage")
    batch = loop.next(out=tmp_path / "b0.csv")
    filled = batch.rows.copy()
    filled["label"] = truth[filled["row"].astype(int).to_numpy()]
    assert set(filled["label"]) == {0, 1}
    got = loop.import_labels(filled)
    assert got.added == 10

    labelled = [s for s in versions(store) if s.operation == "label"]
    assert labelled, [s.operation for s in versions(store)]
    rec = labelled[-1]
    assert rec.source == str(pool) or Path(rec.source).resolve() == pool.resolve()
    assert rec.source_sha256 == digest
    assert rec.params["loop"] == "triage" and rec.params["imports"] == 1
    assert rec.params["train"] + rec.params["held_out"] == rec.rows == 30
    assert rec.id == loop.labelled_dataset().fingerprint
    chain = lineage(store, rec.id)
    assert chain.complete and chain.steps[0].source_changed is False
