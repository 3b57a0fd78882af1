"""The Ray executor: a local Ray head started (and stopped) by the test's own set-up on
127.0.0.1; a curve through it equals the local run; a worker killed mid-trial is retried
and nothing is lost or duplicated; a failing trial is recorded, not retried."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from datacurve.curves import RayExecutor, run_curve
from tests.conftest import scripted_dataset, scripted_spec

ray = pytest.importorskip("ray")


@pytest.fixture(scope="module")
def head() -> Iterator[None]:
    """A local Ray head on 127.0.0.1 with 2 CPUs, for this module only."""
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False,
             _node_ip_address="127.0.0.1", configure_logging=False)
    # Workers import this module's functions by value, not from the tests package.
    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])
    try:
        yield
    finally:
        ray.shutdown()


def test_an_address_nobody_answers_at_is_refused_at_once(tmp_path: Path) -> None:
    from datacurve import InputError

    assert not ray.is_initialized()
    t0 = time.monotonic()
    with pytest.raises(InputError, match=r"address.*Connection refused"):
        run_curve(scripted_dataset(100), [scripted_spec(asymptote=0.9, scale=1.0,
                                                        exponent=0.5, params=10)],
                  executor="ray", address="127.0.0.1:1", store=tmp_path / "s.sqlite",
                  progress=False)
    assert time.monotonic() - t0 < 30 and not (tmp_path / "s.sqlite").exists()
    with pytest.raises(InputError, match="address"):
        run_curve(scripted_dataset(100), ["sklearn:LogisticRegression()"],
                  address="auto", store=tmp_path / "s.sqlite", progress=False)


@dataclass(frozen=True)
class Item:
    i: int
    folder: str
    data: tuple[int, ...] | None = None


def slow_once(item: Item) -> tuple[int, int, int]:
    """Sleeps on its first attempt at item 0 (long enough to be killed), after writing
    its pid; every other call returns at once. Returns (i, sum of data, pid)."""
    marker = Path(item.folder) / f"started-{item.i}"
    if item.i == 0 and not marker.exists():
        marker.write_text(str(os.getpid()))
        time.sleep(60)
    assert item.data is not None
    return item.i, sum(item.data), os.getpid()


def test_a_killed_worker_is_retried_and_nothing_is_lost_or_doubled(
        head: None, tmp_path: Path) -> None:
    shared = tuple(range(1000))
    items = [Item(i, str(tmp_path), shared) for i in range(6)]
    ex = RayExecutor(max_retries=2)
    assert ex.n_workers == 2

    def kill_when_started() -> None:
        marker = tmp_path / "started-0"
        for _ in range(600):
            if marker.exists() and marker.read_text():
                os.kill(int(marker.read_text()), signal.SIGKILL)
                return
            time.sleep(0.1)

    killer = threading.Thread(target=kill_when_started)
    killer.start()
    got = list(ex.map_unordered(slow_once, items,
                                on_lost=lambda item, why: (item.i, -1, -1)))
    killer.join()
    assert sorted(g[0] for g in got) == list(range(6))  # every item once
    assert all(g[1] == sum(shared) for g in got)  # none lost (-1), data arrived
    first = int((tmp_path / "started-0").read_text())
    assert next(g[2] for g in got if g[0] == 0) != first  # item 0 ran again elsewhere


def test_a_curve_through_ray_equals_the_local_one(head: None, tmp_path: Path) -> None:
    data = scripted_dataset(400)
    models = [scripted_spec(asymptote=0.9, scale=1.0, exponent=0.5, params=100),
              scripted_spec(asymptote=0.8, scale=1.0, exponent=0.4, params=50,
                            fail_above=100)]
    kw = {"sizes": [32, 64, 128, 256], "seeds": 2, "progress": False, "eval_folds": 1}
    remote = run_curve(data, models, executor="ray", store=tmp_path / "r.sqlite", **kw)
    local = run_curve(data, models, store=tmp_path / "l.sqlite", **kw)
    cols = ["model", "n", "seed", "status", "val_score"]
    assert remote.results[cols].equals(local.results[cols])
    assert remote.failed == local.failed > 0  # failing trials recorded, not retried
    again = run_curve(data, models, executor="ray", store=tmp_path / "r.sqlite", **kw)
    local_again = run_curve(data, models, store=tmp_path / "l.sqlite", **kw)
    assert (again.ran, again.cached) == (local_again.ran, local_again.cached)
    assert again.cached >= 12  # a rerun resumes: nothing finished is trained again


def test_audit_folds_on_ray_equal_the_local_audit(head: None) -> None:
    """The audit's out-of-fold probabilities with each fold a Ray task (the features put
    in the object store once) equal the local ones; the same label issues are found."""
    import numpy as np
    from sklearn.datasets import load_digits

    from datacurve.auditing import audit
    from datacurve.auditing._context import context_from

    X, y = load_digits(return_X_y=True)
    y = y[:500].copy()
    y[:25] = (y[:25] + 1) % 10  # planted label errors
    ex = RayExecutor()
    remote = context_from(X[:500], y, executor=ex)
    local = context_from(X[:500], y)
    np.testing.assert_allclose(remote.pred_probs(), local.pred_probs(), atol=1e-10)
    on_ray = audit(X[:500], y, checks=["label"], executor="ray")
    here = audit(X[:500], y, checks=["label"])
    assert np.array_equal(on_ray.flagged("label"), here.flagged("label"))
    assert np.isin(np.arange(25), on_ray.flagged("label")).mean() >= 0.6
    assert ray.is_initialized()  # the audit used the running instance and left it


def test_budgeted_curve_on_ray_stays_within_budget(head: None, tmp_path: Path) -> None:
    """A budgeted run hands each round's picks to Ray (two at a time: the cluster's
    CPUs) and stops within its budget of training seconds."""
    run = run_curve(scripted_dataset(6000), {"a": scripted_spec(sleep_per_sample=1e-4)},
                    seeds=2, eval_folds=1, executor="ray", budget_seconds=0.6,
                    store=tmp_path / "s.sqlite", progress=False)
    assert run.budget is not None and run.failed == 0
    assert run.budget.spent_seconds <= 0.6 * 1.2
    assert 3 < len(run.to_frame()) < len(run.design.trials)
