"""The per-(model, size) summary of a results table (a module of its own: reading a
store and printing its summary does not import the runner or the learners)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from datacurve.metrics import get_metric

__all__ = ["summarize"]


def summarize(results: pd.DataFrame) -> pd.DataFrame:
    """Per (model, n): params, repeated measurements, mean/std of evaluation and train
    metric.

    Parameters
    ----------
    results : DataFrame
        A results table (`Store.results`).

    Returns
    -------
    DataFrame
        Columns model, n, params (the lower median of the known parameter counts at
        that size; NaN when no trial recorded one), seeds (finished trials: seeds ×
        evaluation folds), val_mean, val_std, train_mean, fit_time, metric, failed;
        metric values in natural units.
    """
    if results.empty:
        return pd.DataFrame(columns=["model", "n", "params", "seeds", "val_mean", "val_std",
                                     "train_mean", "fit_time", "metric", "failed"])
    df = results.copy()
    metric = str(df["metric"].iloc[0])
    m = get_metric(metric)
    df["val"] = m.natural(df["val_score"].to_numpy(np.float64))
    df["train"] = m.natural(df["train_score"].to_numpy(np.float64))
    df["is_failed"] = df["status"] != "ok"
    # Failed trials record no size (-1); trees grow with n and differ by seed: the
    # (lower) median of the known counts, a count some trial measured, is the model's
    # size at that n.
    df["params"] = df["params"].where(df["params"] > 0)
    g = df.groupby(["model", "n"], sort=True)
    out = pd.DataFrame({
        "params": g["params"].quantile(0.5, interpolation="lower"),
        "seeds": g["val"].count(),
        "val_mean": g["val"].mean(),
        "val_std": g["val"].std(ddof=1),
        "train_mean": g["train"].mean(),
        "fit_time": g["fit_time"].mean(),
        "failed": g["is_failed"].sum().astype(int),
    }).reset_index()
    out["metric"] = metric
    return out
