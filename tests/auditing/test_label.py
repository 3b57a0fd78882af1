"""The ``label`` check (confident learning) and the default out-of-fold learner."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_digits

from datacurve._errors import InputError
from datacurve.auditing import audit
from datacurve.auditing._context import context_from
from datacurve.auditing._probs import fold_count, out_of_fold_probs, probs_info
from datacurve.auditing.checks._label import LabelIssues

FLIP = 0.10


def flipped(y: np.ndarray, frac: float = FLIP, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """`y` with `frac` of the labels moved uniformly to another class; returns the noisy
    labels and the mask of flipped examples."""
    rng = np.random.default_rng(seed)
    k = int(y.max()) + 1
    idx = rng.choice(y.size, round(frac * y.size), replace=False)
    noisy = y.copy()
    noisy[idx] = (y[idx] + rng.integers(1, k, idx.size)) % k
    return noisy, np.isin(np.arange(y.size), idx)


def f1(flags: np.ndarray, truth: np.ndarray) -> float:
    """F1 of boolean flags against the true mask."""
    tp = float((flags & truth).sum())
    return 2 * tp / max(float(flags.sum() + truth.sum()), 1.0)


@pytest.fixture(scope="module")
def digits_audit() -> tuple[object, np.ndarray, np.ndarray]:
    """An audit of digits with 10% of labels flipped (default learner), the noisy labels
    and the flip mask."""
    X, y = load_digits(return_X_y=True)
    noisy, truth = flipped(y)
    return audit(X, noisy, checks=["label"], seed=0), noisy, truth


def test_flipped_digits_labels_are_found(digits_audit: tuple) -> None:
    """Digits with 10% of labels flipped: F1 >= 0.92 with the default learner."""
    report, _, truth = digits_audit
    assert f1(report.results["label"].flags, truth) >= 0.92


def test_suggestions_restore_most_flipped_labels(digits_audit: tuple) -> None:
    """Suggested labels are set only on flagged examples and mostly recover the truth."""
    report, _, truth = digits_audit
    r = report.results["label"]
    _, y = load_digits(return_X_y=True)
    assert np.all((r.suggested == -1) == ~r.flags)
    hit = r.flags & truth
    assert np.mean(r.suggested[hit] == y[hit]) >= 0.9


def test_info_records_learner_and_counts(digits_audit: tuple) -> None:
    """Info names the learner and gives flagged count, noise rate and per-class counts."""
    report, noisy, _ = digits_audit
    r = report.results["label"]
    assert r.info["learner"] == "svc" and r.info["learner_info"]["n_splits"] == 5
    assert r.info["n_flagged"] == r.n_flagged
    assert r.info["noise_rate"] == pytest.approx(r.n_flagged / noisy.size)
    assert sum(c["flagged"] for c in r.info["per_class"].values()) == r.n_flagged
    assert sum(c["count"] for c in r.info["per_class"].values()) == noisy.size
    assert r.summary == pytest.approx(1 - r.info["noise_rate"])


def test_flagged_examples_score_lower(digits_audit: tuple) -> None:
    """Flagged examples have lower label quality than the rest."""
    r = digits_audit[0].results["label"]
    assert np.median(r.scores[r.flags]) < np.median(r.scores[~r.flags])


def test_given_pred_probs_are_used() -> None:
    """With user pred_probs no model is trained and confident errors are flagged."""
    rng = np.random.default_rng(0)
    n, k = 300, 3
    y = np.arange(n) % k
    truth = np.zeros(n, dtype=bool)
    truth[:15] = True
    pp = np.full((n, k), 0.05)
    pp[np.arange(n), y] = 0.9
    bad = np.flatnonzero(truth)
    pp[bad] = 0.05
    pp[bad, (y[bad] + 1) % k] = 0.9
    X = rng.normal(size=(n, 2))
    r = audit(X, y, pred_probs=pp, checks=["label"]).results["label"]
    assert r.info["learner"] == "given"
    np.testing.assert_array_equal(r.flags, truth)
    np.testing.assert_array_equal(r.suggested[bad], (y[bad] + 1) % k)


def test_same_seed_same_findings() -> None:
    """Two audits with the same seed (default learner) agree exactly."""
    X, y = load_digits(return_X_y=True)
    X, y = X[:400], flipped(y[:400], seed=3)[0]
    a = audit(X, y, checks=["label"], seed=7).results["label"]
    b = audit(X, y, checks=["label"], seed=7).results["label"]
    np.testing.assert_array_equal(a.flags, b.flags)
    np.testing.assert_array_equal(a.scores, b.scores)


def test_out_of_fold_probs_are_probabilities() -> None:
    """Out-of-fold probabilities are (n, k), non-negative and sum to 1 per row."""
    rng = np.random.default_rng(0)
    y = np.arange(150) % 3
    X = rng.normal(size=(150, 5)) + y[:, None]
    p = out_of_fold_probs(context_from(X, y))
    assert p.shape == (150, 3) and np.all(p >= 0)
    np.testing.assert_allclose(p.sum(axis=1), 1.0)


def test_rare_classes_reduce_folds() -> None:
    """A class of 3 members means 3 folds; a singleton does not reduce them."""
    assert fold_count(np.r_[np.zeros(50, int), np.ones(3, int)], 2) == 3
    assert fold_count(np.r_[np.zeros(50, int), np.ones(40, int), [2]], 3) == 5


def test_singleton_class_runs_with_zero_quality() -> None:
    """A class with a single example runs: its example gets probability 0 for its label,
    label quality 0, and stays unflagged (cleanlab's ``min_examples_per_class=1``)."""
    rng = np.random.default_rng(1)
    y = np.r_[np.arange(120) % 2, 2]
    X = rng.normal(size=(121, 4)) + 3 * y[:, None]
    ctx = context_from(X, y)
    p = ctx.pred_probs()
    assert p[-1, 2] == 0.0
    with pytest.warns(UserWarning, match="too few examples"):
        r = LabelIssues().run(ctx)
    assert r.scores[-1] == 0.0 and not r.flags[-1]


def test_too_few_examples_per_class_is_skipped_or_refused() -> None:
    """Without pred_probs, one class of 2+ examples: the check is skipped, and asking for
    out-of-fold probabilities names ``y``."""
    X = np.arange(10, dtype=float).reshape(5, 2)
    y = np.array([0, 0, 0, 0, 1])
    r = audit(X, y, checks=["label"]).results["label"]
    assert r.skipped is not None and not r.flags.any()
    with pytest.raises(InputError) as info:
        out_of_fold_probs(context_from(X, y))
    assert info.value.name == "y"


def test_unknown_filter_is_refused() -> None:
    """An unknown `filter_by` names the parameter."""
    with pytest.raises(InputError) as info:
        audit(np.zeros((4, 2)), [0, 1, 0, 1], checks=["label"],
              params={"label": {"filter_by": "magic"}})
    assert info.value.name == "filter_by"


def test_sparse_features_use_logistic_regression() -> None:
    """Sparse (TF-IDF-like) features train logistic regression and find flipped labels."""
    rng = np.random.default_rng(0)
    n, k, vocab = 600, 3, 300
    y = np.arange(n) % k
    # Each class draws its words from its own third of the vocabulary.
    cols = y[:, None] * (vocab // k) + rng.integers(0, vocab // k, size=(n, 8))
    X = sp.csr_matrix((np.ones(n * 8), (np.repeat(np.arange(n), 8), cols.ravel())),
                      shape=(n, vocab))
    noisy, truth = flipped(y, 0.1, seed=1)
    r = audit(X, noisy, checks=["label"]).results["label"]
    assert r.info["learner"] == "logistic_regression"
    assert f1(r.flags, truth) >= 0.9


def test_probs_info_without_model() -> None:
    """`probs_info` reports "given" when the user passed probabilities."""
    ctx = context_from(np.zeros((4, 2)), [0, 1, 0, 1], pred_probs=np.full((4, 2), 0.5))
    assert probs_info(ctx) == {"learner": "given"}


def test_folds_on_an_executor_equal_the_local_audit() -> None:
    """The out-of-fold probabilities computed with each fold an executor item (worker
    processes here, Ray tasks in tests/curves/test_ray.py) equal the local ones, so the
    label issues found are the same."""
    from datacurve.curves import ProcessExecutor

    X, y = load_digits(return_X_y=True)
    noisy, _ = flipped(y[:600], seed=3)
    local = context_from(X[:600], noisy)
    with ProcessExecutor(2) as ex:
        remote = context_from(X[:600], noisy, executor=ex)
        np.testing.assert_allclose(remote.pred_probs(), local.pred_probs(), atol=1e-10)
        report = audit(X[:600], noisy, checks=["label"], executor=ex)
    assert np.array_equal(report.flagged("label"),
                          audit(X[:600], noisy, checks=["label"]).flagged("label"))


@pytest.mark.parametrize(("kwargs", "name"), [({"executor": "spark"}, "executor"),
                                              ({"address": "auto"}, "address")])
def test_audit_bad_executor_refused(kwargs: dict[str, object], name: str) -> None:
    X, y = load_digits(return_X_y=True)
    with pytest.raises(InputError) as err:
        audit(X[:100], y[:100], checks=["label"], **kwargs)  # type: ignore[arg-type]
    assert err.value.name == name
