"""Multivariate and model-based drift tests: planted shifts are found, the null is not
rejected more often than it should be, and bad input is refused naming the argument."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import ttest_ind
from threadpoolctl import threadpool_limits

from datacurve.monitor._multi import (
    BBSEResult,
    bbse,
    classifier_test,
    label_test,
    mmd_test,
    output_tests,
)

NAMES = [f"f{i}" for i in range(5)]


@pytest.fixture(autouse=True, scope="module")
def _one_thread() -> Iterator[None]:
    """One OpenMP / BLAS thread: on these tiny windows threads only add overhead, and on
    a shared machine OpenMP's spin-waiting makes a small gradient-boosting fit 10x slower."""
    with threadpool_limits(limits=1):
        yield


def _normal(seed: int, n: int, d: int = 5) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(n, d))


# --------------------------------------------------------------------------- MMD


def test_mmd_finds_a_mean_shift_in_two_of_five_features() -> None:
    y = _normal(2, 300)
    y[:, :2] += 1.0
    res = mmd_test(_normal(1, 300), y, permutations=200)
    assert res.p_value < 0.01
    assert res.p_value == pytest.approx(1 / 201)  # no permutation reaches it: the bound
    assert res.statistic > 0.05
    assert res.biased_statistic >= res.statistic
    assert (res.n_reference, res.n_current, res.permutations) == (300, 300, 200)
    assert res.bandwidth > 0


def test_mmd_does_not_reject_the_same_distribution() -> None:
    res = mmd_test(_normal(1, 300), _normal(2, 300), permutations=200)
    assert res.p_value > 0.01
    assert abs(res.statistic) < 0.01
    assert res.p_value >= 1 / 201


def test_mmd_null_rejection_rate_is_near_its_level() -> None:
    rejected = [mmd_test(_normal(100 + i, 60, 3), _normal(500 + i, 60, 3), permutations=100,
                         seed=i).p_value <= 0.05 for i in range(40)]
    assert np.mean(rejected) <= 0.15


def test_mmd_catches_a_variance_change_that_mean_tests_miss() -> None:
    x, y = _normal(3, 200, 3), 2.0 * _normal(4, 200, 3)
    assert min(ttest_ind(x[:, j], y[:, j]).pvalue for j in range(3)) > 0.01
    assert mmd_test(x, y, permutations=200).p_value < 0.01


def test_mmd_is_deterministic_for_a_seed_and_subsamples() -> None:
    x, y = _normal(5, 400, 2), _normal(6, 300, 2) + 0.1
    a = mmd_test(x, y, permutations=50, max_rows=100, seed=7)
    assert a == mmd_test(x, y, permutations=50, max_rows=100, seed=7)
    assert (a.n_reference, a.n_current) == (100, 100)
    assert a != mmd_test(x, y, permutations=50, max_rows=100, seed=8)


def test_mmd_refuses_nan_and_bad_shapes() -> None:
    x, y = _normal(1, 20, 3), _normal(2, 20, 3)
    y[4, 1] = np.nan
    with pytest.raises(ValueError, match=r"^y: .*NaN"):
        mmd_test(x, y)
    with pytest.raises(ValueError, match=r"^y: expected 3 columns"):
        mmd_test(x, _normal(2, 20, 2))
    with pytest.raises(ValueError, match=r"^x: expected a 2-D"):
        mmd_test(x[:, 0], x)
    with pytest.raises(ValueError, match=r"^permutations"):
        mmd_test(x, x, permutations=0)


# --------------------------------------------------------------------------- C2ST


def test_classifier_test_finds_the_shifted_feature() -> None:
    y = _normal(2, 300)
    y[:, 3] += 1.0
    res = classifier_test(_normal(1, 300), y, names=NAMES)
    assert res.auc > 0.6
    assert res.p_value < 0.01
    assert list(res.importance) == NAMES
    assert max(res.importance, key=res.importance.__getitem__) == "f3"
    assert res.importance["f3"] > 0.05
    assert (res.n_reference, res.n_current, res.folds) == (300, 300, 5)


def test_classifier_test_null() -> None:
    res = classifier_test(_normal(1, 300), _normal(2, 300), names=NAMES)
    assert abs(res.auc - 0.5) < 0.08
    assert res.p_value > 0.01


def test_classifier_scores_rank_the_shifted_current_rows_higher() -> None:
    x, y = _normal(1, 300), _normal(2, 400)
    y[:200, 3] += 1.5                        # only the first half of the current rows
    x[::10, 0] = np.nan                      # missing values are handled by the model
    y[::10, 0] = np.nan
    res = classifier_test(x, y, names=NAMES)
    assert res.current_scores.shape == (400,) and res.reference_scores.shape == (300,)
    assert np.all((res.current_scores >= 0) & (res.current_scores <= 1))
    assert res.current_scores[:200].mean() > res.current_scores[200:].mean() + 0.1


