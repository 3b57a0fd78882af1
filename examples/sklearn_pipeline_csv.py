"""A scikit-learn pipeline on a CSV: is more data worth buying, and how much?

Your pipeline keeps doing its own preprocessing: datacurve hands a `Pipeline` the
table's columns as a DataFrame (without the label column), so a `ColumnTransformer` that
selects columns by name works unchanged. A bare estimator would get datacurve's numeric
encoding instead.

Without ``--csv``, a customer-churn-like table with numeric and categorical columns and
a few missing values is written to a temporary file first.

Usage: python examples/sklearn_pipeline_csv.py [--csv FILE --label COLUMN]
                                               [--seeds 3] [--target 0.82]
                                               [--store pipeline.sqlite]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer, make_column_selector
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from datacurve import run_curve


def write_churn(path: Path, n: int = 3000, seed: int = 0) -> Path:
    """A table whose label depends nonlinearly on numeric and categorical columns."""
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({
        "tenure_months": rng.integers(1, 72, n),
        "monthly_fee": rng.normal(60, 20, n).round(2),
        "support_calls": rng.poisson(1.5, n),
        "plan": rng.choice(["basic", "plus", "pro"], n, p=[0.5, 0.3, 0.2]),
        "region": rng.choice(["north", "south", "east", "west"], n),
    })
    risk = (-0.04 * df["tenure_months"] + 0.03 * (df["monthly_fee"] - 60)
            + 0.5 * df["support_calls"] + df["plan"].map({"basic": 0.8, "plus": 0.0,
                                                           "pro": -0.6})
            + 0.8 * ((df["region"] == "south") & (df["support_calls"] > 2)))
    df["churned"] = np.where(risk + rng.logistic(0, 0.6, n) > 0, "yes", "no")
    df.loc[rng.random(n) < 0.03, "monthly_fee"] = np.nan
    df.to_csv(path, index=False)
    return path


def make_pipelines() -> dict[str, Pipeline]:
    """Two pipelines that preprocess the columns themselves."""
    numeric = make_pipeline(SimpleImputer(strategy="median"), StandardScaler())
    prep = ColumnTransformer([
        ("num", numeric, make_column_selector(dtype_include="number")),
        ("cat", OneHotEncoder(handle_unknown="ignore"),
         make_column_selector(dtype_include=["object", "string"])),
    ])
    return {
        "logreg": Pipeline([("prep", prep), ("model", LogisticRegression(max_iter=1000))]),
        "boosting": Pipeline([("prep", prep),
                              ("model", HistGradientBoostingClassifier(max_iter=100))]),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", type=Path, default=None)
    parser.add_argument("--label", default="churned")
    parser.add_argument("--rows", type=int, default=3000, help="rows of the generated table")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--target", type=float, default=0.82)
    parser.add_argument("--store", default="pipeline.sqlite")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        csv = args.csv or write_churn(Path(tmp) / "churn.csv", args.rows)
        table = pd.read_csv(csv)
    run = run_curve(table, make_pipelines(), label=args.label, seeds=args.seeds,
                    store=args.store, name=csv.name)
    print(run.summary()[["model", "n", "val_mean", "val_std", "train_mean"]]
          .to_string(index=False))
    if run.failed:
        print(run.describe_failures())
    for model in run.design.models:
        plan = run.plan(args.target, model=model)
        if plan.reachable:
            lo, hi = plan.samples_interval
            print(f"{model}: {plan.target:g} {plan.metric} needs about "
                  f"{plan.samples_needed:,.0f} samples (80 % interval {lo:,.0f}-{hi:,.0f}); "
                  f"{plan.predicted_now:.3f} now at {plan.have:,}")
        else:
            print(f"{model}: {plan.target:g} {plan.metric} is out of reach; the curve levels "
                  f"off near {plan.asymptote:.3f}")


if __name__ == "__main__":
    main()
