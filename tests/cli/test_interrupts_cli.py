"""Stopping `datacurve curve`: Ctrl-C (SIGINT) and SIGTERM keep the finished trials,
say in one line how to resume, exit 130 / 143 and leave no worker process; a dead
worker fails only its own trial and the exit code says trials failed (1, or 3 when
all did)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import psutil
import pytest

from datacurve.cli._app import main
from tests.conftest import scripted_dataset, scripted_spec

RESUME = "datacurve: interrupted; run the same command again to resume"


def datacurve_command() -> list[str]:
    """The installed console script beside this interpreter (else ``python -m``)."""
    script = Path(sys.executable).with_name("datacurve")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "datacurve"]


@pytest.fixture
def data(tmp_path: Path) -> Path:
    ds = scripted_dataset(1500)
    path = tmp_path / "d.npz"
    np.savez(path, X=ds.X, y=ds.y)
    return path


def curve(data: Path, store: Path, spec: str, *extra: str) -> list[str]:
    return [*datacurve_command(), "curve", str(data), "--model", spec, "--seeds", "2",
            "--sizes", "50,100,200,400,800", "--eval-folds", "1", "--store", str(store),
            "--quiet", *extra]


def finished(store: Path) -> int:
    """Finished trials, read on a read-only connection (0 before the store exists)."""
    if not store.exists():
        return 0
    con = sqlite3.connect(store.resolve().as_uri() + "?mode=ro", uri=True)
    try:
        return int(con.execute("SELECT COUNT(*) FROM trials WHERE status = 'ok'")
                   .fetchone()[0])
    except sqlite3.OperationalError:
        return 0
    finally:
        con.close()


def workers(proc: psutil.Process) -> list[psutil.Process]:
    """The worker processes below `proc` (not counting resource trackers)."""
    return [c for c in proc.children(recursive=True)
            if "popen_loky" in " ".join(c.cmdline())]


def wait_for(condition: Callable[[], bool], timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def kill_tree(procs: list[psutil.Process]) -> None:
    for p in procs:
        with contextlib.suppress(psutil.NoSuchProcess):
            p.kill()


@pytest.mark.parametrize(("how", "code"), [("SIGINT", 130), ("SIGTERM", 143)])
def test_interrupt_keeps_trials_says_how_to_resume_and_leaves_no_worker(
        data: Path, tmp_path: Path, how: str, code: int) -> None:
    """SIGINT to the whole process group (what Ctrl-C sends) or SIGTERM to the command
    alone, while two workers train: exit 130 / 143, one line on stderr, the finished
    trials kept and reused by the same command, no worker process left."""
    store = tmp_path / "s.sqlite"
    spec = scripted_spec(sleep_per_sample=0.001)
    proc = subprocess.Popen(curve(data, store, spec, "--jobs", "2"), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    below: list[psutil.Process] = []
    try:
        wait_for(lambda: finished(store) >= 4 or proc.poll() is not None)
        assert proc.poll() is None, proc.communicate()
        below = psutil.Process(proc.pid).children(recursive=True)
        assert len(workers(psutil.Process(proc.pid))) == 2
        if how == "SIGINT":
            os.killpg(proc.pid, signal.SIGINT)
        else:
            proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == code, err
        assert err.strip().splitlines() == [RESUME]
        _, alive = psutil.wait_procs(below, timeout=5)
        assert alive == [], f"left behind: {alive}"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
        kill_tree(below)

    kept = finished(store)
    assert kept >= 4
    resumed = subprocess.run([*curve(data, store, spec), "--json"], capture_output=True,
                             text=True, timeout=120)
    assert resumed.returncode == 0, resumed.stderr
    payload = json.loads(resumed.stdout)
    assert payload["cached"] == kept
    assert payload["ran"] == payload["plan"]["trials"] - kept


def test_a_killed_worker_fails_only_its_trial_and_the_exit_code_says_so(
        data: Path, tmp_path: Path) -> None:
    """SIGKILL on one of two workers: its trial alone fails, every other trial
    finishes, the command exits 1 naming the count, and the next run retries it."""
    store = tmp_path / "s.sqlite"
    spec = scripted_spec(sleep_per_sample=0.001)
    proc = subprocess.Popen([*curve(data, store, spec, "--jobs", "2"), "--json"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        wait_for(lambda: finished(store) >= 4 or proc.poll() is not None)
        assert proc.poll() is None, proc.communicate()
        victim = workers(psutil.Process(proc.pid))[0]
        victim.kill()
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
    assert proc.returncode == 1, err
    payload = json.loads(out)
    total = payload["plan"]["trials"]
    assert payload["failed"] == 1 and payload["ran"] == total - 1
    bad = [r for r in payload["results"] if r["status"] != "ok"]
    assert len(bad) == 1 and "worker process died" in bad[0]["error"]
    assert f"datacurve: 1 of {total} trials failed" in err

    again = subprocess.run([*curve(data, store, spec), "--json"], capture_output=True,
                           text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["ran"] == 1


def test_exit_code_3_when_every_trial_failed(data: Path, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    """Every trial failing is exit 3, some failing exit 1, with the count on stderr."""
    store = str(tmp_path / "s.sqlite")
    args = ["curve", str(data), "--seeds", "1", "--eval-folds", "1", "--sizes", "50,200",
            "--store", store, "--quiet"]
    assert main([*args, "--model", scripted_spec(fail_above=10)]) == 3
    assert "datacurve: 2 of 2 trials failed" in capsys.readouterr().err
    assert main([*args, "--model", scripted_spec(fail_above=100)]) == 1
    assert "datacurve: 1 of 2 trials failed" in capsys.readouterr().err
    assert main([*args, "--model", scripted_spec()]) == 0
