"""The torch learners: they learn, stop early on their own data, and are reproducible."""

from __future__ import annotations

import math
import pickle
from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp
import torch
from sklearn.base import clone
from torch import nn

from datacurve._errors import InputError
from datacurve.models import CNNLearner, MLPLearner, parse_spec, resolve_device

Split = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
# Small, quick settings; every test passes device="cpu" so results do not depend on a GPU.
FAST: dict[str, Any] = {"device": "cpu", "max_epochs": 15, "patience": 4}


def _accuracy(model: Any, X: np.ndarray, y: np.ndarray) -> float:
    return float((model.predict(X) == y).mean())


# -- they learn -------------------------------------------------------------------------


def test_mlp_learns_digits(digits: Split) -> None:
    X_train, X_test, y_train, y_test = digits
    model = MLPLearner(width=64, **FAST).fit(X_train, y_train)
    assert _accuracy(model, X_test, y_test) > 0.9
    proba = model.predict_proba(X_test)
    assert proba.shape == (len(X_test), 10) and proba.dtype == np.float64
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(model.classes_, np.arange(10))


def test_cnn_1d_learns_mnist1d(mnist1d_small: Split) -> None:
    X_train, X_test, y_train, y_test = mnist1d_small
    model = CNNLearner(width=16, **{**FAST, "max_epochs": 25}).fit(X_train, y_train)
    assert isinstance(model.model_[1], nn.Conv1d)
    assert model.input_shape_ == (1, 40)
    # Chance is 0.1; a CNN gets to about 0.6 in these few epochs on 1600 examples.
    assert _accuracy(model, X_test, y_test) > 0.4


def test_cnn_2d_runs_on_images(digits: Split) -> None:
    X_train, X_test, y_train, y_test = digits
    images = X_train.reshape(-1, 1, 8, 8)
    model = CNNLearner(width=8, **FAST).fit(images, y_train)
    assert isinstance(model.model_[1], nn.Conv2d)
    assert _accuracy(model, X_test.reshape(-1, 1, 8, 8), y_test) > 0.8


def test_mlp_regression_beats_the_mean() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(600, 5)).astype(np.float32)
    y = 3.0 * np.sin(X[:, 0]) + X[:, 1] ** 2 + 0.1 * rng.normal(size=600) + 100.0
    model = MLPLearner(width=64, **{**FAST, "max_epochs": 40}).fit(X[:500], y[:500])
    assert model.task_ == "regression"
    assert not hasattr(model, "predict_proba")
    pred = model.predict(X[500:])
    assert pred.dtype == np.float64 and pred.shape == (100,)
    mse = float(np.mean((pred - y[500:]) ** 2))
    baseline = float(np.mean((y[:500].mean() - y[500:]) ** 2))
    assert mse < 0.3 * baseline


# -- reproducibility ----------------------------------------------------------------------


@pytest.mark.parametrize("cls", [MLPLearner, CNNLearner])
def test_same_random_state_gives_identical_predictions(cls: type, digits: Split) -> None:
    X_train, X_test, y_train, _ = digits
    X_train, y_train = X_train[:300], y_train[:300]
    kw = {**FAST, "max_epochs": 3, "width": 8, "dropout": 0.1}
    torch_state = torch.get_rng_state()
    a = cls(random_state=1, **kw).fit(X_train, y_train).predict_proba(X_test)
    b = cls(random_state=1, **kw).fit(X_train, y_train).predict_proba(X_test)
    c = cls(random_state=2, **kw).fit(X_train, y_train).predict_proba(X_test)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    # Seeding happens in a forked RNG: the caller's global torch RNG is untouched.
    assert torch.equal(torch.get_rng_state(), torch_state)


