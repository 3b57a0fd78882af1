"""One contract suite over every registered check (after scikit-learn's
`parametrize_with_checks`): shapes, ranges, determinism, row-order invariance, NaN
handling, tiny data; and the inputs are never modified."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from datacurve.auditing import CHECKS, audit, check_names
from datacurve.auditing._context import context_from
from datacurve.data import Dataset

NAMES = check_names()


def table_dataset(n: int = 120, seed: int = 0, nan: bool = False) -> Dataset:
    """A small table with numeric features, a text column, groups and a split."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 3
    X = (rng.normal(size=(n, 4)) + y[:, None]).astype(np.float32)
    if nan:
        X[::17, 1] = np.nan
    raw = pd.DataFrame({"a": X[:, 0], "b": X[:, 1], "c": X[:, 2], "d": X[:, 3],
                        "note": [f"item {i} ok" for i in range(n)], "label": y})
    return Dataset(X, y.astype(np.int64), "classification", name="contract",
                   classes=np.array(["x", "y", "z"]), raw=raw,
                   groups=np.array(["g1", "g2"])[np.arange(n) % 2],
                   split=np.where(np.arange(n) % 5 == 0, "test", "train"),
                   metadata={"label": "label"})


def probs_for(ds: Dataset, seed: int = 0) -> np.ndarray:
    """Plausible out-of-sample probabilities (mostly right, some noise)."""
    rng = np.random.default_rng(seed)
    p = rng.dirichlet(np.ones(ds.n_classes), size=ds.n) * 0.4
    p[np.arange(ds.n), ds.y] += 0.6
    return p / p.sum(axis=1, keepdims=True)


@pytest.mark.parametrize("name", NAMES)
def test_result_honours_the_contract(name: str) -> None:
    """Scores (n,) in [0, 1], flags (n,) bool, summary in [0, 1], pairs of valid indices
    with i < j whose members are flagged, suggested labels valid codes or -1."""
    ds = table_dataset()
    r = audit(ds, checks=[name], pred_probs=probs_for(ds)).results[name]
    assert r.scores.shape == (ds.n,) and r.flags.shape == (ds.n,)
    assert r.flags.dtype == bool
    assert np.all((r.scores >= 0) & (r.scores <= 1)) and 0 <= r.summary <= 1
    if r.skipped is not None:
        assert not r.flags.any() and np.all(r.scores == 1)
    if r.pairs is not None and r.pairs.size:
        assert r.pairs.min() >= 0 and r.pairs.max() < ds.n
        assert np.all(r.pairs[:, 0] < r.pairs[:, 1])
        assert r.flags[r.pairs.ravel()].all()
    if r.suggested is not None:
        assert np.all((r.suggested == -1) | ((r.suggested >= 0)
                                             & (r.suggested < ds.n_classes)))


@pytest.mark.parametrize("name", NAMES)
def test_same_input_same_result(name: str) -> None:
    """Two audits of the same data with the same seed agree exactly."""
    ds = table_dataset(seed=1)
    pp = probs_for(ds)
    a = audit(ds, checks=[name], pred_probs=pp, seed=3).results[name]
    b = audit(ds, checks=[name], pred_probs=pp, seed=3).results[name]
    np.testing.assert_array_equal(a.flags, b.flags)
    np.testing.assert_allclose(a.scores, b.scores)


@pytest.mark.parametrize("name", NAMES)
def test_nan_features_do_not_break_a_check(name: str) -> None:
    """NaN in the features gives a valid result (the missing check flags those rows)."""
    ds = table_dataset(nan=True)
    r = audit(ds, checks=[name], pred_probs=probs_for(ds)).results[name]
    assert np.all(np.isfinite(r.scores))
    if name == "missing":
        assert r.flags[::17].all()


@pytest.mark.parametrize("name", NAMES)
def test_tiny_data(name: str) -> None:
    """Six examples of two classes: a valid result or a skip, never a crash."""
    X = np.arange(12, dtype=np.float64).reshape(6, 2)
    y = np.array([0, 1, 0, 1, 0, 1])
    pp = np.full((6, 2), 0.5)
    r = audit(X, y, checks=[name], pred_probs=pp).results[name]
    assert r.scores.shape == (6,)


