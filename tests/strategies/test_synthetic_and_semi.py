"""Synthetic data (SMOTE / ADASYN, a Gaussian mixture per class) and self-training as
strategies: planted cases where each is known to help, what each adds, and their bad
input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from datacurve import InputError
from datacurve.data import Dataset, builtin
from datacurve.strategies import (
    GenerativeLearner,
    OversampleLearner,
    compare_strategies,
    strategy_learner,
)

LR = "sklearn:LogisticRegression(max_iter=500)"


def imbalanced(n: int = 3000, seed: int = 0) -> Dataset:
    """Two classes, 5 % minority: a linear model without reweighting rarely predicts it."""
    from sklearn.datasets import make_classification

    X, y = make_classification(n, 10, n_informative=5, weights=[0.95], flip_y=0,
                               class_sep=0.8, random_state=seed)
    return Dataset(X.astype(np.float32), y, "classification", name="imbalanced")


def test_smote_raises_balanced_accuracy_on_a_rare_class(tmp_path: Path) -> None:
    c = compare_strategies(imbalanced(), LR, ["smote", "adasyn"], sizes=[100, 200, 400, 800],
                           seeds=3, metric="balanced_accuracy", store=tmp_path / "s.sqlite")
    for strategy in ("smote", "adasyn"):
        t = c.table[c.table["strategy"] == strategy].set_index("n")
        assert (t["gain"] > 0.03).all(), t
        assert (t.loc[[100, 200, 400], "multiplier_low"] > 1).all(), t


def test_oversampling_balances_and_copes_with_tiny_classes() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(103, 4))
    y = np.r_[np.zeros(100, int), np.ones(3, int)]
    smote = OversampleLearner(LR, k_neighbors=5).fit(X, y)
    assert smote.n_synthetic_ == 97 and smote.sampler_ == "smote"  # k cut to 2
    one = OversampleLearner(LR).fit(X[:101], y[:101])  # one minority example
    assert one.sampler_ == "random" and one.n_synthetic_ == 99
    assert one.predict_proba(X).shape == (103, 2)


def test_a_gaussian_mixture_adds_k_samples_per_real_one() -> None:
    ds = builtin("digits")
    gen = GenerativeLearner(LR, k=1.5, components=2).fit(ds.X[:300], ds.y[:300])
    assert abs(gen.n_synthetic_ - 450) <= 5  # 1.5 x each class, rounded per class
    assert gen.predict_proba(ds.X[:4]).shape == (4, 10)
    rng = np.random.default_rng(1)
    X = rng.normal(size=(200, 3))
    reg = GenerativeLearner("sklearn:Ridge()", k=1.0, task="regression").fit(
        X, X @ [1.0, 2.0, 3.0])
    assert reg.n_synthetic_ == 200 and reg.predict(X).shape == (200,)


def test_self_training_uses_the_unlabelled_pool(tmp_path: Path) -> None:
    """Digits with 40 to 160 labels and the rest of the pool unlabelled: self-training
    with a confident threshold scores above the baseline at the smallest sizes and its
    trials record how many rows it pseudo-labelled."""
    c = compare_strategies(builtin("digits"), LR, ["selftrain:threshold=0.9"],
                           sizes=[40, 80, 160], seeds=3, store=tmp_path / "s.sqlite")
    t = c.table.set_index("n")
    assert (t["gain"] > 0).all() and t.loc[80, "multiplier_low"] > 1, t
    import json
    import sqlite3

    with sqlite3.connect(tmp_path / "s.sqlite") as con:
        info = [json.loads(i) for (i,) in con.execute(
            "SELECT info FROM trials WHERE model LIKE '%selftrain%'")]
    assert len(info) == 9 and all(i["unlabelled"] > 1000 for i in info)
    assert all(i["pseudo_labelled"] > 0 for i in info)


@pytest.mark.parametrize(("strategy", "needle"), [
    ("smote:k_neighbors=0", "k_neighbors of at least 1"),
    ("selftrain:threshold=1.5", "threshold in (0, 1)"),
    ("generate:k=0", "generate's k > 0"),
    ("smote:ratio=2", "options of smote"),
])
def test_bad_options_are_one_clear_error(strategy: str, needle: str) -> None:
    with pytest.raises(InputError) as err:
        strategy_learner(strategy, LR, "classification")
    assert err.value.name == "strategies" and needle in str(err.value)


def test_classification_only_strategies_refuse_regression(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 4))
    ds = Dataset(X, X @ [1.0, 2.0, 0.0, -1.0], "regression", name="linear")
    for strategy in ("smote", "selftrain"):
        with pytest.raises(InputError, match="a classification task"):
            compare_strategies(ds, "sklearn:Ridge()", [strategy], store=tmp_path / "s.sqlite")


def test_an_empty_unlabelled_pool_is_refused(tmp_path: Path) -> None:
    """Self-training at sizes that use the whole training pool has nothing unlabelled:
    one clear error before anything is trained."""
    ds = builtin("synthetic:n=200,seed=0")  # a pool of 160 after the evaluation set
    with pytest.raises(InputError) as err:
        compare_strategies(ds, LR, ["selftrain"], sizes=[160], store=tmp_path / "s.sqlite")
    assert "unlabelled pool is empty" in str(err.value)
    assert not (tmp_path / "s.sqlite").exists()


def test_augmentation_consistency_filters_pseudo_labels(tmp_path: Path) -> None:
    """With augment=, a row is pseudo-labelled only when augmented views agree with the
    clean view's confident class: never more rows than plain self-training at the same
    threshold, and the trials say how many views were asked."""
    import json
    import sqlite3

    c = compare_strategies(builtin("digits"), LR, [
        "selftrain:threshold=0.8,max_iter=3",
        "selftrain:threshold=0.8,max_iter=3,augment=noise=0.5,views=3"],
        sizes=[40, 80, 160], seeds=2, store=tmp_path / "s.sqlite")
    assert set(c.table["strategy"]) == {"selftrain:threshold=0.8,max_iter=3",
                                        "selftrain:threshold=0.8,max_iter=3,augment="
                                        "noise=0.5,views=3"}
    with sqlite3.connect(tmp_path / "s.sqlite") as con:
        rows = [(m, n, s, json.loads(i)) for m, n, s, i in con.execute(
            "SELECT model, n, seed, info FROM trials WHERE model LIKE '%selftrain%'")]
    plain = {(n, s): i["pseudo_labelled"] for m, n, s, i in rows if "augment" not in m}
    views = {(n, s): i for m, n, s, i in rows if "augment" in m}
    assert len(plain) == len(views) == 6
    assert all(views[k]["consistency_views"] == 3 for k in views)
    assert all(views[k]["pseudo_labelled"] <= plain[k] for k in plain)
    assert any(views[k]["pseudo_labelled"] < plain[k] for k in plain)
    assert (c.table["score"] > 0.5).all()
