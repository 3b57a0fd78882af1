"""Budgeted curves: a run stops within its budget, spends it on the trials that narrow
the answer, drops a clearly beaten model, resumes, and states what it spent."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from datacurve._errors import InputError
from datacurve.curves import Budget, Store, parse_budget, run_curve
from datacurve.fit import WARMUP_SIZES, budget_step, compute_spent
from datacurve.models._torch import plan_training
from tests.conftest import scripted_dataset, scripted_spec

# Seconds per training row: a trial's time is known (sleep) and grows linearly with n.
PER_ROW = 1e-4


def _spent(run) -> float:  # type: ignore[no-untyped-def]
    return float(run.to_frame()["fit_time"].sum())


def test_stops_within_seconds_budget(tmp_path: Path) -> None:
    """A budget of 0.5 s of training on a learner whose times are known: the run spends
    most of it and never more than one trial's worth of timing noise beyond it."""
    ds = scripted_dataset(6000)
    run = run_curve(ds, {"a": scripted_spec(sleep_per_sample=PER_ROW)}, seeds=2,
                    eval_folds=1, budget_seconds=0.5, store=tmp_path / "s.sqlite",
                    progress=False)
    out = run.budget
    assert out is not None
    spent = _spent(run)
    assert out.spent_seconds == pytest.approx(spent)
    assert spent <= 0.5 * 1.15, spent
    assert spent >= 0.25, f"only {spent:.3f} s of 0.5 s used: {out.stop}"
    assert out.stop.startswith(("budget spent", "no trial that narrows"))
    # Fewer trials than the design offers, and never one size twice in one repeat.
    assert len(run.to_frame()) < len(run.design.trials)
    assert not run.to_frame().duplicated(["n", "seed", "eval_fold"]).any()


def test_share_budget_against_full_run(tmp_path: Path) -> None:
    """budget=0.3: the trials' seconds stay near 30 % of one full-data run, whose time
    the learner makes linear in n (1 ms per row × pool plus overhead)."""
    ds = scripted_dataset(8000)
    per_row = 1e-3  # growth well above a trial's overhead even at the first sizes
    run = run_curve(ds, {"a": scripted_spec(sleep_per_sample=per_row)}, seeds=1,
                    eval_folds=1, budget=0.3, store=tmp_path / "s.sqlite", progress=False)
    out = run.budget
    assert out is not None and out.full_seconds is not None
    pool = int(run.design.folds[0].pool.size)
    true_full = per_row * pool
    # The time model's full run is within 30 % of the planted one.
    assert out.full_seconds == pytest.approx(true_full, rel=0.3)
    assert _spent(run) <= 0.3 * true_full * 1.3
    assert out.share_spent is not None and out.share_spent <= 0.3 * 1.15
    assert "of one full training run" in out.describe()
    # The results record the pool: the fit room states what the curve cost.
    c = compute_spent(run.to_frame(), "a")
    assert c is not None and c.full_n == pool
    assert c.share == pytest.approx(_spent(run) / c.full_seconds)


def test_beaten_model_is_dropped(tmp_path: Path) -> None:
    """Two models, one with an asymptote far below the other's: the weak one is dropped
    after its first sizes and the budget goes to the strong one."""
    ds = scripted_dataset(6000)
    models = {"strong": scripted_spec(sleep_per_sample=PER_ROW, asymptote=0.95),
              "weak": scripted_spec(sleep_per_sample=PER_ROW, asymptote=0.55, scale=0.4)}
    run = run_curve(ds, models, seeds=1, eval_folds=1, budget=0.3,
                    store=tmp_path / "s.sqlite", progress=False)
    out = run.budget
    assert out is not None
    assert set(out.dropped) == {"weak"}
    assert "beaten" in out.dropped["weak"]
    sizes = run.to_frame().groupby("model")["n"].nunique()
    assert sizes["weak"] == WARMUP_SIZES
    assert sizes["strong"] > WARMUP_SIZES


