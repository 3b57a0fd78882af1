"""Regression tests on the deep-learning corpus (bench/data/dl_corpus.csv.gz, issue 16):
neural-network learning curves made with datacurve's own runner on 12 generated tasks.

Two meta-models ship. The classical one (meta_lcdb*.npz) was trained on LCDB alone and
never saw these curves, so the first test is a held-out guard of it on neural networks.
The network one (meta_dl*.npz), which `fit_model_curve` uses for ``mlp`` and
``cnn``, was trained on LCDB and this corpus together; its held-out figures (tasks and
architecture families left out) come from ``bench/extrapolation.py --corpus-cv`` (README,
Benchmarks → Extrapolation). Here it is checked on a grid it never saw
(bench/data/mnist1d_curves.csv: another MNIST-1D draw, sizes to 32,000) and for being
chosen by the learner's kind."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import curve_fit

from datacurve.fit import fit_learning_curve, fit_model_curve
from datacurve.models import is_network

DATA = Path(__file__).resolve().parents[2] / "bench" / "data"
CORPUS = DATA / "dl_corpus.csv.gz"
GRID = DATA / "mnist1d_curves.csv"


@pytest.fixture(scope="module")
def corpus() -> pd.DataFrame:
    """The corpus's finished trials."""
    df = pd.read_csv(CORPUS)
    return df[df["status"] == "ok"]


def _observe(g: pd.DataFrame, f: float = 1 / 8
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray, float, float]:
    """Every seed's scores up to M·f, the largest size M and the mean score there."""
    M = float(g["n"].max())
    seen = g[g["n"] <= M * f]
    return (seen["n"].to_numpy(float), seen["val_score"].to_numpy(float),
            seen["train_score"].to_numpy(float), M,
            float(g.loc[g["n"] == M, "val_score"].mean()))


def _pow3(n: np.ndarray, y: np.ndarray, at: float) -> float:
    """The published baseline: a - b n^-c by curve_fit on the per-size means, in [0, 1]."""
    means = pd.Series(y).groupby(n).mean()

    def f(x: np.ndarray, a: float, b: float, c: float) -> np.ndarray:
        return a - b * x ** (-c)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            p, _ = curve_fit(f, means.index.to_numpy(float), means.to_numpy(),
                             p0=[means.iloc[-1], 1.0, 0.5], maxfev=10_000)
        except (RuntimeError, ValueError):
            return float(means.iloc[-1])
    return float(np.clip(f(np.array([at]), *p)[0], 0.0, 1.0))


@pytest.mark.parametrize(("network", "most", "cover"), [(False, 0.95, (0.6, 0.95)),
                                                        (True, 0.7, (0.7, 0.9))])
def test_corpus_extrapolation_beats_pow3(corpus: pd.DataFrame, network: bool, most: float,
                                         cover: tuple[float, float]) -> None:
    """From 1/8 of the largest size (curves reaching at least 4,096), with the runner's
    train scores, each shipped meta-model errs less than pow3 on average and its 80 %
    interval holds the truth for the share of curves it was measured at.

    Measured 2026-12-01 on 167 curves. The classical model (held out: it never saw the
    corpus): MAE 0.0779 against pow3's 0.0876 (0.89×), coverage 0.66, the reason networks
    have their own. The network model (trained on these curves, so in-sample: this guards
    that the shipped file is the one learned on the corpus; its held-out figures are in
    README): 0.0494 (0.56×), coverage 0.80."""
    errors, pow3, covered = [], [], []
    for _, g in corpus.groupby(["task_name", "model"]):
        if g["n"].max() < 4096:
            continue
        n, y, tr, M, truth = _observe(g)
        fit = fit_learning_curve(n, y, train_scores=tr, network=network)
        assert fit.meta_model == ("network" if network else "classical")
        errors.append(abs(fit.predict(M) - truth))
        pow3.append(abs(_pow3(n, y, M) - truth))
        lo, hi = fit.interval(M, 0.8)
        covered.append(lo <= truth <= hi)
    assert len(errors) >= 150
    assert np.mean(errors) <= most * np.mean(pow3)
    assert cover[0] <= np.mean(covered) <= cover[1]


def test_network_model_on_an_unseen_grid() -> None:
    """On eight MLP and CNN curves of an MNIST-1D draw none of the meta-models saw, observed
    up to 4,000 and predicted at 32,000, the network meta-model errs at least 10 % less
    than the classical one and 20 % less than pow3 (measured 2026-12-01 on the first six:
    0.043 against 0.051 and datacurve's pow3 fit's 0.057; with cnn:width=48 and
    mlp:width=64 added the same day: 0.033 against 0.041 and 0.061)."""
    grid = pd.read_csv(GRID)
    grid = grid[grid["status"] == "ok"]
    err: dict[str, list[float]] = {"network": [], "classical": [], "pow3": []}
    for model, g in grid.groupby("model"):
        assert is_network(str(model))
        seen = g[g["n"] <= 4000]
        truth = float(g.loc[g["n"] == g["n"].max(), "val_score"].mean())
        fits = {"network": fit_learning_curve(seen["n"], seen["val_score"],
                                              train_scores=seen["train_score"],
                                              network=True),
                "classical": fit_learning_curve(seen["n"], seen["val_score"],
                                                train_scores=seen["train_score"]),
                "pow3": fit_learning_curve(seen["n"], seen["val_score"], method="pow3")}
        assert fits["network"].meta_model == "network"
        for name, fit in fits.items():
            err[name].append(abs(float(fit.predict(32_000)) - truth))
    mae = {k: float(np.mean(v)) for k, v in err.items()}
    assert len(err["network"]) == 8
    assert mae["network"] <= 0.9 * mae["classical"]
    assert mae["network"] <= 0.8 * mae["pow3"]


def test_meta_model_chosen_by_learner_kind(corpus: pd.DataFrame) -> None:
    """`fit_model_curve` uses the network meta-model for datacurve's networks, the classical
    one for other learners (scikit-learn's MLP included) and when told ``network=False``;
    the choice is in `LearningCurve.to_dict`."""
    g = corpus[(corpus["task_name"] == "mnist1d-default")
               & (corpus["model"] == "cnn:width=4")]
    table = g[["model", "params", "n", "seed", "train_score", "val_score", "metric"]]
    assert fit_model_curve(table).meta_model == "network"
    assert fit_model_curve(table).to_dict()["meta_model"] == "network"
    assert fit_model_curve(table, network=False).meta_model == "classical"
    other = table.assign(model="sklearn:MLPClassifier()")
    assert fit_model_curve(other).meta_model == "classical"
    assert fit_model_curve(other, network=True).meta_model == "network"
    assert fit_learning_curve(g["n"], g["val_score"], method="average").meta_model is None
