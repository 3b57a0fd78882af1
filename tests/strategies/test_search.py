"""search_model_size: successive halving over a sweep drops a size beaten now and by its
fitted curve at the largest size, keeps one that catches up later, and says where the
best size changes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from datacurve import InputError
from datacurve.data import builtin
from datacurve.strategies import search_model_size

DATA = "synthetic:n=2000,classes=3,features=10,sep=1.0,seed=1"
TREE = "sklearn:DecisionTreeClassifier()"
SIZES = [64, 128, 256, 512, 1024]


@pytest.fixture(scope="module")
def found(tmp_path_factory: pytest.TempPathFactory):
    store = tmp_path_factory.mktemp("search") / "s.sqlite"
    return search_model_size(builtin(DATA), TREE, {"max_depth": [1, 3, 8]}, sizes=SIZES,
                             seeds=3, store=store), store


def test_a_clearly_beaten_size_is_dropped_and_a_late_starter_kept(found) -> None:
    s, _ = found
    stump = "sklearn:DecisionTreeClassifier(max_depth=1)"
    deep = "sklearn:DecisionTreeClassifier(max_depth=8)"
    assert list(s.dropped) == [stump]
    assert s.dropped[stump]["n"] >= SIZES[2]  # never before 3 sizes are measured
    # The stump is not trained after it was dropped; the deep tree, behind at small n,
    # is measured to the end, where it has caught up.
    assert s.rounds[s.rounds["model"] == stump]["n"].max() == s.dropped[stump]["n"]
    last = s.rounds[s.rounds["n"] == SIZES[-1]].set_index("model")["score"]
    assert deep in last.index and abs(last[deep] - last.max()) < 0.02
    assert s.trials_run < s.trials_full == 3 * len(SIZES) * 3
    assert list(s.best["n"]) == SIZES


def test_best_size_changes_are_reported() -> None:
    import pandas as pd

    from datacurve.strategies._search import SizeSearch

    best = pd.DataFrame({"n": [64, 128, 256], "model": ["a", "a", "b"],
                         "score": [0.5, 0.6, 0.7]})
    s = SizeSearch(["a", "b"], pd.DataFrame(), best, {}, 6, 6, "accuracy", 0.8,
                   results=None)  # type: ignore[arg-type]
    assert s.changes == [{"n": 256, "from": "a", "to": "b"}]


def test_lower_is_better_metrics_drop_the_worse(tmp_path: Path) -> None:
    s = search_model_size(builtin(DATA), TREE, {"max_depth": [1, 4]}, sizes=SIZES[:4],
                          seeds=3, metric="log_loss", store=tmp_path / "s.sqlite")
    assert s.metric == "log_loss"
    first = s.best.iloc[-1]
    at = s.rounds[s.rounds["n"] == first["n"]]
    assert first["score"] == at["score"].min()
    assert (s.rounds["low"] <= s.rounds["score"]).all()
    assert (s.rounds["score"] <= s.rounds["high"]).all()


@pytest.mark.parametrize(("sweep", "kw", "name"), [
    ({"max_depth": [3]}, {}, "sweep"),
    ({"max_depth": [1, 3]}, {"seeds": 1}, "seeds"),
    ({"max_depth": [1, 3]}, {"sizes": [64]}, "sizes"),
])
def test_bad_searches_are_one_clear_error(sweep, kw, name, tmp_path: Path) -> None:
    args = {"sizes": SIZES[:3], "seeds": 3, **kw}
    with pytest.raises(InputError) as err:
        search_model_size(builtin(DATA), TREE, sweep, store=tmp_path / "s.sqlite", **args)
    assert err.value.name == name
    assert not (tmp_path / "s.sqlite").exists()


def test_the_command_prints_the_search_and_json(found, capsys) -> None:
    from datacurve.cli._app import main

    s, store = found
    args = ["search", DATA, "-m", TREE, "--sweep", "max_depth=1,3,8", "--sizes",
            ",".join(map(str, SIZES)), "--store", str(store), "--quiet"]
    assert main([*args, "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["trials_run"] == s.trials_run and payload["dropped"] == s.dropped
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "dropped sklearn:DecisionTreeClassifier(max_depth=1)" in out
    assert f"of the full grid's {s.trials_full}" in out