def test_until_width_stops_early(tmp_path: Path) -> None:
    """With no budget but a width, a loose width is reached long before the design runs
    out, and the run stops there."""
    ds = scripted_dataset(6000)
    run = run_curve(ds, {"a": scripted_spec(sleep_per_sample=1e-6)}, seeds=1,
                    eval_folds=1, until_width=0.3, store=tmp_path / "s.sqlite",
                    progress=False)
    out = run.budget
    assert out is not None and out.stop.startswith("interval narrower than 0.3")
    assert all(w <= 0.3 for w in out.widths.values())
    assert len(run.to_frame()) < len(run.design.trials)


def test_target_width_is_a_ratio(tmp_path: Path) -> None:
    """With a target, until_width is the ratio of the samples interval's ends."""
    ds = scripted_dataset(6000)
    run = run_curve(ds, {"a": scripted_spec(sleep_per_sample=1e-6)}, seeds=2,
                    eval_folds=1, until_width=3.0, target=0.85,
                    store=tmp_path / "s.sqlite", progress=False)
    out = run.budget
    assert out is not None
    if out.stop.startswith("interval"):
        assert all(math.exp(w) <= 3.0 for w in out.widths.values())
    else:  # the design ran out first: then every trial the rules offered was measured
        assert out.stop in ("every trial of the design was measured",
                            "no trial is expected to narrow the interval")


def test_rerun_resumes_and_spends_nothing_twice(tmp_path: Path) -> None:
    """A budgeted run with a smaller budget, then the same store with a larger one: the
    first run's trials are reused, not retrained; a third identical call trains
    nothing."""
    ds = scripted_dataset(6000)
    store = tmp_path / "s.sqlite"
    spec = {"a": scripted_spec(sleep_per_sample=PER_ROW)}
    first = run_curve(ds, spec, seeds=1, eval_folds=1, budget_seconds=0.15, store=store,
                      progress=False)
    second = run_curve(ds, spec, seeds=1, eval_folds=1, budget_seconds=0.35, store=store,
                       progress=False)
    assert set(first.to_frame()["key"]) <= set(second.to_frame()["key"])
    assert second.ran == len(second.to_frame()) - len(first.to_frame())
    assert second.budget is not None and second.budget.spent_seconds <= 0.35 * 1.15
    third = run_curve(ds, spec, seeds=1, eval_folds=1, budget_seconds=0.35, store=store,
                      progress=False)
    assert third.ran == 0
    with Store(store, readonly=True) as s:
        recorded = s.get_meta(f"budget:{third.design.design_id}")
    assert recorded["stop"] == third.budget.stop  # type: ignore[union-attr]


def _frame(rows: list[tuple[str, int, float, float]]) -> pd.DataFrame:
    return pd.DataFrame({"model": [r[0] for r in rows], "n": [r[1] for r in rows],
                         "val_score": [r[2] for r in rows], "fit_time": [r[3] for r in rows],
                         "status": "ok", "seed": 0, "params": 0, "train_score": np.nan})


def _candidates(models: list[str], sizes: list[int], repeats: int = 2) -> pd.DataFrame:
    rows = [(f"{m}-{n}-{r}", m, n, r) for m in models for n in sizes for r in range(repeats)]
    return pd.DataFrame(rows, columns=["key", "model", "n", "repeat"])


SIZES = [16, 32, 64, 128, 256, 512, 1024, 2048, 4096]


def test_warmup_spreads_over_the_pool() -> None:
    """Before anything is measured each model gets WARMUP_SIZES distinct sizes, one
    repeat each, spread towards 1/32 of the pool (not the three smallest)."""
    step = budget_step(_frame([]).iloc[:0], _candidates(["a", "b"], SIZES),
                       Budget(share=0.1), full_n=4096)
    assert step.stop is None
    picked = _candidates(["a", "b"], SIZES).set_index("key").loc[list(step.picks)]
    for m in ("a", "b"):
        mine = picked[picked["model"] == m]
        assert len(mine) == WARMUP_SIZES and (mine["repeat"] == 0).all()
        assert mine["n"].nunique() == WARMUP_SIZES
        assert mine["n"].max() == 128  # 4096 / 32