def test_classifier_test_scores_every_row_when_subsampling() -> None:
    x, y = _normal(1, 300), _normal(2, 500)
    y[:, 3] += 1.0
    res = classifier_test(x, y, names=NAMES, max_rows=150, folds=3)
    assert (res.n_reference, res.n_current, res.folds) == (150, 150, 3)
    assert res.current_scores.shape == (500,) and np.isfinite(res.current_scores).all()
    assert res.reference_scores.shape == (300,) and np.isfinite(res.reference_scores).all()
    assert res.current_scores.mean() > res.reference_scores.mean()


def test_classifier_test_reduces_folds_and_refuses_bad_input() -> None:
    res = classifier_test(_normal(1, 6), _normal(2, 7), names=NAMES)
    assert res.folds == 3
    with pytest.raises(ValueError, match=r"^names: expected 5 feature names"):
        classifier_test(_normal(1, 20), _normal(2, 20), names=NAMES[:4])
    with pytest.raises(ValueError, match=r"^y: expected at least 4 rows"):
        classifier_test(_normal(1, 20), _normal(2, 3), names=NAMES)


# --------------------------------------------------------------------------- outputs

COEF = np.array([[2.0, -1.0, 0.0], [0.0, 1.0, -1.0], [0.5, 0.5, 1.0], [0.0, 0.0, 0.0]])
"""A fixed 3-class logistic (softmax) model on 4 features."""


def _probs(x: np.ndarray) -> np.ndarray:
    logits = x @ COEF
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def test_output_tests_detect_a_shift_in_the_inputs() -> None:
    ref = _probs(_normal(1, 500, 4))
    shifted = _normal(2, 500, 4)
    shifted[:, 0] += 0.5
    tests = output_tests(ref, _probs(shifted), classes=["a", "b", "c"])
    assert [t.name for t in tests] == ["p(a)", "p(b)", "p(c)", "predicted label"]
    assert [t.test for t in tests] == ["ks", "ks", "ks", "chi2"]
    assert min(t.p_value for t in tests) < 0.01
    assert tests[0].current_mean > tests[0].reference_mean
    assert all(t.effect == t.statistic for t in tests[:3])
    assert 0 < tests[3].effect <= 1 and np.isnan(tests[3].reference_mean)

    same = output_tests(ref, _probs(_normal(3, 500, 4)), classes=["a", "b", "c"])
    assert all(t.p_value > 0.01 for t in same)


def test_output_tests_chi2_with_one_predicted_class_is_p_one() -> None:
    ref = np.tile([0.9, 0.1], (10, 1))
    chi2 = output_tests(ref, ref[:5], classes=[0, 1])[-1]
    assert chi2.p_value == 1.0 and chi2.effect == 0.0


def test_output_tests_refuse_bad_shapes() -> None:
    ok = np.full((4, 3), 1 / 3)
    with pytest.raises(ValueError, match=r"^ref_probs: expected a 2-D"):
        output_tests(ok[:, 0], ok, classes="abc")
    with pytest.raises(ValueError, match=r"^cur_probs: expected 3 columns"):
        output_tests(ok, ok[:, :2], classes="abc")
    with pytest.raises(ValueError, match=r"^cur_probs: expected at least one row"):
        output_tests(ok, ok[:0], classes="abc")
    with pytest.raises(ValueError, match=r"^ref_probs: expected 2 columns"):
        output_tests(ok, ok, classes="ab")


# --------------------------------------------------------------------------- BBSE


def _simulate(proportions: list[float], n: int, rng: np.random.Generator,
              accuracy: float = 0.8) -> tuple[np.ndarray, np.ndarray]:
    """Labels drawn with `proportions` and predictions right with probability
    `accuracy`, wrong ones uniform over the other classes (p(ŷ | y) fixed)."""
    k = len(proportions)
    y = rng.choice(k, size=n, p=proportions)
    wrong = (y + rng.integers(1, k, size=n)) % k
    return y, np.where(rng.random(n) < accuracy, y, wrong)


def test_bbse_recovers_three_class_label_shift() -> None:
    rng = np.random.default_rng(0)
    classes = np.array(["a", "b", "c"])
    y_ref, pred_ref = _simulate([1 / 3, 1 / 3, 1 / 3], 20_000, rng)
    _, pred_cur = _simulate([0.6, 0.3, 0.1], 20_000, rng)
    res = bbse(classes[y_ref], classes[pred_ref], classes[pred_cur], classes=["a", "b", "c"])
    assert isinstance(res, BBSEResult) and res.classes == ("a", "b", "c")
    assert np.allclose(res.estimated, [0.6, 0.3, 0.1], atol=0.03)
    assert np.allclose(res.reference, [1 / 3] * 3, atol=0.02)
    q = np.array(res.weights) * res.reference                # q = w · p, renormalised
    assert np.allclose(q / q.sum(), res.estimated)
    assert np.allclose(res.weights, np.array([0.6, 0.3, 0.1]) / res.reference, atol=0.1)
    assert res.condition < 10 and res.note is None
    # the naive estimate (predicted proportions) is far off: BBSE corrects the errors
    naive = np.bincount(pred_cur, minlength=3) / len(pred_cur)
    assert abs(naive[0] - 0.6) > 0.05