def test_clone_and_pickle_round_trip(digits: Split) -> None:
    X_train, X_test, y_train, _ = digits
    for learner in (MLPLearner(width=7, dropout=0.2, **FAST),
                    CNNLearner(width=3, kernel_size=3, **FAST)):
        twin = clone(learner)
        assert twin is not learner and twin.get_params() == learner.get_params()
        unfitted = pickle.loads(pickle.dumps(learner))
        assert unfitted.get_params() == learner.get_params()
        learner.set_params(max_epochs=2).fit(X_train[:200], y_train[:200])
        restored = pickle.loads(pickle.dumps(learner))
        np.testing.assert_array_equal(restored.predict_proba(X_test), learner.predict_proba(X_test))
        assert restored.n_params_ == learner.n_params_


# -- early stopping on the data given to fit -----------------------------------------------


def test_early_stopping_stops_and_restores_the_best_epoch() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 20)).astype(np.float32)
    y = rng.integers(0, 3, 300)  # random labels: validation loss rises once it memorises
    model = MLPLearner(width=256, lr=1e-2, patience=3, max_epochs=200, device="cpu")
    model.fit(X, y)
    assert model.n_epochs_ < 200
    assert model.n_epochs_ == model.best_epoch_ + 3 == len(model.history_)
    assert model.best_val_loss_ == min(model.history_)
    assert model.best_epoch_ == int(np.argmin(model.history_)) + 1
    # The held-out slice is rows of the data given to fit, and the restored weights
    # score exactly the best validation loss on it.
    val = model.val_indices_
    assert len(val) == 30 and len(np.unique(val)) == 30 and val.max() < 300
    logits = torch.from_numpy(np.log(model.predict_proba(X[val])))
    loss = nn.functional.cross_entropy(logits, torch.from_numpy(y[val]))
    assert float(loss) == pytest.approx(model.best_val_loss_, rel=1e-4)


def test_validation_slice_is_stratified_and_leaves_every_class_in_training() -> None:
    rng = np.random.default_rng(1)
    y = np.repeat([0, 1, 2, 3], [50, 30, 15, 5])
    X = rng.normal(size=(100, 4)).astype(np.float32)
    model = MLPLearner(width=4, val_fraction=0.2, **{**FAST, "max_epochs": 1}).fit(X, y)
    counts = np.bincount(y[model.val_indices_], minlength=4)
    np.testing.assert_array_equal(counts, [10, 6, 3, 1])
    # A class with a single example: no stratification, still fits all classes.
    y2 = y.copy()
    y2[0] = 9
    model = MLPLearner(width=4, **{**FAST, "max_epochs": 1}).fit(X, y2)
    assert list(model.classes_) == [0, 1, 2, 3, 9]
    assert model.predict_proba(X).shape == (100, 5)


def test_tiny_data_trains_fixed_epochs_without_validation() -> None:
    X = np.arange(16, dtype=np.float32).reshape(8, 2)
    y = np.array(["b", "a"] * 4)  # labels need not be codes
    model = MLPLearner(width=4, max_epochs=50, device="cpu").fit(X, y)
    assert model.history_ == [] and math.isnan(model.best_val_loss_)
    assert len(model.val_indices_) == 0 and not model.early_stopping_
    # The fixed budget: 50 * ceil(256 / 128) steps of one batch each.
    assert model.n_epochs_ == 100 == len(model.train_history_) == model.best_epoch_
    assert set(model.predict(X)) <= {"a", "b"}
    assert list(model.classes_) == ["a", "b"]


def test_fit_and_predict_do_not_modify_inputs(digits: Split) -> None:
    X_train, X_test, y_train, _ = digits
    X, y, Xt = X_train[:200].copy(), y_train[:200].copy(), X_test.copy()
    X[0, 0] = np.nan
    model = MLPLearner(width=8, **{**FAST, "max_epochs": 2}).fit(X, y)
    model.predict_proba(Xt)
    np.testing.assert_array_equal(X, np.where(np.isnan(X), np.nan, X_train[:200]))
    np.testing.assert_array_equal(y, y_train[:200])
    np.testing.assert_array_equal(Xt, X_test)


