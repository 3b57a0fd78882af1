"""Every surface survives any results table and agrees with the others: random tables
(1–5 seeds, exact ties, NaN train scores, 1–3 models, 1–2 datasets, bounded and
regression metrics) go through `analyze`, the report and the CLI's fit, plan and
diagnose, which either answer, and answer the same, or refuse in one line."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from datacurve import InputError, analyze, render_report
from datacurve.metrics import get_metric
from tests.cli.test_cli import run_cli

METRICS = ("accuracy", "error", "r2", "rmse", "log_loss")


@st.composite
def tables(draw: st.DrawFn) -> pd.DataFrame:
    """A results table as the runner writes it (scores higher-is-better), with the
    awkward cases drawn on purpose."""
    metric = get_metric(draw(st.sampled_from(METRICS)))
    n_sets = draw(st.integers(1, 2))
    rows = []
    for d in range(n_sets):
        n_models = draw(st.integers(1, 3))
        n_sizes = draw(st.integers(1, 6))
        sizes = (16 * 2 ** np.arange(n_sizes)).tolist()
        seeds = draw(st.integers(1, 5))
        for k in range(n_models):
            ties = draw(st.booleans())
            top = draw(st.floats(0.55, 0.98))
            scale = draw(st.floats(0.0, 3.0))
            nan_train = draw(st.booleans())
            for n in sizes:
                base = top - scale * n ** -0.5
                for s in range(seeds):
                    noise = 0.0 if ties else draw(st.floats(-0.02, 0.02))
                    acc = float(np.clip(base + noise, 0.01, 0.999))
                    nat = {"accuracy": acc, "error": 1 - acc, "r2": 2 * acc - 1,
                           "rmse": 10 * (1 - acc), "log_loss": -math.log(acc)}[metric.name]
                    train = min(acc + 0.05, 0.999)
                    tnat = {"accuracy": train, "error": 1 - train, "r2": 2 * train - 1,
                            "rmse": 10 * (1 - train),
                            "log_loss": -math.log(train)}[metric.name]
                    rows.append({
                        "model": f"m{k}", "params": 100 * (k + 1), "n": int(n), "seed": s,
                        "train_score": np.nan if nan_train else metric.orient(tnat),
                        "val_score": metric.orient(nat), "metric": metric.name,
                        "status": "ok", "fit_time": 1e-4 * n * (k + 1),
                        "dataset": f"fp{d}", "dataset_name": f"set{d}",
                        "task": "classification" if metric.name in
                        ("accuracy", "error", "log_loss") else "regression"})
    return pd.DataFrame(rows)


def _target(table: pd.DataFrame) -> float:
    """A target a little above the best measured score, inside the metric's range."""
    m = get_metric(str(table["metric"].iloc[0]))
    best = float(m.natural(table["val_score"].to_numpy()).max() if m.higher_is_better
                 else m.natural(table["val_score"].to_numpy()).min())
    t = m.from_error(0.9 * m.to_error(best))
    return float(np.clip(t, m.lower, m.upper))


@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow])
@given(table=tables())
def test_every_surface_answers_and_agrees(table: pd.DataFrame, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    """For each dataset of a random table: the report renders, and the CLI's plan and
    diagnose either give the analysis' own numbers or refuse in one line (exit 2)."""
    csv = tmp_path / "r.csv"
    table.to_csv(csv, index=False)
    target = _target(table)
    for name in table["dataset_name"].unique():
        a = analyze(table, dataset=name, target=target)
        page = render_report(a)
        assert "</html>" in page
        code, out, err = run_cli(["plan", str(csv), "--dataset", name, "--target",
                                  repr(target), "--json"], capsys)
        if code == 0:
            for p in json.loads(out)["plans"]:
                mine = a.plans()[p["model"]]
                got = math.inf if p["samples_needed"] is None else p["samples_needed"]
                assert got == pytest.approx(mine.samples_needed)
        else:
            assert code == 2 and len(err.strip().splitlines()) == 1, err
        code, out, err = run_cli(["diagnose", str(csv), "--dataset", name, "--target",
                                  repr(target), "--json"], capsys)
        if code == 0:
            for d in json.loads(out)["diagnoses"]:
                assert d["bottleneck"] == a.diagnoses()[d["model"]].bottleneck
        else:
            assert code == 2 and len(err.strip().splitlines()) == 1, err
    with pytest.raises(InputError) if table["dataset"].nunique() > 1 else _nothing():
        analyze(table)


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None
