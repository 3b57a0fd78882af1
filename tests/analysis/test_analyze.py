"""One analysis path: every surface (Python, CLI JSON, CLI text, the report, CurveRun's
shortcuts) gives the same number for the same question, because each reads one
`Analysis`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from datacurve import InputError, analyze
from datacurve.auditing import audit
from datacurve.curves import run_curve
from datacurve.models import parse_spec
from datacurve.report import build_report, render_report
from datacurve.report._html import fmt
from tests.cli.test_cli import run_cli
from tests.conftest import scripted_dataset, scripted_spec
from tests.report.conftest import make_audited

SWEEP = "datacurve.models._scripted:scripted_sweep"
SIZES = [1000, 8000]
SMALL, LARGE = (parse_spec(f"{SWEEP}()").with_params(params=p).canonical for p in SIZES)
TARGET = 0.92


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory):
    """A declared sweep of two sizes of a scripted family (ceilings 0.83 and 0.93)."""
    store = tmp_path_factory.mktemp("analysis") / "s.sqlite"
    return run_curve(scripted_dataset(2000), [f"{SWEEP}()"], sweep={"params": SIZES},
                     seeds=2, store=store, progress=False)


def test_samples_needed_is_one_number_on_every_surface(
        run, capsys: pytest.CaptureFixture[str]) -> None:
    """The plan, the diagnosis, CurveRun.plan, `datacurve plan --json`, `datacurve
    diagnose --json` and the report's curve table, plan table and plot caption all give
    the samples LARGE needs for the target, and it is the same number."""
    store = str(run.store_path)
    a = analyze(store, target=TARGET)
    need = a.plans()[LARGE].samples_needed
    assert 1000 < need < 1e7  # beyond the 800 samples measured
    assert a.diagnoses()[LARGE].evidence["samples_for_target"] == pytest.approx(need)
    assert run.plan(TARGET, model=LARGE).samples_needed == pytest.approx(need)
    code, out, err = run_cli(["plan", store, "--target", str(TARGET), "-m", LARGE,
                              "--json"], capsys)
    assert code == 0, err
    assert json.loads(out)["plans"][0]["samples_needed"] == pytest.approx(need)
    code, out, err = run_cli(["diagnose", store, "--target", str(TARGET), "-m", LARGE,
                              "--json"], capsys)
    assert code == 0, err
    (d,) = json.loads(out)["diagnoses"]
    assert d["evidence"]["samples_for_target"] == pytest.approx(need)
    page = render_report(a)
    shown = fmt(need, size=True)
    assert page.count(shown) >= 3  # the curve table, the plan table, the caption
    assert f"reaches {TARGET:g} at n ≈ {shown}" in page


def test_the_curves_are_the_same_everywhere(run, capsys: pytest.CaptureFixture[str]
                                            ) -> None:
    """`datacurve fit --json`, CurveRun.fit() and analyze() predict the same values from
    the same fitted curve."""
    a = analyze(run, include=("curves",))
    via_run = run.fit()
    code, out, err = run_cli(["fit", str(run.store_path), "--at", "20000", "--json"],
                             capsys)
    assert code == 0, err
    cli = {c["model"]: c["predictions"][0]["predicted"] for c in json.loads(out)["curves"]}
    for name, curve in a.curves().items():
        assert via_run[name].predict(20000) == pytest.approx(curve.predict(20000))
        assert cli[name] == pytest.approx(curve.predict(20000))


def test_the_joint_law_is_the_same_everywhere(run, capsys: pytest.CaptureFixture[str]
                                              ) -> None:
    """The declared sweep's law in the analysis is the law `plan --compute-budget`
    prints and the one the report tabulates."""
    a = analyze(run.store_path, compute_budget=0.05)
    ((name, sweep),) = a.sweeps.items()
    assert name == SWEEP and sweep.models == (SMALL, LARGE) and sweep.law is not None
    code, out, err = run_cli(["plan", str(run.store_path), "--target", str(TARGET),
                              "--compute-budget", "0.05", "--json"], capsys)
    assert code == 0, err
    law = json.loads(out)["allocation"]["law"]
    assert law["alpha"] == pytest.approx(sweep.law.alpha)
    assert law["beta"] == pytest.approx(sweep.law.beta)
    page = build_report(run.store_path, compute_budget=0.05)
    assert fmt(sweep.law.alpha, 3) in page and fmt(sweep.law.beta, 3) in page


def test_diagnoses_use_every_model_as_evidence_but_report_the_chosen(run) -> None:
    """Asking about one model diagnoses that model only, with the larger one of the
    sweep as evidence (priced as measured)."""
    a = analyze(run, models=[SMALL], include=("diagnoses",))
    assert list(a.models) == [SMALL]
    d = a.one().diagnosis
    assert d is not None and d.evidence["larger_model"] == LARGE
    assert d.evidence["larger_model_source"] == "measured"


def test_problems_are_recorded_or_raised(tmp_path: Path) -> None:
    """A model measured at one size cannot be diagnosed: the report's analysis records
    why; the CLI's strict analysis raises the InputError."""
    run_curve(scripted_dataset(600), [scripted_spec(asymptote=0.8)], seeds=2, sizes=[64],
              store=tmp_path / "s.sqlite", progress=False)
    a = analyze(tmp_path / "s.sqlite")
    (m,) = a.models.values()
    assert m.diagnosis is None and any("no diagnosis" in p for p in m.problems)
    assert any("no fitted curve" in p for p in m.problems)
    with pytest.raises(InputError, match="distinct training-set sizes"):
        analyze(tmp_path / "s.sqlite", include=("diagnoses",), strict=True)


