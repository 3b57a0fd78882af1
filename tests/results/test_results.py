"""The results room: one validation of the results table, whatever its source, and the
views every later room reads (natural units, per size, sweeps)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from datacurve import InputError
from datacurve.curves import Store, run_curve, summarize
from datacurve.metrics import METRICS, get_metric
from datacurve.results import Results, read_results
from tests.conftest import scripted_dataset, scripted_spec

SPEC = scripted_spec(asymptote=0.9, scale=1.0, exponent=0.5)
SWEEP = "datacurve.models._scripted:scripted_sweep"


def planted(models: tuple[tuple[str, int], ...] = (("m", 1000),),
            sizes: tuple[int, ...] = (50, 100, 200, 400), seeds: int = 2,
            metric: str = "accuracy") -> pd.DataFrame:
    """A table in the runner's form: scores higher-is-better, natural-unit columns."""
    m = get_metric(metric)
    rows = []
    for name, params in models:
        for n in sizes:
            for s in range(seeds):
                acc = 0.9 - 1.0 / np.sqrt(n) + 0.001 * s
                nat = acc if metric == "accuracy" else 1.0 - acc
                rows.append({"model": name, "params": params, "n": n, "seed": s,
                             "train_score": m.orient(nat + (0.05 if metric == "accuracy"
                                                            else -0.05)),
                             "val_score": m.orient(nat), "metric": metric, "status": "ok",
                             "fit_time": 1e-4 * n, "val_accuracy": acc,
                             "train_accuracy": acc + 0.05, "val_error": 1 - acc,
                             "train_error": 1 - acc - 0.05})
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store with one model's trials and one failed trial."""
    path = tmp_path_factory.mktemp("results") / "s.sqlite"
    data = scripted_dataset(900)
    run_curve(data, [SPEC, scripted_spec(fail_above=100)], seeds=2, sizes=[64, 128, 256],
              store=path, progress=False)
    return path


def test_every_source_gives_the_same_results(store: Path, tmp_path: Path) -> None:
    """A store, its path, its CSV and Parquet exports, a DataFrame and a Results all give
    the same finished trials, in the same metric, with the failed ones apart."""
    with Store(store, readonly=True) as st_:
        from_store = Results.from_source(st_)
    table = from_store.to_frame(failed=True)
    table.to_csv(tmp_path / "r.csv", index=False)
    table.to_parquet(tmp_path / "r.parquet", index=False)
    sources = [store, str(store), tmp_path / "r.csv", tmp_path / "r.parquet", table,
               from_store]
    for source in sources:
        r = Results.from_source(source)
        assert r.metric.name == "accuracy" and len(r) == len(from_store)
        assert len(r.failed) == len(from_store.failed) >= 1
        np.testing.assert_allclose(np.sort(r.table["val_score"]),
                                   np.sort(from_store.table["val_score"]))
    assert Results.from_source(from_store) is from_store
    assert from_store.info["classes"] and from_store.n_classes == 3
    assert from_store.dataset and from_store.dataset_name == "scripted900"


def test_a_curve_run_is_a_source_with_its_dataset(tmp_path: Path) -> None:
    """`Results.from_source(run)` reads the run's trials and knows the dataset's
    summary and the store it lives in."""
    run = run_curve(scripted_dataset(600), [SPEC], seeds=1, sizes=[64, 128],
                    store=tmp_path / "s.sqlite", progress=False, eval_folds=1)
    r = Results.from_source(run)
    assert len(r) == 2 and r.source == str(tmp_path / "s.sqlite")
    assert r.info["n"] == 600 and r.dataset == run.design.dataset.fingerprint


def test_natural_units_undo_the_stored_orientation() -> None:
    """For a lower-is-better metric the table stores negated scores; the natural view
    gives them back, and another recorded metric is read from its own columns."""
    err = Results.from_source(planted(metric="error"))
    assert err.metric.name == "error" and not err.metric.higher_is_better
    assert (err.table["val_score"] <= 0).all()
    f = err.natural_frame()
    assert (f["val"] >= 0).all()
    np.testing.assert_allclose(f["val"], -err.table["val_score"])
    acc = Results.from_source(planted(metric="error"), metric="accuracy")
    np.testing.assert_allclose(acc.natural_frame()["val"], 1 - f["val"])
    np.testing.assert_allclose(acc.natural_frame()["train"], 1 - f["train"])


def test_per_size_and_summary_agree_with_the_runner_summary() -> None:
    """per_size is each model's mean, spread and range per size; summary is the curves
    room's summary of the same trials."""
    r = Results.from_source(planted())
    g = r.per_size("m")
    assert list(g["n"]) == [50, 100, 200, 400] and (g["seeds"] == 2).all()
    assert (g["val_min"] <= g["val"]).all() and (g["val"] <= g["val_max"]).all()
    pd.testing.assert_frame_equal(r.summary(), summarize(r.to_frame()))


