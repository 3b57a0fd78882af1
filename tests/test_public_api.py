"""The contracts of DESIGN that other code relies on, at the top level (the room-by-room
``__all__`` checks live in tests/test_architecture.py)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest


def test_fit_contract_is_at_the_top_level() -> None:
    """`from datacurve import fit_learning_curve` works and returns the documented API."""
    from datacurve import fit_learning_curve

    fit = fit_learning_curve([16, 32, 64, 128], [0.5, 0.6, 0.68, 0.73])
    for attr in ("predict", "interval", "size_for", "asymptote", "size_interval", "gain"):
        assert hasattr(fit, attr)
    assert isinstance(fit.predict(256), float)
    assert fit.predict(np.array([256, 512])).shape == (2,)
    lo, hi = fit.interval(512, level=0.8)
    assert lo <= fit.predict(512) <= hi
    assert fit.size_for(0.99) == math.inf or fit.size_for(0.99) > 128


def test_diagnose_contract_takes_the_documented_table() -> None:
    """`diagnose(results, model=...)` with exactly DESIGN's six columns."""
    from datacurve import diagnose

    rows = [{"model": m, "params": p, "n": n, "seed": s,
             "train_score": 1.0 - 0.5 * n ** -0.3,
             "val_score": top - 2.0 * n ** -0.5 + 0.002 * s}
            for m, p, top in (("small", 100, 0.8), ("big", 1000, 0.95))
            for n in (64, 128, 256, 512, 1024) for s in range(2)]
    d = diagnose(pd.DataFrame(rows), model="small")
    assert d.bottleneck in ("data", "model_capacity", "label_noise", "variance",
                            "saturated")
    assert d.recommendations and all(hasattr(r, a) for r in d.recommendations
                                     for a in ("action", "expected_gain", "evidence"))


def test_audit_contract_is_the_function() -> None:
    """`from datacurve import audit; audit(X, y)` runs the audit (DESIGN's call)."""
    from datacurve import audit

    X = np.random.default_rng(0).normal(size=(80, 4))
    y = (X[:, 0] > 0).astype(int)
    r = audit(np.vstack([X, X[:3]]), np.r_[y, y[:3]], checks=["exact_duplicate"])
    assert set(r.flagged("exact_duplicate")) == {0, 1, 2, 80, 81, 82}
    assert {"index", "check", "score"} <= set(r.issues.columns)


# -- DESIGN.md, section "Contracts that other code relies on" ----------------------------
# The contract text each test checks is copied beside it: the tests never read
# DESIGN.md or README.md at run time.


def test_fit_contract_as_design_writes_it() -> None:
    """DESIGN.md, "Contracts that other code relies on", first block::

        from datacurve import fit_learning_curve
        fit = fit_learning_curve(sizes, scores, higher_is_better=True)
        # sizes: training-set sizes, may repeat (one entry per seed); scores: metric values
        fit.predict(n)                 # float for a scalar n, ndarray for an array
        fit.interval(n, level=0.8)     # (low, high)
        fit.size_for(target)           # training-set size where the curve reaches target;
                                       # math.inf if never
        fit.asymptote                  # the metric's limit as n -> infinity
    """
    from datacurve import fit_learning_curve

    sizes = [16, 16, 32, 32, 64, 64, 128, 128, 256, 256]          # two seeds per size
    scores = [0.50, 0.52, 0.60, 0.61, 0.67, 0.69, 0.72, 0.74, 0.76, 0.77]
    fit = fit_learning_curve(sizes, scores, higher_is_better=True)
    p = fit.predict(100)
    assert isinstance(p, float | np.floating) and np.ndim(p) == 0 and math.isfinite(p)
    arr = fit.predict(np.array([100, 1000, 10_000]))
    assert isinstance(arr, np.ndarray) and arr.shape == (3,)
    assert arr[0] <= arr[1] <= arr[2] <= fit.asymptote + 1e-9      # rises towards its limit
    ci = fit.interval(1000, level=0.8)
    assert isinstance(ci, tuple) and len(ci) == 2
    assert ci[0] <= fit.predict(1000) <= ci[1]
    assert isinstance(fit.asymptote, float) and 0.0 <= fit.asymptote <= 1.0
    need = fit.size_for(0.70)
    assert 64 <= need <= 256 and math.isfinite(need)
    assert fit.size_for(0.999) == math.inf                          # "math.inf if never"

    # The same contract for an error metric (lower is better).
    err = fit_learning_curve(sizes, [1 - s for s in scores], higher_is_better=False)
    assert err.predict(10_000) <= err.predict(100)
    assert err.size_for(0.30) == pytest.approx(need, rel=0.25)


