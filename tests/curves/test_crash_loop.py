"""A run killed with SIGKILL at any moment leaves a store the next command opens: the
installed ``datacurve`` command is killed at 20 random moments (seeded) on a new store,
and after each kill the first thing that touches the store is ``datacurve curve`` again or
``datacurve results``. Nothing finished is lost or trained twice, the file stays intact,
and the final table equals an uninterrupted run's."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.conftest import scripted_dataset, scripted_spec

KILLS = 20
SEED = 15
SPEC = scripted_spec(sleep_per_sample=0.0002)
COLUMNS = ["key", "model", "n", "seed", "train_score", "val_score"]


def datacurve_command() -> list[str]:
    """The installed console script beside this interpreter (else ``python -m``)."""
    script = Path(sys.executable).with_name("datacurve")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "datacurve"]


def curve_command(data: Path, store: Path) -> list[str]:
    return [*datacurve_command(), "curve", str(data), "--model", SPEC, "--seeds", "3",
            "--eval-folds", "1", "--store", str(store), "--json"]


def snapshot(store: Path, into: Path) -> dict[str, tuple[float, int]] | None:
    """The finished trials (key -> finished_at, attempts) read from a *copy* of the
    store's files, after checking the copy's integrity; None when there is no store."""
    if not store.exists():
        return None
    into.mkdir()
    copy = into / store.name
    for suffix in ("", "-wal"):
        source = store.with_name(store.name + suffix)
        if source.exists():
            shutil.copyfile(source, copy.with_name(copy.name + suffix))
    con = sqlite3.connect(copy)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert con.execute("PRAGMA application_id").fetchone()[0] == 0x44435256
        rows = con.execute("SELECT key, finished_at, attempts FROM trials "
                           "WHERE status = 'ok'").fetchall()
    finally:
        con.close()
    return {k: (t, a) for k, t, a in rows}


def wait_for_trials(store: Path, count: int, proc: subprocess.Popen,
                    timeout: float = 120.0) -> None:
    """Return once the store holds `count` finished trials (read through a read-only
    connection, never a writing one) or the run has ended."""
    deadline = time.monotonic() + timeout
    while proc.poll() is None and time.monotonic() < deadline:
        if store.exists():
            try:
                con = sqlite3.connect(store.resolve().as_uri() + "?mode=ro", uri=True,
                                      timeout=5)
                try:
                    done = con.execute("SELECT COUNT(*) FROM trials WHERE status = 'ok'"
                                       ).fetchone()[0]
                finally:
                    con.close()
                if done >= count:
                    return
            except sqlite3.Error:
                pass  # the store is being created: look again
        time.sleep(0.02)


def table(payload: dict) -> pd.DataFrame:
    return (pd.DataFrame(payload["results"])[COLUMNS].sort_values("key")
            .reset_index(drop=True))


@pytest.mark.slow
def test_sigkill_at_random_moments_loses_nothing(tmp_path: Path) -> None:
    """20 kills, each followed first by a rerun or by ``datacurve results``: every
    finished trial survives every kill unchanged, none is trained twice, and the end
    result equals an uninterrupted run's."""
    ds = scripted_dataset(1500)
    data = tmp_path / "d.npz"
    np.savez(data, X=ds.X, y=ds.y)
    store = tmp_path / "loop.sqlite"
    # The uninterrupted run first: its wall time less its run time is the command's
    # start-up (imports, loading, planning) on this machine, which sets the kill moments.
    t0 = time.perf_counter()
    clean_run = subprocess.run(curve_command(data, tmp_path / "clean.sqlite"),
                               capture_output=True, text=True, timeout=300)
    wall = time.perf_counter() - t0
    assert clean_run.returncode == 0, clean_run.stderr
    clean_payload = json.loads(clean_run.stdout)
    running = float(clean_payload["seconds"])
    startup = max(wall - running, 0.2)
    # Every fourth kill lands at a random moment of the start-up (store creation,
    # imports, planning); the others once the run has committed 1-3 new trials, plus a
    # random fraction of a trial's time (watched through a read-only connection), so
    # they land amid trials however loaded the machine is, and the 20 runs together get
    # through the curve.
    per_trial = running / (3 * 14)
    rng = np.random.default_rng(SEED)
    finished: dict[str, tuple[float, int]] = {}
    midway = 0
    for i in range(KILLS):
        out = tmp_path / f"run{i}.json"
        with out.open("w") as fh:
            proc = subprocess.Popen(curve_command(data, store), stdout=fh,
                                    stderr=subprocess.DEVNULL, start_new_session=True)
            if i % 4 == 0:
                time.sleep(rng.uniform(0.0, startup))
            else:
                wait_for_trials(store, len(finished) + int(rng.integers(1, 4)), proc)
                time.sleep(rng.uniform(0.0, 2 * per_trial))
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        if proc.returncode == 0:  # it finished before the kill: all reused
            payload = json.loads(out.read_text())
            assert payload["cached"] == len(finished)
            assert payload["ran"] == payload["plan"]["trials"] - len(finished)
        now = snapshot(store, tmp_path / f"copy{i}")
        if now is None:
            assert not finished
            continue
        for key, stamp in finished.items():
            assert now.get(key) == stamp, f"kill {i}: a finished trial was lost or redone"
        assert all(attempts == 1 for _, attempts in now.values())
        total = 3 * 14  # seeds x sizes (1,200-row pool)
        if proc.returncode != 0 and len(finished) < len(now) < total:
            midway += 1  # killed between (or during) trials, some done and some not
        finished = now
        if i % 4 == 3:  # the first to touch the killed store is `datacurve results`
            shown = subprocess.run(
                [*datacurve_command(), "results", "--store", str(store), "--all",
                 "--json"], capture_output=True, text=True, timeout=60)
            assert shown.returncode == 0, shown.stderr
            keys = {r["key"] for r in json.loads(shown.stdout)["results"]}
            assert keys == set(finished)

    final = subprocess.run(curve_command(data, store), capture_output=True, text=True,
                           timeout=120)
    assert final.returncode == 0, final.stderr
    payload = json.loads(final.stdout)
    assert payload["cached"] == len(finished)
    assert payload["ran"] == payload["plan"]["trials"] - len(finished)
    assert payload["failed"] == 0
    assert payload["plan"]["trials"] == 3 * 14
    assert midway >= 2, "the kills should land while trials run"
    con = sqlite3.connect(store.resolve().as_uri() + "?mode=ro", uri=True)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        rows = dict(con.execute("SELECT key, finished_at FROM trials").fetchall())
        assert max(a for (a,) in con.execute("SELECT attempts FROM trials")) == 1
    finally:
        con.close()
    assert len(rows) == payload["plan"]["trials"]
    for key, (stamp, _) in finished.items():
        assert rows[key] == stamp
    print(f"{KILLS} kills ({midway} amid trials): "
          f"{len(finished)} trials finished "
          f"before the last kill, {payload['ran']} after; none lost or redone")
    assert not list(tmp_path.glob(".loop.sqlite.*"))  # no draft of a new store left

    pd.testing.assert_frame_equal(table(payload), table(clean_payload))