def test_prefers_cheap_narrowing_and_respects_what_is_left() -> None:
    """Two models that are alike but one trains 100× slower: the pick is the cheap one's;
    with too little budget left for any trial the step stops and says why."""
    rows = []
    for n in (16, 32, 64, 128):
        acc = 0.9 - 0.8 * n ** -0.5
        rows += [("fast", n, acc, 1e-4 * n), ("slow", n, acc, 1e-2 * n)]
    done = _frame(rows)
    cand = _candidates(["fast", "slow"], SIZES)
    cand = cand[~cand["key"].str.endswith(("-16-0", "-32-0", "-64-0", "-128-0"))]
    step = budget_step(done, cand, Budget(seconds=100.0), full_n=4096, slots=1)
    assert len(step.picks) == 1 and step.picks[0].startswith("fast-")
    spent = float(done["fit_time"].sum())
    tight = budget_step(done, cand, Budget(seconds=spent + 1e-3), full_n=4096)
    assert tight.picks == () and "fits in what is left" in str(tight.stop)


def test_model_without_enough_sizes_is_dropped() -> None:
    """A model whose trials all failed beyond one size cannot make a curve: dropped with
    the reason, the others go on."""
    done = _frame([("a", 16, 0.5, 0.01)])
    done = pd.concat([done, _frame([("a", 32, np.nan, np.nan)]).assign(status="failed")])
    cand = _candidates(["a", "b"], [16, 32], repeats=1)
    cand = cand[~cand["key"].isin(["a-16-0", "a-32-0"])]
    step = budget_step(done, cand, Budget(share=0.5), full_n=64)
    assert "only 1 size" in step.dropped["a"]
    assert all(k.startswith("b-") for k in step.picks)


@pytest.mark.parametrize(("kwargs", "name"), [
    ({"budget": 0.0}, "budget"), ({"budget": -0.1}, "budget"),
    ({"budget": float("nan")}, "budget"), ({"budget": "15%"}, "budget"),
    ({"budget_seconds": 0}, "budget_seconds"),
    ({"budget": 0.1, "budget_seconds": 5.0}, "budget"),
    ({"until_width": -1.0}, "until_width"),
    ({"until_width": 0.9, "target": 0.8}, "until_width"),
    ({"target": 0.8}, "target"), ({"budget": 0.1, "target": 1.5}, "target"),
])
def test_bad_budget_refused(kwargs: dict[str, object], name: str, tmp_path: Path) -> None:
    """Bad budgets are refused, naming the parameter, before any store is made."""
    store = tmp_path / "s.sqlite"
    with pytest.raises(InputError) as err:
        run_curve(scripted_dataset(300), scripted_spec(), store=store, progress=False,
                  **kwargs)  # type: ignore[arg-type]
    assert err.value.name == name
    assert not store.exists()


@pytest.mark.parametrize(("text", "value"), [
    ("15%", 0.15), ("0.15", 0.15), (" 2.5 % ", 0.025), ("100%", 1.0), ("2", 2.0),
    ("abc", None), ("0", None), ("-5%", None), ("nan", None), ("%", None)])
def test_parse_budget(text: str, value: float | None) -> None:
    if value is None:
        with pytest.raises(InputError):
            parse_budget(text)
    else:
        assert parse_budget(text) == pytest.approx(value)


@settings(max_examples=200, deadline=None)
@given(n=st.integers(1, 20_000), big=st.integers(300, 200_000),
       batch=st.sampled_from([16, 32, 64, 128, 256]), limit=st.integers(1, 200),
       classes=st.integers(2, 20))
def test_torch_step_budget_never_exceeds_the_full_run(n: int, big: int, batch: int,
                                                      limit: int, classes: int) -> None:
    """A network's most optimisation steps on a subset exceed those of the full pool's
    run by less than one epoch of the subset (its fixed step budget is that of 256 rows,
    rounded up to whole epochs), for any subset at most the full run's training part
    (90 % of its rows)."""
    if n > 0.9 * big:
        return
    codes_n = np.arange(n) % classes
    codes_big = np.arange(big) % classes

    def steps(size: int, codes: np.ndarray) -> int:
        p = plan_training(size, codes=codes, fraction=0.1, batch_size=batch,
                          epoch_limit=limit, rng=np.random.default_rng(0))
        return p.epochs * math.ceil(len(p.train) / min(batch, len(p.train)))

    assert steps(n, codes_n) < steps(big, codes_big) + math.ceil(n / batch)
