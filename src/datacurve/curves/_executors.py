"""Executors: where trials run.

One small interface, `Executor.map_unordered(fn, items)`, yields results as they
finish. `SerialExecutor` runs in this process; `ProcessExecutor` hands trials to local
worker processes (loky, the process pool joblib uses). A cluster executor (Ray) only has
to implement the same method.

An executor may also accept ``on_lost=``: a function ``(item, message) -> result``
called for an item that produced no result because its worker process died while
running it (killed, out of memory, a crash in native code) or because it could not be
sent to or received from the worker. The runner records such an item as a failed trial
and goes on with the others.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import tempfile
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, wait
from pathlib import Path
from typing import Any, Protocol, TypeVar, runtime_checkable

import numpy as np

from datacurve._errors import InputError

__all__ = ["Executor", "ProcessExecutor", "SerialExecutor", "WorkerDiedError",
           "make_executor"]

T = TypeVar("T")
R = TypeVar("R")

SHARED_MIN_BYTES = 1 << 20
"""Arrays at least this large reach the workers as read-only memory maps of one file
written once per run, instead of a copy per trial (joblib's rule)."""

PARENT_CHECK_SECONDS = 0.5
"""How often a worker checks that the process that started it is still alive."""

THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                    "BLIS_NUM_THREADS", "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS",
                    "NUMBA_NUM_THREADS")
"""Thread-pool sizes set in the workers (as joblib does), so that workers do not
oversubscribe the cores; a value the user set is kept."""


class WorkerDiedError(RuntimeError):
    """A worker process died while running an item (raised by `ProcessExecutor` when
    no ``on_lost`` handler was given)."""


@runtime_checkable
class Executor(Protocol):
    """Runs a function over items and yields results in completion order."""

    n_workers: int

    def map_unordered(self, fn: Callable[[T], R], items: Sequence[T]) -> Iterator[R]:
        """Yield ``fn(item)`` for every item, in the order they finish."""
        ...


class SerialExecutor:
    """Run every item in this process, one after another."""

    n_workers = 1

    def map_unordered(self, fn: Callable[[T], R], items: Sequence[T], *,
                      on_lost: Callable[[T, str], R] | None = None) -> Iterator[R]:
        """Yield ``fn(item)`` for every item, in order (`on_lost` is never called:
        nothing runs in another process)."""
        for item in items:
            yield fn(item)

    def shutdown(self, *, kill: bool = False) -> None:
        """Nothing to stop."""

    def __repr__(self) -> str:
        return "SerialExecutor()"


class ProcessExecutor:
    """Run items in `n_jobs` local worker processes.

    Each worker is a one-process loky pool of its own and runs one item at a time, so
    a worker that dies (killed, out of memory, a crash in native code) loses only the
    item it was running: that item is reported through ``on_lost`` (or raises
    `WorkerDiedError`), a fresh worker takes its place and the other workers carry on.
    Large NumPy arrays inside items are written once to a temporary folder and
    memory-mapped by the workers instead of being copied with every item.

    Workers are reused across calls until `shutdown`; they ignore SIGINT and SIGTERM
    (the coordinating process decides when they stop) and exit on their own within
    about half a second when that process dies, even by SIGKILL.

    Parameters
    ----------
    n_jobs : int
        Worker processes, >= 1.
    """

    def __init__(self, n_jobs: int) -> None:
        if n_jobs < 1:
            raise InputError("jobs", "a positive number of worker processes", repr(n_jobs))
        self.n_workers = int(n_jobs)
        self._pools: list[Any] = [None] * self.n_workers
        self._shared = _SharedArrays()
        # Stop the workers when the executor is forgotten without `shutdown`.
        self._finalizer = weakref.finalize(self, _stop_pools, self._pools, self._shared,
                                           True)

    def _pool(self, slot: int) -> Any:
        """The one-worker pool of `slot`, started on first use."""
        pool = self._pools[slot]
        if pool is None:
            from joblib.externals.loky import ProcessPoolExecutor

            pool = ProcessPoolExecutor(
                max_workers=1,
                job_reducers={np.ndarray: self._shared.reduce,
                              np.memmap: self._shared.reduce},
                result_reducers={},
                initializer=_init_worker, initargs=(os.getpid(),),
                env=_thread_env(self.n_workers))
            self._pools[slot] = pool
        return pool

    def _replace(self, slot: int) -> None:
        """Discard `slot`'s pool (its worker died); the next item starts a new one."""
        pool, self._pools[slot] = self._pools[slot], None
        if pool is not None:
            _stop_pool(pool, kill=True)

    def _submit(self, slot: int, fn: Callable[[T], R], item: T) -> Future[R]:
        from joblib.externals.loky import BrokenProcessPool

        try:
            return self._pool(slot).submit(fn, item)
        except (BrokenProcessPool, RuntimeError):
            # The worker died while idle (or the pool was shut down): a fresh one.
            self._replace(slot)
            return self._pool(slot).submit(fn, item)

    def map_unordered(self, fn: Callable[[T], R], items: Sequence[T], *,
                      on_lost: Callable[[T, str], R] | None = None) -> Iterator[R]:
        """Yield ``fn(item)`` for every item, in the order they finish.

        Parameters
        ----------
        fn : callable
            Picklable function of one item.
        items : sequence
        on_lost : callable, optional
            ``on_lost(item, message)`` for an item that produced no result (its worker
            died, it could not be sent or received, or `fn` raised); its return value
            is yielded in place of ``fn(item)``. Without it a dead worker raises
            `WorkerDiedError` and any other error is raised as it is.

        Notes
        -----
        When the caller stops early (an exception, an interrupt, closing the
        generator), the workers are killed at once: nothing keeps running unseen.
        """
        if not items:
            return
        queue = deque(items)
        running: dict[Future[R], tuple[int, T]] = {}
        finished = False

        def feed(slot: int) -> None:
            if queue:
                item = queue.popleft()
                running[self._submit(slot, fn, item)] = (slot, item)

        try:
            for slot in range(self.n_workers):
                feed(slot)
            while running:
                done, _ = wait(list(running), return_when=FIRST_COMPLETED)
                for future in done:
                    slot, item = running.pop(future)
                    # The item's own outcome: an exception here came from the worker or
                    # the transport, never from an interrupt of this process.
                    error = future.exception()
                    if error is None:
                        result = future.result()
                    else:
                        broken = _is_broken(error)
                        if broken:
                            self._replace(slot)
                        if on_lost is not None:
                            result = on_lost(item, _lost_message(error))
                        elif broken:
                            raise WorkerDiedError(_lost_message(error)) from error
                        else:
                            raise error
                    feed(slot)  # keep the worker busy while the caller records
                    yield result
            finished = True
        finally:
            if not finished:
                self.shutdown(kill=True)

    def shutdown(self, *, kill: bool = False) -> None:
        """Stop the workers (reused until then) and remove the shared arrays.

        Parameters
        ----------
        kill : bool
            Kill them at once (SIGKILL) rather than let them finish their item.
        """
        _stop_pools(self._pools, self._shared, kill)

    def __enter__(self) -> ProcessExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown(kill=exc[0] is not None)

    def __repr__(self) -> str:
        return f"ProcessExecutor(n_jobs={self.n_workers})"


