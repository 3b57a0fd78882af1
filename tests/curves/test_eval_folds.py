"""Evaluation folds: a small evaluation set is repeated over K folds of the data, so that
the repeated measurements of each size include the evaluation set's own variance."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from datacurve import InputError
from datacurve.cli._app import main
from datacurve.curves import (
    AUTO_EVAL_FOLDS,
    SMALL_EVAL_ROWS,
    make_eval_folds,
    make_eval_split,
    plan_curve,
    resolve_eval_folds,
    run_curve,
    trial_key,
)
from datacurve.data import Dataset
from tests.conftest import scripted_dataset, scripted_spec

CONTRACT = ["model", "params", "n", "seed", "train_score", "val_score"]


def _with_split(ds: Dataset, n_test: int) -> Dataset:
    marks = np.array(["train"] * (ds.n - n_test) + ["test"] * n_test)
    return Dataset(ds.X, ds.y, ds.task, split=marks, name=ds.name)


labels = st.lists(st.integers(0, 4), min_size=20, max_size=300).map(np.array).filter(
    lambda y: np.unique(y).size >= 2)


@settings(max_examples=50, deadline=None)
@given(labels, st.integers(2, 7), st.integers(0, 1000))
def test_folds_are_disjoint_stratified_and_cover_the_data(y: np.ndarray, k: int,
                                                          seed: int) -> None:
    """The K evaluation sets partition the rows, each fold's pool is the rest, fold sizes
    and each class's share differ by at most one row, and every fold has its own key."""
    ds = Dataset(np.zeros((y.size, 1), np.float32), y.astype(np.int64), "classification")
    folds = make_eval_folds(ds, eval_folds=k, seed=seed)
    assert len(folds) == k
    every = np.concatenate([f.evaluation for f in folds])
    np.testing.assert_array_equal(np.sort(every), np.arange(y.size))
    for f in folds:
        assert np.intersect1d(f.pool, f.evaluation).size == 0
        np.testing.assert_array_equal(np.union1d(f.pool, f.evaluation), np.arange(y.size))
    sizes = [f.evaluation.size for f in folds]
    assert max(sizes) - min(sizes) <= 1
    per_class = np.stack([np.bincount(y[f.evaluation], minlength=5) for f in folds])
    assert (per_class.max(axis=0) - per_class.min(axis=0) <= 1).all()
    counts = np.bincount(y, minlength=5)
    for f in folds:  # every class with 2+ examples keeps one in every pool
        assert set(np.flatnonzero(counts >= 2)) <= set(np.unique(y[f.pool]))
    assert len({f.key for f in folds}) == k


def test_regression_folds_are_random_and_cover_the_data() -> None:
    rng = np.random.default_rng(0)
    ds = Dataset(rng.normal(size=(103, 2)), rng.normal(size=103), "regression")
    folds = make_eval_folds(ds, eval_folds=4, seed=3)
    every = np.sort(np.concatenate([f.evaluation for f in folds]))
    np.testing.assert_array_equal(every, np.arange(103))
    assert sorted(f.evaluation.size for f in folds) == [25, 26, 26, 26]
    assert folds[0].how == "random 4-fold (seed 3), fold 1 of 4"


def test_each_folds_subsets_are_nested_per_seed_and_evaluate_on_that_fold() -> None:
    """Per (fold, seed): every subset holds the smaller ones, lies in that fold's pool,
    and the trial evaluates on that fold's evaluation set."""
    ds = scripted_dataset(300)
    plan = plan_curve(ds, [scripted_spec()], seeds=2, eval_folds=3)
    assert plan.eval_folds == 3 and len(plan.folds) == 3
    assert len(plan.trials) == 3 * 2 * plan.anchors.size
    subsets: dict[tuple[int, int], list[np.ndarray]] = {}
    for t in plan.trials:
        fold = plan.folds[t.fold]
        assert t.data.evaluation is plan.trials[t.fold * 2].data.evaluation
        np.testing.assert_array_equal(t.data.evaluation, fold.evaluation)
        assert np.isin(t.train, fold.pool).all()
        assert t.key == trial_key(ds.fingerprint, t.learner.identity, t.n, t.seed,
                                  fold.key)
        subsets.setdefault((t.fold, t.seed), []).append(t.train)
    assert len(subsets) == 6
    for runs in subsets.values():
        for small, big in itertools.pairwise(runs):
            np.testing.assert_array_equal(big[: small.size], small)
    # seeds differ within a fold, and the same seed differs across folds
    assert not np.array_equal(subsets[0, 0][-1][:50], subsets[0, 1][-1][:50])
    assert not np.array_equal(subsets[0, 0][-1][:50], subsets[1, 0][-1][:50])
    assert plan.anchors.max() <= min(f.pool.size for f in plan.folds)


