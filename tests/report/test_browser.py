"""The report in a real browser: headless Chromium opens it from disk, logs no console
error, draws every plot, keeps hostile names as text, and leaves a screenshot."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd

from datacurve.curves import Store
from datacurve.report import build_report, write_report
from tests.report.conftest import ARTIFACTS, make_audited, open_in_chromium

HOSTILE = "<script>document.title='pwned'</script>"
HOSTILE_IMG = "<img src=x onerror=\"document.title='pwned'\">"


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _parse(dom: str) -> tuple[list[tuple[str, list[tuple[str, str | None]]]], str]:
    """Elements and text of a serialised DOM (the title, serialised raw, left out)."""
    body = re.sub(r"<title>.*?</title>", "", dom, flags=re.S)
    p = _Collect()
    p.feed(body)
    return p.tags, "".join(p.text)


def _svg_plots(dom: str) -> list[str]:
    return re.findall(r'<svg[^>]*class="dc-plot".*?</svg>', dom, flags=re.S)


def test_report_in_chromium(page: str, chromium: str, tmp_path: Path) -> None:
    """The full report (curves, size law, diagnosis, plan, audit, failures) loads without
    a console message; its plots are SVGs with drawn paths; the screenshot is kept under
    tests/report/artifacts/."""
    index = write_report(page, tmp_path / "report")
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "report.png"
    shot.unlink(missing_ok=True)
    run = open_in_chromium(chromium, index, tmp_path / "profile", screenshot=shot)
    assert run.console == [], run.console
    assert "<title>datacurve report · scripted1500</title>" in run.dom
    plots = _svg_plots(run.dom)
    # overview, one per model with a curve (2), model size vs data size
    assert len(plots) >= 4
    for svg in plots:
        paths = re.findall(r'<path[^>]*\sd="([^"]+)"', svg)
        assert len(paths) >= 5 and any(len(d) > 40 for d in paths)
    for section in ("curves", "size", "diagnosis", "plan", "audit", "failures"):
        assert f'<section id="{section}">' in run.dom
    assert shot.is_file() and shot.stat().st_size > 20_000
    (ARTIFACTS / "report.html").write_text(page, encoding="utf-8")


def test_hostile_names_stay_text_in_chromium(single_store: Path, chromium: str,
                                             tmp_path: Path) -> None:
    """Model, dataset and file names that are markup show as text in the browser: no
    script runs (the title is unchanged) and no element is made from them."""
    with Store(single_store, readonly=True) as st:
        table = st.results(include_failed=True)
    extra = table.copy()
    extra["model"] = HOSTILE_IMG
    other = table.copy()
    other["model"] = "ok & <b>bold</b>"
    table["model"] = HOSTILE
    table = pd.concat([table, extra, other], ignore_index=True)
    table["dataset_name"] = HOSTILE_IMG
    folder = tmp_path / "dir <script>"
    folder.mkdir()
    source = folder / f"r{HOSTILE_IMG.replace('/', '_')}.csv"
    table.to_csv(source, index=False)
    aud = make_audited(tmp_path / "aud", data_name="t<b>.csv",
                       report_name="a<script>.json", label_values=(HOSTILE, HOSTILE_IMG),
                       note=HOSTILE)
    page = build_report(source, audit=aud.report, target=0.9, command=f"datacurve {HOSTILE}")
    index = write_report(page, tmp_path / "out")
    run = open_in_chromium(chromium, index, tmp_path / "profile")
    assert run.console == [], run.console
    title = re.search(r"<title>(.*?)</title>", run.dom, re.S)
    assert title is not None and title.group(1).startswith("datacurve report · ")
    tags, text = _parse(run.dom)
    assert not [t for t, _ in tags if t == "script"]
    assert not [(t, a) for t, attrs in tags for a, _ in attrs if a.startswith("on")]
    assert all(t != "img" or ("class", "dc-thumb") in attrs for t, attrs in tags)
    for hostile in (HOSTILE, HOSTILE_IMG, "ok & <b>bold</b>"):
        assert hostile in text  # shown to the reader, as text


def test_monitoring_section_in_chromium(single_store: Path, chromium: str,
                                        tmp_path: Path) -> None:
    """A store with monitoring windows: the Monitoring section loads without a console
    message and its figures (drift over windows, the distributions) draw."""
    import shutil

    import numpy as np

    from datacurve.monitor import add_window, drift

    store = tmp_path / "s.sqlite"
    shutil.copy(single_store, store)
    rng = np.random.default_rng(0)

    def window(shift: float) -> pd.DataFrame:
        d = pd.DataFrame(rng.standard_normal((300, 3)), columns=["a", "b", "c"])
        d["b"] += shift
        d["kind"] = rng.choice(["x", "y"], 300)
        return d

    ref = window(0.0)
    add_window(store, "day 1", drift(ref, window(0.0), multivariate=False))
    add_window(store, "day 2", drift(ref, window(1.0), multivariate=False))
    index = write_report(build_report(store), tmp_path / "out")
    run = open_in_chromium(chromium, index, tmp_path / "profile")
    assert run.console == [], run.console
    section = run.dom[run.dom.index('<section id="monitor">'):]
    section = section[:section.index("</section>")]
    plots = _svg_plots(section)
    assert len(plots) >= 2
    for svg in plots:
        assert re.findall(r'<path[^>]*\sd="([^"]{40,})"', svg)