def test_diagnose_contract_without_model_for_one_model() -> None:
    """DESIGN.md, "Contracts that other code relies on", second block::

        d = diagnose(results, model="cnn:width=4")
        # results: pandas DataFrame, one row per trial, columns:
        #   model (str), params (int, model size), n (train size), seed,
        #   train_score, val_score   (higher is better)
        # model: which model to diagnose; the other models in the table are evidence.
        #   May be omitted when the table holds one model.
        d.bottleneck     # one of "data", "model_capacity", "label_noise", "variance",
                         # "saturated"
        d.recommendations  # ranked; each has .action, .expected_gain, .evidence
    """
    from datacurve import diagnose
    from datacurve.diagnosis import BOTTLENECKS

    assert {"data", "model_capacity", "label_noise", "variance", "saturated"} <= set(
        BOTTLENECKS)
    rows = [{"model": "cnn:width=4", "params": 1200, "n": n, "seed": s,
             "train_score": 0.99 - 0.4 * n ** -0.3,
             "val_score": 0.95 - 2.0 * n ** -0.5 + 0.002 * s}
            for n in (64, 128, 256, 512, 1024, 2048) for s in range(3)]
    d = diagnose(pd.DataFrame(rows))                      # model omitted: one model
    assert d.model == "cnn:width=4"
    assert d.bottleneck in ("data", "model_capacity", "label_noise", "variance", "saturated")
    assert d.recommendations
    for r in d.recommendations:
        assert isinstance(r.action, str) and isinstance(r.evidence, dict)
        assert r.expected_gain is None or isinstance(r.expected_gain, float)


def test_audit_contract_signature_split_and_checks() -> None:
    """DESIGN.md, "Contracts that other code relies on", third block::

        from datacurve import audit        # the function, callable from the top level
        r = audit(X, y, split=None, groups=None, pred_probs=None, features=None)
        # X: array (n, d) or a Dataset; split: per-example "train"/"test" labels for
        #   leakage checks
        r.issues        # DataFrame: one row per (example, check) flagged, with a score
        r.flagged("label")  # indices of examples flagged by one check, e.g.
                            # "near_duplicate", "leakage"
    """
    import inspect

    import datacurve
    from datacurve import Dataset, audit

    assert callable(audit) and audit is datacurve.auditing.audit
    params = inspect.signature(audit).parameters
    for name in ("split", "groups", "pred_probs", "features"):
        assert params[name].default is None, name

    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 5))
    y = (X[:, 0] + 0.3 * rng.normal(size=120) > 0).astype(int)
    split = np.array(["train"] * 100 + ["test"] * 20, dtype=object)
    X[110] = X[3]                                 # a test row copied from training
    y[110] = y[3]
    r = audit(X, y, split=split, groups=None, pred_probs=None, features=None,
              checks=["leakage", "near_duplicate", "exact_duplicate"])
    leaks = r.flagged("leakage")
    assert {3, 110} <= {int(i) for i in leaks}
    assert np.issubdtype(np.asarray(leaks).dtype, np.integer)
    assert isinstance(r.issues, pd.DataFrame)
    assert {"index", "check", "score"} <= set(r.issues.columns)
    hit = r.issues[r.issues["check"] == "leakage"]
    assert set(hit["index"]) == {int(i) for i in leaks}        # one row per (example, check)

    # "X: array (n, d) or a Dataset"
    same = audit(Dataset(X, y, "classification", name="arrays"), split=split,
                 checks=["leakage"])
    assert set(same.flagged("leakage")) == set(leaks)


