"""The results store: one SQLite file (WAL) holding every trial ever run.

A trial's key is (dataset fingerprint, learner spec, size, seed, evaluation split);
a finished trial is never recomputed, and a run that was killed resumes from what the
store holds. Each trial is committed as soon as it finishes, so a SIGKILL loses at most
the trials in flight.

A new store is built under a temporary name (identity, schema and WAL mode written to
the main file, not only to its write-ahead log) and linked into place, so the file at
the store's path is a complete datacurve store from the moment it exists: a run killed
at any point leaves a store the next run (or ``datacurve results``) opens. Several
processes may read and write one store at once (WAL, a busy timeout and retries).
"""

from __future__ import annotations

import functools
import glob
import json
import os
import sqlite3
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
import pandas as pd

from datacurve._errors import InputError
from datacurve._plain import num, plain
from datacurve.curves._paths import DEFAULT_STORE
from datacurve.metrics import METRICS, default_metric, get_metric

if TYPE_CHECKING:
    from datacurve.curves._trial import TrialResult

__all__ = ["RESULT_COLUMNS", "Store", "is_sqlite", "open_store"]
"""Where the CLI keeps results unless ``--store`` says otherwise."""

APPLICATION_ID = 0x44435256  # "DCRV": marks the SQLite file as a datacurve store
SCHEMA_VERSION = 1
SQLITE_MAGIC = b"SQLite format 3\x00"
BUSY_TIMEOUT = 30.0
"""Seconds a connection waits for another process's write lock before giving up."""
RETRY_SECONDS = 120.0
"""How long a write keeps retrying, beyond the busy timeout, while the store is busy."""

RESULT_COLUMNS = ("model", "params", "n", "seed", "train_score", "val_score")
"""The columns of the `diagnose` contract, first in every results table."""

_VERSIONS_TABLE = """CREATE TABLE IF NOT EXISTS versions (
    key TEXT PRIMARY KEY,
    id TEXT NOT NULL,
    record TEXT NOT NULL,
    recorded_at REAL NOT NULL
)"""
"""Dataset versions (`datacurve.data.version_record`), one row per version id and origin
(operation and parents: the same content may be reached two ways); made on the first
write by stores older than it."""

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    """CREATE TABLE IF NOT EXISTS datasets (
    fingerprint TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    task TEXT NOT NULL,
    summary TEXT NOT NULL
)""",
    """CREATE TABLE IF NOT EXISTS trials (
    key TEXT PRIMARY KEY,
    dataset TEXT NOT NULL,
    model TEXT NOT NULL,
    n INTEGER NOT NULL,
    seed INTEGER NOT NULL,
    eval_split TEXT NOT NULL,
    task TEXT NOT NULL,
    status TEXT NOT NULL,
    params INTEGER NOT NULL,
    train_scores TEXT NOT NULL,
    val_scores TEXT NOT NULL,
    fit_time REAL,
    predict_time REAL,
    n_eval INTEGER,
    error TEXT NOT NULL,
    info TEXT NOT NULL,
    finished_at REAL NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 1
)""",
    "CREATE INDEX IF NOT EXISTS trials_by_dataset ON trials (dataset, model, n)",
    _VERSIONS_TABLE,
)

T = TypeVar("T")


def is_sqlite(path: str | Path) -> bool:
    """Whether `path` is an SQLite file (a store, or another application's database),
    read from its header; False for a missing file or a directory."""
    p = Path(path)
    if not p.is_file():
        return False
    with p.open("rb") as fh:
        return fh.read(16) == SQLITE_MAGIC


def _refuse(path: Path, why: str) -> InputError:
    return InputError("store", "a datacurve store (an SQLite file made by datacurve)",
                      f"'{path}', {why}")


