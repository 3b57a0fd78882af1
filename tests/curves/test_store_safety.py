"""The store's file is a datacurve store from its first moment, whatever kills the
process that makes or writes it; several processes read and write one store at once;
a file that is not a store is refused and never modified."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from datacurve import InputError
from datacurve.curves import Store, TrialResult

APPLICATION_ID = 0x44435256
SRC = str(Path(__file__).parents[2] / "src")


def _ok(key: str, n: int = 32) -> TrialResult:
    return TrialResult(key, "mlp", n, 0, "ok", 123, {"accuracy": 0.99}, {"accuracy": 0.8},
                       0.5, 0.01)


def _put(store: Store, result: TrialResult) -> None:
    store.put(result, dataset="fp", eval_split="ev", task="classification", n_eval=100)


def _python(code: str, *, wait: bool = True) -> subprocess.Popen[str]:
    """Run `code` in a fresh interpreter (a process that may die as a crash would)."""
    proc = subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={"PYTHONPATH": SRC, "PATH": "/usr/bin:/bin"})
    if wait:
        proc.wait(timeout=120)
    return proc


def _header(path: Path) -> bytes:
    with path.open("rb") as fh:
        return fh.read(100)


def test_a_new_store_carries_its_identity_and_wal_mode_in_the_main_file(
        store_path: Path) -> None:
    """Right after creation, before any checkpoint, the main file's header says
    datacurve (application id) and WAL; no draft is left beside it."""
    with Store(store_path) as s:
        _put(s, _ok("a"))
        head = _header(store_path)
        assert int.from_bytes(head[68:72], "big") == APPLICATION_ID
        assert head[18] == head[19] == 2
    assert sorted(p.name for p in store_path.parent.iterdir()
                  if not p.name.startswith("store.sqlite")) == []


def test_a_store_killed_before_its_first_checkpoint_by_an_earlier_version_opens(
        store_path: Path) -> None:
    """Stores made before this version had their identity only in the write-ahead log
    until a checkpoint: such a store, its process killed, opens read-only and
    read-write with its trials (it was refused as 'another application')."""
    proc = _python(f"""
        import os, sqlite3
        con = sqlite3.connect({str(store_path)!r})
        con.execute("PRAGMA journal_mode=WAL")
        with con:
            con.execute("PRAGMA application_id={APPLICATION_ID}")
        from datacurve.curves import Store
        s = Store.__new__(Store)
        s.path, s._con, s.readonly = None, con, False
        from datacurve.curves._store import _SCHEMA
        for statement in _SCHEMA:
            con.execute(statement)
        con.commit()
        from datacurve.curves import TrialResult
        s.put(TrialResult("k1", "mlp", 32, 0, "ok", 1, {{}}, {{"accuracy": 0.8}}, 0.1, 0.1),
              dataset="fp", eval_split="ev", task="classification", n_eval=10)
        os._exit(0)  # killed: no checkpoint, the trial lives in the -wal file
    """)
    assert proc.returncode == 0, proc.stderr
    assert int.from_bytes(_header(store_path)[68:72], "big") == 0
    assert store_path.with_name("store.sqlite-wal").stat().st_size > 0
    with Store(store_path, readonly=True) as s:
        assert list(s.trials()["key"]) == ["k1"]
    with Store(store_path) as s:
        _put(s, _ok("k2"))
        assert len(s) == 2


def test_another_applications_wal_database_is_refused_and_left_alone(
        tmp_path: Path) -> None:
    """A WAL-mode database of another application, killed with its data still in the
    log, is refused; neither its main file nor its log changes."""
    path = tmp_path / "other.sqlite"
    proc = _python(f"""
        import os, sqlite3
        con = sqlite3.connect({str(path)!r})
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("CREATE TABLE t (x)")
        con.execute("INSERT INTO t VALUES (1)")
        con.commit()
        os._exit(0)
    """)
    assert proc.returncode == 0, proc.stderr
    wal = path.with_name("other.sqlite-wal")
    before = (path.read_bytes(), wal.read_bytes())
    for readonly in (False, True):
        with pytest.raises(InputError) as info:
            Store(path, readonly=readonly)
        assert "another application" in str(info.value)
    assert (path.read_bytes(), wal.read_bytes()) == before


def test_an_empty_file_becomes_a_store(store_path: Path) -> None:
    """An empty file (made by `touch`, or by a process killed at once) is a new store."""
    store_path.touch()
    with Store(store_path) as s:
        _put(s, _ok("a"))
    assert int.from_bytes(_header(store_path)[68:72], "big") == APPLICATION_ID
    with Store(store_path, readonly=True) as s:
        assert len(s) == 1


def test_a_process_killed_while_making_the_store_leaves_no_store_and_no_litter(
        store_path: Path) -> None:
    """Killed after building the draft and before linking it into place: there is no
    store yet (never half a one); the next open makes it and removes the draft."""
    proc = _python(f"""
        import os
        from pathlib import Path
        Path.hardlink_to = lambda self, target: os._exit(0)
        from datacurve.curves import Store
        Store({str(store_path)!r})
    """)
    assert proc.returncode == 0, proc.stderr
    assert not store_path.exists()
    drafts = list(store_path.parent.glob(".store.sqlite.*.new*"))
    assert drafts
    with Store(store_path) as s:
        _put(s, _ok("a"))
    assert not list(store_path.parent.glob(".store.sqlite.*.new*"))


def test_processes_create_write_and_read_one_store_at_once(store_path: Path) -> None:
    """Three processes create the same new store at the same moment and write 40 trials
    each while this one reads it: every trial lands, no one is refused or locked out."""
    code = f"""
        import sys
        from datacurve.curves import Store, TrialResult
        s = Store({str(store_path)!r})
        for i in range(40):
            s.put(TrialResult(f"{{sys.argv[1]}}-{{i}}", "mlp", 32, i, "ok", 1, {{}},
                              {{"accuracy": 0.8}}, 0.1, 0.1),
                  dataset="fp", eval_split="ev", task="classification", n_eval=10)
        s.close()
    """
    procs = [subprocess.Popen([sys.executable, "-c", textwrap.dedent(code), str(w)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env={"PYTHONPATH": SRC, "PATH": "/usr/bin:/bin"})
             for w in range(3)]
    try:
        seen = []
        while any(p.poll() is None for p in procs):
            if store_path.exists():
                with Store(store_path, readonly=True) as s:
                    seen.append(len(s))
            time.sleep(0.02)
        for p in procs:
            assert p.wait() == 0, p.communicate()[1]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
    assert seen == sorted(seen)
    with Store(store_path, readonly=True) as s:
        assert len(s) == 120
    con = sqlite3.connect(store_path)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    con.close()


def test_a_readonly_store_must_hold_something(store_path: Path) -> None:
    """Reading an empty file as a store names it instead of failing on a missing
    table."""
    store_path.touch()
    with pytest.raises(InputError) as info:
        Store(store_path, readonly=True)
    assert "an empty file" in str(info.value)
    assert store_path.read_bytes() == b""