def test_every_name_design_promises_is_exported() -> None:
    """DESIGN.md, sections "The flow of data", "Rooms" and "Contracts that other code
    relies on": the names it writes — ``Dataset`` and its loaders (data); the
    ``Learner`` protocol and spec strings (models); ``CurvePlan``, the runner, the
    executors and ``Store`` (curves); ``Results.from_source`` (results);
    ``fit_learning_curve`` and the joint law (fit); ``diagnose`` (diagnose, here
    ``datacurve.diagnosis``); ``audit`` and ``clean`` (audit, here ``datacurve.auditing``);
    ``analyze()`` (analysis); the HTML report (report); the ``datacurve`` command (cli).
    Each is in its room's ``__all__``, and the three contract functions are importable
    from the top level ("from datacurve import fit_learning_curve / diagnose / audit")."""
    import importlib

    import datacurve

    promised = {
        "data": ["Dataset", "load", "builtin"],
        "models": ["Learner", "parse_spec"],
        "curves": ["CurvePlan", "CurveRun", "run_curve", "plan_curve", "Executor",
                   "SerialExecutor", "ProcessExecutor", "Store", "open_store"],
        "results": ["Results"],
        "fit": ["fit_learning_curve", "LearningCurve", "fit_scaling_law", "compute_optimal"],
        "diagnosis": ["diagnose", "Diagnosis", "Recommendation"],
        "auditing": ["audit", "clean", "AuditReport"],
        "analysis": ["analyze", "Analysis"],
        "report": ["build_report", "render_report"],
        "cli": ["app", "main"],
    }
    for room, names in promised.items():
        module = importlib.import_module(f"datacurve.{room}")
        for name in names:
            assert name in module.__all__, f"datacurve.{room}.{name}"
            assert getattr(module, name) is not None
    assert callable(datacurve.Results.from_source)
    for name in ("fit_learning_curve", "diagnose", "audit", "analyze", "Results", "Dataset",
                 "run_curve", "clean", "build_report"):
        assert name in datacurve.__all__, name
    assert datacurve.fit_learning_curve is datacurve.fit.fit_learning_curve
    assert datacurve.diagnose is datacurve.diagnosis.diagnose
    assert datacurve.audit is datacurve.auditing.audit

    # "the Learner protocol (fit(X, y), predict_proba(X); scikit-learn estimators
    #  satisfy it)"
    from sklearn.linear_model import LogisticRegression

    from datacurve.models import Learner
    assert isinstance(LogisticRegression(), Learner)


def test_demo_writes_its_report_to_demo_report() -> None:
    """DESIGN.md, "Contracts that other code relies on": "The demo (`make demo`) writes
    its report to `demo-report/index.html` in the repo root." — `make demo` runs
    ``datacurve demo`` from the repo root, whose report folder defaults to
    ``demo-report`` (the run itself is tests/cli/test_demo_cli.py)."""
    import inspect
    from pathlib import Path

    from datacurve.cli._app import demo

    assert inspect.signature(demo).parameters["report_dir"].default == Path("demo-report")
    makefile = Path(__file__).resolve().parents[1] / "Makefile"
    if makefile.is_file():
        assert "datacurve demo" in makefile.read_text()


