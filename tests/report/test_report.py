"""`datacurve report` and `datacurve.report`: what the page holds, that it is
self-contained and escaped, bad input as one-line errors, and the plot objects."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from datacurve import InputError
from datacurve.auditing import load_report
from datacurve.diagnosis import diagnose
from datacurve.fit import fit_curves, plan, samples_needed
from datacurve.models import parse_spec
from datacurve.report import (
    MARKER,
    LearningCurveDisplay,
    ModelSizeDisplay,
    build_report,
    is_report,
    write_report,
)
from datacurve.results import read_results
from tests.cli.test_cli import assert_one_line_error, run_cli
from tests.report.conftest import LARGE, Audited, make_audited


def _text(page: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


def test_page_is_self_contained(page: str) -> None:
    """No script, no external stylesheet, font, image or link: only inline SVG, inline
    CSS and data: URIs. The generator marker identifies it as a datacurve report."""
    assert page.startswith("<!DOCTYPE html>") and MARKER in page[:1000]
    assert "<script" not in page.lower()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", page)
    assert "@import" not in page and "@font-face" not in page
    assert not re.search(r"url\(\s*['\"]?(https?:|//)", page)
    assert '<link rel="stylesheet"' not in page


def test_page_holds_every_section(page: str, store: Path) -> None:
    """Header (dataset, fingerprint, version, date, command), curves with the target and
    the size for it, the grid and joint law, diagnoses, plan with cost and rounds, the
    audit with its counts, worst rows and lineage, and the failed trials."""
    text = _text(page)
    for words in ("scripted1500", "fingerprint", "datacurve 0.", "date",
                  "datacurve report s.sqlite --target 0.9", "samples for 0.9",
                  "Model size vs data size", "Compute-optimal for", "α (model size)",
                  "Diagnosis and recommendations", "samples needed", "rounds",
                  "data-quality score", "worst of missing", "Lineage of cleaned versions",
                  "Failed trials", "scripted failure at n="):
        assert words in text, words
    for section in ("curves", "size", "diagnosis", "plan", "audit", "failures"):
        assert f'<section id="{section}">' in page
    assert page.count('class="dc-plot"') >= 4
    assert "table.csv.clean.csv" not in text and "table.clean.csv" in text  # lineage file
    assert "x1 =" in text  # a worst row of the audited table, recovered from disk


def test_no_plan_without_target(single_store: Path) -> None:
    """A single model: curves and diagnosis, the grid without a joint law, no plan."""
    page = build_report(single_store)
    assert '<section id="plan">' not in page and '<section id="audit">' not in page
    assert "No joint law" in page
    assert page.count('class="dc-plot"') == 3  # overview, the model, the grid


def test_cli_writes_and_replaces_only_with_force(single_store: Path, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """`datacurve report` writes DIR/index.html; a second run needs --force; a directory
    that holds anything else is never written to, even with --force."""
    store = single_store
    out = tmp_path / "rep"
    code, stdout, err = run_cli(["report", str(store), "--out", str(out)], capsys)
    assert code == 0, err
    assert str(out / "index.html") in stdout and is_report(out)
    code, _, err = run_cli(["report", str(store), "--out", str(out)], capsys)
    assert_one_line_error(code, err, "--out", "--force", "previous report")
    code, _, err = run_cli(["report", str(store), "--out", str(out), "--force"], capsys)
    assert code == 0, err
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    code, _, err = run_cli(["report", str(store), "--out", str(other), "--force"], capsys)
    assert_one_line_error(code, err, "--out", "other")
    assert (other / "notes.txt").read_text() == "mine" and not (other / "index.html").exists()
    code, _, err = run_cli(["report", str(store), "--out", str(other / "notes.txt")], capsys)
    assert_one_line_error(code, err, "--out", "a file")


def test_cli_bad_input(store: Path, empty_store: Path, tmp_path: Path,
                       capsys: pytest.CaptureFixture[str]) -> None:
    """No trials, a missing audit file, a missing source, a target outside the metric's
    range: one line each, exit 2, nothing written."""
    out = tmp_path / "rep"
    code, _, err = run_cli(["report", str(empty_store), "--out", str(out)], capsys)
    assert_one_line_error(code, err, "SOURCE", "empty.sqlite")
    code, _, err = run_cli(["report", str(store), "--audit", str(tmp_path / "gone.json"),
                            "--out", str(out)], capsys)
    assert_one_line_error(code, err, "--audit", "gone.json")
    code, _, err = run_cli(["report", str(tmp_path / "nope.sqlite"), "--out", str(out)],
                           capsys)
    assert_one_line_error(code, err, "SOURCE", "nope.sqlite")
    code, _, err = run_cli(["report", str(store), "--target", "1.5", "--out", str(out)],
                           capsys)
    assert_one_line_error(code, err, "--target", "[0, 1]")
    assert not out.exists()


def test_store_with_only_failed_trials(tmp_path: Path) -> None:
    """A store whose every trial failed has nothing to report: an InputError."""
    from datacurve.curves import run_curve
    from tests.conftest import scripted_dataset, scripted_spec

    path = tmp_path / "failed.sqlite"
    run_curve(scripted_dataset(300), [scripted_spec(fail_above=1)], seeds=1, store=path)
    with pytest.raises(InputError, match=r"^source: "):
        build_report(path)


def test_hostile_names_are_escaped(store: Path, tmp_path: Path) -> None:
    """Model and dataset names, file names, labels and cells that are markup come out as
    escaped text everywhere (HTML and the SVG text inside it)."""
    hostile = "<script>alert(1)</script>"
    table = read_results(store)
    names = [hostile, "$x$ & <i>", "_u"]
    table["model"] = table["model"].map(dict(zip(table["model"].unique(), names,
                                                 strict=True)))
    table["dataset_name"] = "<b>data</b>"
    src = tmp_path / "r<script>.csv"
    table.to_csv(src, index=False)
    aud = make_audited(tmp_path / "a", data_name="t<x>.csv", report_name="<a>.json",
                       label_values=(hostile, "ok"), note=hostile, clean=False)
    page = build_report(src, audit=aud.report, target=0.9, command=f"datacurve {hostile}")
    assert "<script" not in page and "<b>data</b>" not in page and "<i>" not in page
    assert page.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 5
    assert "r&lt;script&gt;.csv" in page and "&lt;a&gt;.json" in page
    assert "$x$ &amp; &lt;i&gt;" in page  # "$" kept literally in the plots, not mathtext


def test_audit_examples_recovered_and_changed_data(tmp_path: Path,
                                                   single_store: Path) -> None:
    """The worst examples show rows of the audited table when it is still there and
    unchanged; when it changed, the report says so and shows indices only."""
    aud = make_audited(tmp_path / "a", clean=False)
    page = build_report(single_store, audit=aud.report)
    assert "x1 =" in _text(page) and "example.com" in page
    aud.data.write_text(aud.data.read_text().replace("plain", "changed"))
    page = build_report(single_store, audit=aud.report)
    assert "changed since the audit" in page and "x1 =" not in _text(page)


def test_write_report_refuses_a_foreign_directory(tmp_path: Path) -> None:
    """The Python writer follows the same rule as the CLI."""
    d = tmp_path / "site"
    d.mkdir()
    (d / "index.html").write_text("<html>someone else's</html>")
    with pytest.raises(InputError, match="never overwritten"):
        write_report("<html></html>", d, force=True)
    empty = tmp_path / "empty"
    empty.mkdir()
    assert write_report(f"<html>{MARKER}</html>", empty).is_file()


def test_displays_draw_on_given_axes(store: Path) -> None:
    """The Display objects hold values only and draw on the axes they are given (the
    notebook path); the target is marked at the plan's samples needed (the fitted size,
    bias-corrected: one number per question)."""
    from matplotlib.figure import Figure

    table = read_results(store)
    large = parse_spec(LARGE).canonical
    curve = fit_curves(table, models=[large])[large]
    disp = LearningCurveDisplay.from_fit(curve, table, model=large, target=0.9)
    assert disp.train_scores.size
    assert disp.target_size == samples_needed(curve, 0.9)
    assert disp.target_size == plan(table, target=0.9, model=large).samples_needed
    assert disp.grid.max() >= 1.3 * disp.target_size - 1
    fig = Figure()
    ax = fig.add_subplot()
    assert disp.plot(ax).ax_ is ax and len(ax.lines) >= 3 and ax.get_xscale() == "log"
    grid = ModelSizeDisplay.from_results(table)
    assert set(grid.grid["model"]) == set(table["model"])
    assert grid.plot(Figure().add_subplot()).ax_ is not None


def test_repr_html(store: Path, audited: Audited) -> None:
    """Curves, diagnoses and audits render themselves in Jupyter."""
    table = read_results(store)
    large = parse_spec(LARGE).canonical
    curve = fit_curves(table, models=[large])[large]
    html = curve._repr_html_()
    assert "<svg" in html and curve.method in html
    d = diagnose(table, large)
    assert d.bottleneck.replace("_", " ") in d._repr_html_()
    assert "data-quality score" in load_report(audited.report)._repr_html_()


def test_public_names() -> None:
    """Every name in the room's __all__ exists."""
    import datacurve.report as room

    assert [n for n in room.__all__ if not hasattr(room, n)] == []


