"""The four situations of the issue, on models trained for real (see conftest)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from datacurve.diagnosis import diagnose
from tests.cli.test_cli import assert_one_line_error, run_cli
from tests.diagnosis.conftest import NOISE, TINY_CNN, WIDE_CNN, Recorded

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def test_tiny_cnn_on_plenty_of_data_is_capacity_bound(real_runs: dict[str, Recorded]) -> None:
    """A width-4 CNN at 16,000 samples, beside a width-32 one far better at the same size:
    model capacity, grow the model first, then the compute to train it."""
    d = diagnose(real_runs["capacity"].results, model=TINY_CNN)
    ev = d.evidence
    assert d.bottleneck == "model_capacity", d.summary()
    assert [r.action for r in d.recommendations[:2]] == ["grow_model", "add_compute"]
    assert ev["larger_model"] == WIDE_CNN and ev["larger_model_source"] == "measured"
    assert ev["gain_larger_model"] > 0.1 > ev["gain_double_data"]
    assert ev["avoidable_bias"] > 0.1  # it cannot even fit its own training data
    assert d.first is not None and d.first.expected_gain == pytest.approx(
        ev["gain_larger_model"])
    assert "16,000" in d.first.reason and WIDE_CNN in d.first.reason


def test_wide_cnn_on_little_data_needs_data(real_runs: dict[str, Recorded]) -> None:
    """A width-32 CNN on <= 1,024 samples, its evaluation score still rising steeply:
    data (or variance), add data first, priced by the curve."""
    d = diagnose(real_runs["data"].results)
    assert d.bottleneck in ("data", "variance"), d.summary()
    assert d.first is not None and d.first.action == "add_data"
    assert d.evidence["gain_double_data"] > 0.03
    actions = [r.action for r in d.recommendations]
    assert "augment" in actions and "grow_model" not in actions


def test_flipped_labels_with_known_rate_are_label_noise(real_runs: dict[str, Recorded]) -> None:
    """The width-32 CNN with 30 % of its training labels flipped, the rate given: label
    noise, clean the labels first; the store's 10 classes price clean labels at
    1 / (1 - 0.3 * 10/9)^2 = 2.25x the data."""
    results = real_runs["noise"].results
    d = diagnose(results, noise_rate=NOISE)
    assert d.bottleneck == "label_noise", d.summary()
    assert d.first is not None and d.first.action == "clean_labels"
    assert d.evidence["clean_data_multiplier"] == pytest.approx(2.25)
    assert d.evidence["gain_clean_labels"] > d.evidence["gain_double_data"] > 0
    assert d.first.samples == pytest.approx(NOISE * d.evidence["n"])
    # Without the rate, nothing claims label noise.
    assert diagnose(results).bottleneck != "label_noise"


def test_flat_curve_at_the_best_achievable_score_is_saturated(
        real_runs: dict[str, Recorded]) -> None:
    """Logistic regression at the 0.9 ceiling the planted 10 % label noise allows: saturated,
    stop; the same verdict when the optimum is estimated from the curve itself."""
    results = real_runs["saturated"].results
    d = diagnose(results, optimal_error=0.1)
    assert d.bottleneck == "saturated", d.summary()
    assert d.first is not None and d.first.action == "stop"
    assert abs(d.evidence["val_score"] - 0.9) < 0.03
    assert diagnose(results).bottleneck == "saturated"


def test_cli_diagnoses_the_store(real_runs: dict[str, Recorded],
                                 capsys: pytest.CaptureFixture[str]) -> None:
    """`datacurve diagnose STORE --json` diagnoses every model of the store; the text form
    names the verdict and the first action's reason."""
    store = str(real_runs["capacity"].store)
    code, out, err = run_cli(["diagnose", store, "--json"], capsys)
    assert code == 0, err
    got = {d["model"]: d for d in json.loads(out)["diagnoses"]}
    assert set(got) == {TINY_CNN, WIDE_CNN}
    assert got[TINY_CNN]["bottleneck"] == "model_capacity"
    assert got[TINY_CNN]["recommendations"][0]["action"] == "grow_model"
    code, out, err = run_cli(["diagnose", store, "-m", TINY_CNN], capsys)
    assert code == 0, err
    flat = " ".join(out.split())  # rich wraps long lines
    assert "bottleneck model capacity" in flat and "grow the model" in flat
    noisy = str(real_runs["noise"].store)
    code, out, err = run_cli(["diagnose", noisy, "--noise-rate", "0.3", "--json"], capsys)
    assert code == 0, err
    (d,) = json.loads(out)["diagnoses"]
    assert d["bottleneck"] == "label_noise"
    assert d["evidence"]["clean_data_multiplier"] == pytest.approx(2.25)


@pytest.mark.parametrize(("args", "needles"), [
    (["--noise-rate", "1.5"], ["--noise-rate", "1.5"]),
    (["--target", "2"], ["target", "2"]),
    (["-m", "nope"], ["--model", "nope"]),
])
def test_cli_bad_input_is_one_line(real_runs: dict[str, Recorded], args: list[str],
                                   needles: list[str],
                                   capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(["diagnose", str(real_runs["data"].store), *args], capsys)
    assert_one_line_error(code, err, *needles)


def test_cli_missing_store_is_one_line(tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(["diagnose", str(tmp_path / "none.sqlite")], capsys)
    assert_one_line_error(code, err, "SOURCE", "no such file")
