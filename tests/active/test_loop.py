"""The labelling loop: init / next / import / status from Python, its validation (the
store unchanged by anything refused), two imports at once, relabelling from the audit."""

from __future__ import annotations

import itertools
import multiprocessing as mp
import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_digits

from datacurve import InputError
from datacurve.active import LabellingLoop
from datacurve.data import canonical_label, load_pool

LOGREG = "sklearn:LogisticRegression(max_iter=300)"


def _table(path: Path, labelled: int, seed: int = 0) -> np.ndarray:
    """digits as a CSV with `labelled` rows labelled; returns the true labels."""
    X, y = load_digits(return_X_y=True)
    df = pd.DataFrame(X, columns=[f"p{i}" for i in range(64)])
    keep = np.random.default_rng(seed).choice(len(df), size=labelled, replace=False)
    lab = pd.Series(pd.NA, index=df.index, dtype="Int64")
    lab[keep] = y[keep]
    df["label"] = lab
    df.to_csv(path, index=False)
    return y


def _fill(batch: pd.DataFrame, truth: np.ndarray) -> pd.DataFrame:
    out = batch.copy()
    out["label"] = truth[out["row"].astype(int).to_numpy()]
    return out


def _dump(store: Path) -> list[list[tuple[object, ...]]]:
    con = sqlite3.connect(store)
    try:
        return [con.execute(f"SELECT * FROM {t}").fetchall()
                for t in ("loops", "loop_labels", "loop_imports", "loop_batches",
                          "loop_picks", "loop_flags")]
    finally:
        con.close()


def test_canonical_labels_compare_as_typed() -> None:
    assert canonical_label(3) == canonical_label(3.0) == canonical_label(" 3.0 ") == "3"
    assert canonical_label("cat ") == "cat"
    assert canonical_label(float("nan")) is None and canonical_label("  ") is None
    assert canonical_label(2.5) == "2.5" and canonical_label("inf") == "inf"


def test_a_loop_labels_batches_and_reports_the_curve(tmp_path: Path) -> None:
    truth = _table(tmp_path / "pool.csv", 150)
    store = tmp_path / "al.sqlite"
    loop = LabellingLoop.init(tmp_path / "pool.csv", label="label", model=LOGREG,
                              store=store, batch=40, target=0.95, holdout=0.3)
    first = loop.status()
    assert first.labels + first.holdout == 150 and first.holdout == 45
    assert first.unlabelled == 1797 - 150 and first.curve is None
    seen: set[str] = set()
    for i in range(3):
        b = LabellingLoop.open(store).next(out=tmp_path / f"b{i}.csv")
        assert len(b.rows) == 40 and b.strategy == "cluster_margin"
        ids = set(b.rows["row"])
        assert not ids & seen  # never handed out twice
        seen |= ids
        assert b.rows["label"].isna().all() and b.rows["score"].notna().all()
        assert {"p0", "p63", "reason"} <= set(b.rows.columns)
        on_disk = pd.read_csv(tmp_path / f"b{i}.csv")
        assert list(on_disk["row"].astype(str)) == list(b.rows["row"])
        _fill(on_disk, truth).to_csv(tmp_path / f"b{i}.csv", index=False)
        got = loop.import_labels(tmp_path / f"b{i}.csv")
        assert (got.added, got.changed) == (40, 0)
    before = _dump(store)
    again = loop.import_labels(tmp_path / "b0.csv")
    assert (again.added, again.unchanged, again.import_id) == (0, 40, None)
    assert _dump(store) == before  # a re-import changes nothing
    st = LabellingLoop.open(store).status()
    assert st.labels == 105 + 120 and st.imports == 3 and st.pending == 0
    assert list(st.points["labels"]) == [105, 145, 185, 225]
    assert st.curve is not None and 0.8 < st.score <= 1
    assert st.stop is (st.next_gain < st.score_se)
    labelled = loop.labelled()
    assert len(labelled) == 270 and set(labelled["role"]) == {"train", "holdout"}
    # The held-out rows are never the strategy's picks.
    held = set(labelled.loc[labelled["role"] == "holdout", "row"])
    assert not held & seen
    d = st.to_dict()
    assert d["labels"] == 225 and d["points"][-1]["score"] == pytest.approx(st.score)