@pytest.mark.parametrize(("mutate", "name", "needle"), [
    (lambda t: t.drop(columns="val_score"), "results", "val_score"),
    (lambda t: t.iloc[:0], "results", "at least one finished trial"),
    (lambda t: t.assign(status="failed"), "results", "at least one finished trial"),
    (lambda t: t.assign(n=0), "results", "positive finite training-set sizes"),
    (lambda t: t.assign(val_score=t["val_score"] + 1.0), "results", "within the metric's"),
    (lambda t: pd.concat([t, t.assign(metric="error")]), "metric", "mixes metrics"),
    (lambda t: t.assign(dataset=np.where(t["seed"] == 0, "aaa", "bbb")), "dataset",
     "the source holds 2 datasets"),
])
def test_bad_tables_are_refused_once_by_name(mutate, name: str, needle: str) -> None:
    """Missing columns, no finished trial, bad sizes, scores out of range, mixed
    metrics, several datasets without a choice: one InputError naming the input."""
    with pytest.raises(InputError) as info:
        Results.from_source(mutate(planted()))
    assert info.value.name == name and needle in str(info.value)


def test_several_datasets_are_listed_and_one_can_be_chosen() -> None:
    """The error lists the datasets by name and fingerprint; choosing one by either
    keeps its rows only."""
    t = planted()
    t["dataset"] = np.where(t["seed"] == 0, "fp0", "fp1")
    t["dataset_name"] = np.where(t["seed"] == 0, "zero", "one")
    with pytest.raises(InputError) as info:
        Results.from_source(t)
    assert "zero (fp0)" in str(info.value) and "one (fp1)" in str(info.value)
    assert len(Results.from_source(t, dataset="one")) == len(t) // 2
    assert Results.from_source(t, dataset="fp0").dataset == "fp0"
    with pytest.raises(InputError, match="dataset"):
        Results.from_source(t, dataset="two")


def test_out_of_range_train_scores_are_left_out_with_a_note() -> None:
    """Train scores only inform the analysis: values outside the metric's range are
    dropped (NaN) and a note says how many, instead of refusing the table."""
    t = planted()
    t.loc[:3, "train_score"] = 2.0
    r = Results.from_source(t)
    assert r.table["train_score"].isna().sum() == 4
    assert any("4 train_score value(s) outside accuracy's range" in n for n in r.notes)


def test_missing_contract_columns_are_filled_and_required_where_needed() -> None:
    """A minimal table (model, n, val_score) is read; a room that needs params says so,
    naming the source."""
    r = Results.from_source(planted()[["model", "n", "val_score"]])
    assert r.given == frozenset({"model", "n", "val_score"})
    assert r.table["params"].isna().all() and (r.table["seed"] == 0).all()
    with pytest.raises(InputError, match="params") as info:
        r.require("params", purpose="a joint scaling law")
    assert info.value.name == "results" and "a joint scaling law" in str(info.value)


def test_pick_names_a_model_by_name_or_canonical_spec() -> None:
    """The only model when none is named; a spec written another way is matched by its
    canonical form; an unknown one is refused naming `model`."""
    t = planted((("cnn:width=4", 100), ("cnn", 1000)))
    r = Results.from_source(t)
    assert r.pick("cnn:width=16") == "cnn"  # 16 is the default width
    with pytest.raises(InputError) as info:
        r.pick(None)
    assert info.value.name == "model"
    with pytest.raises(InputError, match="nope"):
        r.pick("nope")


def test_sweeps_are_declared_not_guessed() -> None:
    """Built-in width/depth sizes form a sweep; two scripted learners that differ in more
    than their size do not; a sweep over one class with different fixed arguments is two
    sweeps, each named by what it fixes."""
    r = Results.from_source(planted((("cnn:width=4", 400), ("cnn:width=32", 12000),
                                     ("mlp", 23000),
                                     (scripted_spec(asymptote=0.8, params=10), 10),
                                     (scripted_spec(asymptote=0.9, params=99), 99))))
    assert r.by_architecture() == {"cnn": ("cnn:width=4", "cnn:width=32")}
    kernel = Results.from_source(planted((("cnn:width=4", 400), ("cnn:width=32", 12000),
                                          ("cnn:kernel_size=3,width=4", 300),
                                          ("cnn:kernel_size=3,width=32", 9000))))
    assert kernel.by_architecture() == {
        "cnn": ("cnn:width=4", "cnn:width=32"),
        "cnn(kernel_size=3)": ("cnn:kernel_size=3,width=4", "cnn:kernel_size=3,width=32")}


