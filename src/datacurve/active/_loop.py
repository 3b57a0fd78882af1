"""A labelling loop that lives in the store: which rows to label next, for weeks.

A team starts from a table whose empty labels are still to be labelled
(`LabellingLoop.init`), asks for the next batch (`next`: the rows, their features, the
strategy's score and why each was picked), labels it in any tool, imports the labels
(`import_labels`: validated, idempotent, safe to run twice at once) and reads where it
stands (`status`: labels so far, the held-out score, the fitted curve, the labels the
target still needs and whether the next batch is worth it). Rows the audit flags can be
sent back for relabelling (`flag`, `audit`).

Everything lives in SQLite tables (prefixed ``loop``) beside the active-learning trials of
the store, written in one ``BEGIN IMMEDIATE`` transaction per command: two imports at once
serialise and neither loses a label; a command that fails validation writes nothing.
The table itself is only read, never written; its features are fingerprinted at `init` and
a later command refuses a table whose rows or features changed.

Held-out rows: a share of the rows labelled in the file at `init` (drawn at random per
class), and every row of a batch drawn with ``holdout=True`` (at random, never by the
model). Rows picked by a strategy are never scored on: they would flatter the model.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import math
import sqlite3
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from datacurve._errors import InputError, describe
from datacurve.active._simulate import _embeddings, _round, check_bald
from datacurve.active._strategies import STRATEGIES, cold_start
from datacurve.curves import open_store
from datacurve.data import (
    CLASSIFICATION_MAX_DISTINCT,
    Dataset,
    LabelPool,
    canonical_label,
    file_digest,
    load_pool,
    read_table,
    version_chain,
    version_record,
)
from datacurve.fit import LearningCurve, fit_learning_curve
from datacurve.models import is_network, parse_spec

__all__ = ["ImportResult", "LabellingLoop", "LoopBatch", "LoopStatus"]

_BUSY_SECONDS = 60.0
_NOISY_HOLDOUT = 0.02
"""A held-out standard error above this gets a note in `status` (about 400 rows at 90 %)."""
_BATCH_COLUMNS = ("score", "reason", "strategy", "batch")
"""Columns `next` writes beside the id, the features and the empty label column."""

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS loops (
        name TEXT PRIMARY KEY, created REAL NOT NULL, config TEXT NOT NULL)""",
    # Every label ever recorded (history); a row's label is its latest, its role the
    # first ('train' or 'holdout').
    """CREATE TABLE IF NOT EXISTS loop_labels (
        seq INTEGER PRIMARY KEY AUTOINCREMENT, loop TEXT NOT NULL, row TEXT NOT NULL,
        label TEXT NOT NULL, role TEXT NOT NULL, source TEXT NOT NULL, at REAL NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS loop_labels_row ON loop_labels (loop, row)",
    """CREATE TABLE IF NOT EXISTS loop_imports (
        id INTEGER PRIMARY KEY AUTOINCREMENT, loop TEXT NOT NULL, file TEXT NOT NULL,
        sha256 TEXT NOT NULL, at REAL NOT NULL, added INTEGER NOT NULL,
        changed INTEGER NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS loop_batches (
        id INTEGER PRIMARY KEY AUTOINCREMENT, loop TEXT NOT NULL, at REAL NOT NULL,
        strategy TEXT NOT NULL, purpose TEXT NOT NULL, labels INTEGER NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS loop_picks (
        loop TEXT NOT NULL, batch INTEGER NOT NULL, rank INTEGER NOT NULL,
        row TEXT NOT NULL, score REAL, reason TEXT NOT NULL,
        PRIMARY KEY (loop, batch, rank))""",
    """CREATE TABLE IF NOT EXISTS loop_flags (
        loop TEXT NOT NULL, row TEXT NOT NULL, source TEXT NOT NULL, reason TEXT NOT NULL,
        score REAL, at REAL NOT NULL, resolved INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (loop, row, source))""",
    # Held-out scores of the model trained on the first `labels` training labels (in the
    # order they were labelled); keyed by what was trained on and scored on.
    """CREATE TABLE IF NOT EXISTS loop_points (
        loop TEXT NOT NULL, labels INTEGER NOT NULL, train_key TEXT NOT NULL,
        holdout_key TEXT NOT NULL, score REAL NOT NULL, fit_time REAL NOT NULL,
        PRIMARY KEY (loop, labels, train_key, holdout_key))""",
)


@contextlib.contextmanager
def _write(con: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction, taken before reading what it checks (``BEGIN IMMEDIATE``):
    a second writer waits for the first, then sees its labels."""
    con.execute("BEGIN IMMEDIATE")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def _has_loops(path: Path) -> bool:
    """Whether a datacurve store holds the loop tables (read only: a store that has none
    is not changed by asking)."""
    open_store(path, readonly=True).close()  # a foreign or damaged file is refused here
    con = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True,
                          timeout=_BUSY_SECONDS)
    try:
        return con.execute("SELECT 1 FROM sqlite_master WHERE name = 'loop_points'"
                           ).fetchone() is not None
    finally:
        con.close()


def _connect(path: Path) -> sqlite3.Connection:
    open_store(path).close()  # a datacurve store (made when missing; a foreign file refused)
    con = sqlite3.connect(path, timeout=_BUSY_SECONDS, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    if not con.execute("SELECT 1 FROM sqlite_master WHERE name = 'loop_points'").fetchone():
        with _write(con):
            for statement in _SCHEMA:
                con.execute(statement)
    return con


def _key(pairs: Sequence[tuple[str, str]]) -> str:
    return hashlib.sha256("\x1e".join(f"{r}\x1f{v}" for r, v in pairs).encode()
                          ).hexdigest()[:16]


def _is_number(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def _sort_classes(classes: set[str]) -> list[str]:
    """Numbers in numeric order, text alphabetically (as `load` orders classes)."""
    try:
        return sorted(classes, key=float)
    except ValueError:
        return sorted(classes)


@dataclass(frozen=True)
class LoopBatch:
    """What `LabellingLoop.next` handed out.

    Attributes
    ----------
    id : int
        The batch number in the loop.
    rows : DataFrame
        One row per pick: the id column, the table's other columns (features, paths),
        the label column (empty, to fill in), ``score``, ``reason``, ``strategy``,
        ``batch``.
    strategy, purpose : str
        ``purpose`` is ``"train"``, or ``"holdout"`` for a random held-out batch.
    labels : int
        Training labels the model that picked them was trained on.
    """

    id: int
    rows: pd.DataFrame = field(repr=False)
    strategy: str
    purpose: str
    labels: int


@dataclass(frozen=True)
class ImportResult:
    """What `LabellingLoop.import_labels` recorded.

    Attributes
    ----------
    added, changed, unchanged, empty : int
        New labels; relabelled rows; rows whose label was already recorded (a re-import);
        rows left empty in the file (not labelled yet, skipped).
    import_id : int or None
        None when nothing changed (nothing was written).
    """

    added: int
    changed: int
    unchanged: int
    empty: int
    import_id: int | None


@dataclass(frozen=True)
class LoopStatus:
    """Where a labelling loop stands (`LabellingLoop.status`).

    Attributes
    ----------
    name, model, strategy, source : str
    labels, holdout, unlabelled, pending, flagged, imports : int
        Training labels; held-out labels; rows still without a label; rows handed out
        in a batch and not labelled yet; rows flagged for relabelling; imports so far.
    per_class : dict
        Class → training labels.
    score, score_se : float
        Accuracy of the model trained on every training label, on the held-out rows, and
        its binomial standard error (Agresti-Coull: never 0 on a perfect score; NaN
        without a held-out set or a model).
    points : DataFrame
        ``labels, score``: the held-out accuracy after each import (the model trained on
        the training labels in the order they came).
    curve : LearningCurve or None
        The fit room's curve through `points` (three imports at least).
    target : float or None
    needed, needed_low, needed_high : float
        Training labels still needed for `target` (median and 80 % interval; inf when the
        curve never reaches it, NaN without a curve or target).
    batch : int
        The batch size the gain is priced for.
    next_gain : float
        Accuracy the next `batch` labels are predicted to add (NaN without a curve).
    stop : bool or None
        True when `next_gain` is below the held-out score's standard error (the gain
        could not be told from noise); None when it cannot be said yet.
    notes : tuple of str
    """

    name: str
    model: str
    strategy: str
    source: str
    labels: int
    holdout: int
    unlabelled: int
    pending: int
    flagged: int
    imports: int
    per_class: dict[str, int]
    score: float
    score_se: float
    points: pd.DataFrame = field(repr=False)
    curve: LearningCurve | None = field(repr=False)
    target: float | None
    needed: float
    needed_low: float
    needed_high: float
    batch: int
    next_gain: float
    stop: bool | None
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (non-finite numbers as None)."""
        def num(x: float | None) -> float | None:
            return float(x) if x is not None and math.isfinite(x) else None

        return {
            "name": self.name, "model": self.model, "strategy": self.strategy,
            "source": self.source, "labels": self.labels, "holdout": self.holdout,
            "unlabelled": self.unlabelled, "pending": self.pending,
            "flagged": self.flagged, "imports": self.imports, "per_class": self.per_class,
            "score": num(self.score), "score_se": num(self.score_se),
            "points": [{"labels": int(n), "score": float(s)} for n, s in zip(
                self.points["labels"].tolist(), self.points["score"].tolist(), strict=True)],
            "curve": None if self.curve is None else self.curve.to_dict(),
            "target": self.target, "needed": num(self.needed),
            "needed_low": num(self.needed_low), "needed_high": num(self.needed_high),
            # False when the fitted curve never reaches the target (needed is then None
            # as well); None when it cannot be said (no curve or no target).
            "needed_reachable": (None if math.isnan(self.needed)
                                 else not math.isinf(self.needed)),
            "batch": self.batch, "next_gain": num(self.next_gain), "stop": self.stop,
            "notes": list(self.notes),
        }


@dataclass
class _State:
    """The loop's labels as of one transaction."""

    label: dict[str, str]  # row id -> current label
    role: dict[str, str]  # row id -> 'train' or 'holdout'
    order: list[str]  # row ids in the order first labelled
    source: dict[str, str]  # row id -> source of its first label
    pending: set[str]  # handed out, not labelled
    holdout_pending: set[str]  # handed out in a held-out batch, not labelled
    flags: dict[str, tuple[str, float | None]]  # open flags: row -> (reason, score)
    relabel_pending: set[str]  # flagged rows handed out since they were flagged


class LabellingLoop:
    """A labelling loop kept in a store (see the module's text). Make one with `init`,
    reopen it with `open`.

    Attributes
    ----------
    store : Path
    name : str
    config : dict
        What `init` was given: source, label, id_column, text_column, model, strategy,
        classes, seed, batch, target, fingerprint.
    """

    def __init__(self, store: Path, name: str, config: dict[str, Any]) -> None:
        self.store = store
        self.name = name
        self.config = config
        self._pool: LabelPool | None = None

    # -- making and opening -----------------------------------------------------------
    @classmethod
    def init(cls, data: str | Path, *, label: str, model: str, store: str | Path,
             name: str = "default", id_column: str | None = None,
             text_column: str | None = None, strategy: str = "cluster_margin",
             holdout: float = 0.2, classes: Sequence[str] | None = None,
             target: float | None = None, batch: int = 50, seed: int = 0
             ) -> LabellingLoop:
        """Start a loop on a table whose empty labels are still to be labelled.

        Parameters
        ----------
        data : path
            CSV, TSV, JSONL or Parquet (`datacurve.data.load_pool`).
        label : str
            The label column; an empty cell marks a row to label.
        model : str
            Learner spec, trained after every import.
        store : path
            SQLite store (a datacurve store; made when missing).
        name : str
            The loop's name in the store (several loops may share one store).
        id_column, text_column : str, optional
            Row identifiers (default: row number, 0 = first data row); a text column
            whose TF-IDF are the features.
        strategy : str
            One of `datacurve.active.STRATEGIES`.
        holdout : float
            Share of the rows labelled in the file held out for scoring (per class, at
            random), in [0, 1).
        classes : sequence of str, optional
            Classes beyond those in the file (needed when fewer than two are there).
        target : float, optional
            Held-out accuracy to reach (`status` says how many labels it needs).
        batch : int
            Default batch size of `next` (and the batch `status` prices the gain of).
        seed : int

        Returns
        -------
        LabellingLoop
        """
        if strategy not in STRATEGIES:
            raise InputError("strategy", f"one of {', '.join(STRATEGIES)}", repr(strategy))
        spec = parse_spec(model).canonical
        if strategy == "bald":
            check_bald(model, "strategy")
        if not 0 <= holdout < 1:
            raise InputError("holdout", "a share in [0, 1)", repr(holdout))
        if batch < 1:
            raise InputError("batch", "at least 1 row per batch", repr(batch))
        if target is not None and not 0 < target <= 1:
            raise InputError("target", "an accuracy in (0, 1]", repr(target))
        if not name or not name.strip():
            raise InputError("name", "a non-empty loop name", repr(name))
        pool = load_pool(data, label=label, id_column=id_column, text_column=text_column)
        found = {v for v in pool.labels if v is not None}
        extra = {c for c in (canonical_label(c) for c in (classes or ())) if c is not None}
        all_classes = _sort_classes(found | extra)
        numeric = [float(c) for c in all_classes if _is_number(c)]
        if len(all_classes) > CLASSIFICATION_MAX_DISTINCT or (
                len(numeric) == len(all_classes)
                and any(not v.is_integer() for v in numeric)):
            raise InputError("label", f"classes to label (at most "
                             f"{CLASSIFICATION_MAX_DISTINCT}, as load reads a table): the "
                             "loop is for classification",
                             f"{len(all_classes)} distinct values in column {label!r} "
                             f"({describe(all_classes, 4)}): a regression target?")
        if len(all_classes) < 2:
            raise InputError("classes", "at least two classes (label a few rows of the file "
                             "or name them with --classes)",
                             f"{len(all_classes)} ({describe(all_classes) or 'none'})")
        labelled = np.flatnonzero(pool.labelled)
        rng = np.random.default_rng([seed, 0x100B])
        held: set[int] = set()
        for c in all_classes:  # a fixed order: the draw does not depend on hashing
            rows = labelled[pool.labels[labelled] == c]
            take = round(holdout * rows.size)
            held.update(rng.choice(rows, size=take, replace=False).tolist())
        config = {"source": pool.source, "label": label, "id_column": id_column,
                  "text_column": text_column, "model": spec, "strategy": strategy,
                  "classes": all_classes, "seed": int(seed), "batch": int(batch),
                  "target": target, "fingerprint": pool.fingerprint,
                  "holdout_share": holdout}
        path = Path(store)
        path.parent.mkdir(parents=True, exist_ok=True)
        con = _connect(path)
        try:
            with _write(con):
                row = con.execute("SELECT config FROM loops WHERE name = ?", (name,)
                                  ).fetchone()
                if row is not None:
                    raise InputError("name", f"a loop name not yet in '{path}' (or --name "
                                     "for another loop)", f"{name!r}, started on "
                                     f"{json.loads(row[0])['source']}")
                now = time.time()
                con.execute("INSERT INTO loops VALUES (?, ?, ?)",
                            (name, now, json.dumps(config)))
                con.executemany(
                    "INSERT INTO loop_labels (loop, row, label, role, source, at) "
                    "VALUES (?, ?, ?, ?, 'file', ?)",
                    [(name, pool.ids[i], pool.labels[i],
                      "holdout" if i in held else "train", now) for i in labelled])
        finally:
            con.close()
        loop = cls(path, name, config)
        loop._pool = pool
        return loop

    @classmethod
    def open(cls, store: str | Path, name: str | None = None) -> LabellingLoop:
        """Reopen a loop (the only one in the store when `name` is None)."""
        path = Path(store)
        if not path.is_file():
            raise InputError("store", "a store holding a labelling loop (start one with "
                             "`datacurve active init`)", f"'{store}' (no such file)")
        if not _has_loops(path):
            raise InputError("store", "a store holding a labelling loop (start one with "
                             "`datacurve active init`)", f"'{store}' (no loop)")
        con = _connect(path)
        try:
            rows = con.execute("SELECT name, config FROM loops ORDER BY created").fetchall()
        finally:
            con.close()
        if not rows:
            raise InputError("store", "a store holding a labelling loop (start one with "
                             "`datacurve active init`)", f"'{store}' (no loop)")
        if name is None:
            if len(rows) > 1:
                raise InputError("name", f"one of the loops in '{store}'",
                                 f"nothing ({describe(r[0] for r in rows)})")
            name = rows[0][0]
        configs = dict(rows)
        if name not in configs:
            raise InputError("name", f"one of the loops in '{store}' "
                             f"({describe(configs)})", repr(name))
        return cls(path, name, json.loads(configs[name]))

    # -- reading ----------------------------------------------------------------------
    @property
    def id_name(self) -> str:
        """The id column of batch and label files (``row`` unless `init` named one)."""
        return str(self.config["id_column"] or "row")

    @property
    def classes(self) -> list[str]:
        return list(self.config["classes"])

    def pool(self) -> LabelPool:
        """The table, read again and checked against the fingerprint taken at `init`."""
        if self._pool is None:
            c = self.config
            pool = load_pool(c["source"], label=c["label"], id_column=c["id_column"],
                             text_column=c["text_column"])
            if pool.fingerprint != c["fingerprint"]:
                raise InputError("data", f"the table the loop '{self.name}' was started on, "
                                 "unchanged (its rows and features are fingerprinted)",
                                 f"'{c['source']}' with other rows or features; start a "
                                 "new loop on the edited table")
            self._pool = pool
        return self._pool

    def _imports(self, con: sqlite3.Connection) -> int:
        """How many label files this loop has imported."""
        return int(con.execute("SELECT COUNT(*) FROM loop_imports WHERE loop = ?",
                               (self.name,)).fetchone()[0])

    def _state(self, con: sqlite3.Connection) -> _State:
        label: dict[str, str] = {}
        role: dict[str, str] = {}
        source: dict[str, str] = {}
        order: list[str] = []
        for row, value, r, src in con.execute(
                "SELECT row, label, role, source FROM loop_labels WHERE loop = ? "
                "ORDER BY seq", (self.name,)):
            if row not in label:
                order.append(row)
                role[row], source[row] = r, src
            label[row] = value
        picked = con.execute(
            "SELECT p.row, b.purpose, b.at FROM loop_picks p JOIN loop_batches b "
            "ON b.id = p.batch WHERE p.loop = ?", (self.name,)).fetchall()
        flags: dict[str, tuple[str, float | None]] = {}
        since: dict[str, float] = {}
        for row, reason, score, at in con.execute(
                "SELECT row, reason, score, at FROM loop_flags WHERE loop = ? AND "
                "resolved = 0 ORDER BY at, row", (self.name,)):
            if row not in flags:
                flags[row], since[row] = (reason, score), at
        pending = {r for r, _, _ in picked if r not in label}
        held = {r for r, p, _ in picked if p == "holdout" and r not in label}
        relabel = {r for r, _, at in picked if r in since and at >= since[r]}
        return _State(label, role, order, source, pending, held, flags, relabel)

    def _arrays(self, st: _State) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Class codes of the pool (-1 unlabelled), training rows in the order labelled,
        held-out rows (positions in the pool)."""
        pool = self.pool()
        where = {r: i for i, r in enumerate(pool.ids.tolist())}
        code = {c: i for i, c in enumerate(self.classes)}
        y = np.full(pool.n, -1, np.int64)
        for r, v in st.label.items():
            y[where[r]] = code[v]
        train = np.array([where[r] for r in st.order if st.role[r] == "train"], np.int64)
        hold = np.array([where[r] for r in st.order if st.role[r] == "holdout"], np.int64)
        return y, train, hold

    # -- next -------------------------------------------------------------------------
    def next(self, k: int | None = None, *, strategy: str | None = None,
             holdout: bool = False, include_pending: bool = False,
             out: str | Path | None = None) -> LoopBatch:
        """Hand out the next `k` rows to label, recorded as a batch.

        Rows flagged for relabelling come first; the rest are the strategy's picks
        among the unlabelled rows not already handed out (``include_pending`` offers
        those again). Without a model yet (fewer than two classes labelled) the first
        picks are TypiClust's typical rows. ``holdout=True`` draws the batch at random
        for the held-out set instead.

        Parameters
        ----------
        k : int, optional
            Batch size (default: `init`'s).
        strategy : str, optional
            Default: `init`'s.
        holdout : bool
        include_pending : bool
        out : path, optional
            Also write the batch there (``.csv``, ``.tsv``, ``.jsonl``, ``.parquet``;
            an existing file is refused, never overwritten).

        Returns
        -------
        LoopBatch
        """
        k = int(self.config["batch"] if k is None else k)
        strategy = strategy or self.config["strategy"]
        if strategy not in STRATEGIES:
            raise InputError("strategy", f"one of {', '.join(STRATEGIES)}", repr(strategy))
        if strategy == "bald":
            check_bald(self.config["model"], "strategy")
        target = None if out is None else Path(out)
        if target is not None:
            if target.exists():
                raise InputError("out", "a new file (a batch file is never overwritten)",
                                 f"'{out}' (exists)")
            _writer(target)  # the ending is checked before any model is trained
        pool = self.pool()
        con = _connect(self.store)
        try:
            st = self._state(con)
            y, train, hold = self._arrays(st)
            where = {r: i for i, r in enumerate(pool.ids.tolist())}
            free = np.array([i for i in range(pool.n) if y[i] < 0 and (
                include_pending or pool.ids[i] not in st.pending)], np.int64)
            flagged = [] if holdout else [r for r in st.flags if include_pending
                                          or r not in st.relabel_pending]
            if free.size == 0 and not flagged:
                raise InputError("k", "rows still to label", "none left: every row of "
                                 f"'{Path(pool.source).name}' has a label or is in an open "
                                 "batch" + ("" if include_pending else
                                            " (include_pending offers those again)"))
            if not 1 <= k <= free.size + len(flagged):
                raise InputError("k", f"between 1 and the {free.size + len(flagged)} rows "
                                 "still to label" + (" (not already handed out)"
                                                     if not include_pending else ""), repr(k))
            rng = np.random.default_rng([int(self.config["seed"]), 0xBA7C,
                                         int(con.execute("SELECT COUNT(*) FROM loop_batches"
                                                         ).fetchone()[0])])
            rows: list[tuple[str, float, str]] = []
            for r in flagged[:k]:
                reason, s = st.flags[r]
                rows.append((r, math.nan if s is None else float(s), f"relabel: {reason}"))
            m = k - len(rows)
            used = strategy if m else "relabel"
            if holdout:
                used = "random"
                pick = rng.choice(free, size=m, replace=False)
                rows += [(pool.ids[i], math.nan, "held-out: drawn at random, never by the "
                          "model") for i in pick]
            elif m:
                rows += self._pick(strategy, m, y, train, hold, free, rng)
                used = strategy if len(set(y[train].tolist())) >= 2 else "cold start"
            with _write(con):
                # Another `next` may have handed rows out since we read: pick again then.
                if not include_pending and self._state(con).pending & {r for r, *_ in rows}:
                    raise InputError("k", "a batch of rows nobody else is labelling",
                                     "rows another `active next` handed out meanwhile; "
                                     "run it again")
                cur = con.execute(
                    "INSERT INTO loop_batches (loop, at, strategy, purpose, labels) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (self.name, time.time(), used, "holdout" if holdout else "train",
                     int(train.size)))
                batch_id = int(cur.lastrowid or 0)
                con.executemany("INSERT INTO loop_picks VALUES (?, ?, ?, ?, ?, ?)",
                                [(self.name, batch_id, j, r, None if math.isnan(s) else s,
                                  why) for j, (r, s, why) in enumerate(rows)])
                frame = self._batch_frame(rows, used, batch_id, where)
                if target is not None:
                    _save(frame, target)
        finally:
            con.close()
        return LoopBatch(batch_id, frame, used, "holdout" if holdout else "train",
                         int(train.size))

    def _pick(self, strategy: str, m: int, y: np.ndarray, train: np.ndarray,
              hold: np.ndarray, free: np.ndarray, rng: np.random.Generator
              ) -> list[tuple[str, float, str]]:
        """The strategy's `m` picks among `free` (positions), scored on the way."""
        pool = self.pool()
        emb = _embeddings(pool.X)
        ids = pool.ids
        if len(set(y[train].tolist())) < 2:
            if strategy == "random":
                pick = rng.choice(free, size=m, replace=False)
                return [(ids[i], math.nan, "drawn at random (no model yet)") for i in pick]
            pick = free[cold_start("typical", m, y=y[free], embeddings=emb[free], rng=rng)]
            return [(ids[i], math.nan, "cold start: the most typical row of its cluster "
                     "(TypiClust; no model yet: fewer than two classes labelled)")
                    for i in pick]
        n = int(train.size)
        score, fit_time, picked, why, scores = _round(
            strategy, self.config["model"], pool.X, y, train, np.union1d(free, train), hold,
            emb, len(self.classes), m, rng, int(self.config["seed"]), n)
        if hold.size:
            self._record_point(n, train, hold, y, score, fit_time)
        return [(ids[i], float(s), why) for i, s in zip(picked, scores, strict=True)]

    def _batch_frame(self, rows: list[tuple[str, float, str]], strategy: str,
                     batch_id: int, where: dict[str, int]) -> pd.DataFrame:
        pool = self.pool()
        pos = [where[r] for r, *_ in rows]
        raw = pool.raw.iloc[pos].reset_index(drop=True)
        keep = [c for c in raw.columns if c not in (pool.label, pool.id_column)]
        frame = pd.DataFrame({self.id_name: [r for r, *_ in rows]})
        frame = pd.concat([frame, raw[keep]], axis=1)
        frame[pool.label] = pd.Series([None] * len(rows), dtype=object)
        frame["score"] = [s for _, s, _ in rows]
        frame["reason"] = [w for *_, w in rows]
        frame["strategy"] = strategy
        frame["batch"] = batch_id
        return frame

    # -- import -----------------------------------------------------------------------
    def import_labels(self, source: str | Path | pd.DataFrame, *,
                      relabel: bool = False) -> ImportResult:
        """Record the labels of a filled-in batch file (or any file with the id and label
        columns).

        Checked before anything is written: the id and label columns are there and no
        column the loop does not know; every id is a row of the table, at most once;
        every label is a known class; a row already labelled keeps its label unless it
        was flagged for relabelling or `relabel` is True. Empty labels are skipped (not
        labelled yet). Importing the same file again changes nothing.

        Parameters
        ----------
        source : path or DataFrame
        relabel : bool
            Accept a different label for a row already labelled (the old one stays in the
            history).

        Returns
        -------
        ImportResult
        """
        ids, labels, name, digest = self._read_labels(source)
        lab = self.pool().label
        con = _connect(self.store)
        try:
            with _write(con):
                st = self._state(con)
                add, change, confirm, same, conflicts = [], [], [], 0, []
                for r, v in zip(ids, labels, strict=True):
                    if v is None:
                        continue
                    old = st.label.get(r)
                    if old is None:
                        add.append((r, v, "holdout" if r in st.holdout_pending else "train"))
                    elif old == v and r in st.flags:
                        confirm.append(r)  # a flagged label checked and kept
                    elif old == v:
                        same += 1
                    elif relabel or r in st.flags:
                        change.append((r, v, st.role[r]))
                    else:
                        conflicts.append(f"row {r}: {v!r} (recorded {old!r})")
                if conflicts:
                    raise InputError(name, f"the label ({lab!r}) already recorded for a row "
                                     "(rows flagged for relabelling may change, or pass "
                                     "relabel=True / --relabel)",
                                     f"{len(conflicts)} different ({describe(conflicts, 3)})")
                empty = sum(v is None for v in labels)
                con.executemany("UPDATE loop_flags SET resolved = 1 WHERE loop = ? AND "
                                "row = ?", [(self.name, r) for r in confirm])
                same += len(confirm)
                if not add and not change:
                    return ImportResult(0, 0, same, empty, None)
                now = time.time()
                cur = con.execute("INSERT INTO loop_imports (loop, file, sha256, at, added, "
                                  "changed) VALUES (?, ?, ?, ?, ?, ?)",
                                  (self.name, name, digest, now, len(add), len(change)))
                import_id = int(cur.lastrowid or 0)
                con.executemany(
                    "INSERT INTO loop_labels (loop, row, label, role, source, at) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    [(self.name, r, v, role, f"import:{import_id}", now)
                     for r, v, role in add + change])
                con.executemany("UPDATE loop_flags SET resolved = 1 WHERE loop = ? AND "
                                "row = ?", [(self.name, r) for r, _, _ in change])
        finally:
            con.close()
        self._record_labelled()
        return ImportResult(len(add), len(change), same, empty, import_id)

    def _record_labelled(self) -> None:
        """Record the labelled set as a dataset version in the store (once two classes
        are labelled: before that it is no dataset to train on)."""
        try:
            data = self.labelled_dataset()
        except InputError:
            return
        with open_store(self.store) as st:
            st.put_versions(version_chain(data))

    def _read_labels(self, source: str | Path | pd.DataFrame
                     ) -> tuple[list[str], list[str | None], str, str]:
        """The ids and labels of a label file, checked against the pool and the classes
        (`import_labels`' checks that need no store): ids, labels (None where empty), the
        source's name for messages and the import record, its SHA-256."""
        pool = self.pool()
        if isinstance(source, pd.DataFrame):
            df, name = source.copy(), "labels"
            digest = hashlib.sha256(pd.util.hash_pandas_object(
                df, index=False).to_numpy().tobytes()).hexdigest()
        else:
            df, name = read_table(source), str(source)
            digest = hashlib.sha256(Path(source).read_bytes()).hexdigest()
        idc, lab = self.id_name, pool.label
        missing = [c for c in (idc, lab) if c not in df.columns]
        known = {str(c) for c in pool.raw.columns} | {idc, lab, *_BATCH_COLUMNS}
        unknown = [str(c) for c in df.columns if str(c) not in known]
        if missing or unknown:
            raise InputError(name, f"the columns of a batch file: {idc!r} and {lab!r}, with the "
                             "table's own columns and score/reason/strategy/batch at most",
                             "; ".join(([f"no {describe(repr(c) for c in missing)}"]
                                        if missing else [])
                                       + ([f"unknown {describe(repr(c) for c in unknown)}"]
                                          if unknown else [])))
        ids = [canonical_label(v) for v in df[idc].tolist()]
        labels = [canonical_label(v) for v in df[lab].tolist()]
        empty = [j + 1 for j, i in enumerate(ids) if i is None]
        if empty:
            raise InputError(name, f"an id in every row of column {idc!r}",
                             f"{len(empty)} empty (rows {describe(empty)})")
        counts = pd.Series(ids).value_counts()
        dups = sorted(counts.index[counts > 1])
        if dups:
            raise InputError(name, f"each id at most once in column {idc!r}",
                             f"{len(dups)} repeated ({describe(dups)})")
        known_ids = set(pool.ids.tolist())
        strange = [i for i in ids if i not in known_ids]
        if strange:
            raise InputError(name, f"ids ({idc!r}) of rows of '{Path(pool.source).name}'",
                             f"{len(strange)} unknown ({describe(strange)})")
        bad = sorted({v for v in labels if v is not None and v not in self.classes})
        if bad:
            raise InputError(name, f"labels ({lab!r}) among the loop's classes "
                             f"({describe(self.classes, 20)})",
                             f"{describe(repr(v) for v in bad)}")
        return [str(i) for i in ids], labels, name, digest

    # -- flags ------------------------------------------------------------------------
    def flag(self, ids: Sequence[Any], reason: str, *, source: str = "user",
             scores: Sequence[float] | None = None) -> int:
        """Send labelled rows back to the queue for relabelling (`next` hands them out
        first; the import of a new label resolves the flag).

        Parameters
        ----------
        ids : sequence
            Row ids (as in the batch files).
        reason : str
        source : str
            Who flagged (``"user"``, ``"audit:label"``); a row is flagged once per source.
        scores : sequence of float, optional

        Returns
        -------
        int
            Rows newly flagged.
        """
        rows = [canonical_label(i) for i in ids]
        con = _connect(self.store)
        try:
            with _write(con):
                st = self._state(con)
                bad = [str(r) for r in rows if r is None or r not in st.label]
                if bad:
                    raise InputError("ids", "labelled rows of the loop (only a label can be "
                                     "relabelled)", f"{len(bad)} others ({describe(bad)})")
                before = con.total_changes
                con.executemany(
                    "INSERT OR IGNORE INTO loop_flags (loop, row, source, reason, score, at) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    [(self.name, r, source, reason,
                      None if scores is None else float(scores[j]), time.time())
                     for j, r in enumerate(rows)])
                return int(con.total_changes - before)
        finally:
            con.close()

    def audit(self, checks: Sequence[str] = ("label",), seed: int = 0) -> tuple[int, Any]:
        """Audit the labelled rows (`datacurve.auditing.audit`) and flag the rows the
        checks flag for relabelling.

        Returns
        -------
        flagged : int
            Rows newly flagged.
        report : AuditReport
            Over the labelled rows, ids as in the batch files.
        """
        from datacurve.auditing import audit

        data = self.labelled_dataset(what="before an audit")
        report = audit(data, checks=list(checks), seed=seed)
        total = 0
        for check, g in report.issues.groupby("check", sort=False):
            total += self.flag(g["id"].tolist(), f"audit {check} check",
                               source=f"audit:{check}", scores=g["score"].tolist())
        return total, report

    # -- status -----------------------------------------------------------------------
    def _record_point(self, n: int, train: np.ndarray, hold: np.ndarray, y: np.ndarray,
                      score: float, fit_time: float) -> None:
        ids = self.pool().ids
        con = _connect(self.store)
        try:
            with _write(con):
                con.execute("INSERT OR IGNORE INTO loop_points VALUES (?, ?, ?, ?, ?, ?)",
                            (self.name, n, _key([(ids[i], str(y[i])) for i in train[:n]]),
                             _key([(ids[i], str(y[i])) for i in hold]), score, fit_time))
        finally:
            con.close()

    def status(self, target: float | None = None) -> LoopStatus:
        """Labels so far, the held-out score, the fitted curve, the labels the target
        needs and whether the next batch is worth labelling.

        Trains the model on the training labels as they stood after each import (the
        first ``n`` in the order labelled) and scores it on the held-out rows as they are
        now; scores already in the store (same labels, same held-out set) are read back.

        Parameters
        ----------
        target : float, optional
            Held-out accuracy to reach (default: `init`'s).

        Returns
        -------
        LoopStatus
        """
        target = self.config.get("target") if target is None else target
        if target is not None and not 0 < target <= 1:
            raise InputError("target", "an accuracy in (0, 1]", repr(target))
        pool = self.pool()
        con = _connect(self.store)
        try:
            st = self._state(con)
            imports = self._imports(con)
            cached = {(n, tk, hk): s for n, tk, hk, s in con.execute(
                "SELECT labels, train_key, holdout_key, score FROM loop_points "
                "WHERE loop = ?", (self.name,))}
        finally:
            con.close()
        y, train, hold = self._arrays(st)
        ids = pool.ids
        hkey = _key([(ids[i], str(y[i])) for i in hold])
        # The training labels as they stood after each import: a break wherever the
        # source of the first label changes.
        sources = [st.source[ids[i]] for i in train]
        breaks = [j + 1 for j in range(len(sources))
                  if j + 1 == len(sources) or sources[j + 1] != sources[j]]
        notes: list[str] = []
        points = []
        if hold.size:
            for n in breaks:
                if len(set(y[train[:n]].tolist())) < 2:
                    continue
                tkey = _key([(ids[i], str(y[i])) for i in train[:n]])
                score = cached.get((n, tkey, hkey))
                if score is None:
                    score, fit_time, *_ = _round(
                        "random", self.config["model"], pool.X, y, train[:n], train[:n],
                        hold, np.empty((0, 0)), len(self.classes), 0,
                        np.random.default_rng(0), int(self.config["seed"]), n)
                    self._record_point(n, train, hold, y, score, fit_time)
                points.append((n, score))
        else:
            notes.append("no held-out labels: draw a random batch for them with "
                         "`active next --holdout` and import it")
        frame = pd.DataFrame(points, columns=["labels", "score"])
        score = float(frame["score"].iloc[-1]) if len(frame) and \
            frame["labels"].iloc[-1] == train.size else math.nan
        # Agresti-Coull: the plain binomial error is 0 at a perfect held-out score, which
        # would call any predicted gain "above the noise".
        p = (score * hold.size + 2) / (hold.size + 4)
        se = math.sqrt(p * (1 - p) / (hold.size + 4)) if math.isfinite(score) else math.nan
        left = int((y < 0).sum())
        if math.isfinite(se) and se > _NOISY_HOLDOUT and left:
            notes.append(f"{hold.size:,} held-out rows measure accuracy only to ± {se:.3f}: "
                         f"`active next --holdout -k {min(200, left)}` adds random rows to "
                         "them")
        curve = None
        if len(frame) >= 3:
            try:
                curve = fit_learning_curve(frame["labels"].to_numpy(float),
                                           frame["score"].to_numpy(float),
                                           network=is_network(self.config["model"]))
            except InputError as exc:
                notes.append(f"no learning curve yet: {exc}")
        elif hold.size:
            notes.append(f"the curve needs held-out scores after 3 imports; "
                         f"{len(frame)} so far")
        batch = int(self.config["batch"])
        needed = low = high = gain = math.nan
        stop: bool | None = None
        if curve is not None:
            gain = curve.gain(train.size, train.size + batch)
            stop = bool(gain < se)
            if target is not None:
                at = curve.size_for(target)
                lo, hi = curve.size_interval(target)
                needed, low, high = (max(0.0, v - train.size) for v in (at, lo, hi))
        counts = {c: int((y[train] == i).sum()) for i, c in enumerate(self.classes)}
        return LoopStatus(
            name=self.name, model=self.config["model"],
            strategy=self.config["strategy"], source=self.config["source"],
            labels=int(train.size), holdout=int(hold.size),
            unlabelled=left, pending=len(st.pending),
            flagged=len(st.flags), imports=imports, per_class=counts, score=score,
            score_se=se, points=frame, curve=curve, target=target, needed=needed,
            needed_low=low, needed_high=high, batch=batch, next_gain=gain, stop=stop,
            notes=tuple(notes))

    def labelled_dataset(self, *, what: str = "") -> Dataset:
        """The labelled rows (training, then held-out) as a dataset: the pool's encoded
        features, labels as classes, ids as in the batch files; recorded as a ``label``
        version of the pool's file (`datacurve.data.version_record`: the file and its
        SHA-256, the loop, rows labelled and imports so far).

        Raises
        ------
        InputError
            Fewer than two classes labelled.
        """
        pool = self.pool()
        con = _connect(self.store)
        try:
            st = self._state(con)
            imports = self._imports(con)
        finally:
            con.close()
        y, train, hold = self._arrays(st)
        rows = np.concatenate([train, hold])
        codes = y[rows]
        present = np.unique(codes)
        if present.size < 2:
            raise InputError("labels", f"two classes labelled{' ' + what if what else ''}",
                             f"{present.size}")
        digest, size = file_digest(pool.source)
        data = Dataset(X=pool.X[rows], y=np.searchsorted(present, codes),
                       task="classification", name=f"{Path(pool.source).name}[{self.name}]",
                       classes=np.array(self.classes, dtype=object)[present],
                       ids=pool.ids[rows],
                       metadata={"source": pool.source, "source_sha256": digest,
                                 "source_bytes": size, "label": pool.label})
        rec = version_record(data, "label", params={
            "loop": self.name, "model": self.config.get("model"), "train": int(train.size),
            "held_out": int(hold.size), "imports": imports})
        return dataclasses.replace(data, metadata={**data.metadata, "versions": [rec]})

    def labelled(self) -> pd.DataFrame:
        """Every label recorded so far: id, label, role, source (``file`` or
        ``import:<n>``), in the order first labelled."""
        con = _connect(self.store)
        try:
            st = self._state(con)
        finally:
            con.close()
        return pd.DataFrame({self.id_name: st.order,
                             self.pool().label: [st.label[r] for r in st.order],
                             "role": [st.role[r] for r in st.order],
                             "source": [st.source[r] for r in st.order]})


_WRITERS = {".csv": "csv", ".tsv": "tsv", ".jsonl": "jsonl", ".parquet": "parquet"}


def _writer(path: Path) -> str:
    kind = _WRITERS.get(path.suffix.lower())
    if kind is None:
        raise InputError("out", f"a file ending in {', '.join(_WRITERS)}", f"'{path}'")
    return kind


def _save(frame: pd.DataFrame, path: Path) -> None:
    """Write a batch file: under a temporary name, then renamed (never half a file)."""
    kind = _writer(path)
    tmp = path.with_name(f".{path.name}.partial")
    if kind == "csv":
        frame.to_csv(tmp, index=False)
    elif kind == "tsv":
        frame.to_csv(tmp, index=False, sep="\t")
    elif kind == "jsonl":
        frame.to_json(tmp, orient="records", lines=True)
    else:
        frame.to_parquet(tmp, index=False)
    tmp.replace(path)