def test_bad_arguments_name_the_parameter(run) -> None:
    """A target outside the metric's range, a level outside (0, 1), an unknown part, a
    compute budget without a sweep (strict): InputError naming the parameter."""
    for kwargs, name in (({"target": 1.5}, "target"), ({"level": 1.0}, "level"),
                         ({"include": ("curves", "nope")}, "include"),
                         ({"models": ["nope"]}, "model")):
        with pytest.raises(InputError) as info:
            analyze(run, **kwargs)
        assert info.value.name == name
    with pytest.raises(InputError) as info:
        analyze(run.results[run.results["model"] == SMALL], compute_budget=1.0,
                include=("sweeps",), strict=True)
    assert info.value.name == "compute_budget"


def test_the_audit_sets_the_noise_rate_of_the_same_dataset(tmp_path: Path) -> None:
    """An audit of the measured dataset gives the diagnoses its label-noise rate (its
    label check's flag share) and says so; an audit of other data does not."""
    data = scripted_dataset(600)
    run = run_curve(data, [scripted_spec(asymptote=0.85)], seeds=2,
                    sizes=[32, 64, 128, 256], store=tmp_path / "s.sqlite", progress=False)
    report = audit(data, checks=["label"])
    a = analyze(run, audit=report, include=("diagnoses",))
    assert a.noise_rate == report.label_noise_rate
    assert a.noise_source is not None and "label check" in a.noise_source
    assert a.one().diagnosis.evidence["noise_rate"] == a.noise_rate
    other = audit(scripted_dataset(300, seed=1), checks=["label"])
    elsewhere = analyze(run, audit=other, include=("diagnoses",))
    assert elsewhere.noise_rate is None
    assert any("not of the measured dataset" in n for n in elsewhere.notes)
    assert "not of the measured dataset" in render_report(elsewhere)
    given = analyze(run, audit=report, noise_rate=0.2, include=("diagnoses",))
    assert given.noise_rate == 0.2 and given.noise_source == "given"


def test_the_audited_data_is_found_from_the_audit_record(tmp_path: Path, run) -> None:
    """The audit report records its data's source and loader options: the analysis
    reads the data again when it is unchanged, and says why not when it moved or
    changed (never by re-parsing a command line)."""
    audited = make_audited(tmp_path / "a", clean=False)
    a = analyze(run, audit=audited.report, include=("curves",))
    assert a.audit_data is not None and a.audit_note is None
    assert a.audit_data.fingerprint == a.audit.fingerprint
    moved = tmp_path / "elsewhere.csv"
    shutil.move(audited.data, moved)
    a = analyze(run, audit=audited.report, include=("curves",))
    assert a.audit_data is None and "not at hand" in (a.audit_note or "")
    table = pd.read_csv(moved)
    table["x2"] = 2 * table["x2"]
    table.to_csv(audited.data, index=False)
    a = analyze(run, audit=audited.report, include=("curves",))
    assert a.audit_data is None and "changed since the audit" in (a.audit_note or "")


def test_summary_and_json(run) -> None:
    """Analysis.summary() is a DataFrame (one row per model) and to_dict() is JSON."""
    a = analyze(run, target=TARGET)
    s = a.summary()
    assert list(s["model"]) == [SMALL, LARGE]
    assert s.set_index("model").loc[LARGE, "samples_needed"] == pytest.approx(
        a.plans()[LARGE].samples_needed)
    text = json.dumps(a.to_dict(), allow_nan=False)
    assert SWEEP in text and '"metric": "accuracy"' in text
