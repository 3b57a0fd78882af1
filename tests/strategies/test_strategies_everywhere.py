"""Strategies measured in a store reach every surface with the same numbers: `analyze`
prices them on the baseline's one fitted curve, the report renders them (plot, table,
samples at the target), the diagnosis' augmentation advice points at the measured
multiplier, and a strategy is never "another model family"."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from datacurve import analyze
from datacurve.data import builtin
from datacurve.strategies import compare_strategies, find_strategies, price_strategies

SPEC = "sklearn:DecisionTreeClassifier()"
SIZES = [64, 128, 256, 512]


@pytest.fixture(scope="module")
def measured(tmp_path_factory: pytest.TempPathFactory):
    store = tmp_path_factory.mktemp("everywhere") / "s.sqlite"
    ds = builtin("synthetic:n=1500,classes=3,features=10,sep=1.0,seed=1")
    c = compare_strategies(ds, SPEC, ["ensemble:k=8", "augment:noise=3,k=4"], sizes=SIZES,
                           seeds=3, store=store)
    return c, store


def test_stored_strategies_are_found_and_priced_alike(measured) -> None:
    c, store = measured
    found = find_strategies(store)
    assert found == {SPEC: {v.partition(" + ")[2]: v for v in c.strategies.values()}}
    again = price_strategies(store, SPEC)
    cols = ["n", "score", "multiplier", "multiplier_low", "multiplier_high"]
    mine = c.table.sort_values(["model", "n"])[cols].reset_index(drop=True)
    theirs = again.table.sort_values(["model", "n"])[cols].reset_index(drop=True)
    assert mine.equals(theirs)


def test_analysis_report_and_json_agree(measured, tmp_path: Path, capsys) -> None:
    from datacurve.cli._app import main

    c, store = measured
    a = analyze(store, target=0.9)
    priced = a.strategies[SPEC]
    assert priced.table.sort_values(["model", "n"])["multiplier"].tolist() == \
        pytest.approx(c.table.sort_values(["model", "n"])["multiplier"].tolist())
    need = a.models[SPEC].plan.samples_needed  # type: ignore[union-attr]
    at = a.strategy_targets[SPEC].set_index("strategy")
    for _label, row in at.iterrows():
        if math.isfinite(need):
            assert row["samples"] == pytest.approx(need / row["multiplier"])
    payload = a.to_dict()["strategies"][SPEC]
    assert len(payload["table"]) == len(c.table) and payload["at_target"]
    # The report renders the same multipliers (two decimals) and its own section.
    assert main(["report", str(store), "--out", str(tmp_path / "rep"), "--target", "0.9"]) == 0
    html = (tmp_path / "rep" / "index.html").read_text()
    assert 'id="strategies"' in html and "Strategies priced in samples" in html
    for m in c.table["multiplier"]:
        if math.isfinite(m):
            assert f"{m:.2f}×" in html
    capsys.readouterr()
    assert main(["diagnose", str(store), "-m", SPEC, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    (d,) = [d for d in out["diagnoses"] if d["model"] == SPEC]
    reasons = [r["reason"] for r in d["recommendations"] if r["action"] == "augment"]
    assert reasons and all("Measured here" in r for r in reasons)


def test_diagnosis_points_at_the_measured_multiplier_not_another_family(measured) -> None:
    _c, store = measured
    d = analyze(store, include=("diagnoses", "strategies")).models[SPEC].diagnosis
    assert d is not None
    other = d.evidence.get("other_family") or {}
    assert " + " not in str(other.get("model", ""))
    assert "augment" in [rec.action for rec in d.recommendations]
    for rec in d.recommendations:
        if rec.action == "augment":
            assert "Measured here: augment:noise=3,k=4 (copies)" in rec.reason
            assert rec.evidence["measured_strategies"]


def test_the_command_prices_the_target_like_the_report(measured, tmp_path: Path,
                                                       capsys) -> None:
    """`datacurve strategies --target` gives the baseline's plan and each strategy's
    samples at the target, with the numbers analyze (and so the report) holds."""
    from datacurve.cli._app import main

    c, store = measured
    args = ["strategies", "synthetic:n=1500,classes=3,features=10,sep=1.0,seed=1", "-m",
            SPEC, "-s", "ensemble:k=8", "-s", "augment:noise=3,k=4", "--sizes",
            ",".join(map(str, SIZES)), "--seeds", "3", "--store", str(store), "--quiet",
            "--target", "0.8"]
    assert main([*args, "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)["at_target"]
    a = analyze(store, target=0.8)
    plan = a.models[SPEC].plan
    assert plan is not None and payload["baseline_samples"] == pytest.approx(
        plan.samples_needed)
    mine = {r["strategy"]: r["samples"] for r in payload["table"]}
    theirs = a.strategy_targets[SPEC].set_index("strategy")["samples"]
    assert set(mine) == {"ensemble:k=8", "augment:noise=3,k=4"}
    for text, model in c.strategies.items():
        assert mine[text] == pytest.approx(theirs[model.partition(" + ")[2]])
    assert main(args) == 0
    assert "target accuracy 0.8: the baseline needs" in capsys.readouterr().out


def test_a_learner_of_ones_own_is_priced_as_a_strategy(tmp_path: Path) -> None:
    """(label, learner) prices anything run_curve takes (here a scikit-learn pipeline on a
    learned representation) against the baseline; the store knows it as a strategy."""
    from sklearn.decomposition import PCA
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    from datacurve import InputError

    mine = make_pipeline(PCA(n_components=16, random_state=0),
                         LogisticRegression(max_iter=500))
    base = "sklearn:LogisticRegression(max_iter=500)"
    from datacurve.data import Dataset

    digits = builtin("digits")
    flat = Dataset(digits.X.reshape(len(digits.y), -1), digits.y, "classification",
                   name="digits-flat")
    c = compare_strategies(flat, base, [("pca-16", mine)],
                           sizes=[64, 128, 256, 512], seeds=2, store=tmp_path / "s.sqlite")
    assert c.strategies == {"pca-16": f"{base} + pca-16"}
    assert list(c.table["strategy"].unique()) == ["pca-16"] and len(c.table) == 4
    assert find_strategies(tmp_path / "s.sqlite") == {base: {"pca-16": f"{base} + pca-16"}}
    with pytest.raises(InputError, match="a strategy text or a"):
        compare_strategies(flat, base, [("a + b", mine)], store=tmp_path / "t.sqlite")
    # A learner that cannot take the data: every trial fails, said as such.
    with pytest.raises(InputError, match="every trial failed"):
        compare_strategies(digits, base, [("pca-16", mine)], sizes=[64, 128, 256],
                           seeds=1, store=tmp_path / "u.sqlite")
