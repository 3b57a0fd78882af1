"""`datacurve fit` and `datacurve plan` on a store or a results file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from datacurve.curves import run_curve
from tests.cli.test_cli import assert_one_line_error, run_cli
from tests.conftest import scripted_dataset, scripted_spec

SPEC = scripted_spec(asymptote=0.95, scale=1.2, exponent=0.5)
SWEEP = "datacurve.models._scripted:scripted_sweep"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store with the scripted learner's curve 0.95 - 1.2 / sqrt(n) on sizes up to
    ~2,000 (three seeds)."""
    path = tmp_path_factory.mktemp("fitplan") / "s.sqlite"
    run_curve(scripted_dataset(3000), [SPEC], seeds=3, store=path)
    return path


def test_fit_prints_json_predictions(store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`fit --json` names the method and family and predicts close to the planted curve."""
    code, out, err = run_cli(["fit", str(store), "--at", "8000", "--json"], capsys)
    assert code == 0, err
    payload = json.loads(out)
    (curve,) = payload["curves"]
    assert curve["method"] in ("blend", "meta", "average") and curve["family"]
    (pred,) = curve["predictions"]
    truth = 0.95 - 1.2 / 8000**0.5
    assert abs(pred["predicted"] - truth) < 0.03
    assert pred["interval"][0] <= pred["predicted"] <= pred["interval"][1]


def test_fit_prints_a_table(store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Without --json, `fit` prints a table with the model and the sizes predicted."""
    code, out, err = run_cli(["fit", str(store)], capsys)
    assert code == 0, err
    assert "Fitted learning curves" in out and "ScriptedLearner" in out


def test_plan_json_and_text(store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`plan --target` reports samples needed within 2x of the truth (3,600 for 0.93; the
    curve is flat there, so small score errors move the size a lot), an interval that
    holds the truth, the cost, and in text how many more to collect."""
    code, out, err = run_cli(["plan", str(store), "--target", "0.93", "--cost-per-sample",
                              "0.1", "--json"], capsys)
    assert code == 0, err
    (p,) = json.loads(out)["plans"]
    assert p["reachable"] and 1800 < p["samples_needed"] < 7200
    lo, hi = p["samples_interval"]
    assert lo <= 3600 <= (float("inf") if hi is None else hi)  # None: never (JSON)
    assert p["cost"] == pytest.approx(0.1 * p["additional"])
    code, out, err = run_cli(["plan", str(store), "--target", "0.93"], capsys)
    assert code == 0, err
    assert "samples needed" in out and "more" in out


def test_plan_from_an_exported_results_file(store: Path, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    """A CSV written by `datacurve results --out` plans like the store itself."""
    csv = tmp_path / "r.csv"
    assert run_cli(["results", "--store", str(store), "--out", str(csv)], capsys)[0] == 0
    code, out, err = run_cli(["plan", str(csv), "--target", "0.93", "--json"], capsys)
    assert code == 0, err
    _, out2, _ = run_cli(["plan", str(store), "--target", "0.93", "--json"], capsys)
    assert json.loads(out)["plans"][0]["samples_needed"] == pytest.approx(
        json.loads(out2)["plans"][0]["samples_needed"], rel=1e-6)


def test_plan_target_outside_the_range(store: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    """A target of 1.5 accuracy is a one-line error naming `target` and the range."""
    code, _, err = run_cli(["plan", str(store), "--target", "1.5"], capsys)
    assert_one_line_error(code, err, "target", "[0, 1]")


def test_fit_missing_source(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A missing store is a one-line error naming SOURCE and the path."""
    code, _, err = run_cli(["fit", str(tmp_path / "nope.sqlite")], capsys)
    assert_one_line_error(code, err, "SOURCE", "nope.sqlite")


def test_fit_unknown_model(store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Asking for a model the store does not hold names --model."""
    code, _, err = run_cli(["fit", str(store), "--model", "cnn:width=8"], capsys)
    assert_one_line_error(code, err, "--model")


def test_plan_compute_budget_allocates_within_one_architecture(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """With a declared sweep of three model sizes, `plan --compute-budget` fits the joint
    law and returns a model size and data size whose predicted seconds fit the budget."""
    store = tmp_path / "s.sqlite"
    spec = f"{SWEEP}(sleep_per_sample=2e-06)"
    run = run_curve(scripted_dataset(3000), [spec], sweep={"params": [1000, 4000, 16000]},
                    seeds=2, store=store, progress=False)
    small = run.design.models[0]
    code, out, err = run_cli(["plan", str(store), "--target", "0.9", "-m", small,
                              "--compute-budget", "0.01", "--json"], capsys)
    assert code == 0, err
    alloc = json.loads(out)["allocation"]
    assert alloc["architecture"] == SWEEP
    assert len(alloc["models"]) == 3 and alloc["notes"] == []
    assert alloc["seconds"] <= 0.01 * 1.0001 and 0.0 <= alloc["score"] <= 1.0
    assert alloc["interval"][0] <= alloc["score"] <= alloc["interval"][1]


def test_models_of_one_class_are_not_a_sweep_unless_declared(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Three scripted learners that differ in more than their size, listed one by one,
    are not a declared sweep: `--compute-budget` is refused with a one-line error."""
    store = tmp_path / "s.sqlite"
    specs = [scripted_spec(asymptote=0.99 - 5 / p**0.5, scale=1.2, exponent=0.5, params=p)
             for p in (1000, 4000, 16000)]
    run_curve(scripted_dataset(3000), specs, seeds=2, store=store, progress=False)
    code, _, err = run_cli(["plan", str(store), "--target", "0.9", "--compute-budget",
                            "0.01"], capsys)
    assert_one_line_error(code, err, "--compute-budget", "declared model-size sweep")


def test_plan_compute_budget_needs_two_sizes(store: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    """One model size cannot carry a joint law: a one-line error names --compute-budget."""
    code, _, err = run_cli(["plan", str(store), "--target", "0.9", "--compute-budget", "5"],
                           capsys)
    assert_one_line_error(code, err, "--compute-budget")


def test_every_analysis_command_takes_store_like_curve(store: Path, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    """`--store` names the source as `curve` and `results` do, with the same answer as
    the positional SOURCE; two different ones are a one-line error."""
    for cmd in (["fit"], ["plan", "--target", "0.93"], ["diagnose"]):
        a = run_cli([*cmd, str(store), "--json"], capsys)
        b = run_cli([*cmd, "--store", str(store), "--json"], capsys)
        assert a[0] == b[0] == 0 and a[1] == b[1], cmd
    out = tmp_path / "rep"
    assert run_cli(["report", "--store", str(store), "--out", str(out)], capsys)[0] == 0
    code, _, err = run_cli(["fit", str(store), "--store", str(tmp_path / "x.sqlite")],
                           capsys)
    assert_one_line_error(code, err, "SOURCE", "--store")


def test_fit_names_the_network_meta_model(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    """A built-in network's curve is extrapolated by the network meta-model, another
    learner's by the classical one; `fit --json` and the table say which."""
    import pandas as pd

    corpus = pd.read_csv(Path(__file__).resolve().parents[2] / "bench" / "data"
                         / "dl_corpus.csv.gz")
    rows = corpus[(corpus["task_name"] == "mnist1d-default") & (corpus["status"] == "ok")
                  & (corpus["model"] == "mlp:depth=1,width=32")]
    assert len(rows) > 20
    cols = ["model", "n", "seed", "train_score", "val_score", "metric"]
    table = pd.concat([rows[cols], rows[cols].assign(model="sklearn:SVC()")])
    path = tmp_path / "results.csv"
    table.to_csv(path, index=False)
    code, out, err = run_cli(["fit", str(path), "--json"], capsys)
    assert code == 0, err
    kinds = {c["model"]: c["meta_model"] for c in json.loads(out)["curves"]}
    assert kinds == {"mlp:depth=1,width=32": "network", "sklearn:SVC()": "classical"}
    code, out, err = run_cli(["fit", str(path)], capsys)
    assert code == 0, err
    assert "network meta" in out and "classical meta" in out


def test_fit_and_plan_use_a_cheaper_model_measured_further(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Real MNIST-1D curves of the corpus: a small MLP measured to 16,000 and a CNN to
    2,000; the CNN's curve carries the MLP's evidence in `fit --json`, `plan --json` and
    the table's note, and the MLP's carries none."""
    import pandas as pd

    corpus = pd.read_csv(Path(__file__).resolve().parents[2] / "bench" / "data"
                         / "dl_corpus.csv.gz")
    ok = corpus[(corpus["task_name"] == "mnist1d-default") & (corpus["status"] == "ok")]
    cols = ["model", "n", "seed", "train_score", "val_score", "metric"]
    cheap = ok[ok["model"] == "mlp:depth=1,width=32"][cols]
    cnn = ok[(ok["model"] == "cnn:width=8") & (ok["n"] <= 2000)][cols]
    path = tmp_path / "results.csv"
    pd.concat([cheap, cnn]).to_csv(path, index=False)
    code, out, err = run_cli(["fit", str(path), "--json"], capsys)
    assert code == 0, err
    evidence = {c["model"]: c["evidence"] for c in json.loads(out)["curves"]}
    assert evidence["mlp:depth=1,width=32"] is None
    assert evidence["cnn:width=8"]["models"] == ["mlp:depth=1,width=32"]
    assert evidence["cnn:width=8"]["up_to_size"] == 16000
    code, out, err = run_cli(["plan", str(path), "--target", "0.95", "--json"], capsys)
    assert code == 0, err
    plans = {p["model"]: p for p in json.loads(out)["plans"]}
    assert plans["cnn:width=8"]["curve"]["evidence"] == evidence["cnn:width=8"]
    code, out, err = run_cli(["fit", str(path)], capsys)
    assert code == 0, err
    assert "residuals of 1 other model measured beyond" in " ".join(out.split())
