"""Bring your own model and data: arrays, DataFrames, lazy torch datasets; estimators,
`TorchLearner`, `FunctionLearner`, import-path factories and sweeps, end to end."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from torch import nn

from datacurve import FunctionLearner, InputError, TorchLearner, run_curve
from datacurve.curves import resolve_learners
from datacurve.data import as_dataset
from datacurve.fit import fit_scaling_law


@pytest.fixture(scope="module")
def digits() -> tuple[np.ndarray, np.ndarray]:
    X, y = load_digits(return_X_y=True)
    return X.astype(np.float32) / 16.0, y


def make_net(width: int = 16) -> nn.Module:
    return nn.Sequential(nn.Linear(64, width), nn.ReLU(), nn.Linear(width, 10))


class CountingDataset(torch.utils.data.Dataset):  # type: ignore[type-arg]
    """A map-style dataset that records every index it is asked for."""

    def __init__(self, X: np.ndarray, y: np.ndarray, fail: set[int] | None = None) -> None:
        self.X, self.targets = X, y.tolist()
        self.read: list[int] = []
        self.fail = fail or set()

    def __len__(self) -> int:
        return len(self.targets)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, int]:
        self.read.append(int(i))
        if int(i) in self.fail:
            raise OSError(f"cannot read item {i}")
        return torch.from_numpy(self.X[i]), self.targets[i]


def test_user_module_trains_and_records_its_size(digits, tmp_path) -> None:
    X, y = digits
    run = run_curve((X, y), {"net": TorchLearner(make_net, epochs=30, lr=1e-2)}, seeds=2,
                    sizes=[64, 512], store=tmp_path / "s.sqlite", progress=False,
                    eval_folds=1)
    df = run.to_frame()
    assert (df["status"] == "ok").all() and len(df) == 4
    assert set(df["params"]) == {sum(p.numel() for p in make_net().parameters())}
    summary = run.summary().set_index("n")
    assert summary.loc[512, "val_mean"] > 0.85
    assert summary.loc[512, "val_mean"] > summary.loc[64, "val_mean"]
    again = run_curve((X, y), {"net": TorchLearner(make_net, epochs=30, lr=1e-2)}, seeds=2,
                      sizes=[64, 512], store=tmp_path / "t.sqlite", progress=False,
                      eval_folds=1)
    np.testing.assert_allclose(again.to_frame()["val_score"], df["val_score"])


def test_lazy_torch_dataset_is_read_only_where_trials_need_it(digits, tmp_path) -> None:
    X, y = digits
    ds = CountingDataset(X, y)
    run = run_curve(ds, {"net": TorchLearner(make_net, epochs=3, batch_size=16),
                         "lr": LogisticRegression(max_iter=200)},
                    seeds=2, sizes=[32, 64], eval_size=200, store=tmp_path / "s.sqlite",
                    progress=False, eval_folds=1)
    assert (run.to_frame()["status"] == "ok").all()
    needed = set(run.design.split.evaluation.tolist())
    for trial in run.design.trials:
        needed |= set(trial.train.tolist())
    read = set(ds.read)
    assert read <= needed  # nothing outside the trials' rows was touched
    assert len(read) < len(ds) / 4  # far from materialised whole
    assert run.design.dataset.X.shape == (len(ds), 0)


def test_items_that_fail_to_load_fail_their_trials_only(digits, tmp_path) -> None:
    X, y = digits
    probe = as_dataset(CountingDataset(X, y))
    from datacurve.curves import make_eval_split, nested_order

    split = make_eval_split(probe, eval_size=0.2)
    order = nested_order(probe, split.pool, 0)
    bad = int(order[100])  # in the subset of size 128 of seed 0, not in that of size 64
    ds = CountingDataset(X, y, fail={bad})
    run = run_curve(ds, TorchLearner(make_net, epochs=2), seeds=[0], sizes=[64, 128],
                    store=tmp_path / "s.sqlite", progress=False, eval_folds=1)
    df = run.to_frame().set_index("n")
    assert df.loc[64, "status"] == "ok" and df.loc[128, "status"] == "failed"
    assert f"cannot read item {bad}" in df.loc[128, "error"]
    assert run.failed == 1 and "1 of 2 trials failed" in run.describe_failures()


def test_train_fn_gets_indices_seed_and_sweep_values(digits, tmp_path) -> None:
    X, y = digits
    calls: list[tuple[int, int, int, float]] = []

    def train_fn(train, evaluation, seed, C=1.0):
        calls.append((train.size, evaluation.size, seed, C))
        m = LogisticRegression(C=C, max_iter=300).fit(X[train], y[train])
        return {"train_score": m.score(X[train], y[train]),
                "val_score": m.score(X[evaluation], y[evaluation]), "params": m.coef_.size}

    run = run_curve((X, y), {"lr": FunctionLearner(train_fn)}, sweep={"C": [0.01, 1.0]},
                    seeds=2, sizes=[50, 200], store=tmp_path / "s.sqlite", progress=False)
    df = run.to_frame()
    assert sorted(df["model"].unique()) == ["lr(C=0.01)", "lr(C=1.0)"]
    assert (df["params"] == 640).all() and df["val_score"].between(0, 1).all()
    assert {c[3] for c in calls} == {0.01, 1.0} and {c[0] for c in calls} == {50, 200}
    assert len({c[2] for c in calls}) == 4  # a distinct random state per (seed, size)
    means = run.summary().set_index(["model", "n"])["val_mean"]
    assert means[("lr(C=1.0)", 200)] > means[("lr(C=0.01)", 200)]


@pytest.mark.parametrize(("returned", "message"), [
    ({"train_score": 0.9}, "no 'val_score'"),
    ({"val_score": float("nan")}, "val_score=nan"),
    ({"val_score": 1.7}, "accuracy in [0, 1]"),
    (0.8, "returned a float"),
])
def test_train_fn_bad_results_fail_the_trial_with_the_reason(digits, tmp_path, returned,
                                                             message) -> None:
    X, y = digits

    def train_fn(train, evaluation, seed):
        return returned if train.size > 40 else {"val_score": 0.5, "train_score": 0.6}

    run = run_curve((X, y), FunctionLearner(train_fn), seeds=1, sizes=[32, 64],
                    store=tmp_path / "s.sqlite", progress=False, eval_folds=1)
    df = run.to_frame().set_index("n")
    assert df.loc[32, "status"] == "ok" and df.loc[64, "status"] == "failed"
    assert message in df.loc[64, "error"]


def test_factory_errors_and_wrong_outputs_fail_trials_not_the_run(digits, tmp_path) -> None:
    X, y = digits

    def broken(width: int = 4) -> nn.Module:
        raise RuntimeError("no such layer")

    def wrong_head() -> nn.Module:
        return nn.Linear(64, 3)  # 3 outputs for 10 classes

    run = run_curve((X, y), {"ok": TorchLearner(make_net, epochs=2),
                             "broken": TorchLearner(broken), "head": TorchLearner(wrong_head)},
                    seeds=1, sizes=[64], store=tmp_path / "s.sqlite", progress=False,
                    eval_folds=1)
    df = run.to_frame().set_index("model")
    assert df.loc["ok", "status"] == "ok"
    assert "RuntimeError: no such layer" in df.loc["broken", "error"]
    assert "expected (" in df.loc["head", "error"] and "10 classes" in df.loc["head", "error"]
    text = run.describe_failures()
    assert text.startswith("2 of 3 trials failed") and "no such layer" in text


def test_sweep_gives_a_scaling_law_and_a_diagnosis(digits, tmp_path) -> None:
    X, y = digits
    run = run_curve((X, y), {"net": TorchLearner(make_net, epochs=30, lr=1e-2)},
                    sweep={"width": [2, 8, 32]}, seeds=2, sizes=[64, 128, 256, 512, 1024],
                    store=tmp_path / "s.sqlite", progress=False, eval_folds=1)
    df = run.to_frame()
    sizes = df.groupby("model")["params"].first()
    assert sizes["net(width=2)"] < sizes["net(width=8)"] < sizes["net(width=32)"]
    law = fit_scaling_law(df)
    assert law.predict(params=float(sizes.max()), n=1024.0) > law.predict(
        params=float(sizes.min()), n=1024.0)
    d = run.diagnose("net(width=2)")
    assert d.bottleneck == "model_capacity"
    assert run.fit()["net(width=32)"].predict(2048) > 0.8
    assert "net(width=8)" in run._repr_html_()


def test_bad_inputs_name_the_argument(digits, tmp_path) -> None:
    X, y = digits
    store = tmp_path / "s.sqlite"
    cases = [
        (dict(data="not data", learners="sklearn:LogisticRegression"), "data"),
        (dict(data=(X, y[:10]), learners="sklearn:LogisticRegression"), "y"),
        (dict(data=(X, y), learners=42), "learners"),
        (dict(data=(X, y), learners={}), "learners"),
        (dict(data=(X, y), learners=LogisticRegression(), sweep={"nope": [1, 2]}), "sweep"),
        (dict(data=(X, y), learners="sklearn:LogisticRegression", sweep={"C": 1.0}), "sweep"),
        (dict(data=(X, y), learners="sklearn:LogisticRegression", eval_size=0), "eval_size"),
        (dict(data=(X, y), learners="sklearn:LogisticRegression", executor="cloud"),
         "executor"),
        (dict(data=(X, y), learners=["sklearn:LogisticRegression"], progress="yes"),
         "progress"),
    ]
    for kwargs, name in cases:
        with pytest.raises(InputError) as err:
            run_curve(**kwargs, sizes=[32, 64], seeds=1, store=store)
        assert err.value.name == name, (kwargs, err.value)
    with pytest.raises(InputError, match="learners"):
        resolve_learners([TorchLearner(make_net), TorchLearner(make_net, epochs=3)])


def test_polars_and_pandas_frames_give_the_same_trials(tmp_path) -> None:
    pl = pytest.importorskip("polars")
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"a": rng.normal(size=300), "b": rng.normal(size=300)})
    df["label"] = np.where(df["a"] + 0.5 * df["b"] > 0, "yes", "no")
    kw = dict(seeds=1, sizes=[40, 120], progress=False, label="label")
    a = run_curve(df, "sklearn:LogisticRegression", store=tmp_path / "a.sqlite", **kw)
    b = run_curve(pl.from_pandas(df), "sklearn:LogisticRegression",
                  store=tmp_path / "b.sqlite", **kw)
    cols = ["key", "model", "n", "seed", "val_score", "train_score"]
    pd.testing.assert_frame_equal(a.to_frame()[cols], b.to_frame()[cols])


class NearestMean:
    """A learner that is not a scikit-learn estimator: fit / predict / predict_proba."""

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        self.means_ = np.stack([X[y == c].mean(axis=0) for c in self.classes_])
        return self

    def predict_proba(self, X):
        d = ((X[:, None, :] - self.means_[None]) ** 2).sum(axis=2)
        p = np.exp(-(d - d.min(axis=1, keepdims=True)))
        return p / p.sum(axis=1, keepdims=True)

    def predict(self, X):
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


def test_plain_learner_objects_and_worker_processes(digits, tmp_path) -> None:
    X, y = digits
    learners = {"nm": NearestMean(), "net": TorchLearner(make_net, epochs=5)}
    serial = run_curve((X, y), learners, seeds=2, sizes=[64, 256], progress=False,
                       store=tmp_path / "a.sqlite", eval_folds=1)
    parallel = run_curve((X, y), learners, seeds=2, sizes=[64, 256], progress=False,
                         store=tmp_path / "b.sqlite", jobs=2, eval_folds=1)
    cols = ["key", "model", "n", "seed", "val_score", "train_score", "params"]
    a = serial.to_frame()[cols].sort_values("key").reset_index(drop=True)
    b = parallel.to_frame()[cols].sort_values("key").reset_index(drop=True)
    assert (serial.to_frame()["status"] == "ok").all()
    pd.testing.assert_frame_equal(a, b)
    nm = serial.summary().set_index(["model", "n"])["val_mean"]
    assert nm[("nm", 256)] > 0.8


class NeedsTable(ClassifierMixin, BaseEstimator):
    """A third-party style estimator that only takes finite 2-D tables."""

    def __init__(self, C: float = 1.0) -> None:
        self.C = C

    def fit(self, X, y):
        assert X.ndim == 2 and np.isfinite(X).all(), X.shape
        self.model_ = LogisticRegression(C=self.C, max_iter=300).fit(X, y)
        self.classes_ = self.model_.classes_
        return self

    def predict_proba(self, X):
        assert X.ndim == 2
        return self.model_.predict_proba(X)

    def predict(self, X):
        return self.model_.predict(X)


def test_bare_estimators_get_the_spec_preprocessing(digits, tmp_path) -> None:
    X, y = digits
    images = X.reshape(-1, 1, 8, 8).copy()
    images[::7, 0, 0, 0] = np.nan  # missing pixels: imputed, as for a spec
    run = run_curve((images, y), {"mine": NeedsTable(C=0.5)}, seeds=1, sizes=[64, 256],
                    store=tmp_path / "s.sqlite", progress=False)
    assert (run.to_frame()["status"] == "ok").all(), run.describe_failures()
    assert run.summary()["val_mean"].iloc[-1] > 0.85