def _check_is_store(path: Path) -> bool:
    """Whether `path` holds a datacurve store (True) or nothing yet: missing or empty
    (False). Raise `InputError` for anything else. Reads only; never writes.

    The identity is the application id in the file's header, which every store made
    by this version carries from its first moment. A store made by an earlier version
    and killed before its first checkpoint has it only in its write-ahead log: a file
    in WAL mode with a log and no id is asked through SQL, on a read-only connection.
    """
    if not path.exists():
        return False
    if path.is_dir():
        raise InputError("store", "a datacurve store file", f"'{path}' (a directory)")
    with path.open("rb") as fh:
        head = fh.read(100)
    if not head:
        return False
    if not head.startswith(SQLITE_MAGIC):
        raise _refuse(path, "which is not an SQLite database")
    truncated = _truncated(path, head)
    if truncated:
        raise _refuse(path, truncated)
    app_id = int.from_bytes(head[68:72], "big")
    if app_id == APPLICATION_ID:
        return True
    in_wal = len(head) >= 20 and head[18] == head[19] == 2
    wal = path.with_name(path.name + "-wal")
    if app_id == 0 and in_wal and wal.is_file() and wal.stat().st_size > 0 \
            and _application_id(path) == APPLICATION_ID:
        return True
    raise _refuse(path, "an SQLite database of another application")


def _truncated(path: Path, head: bytes) -> str | None:
    """Why the SQLite file `path` (whose first bytes are `head`) is cut short, or None.

    The header records the page size and, when its "valid for" counter matches the
    change counter, the number of pages; a file shorter than that lost its end."""
    if len(head) < 100:
        return f"a truncated SQLite file ({len(head)} bytes, shorter than its header)"
    page = int.from_bytes(head[16:18], "big")
    page = 65536 if page == 1 else page
    pages = int.from_bytes(head[28:32], "big")
    valid = head[92:96] == head[24:28]
    size = path.stat().st_size
    if valid and pages and size < page * pages:
        return (f"a truncated SQLite file ({size:,} of the {page * pages:,} bytes its "
                "header records)")
    return None


def _broken(path: Path, exc: sqlite3.DatabaseError) -> InputError:
    """A store SQLite cannot read (corrupt pages, a damaged file) as an `InputError`."""
    return _refuse(path, f"which SQLite cannot read: {exc} (a damaged file; "
                   "`sqlite3 FILE .recover` may rescue what is left)")


F = TypeVar("F", bound=Callable[..., Any])


def _guarded(method: F) -> F:
    """Turn SQLite's "malformed" and "not a database" errors inside a `Store` method
    into an `InputError` naming the store (a busy store is retried, not refused)."""

    @functools.wraps(method)
    def wrapper(self: Store, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except sqlite3.OperationalError as exc:
            if _busy(exc):
                raise
            raise _broken(self.path, exc) from None
        except sqlite3.DatabaseError as exc:
            raise _broken(self.path, exc) from None

    return wrapper  # type: ignore[return-value]


def _guarded_read(method: F) -> F:
    """`_guarded`, and rows that cannot be decoded (a damaged JSON column, text where a
    number belongs, bytes where text belongs) refused as a damaged store too. An
    `InputError` of the method's own arguments passes through as it is."""
    guarded = _guarded(method)

    @functools.wraps(method)
    def wrapper(self: Store, *args: Any, **kwargs: Any) -> Any:
        try:
            return guarded(self, *args, **kwargs)
        except InputError:
            raise
        except (ValueError, TypeError, AttributeError, KeyError, UnicodeError) as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            raise _refuse(self.path, "with rows datacurve cannot read "
                          f"({type(exc).__name__}: {first[:120]}); a damaged or "
                          "hand-edited store") from None

    return wrapper  # type: ignore[return-value]


def _uri(path: Path, **query: str) -> str:
    """An SQLite URI for `path` (characters such as ``?`` and ``#`` escaped)."""
    args = "&".join(f"{k}={v}" for k, v in query.items())
    return path.resolve().as_uri() + (f"?{args}" if args else "")


def _application_id(path: Path) -> int | None:
    """The application id SQL reads (write-ahead log included), on a read-only
    connection; None when the file cannot be read."""
    try:
        con = sqlite3.connect(_uri(path, mode="ro"), uri=True, timeout=BUSY_TIMEOUT)
    except sqlite3.Error:
        return None
    try:
        return int(con.execute("PRAGMA application_id").fetchone()[0])
    except sqlite3.Error:
        return None
    finally:
        con.close()


def _busy(exc: sqlite3.OperationalError) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


def _retry(write: Callable[[], T]) -> T:
    """Run `write`, retrying while another process holds the store (beyond the busy
    timeout, and for the few cases SQLite reports busy without waiting)."""
    deadline = time.monotonic() + RETRY_SECONDS
    pause = 0.05
    while True:
        try:
            return write()
        except sqlite3.OperationalError as exc:
            if not _busy(exc) or time.monotonic() > deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 1.0)