# -- model size -------------------------------------------------------------------------


def test_width_knob_changes_parameter_count(mnist1d_small: Split) -> None:
    X, _, y, _ = mnist1d_small
    X, y = X[:100], y[:100]
    kw = {**FAST, "max_epochs": 1}
    small = CNNLearner(width=4, **kw).fit(X, y).n_params_
    large = CNNLearner(width=32, **kw).fit(X, y).n_params_
    assert large > 10 * small
    assert MLPLearner(width=256, **kw).fit(X, y).n_params_ > 4 * (
        MLPLearner(width=32, **kw).fit(X, y).n_params_)


# -- input shapes and types -------------------------------------------------------------


@pytest.mark.parametrize(("shape", "conv", "input_shape", "two_d"), [
    ((12, 20), "auto", (1, 20), False),
    ((12, 3, 40), "auto", (3, 40), False),      # few channels, long signal: (c, L)
    ((12, 8, 8), "auto", (1, 8, 8), True),       # square-ish: a one-channel image
    ((12, 8, 8), "1d", (8, 8), False),
    ((12, 3, 40), "2d", (1, 3, 40), True),
    ((12, 3, 9, 7), "auto", (3, 9, 7), True),
])
def test_cnn_input_shapes(shape: tuple[int, ...], conv: str, input_shape: tuple[int, ...],
                          two_d: bool) -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=shape).astype(np.float32)
    y = np.arange(shape[0]) % 2
    model = CNNLearner(width=4, conv=conv, **{**FAST, "max_epochs": 1}).fit(X, y)
    assert model.input_shape_ == input_shape
    assert isinstance(model.model_[1], nn.Conv2d if two_d else nn.Conv1d)
    assert model.model_[1].in_channels == input_shape[0]
    assert model.predict_proba(X).shape == (shape[0], 2)


def test_cnn_pools_large_maps_before_the_head() -> None:
    X = np.random.default_rng(0).normal(size=(12, 1, 64, 64)).astype(np.float32)
    model = CNNLearner(width=8, depth=1, **{**FAST, "max_epochs": 1}).fit(X, np.arange(12) % 3)
    head = model.model_[-1]
    assert isinstance(model.model_[-3], nn.AdaptiveAvgPool2d)
    assert head.in_features <= 4096


@pytest.mark.parametrize(("make", "fit_kw", "name"), [
    (lambda: CNNLearner(conv="2d"), {"X": np.zeros((12, 5), np.float32)}, "X"),
    (lambda: CNNLearner(conv="1d"), {"X": np.zeros((12, 1, 5, 5), np.float32)}, "X"),
    (lambda: CNNLearner(), {"X": np.zeros((12, 1, 2, 2, 2), np.float32)}, "X"),
    (lambda: MLPLearner(), {"X": np.zeros(12, np.float32)}, "X"),
    (lambda: MLPLearner(), {"X": np.zeros((0, 3), np.float32), "y": np.zeros(0)}, "X"),
    (lambda: MLPLearner(), {"y": np.zeros(11)}, "y"),
    (lambda: MLPLearner(), {"y": np.r_[np.nan, np.zeros(11)]}, "y"),
    (lambda: MLPLearner(task="regression"), {"y": np.array(["a"] * 12)}, "y"),
    (lambda: MLPLearner(width=0), {}, "width"),
    (lambda: MLPLearner(lr=-1.0), {}, "lr"),
    (lambda: MLPLearner(task="rank"), {}, "task"),
    (lambda: MLPLearner(device="tpu"), {}, "device"),
    (lambda: CNNLearner(kernel_size=2), {}, "kernel_size"),
])
def test_bad_inputs_raise_input_error(make: Any, fit_kw: dict[str, Any], name: str) -> None:
    args = {"X": np.zeros((12, 3), np.float32), "y": np.arange(12) % 2, **fit_kw}
    with pytest.raises(InputError) as info:
        make().set_params(max_epochs=1).fit(args["X"], args["y"])
    assert info.value.name == name