@pytest.mark.parametrize("name", NAMES)
def test_inputs_are_not_modified(name: str) -> None:
    """The dataset, its table and the probabilities are unchanged by an audit."""
    ds = table_dataset(nan=True)
    pp = probs_for(ds)
    X0, y0, raw0, pp0 = ds.X.copy(), ds.y.copy(), ds.raw.copy(), pp.copy()  # type: ignore[union-attr]
    audit(ds, checks=[name], pred_probs=pp)
    np.testing.assert_array_equal(ds.X, X0)
    np.testing.assert_array_equal(ds.y, y0)
    pd.testing.assert_frame_equal(ds.raw, raw0)  # type: ignore[arg-type]
    np.testing.assert_array_equal(pp, pp0)


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**16), perm_seed=st.integers(0, 2**16))
def test_shuffling_rows_permutes_the_findings(seed: int, perm_seed: int) -> None:
    """Every check (probabilities given): auditing shuffled rows flags the same examples
    (the plant includes a duplicate, a leak and an outlier)."""
    rng = np.random.default_rng(seed)
    n = 90
    y = np.arange(n) % 3
    X = rng.normal(size=(n, 4)) + y[:, None]
    X[5] = X[4]            # an exact duplicate
    X[7] = X[6] + 1e-6     # a near duplicate
    X[8] = 40.0            # an outlier
    split = np.where(np.arange(n) % 4 == 0, "test", "train")
    pp = np.full((n, 3), 0.1)
    pp[np.arange(n), y] = 0.8
    perm = np.random.default_rng(perm_seed).permutation(n)
    names = [c for c in NAMES if c not in ("pii", "missing")]  # need a text table
    a = audit(X, y, split=split, groups=(np.arange(n) % 3).astype(str), pred_probs=pp,
              checks=names)
    b = audit(X[perm], y[perm], split=split[perm], groups=(perm % 3).astype(str),
              pred_probs=pp[perm], checks=names)
    for c in names:
        assert set(perm[b.flagged(c)]) == set(a.flagged(c)), c


def test_every_check_is_registered_with_a_description() -> None:
    """Registered checks carry a name and a one-line description."""
    for name in NAMES:
        cls = CHECKS[name]
        assert cls.name == name and cls.description and "\n" not in cls.description


@pytest.mark.parametrize(("kwargs", "name"), [
    ({"data": np.zeros((0, 3)), "y": np.zeros(0)}, "X"),
    ({"data": np.zeros((4, 3)), "y": np.zeros(5)}, "y"),
    ({"data": np.zeros((4, 3)), "y": np.array([0, 1, np.nan, 1])}, "y"),
    ({"data": np.zeros((4, 3)), "y": np.zeros(4)}, "y"),
    ({"data": np.array([["a", "b"], ["c", "d"]]), "y": np.array([0, 1])}, "X"),
    ({"data": pd.DataFrame({"t": ["a", "b"]}), "y": np.array([0, 1, 1])}, "y"),
])
def test_bad_input_names_the_argument(kwargs: dict[str, object], name: str) -> None:
    """Empty data, mismatched lengths, NaN labels, one class, non-numeric features."""
    from datacurve import InputError

    with pytest.raises(InputError) as info:
        context_from(kwargs["data"], kwargs["y"])
    assert info.value.name == name


def test_group_column_that_does_not_exist_is_refused() -> None:
    from datacurve import InputError

    with pytest.raises(InputError) as info:
        audit(table_dataset(), groups="site", checks=["class_imbalance"])
    assert info.value.name == "groups" and "site" in str(info.value)


def test_unknown_check_is_refused() -> None:
    from datacurve import InputError

    with pytest.raises(InputError) as info:
        audit(table_dataset(), checks=["nope"])
    assert info.value.name == "checks"


def test_dataframe_with_text_columns_is_encoded_and_kept() -> None:
    """A DataFrame with a text column (label named by column) is audited with its table:
    the pii check sees the text, the label column is not a feature."""
    n = 40
    df = pd.DataFrame({"x": np.arange(n, dtype=float), "note": ["fine"] * n,
                       "y": np.arange(n) % 2})
    df.loc[3, "note"] = "mail jane.doe@example.com"
    r = audit(df, "y", checks=["pii", "class_imbalance"])
    assert r.flagged("pii").tolist() == [3]
    ctx = context_from(df.drop(columns="y"), df["y"].to_numpy())
    assert ctx.raw is not None and ctx.label_column == "label" and ctx.n == n