def test_the_stop_signal_follows_the_curve(tmp_path: Path) -> None:
    # Early on digits (60 training labels, 300 held out) the next 100 labels gain more than
    # the noise; far along (about 1,000) they do not.
    X, y = load_digits(return_X_y=True)
    rng = np.random.default_rng(1)
    order = rng.permutation(len(y))
    df = pd.DataFrame(X, columns=[f"p{i}" for i in range(64)])

    def loop_with(sizes: list[int], store: Path) -> LabellingLoop:
        lab = pd.Series(pd.NA, index=df.index, dtype="Int64")
        hold, train = order[:300], order[300:]
        lab[hold] = y[hold]
        lab[train[:sizes[0]]] = y[train[:sizes[0]]]
        t = df.assign(label=lab)
        t.to_csv(store.with_suffix(".csv"), index=False)
        loop = LabellingLoop.init(store.with_suffix(".csv"), label="label", model=LOGREG,
                                  store=store, batch=100, holdout=300 / (300 + sizes[0]))
        for a, b in itertools.pairwise(sizes):
            rows = train[a:b]
            loop.import_labels(pd.DataFrame({"row": rows, "label": y[rows]}))
        return loop

    early = loop_with([60, 90, 120, 150], tmp_path / "early.sqlite").status()
    late = loop_with([700, 850, 1000, 1150], tmp_path / "late.sqlite").status()
    assert early.stop is False and early.next_gain > early.score_se
    assert late.stop is True and late.next_gain < late.score_se


def test_refused_input_leaves_the_store_as_it_was(tmp_path: Path) -> None:
    truth = _table(tmp_path / "pool.csv", 100)
    store = tmp_path / "al.sqlite"
    loop = LabellingLoop.init(tmp_path / "pool.csv", label="label", model=LOGREG,
                              store=store, batch=20)
    b = loop.next(out=tmp_path / "b.csv")
    good = _fill(b.rows, truth)
    before = _dump(store)
    bad = {
        "unknown ids": good.assign(row=["99999", *good["row"][1:]]),
        "unknown class": good.assign(label=[42, *good["label"][1:]]),
        "another column set": good.assign(extra=1),
        "no label column": good.drop(columns=["label"]),
        "duplicates": pd.concat([good, good.iloc[:1]]),
    }
    for what, frame in bad.items():
        with pytest.raises(InputError):
            loop.import_labels(frame)
        assert _dump(store) == before, what
    with pytest.raises(InputError, match="between 1 and"):
        loop.next(2000)
    with pytest.raises(InputError, match="never overwritten"):
        loop.next(5, out=tmp_path / "b.csv")
    assert _dump(store) == before
    loop.import_labels(good)
    # A different label for a row already labelled needs relabel=True (history kept).
    flip = good.iloc[:1].assign(label=(good["label"].iloc[0] + 1) % 10)
    with pytest.raises(InputError, match="already recorded"):
        loop.import_labels(flip)
    assert loop.import_labels(flip, relabel=True).changed == 1
    # The table may not change under the loop.
    df = pd.read_csv(tmp_path / "pool.csv")
    df.loc[0, "p10"] += 1
    df.to_csv(tmp_path / "pool.csv", index=False)
    with pytest.raises(InputError, match="other rows or features"):
        LabellingLoop.open(store).status()


def test_nothing_left_to_label_is_said(tmp_path: Path) -> None:
    df = pd.DataFrame({"x": np.arange(12.0), "label": [0, 1] * 5 + [None, None]})
    df.to_csv(tmp_path / "t.csv", index=False)
    loop = LabellingLoop.init(tmp_path / "t.csv", label="label", model=LOGREG,
                              store=tmp_path / "s.sqlite", holdout=0.0)
    b = loop.next(2)
    loop.import_labels(b.rows.assign(label=[0, 1]))
    with pytest.raises(InputError, match="none left"):
        loop.next(1)


def _import(store: str, path: str, start: object) -> int:
    start.wait()  # type: ignore[attr-defined]
    return LabellingLoop.open(store).import_labels(path).added


def test_two_imports_at_once_lose_no_label(tmp_path: Path) -> None:
    truth = _table(tmp_path / "pool.csv", 100)
    store = tmp_path / "al.sqlite"
    loop = LabellingLoop.init(tmp_path / "pool.csv", label="label", model=LOGREG,
                              store=store)
    files = []
    for i in range(2):
        b = loop.next(60)
        files.append(str(tmp_path / f"b{i}.csv"))
        _fill(b.rows, truth).to_csv(files[-1], index=False)
    ctx = mp.get_context("spawn")
    start = ctx.Manager().Barrier(2)
    with ctx.Pool(2) as workers:
        added = workers.starmap(_import, [(str(store), f, start) for f in files])
    assert added == [60, 60]
    assert len(loop.labelled()) == 100 + 120