def test_predict_checks_feature_shape(digits: Split) -> None:
    X_train, _, y_train, _ = digits
    model = MLPLearner(width=4, **{**FAST, "max_epochs": 1}).fit(X_train[:50], y_train[:50])
    with pytest.raises(InputError, match=r"examples of shape \(64,\)"):
        model.predict(X_train[:5, :10])


def test_missing_values_are_replaced_by_the_mean() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(100, 6)).astype(np.float32)
    y = (X[:, 0] > 0).astype(np.int64)
    X[rng.random(X.shape) < 0.1] = np.nan
    X[3, 2] = np.inf
    X[:, 5] = np.nan  # a column that is always missing
    for cls in (MLPLearner, CNNLearner):
        model = cls(width=4, **{**FAST, "max_epochs": 3}).fit(X, y)
        assert np.isfinite(model.predict_proba(X)).all()
        assert all(np.isfinite(model.train_history_))


def test_sparse_input_is_densified_per_batch(digits: Split,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    X_train, X_test, y_train, y_test = digits
    rows_densified: list[int] = []
    original = sp.csr_matrix.toarray

    def spy(self: Any, *args: Any, **kwargs: Any) -> np.ndarray:
        rows_densified.append(self.shape[0])
        return original(self, *args, **kwargs)

    monkeypatch.setattr(sp.csr_matrix, "toarray", spy)
    model = MLPLearner(width=64, batch_size=64, **FAST)
    model.fit(sp.csr_matrix(X_train), y_train)
    assert rows_densified and max(rows_densified) <= 2 * 64  # never the whole matrix
    sparse_acc = _accuracy(model, sp.csr_matrix(X_test), y_test)
    assert sparse_acc > 0.9
    monkeypatch.undo()
    dense = MLPLearner(width=64, batch_size=64, **FAST).fit(X_train, y_train)
    agree = (dense.predict(X_test) == model.predict(sp.csr_matrix(X_test))).mean()
    assert agree > 0.95  # same model up to floating-point rounding in the statistics


def test_cnn_reads_sparse_features_as_one_channel_sequences() -> None:
    X = sp.random(40, 24, density=0.3, format="csr", random_state=0, dtype=np.float32)
    y = np.arange(40) % 2
    model = CNNLearner(width=4, **{**FAST, "max_epochs": 2}).fit(X, y)
    assert model.input_shape_ == (1, 24)
    assert model.predict_proba(X).shape == (40, 2)


def test_explicit_classification_on_float_labels() -> None:
    X = np.random.default_rng(0).normal(size=(40, 3)).astype(np.float32)
    y = np.where(X[:, 0] > 0, 1.5, -2.0)
    model = MLPLearner(task="classification", **{**FAST, "max_epochs": 2}).fit(X, y)
    assert list(model.classes_) == [-2.0, 1.5]
    assert set(model.predict(X)) <= {-2.0, 1.5}


def test_resolve_device() -> None:
    assert resolve_device("cpu") == torch.device("cpu")
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert resolve_device("auto").type == expected
    with pytest.raises(InputError) as info:
        resolve_device("gpu")
    assert info.value.name == "device"
    if not torch.cuda.is_available():
        with pytest.raises(InputError, match=r"torch\.cuda\.is_available"):
            resolve_device("cuda")


def test_spec_built_learners_fit(digits: Split) -> None:
    X_train, X_test, y_train, y_test = digits
    model = parse_spec("mlp:width=64,max_epochs=15,device='cpu'").build(random_state=0)
    assert _accuracy(model.fit(X_train, y_train), X_test, y_test) > 0.85
    sparse = parse_spec("sklearn:LogisticRegression(max_iter=300)").build(random_state=0)
    sparse.fit(sp.csr_matrix(X_train), y_train)
    assert _accuracy(sparse, sp.csr_matrix(X_test), y_test) > 0.9