def test_a_declared_sweep_is_recorded_by_the_runner(tmp_path: Path) -> None:
    """`run_curve(sweep=...)` records the swept values on each trial; the models it made
    form one sweep, ordered by size; one size alone is no sweep."""
    run = run_curve(scripted_dataset(600), [f"{SWEEP}()"], sweep={"params": [4000, 250]},
                    seeds=1, sizes=[64, 128], store=tmp_path / "s.sqlite", progress=False)
    r = Results.from_source(run)
    assert {json.loads(s)["params"] for s in r.table["sweep"]} == {4000, 250}
    ((name, models),) = r.by_architecture().items()
    assert name == SWEEP and [r.params_of(m) for m in models] == [250, 4000]
    assert Results.from_source(run).subset(models[:1]).by_architecture() == {}


def test_read_results_is_the_validated_table(store: Path) -> None:
    """read_results gives the finished trials of Results.from_source, contract first."""
    df = read_results(store)
    assert tuple(df.columns[:6]) == ("model", "params", "n", "seed", "train_score",
                                     "val_score")
    assert len(df) == len(Results.from_source(store))


def test_a_missing_or_foreign_file_is_one_error(tmp_path: Path) -> None:
    """No such file, a folder, an unknown format: InputError naming the source."""
    (tmp_path / "notes.txt").write_text("x")
    for bad in (tmp_path / "none.sqlite", tmp_path, tmp_path / "notes.txt"):
        with pytest.raises(InputError) as info:
            Results.from_source(bad, name="SOURCE")
        assert info.value.name == "SOURCE"


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(sorted(METRICS)), st.lists(st.floats(0.0, 1.0), min_size=1,
                                                  max_size=20))
def test_orient_and_natural_are_inverse(name: str, values: list[float]) -> None:
    """For every metric, natural(orient(x)) == x and the stored scale is higher-is-
    better: a better natural value has a larger oriented one."""
    m = get_metric(name)
    x = np.asarray(values)
    np.testing.assert_array_equal(m.natural(m.orient(x)), x)
    better = x + (0.1 if m.higher_is_better else -0.1)
    assert (m.orient(better) > m.orient(x)).all()
    np.testing.assert_allclose(m.from_error(m.to_error(x)), x, atol=1e-12)


def test_trials_below_chance_are_marked_noted_and_left_out_of_the_fit() -> None:
    """A seed that scored below chance (0.05 on ten balanced classes, 1,000 evaluation
    rows) is marked, named in a note, and the fitted curve ignores it."""
    from datacurve.fit import fit_model_curve

    t = planted(seeds=3)
    t["n_eval"] = 1000
    t["n_classes"] = 10
    collapsed = (t["n"] == 50) & (t["seed"] == 0)
    t.loc[collapsed, "val_score"] = 0.05
    r = Results.from_source(t)
    assert r.table.loc[collapsed.to_numpy(), "below_chance"].all()
    assert r.table["below_chance"].sum() == 1 and r.table["outlier"].sum() == 1
    assert any("below chance" in n and "seed 0" in n for n in r.notes)
    every = t.copy()
    every.loc[every["n"] == 50, "val_score"] = 0.05  # all seeds: what the model does
    r_all = Results.from_source(every)
    assert r_all.table["below_chance"].sum() == 3 and not r_all.table["outlier"].any()
    clean = Results.from_source(t[~collapsed])
    assert fit_model_curve(r, "m").predict(50) == pytest.approx(
        fit_model_curve(clean, "m").predict(50), abs=1e-9)


def test_trials_of_one_model_from_two_designs_are_not_one_curve(tmp_path: Path) -> None:
    """The same model measured twice in one store with two evaluation hold-outs: the
    results keep the latest run's trials and say how many were left out; trials stored
    before designs were recorded get theirs when a run reuses them."""
    store = tmp_path / "s.sqlite"
    data = scripted_dataset(900)
    first = run_curve(data, [SPEC], seeds=2, sizes=[64, 128, 256], store=store,
                      progress=False, eval_folds=1, eval_size=0.2)
    second = run_curve(data, [SPEC], seeds=2, sizes=[64, 128, 256], store=store,
                       progress=False, eval_folds=1, eval_size=0.3)
    r = Results.from_source(store)
    assert set(r.table["key"]) == set(second.results["key"])
    assert any("6 older trial(s)" in n for n in r.notes)
    again = run_curve(data, [SPEC], seeds=2, sizes=[64, 128, 256], store=store,
                      progress=False, eval_folds=1, eval_size=0.2)
    assert again.ran == 0
    assert set(Results.from_source(store).table["key"]) == set(first.results["key"])
