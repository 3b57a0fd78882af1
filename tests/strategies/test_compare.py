"""`compare_strategies`: a strategy planted to help (bagging a high-variance tree) is worth
more than its raw samples, one planted to hurt (noise copies 20 standard deviations wide
that bury the signal) less; the trials resume from the store; bad strategies are one
clear error each."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from datacurve import InputError
from datacurve.curves import Store
from datacurve.data import builtin
from datacurve.strategies import EnsembleLearner, compare_strategies

SPEC = "sklearn:DecisionTreeClassifier()"
SIZES = [64, 128, 256, 512, 1024]


@pytest.fixture(scope="module")
def comparison(tmp_path_factory: pytest.TempPathFactory):
    store = tmp_path_factory.mktemp("strategies") / "s.sqlite"
    ds = builtin("synthetic:n=2000,classes=3,features=10,sep=1.0,seed=1")
    return compare_strategies(ds, SPEC, ["ensemble:k=10", "noise:k=10,sigma=20"],
                              sizes=SIZES, seeds=3, store=store), ds, store


def test_a_strategy_that_helps_is_worth_more_than_its_samples(comparison) -> None:
    c, _, _ = comparison
    t = c.table[c.table["strategy"] == "ensemble:k=10"].set_index("n")
    assert list(t.index) == SIZES
    assert (t["gain"] > 0).all()
    # The whole 80 % interval above 1 wherever the baseline's curve is well measured.
    assert (t.loc[[256, 512, 1024], "multiplier_low"] > 1).all()
    assert (t["worth"] >= t["multiplier"] * t.index - 1e-9).all()


def test_a_strategy_that_hurts_is_worth_less(comparison) -> None:
    c, _, _ = comparison
    t = c.table[c.table["strategy"] == "noise:k=10,sigma=20"].set_index("n")
    # Worth less than its raw samples, and at best (the interval's high end) no more:
    # the baseline measured at the same size already scores above the strategy's band.
    assert (t.loc[[64, 128], "multiplier"] < 1).all()
    assert (t.loc[[64, 128], "multiplier_high"] <= 1).all()
    assert (t.loc[[64, 128], "gain"] < 0).all()


def test_strategies_are_trials_of_the_store_and_resume(comparison) -> None:
    """A strategy is part of the trial key: rerunning reuses every trial."""
    c, ds, store = comparison
    with Store(store, readonly=True) as st:
        before = len(st)
    again = compare_strategies(ds, SPEC, ["ensemble:k=10", "noise:k=10,sigma=20"],
                               sizes=SIZES, seeds=3, store=store)
    with Store(store, readonly=True) as st:
        assert len(st) == before == 3 * len(SIZES) * 3
    assert again.table.equals(c.table)
    assert set(c.results.models()) == {SPEC, *c.strategies.values()}


def test_ensemble_bags_estimators_and_keeps_every_class() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    y = np.r_[np.zeros(57, int), np.ones(3, int)]
    ens = EnsembleLearner(SPEC, k=4, random_state=3).fit(X, y)
    assert len(ens.members_) == 4 and ens.predict_proba(X).shape == (60, 2)
    assert ens.n_params_ > 0


@pytest.mark.parametrize(("strategies", "needle"), [
    (["ensembel:k=3"], "did you mean 'ensemble'"),
    (["ensemble:k=1"], "k of at least 2"),
    (["noise:sigma=0"], "sigma > 0"),
    (["noise:depth=3"], "options of noise"),
    ([], "a list of strategies"),
])
def test_bad_strategies_are_one_clear_error(strategies: list[str], needle: str,
                                            tmp_path: Path) -> None:
    ds = builtin("synthetic:n=200,seed=0")
    with pytest.raises(InputError, match="strategies") as info:
        compare_strategies(ds, SPEC, strategies, store=tmp_path / "s.sqlite")
    assert needle in str(info.value)
    assert not (tmp_path / "s.sqlite").exists()


def test_noise_copies_refuse_images(tmp_path: Path) -> None:
    """Noise copies are a table augmentation: on images it is one clear error, before
    anything is trained or stored."""
    from datacurve.data import Dataset

    ds = builtin("digits")
    images = Dataset(X=ds.X.reshape(-1, 1, 8, 8), y=ds.y, task="classification",
                     name="digits-images")
    with pytest.raises(InputError, match="noise copies on a table or vectors"):
        compare_strategies(images, "sklearn:LogisticRegression(max_iter=300)",
                           ["noise:k=2,sigma=0.1"], store=tmp_path / "s.sqlite")
    assert not (tmp_path / "s.sqlite").exists()


def test_the_command_prints_the_multipliers_and_json(tmp_path: Path, capsys) -> None:
    """`datacurve strategies` prints each strategy's multiplier and verdict; --json
    carries the same table (an infinite end as null)."""
    from datacurve.cli._app import main

    args = ["strategies", "synthetic:n=1500,classes=3,features=10,sep=1.0,seed=1",
            "-m", SPEC, "-s", "ensemble:k=10", "-s", "noise:k=10,sigma=20",
            "--sizes", "64,128,256,512", "--seeds", "3", "--store",
            str(tmp_path / "s.sqlite"), "--quiet"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "ensemble:k=10 at n=512: worth" in out and "helps" in out
    assert "noise:k=10,sigma=20 at n=512" in out
    assert main([*args, "--json"]) == 0
    import json

    payload = json.loads(capsys.readouterr().out)
    assert payload["baseline"] == SPEC and len(payload["table"]) == 8
    assert {r["strategy"] for r in payload["table"]} == {"ensemble:k=10",
                                                         "noise:k=10,sigma=20"}
