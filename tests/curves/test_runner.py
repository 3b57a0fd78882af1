"""The runner: planning, caching, failures and executors (with the scripted learner)."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from datacurve import InputError
from datacurve.curves import (
    ProcessExecutor,
    ProgressEvent,
    SerialExecutor,
    Store,
    plan_curve,
    run_curve,
)
from tests.conftest import scripted_dataset, scripted_spec


def test_plan_covers_models_seeds_and_anchors() -> None:
    """A plan holds one trial per model × seed × evaluation fold × anchor, small anchors
    first (600 rows: a small evaluation set, so 5 folds)."""
    ds = scripted_dataset(600)
    plan = plan_curve(ds, [scripted_spec(), scripted_spec(asymptote=0.8)], seeds=2)
    assert plan.eval_folds == 5
    assert len(plan.trials) == 2 * 2 * 5 * plan.anchors.size
    assert [t.n for t in plan.trials] == sorted(t.n for t in plan.trials)
    assert plan.anchors.tolist()[0] == 16


def test_trials_of_a_seed_are_nested_and_share_one_evaluation_set() -> None:
    """For one seed each subset contains the smaller ones; all trials evaluate on one set
    disjoint from training."""
    ds = scripted_dataset(500)
    plan = plan_curve(ds, [scripted_spec()], seeds=2, eval_folds=1)
    by_seed: dict[int, list[np.ndarray]] = {}
    for t in plan.trials:
        by_seed.setdefault(t.seed, []).append(t.train)
        assert t.data.evaluation is plan.trials[0].data.evaluation
        assert np.intersect1d(t.train, t.data.evaluation).size == 0
    for subsets in by_seed.values():
        for small, big in itertools.pairwise(subsets):
            assert set(small.tolist()) <= set(big.tolist())


def test_run_records_scores_that_follow_the_scripted_curve(store_path: Path) -> None:
    """Evaluation accuracy measured by the runner follows the learner's known curve."""
    ds = scripted_dataset(3000)
    spec = scripted_spec(asymptote=0.9, scale=0.8, exponent=0.5)
    run = run_curve(ds, [spec], seeds=2, store=store_path)
    df = run.results
    assert run.design.eval_folds == 5  # 600 evaluation rows: small
    assert len(df) == 2 * 5 * run.design.anchors.size and run.ran == len(df)
    expected = 0.9 - 0.8 * df["n"].astype(float) ** -0.5
    assert np.abs(df["val_score"] - expected).max() < 0.06
    assert (df["train_score"] == 1.0).all()
    assert (df["params"] == 1000).all()
    assert (df["fit_time"] >= 0).all()


def test_a_second_run_reuses_every_finished_trial(store_path: Path) -> None:
    """Rerunning the same curve trains nothing and returns the same results."""
    ds = scripted_dataset(400)
    first = run_curve(ds, [scripted_spec()], seeds=2, store=store_path)
    second = run_curve(ds, [scripted_spec()], seeds=2, store=store_path)
    assert second.ran == 0 and second.cached == first.ran
    pd.testing.assert_frame_equal(first.results, second.results)


def test_a_failing_trial_does_not_stop_the_others(store_path: Path) -> None:
    """Trials above the failure size fail with their error recorded; the rest succeed."""
    ds = scripted_dataset(600)
    run = run_curve(ds, [scripted_spec(fail_above=100)], seeds=1, store=store_path)
    df = run.results
    assert run.failed == (df["n"] > 100).sum() > 0
    assert (df.loc[df["n"] <= 100, "status"] == "ok").all()
    failed = df[df["status"] == "failed"]
    assert failed["error"].str.contains("scripted failure").all()
    assert failed["val_score"].isna().all()


def test_failed_trials_are_retried_on_the_next_run(store_path: Path) -> None:
    """A later run retries failed trials (and only those)."""
    ds = scripted_dataset(300)
    spec = scripted_spec(fail_above=100)
    first = run_curve(ds, [spec], seeds=1, store=store_path)
    again = run_curve(ds, [spec], seeds=1, store=store_path)
    assert again.ran + again.failed == first.failed
    skipped = run_curve(ds, [spec], seeds=1, store=store_path, retry_failed=False)
    assert skipped.ran + skipped.failed == 0


def test_process_executor_gives_the_serial_results(tmp_path: Path) -> None:
    """Two worker processes produce exactly the scores, in the same row order, a serial
    run does (two evaluation folds: rows that share model, size and seed)."""
    ds = scripted_dataset(400)
    spec = scripted_spec()
    serial = run_curve(ds, [spec], seeds=2, store=tmp_path / "a.sqlite",
                       executor=SerialExecutor(), eval_folds=2)
    parallel = run_curve(ds, [spec], seeds=2, store=tmp_path / "b.sqlite",
                         executor=ProcessExecutor(2), eval_folds=2)
    cols = ["model", "params", "n", "seed", "eval_fold", "train_score", "val_score", "key"]
    pd.testing.assert_frame_equal(serial.results[cols], parallel.results[cols])


def test_a_crashed_worker_loses_no_finished_trial(store_path: Path) -> None:
    """When a worker process dies, finished trials stay recorded and the rest are marked
    failed so the next run retries them."""
    ds = scripted_dataset(400)
    run = run_curve(ds, [scripted_spec(crash_above=150)], seeds=1, store=store_path,
                    executor=ProcessExecutor(2), eval_folds=1)
    df = run.results
    assert (df.loc[df["n"] <= 100, "status"] == "ok").all()
    assert (df.loc[df["n"] > 150, "status"] == "failed").all()
    assert len(df) == run.design.anchors.size


def test_progress_reports_every_trial(store_path: Path) -> None:
    """The progress callback sees start, one event per trial and done, with costs."""
    ds = scripted_dataset(300)
    events: list[ProgressEvent] = []
    run = run_curve(ds, [scripted_spec()], seeds=1, store=store_path, progress=events.append)
    kinds = [e.kind for e in events]
    assert kinds[0] == "start" and kinds[-1] == "done"
    assert kinds.count("trial") == run.ran
    assert events[-1].cost_done == pytest.approx(events[0].cost_total)


def test_unknown_model_is_refused_before_anything_runs(store_path: Path) -> None:
    """A bad model spec is an input error and the store stays empty."""
    ds = scripted_dataset(300)
    with pytest.raises(InputError) as info:
        run_curve(ds, ["nosuchmodel:width=3"], store=store_path)
    assert info.value.name == "spec" and "nosuchmodel" in str(info.value)
    assert not store_path.exists() or len(Store(store_path)) == 0


def test_real_learner_end_to_end(store_path: Path) -> None:
    """A real scikit-learn model learns: accuracy grows from the smallest to the largest size."""
    from datacurve.data import make_synthetic

    ds = make_synthetic(n_samples=1200, n_classes=3, class_sep=1.0, seed=0)
    run = run_curve(ds, ["sklearn:LogisticRegression(max_iter=500)"], seeds=2,
                    store=store_path)
    summary = run.summary()
    assert summary["val_mean"].iloc[-1] > summary["val_mean"].iloc[0] + 0.05
    assert (run.results["status"] == "ok").all()
