"""The user's own model from the command line: import-path factories (from modules the
user allows with --allow-module), sweeps, and the same stored trials as the Python API."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
import pytest
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression

from datacurve import run_curve
from datacurve.curves import Store
from datacurve.models import ALLOW_MODULES_ENV, allow_modules
from tests.cli.test_cli import assert_one_line_error, run_cli

USER_MODULE = '''
from torch import nn


def make_net(width=8):
    """A user's factory: returns a torch module for 64 features and 10 classes."""
    return nn.Sequential(nn.Linear(64, width), nn.ReLU(), nn.Linear(width, 10))


def make_broken(width=8):
    raise ValueError("the factory could not build width %d" % width)
'''
COLS = ["key", "model", "n", "seed", "params", "val_score", "train_score", "status"]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A user's project directory: a package with model factories and a CSV."""
    pkg = tmp_path / "userpkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "models.py").write_text(USER_MODULE)
    X, y = load_digits(return_X_y=True)
    df = pd.DataFrame(X[:600] / 16.0, columns=[f"p{i}" for i in range(64)])
    df["digit"] = y[:600]
    df.to_csv(tmp_path / "digits.csv", index=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delenv(ALLOW_MODULES_ENV, raising=False)  # restored after the test
    yield tmp_path
    for name in [m for m in sys.modules if m.startswith("userpkg")]:
        del sys.modules[name]


def stored(path: Path) -> pd.DataFrame:
    with Store(path, readonly=True) as st:
        table = st.results(include_failed=True)
    return table[COLS].sort_values("key").reset_index(drop=True)


@pytest.mark.parametrize(("cli_spec", "api_learner"), [
    ("userpkg.models:make_net(width=8)", "userpkg.models:make_net(width=8)"),
    ("sklearn:LogisticRegression(C=0.5, max_iter=300)",
     LogisticRegression(C=0.5, max_iter=300)),
])
def test_cli_and_api_store_identical_trials(project, capsys, cli_spec, api_learner) -> None:
    code, _, err = run_cli(["curve", "digits.csv", "--label", "digit", "-m", cli_spec,
                              "--sizes", "64,128", "--seeds", "2", "--store", "cli.sqlite",
                              "--eval-folds", "1", "--allow-module", "userpkg", "--json"],
                           capsys)
    assert code == 0, err
    allow_modules("userpkg")
    run_curve(pd.read_csv(project / "digits.csv"), api_learner, label="digit",
              sizes=[64, 128], seeds=2, store=project / "api.sqlite", progress=False,
              eval_folds=1)
    a, b = stored(project / "cli.sqlite"), stored(project / "api.sqlite")
    assert len(a) == 4 and (a["status"] == "ok").all()
    pd.testing.assert_frame_equal(a, b)


def test_cli_sweeps_a_factory_and_records_sizes(project, capsys) -> None:
    code, out, err = run_cli(["curve", "digits.csv", "--label", "digit", "-m",
                              "userpkg.models:make_net", "--sweep", "width=4,16",
                              "--sizes", "64,128", "--seeds", "1", "--store", "s.sqlite",
                              "--allow-module", "userpkg", "--json"], capsys)
    assert code == 0, err
    res = pd.DataFrame(json.loads(out)["results"])
    params = res.groupby("model")["params"].first()
    assert list(params.index) == ["userpkg.models:make_net(width=16)",
                                  "userpkg.models:make_net(width=4)"]
    assert params.iloc[0] > params.iloc[1] > 0


def test_cli_reports_failing_factories_and_goes_on(project, capsys) -> None:
    code, out, err = run_cli(["curve", "digits.csv", "--label", "digit",
                              "-m", "userpkg.models:make_broken", "-m",
                              "sklearn:LogisticRegression", "--sizes", "64",
                              "--seeds", "1", "--eval-folds", "1", "--store", "s.sqlite",
                              "--allow-module", "userpkg"], capsys)
    # The other model's trial is kept; the run says the curve is incomplete (exit 1).
    assert code == 1, err
    assert "1 of 2 trials failed" in out and "could not build width 8" in out
    assert "1 of 2 trials failed; run the same command again" in err


@pytest.mark.parametrize(("spec", "needles"), [
    ("userpkg.models:make_nett", ["--model", "has no 'make_nett'", "make_net"]),
    ("userpkg.models:make_net(depth=2)", ["--model", "no parameter 'depth'"]),
    ("nosuchpkg.models:make_net", ["--model", "cannot import 'nosuchpkg.models'"]),
])
def test_bad_import_specs_are_one_line_errors(project, capsys, spec, needles) -> None:
    code, _, err = run_cli(["curve", "digits.csv", "--label", "digit", "-m", spec,
                            "--sizes", "64", "--store", "s.sqlite", "--allow-module",
                            "userpkg"], capsys)
    assert_one_line_error(code, err, *needles)


def test_bad_sweep_is_a_one_line_error(project, capsys) -> None:
    code, _, err = run_cli(["curve", "digits.csv", "--label", "digit", "-m",
                            "userpkg.models:make_net", "--sweep", "width", "--store",
                            "s.sqlite", "--allow-module", "userpkg"], capsys)
    assert_one_line_error(code, err, "--sweep", "name=value")