def test_audit_flags_planted_label_errors_and_next_hands_them_out_first(
        tmp_path: Path) -> None:
    X, y = load_digits(return_X_y=True)
    rng = np.random.default_rng(3)
    keep = rng.choice(len(y), size=600, replace=False)
    lab = pd.Series(pd.NA, index=range(len(y)), dtype="Int64")
    lab[keep] = y[keep]
    flipped = keep[:20]
    lab[flipped] = (y[flipped] + 3) % 10
    pd.DataFrame(X, columns=[f"p{i}" for i in range(64)]).assign(label=lab).to_csv(
        tmp_path / "pool.csv", index=False)
    loop = LabellingLoop.init(tmp_path / "pool.csv", label="label", model=LOGREG,
                              store=tmp_path / "al.sqlite", holdout=0.0)
    n, report = loop.audit()
    flagged = set(report.issues["id"])
    assert n == len(flagged)
    found = flagged & {str(i) for i in flipped}
    assert len(found) >= 14  # most planted errors are caught
    b = loop.next(len(flagged) + 5)
    head = b.rows.iloc[:len(flagged)]
    assert set(head["row"]) == flagged and head["reason"].str.startswith("relabel").all()
    assert not b.rows["row"].iloc[len(flagged):].isin(flagged).any()
    # Relabelled with the truth: flagged rows accept a new label without relabel=True.
    fixed = loop.import_labels(_fill(head, y))
    assert fixed.changed == len(found) and loop.status().flagged == 0
    # Flags are queued once: the next batch is the strategy's alone.
    assert not loop.next(5).rows["reason"].str.startswith("relabel").any()


def test_cold_start_and_held_out_batches(tmp_path: Path) -> None:
    X, y = load_digits(return_X_y=True)
    df = pd.DataFrame(X[:400], columns=[f"p{i}" for i in range(64)]).assign(label=None)
    df.to_csv(tmp_path / "none.csv", index=False)
    with pytest.raises(InputError, match="at least two classes"):
        LabellingLoop.init(tmp_path / "none.csv", label="label", model=LOGREG,
                           store=tmp_path / "s.sqlite")
    loop = LabellingLoop.init(tmp_path / "none.csv", label="label", model=LOGREG,
                              store=tmp_path / "s.sqlite",
                              classes=[str(c) for c in range(10)])
    b = loop.next(20)
    assert b.strategy == "cold start" and b.rows["reason"].str.contains("typical").all()
    loop.import_labels(b.rows.assign(label=y[b.rows["row"].astype(int)]))
    h = loop.next(50, holdout=True)
    assert h.purpose == "holdout" and h.rows["reason"].str.contains("random").all()
    loop.import_labels(h.rows.assign(label=y[h.rows["row"].astype(int)]))
    st = loop.status()
    assert (st.labels, st.holdout) == (20, 50) and 0 < st.score <= 1
    assert LabellingLoop.open(tmp_path / "s.sqlite").next(10).strategy == "cluster_margin"


def test_load_pool_reads_empty_labels_as_unlabelled(tmp_path: Path) -> None:
    pd.DataFrame({"id": ["a", "b", "c"], "x": [1.0, 2.0, 3.0], "y": ["cat", "", None]}
                 ).to_csv(tmp_path / "t.csv", index=False)
    pool = load_pool(tmp_path / "t.csv", label="y", id_column="id")
    assert list(pool.labelled) == [True, False, False] and list(pool.ids) == ["a", "b", "c"]
    assert pool.X.shape == (3, 1)
    with pytest.raises(InputError, match="label"):
        load_pool(tmp_path / "t.csv", label="nope")


def test_a_regression_target_is_refused(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    for labels in (rng.normal(size=60).round(3), np.arange(60) * 10):
        t = pd.DataFrame({"x": rng.normal(size=80),
                          "label": np.r_[labels, [np.nan] * 20]})
        t.to_csv(tmp_path / "t.csv", index=False)
        with pytest.raises(InputError, match="regression target"):
            LabellingLoop.init(tmp_path / "t.csv", label="label", model=LOGREG,
                               store=tmp_path / "s.sqlite")
    assert not (tmp_path / "s.sqlite").exists()