def test_auto_rule() -> None:
    """Auto: 5 folds for a small evaluation set, 1 for a large one or a split column."""
    small, large = scripted_dataset(600), scripted_dataset(6000)
    assert AUTO_EVAL_FOLDS == 5 and SMALL_EVAL_ROWS == 1000
    assert resolve_eval_folds(small) == 5  # 120 evaluation rows
    assert resolve_eval_folds(large) == 1  # 1,200 evaluation rows
    assert resolve_eval_folds(scripted_dataset(5000)) == 5  # exactly 1,000
    assert resolve_eval_folds(_with_split(small, 100)) == 1
    # a small hold-out of a large dataset: folds would be large, so one set
    assert resolve_eval_folds(large, eval_size=500) == 1
    assert resolve_eval_folds(large, eval_folds=3) == 3
    assert resolve_eval_folds(small, eval_folds=1) == 1
    # the split column keeps its evaluation rows
    split = make_eval_folds(_with_split(small, 100))
    assert len(split) == 1 and split[0].evaluation.size == 100
    assert plan_curve(_with_split(small, 100), scripted_spec(), seeds=1).eval_folds == 1


@pytest.mark.parametrize("bad", [0, -2, 2.5, True, "5", 601])
def test_bad_eval_folds_are_refused_by_name(bad: object) -> None:
    with pytest.raises(InputError) as err:
        plan_curve(scripted_dataset(600), scripted_spec(), eval_folds=bad)  # type: ignore[arg-type]
    assert err.value.name == "eval_folds"


def test_folds_with_a_split_column_are_refused(store_path: Path) -> None:
    """Folds would train on the rows the split column holds out: an error names it."""
    ds = _with_split(scripted_dataset(600), 100)
    with pytest.raises(InputError) as err:
        run_curve(ds, scripted_spec(), eval_folds=3, store=store_path, progress=False)
    assert err.value.name == "eval_folds" and "split column" in str(err.value)
    assert not store_path.exists()


def test_one_fold_keeps_todays_keys_on_a_large_dataset() -> None:
    """Default settings on 6,000 rows (1,200 evaluation rows) plan exactly the trials and
    keys of explicit eval_folds=1, which are those of the single evaluation set."""
    ds = scripted_dataset(6000)
    specs = [scripted_spec(), scripted_spec(asymptote=0.8)]
    auto = plan_curve(ds, specs, seeds=2)
    one = plan_curve(ds, specs, seeds=2, eval_folds=1)
    assert auto.eval_folds == one.eval_folds == 1
    assert [t.key for t in auto.trials] == [t.key for t in one.trials]
    for a, b in zip(auto.trials, one.trials, strict=True):
        assert (a.n, a.seed, a.model, a.fold) == (b.n, b.seed, b.model, 0)
        np.testing.assert_array_equal(a.train, b.train)
    assert auto.describe() == one.describe()
    # the key formula of a single evaluation set, unchanged
    split = make_eval_split(ds)
    assert auto.split.key == split.key
    assert [t.key for t in auto.trials] == [
        trial_key(ds.fingerprint, s, int(a), seed, split.key)
        for a in auto.anchors for s in specs for seed in (0, 1)]
    assert len(auto.trials) == 2 * 2 * auto.anchors.size


def test_describe_names_the_folds_and_their_cost() -> None:
    plan = plan_curve(scripted_dataset(600), scripted_spec(), seeds=2, eval_folds=4)
    d = json.loads(json.dumps(plan.describe()))  # plain values
    assert d["eval_folds"] == 4 and len(d["evaluation"]["folds"]) == 4
    assert [f["n"] for f in d["evaluation"]["folds"]] == [150] * 4
    assert d["pool"] == 450 and d["trials"] == 4 * 2 * len(d["anchors"])
    assert "stratified 4-fold" in d["evaluation"]["how"]
    assert "4 evaluation folds" in d["cost"] and "4×" in d["cost"]