def test_bbse_recovers_binary_label_shift() -> None:
    rng = np.random.default_rng(1)
    y_ref, pred_ref = _simulate([0.5, 0.5], 20_000, rng)
    _, pred_cur = _simulate([0.7, 0.3], 20_000, rng)
    res = bbse(y_ref, pred_ref, pred_cur, classes=[0, 1])
    assert np.allclose(res.estimated, [0.7, 0.3], atol=0.03)


def test_bbse_notes_an_ill_conditioned_confusion_matrix() -> None:
    rng = np.random.default_rng(2)
    y_ref = rng.integers(0, 3, size=500)
    res = bbse(y_ref, np.zeros(500, dtype=int), rng.integers(0, 3, size=500),
               classes=[0, 1, 2])
    assert res.note is not None and "ill-conditioned" in res.note
    assert "never predicted" in res.note
    assert res.condition > 1e3
    assert min(res.estimated) >= 0 and sum(res.estimated) == pytest.approx(1.0)


def test_bbse_refuses_unknown_labels_and_mismatched_lengths() -> None:
    with pytest.raises(ValueError, match=r"^ref_labels: .*'d'"):
        bbse(["a", "d"], ["a", "b"], ["a"], classes=["a", "b"])
    with pytest.raises(ValueError, match=r"^cur_pred: "):
        bbse(["a", "b"], ["a", "b"], [3], classes=["a", "b"])
    with pytest.raises(ValueError, match=r"^ref_pred: expected 2 predictions"):
        bbse(["a", "b"], ["a"], ["a"], classes=["a", "b"])


@st.composite
def _label_arrays(draw: st.DrawFn) -> tuple[list[int], list[int], list[int]]:
    n = draw(st.integers(1, 40))
    labels = st.integers(0, 2)
    return (draw(st.lists(labels, min_size=n, max_size=n)),
            draw(st.lists(labels, min_size=n, max_size=n)),
            draw(st.lists(labels, min_size=1, max_size=40)))


@settings(max_examples=60, deadline=None)
@given(_label_arrays())
def test_bbse_estimate_is_a_distribution(arrays: tuple[list[int], list[int], list[int]]
                                         ) -> None:
    res = bbse(*arrays, classes=[0, 1, 2])
    assert min(res.estimated) >= 0 and min(res.weights) >= 0
    assert sum(res.estimated) == pytest.approx(1.0)
    assert sum(res.reference) == pytest.approx(1.0)


# --------------------------------------------------------------------------- labels


def test_label_test_finds_a_change_in_proportions() -> None:
    rng = np.random.default_rng(0)
    ref = rng.choice(["no", "yes"], size=1000, p=[0.5, 0.5])
    shifted = label_test(ref, rng.choice(["no", "yes"], size=1000, p=[0.7, 0.3]),
                         classes=["no", "yes"])
    assert (shifted.name, shifted.test) == ("labels", "chi2")
    assert shifted.p_value < 1e-6
    assert shifted.effect == pytest.approx(0.2, abs=0.05)
    same = label_test(ref, np.random.default_rng(1).choice(["no", "yes"], size=1000),
                      classes=["no", "yes"])
    assert same.p_value > 0.05 and same.effect < 0.05
    with pytest.raises(ValueError, match=r"^cur_labels: "):
        label_test(ref, ["maybe"], classes=["no", "yes"])


def test_label_test_null_rejection_rate_is_near_its_level() -> None:
    rng = np.random.default_rng(2)
    draws = rng.choice(3, size=(200, 2, 300), p=[0.5, 0.3, 0.2])
    rejected = [label_test(a, b, classes=[0, 1, 2]).p_value <= 0.05 for a, b in draws]
    assert np.mean(rejected) <= 0.1


def test_mmd_permutations_in_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Memory stays bounded: the permutations run in chunks (here 10 of 10, 10, ..., 5),
    and every one of them is counted."""
    import datacurve.monitor._multi as multi

    monkeypatch.setattr(multi, "_CHUNK_CELLS", 1000)           # 1000 // 100 rows = 10
    x, y = _normal(1, 50, 2), _normal(2, 50, 2)
    null = mmd_test(x, y, permutations=95)
    assert null.permutations == 95 and null.p_value > 0.05
    assert round(null.p_value * 96) == pytest.approx(null.p_value * 96)  # k / 96
    assert mmd_test(x, y + 2.0, permutations=95).p_value == pytest.approx(1 / 96)
