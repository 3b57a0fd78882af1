"""`expand`: a strategy's training set as a dataset version of its own. SMOTE balances a
planted imbalance (original rows first and unchanged, ``added-*`` ids, a ``synthetic``
record), noisy copies multiply the rows (an ``augment`` record), strategies that add no
examples and SMOTE on a regression task are refused, and the strategy learners train
on exactly the set `expand` makes."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from datacurve._errors import InputError
from datacurve.data import Dataset, version_chain
from datacurve.models import parse_spec
from datacurve.strategies import OversampleLearner, expand

LOGREG = "sklearn:LogisticRegression(max_iter=200)"
COUNTS = (40, 12, 6)


def planted(counts: tuple[int, ...] = COUNTS, seed: int = 0) -> Dataset:
    """Classes of `counts` examples around separate centres, ids ``r0, r1, ...``."""
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(len(counts)), counts)
    X = rng.normal(size=(y.size, 4)) + 3.0 * y[:, None]
    return Dataset(X.astype(np.float32), y.astype(np.int64), "classification",
                   name="planted", classes=np.array(["a", "b", "c"][:len(counts)]),
                   ids=np.array([f"r{i}" for i in range(y.size)]))


def regression(n: int = 40, seed: int = 0) -> Dataset:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    return Dataset(X.astype(np.float32), X @ np.array([1.0, -2.0, 0.5]), "regression",
                   name="linear")


def _originals_kept(ds: Dataset, out: Dataset) -> None:
    n = ds.n
    np.testing.assert_array_equal(np.asarray(out.X[:n]), np.asarray(ds.X))
    np.testing.assert_array_equal(out.y[:n], ds.y)
    assert list(out.ids[:n]) == list(ds.ids)
    assert list(out.ids[n:]) == [f"added-{i}" for i in range(out.n - n)]


def test_smote_balances_every_class_and_records_a_synthetic_version() -> None:
    ds = planted()
    out = expand(ds, "smote", seed=0)
    assert np.bincount(out.y).tolist() == [max(COUNTS)] * len(COUNTS)
    assert out.n == max(COUNTS) * len(COUNTS)
    _originals_kept(ds, out)
    assert list(out.classes) == list(ds.classes) and out.task == "classification"
    assert out.name == "planted+smote" and out.X.dtype == np.float32
    # SMOTE interpolates between examples of one class: inside that class's box.
    for c in range(len(COUNTS)):
        real, new = np.asarray(ds.X)[ds.y == c], np.asarray(out.X[ds.n:])[out.y[ds.n:] == c]
        assert new.shape[0] == max(COUNTS) - COUNTS[c]
        assert (new >= real.min(axis=0) - 1e-5).all() and (new <= real.max(axis=0) + 1e-5).all()

    rec = version_chain(out)[-1]
    assert rec["operation"] == "synthetic" and rec["id"] == out.fingerprint
    assert rec["parents"] == [ds.fingerprint] and rec["rows"] == out.n
    assert rec["added"] == out.n - ds.n == sum(max(COUNTS) - c for c in COUNTS)
    assert rec["removed"] == 0 and rec["params"] == {"strategy": "smote", "seed": 0}
    assert [r["operation"] for r in version_chain(out)] == ["make", "synthetic"]
    assert "versions" not in ds.metadata  # the input is not modified

    # Seeded: the same seed, the same version; another seed, another.
    assert expand(ds, "smote", seed=0).fingerprint == out.fingerprint
    assert expand(ds, "smote", seed=1).fingerprint != out.fingerprint


def test_a_class_of_one_example_is_copied() -> None:
    ds = planted((10, 1))
    out = expand(ds, "smote")
    assert np.bincount(out.y).tolist() == [10, 10]
    np.testing.assert_array_equal(np.asarray(out.X[ds.n:]),
                                  np.repeat(np.asarray(ds.X)[-1:], 9, axis=0))
    assert version_chain(out)[-1]["added"] == 9


def test_noisy_copies_triple_the_rows_as_an_augment_version() -> None:
    ds = planted()
    out = expand(ds, "noise:k=2,sigma=0.1", seed=3)
    assert out.n == 3 * ds.n and out.name == "planted+noise"
    _originals_kept(ds, out)
    np.testing.assert_array_equal(out.y, np.tile(ds.y, 3))
    copies = np.asarray(out.X[ds.n:]).reshape(2, ds.n, -1) - np.asarray(ds.X)
    assert (np.abs(copies) > 0).any() and np.abs(copies).max() < 2.0  # small noise
    rec = version_chain(out)[-1]
    assert rec["operation"] == "augment" and rec["added"] == 2 * ds.n
    assert rec["parents"] == [ds.fingerprint]
    assert rec["params"] == {"strategy": "noise:k=2,sigma=0.1", "seed": 3}

    reg = regression()
    more = expand(reg, "noise:k=1,sigma=0.1")
    assert more.n == 2 * reg.n and more.task == "regression"
    np.testing.assert_array_equal(more.y, np.tile(reg.y, 2))


@pytest.mark.parametrize("strategy", ["ensemble:k=3", "selftrain", "transfer"])
def test_strategies_that_add_no_examples_are_refused(strategy: str) -> None:
    with pytest.raises(InputError, match=strategy.split(":")[0]) as err:
        expand(planted(), strategy)
    assert err.value.name == "strategy"


def test_smote_on_regression_and_bad_data_are_refused() -> None:
    with pytest.raises(InputError, match="classification") as err:
        expand(regression(), "smote")
    assert err.value.name == "strategy"
    ds = planted()
    sparse = Dataset(sp.csr_matrix(np.asarray(ds.X)), ds.y, "classification")
    with pytest.raises(InputError, match="sparse") as err:
        expand(sparse, "noise:k=1")
    assert err.value.name == "data"
    # An unknown strategy or option names expand's own parameter.
    for bad in ("bogus", "noise:k=0", "smote:neighbours=3"):
        with pytest.raises(InputError) as err:
            expand(ds, bad)
        assert err.value.name == "strategy", bad


def test_the_strategy_learner_trains_on_the_set_expand_makes() -> None:
    ds = planted()
    X, y = np.asarray(ds.X, dtype=np.float64), ds.y
    learner = OversampleLearner(spec=LOGREG, random_state=0).fit(X, y)
    Xs, ys = OversampleLearner(spec=LOGREG, random_state=0).training_set(X, y)
    assert learner.n_synthetic_ == len(ys) - ds.n == expand(ds, "smote").n - ds.n
    assert Xs.shape == (len(ys), X.shape[1])
    # Trained on the same rows: the same model as one built and fitted on them.
    alone = parse_spec(LOGREG).build("classification", random_state=0).fit(Xs, ys)
    np.testing.assert_allclose(learner.predict_proba(X), alone.predict_proba(X))