def test_results_have_folds_times_seeds_rows_and_resume(store_path: Path) -> None:
    """One row per trial: K × seeds rows per (model, size), with the contract columns,
    the seed and its fold; a second run trains nothing; a third with one more seed
    trains only that seed's trials in every fold."""
    ds = scripted_dataset(400)
    specs = [scripted_spec(), scripted_spec(asymptote=0.8)]
    first = run_curve(ds, specs, seeds=2, eval_folds=3, store=store_path, progress=False)
    df = first.to_frame()
    assert list(df.columns[:6]) == CONTRACT
    assert (df["status"] == "ok").all() and first.ran == len(df)
    assert len(df) == 2 * 3 * 2 * first.design.anchors.size
    per = df.groupby(["model", "n"]).size()
    assert (per == 3 * 2).all()
    assert (df.groupby(["model", "n", "eval_fold", "seed"]).size() == 1).all()
    assert sorted(df["eval_fold"].unique()) == [0, 1, 2]
    assert sorted(df["seed"].unique()) == [0, 1]
    keys = {f: s.key for f, s in enumerate(first.design.folds)}
    assert (df["eval_split"] == df["eval_fold"].map(keys)).all()
    sizes = {f: s.evaluation.size for f, s in enumerate(first.design.folds)}
    assert (df["n_eval"] == df["eval_fold"].map(sizes)).all()
    summary = first.summary()
    assert (summary["seeds"] == 6).all()

    second = run_curve(ds, specs, seeds=2, eval_folds=3, store=store_path, progress=False)
    assert second.ran == 0 and second.cached == len(df)
    pd.testing.assert_frame_equal(first.results, second.results)

    third = run_curve(ds, specs, seeds=3, eval_folds=3, store=store_path, progress=False)
    assert third.cached == len(df) and third.ran == 2 * 3 * first.design.anchors.size
    assert len(third.results) == 2 * 3 * 3 * first.design.anchors.size


def test_cli_eval_folds(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`--eval-folds K` reaches the plan and the JSON payload; with a split column it is
    refused in one line naming the flag."""
    ds = scripted_dataset(300)
    data = tmp_path / "d.npz"
    np.savez(data, X=ds.X, y=ds.y)
    args = ["curve", str(data), "--model", scripted_spec(), "--seeds", "1",
            "--store", str(tmp_path / "s.sqlite")]
    assert main([*args, "--eval-folds", "2", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["plan"]["eval_folds"] == 2
    assert payload["ran"] == 2 * len(payload["plan"]["anchors"])
    assert {r["eval_fold"] for r in payload["results"]} == {0, 1}
    assert main([*args, "--eval-folds", "2"]) == 0
    assert "2 evaluation folds" in capsys.readouterr().out
    marks = np.array(["train"] * 250 + ["test"] * 50)
    np.savez(data, X=ds.X, y=ds.y, split=marks)
    assert main([*args, "--eval-folds", "2"]) == 2
    err = capsys.readouterr().err
    assert "--eval-folds" in err and "Traceback" not in err


def test_wine_folds_show_the_evaluation_variance_seeds_miss(store_path: Path) -> None:
    """On wine (178 rows, 35–36 evaluation rows per fold) a logistic regression trained on
    (nearly) the whole pool sees the same rows whatever the seed, so one evaluation set
    reports no spread at all; across folds the accuracy moves by about the binomial
    standard deviation of 36 rows, which the repeated measurements now hold."""
    from sklearn.datasets import load_wine

    X, y = load_wine(return_X_y=True)
    run = run_curve((X, y), "sklearn:LogisticRegression(max_iter=500)", seeds=3,
                    sizes=[32, 128, 142], store=store_path, progress=False)
    assert run.design.eval_folds == 5
    assert sorted(f.evaluation.size for f in run.design.folds) == [35, 35, 36, 36, 36]
    df = run.to_frame()
    assert (df["status"] == "ok").all() and len(df) == 3 * 5 * 3
    top = df[df["n"] == 142]
    acc = top["val_accuracy"]
    assert acc.mean() > 0.9  # a real model that learns wine, not a toy
    within = top.groupby("eval_fold")["val_accuracy"].std(ddof=1)
    assert within.max() < 1e-9  # seeds alone: the same training rows, no spread
    fold_means = top.groupby("eval_fold")["val_accuracy"].mean()
    assert fold_means.nunique() >= 2
    spread = acc.std(ddof=1)
    binomial = np.sqrt(acc.mean() * (1 - acc.mean()) / 36)
    assert 0.3 * binomial < spread < 3 * binomial
    # at 128 rows seeds do vary, and the folds still add to their spread
    mid = df[df["n"] == 128]
    assert mid["val_accuracy"].std(ddof=1) > mid.groupby("eval_fold")[
        "val_accuracy"].std(ddof=1).mean()
