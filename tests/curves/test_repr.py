"""What ``print(x)`` / a notebook's echo shows for the values users hold: one short line
with the facts that matter, never index arrays, whole tables or every family's weight.

`CurveRun` and `CurvePlan` carried a dataclass repr of 1.5 million characters (every
evaluation fold's index arrays and the whole results table); `Diagnosis`, `DataPlan`,
`ModelAnalysis`, `SweepAnalysis`, `Allocation` and `LearningCurve` dumped nested values.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

import datacurve as dc
from datacurve.curves import plan_curve
from tests.conftest import scripted_dataset, scripted_spec

LIMIT = 300
LONG = "torch:mypkg.models.make_very_long_network_name(width=512, depth=12, dropout=0.25)"


def check_short(obj: Any, *facts: str, limit: int = LIMIT) -> str:
    """repr(obj): one line of at most `limit` characters, no NumPy array or DataFrame
    dump, naming every fact."""
    text = repr(obj)
    assert len(text) <= limit, f"{len(text)} characters: {text[:400]}"
    assert "\n" not in text and "array(" not in text and "dtype" not in text, text
    for fact in facts:
        assert fact in text, (fact, text)
    return text


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> dc.CurveRun:
    store = tmp_path_factory.mktemp("repr") / "k.sqlite"
    return dc.run_curve(scripted_dataset(600), {"good": scripted_spec(asymptote=0.95),
                                                "weak": scripted_spec(asymptote=0.8,
                                                                      params=50)},
                        seeds=2, store=store, progress=False)


def test_curve_run_repr_is_one_summary_line(run: dc.CurveRun, tmp_path: Path) -> None:
    """Dataset, models, sizes (first, last, how many), seeds, folds, trials ok / ran /
    reused / failed, seconds and the store's file name."""
    text = check_short(run, "CurveRun(", "dataset='scripted600'", "'good'", "'weak'",
                       "sizes=[16, ..., 480] (11)", "seeds=2", "eval_folds=5",
                       f"{len(run.results)} ok ({run.ran} ran, {run.cached} reused)",
                       "0 failed", "store='k.sqlite'")
    assert re.search(r", \d+\.\d s, ", text), text
    assert run._repr_html_ is not None                   # the notebook table stays

    again = dc.run_curve(scripted_dataset(600), {"good": scripted_spec(asymptote=0.95),
                                                 "weak": scripted_spec(asymptote=0.8,
                                                                       params=50)},
                         seeds=2, store=run.store_path, progress=False)
    check_short(again, f"{len(run.results)} ok (0 ran, {len(run.results)} reused)")


def test_curve_run_repr_with_failures_and_many_long_names(tmp_path: Path) -> None:
    """Failed trials are counted; six 80-character model names still give a short line
    (the first three, cut, and how many)."""
    learners = {f"{LONG}#{i}": scripted_spec(asymptote=0.9, fail_above=100 + i)
                for i in range(6)}
    run = dc.run_curve(scripted_dataset(300), learners, seeds=1, sizes=[32, 64, 128, 200],
                       eval_folds=1, store=tmp_path / "s.sqlite", progress=False)
    assert run.failed == 12
    check_short(run, "12 ok (12 ran, 0 reused), 12 failed", "...] (6)",
                "sizes=[32, 64, 128, 200]", "seeds=1")
    check_short(run.design, "CurvePlan(", "...] (6)", "trials=24")


def test_curve_plan_repr(tmp_path: Path) -> None:
    plan = plan_curve(scripted_dataset(600), [scripted_spec()], seeds=3)
    check_short(plan, "CurvePlan(dataset='scripted600'", "seeds=3",
                f"trials={len(plan.trials)}", f"({plan.anchors.size})")


def test_analysis_values_have_short_reprs(run: dc.CurveRun) -> None:
    """Results, Analysis, ModelAnalysis, LearningCurve, Diagnosis and its
    Recommendations, DataPlan: each one short line with its key facts."""
    a = dc.analyze(run, target=0.85)
    check_short(dc.Results.from_source(run), "scripted600", "2 models")
    check_short(a, "Analysis(", "good", "weak")
    good = a.models["good"]
    check_short(good, "ModelAnalysis(model='good'", "bottleneck=", "samples_needed=")
    curve = good.curve
    assert curve is not None
    check_short(curve, "LearningCurve(", f"method={curve.method!r}",
                f"family={curve.family!r}", "sizes=[16, ..., 480] (11)",
                f"asymptote={curve.asymptote:.4g}")
    d = good.diagnosis
    assert d is not None
    check_short(d, "Diagnosis(model='good'", f"bottleneck={d.bottleneck!r}", "n=480",
                *(r.action for r in d.recommendations[:4]))
    for r in d.recommendations:
        check_short(r, "Recommendation(", f"action={r.action!r}", r.reason[:40])
    p = good.plan
    assert p is not None
    check_short(p, "DataPlan(model='good'", "target=0.85 accuracy", "have=480",
                "samples_needed=")
    check_short(dc.fit_curves(run.results), "LearningCurve(", limit=2 * LIMIT)


def test_sweep_values_have_short_reprs(tmp_path: Path) -> None:
    """A declared sweep's analysis, its joint law and its compute-optimal allocation."""
    run = dc.run_curve(scripted_dataset(600), {"net": "datacurve.models._scripted:"
                                                      "scripted_sweep(sleep_per_sample="
                                                      "2e-5)"},
                       sweep={"params": [100, 1000, 10000]}, seeds=1, eval_folds=1,
                       store=tmp_path / "s.sqlite", progress=False)
    a = dc.analyze(run, compute_budget=0.01)
    sweep = a.sweeps["net"]
    check_short(sweep, "SweepAnalysis(architecture='net'", "net(params=100", "law=fitted")
    assert sweep.law is not None and sweep.allocation is not None
    check_short(sweep.law, "ScalingLaw(err = ", "/P^", "/n^", "metric='accuracy'")
    check_short(sweep.allocation, "Allocation(params=", "limited_by=",
                f"alternatives={len(sweep.allocation.alternatives)}")


def test_data_and_audit_reprs_stay_short() -> None:
    """Dataset and AuditReport (already short): a skipped check is named as skipped."""
    ds = scripted_dataset(300)
    check_short(ds, "scripted300")
    report = dc.audit(ds, checks=["exact_duplicate", "leakage"])
    check_short(report, "AuditReport(", "exact_duplicate=0", "skipped: leakage")