def test_image_audit_shows_thumbnails(tmp_path: Path, single_store: Path) -> None:
    """Worst examples of an image dataset appear as inline PNG thumbnails."""
    import numpy as np
    from PIL import Image

    from datacurve.auditing import audit
    from datacurve.data import load

    rng = np.random.default_rng(0)
    for cls in ("cats", "dogs"):
        (tmp_path / "imgs" / cls).mkdir(parents=True)
        for i in range(8):
            pixels = rng.integers(0, 255, size=(12, 12), dtype=np.uint8)
            Image.fromarray(pixels).save(tmp_path / "imgs" / cls / f"{i}.png")
    first = tmp_path / "imgs" / "cats" / "0.png"
    (tmp_path / "imgs" / "dogs" / "copy.png").write_bytes(first.read_bytes())
    ds = load(tmp_path / "imgs", image_size=(12, 12))
    rep = audit(ds, checks=["exact_duplicate"])
    assert rep.flagged("exact_duplicate").size == 2
    page = build_report(single_store, audit=rep, audit_data=ds)
    thumbs = re.findall(r'<img[^>]+src="data:image/png;base64,[A-Za-z0-9+/=]{40,}"', page)
    assert len(thumbs) >= 2


def test_identical_seeds_draw_without_a_negative_error_bar() -> None:
    """Seeds that all score the same (a deterministic learner on the full pool) draw: the
    float mean of [0.1, 0.1, 0.1] lies an ulp above its maximum."""
    from matplotlib.figure import Figure

    from datacurve import fit_learning_curve

    sizes = np.repeat([20.0, 40.0, 80.0, 160.0], 3)
    scores = np.repeat([0.05, 0.07, 0.09, 0.1], 3)
    assert np.mean([0.1, 0.1, 0.1]) > 0.1
    curve = fit_learning_curve(sizes, scores)
    disp = LearningCurveDisplay.from_fit(curve)
    assert disp.plot(Figure().add_subplot()).ax_ is not None


