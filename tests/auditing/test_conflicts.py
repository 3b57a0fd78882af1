"""The ``conflicting_labels`` check on planted identical inputs with different labels."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from datacurve.auditing import audit


def planted(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct rows plus copies: 10 groups of 3 with a 2-vs-1 label conflict, 5 pairs of
    agreeing duplicates. Returns X, y and the mask of conflicting examples."""
    rng = np.random.default_rng(seed)
    n = 200
    X = rng.normal(size=(n, 5))
    y = rng.integers(0, 3, n)
    src = np.arange(15)
    X = np.vstack([X, X[src[:10]], X[src[:10]], X[src[10:]]])
    y = np.r_[y, y[src[:10]], (y[src[:10]] + 1) % 3, y[src[10:]]]
    conflict = np.zeros(y.size, dtype=bool)
    conflict[src[:10]] = True
    conflict[n:n + 20] = True
    return X, y, conflict


def test_conflicting_groups_are_flagged_exactly() -> None:
    """Every member of a conflicting group is flagged, agreeing duplicates are not."""
    X, y, conflict = planted()
    r = audit(X, y, checks=["conflicting_labels"]).results["conflicting_labels"]
    np.testing.assert_array_equal(r.flags, conflict)
    assert r.info["n_conflicting_groups"] == 10


def test_score_is_share_agreeing() -> None:
    """Majority members score 2/3, the dissenter 1/3, everyone else 1."""
    X, y, conflict = planted()
    r = audit(X, y, checks=["conflicting_labels"]).results["conflicting_labels"]
    np.testing.assert_allclose(r.scores[:10], 2 / 3)
    np.testing.assert_allclose(r.scores[200:210], 2 / 3)
    np.testing.assert_allclose(r.scores[210:220], 1 / 3)
    assert np.all(r.scores[~conflict] == 1.0)


def test_majority_label_is_suggested_to_the_dissenter() -> None:
    """The dissenting member is offered the group's majority label; others get -1."""
    X, y, _ = planted()
    r = audit(X, y, checks=["conflicting_labels"]).results["conflicting_labels"]
    assert r.suggested is not None
    np.testing.assert_array_equal(r.suggested[210:220], y[:10])
    assert np.all(np.delete(r.suggested, np.arange(210, 220)) == -1)


def test_tie_gets_no_suggestion() -> None:
    """A 1-vs-1 conflict is flagged with no suggested label."""
    X = np.array([[0.0, 1.0], [0.0, 1.0], [2.0, 3.0], [4.0, 5.0]])
    r = audit(X, [0, 1, 0, 1], checks=["conflicting_labels"]).results["conflicting_labels"]
    np.testing.assert_array_equal(r.flags, [True, True, False, False])
    assert r.suggested is not None and np.all(r.suggested == -1)
    np.testing.assert_allclose(r.scores, [0.5, 0.5, 1.0, 1.0])


def test_sparse_rows_are_compared() -> None:
    """Identical sparse rows with different labels are flagged."""
    X = sp.csr_matrix(np.array([[0, 1, 0], [0, 1, 0], [1, 0, 0], [0, 0, 2.0]]))
    r = audit(X, [0, 1, 1, 0], checks=["conflicting_labels"]).results["conflicting_labels"]
    np.testing.assert_array_equal(r.flags, [True, True, False, False])


def test_no_duplicates_no_flags() -> None:
    """Distinct rows: nothing flagged, summary 1."""
    X = np.random.default_rng(1).normal(size=(50, 3))
    r = audit(X, np.arange(50) % 2, checks=["conflicting_labels"]).results[
        "conflicting_labels"]
    assert r.n_flagged == 0 and r.summary == 1.0 and r.info["n_conflicting_groups"] == 0


def test_row_order_does_not_matter() -> None:
    """Shuffling the rows permutes the flags and scores."""
    X, y, _ = planted(2)
    perm = np.random.default_rng(3).permutation(y.size)
    a = audit(X, y, checks=["conflicting_labels"]).results["conflicting_labels"]
    b = audit(X[perm], y[perm], checks=["conflicting_labels"]).results["conflicting_labels"]
    np.testing.assert_array_equal(a.flags[perm], b.flags)
    np.testing.assert_allclose(a.scores[perm], b.scores)
