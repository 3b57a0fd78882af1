"""Every bad input of the table in ``tests/cli/bad_inputs.py`` gets one line naming the
input, exit code 2, no traceback, and leaves every file as it was (nothing created,
changed or removed)."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pytest

from datacurve.cli._app import main
from tests.cli.bad_inputs import CASES, BadInput, make_files
from tests.cli.test_cli import assert_one_line_error


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("bad_inputs")
    before = Path.cwd()
    os.chdir(folder)
    try:
        make_files(folder)
    finally:
        os.chdir(before)
    return folder


def companion(path: Path) -> bool:
    """SQLite's own files beside a store it opened: the shared-memory index and an
    empty write-ahead log (made by any reader of a store in WAL mode; not user data)."""
    return path.name.endswith("-shm") or (path.name.endswith("-wal")
                                          and path.stat().st_size == 0)


def snapshot(folder: Path) -> dict[str, str]:
    """Every file and folder under `folder` with a digest of its bytes (SQLite's
    companion files aside)."""
    out: dict[str, str] = {}
    for path in sorted(folder.rglob("*")):
        if companion(path):
            continue
        rel = str(path.relative_to(folder))
        out[rel] = ("dir" if path.is_dir()
                    else hashlib.sha256(path.read_bytes()).hexdigest())
    return out


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_is_one_line_and_changes_nothing(case: BadInput, template: Path,
                                                   tmp_path: Path, capsys,
                                                   monkeypatch) -> None:
    folder = tmp_path / "work"
    shutil.copytree(template, folder)
    monkeypatch.chdir(folder)
    before = snapshot(folder)
    code = main(list(case.argv))
    _, err = capsys.readouterr()
    assert_one_line_error(code, err, *case.needles)
    assert snapshot(folder) == before, "a bad input changed the files"