# -- README.md, "The results table" -------------------------------------------------------
def test_results_table_columns(tmp_path: Path) -> None:
    """README.md, "The results table": "`Store.results()`, `datacurve results --out`, and
    `CurveRun.results` give one row per trial. The first six columns are the contract the
    fitting and diagnosis rooms read: model, params, n, seed, train_score, val_score
    (higher is better) ... followed by metric, dataset, dataset_name, task, eval_split,
    status, fit_time, predict_time, n_eval, error, key, sweep ..., eval_fold ..., design,
    identity, finished_at, used_at ... and train_<metric> / val_<metric> for every metric
    in natural units." """
    from datacurve import Results, open_store, run_curve
    from datacurve.cli._app import main
    from tests.conftest import scripted_dataset, scripted_spec

    store = tmp_path / "s.sqlite"
    run = run_curve(scripted_dataset(300), [scripted_spec()], seeds=2, sizes=[32, 64, 128],
                    eval_folds=1, store=store, progress=False)
    contract = ["model", "params", "n", "seed", "train_score", "val_score"]
    rest = ["metric", "dataset", "dataset_name", "task", "eval_split", "status", "fit_time",
            "predict_time", "n_eval", "error", "key", "sweep", "eval_fold", "design",
            "identity", "finished_at", "used_at"]
    with open_store(store) as st:
        from_store = st.results()
    assert main(["results", "--store", str(store), "--out", str(tmp_path / "r.csv")]) == 0
    exported = pd.read_csv(tmp_path / "r.csv")
    for table in (run.results, from_store, exported):
        assert list(table.columns[:6]) == contract
        assert set(rest) <= set(table.columns)
        assert {"train_accuracy", "val_accuracy", "val_error", "val_log_loss"} <= set(
            table.columns)
        assert len(table) == 3 * 2                         # one row per trial
    # higher is better: val_score is accuracy itself, not the error
    assert np.allclose(run.results["val_score"], run.results["val_accuracy"])
    assert list(Results.from_source(run).table.columns[:6]) == contract


# -- README.md, "Bad input": exit codes ----------------------------------------------------
class SignalSelf:
    """A learner that sends its own process `signum` while it trains (the in-process CLI
    runs it serially, so the CLI's own handler receives it)."""

    def __init__(self, signum: int = 15) -> None:
        self.signum = signum

    def fit(self, X: object, y: np.ndarray) -> SignalSelf:
        import os
        import time

        os.kill(os.getpid(), self.signum)
        time.sleep(5)                     # the handler raises here, in the main thread
        raise AssertionError("the signal did not stop the command")

    def predict(self, X: object) -> np.ndarray:
        return np.zeros(len(np.asarray(X)), dtype=np.int64)

    def predict_proba(self, X: object) -> np.ndarray:
        return np.full((len(np.asarray(X)), 3), 1 / 3)


def test_cli_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """README.md, "Bad input": "Exit codes: 0 done; 1 some trials of `datacurve curve`
    failed (the count is printed; the same command retries them) or another error;
    2 bad input; 3 every trial failed; 130 interrupted by Ctrl-C (SIGINT), 143 by
    SIGTERM." and "Measure a learning curve": "Ctrl-C and SIGTERM stop the workers, keep
    every finished trial and print one line, `datacurve: interrupted; run the same command
    again to resume` (exit 130 / 143)." """
    import signal
    import threading

    from datacurve.cli._app import main
    from tests.conftest import scripted_dataset, scripted_spec

    if threading.current_thread() is not threading.main_thread():
        pytest.skip("the CLI handles signals only in the main thread")
    ds = scripted_dataset(400)
    data = tmp_path / "d.npz"
    np.savez(data, X=ds.X, y=ds.y)

    def curve(spec: str, store: str) -> int:
        return main(["curve", str(data), "--model", spec, "--seeds", "1", "--eval-folds",
                     "1", "--sizes", "50,200", "--store", str(tmp_path / store), "--quiet"])

    assert curve(scripted_spec(), "ok.sqlite") == 0
    assert curve(scripted_spec(fail_above=100), "some.sqlite") == 1
    assert "1 of 2 trials failed" in capsys.readouterr().err
    assert curve(scripted_spec(fail_above=10), "all.sqlite") == 3
    assert "2 of 2 trials failed" in capsys.readouterr().err
    assert main(["curve", str(tmp_path / "missing.csv"), "--label", "y", "--model",
                 "mlp"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "missing.csv" in err
    for signum, code in ((signal.SIGINT, 130), (signal.SIGTERM, 143)):
        spec = f"tests.test_public_api:SignalSelf(signum={int(signum)})"
        assert curve(spec, f"sig{int(signum)}.sqlite") == code
        assert capsys.readouterr().err.strip().splitlines() == [
            "datacurve: interrupted; run the same command again to resume"]
