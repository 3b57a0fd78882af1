"""The SQLite results store."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from datacurve import InputError
from datacurve.curves import RESULT_COLUMNS, Store, TrialResult


def _ok(key: str = "k1", n: int = 32, acc: float = 0.8) -> TrialResult:
    return TrialResult(key, "mlp", n, 0, "ok", 123, {"accuracy": 0.99, "error": 0.01},
                       {"accuracy": acc, "error": 1 - acc}, 0.5, 0.01)


def _put(store: Store, result: TrialResult) -> None:
    store.put(result, dataset="fp", eval_split="ev", task="classification", n_eval=100)


def test_results_have_the_contract_columns_first(store_path: Path) -> None:
    """Results start with model, params, n, seed, train_score, val_score."""
    with Store(store_path) as s:
        _put(s, _ok())
        df = s.results()
    assert tuple(df.columns[:6]) == RESULT_COLUMNS
    assert df.loc[0, "val_score"] == pytest.approx(0.8)
    assert df.loc[0, "val_accuracy"] == pytest.approx(0.8)


def test_lower_is_better_metric_is_negated(store_path: Path) -> None:
    """Asking for error gives val_score = -error, higher still better."""
    with Store(store_path) as s:
        _put(s, _ok(acc=0.75))
        df = s.results(metric="error")
    assert df.loc[0, "val_score"] == pytest.approx(-0.25)


def test_a_finished_trial_is_never_overwritten(store_path: Path) -> None:
    """Putting the same key again does not replace a successful trial."""
    with Store(store_path) as s:
        _put(s, _ok(acc=0.8))
        _put(s, _ok(acc=0.1))
        assert s.results().loc[0, "val_score"] == pytest.approx(0.8)


def test_a_failed_trial_is_replaced_by_its_retry(store_path: Path) -> None:
    """A success replaces an earlier failure under the same key and counts attempts."""
    with Store(store_path) as s:
        _put(s, TrialResult("k1", "mlp", 32, 0, "failed", error="boom"))
        assert s.status_of(["k1"]) == {"k1": "failed"}
        _put(s, _ok())
        assert s.status_of(["k1"]) == {"k1": "ok"}
        assert int(s.trials().loc[0, "attempts"]) == 2


def test_failed_trials_are_hidden_unless_asked(store_path: Path) -> None:
    """results() leaves failed trials out by default and keeps their error when asked."""
    with Store(store_path) as s:
        _put(s, _ok("a"))
        _put(s, TrialResult("b", "mlp", 64, 0, "failed", error="RuntimeError: boom"))
        assert len(s.results()) == 1
        every = s.results(include_failed=True)
    assert set(every["status"]) == {"ok", "failed"}
    assert "boom" in every.loc[every["key"] == "b", "error"].iloc[0]


def test_a_text_file_is_not_a_store_and_is_left_alone(tmp_path: Path) -> None:
    """A file that is not SQLite is refused by name and not modified."""
    path = tmp_path / "notes.txt"
    path.write_text("hello")
    with pytest.raises(InputError) as info:
        Store(path)
    assert str(path) in str(info.value) and "not an SQLite" in str(info.value)
    assert path.read_text() == "hello"


def test_another_applications_database_is_refused_and_left_alone(tmp_path: Path) -> None:
    """An SQLite database made by someone else is refused and its bytes stay the same."""
    path = tmp_path / "other.sqlite"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE t (x)")
    con.commit()
    con.close()
    before = path.read_bytes()
    with pytest.raises(InputError) as info:
        Store(path)
    assert "another application" in str(info.value)
    assert path.read_bytes() == before


def test_readonly_store_must_exist(tmp_path: Path) -> None:
    """Opening a missing store read-only names the path."""
    with pytest.raises(InputError) as info:
        Store(tmp_path / "missing.sqlite", readonly=True)
    assert "missing.sqlite" in str(info.value)


def test_store_reopens_with_its_trials(store_path: Path) -> None:
    """A store keeps its trials across connections."""
    with Store(store_path) as s:
        _put(s, _ok())
    with Store(store_path, readonly=True) as s:
        assert len(s) == 1
