"""Executors: where trials run.

One small interface, `Executor.map_unordered(fn, items)`, yields results as they
finish. `SerialExecutor` runs in this process; `ProcessExecutor` hands trials to local
worker processes through joblib's loky backend. A cluster executor (Ray) only has to
implement the same method.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from typing import Protocol, TypeVar, runtime_checkable

from datacurve._errors import InputError

__all__ = ["Executor", "ProcessExecutor", "SerialExecutor", "make_executor"]

T = TypeVar("T")
R = TypeVar("R")


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

    def map_unordered(self, fn: Callable[[T], R], items: Sequence[T]) -> Iterator[R]:
        """Yield ``fn(item)`` for every item, in order."""
        for item in items:
            yield fn(item)

    def __repr__(self) -> str:
        return "SerialExecutor()"


class ProcessExecutor:
    """Run items in `n_jobs` local worker processes (joblib, loky backend).

    Workers are reused across calls; large NumPy arrays inside items are memory-mapped
    by joblib instead of being copied to every worker.

    Parameters
    ----------
    n_jobs : int
        Worker processes, >= 1.
    """

    def __init__(self, n_jobs: int) -> None:
        if n_jobs < 1:
            raise InputError("jobs", "a positive number of worker processes", repr(n_jobs))
        self.n_workers = int(n_jobs)

    def map_unordered(self, fn: Callable[[T], R], items: Sequence[T]) -> Iterator[R]:
        """Yield ``fn(item)`` for every item, in the order they finish."""
        from joblib import Parallel, delayed

        if not items:
            return
        parallel = Parallel(n_jobs=self.n_workers, backend="loky",
                            return_as="generator_unordered", pre_dispatch="2*n_jobs")
        yield from parallel(delayed(fn)(item) for item in items)

    def __repr__(self) -> str:
        return f"ProcessExecutor(n_jobs={self.n_workers})"


def make_executor(jobs: int) -> Executor:
    """`SerialExecutor` for ``jobs == 1``, else `ProcessExecutor`; ``-1`` means all cores."""
    if jobs == -1:
        jobs = os.cpu_count() or 1
    if jobs == 1:
        return SerialExecutor()
    return ProcessExecutor(jobs)
