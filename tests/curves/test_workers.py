"""Worker processes: a dead worker loses only the trial it was running, the others go
on; no worker outlives the run or the process that started it; large arrays reach the
workers memory-mapped."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import psutil
import pytest

from datacurve.curves import ProcessExecutor, run_curve
from datacurve.curves._executors import WorkerDiedError
from tests.conftest import scripted_dataset, scripted_spec


def _die_on_odd(i: int) -> tuple[int, int]:
    time.sleep(0.05)
    if i % 2:
        os.kill(os.getpid(), signal.SIGKILL)
    return i, os.getpid()


def _pid(i: int) -> int:
    time.sleep(0.02)
    return os.getpid()


def _describe(item: tuple[np.ndarray, int]) -> tuple[str, bool, float]:
    array, row = item
    return type(array).__name__, bool(array.flags.writeable), float(array[row].sum())


def _workers(of: psutil.Process | None = None) -> list[int]:
    """Pids of the loky worker processes below `of` (default: this process), not
    counting the resource trackers that live as long as their parent."""
    of = of or psutil.Process()
    return [c.pid for c in of.children(recursive=True)
            if "popen_loky" in " ".join(c.cmdline())]


def _gone(pids: list[int], timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not [p for p in pids if psutil.pid_exists(p)
                and psutil.Process(p).status() != psutil.STATUS_ZOMBIE]:
            return True
        time.sleep(0.05)
    return False


def test_a_dead_worker_loses_only_its_own_item() -> None:
    """Items whose worker dies come back through on_lost, one each; every other item
    returns its result, and the executor keeps going with fresh workers."""
    with ProcessExecutor(2) as ex:
        out = list(ex.map_unordered(_die_on_odd, list(range(6)),
                                    on_lost=lambda i, why: (i, why)))
    results = dict(out)
    assert sorted(results) == list(range(6))
    for i, value in results.items():
        if i % 2:
            assert isinstance(value, str) and "worker process died" in value, results
        else:
            assert isinstance(value, int), results


def test_without_on_lost_a_dead_worker_raises() -> None:
    with ProcessExecutor(1) as ex, pytest.raises(WorkerDiedError, match="died"):
        list(ex.map_unordered(_die_on_odd, [1]))


def _raise(i: int) -> int:
    raise ValueError(f"bad item {i}")


def test_an_error_of_the_function_is_raised_as_it_is() -> None:
    """Without on_lost, an exception `fn` raises in a worker reaches the caller."""
    with ProcessExecutor(1) as ex, pytest.raises(ValueError, match="bad item 3"):
        list(ex.map_unordered(_raise, [3]))


def test_stopping_early_kills_the_workers() -> None:
    """A caller that stops reading (an exception, an interrupt) leaves no worker."""
    ex = ProcessExecutor(2)
    results = ex.map_unordered(_pid, list(range(50)))
    first = next(results)
    workers = _workers()
    assert first in workers
    results.close()
    assert _gone(workers)


def test_large_arrays_reach_the_workers_memory_mapped() -> None:
    """An array of 1 MiB or more is written once and mapped read-only by the workers;
    small ones travel by value."""
    big = np.arange(400_000, dtype=np.float64).reshape(-1, 4)
    with ProcessExecutor(2) as ex:
        out = set(ex.map_unordered(_describe, [(big, i) for i in range(4)]))
        small = list(ex.map_unordered(_describe, [(np.arange(10.0), 3)]))
    assert out == {("memmap", False, float(big[i].sum())) for i in range(4)}
    assert small == [("ndarray", True, 3.0)]


def test_workers_exit_when_their_parent_is_killed(tmp_path: Path) -> None:
    """SIGKILL on the process that started the workers: they notice and exit within
    about a second instead of lingering idle."""
    code = f"""
        import sys, time
        sys.path.insert(0, {str(Path(__file__).parents[2])!r})
        from datacurve.curves import ProcessExecutor
        from tests.curves.test_workers import _pid
        ex = ProcessExecutor(2)
        print(" ".join(map(str, sorted(set(ex.map_unordered(_pid, list(range(8))))))),
              flush=True)
        time.sleep(60)
    """
    proc = subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)],
                            stdout=subprocess.PIPE, text=True)
    workers: list[int] = []
    try:
        assert proc.stdout is not None
        workers = [int(p) for p in proc.stdout.readline().split()]
        assert len(workers) == 2 and all(psutil.pid_exists(p) for p in workers)
        proc.kill()
        proc.wait()
        assert _gone(workers, timeout=5.0)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for pid in workers:
            if psutil.pid_exists(pid):
                psutil.Process(pid).kill()


def test_a_crashing_trial_fails_alone_and_the_run_leaves_no_worker(
        store_path: Path) -> None:
    """With two workers, exactly the trials whose learner kills its own process fail
    (with why); every other trial finishes; no worker is left after the run."""
    ds = scripted_dataset(400)
    before = set(_workers())
    run = run_curve(ds, [scripted_spec(crash_above=150)], seeds=1, store=store_path,
                    jobs=2, eval_folds=1, progress=False)
    df = run.results
    assert ((df["status"] == "failed") == (df["n"] > 150)).all()
    assert run.failed == int((df["n"] > 150).sum()) > 0
    assert run.ran == int((df["n"] <= 150).sum())
    assert df.loc[df["status"] == "failed", "error"].str.contains("worker process died").all()
    assert _gone([p for p in _workers() if p not in before])