def _initialize(con: sqlite3.Connection) -> None:
    """Write the identity and the schema in one transaction (idempotent)."""
    con.execute("BEGIN IMMEDIATE")
    try:
        con.execute(f"PRAGMA application_id={APPLICATION_ID}")
        for statement in _SCHEMA:
            con.execute(statement)
        con.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)",
                    (str(SCHEMA_VERSION),))
        con.execute("INSERT OR IGNORE INTO meta VALUES ('created_at', ?)",
                    (str(time.time()),))
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process, or no signals here: assume alive
        return True
    return True


def _remove_stale_drafts(path: Path) -> None:
    """Delete drafts of a new store left by processes killed while making one."""
    for draft in path.parent.glob(f".{glob.escape(path.name)}.*.new*"):
        pid = draft.name[len(path.name) + 2:].split(".", 1)[0]
        if pid.isdigit() and not _pid_alive(int(pid)):
            draft.unlink(missing_ok=True)


def _create(path: Path) -> None:
    """Make a new, empty store at `path`, never replacing a file another process put
    there first.

    The store is built under a temporary name in rollback-journal mode (identity and
    schema committed to the main file), switched to WAL mode (also recorded in the main
    file) and hard-linked to `path`, so `path` is a complete store from the moment it
    exists. An existing empty file is initialized in place.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_drafts(path)
    draft = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.new")
    try:
        con = sqlite3.connect(draft, timeout=BUSY_TIMEOUT, isolation_level=None)
        try:
            _initialize(con)
            con.execute("PRAGMA journal_mode=WAL")
        finally:
            con.close()
        try:
            path.hardlink_to(draft)
        except FileExistsError:
            pass  # another process made the store first, or an empty file is there
        except OSError:  # a file system without hard links
            if not path.exists():
                draft.replace(path)
    finally:
        for leftover in (draft, draft.with_name(draft.name + "-journal")):
            leftover.unlink(missing_ok=True)
    if path.is_file() and path.stat().st_size == 0:
        con = sqlite3.connect(path, timeout=BUSY_TIMEOUT, isolation_level=None)
        try:
            _retry(lambda: _initialize(con))
        finally:
            con.close()


class Store:
    """A datacurve results store.

    Parameters
    ----------
    path : str or Path
        SQLite file; created (with its folder) when missing. An existing file that is
        not a datacurve store raises `InputError` and is left untouched.
    readonly : bool
        Open an existing store without creating or changing anything.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> s = Store(pathlib.Path(tempfile.mkdtemp()) / "s.sqlite")
    >>> len(s)
    0
    """

    def __init__(self, path: str | Path, *, readonly: bool = False) -> None:
        self.path = Path(path)
        self._open(readonly)

    @_guarded
    def _open(self, readonly: bool) -> None:
        exists = _check_is_store(self.path)
        if readonly:
            if not exists:
                got = (f"'{self.path}' (an empty file)" if self.path.exists()
                       else f"'{self.path}' (no such file)")
                raise InputError("store", "an existing datacurve store", got)
            self._con = sqlite3.connect(_uri(self.path, mode="ro"), uri=True,
                                        timeout=BUSY_TIMEOUT)
        else:
            if exists:
                _remove_stale_drafts(self.path)
            else:
                _create(self.path)
                _check_is_store(self.path)  # what another process may have put there
            self._con = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT)
            try:
                _retry(lambda: self._con.execute("PRAGMA journal_mode=WAL"))
                self._con.execute("PRAGMA synchronous=NORMAL")
                if not self._con.execute("SELECT 1 FROM sqlite_master WHERE type = "
                                         "'table' AND name = 'trials'").fetchone():
                    _retry(lambda: _initialize(self._con))
            except BaseException:
                self._con.close()
                raise
        self.readonly = readonly

    # -- writing --------------------------------------------------------------------
    @_guarded
    def add_dataset(self, fingerprint: str, name: str, task: str,
                    summary: dict[str, Any]) -> None:
        """Record a dataset's name and summary (idempotent)."""

        def write() -> None:
            with self._con:
                self._con.execute("INSERT OR REPLACE INTO datasets VALUES (?, ?, ?, ?)",
                                  (fingerprint, name, task, json.dumps(summary)))

        _retry(write)

    @_guarded
    def put(self, result: TrialResult, *, dataset: str, eval_split: str, task: str,
            n_eval: int) -> None:
        """Record one finished (or failed) trial and commit at once.

        A successful result replaces a failed one under the same key (a retry); it
        never replaces another successful one.
        """
        row = (
            result.key, dataset, result.model, int(result.n), int(result.seed), eval_split,
            task, result.status, int(result.params), json.dumps(result.train_scores),
            json.dumps(result.val_scores), num(result.fit_time), num(result.predict_time),
            int(n_eval), result.error, json.dumps(result.info), time.time(),
        )
        sql = """INSERT INTO trials (key, dataset, model, n, seed, eval_split, task, status,
                     params, train_scores, val_scores, fit_time, predict_time, n_eval,
                     error, info, finished_at)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                 ON CONFLICT(key) DO UPDATE SET
                     status=excluded.status, params=excluded.params,
                     train_scores=excluded.train_scores, val_scores=excluded.val_scores,
                     fit_time=excluded.fit_time, predict_time=excluded.predict_time,
                     error=excluded.error, info=excluded.info,
                     finished_at=excluded.finished_at, attempts=trials.attempts + 1
                 WHERE trials.status != 'ok'"""

        def write() -> None:
            with self._con:
                self._con.execute(sql, row)

        _retry(write)

    @_guarded
    def set_meta(self, key: str, value: Any) -> None:
        """Record `value` (JSON-ready) under `key` in the store's ``meta`` table (a
        budgeted run's outcome: ``budget:<design>``)."""
        text = json.dumps(value)

        def write() -> None:
            with self._con:
                self._con.execute("INSERT INTO meta VALUES (?, ?) ON CONFLICT(key) "
                                  "DO UPDATE SET value = excluded.value", (key, text))

        _retry(write)

    @_guarded
    def put_versions(self, records: Iterable[Mapping[str, Any]]) -> int:
        """Record dataset versions (`datacurve.data.version_chain`); a version already
        recorded with the same origin (operation and parents) keeps its first record (who
        made it and when). Returns how many were new."""
        now = time.time()
        rows = [(f"{r['id']}|{r['operation']}|{','.join(r.get('parents', []))}",
                 str(r["id"]), json.dumps(plain(dict(r))), now + i * 1e-6)
                for i, r in enumerate(records)]

        def write() -> int:
            with self._con:
                self._con.execute(_VERSIONS_TABLE)
                before = self._con.total_changes
                self._con.executemany("INSERT OR IGNORE INTO versions VALUES (?, ?, ?, ?)", rows)
                return int(self._con.total_changes - before)

        return _retry(write)

    @_guarded_read
    def versions(self) -> list[dict[str, Any]]:
        """Every recorded dataset version (one record per origin), in the order
        recorded."""
        if not self._con.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND "
                                 "name = 'versions'").fetchone():
            return []
        rows = self._con.execute("SELECT record FROM versions ORDER BY recorded_at, rowid")
        return [json.loads(r[0]) for r in rows.fetchall()]

    @_guarded_read
    def get_meta(self, key: str) -> Any:
        """The value recorded under `key` (None when nothing is)."""
        row = self._con.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else json.loads(row[0])

    @_guarded_read
    def meta_items(self, prefix: str) -> list[tuple[str, Any]]:
        """Every (key, value) recorded under a key starting with `prefix`, by key."""
        rows = self._con.execute("SELECT key, value FROM meta WHERE substr(key, 1, ?) = ? "
                                 "ORDER BY key", (len(prefix), prefix)).fetchall()
        return [(k, json.loads(v)) for k, v in rows]

    @_guarded
    def stamp(self, facts: Mapping[str, Mapping[str, Any]],
              fresh: Mapping[str, Any] | None = None) -> None:
        """Add `facts` (key → fields) to the ``info`` of stored trials that lack them,
        and set the `fresh` fields on every one of them (one transaction)."""
        keys = list(facts)
        changed = []
        for start in range(0, len(keys), 500):
            chunk = keys[start:start + 500]
            marks = ",".join("?" * len(chunk))
            for key, info in self._con.execute(
                    f"SELECT key, info FROM trials WHERE key IN ({marks})", chunk):
                old = json.loads(info)
                new = {**facts[key], **old, **(fresh or {})}
                if new != old:
                    changed.append((json.dumps(new), key))
        if changed:
            def write() -> None:
                with self._con:
                    self._con.executemany("UPDATE trials SET info = ? WHERE key = ?",
                                          changed)

            _retry(write)

    # -- reading --------------------------------------------------------------------
    @_guarded_read
    def status_of(self, keys: Iterable[str]) -> dict[str, str]:
        """Status ("ok" / "failed") of each stored key among `keys`."""
        keys = list(keys)
        out: dict[str, str] = {}
        for start in range(0, len(keys), 500):
            chunk = keys[start:start + 500]
            marks = ",".join("?" * len(chunk))
            for key, status in self._con.execute(
                    f"SELECT key, status FROM trials WHERE key IN ({marks})", chunk):
                out[key] = status
        return out

    @_guarded
    def __len__(self) -> int:
        return int(self._con.execute("SELECT COUNT(*) FROM trials").fetchone()[0])

    @_guarded_read
    def datasets(self) -> pd.DataFrame:
        """One row per dataset: fingerprint, name, task, summary (dict)."""
        rows = self._con.execute("SELECT fingerprint, name, task, summary FROM datasets")
        df = pd.DataFrame(rows.fetchall(), columns=["fingerprint", "name", "task", "summary"])
        df["summary"] = [json.loads(s) for s in df["summary"]]
        return df

    @_guarded_read
    def trials(self, *, dataset: str | None = None, models: Sequence[str] | None = None,
               include_failed: bool = True) -> pd.DataFrame:
        """Raw trial rows (scores as dicts)."""
        query = ("SELECT t.*, COALESCE(d.name, '') AS dataset_name FROM trials t "
                 "LEFT JOIN datasets d ON d.fingerprint = t.dataset WHERE 1=1")
        args: list[Any] = []
        if dataset is not None:
            query += " AND (t.dataset = ? OR d.name = ?)"
            args += [dataset, dataset]
        if models:
            query += f" AND t.model IN ({','.join('?' * len(models))})"
            args += list(models)
        if not include_failed:
            query += " AND t.status = 'ok'"
        # eval_split, key: a deterministic order among trials that share (model, n,
        # seed), such as the evaluation folds of one run.
        query += " ORDER BY t.dataset, t.model, t.n, t.seed, t.eval_split, t.key"
        cur = self._con.execute(query, args)
        cols = [c[0] for c in cur.description]
        df = pd.DataFrame(cur.fetchall(), columns=cols)
        for col in ("train_scores", "val_scores", "info"):
            df[col] = [json.loads(s) for s in df[col]]
        return df

    @_guarded_read
    def results(self, *, metric: str | None = None, dataset: str | None = None,
                models: Sequence[str] | None = None,
                include_failed: bool = False) -> pd.DataFrame:
        """The results table: one row per trial.

        Parameters
        ----------
        metric : str, optional
            Metric for ``train_score`` / ``val_score``; default accuracy
            (classification) or R² (regression).
        dataset : str, optional
            Fingerprint or name to select.
        models : sequence of str, optional
        include_failed : bool
            Keep failed trials (their scores are NaN, `error` says why).

        Returns
        -------
        DataFrame
            Columns ``model, params, n, seed, train_score, val_score`` (higher is
            better: lower-is-better metrics are negated), then ``metric, dataset,
            dataset_name, task, eval_split`` (the evaluation split's key), ``eval_fold``
            (its fold, 0 with a single evaluation set), ``status, fit_time,
            predict_time, n_eval, error, key, sweep`` (the values a declared sweep set,
            as JSON),
            ``train_<metric>`` / ``val_<metric>`` for every metric of the task in
            natural units, and ``n_classes`` (0 for regression).
        """
        raw = self.trials(dataset=dataset, models=models, include_failed=include_failed)
        table = results_frame(raw, metric=metric)
        if not table.empty:
            # Classes per dataset, from its recorded summary (the diagnosis prices clean
            # labels with it); 0 for regression or when unknown.
            known = self.datasets()
            classes = {fp: len(s.get("classes") or []) for fp, s in
                       zip(known["fingerprint"], known["summary"], strict=True)}
            table["n_classes"] = table["dataset"].map(classes).fillna(0).astype(np.int64)
        return table

    def close(self) -> None:
        """Close the connection."""
        self._con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store('{self.path}', {len(self)} trials)"


