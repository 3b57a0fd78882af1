"""Resuming: a run killed with SIGKILL midway continues without redoing finished trials
and ends with the results of an uninterrupted run."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from tests.conftest import scripted_dataset, scripted_spec

COLUMNS = ["model", "params", "n", "seed", "train_score", "val_score", "key"]


def _cli(data: Path, store: Path, jobs: int) -> list[str]:
    spec = scripted_spec(sleep_per_sample=0.0008)
    return [sys.executable, "-m", "datacurve", "curve", str(data), "--model", spec,
            "--seeds", "2", "--eval-folds", "1", "--jobs", str(jobs), "--store", str(store),
            "--json"]


def _finished(store: Path) -> dict[str, tuple[float, int]]:
    if not store.exists():
        return {}
    con = sqlite3.connect(store.resolve().as_uri() + "?mode=ro", uri=True)  # never write
    try:
        rows = con.execute("SELECT key, finished_at, attempts FROM trials "
                           "WHERE status = 'ok'").fetchall()
    except sqlite3.OperationalError:
        rows = []
    con.close()
    return {k: (t, a) for k, t, a in rows}


def test_sigkill_midway_then_resume(tmp_path: Path) -> None:
    """Kill -9 a run after some trials, rerun: nothing finished is redone and the results
    equal an uninterrupted run's."""
    ds = scripted_dataset(1500)
    data = tmp_path / "d.npz"
    np.savez(data, X=ds.X, y=ds.y)
    store = tmp_path / "killed.sqlite"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2] / "src")}
    proc = subprocess.Popen(_cli(data, store, jobs=2), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env=env, start_new_session=True)
    deadline = time.monotonic() + 120
    while len(_finished(store)) < 8 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    assert proc.poll() is None, "the run finished before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)  # the coordinator and its workers, as a crash would
    proc.wait()
    before = _finished(store)
    assert len(before) >= 8

    resumed = subprocess.run(_cli(data, store, jobs=2), capture_output=True, text=True,
                             env=env, check=True)
    payload = json.loads(resumed.stdout)
    total = payload["plan"]["trials"]
    assert len(before) < total
    assert payload["cached"] == len(before)
    assert payload["ran"] == total - len(before)
    after = _finished(store)
    for key, stamp in before.items():
        assert after[key] == stamp, "a finished trial was recomputed"

    clean = subprocess.run(_cli(data, tmp_path / "clean.sqlite", jobs=1),
                           capture_output=True, text=True, env=env, check=True)
    a = pd.DataFrame(payload["results"])[COLUMNS].sort_values("key").reset_index(drop=True)
    b = (pd.DataFrame(json.loads(clean.stdout)["results"])[COLUMNS].sort_values("key")
         .reset_index(drop=True))
    pd.testing.assert_frame_equal(a, b)
