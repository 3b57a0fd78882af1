"""What `datacurve curve` may run: a file in the working directory never shadows the
standard library, a spec never calls the standard library, and factory functions run
only from modules the user allows with --allow-module."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from datacurve.models import ALLOW_MODULES_ENV
from tests.cli.test_cli import assert_one_line_error, run_cli

# Standard-library modules a run imports after the command line is parsed (pickletools
# ran in the reported incident), and json, which the CLI imports itself.
SHADOWED = ("pickletools", "json", "pickle", "copyreg", "tempfile", "joblib")
TRAP = '''import pathlib
pathlib.Path(__file__).with_name("TRAPPED-" + __name__).write_text("ran")
'''
USER_MODELS = '''import pathlib
from sklearn.linear_model import LogisticRegression


def make_lr(C=1.0):
    pathlib.Path(__file__).parent.parent.joinpath("FACTORY-CALLED").write_text("ran")
    return LogisticRegression(C=C, max_iter=300)
'''
DATACURVE = Path(sys.executable).parent / "datacurve"


@pytest.fixture(autouse=True)
def _no_allowed_modules(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI records --allow-module in the environment: restore it after each test."""
    monkeypatch.delenv(ALLOW_MODULES_ENV, raising=False)


@pytest.fixture
def booby_trapped(tmp_path: Path) -> Path:
    """A working directory holding modules named like the standard library's (and
    joblib's) that leave a mark when imported, and a user package."""
    for name in SHADOWED:
        (tmp_path / f"{name}.py").write_text(TRAP)
    pkg = tmp_path / "userpkg_safety"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "models.py").write_text(USER_MODELS)
    return tmp_path


def run_in(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The installed `datacurve` command in a fresh process, in `cwd`."""
    if not DATACURVE.exists():
        pytest.skip("the datacurve console script is not installed beside this Python")
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONSTARTUP", ALLOW_MODULES_ENV)}
    return subprocess.run([str(DATACURVE), *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300, check=False)


def trapped(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("TRAPPED-"))


def test_files_in_the_working_directory_do_not_shadow_the_standard_library(
        booby_trapped: Path) -> None:
    """A plain scikit-learn run imports nothing from the working directory."""
    proc = run_in(booby_trapped, "curve", "digits", "-m", "sklearn:LogisticRegression()",
                  "--sizes", "32", "--seeds", "1", "--eval-folds", "1", "--store",
                  "s.sqlite", "--json")
    assert proc.returncode == 0, proc.stderr
    assert trapped(booby_trapped) == []
    assert json.loads(proc.stdout)["results"][0]["status"] == "ok"


def test_a_project_factory_is_found_after_the_standard_library(booby_trapped: Path) -> None:
    """A factory of the working directory's package runs once allowed (the directory is
    appended to the path), and the trap files beside it still do not."""
    proc = run_in(booby_trapped, "curve", "digits", "-m",
                  "userpkg_safety.models:make_lr(C=0.5)", "--allow-module", "userpkg_safety",
                  "--sizes", "32", "--seeds", "1", "--eval-folds", "1", "--store", "s.sqlite",
                  "--json")
    assert proc.returncode == 0, proc.stderr
    assert trapped(booby_trapped) == []
    assert (booby_trapped / "FACTORY-CALLED").exists()
    result = json.loads(proc.stdout)["results"][0]
    assert result["status"] == "ok" and result["model"] == "userpkg_safety.models:make_lr(C=0.5)"


def test_a_factory_that_was_not_allowed_is_refused_before_it_runs(booby_trapped: Path) -> None:
    proc = run_in(booby_trapped, "curve", "digits", "-m", "userpkg_safety.models:make_lr",
                  "--sizes", "32", "--store", "s.sqlite")
    assert proc.returncode == 2
    assert "--model" in proc.stderr and "--allow-module" in proc.stderr
    assert "userpkg_safety" in proc.stderr and "Traceback" not in proc.stderr
    assert not (booby_trapped / "FACTORY-CALLED").exists()
    assert trapped(booby_trapped) == []


@pytest.mark.parametrize("template", [
    'shutil:rmtree(path="{victim}")',
    'os:system(command="rm -rf {victim}")',
    "builtins:eval(source=\"__import__('shutil').rmtree('{victim}')\")",
])
def test_standard_library_specs_are_refused_and_nothing_runs(
        template: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The reported incident: `-m 'shutil:rmtree(path=...)'` deleted a directory and
    exited 0. Now it is a one-line error (exit 2) and the directory survives."""
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "keep.txt").write_text("data")
    code, _, err = run_cli(["curve", "digits", "-m", template.format(victim=victim),
                            "--sizes", "32", "--store", str(tmp_path / "s.sqlite")], capsys)
    assert_one_line_error(code, err, "--model", "standard library", "--allow-module")
    assert (victim / "keep.txt").read_text() == "data"
    assert not (tmp_path / "s.sqlite").exists()


def test_allowing_the_standard_library_is_refused(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(["curve", "digits", "-m", "sklearn:LogisticRegression",
                            "--allow-module", "shutil", "--sizes", "32", "--store",
                            str(tmp_path / "s.sqlite")], capsys)
    assert_one_line_error(code, err, "--allow-module", "standard library", "'shutil'")


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.chdir(tmp_path)
    saved = list(sys.path)
    yield tmp_path
    sys.path[:] = saved


def test_sys_path_is_left_alone_unless_a_spec_needs_the_working_directory(
        in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Built-in and sklearn: specs change nothing; a module found only in the working
    directory appends it (never prepends it)."""
    from datacurve.cli._app import _importable_cwd

    before = list(sys.path)
    _importable_cwd(["sklearn:LogisticRegression()", "mlp", "sklearn.svm.SVC()"])
    assert sys.path == before
    (in_tmp / "dc_cwd_only_pkg").mkdir()
    (in_tmp / "dc_cwd_only_pkg" / "__init__.py").write_text("")
    _importable_cwd(["dc_cwd_only_pkg.models:make_net"])
    assert sys.path == [*before, str(in_tmp)]
