"""The report's "Data versions" section: the recorded chain of the data the curves
measured, the measured version last, and links to its dataset card (or how to write
one); no section when the results carry no recorded version."""

from __future__ import annotations

import contextlib
import html
import io
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from datacurve.analysis import analyze
from datacurve.cli._app import main
from datacurve.curves import run_curve
from datacurve.data import load_data
from datacurve.govern import card_paths
from datacurve.report import build_report
from datacurve.results import read_results

MODEL = "sklearn:LogisticRegression(max_iter=200)"


@dataclass
class Measured:
    data: Path
    store: Path
    version: str
    before: str  # the report before a card was written
    after: str  # ... and after `datacurve card`
    card_out: str


def _section(page: str, sid: str) -> str:
    m = re.search(rf'<section id="{sid}">(.*?)</section>', page, flags=re.S)
    assert m is not None, sid
    return m.group(1)


def _rows(fragment: str) -> list[list[str]]:
    """Cells (tags stripped, text unescaped) of the first table in `fragment`."""
    body = re.search(r"<tbody>(.*?)</tbody>", fragment, flags=re.S)
    assert body is not None
    return [[html.unescape(re.sub(r"<[^>]+>", "", c)).strip()
             for c in re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", body.group(1), flags=re.S)]


@pytest.fixture(scope="module")
def measured(tmp_path_factory: pytest.TempPathFactory) -> Measured:
    """A tiny curve of a 150-row CSV into a store (one model, one seed, 3 sizes); its
    report; then `datacurve card` beside the data, and the report again."""
    folder = tmp_path_factory.mktemp("versions-report")
    rng = np.random.default_rng(0)
    n = 150
    y = rng.integers(0, 2, n)
    data = folder / "table.csv"
    pd.DataFrame({"a": rng.normal(size=n) + 2.0 * y, "b": rng.normal(size=n),
                  "y": np.where(y == 1, "p", "q")}).to_csv(data, index=False)
    store = folder / "s.sqlite"
    ds = load_data(str(data), label="y")
    run_curve(ds, [MODEL], sizes=[16, 32, 64], seeds=1, store=store, progress=False)
    before = build_report(store)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["card", str(data), "--label", "y", "--store", str(store), "--no-audit"])
    assert code == 0, err.getvalue()
    return Measured(data, store, ds.fingerprint, before, build_report(store), out.getvalue())


def test_section_lists_the_measured_version(measured: Measured) -> None:
    """The section (in the navigation too) lists the measured version by its first 12
    characters, marked measured, with its operation, name, rows and source file."""
    for page in (measured.before, measured.after):
        assert '<a href="#versions">Data versions</a>' in page
        section = _section(page, "versions")
        assert "<h2>Data versions</h2>" in section
        assert f"<code>{measured.version[:12]}</code> (measured)" in section
        rows = _rows(section)
        assert rows[-1][:5] == [f"{measured.version[:12]} (measured)", "load", "table.csv",
                                "150", "–"]
        assert rows[-1][6] == "table.csv"
        assert "<script" not in section.lower()


def test_without_a_card_the_section_says_how_to_write_one(measured: Measured) -> None:
    section = _section(measured.before, "versions")
    assert "No dataset card beside the data yet (datacurve card DATA writes one)." in section
    assert ".card.md" not in section and ".croissant.json" not in section


def test_the_section_links_the_card(measured: Measured) -> None:
    """After `datacurve card DATA`, the section links its Markdown datasheet and its
    Croissant JSON-LD, which exist beside the data and describe the measured version."""
    md, cr = card_paths(measured.data)
    assert md.is_file() and cr.is_file()
    assert f"version {measured.version[:12]}" in " ".join(measured.card_out.split())
    section = _section(measured.after, "versions")
    assert "No dataset card" not in section
    links = dict((html.unescape(text), html.unescape(href)) for href, text in
                 re.findall(r'<a href="([^"]+)">([^<]+)</a>', section))
    assert links == {md.name: md.resolve().as_uri(), cr.name: cr.resolve().as_uri()}
    assert md.name.endswith(".card.md") and cr.name.endswith(".croissant.json")
    # The card is of the version the curves measured, and says what they measured.
    text = md.read_text(encoding="utf-8")
    assert f"`{measured.version}`" in text
    assert MODEL.split("(")[0] in text.split("### What the learning curves say")[1]


def test_no_section_without_recorded_versions(measured: Measured) -> None:
    """Results read into a table (not a store) carry no recorded version: no section,
    no link in the navigation."""
    table = read_results(measured.store)
    a = analyze(table, include=("curves",))
    assert a.versions == () and a.cards == ()
    page = build_report(table)
    assert '<section id="versions">' not in page and "#versions" not in page
    # The store itself does record it.
    stored = analyze(measured.store, include=())
    assert [s.id for s in stored.versions][-1] == measured.version