def results_frame(raw: pd.DataFrame, *, metric: str | None = None) -> pd.DataFrame:
    """Turn raw trial rows into the results table (see `Store.results`)."""
    base = [
        *RESULT_COLUMNS, "metric", "dataset", "dataset_name", "task", "eval_split",
        "eval_fold", "status", "fit_time", "predict_time", "n_eval", "error", "key", "sweep",
        "design", "pool", "identity", "finished_at", "used_at",
    ]
    if raw.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in base})
    if metric is not None:
        tasks = set(raw["task"])
        for task in tasks:
            get_metric(metric, task)
    names = [m for m in METRICS if any(m in s for s in raw["val_scores"])]
    chosen = [metric or default_metric(t) for t in raw["task"]]
    val_nat = np.array([s.get(m, np.nan) for s, m in zip(raw["val_scores"], chosen,
                                                          strict=True)], dtype=float)
    train_nat = np.array([s.get(m, np.nan) for s, m in zip(raw["train_scores"], chosen,
                                                            strict=True)], dtype=float)
    val, train = val_nat.copy(), train_nat.copy()
    names_chosen = np.asarray(chosen, dtype=object)
    for name in set(chosen):
        rows = names_chosen == name
        val[rows] = get_metric(name).orient(val_nat[rows])
        train[rows] = get_metric(name).orient(train_nat[rows])
    out = pd.DataFrame({
        "model": raw["model"].astype(str),
        "params": raw["params"].astype(np.int64),
        "n": raw["n"].astype(np.int64),
        "seed": raw["seed"].astype(np.int64),
        "train_score": train,
        "val_score": val,
        "metric": chosen,
        "dataset": raw["dataset"],
        "dataset_name": raw["dataset_name"],
        "task": raw["task"],
        "eval_split": raw["eval_split"],
        # The evaluation fold (0 with a single evaluation set, and for trials stored
        # before folds existed): (eval_fold, seed) is one repeated measurement.
        "eval_fold": np.array([int(i.get("eval_fold", 0)) for i in raw["info"]],
                              dtype=np.int64),
        "status": raw["status"],
        "fit_time": raw["fit_time"].astype(float),
        "predict_time": raw["predict_time"].astype(float),
        "n_eval": raw["n_eval"],
        "error": raw["error"],
        "key": raw["key"],
        # The values a declared sweep set (JSON, "" without one): which models form a
        # model-size sweep (see datacurve.results.Results.by_architecture).
        "sweep": [json.dumps(i["sweep"], sort_keys=True) if i.get("sweep") else ""
                  for i in raw["info"]],
        # The run's evaluation design and the learner's exact identity ("" for trials
        # stored before they were recorded), and when the trial finished: trials of one
        # model name from runs that differ in either are not one curve.
        "design": [str(i.get("design", "")) for i in raw["info"]],
        # Rows of the trial's full pool, the size of one full-data training run (0 for
        # trials stored before it was recorded): what a curve cost is stated against it.
        "pool": np.array([int(i.get("pool", 0)) for i in raw["info"]], dtype=np.int64),
        "identity": [str(i.get("identity", "")) for i in raw["info"]],
        "finished_at": raw["finished_at"].astype(float),
        # When a run last trained or reused the trial.
        "used_at": [float(i.get("used_at", t)) for i, t in
                    zip(raw["info"], raw["finished_at"], strict=True)],
    })
    for m in names:
        out[f"train_{m}"] = [s.get(m, np.nan) for s in raw["train_scores"]]
        out[f"val_{m}"] = [s.get(m, np.nan) for s in raw["val_scores"]]
    return out.reset_index(drop=True)


def open_store(path: str | Path | None = None, *, readonly: bool = False) -> Store:
    """Open (or create) the store at `path`, default `DEFAULT_STORE`."""
    return Store(DEFAULT_STORE if path is None else path, readonly=readonly)
