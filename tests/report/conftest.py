"""Fixtures of the report tests: small stores made with the scripted learner (one with
failed trials, one with a single model, an empty one), an audited table on disk, and a
headless Chromium."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from datacurve.curves import Store, run_curve
from datacurve.models import parse_spec
from tests.conftest import scripted_dataset, scripted_spec

ARTIFACTS = Path(__file__).parent / "artifacts"
"""Screenshots and pages the browser test leaves behind (ignored by git)."""

SWEEP = "datacurve.models._scripted:scripted_sweep(sleep_per_sample=4e-06)"
"""A scripted family whose ceiling rises with its size, swept over `SIZES`."""
SIZES = {"params": [1000, 8000]}
SMALL, LARGE = (parse_spec(SWEEP).with_params(params=p).canonical for p in SIZES["params"])
FAILING = scripted_spec(asymptote=0.9, scale=1.0, exponent=0.5, params=3000, fail_above=200)


@pytest.fixture(scope="session")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A declared sweep of two sizes of one (scripted) architecture and a model whose
    larger trials fail."""
    path = tmp_path_factory.mktemp("report-store") / "store.sqlite"
    data = scripted_dataset(1500)
    run_curve(data, [SWEEP], sweep=SIZES, seeds=3, store=path, progress=False)
    run_curve(data, [FAILING], seeds=3, store=path, progress=False)
    return path


@pytest.fixture(scope="session")
def single_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One model only."""
    path = tmp_path_factory.mktemp("report-single") / "single.sqlite"
    run_curve(scripted_dataset(800), [LARGE], seeds=3, store=path, progress=False)
    return path


@pytest.fixture
def empty_store(tmp_path: Path) -> Path:
    """A datacurve store without a single trial."""
    path = tmp_path / "empty.sqlite"
    Store(path).close()
    return path


@dataclass
class Audited:
    """A table on disk, its audit report (JSON) and a cleaned version beside it."""

    data: Path
    report: Path


def make_audited(folder: Path, data_name: str = "table.csv", report_name: str = "audit.json",
                 label_values: tuple[str, str] = ("cat", "dog"), note: str = "fine",
                 clean: bool = True) -> Audited:
    """Write a small table with missing values and e-mail addresses, audit it the way
    ``datacurve audit DATA --label y --out FILE`` does, and clean it."""
    from datacurve.auditing import audit, clean_path, write_clean
    from datacurve.auditing import clean as clean_ds
    from datacurve.data import load_data

    rng = np.random.default_rng(0)
    n = 90
    df = pd.DataFrame({
        "x1": rng.normal(size=n), "x2": rng.normal(size=n),
        "note": [note if i % 5 == 0 else "plain" for i in range(n)],
        "contact": [f"user{i}@example.com" if i % 9 == 0 else "none" for i in range(n)],
        "y": np.where(rng.random(n) < 0.5, *label_values),
    })
    df.loc[::11, "x1"] = np.nan
    folder.mkdir(parents=True, exist_ok=True)
    data = folder / data_name
    df.to_csv(data, index=False)
    ds = load_data(str(data), label="y")
    report = audit(ds, checks=["missing", "pii"])
    report.meta["command"] = f"datacurve audit {shlex.quote(str(data))} --label y --out x.json"
    out = folder / report_name
    report.save(out)
    if clean:
        write_clean(clean_ds(ds, report, drop=["missing"]), data, clean_path(data))
    return Audited(data, out)


@pytest.fixture(scope="session")
def audited(tmp_path_factory: pytest.TempPathFactory) -> Audited:
    """An audited, cleaned table."""
    return make_audited(tmp_path_factory.mktemp("audited"))


@pytest.fixture(scope="session")
def page(store: Path, audited: Audited) -> str:
    """The full report of `store` with a target, a price per sample and the audit."""
    from datacurve.report import build_report

    return build_report(store, audit=audited.report, target=0.9, cost_per_sample=0.5,
                        command="datacurve report s.sqlite --target 0.9")


def _find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    return None


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's chromium, installed with apt-get when missing (never a test tool's own
    browser download); the test is skipped only when it cannot be installed."""
    path = _find_chromium()
    if path is None and shutil.which("apt-get") and hasattr(os, "geteuid") \
            and os.geteuid() == 0:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], capture_output=True, timeout=900,
                       env=env, check=False)
        subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], capture_output=True,
                       timeout=1800, env=env, check=False)
        path = _find_chromium()
    if path is None:
        pytest.skip("headless Chromium is not installed and could not be installed with "
                    "'apt-get install chromium' (needs root and Debian's package)")
    return path


@dataclass
class BrowserRun:
    """What headless Chromium made of a page."""

    dom: str
    log: str

    @property
    def console(self) -> list[str]:
        """Console messages (errors, uncaught exceptions, failed loads)."""
        return [ln for ln in self.log.splitlines()
                if ":CONSOLE" in ln or "Uncaught" in ln or "Failed to load" in ln]


def open_in_chromium(binary: str, page: Path, profile: Path,
                     screenshot: Path | None = None) -> BrowserRun:
    """Load `page` in headless Chromium: the DOM after load, the console log and, when
    asked, a 1280x2400 screenshot."""
    flags = [binary, "--headless", "--no-sandbox", "--disable-gpu",
             "--disable-background-networking", "--disable-component-update",
             "--no-first-run", "--hide-scrollbars", f"--user-data-dir={profile}",
             "--enable-logging=stderr", "--v=0"]
    url = page.resolve().as_uri()
    run = subprocess.run([*flags, "--dump-dom", url], capture_output=True, text=True,
                         timeout=120, check=False)
    assert run.returncode == 0, run.stderr[-2000:]
    if screenshot is not None:
        shot = subprocess.run([*flags, f"--screenshot={screenshot}", "--window-size=1280,2400",
                               url], capture_output=True, text=True, timeout=120, check=False)
        assert shot.returncode == 0, shot.stderr[-2000:]
    return BrowserRun(run.stdout, run.stderr)
