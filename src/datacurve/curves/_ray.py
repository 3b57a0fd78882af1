"""Trials on a Ray cluster: the runner's executor interface (`map_unordered`) on Ray tasks.

Each item is one Ray task with the CPUs and GPUs it declares; the data every trial shares
(an item's ``data``, e.g. `TrialData`) is put in Ray's object store once per run and
reaches the workers by reference (NumPy arrays zero-copy), not once per task. A task whose
worker dies (killed, out of memory, a node lost) is retried by Ray (``max_retries``) and,
when that fails too, reported through ``on_lost`` like a dead local worker. Results are
yielded the moment each task finishes, so the runner writes them to the store (which stays
on the driver) as they come; an interrupted driver cancels what is left, and a rerun
resumes from the store.

Ray is an optional dependency (``pip install 'datacurve[ray]'``), imported only here.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from datacurve._errors import InputError

__all__ = ["RayExecutor"]

T = TypeVar("T")
R = TypeVar("R")


def _import_ray() -> Any:
    try:
        import ray
    except ImportError:
        raise InputError("executor", "Ray installed for executor='ray' (pip install "
                         "'datacurve[ray]')", "no module named 'ray'") from None
    return ray


def _call(fn: Callable[[Any], Any], item: Any, data: Any) -> Any:
    """Run `fn` on `item`, with its shared ``data`` put back (Ray resolved the reference)."""
    if data is not None:
        item = dataclasses.replace(item, data=data)
    return fn(item)


class RayExecutor:
    """Run items as Ray tasks, on a local Ray instance or an existing cluster.

    Parameters
    ----------
    address : str, optional
        None: start a local Ray instance on 127.0.0.1 with `num_cpus` CPUs (stopped by
        `shutdown`); ``"auto"`` or ``"HOST:PORT"``: connect to a running cluster (left
        running). A process that already called ``ray.init`` is used as it is.
    num_cpus : int, optional
        CPUs of the local instance (default: every core).
    cpus_per_trial, gpus_per_trial : float
        Resources each task declares (Ray schedules by them).
    max_retries : int
        Ray's retries of a task whose worker died (not of a trial that raised: a failing
        trial is recorded as failed by the runner, as locally).

    Attributes
    ----------
    n_workers : int
        Trials that can run at once (the cluster's CPUs over `cpus_per_trial`).
    """

    def __init__(self, address: str | None = None, *, num_cpus: int | None = None,
                 cpus_per_trial: float = 1.0, gpus_per_trial: float = 0.0,
                 max_retries: int = 2) -> None:
        if not cpus_per_trial > 0:
            raise InputError("cpus_per_trial", "a positive number of CPUs per trial",
                             repr(cpus_per_trial))
        if not gpus_per_trial >= 0:
            raise InputError("gpus_per_trial", "a non-negative number of GPUs per trial",
                             repr(gpus_per_trial))
        if max_retries < 0:
            raise InputError("max_retries", "a non-negative number of retries",
                             repr(max_retries))
        ray = _import_ray()
        self._started = False
        if not ray.is_initialized() and address is not None:
            _check_reachable(address)
        if not ray.is_initialized():
            kwargs: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False,
                                      "configure_logging": False}
            if address is None:
                kwargs.update(num_cpus=num_cpus, _node_ip_address="127.0.0.1")
            try:
                ray.init(address=address, **kwargs)
            except (ConnectionError, ValueError, RuntimeError) as exc:
                raise InputError("address", "the address of a running Ray cluster "
                                 "('auto', 'HOST:PORT') or nothing for a local one",
                                 f"{address!r} ({' '.join(str(exc).split())[:160]})"
                                 ) from None
            self._started = address is None
        self.address = address
        self.cpus_per_trial = float(cpus_per_trial)
        self.gpus_per_trial = float(gpus_per_trial)
        self.max_retries = int(max_retries)
        cpus = float(ray.cluster_resources().get("CPU", 1.0))
        self.n_workers = max(1, int(cpus // self.cpus_per_trial))
        self._remote = ray.remote(_call).options(
            num_cpus=self.cpus_per_trial, num_gpus=self.gpus_per_trial,
            max_retries=self.max_retries, retry_exceptions=False)

    def map_unordered(self, fn: Callable[[T], R], items: Sequence[T], *,
                      on_lost: Callable[[T, str], R] | None = None) -> Iterator[R]:
        """Yield ``fn(item)`` for every item, in the order the tasks finish.

        Parameters
        ----------
        fn : callable
            Picklable function of one item.
        items : sequence
            Items; a dataclass item with a ``data`` field has that field sent once per
            distinct object (through the object store), not with every task.
        on_lost : callable, optional
            ``on_lost(item, message)`` for an item that produced no result (its worker
            died beyond the retries, or `fn` raised); its value is yielded instead.
            Without it the error is raised.

        Notes
        -----
        When the caller stops early (an exception, an interrupt, closing the generator),
        the tasks not finished are cancelled (their workers killed).
        """
        ray = _import_ray()
        if not items:
            return
        fn_ref = ray.put(fn)
        shared: dict[int, Any] = {}
        pending: dict[Any, T] = {}
        for item in items:
            data = getattr(item, "data", None) if dataclasses.is_dataclass(item) else None
            sent: Any = item
            ref = None
            if data is not None:
                if id(data) not in shared:
                    shared[id(data)] = ray.put(data)
                ref = shared[id(data)]
                sent = dataclasses.replace(item, data=None)  # type: ignore[type-var]
            pending[self._remote.remote(fn_ref, sent, ref)] = item
        finished = False
        try:
            while pending:
                done, _ = ray.wait(list(pending), num_returns=1)
                for ref in done:
                    item = pending.pop(ref)
                    try:
                        result = ray.get(ref)
                    except (ray.exceptions.RayError, Exception) as exc:
                        if on_lost is None:
                            raise
                        result = on_lost(item, _message(exc))
                    yield result
            finished = True
        finally:
            if not finished:
                for ref in pending:
                    ray.cancel(ref, force=True)

    def shutdown(self, *, kill: bool = False) -> None:
        """Stop the local Ray instance this executor started (a cluster it connected to
        is left running)."""
        if self._started:
            ray = _import_ray()
            ray.shutdown()
            self._started = False

    def __enter__(self) -> RayExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown(kill=exc[0] is not None)

    def __repr__(self) -> str:
        return (f"RayExecutor(address={self.address!r}, n_workers={self.n_workers}, "
                f"cpus_per_trial={self.cpus_per_trial:g}, "
                f"gpus_per_trial={self.gpus_per_trial:g})")


def _check_reachable(address: str) -> None:
    """Refuse, within seconds, an address no Ray cluster answers at (``ray.init`` would
    keep retrying for minutes)."""
    import os
    import socket
    from pathlib import Path

    expected = ("the address of a running Ray cluster ('auto' with one started on this "
                "machine or RAY_ADDRESS set, or HOST:PORT of its head)")
    if address == "auto":
        if os.environ.get("RAY_ADDRESS") or Path("/tmp/ray/ray_current_cluster").exists():
            return
        raise InputError("address", expected, "'auto' (no cluster started on this machine)")
    host, _, port = address.rpartition(":")
    host = host.removeprefix("ray://")
    if not host or not port.isdigit():
        raise InputError("address", expected, repr(address))
    try:
        with socket.create_connection((host, int(port)), timeout=5.0):
            pass
    except OSError as exc:
        raise InputError("address", expected,
                         f"{address!r} ({exc.strerror or type(exc).__name__})") from None


def _message(exc: BaseException) -> str:
    """One line: why a task gave no result."""
    name = type(exc).__name__
    cause = getattr(exc, "cause", None)
    if cause is not None:  # a RayTaskError wraps the trial's own exception
        return f"{type(cause).__name__}: {' '.join(str(cause).split())[:300]}"
    text = " ".join(str(exc).split())
    if "WorkerCrashed" in name or "died" in text.lower() or "ActorDied" in name:
        return f"worker lost: {name}: {text[:300]}"
    return f"{name}: {text[:300]}"
