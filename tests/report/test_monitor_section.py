"""The report's monitoring section: drift over the windows recorded in the store, the
latest window's verdict first, its most drifted columns drawn as reference vs current
distributions, and every number on the page one that a stored `DriftReport` holds."""

from __future__ import annotations

import dataclasses
import html
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from datacurve import InputError
from datacurve.analysis import Analysis, analyze
from datacurve.monitor import MonitorWindow, add_window, drift, monitor_status, windows
from datacurve.report import (
    DriftDistributionDisplay,
    DriftHistoryDisplay,
    build_report,
    render_report,
)
from datacurve.results import read_results

N = 300
NAMES = ("w1 baseline", "w2 x2 shifted", "w3 new category")


def _frame(seed: int, *, shift: float = 0.0, new_category: bool = False) -> pd.DataFrame:
    """4 normal columns and a categorical one; `shift` moves x2 by that many sd, and
    `new_category` turns a fifth of the colours into one the reference never saw."""
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({f"x{i}": rng.normal(size=N) for i in range(1, 5)})
    df["x2"] += shift
    colour = rng.choice(["red", "green", "blue"], size=N, p=[0.5, 0.3, 0.2]).astype(object)
    if new_category:
        colour[: N // 5] = "violet"
    df["colour"] = colour
    return df


def _probs(labels: np.ndarray, seed: int) -> np.ndarray:
    """Probabilities of a model right 80 % of the time."""
    rng = np.random.default_rng(seed)
    right = rng.random(len(labels)) < 0.8
    guess = np.where(right, labels, 1 - labels)
    p1 = np.where(guess == 1, 0.8, 0.2)
    return np.column_stack([1 - p1, p1])


@pytest.fixture(scope="module")
def monitored(single_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the one-model store with 3 windows: no change; x2 shifted by 1 sd; x2
    still shifted, a new colour, and label shift seen through a model's outputs."""
    folder = tmp_path_factory.mktemp("monitored")
    path = folder / "store.sqlite"
    for suffix in ("", "-wal", "-shm"):
        src = Path(str(single_store) + suffix)
        if src.exists():
            shutil.copy(src, Path(str(path) + suffix))
    ref = _frame(0)
    add_window(path, NAMES[0], drift(ref, _frame(1), multivariate=False))
    add_window(path, NAMES[1], drift(ref, _frame(2, shift=1.0), multivariate=False))
    rng = np.random.default_rng(5)
    y_ref = (rng.random(N) < 0.5).astype(int)
    y_cur = (rng.random(N) < 0.8).astype(int)
    add_window(path, NAMES[2], drift(
        ref, _frame(3, shift=1.0, new_category=True), multivariate=False,
        reference_probs=_probs(y_ref, 1), current_probs=_probs(y_cur, 2),
        reference_labels=y_ref, current_labels=y_cur))
    return path


@pytest.fixture(scope="module")
def page(monitored: Path) -> str:
    return build_report(monitored, target=0.9)


def _section(page: str, sid: str) -> str:
    m = re.search(rf'<section id="{sid}">(.*?)</section>', page, flags=re.S)
    assert m is not None, sid
    return m.group(1)


def _rows(fragment: str, after: str) -> list[list[str]]:
    """Cells (tags stripped, text unescaped) of the first table after `after`."""
    start = fragment.index(after)
    body = re.search(r"<tbody>(.*?)</tbody>", fragment[start:], flags=re.S)
    assert body is not None
    return [[html.unescape(re.sub(r"<[^>]+>", "", c)).strip()
             for c in re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", body.group(1), flags=re.S)]


def _p(p: float) -> str:
    """A corrected p-value as the page prints it."""
    return "< 1e-300" if p == 0 else f"{p:.2g}"


def test_section_comes_with_the_windows(page: str, monitored: Path) -> None:
    """A store with windows gets a Monitoring section between the diagnosis and the plan
    (after active learning), in the navigation too; the page stays script-free."""
    ids = re.findall(r'<section id="([a-z]+)">', page)
    assert "monitor" in ids and ids.index("diagnosis") < ids.index("monitor") < ids.index("plan")
    assert '<a href="#monitor">Monitoring</a>' in page
    assert "<script" not in page.lower()
    assert [w.name for w in analyze(monitored, include=()).monitor] == list(NAMES)


def test_verdict_comes_first(page: str, monitored: Path) -> None:
    """The latest window's verdict, styled as a warning when it drifted, is the first
    thing the section says, before any figure; the history's count follows it."""
    section = _section(page, "monitor")
    ws = windows(monitored)
    latest = ws[-1].report
    assert latest.drifted
    verdict = html.escape(latest.verdict, quote=True)
    assert f'<span class="dc-warn">{verdict}</span>' in section
    assert section.index(verdict) < section.index("<svg")
    drifted = sum(w.report.drifted for w in ws)
    assert f"{drifted} of {len(ws)} windows drifted" in section
    assert section.index(verdict) < section.index("windows drifted") < section.index("<svg")
    assert html.escape("drifting again and again: 'x2' (2 of the last 3)") in section


def test_over_windows_table_shows_the_stored_numbers(page: str, monitored: Path) -> None:
    """One row per window in order: its verdict, drifted tests out of all, and its most
    drifted columns with the corrected p-values the stored reports hold."""
    ws = windows(monitored)
    rows = _rows(_section(page, "monitor"), "Drift over windows")
    assert [r[0] for r in rows] == list(NAMES)
    for row, w in zip(rows, ws, strict=True):
        r = w.report
        assert row[1] == w.added
        assert row[2] == ("drift" if r.drifted else "no drift")
        assert row[3] == f"{sum(t.drifted for t in r.tests)} of {len(r.tests)}"
        assert row[4] == ", ".join(f"{t.name} (p {_p(t.p_adjusted)})"
                                   for t in r.most_drifted(3))
    x2 = next(t for t in ws[1].report.tests if t.name == "x2")
    assert x2.drifted and f"x2 (p {_p(x2.p_adjusted)})" in rows[1][4]
    assert rows[0][2] == "no drift" and rows[1][2] == "drift"


def test_latest_window_tests_and_label_estimate(page: str, monitored: Path) -> None:
    """The latest window's drifted tests (family, name, test, corrected p, effect,
    reason) and BBSE's estimate of its label proportions, as stored."""
    section = _section(page, "monitor")
    r = windows(monitored)[-1].report
    rows = _rows(section, "drifted tests</h3>")
    hit = [t for t in r.tests if t.drifted]
    assert {t.family for t in hit} >= {"feature", "label"}
    assert len(rows) == len(hit)
    for row, t in zip(rows, hit, strict=True):
        assert row[:2] == [t.family, t.name]
        assert row[3] == _p(t.p_adjusted)
        assert row[4] == f"{t.effect:.3g} {t.effect_name}"
        assert row[5] == t.reason
    est = r.label_estimate
    assert est is not None and "observed" in est
    rows = _rows(section, "Label proportions estimated")
    assert [row[0] for row in rows] == [str(c) for c in est["classes"]]
    for i, row in enumerate(rows):
        assert row[1:] == [f"{est[k][i]:.1%}" for k in ("reference", "estimated", "observed")]


def test_distributions_are_inline_svg(page: str, monitored: Path) -> None:
    """One card per column the latest report kept a distribution of, most drifted first,
    each an inline SVG captioned with its test's reason."""
    section = _section(page, "monitor")
    r = windows(monitored)[-1].report
    cards = re.findall(r'<div class="dc-card"><figure>(.*?)</figure></div>', section,
                       flags=re.S)
    assert len(cards) == len(r.distributions) >= 2
    reasons = {t.name: t.reason for t in r.family("feature")}
    for card, column in zip(cards, r.distributions, strict=True):
        assert card.startswith("<svg") and 'class="dc-plot"' in card
        caption = html.unescape(re.sub(r"<[^>]+>", "", card.split("<figcaption>")[1]))
        assert caption == f"{column}: {reasons[column]}"
    assert next(iter(r.distributions)) == "colour"  # the smallest corrected p first


def test_no_section_without_windows(monitored: Path, single_store: Path) -> None:
    """No windows, no section: a store without any, or a results table (not a store)."""
    assert analyze(single_store, include=()).monitor == ()
    table = read_results(monitored)
    a = analyze(table, include=("curves",))
    assert a.monitor == ()
    page = render_report(a)
    assert '<section id="monitor">' not in page and "#monitor" not in page


def test_monitor_argument(monitored: Path, tmp_path: Path,
                          monkeypatch: pytest.MonkeyPatch) -> None:
    """`monitor=` reads the windows of another store (the results may be a table), also
    through `build_report`; a store that does not exist is refused naming the argument."""
    import datacurve.report._build as build

    table = read_results(monitored)
    got = analyze(table, include=(), monitor=monitored).monitor
    assert [w.name for w in got] == list(NAMES)
    assert analyze(table, include=(), monitor=list(got[:1])).monitor == got[:1]
    with pytest.raises(InputError, match=r"^monitor: .*gone\.sqlite"):
        analyze(table, include=(), monitor=tmp_path / "gone.sqlite")
    seen: list[Analysis] = []
    monkeypatch.setattr(build, "render_report",
                        lambda a, **kw: seen.append(a) or "<html></html>")
    build_report(table, monitor=monitored)
    assert [w.name for w in seen[0].monitor] == list(NAMES)


def test_history_display_ranks_and_caps(monitored: Path) -> None:
    """The columns that drifted in the most windows come first (ties: smallest p); a
    p-value of 0 is drawn at the cap; drifted windows are the stored verdicts."""
    from matplotlib.figure import Figure

    ws = windows(monitored)
    d = DriftHistoryDisplay.from_windows(ws)
    assert d.columns[0] == "x2" and d.columns[1] == "colour" and len(d.columns) == 5
    assert d.window_drifted == tuple(w.report.drifted for w in ws)
    x2 = [next(t for t in w.report.tests if t.name == "x2").p_adjusted for w in ws]
    np.testing.assert_allclose(d.p_adjusted[0], x2)
    assert d.drifted[0].tolist() == [False, True, True]
    # A p-value of exactly 0 (below the smallest float) is drawn at the cap.
    last = ws[-1]
    tests = tuple(dataclasses.replace(t, p_adjusted=0.0) if t.name == "x2" else t
                  for t in last.report.tests)
    zero = MonitorWindow(last.name, last.added, dataclasses.replace(last.report,
                                                                    tests=tests))
    capped = DriftHistoryDisplay.from_windows([*ws[:-1], zero])
    assert capped.heights()[0, -1] == capped.cap
    ax = Figure().add_subplot()
    assert capped.plot(ax).ax_ is ax and len(ax.lines) >= 5
    dist = DriftDistributionDisplay.from_report(last.report, "x2")
    assert dist.kind == "numeric" and len(dist.edges) == len(dist.reference) + 1
    assert dist.plot(Figure().add_subplot()).ax_ is not None
    assert DriftDistributionDisplay.from_report(last.report, "nope").kind == ""


def test_hostile_column_names_are_escaped(tmp_path: Path) -> None:
    """Column names and categories that are markup come out as text."""
    from datacurve.report._monitor import monitor_block

    hostile = "<script>alert(1)</script>"
    rng = np.random.default_rng(0)
    ref = pd.DataFrame({hostile: rng.normal(size=200),
                        "c": rng.choice(["a", "b"], size=200).astype(object)})
    cur = ref.copy()
    cur[hostile] += 2.0
    cur.loc[:50, "c"] = "<b>x</b>"
    path = tmp_path / "w.sqlite"
    add_window(path, "w", drift(ref, cur, multivariate=False))
    ws = windows(path)
    out = monitor_block(ws, monitor_status(source=ws))
    assert "<script" not in out and "<b>x</b>" not in out
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out and "&lt;b&gt;x&lt;/b&gt;" in out


def test_a_drift_report_shows_itself_in_a_notebook() -> None:
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(3)
    ref = pd.DataFrame(rng.standard_normal((300, 3)), columns=["a", "b", "c"])
    cur = pd.DataFrame(rng.standard_normal((300, 3)), columns=["a", "b", "c"])
    cur["b"] += 1.0
    r = drift(ref, cur, multivariate=False)
    page = r._repr_html_()
    assert page is not None and page.startswith('<div class="dc"><style>')
    assert html.escape(r.verdict, quote=True) in page
    assert "<svg" in page and "drifted tests" in page and "<script" not in page