def make_executor(jobs: int) -> Executor:
    """`SerialExecutor` for ``jobs == 1``, else `ProcessExecutor`; ``-1`` means all cores."""
    if jobs == -1:
        jobs = os.cpu_count() or 1
    if jobs == 1:
        return SerialExecutor()
    return ProcessExecutor(jobs)


def _is_broken(exc: BaseException) -> bool:
    from joblib.externals.loky import BrokenProcessPool

    return isinstance(exc, BrokenProcessPool)


def _lost_message(exc: BaseException) -> str:
    """One line on why an item produced no result."""
    text = str(exc)
    if type(exc).__name__ == "TerminatedWorkerError":
        codes = re.search(r"exit codes of the workers are \{(.+?)\}", text)
        how = f" (exit {codes.group(1)})" if codes else ""
        return (f"worker process died while running this trial{how}: killed, out of "
                "memory, or a crash in native code")
    first = text.strip().splitlines()[0] if text.strip() else ""
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__


def _thread_env(n_workers: int) -> dict[str, str]:
    threads = str(max((os.cpu_count() or 1) // n_workers, 1))
    return {name: threads for name in THREAD_VARIABLES if name not in os.environ}


def _stop_pool(pool: Any, *, kill: bool) -> None:
    with contextlib.suppress(Exception):
        pool.shutdown(wait=True, kill_workers=kill)


def _stop_pools(pools: list[Any], shared: _SharedArrays, kill: bool) -> None:
    for slot, pool in enumerate(pools):
        pools[slot] = None
        if pool is not None:
            _stop_pool(pool, kill=kill)
    shared.clear()


# -- inside the workers ---------------------------------------------------------------

def _init_worker(parent: int) -> None:
    """Run in each worker as it starts: leave interrupts to the coordinating process
    (Ctrl-C reaches the whole process group) and exit when that process is gone."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if os.getppid() != parent:
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent,), name="datacurve-parent",
                     daemon=True).start()


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(1)  # orphaned: the run that started this worker has ended


_OPENED: dict[str, np.ndarray] = {}


def _open_shared(path: str) -> np.ndarray:
    """A shared array in a worker: memory-mapped read-only, once per process."""
    array = _OPENED.get(path)
    if array is None:
        array = _OPENED[path] = np.load(path, mmap_mode="r")
    return array


class _SharedArrays:
    """Large arrays sent to the workers as file names: each is written once to a
    temporary folder and memory-mapped read-only there (what joblib does)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._folder: Path | None = None
        self._files: dict[int, tuple[np.ndarray, str]] = {}

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickled with the pool's queues into each worker, which never sends large
        # arrays back: it gets an empty registry.
        return (_SharedArrays, ())

    def reduce(self, array: np.ndarray) -> tuple[Any, ...]:
        """Pickle `array` by file name when large, else by value."""
        if array.nbytes < SHARED_MIN_BYTES or array.dtype.hasobject:
            return array.__reduce__()  # type: ignore[return-value]
        with self._lock:
            entry = self._files.get(id(array))
            if entry is None or entry[0] is not array:
                if self._folder is None:
                    _remove_stale_folders()
                    self._folder = Path(tempfile.mkdtemp(
                        prefix=f"datacurve-{os.getpid()}-"))
                path = str(self._folder / f"{len(self._files)}.npy")
                np.save(path, array, allow_pickle=False)
                # Holding the array keeps its id from being reused by another one.
                entry = self._files[id(array)] = (array, path)
        return (_open_shared, (entry[1],))

    def clear(self) -> None:
        """Remove the folder (the workers that mapped it are gone or going)."""
        with self._lock:
            folder, self._folder = self._folder, None
            self._files.clear()
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)


def _remove_stale_folders() -> None:
    """Remove shared-array folders of coordinating processes that were killed."""
    for folder in Path(tempfile.gettempdir()).glob("datacurve-*-*"):
        pid = folder.name.split("-")[1]
        if not (folder.is_dir() and pid.isdigit()) or int(pid) == os.getpid():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            pass