def test_skipped_checks_say_why_instead_of_a_score(single_store: Path) -> None:
    """An audit check that did not run (leakage without a split, subgroup without groups,
    pii on arrays) shows "skipped (<the reason it recorded>)" in its row's score cell,
    with "–" for flagged and share, in the report and in the notebook rendering alike; a
    check that ran shows its summary score."""
    import html as html_lib

    from datacurve.auditing import audit
    from tests.conftest import scripted_dataset

    ds = scripted_dataset(300)
    rep = audit(ds, checks=["exact_duplicate", "leakage", "subgroup", "pii"])
    reasons = {n: r.skipped for n, r in rep.results.items() if r.skipped is not None}
    assert set(reasons) == {"leakage", "subgroup", "pii"}
    for html in (build_report(single_store, audit=rep), rep._repr_html_()):
        for name, reason in reasons.items():
            row = re.search(rf"<tr><td>{name}</td>(.*?)</tr>", html)
            assert row is not None, name
            cells = [html_lib.unescape(_text(c)).strip()
                     for c in re.findall(r"<td[^>]*>(.*?)</td>", row.group(1))]
            assert cells[:3] == ["–", "–", f"skipped ({reason})"], cells
        ran = re.search(r"<tr><td>exact_duplicate</td>(.*?)</tr>", html)
        assert ran is not None
        cells = [_text(c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", ran.group(1))]
        assert cells[0] == "0" and cells[2] == "1" and "skipped" not in ran.group(1)
