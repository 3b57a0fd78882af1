"""The ``outlier`` check on planted outliers, and against cleanlab Datalab's rule."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from datacurve._errors import InputError
from datacurve.auditing import audit
from datacurve.auditing._context import context_from
from datacurve.auditing.checks._outlier import outlier_threshold

N, D, COMPONENTS, SHIFT = 4000, 64, 5, 8.0


def planted(seed: int = 0, frac: float = 0.01,
            shift: float = SHIFT) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A 64-d Gaussian mixture (unit spread) whose `frac` of points are moved `shift`
    standard deviations along every coordinate (random signs). Returns X, y, mask."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, COMPONENTS, N)
    X = rng.normal(0.0, 4.0, size=(COMPONENTS, D))[y] + rng.normal(size=(N, D))
    out = rng.choice(N, round(frac * N), replace=False)
    X[out] += shift * np.sign(rng.normal(size=(out.size, D)))
    return X, y, np.isin(np.arange(N), out)


def precision_recall(flags: np.ndarray, truth: np.ndarray) -> tuple[float, float]:
    """Precision and recall of boolean flags."""
    tp = float((flags & truth).sum())
    return tp / max(float(flags.sum()), 1.0), tp / max(float(truth.sum()), 1.0)


def datalab_flags(Z: np.ndarray, **kwargs: Any) -> np.ndarray:
    """cleanlab Datalab's outlier issue on features `Z` (its issue manager, called
    without a full Datalab, which needs the optional ``datasets`` package)."""
    mod = pytest.importorskip("cleanlab.datalab.internal.issue_manager.outlier")

    class _Lab:
        def get_info(self, name: str) -> dict[str, Any]:
            return {}

    manager = mod.OutlierIssueManager(_Lab(), **kwargs)
    manager.find_issues(features=Z)
    return np.asarray(manager.issues["is_outlier_issue"], dtype=bool)


@pytest.mark.parametrize("seed", [0, 1])
def test_planted_outliers_are_found(seed: int) -> None:
    """1% of points moved 8 sd away: recall >= 0.95 at precision >= 0.9."""
    X, y, truth = planted(seed)
    r = audit(X, y, checks=["outlier"]).results["outlier"]
    precision, recall = precision_recall(r.flags, truth)
    assert recall >= 0.95 and precision >= 0.9


def test_at_least_as_good_as_datalab() -> None:
    """Same data and embeddings: precision and recall no lower than Datalab's outlier
    issue (default cosine metric and Euclidean)."""
    X, y, truth = planted(2)
    ours = precision_recall(audit(X, y, checks=["outlier"]).results["outlier"].flags, truth)
    Z = context_from(X, y).embeddings()
    for kwargs in ({}, {"metric": "euclidean"}):
        theirs = precision_recall(datalab_flags(Z, **kwargs), truth)
        assert ours[0] >= theirs[0] and ours[1] >= theirs[1], (kwargs, ours, theirs)


def test_clean_mixture_flags_almost_nothing() -> None:
    """No planted outliers: at most 0.1% of a Gaussian mixture is flagged."""
    X, y, _ = planted(3, frac=0.0)
    r = audit(X, y, checks=["outlier"]).results["outlier"]
    assert r.n_flagged <= N // 1000


def test_scores_rank_outliers_last() -> None:
    """Planted outliers score below every other example; typical examples score 1."""
    X, y, truth = planted(4)
    r = audit(X, y, checks=["outlier"]).results["outlier"]
    assert r.scores[truth].max() < r.scores[~truth].min()
    assert np.median(r.scores[~truth]) == 1.0
    assert np.all(r.scores[r.flags] <= r.info["score_threshold"] + 1e-12)


def test_given_features_are_used() -> None:
    """User embeddings replace the features: an outlier there is what gets flagged."""
    rng = np.random.default_rng(5)
    X = rng.normal(size=(300, 3))
    emb = rng.normal(size=(300, 8)).astype(np.float32)
    emb[17] += 30.0
    r = audit(X, np.arange(300) % 2, features=emb, checks=["outlier"]).results["outlier"]
    np.testing.assert_array_equal(np.flatnonzero(r.flags), [17])


def test_same_seed_same_findings() -> None:
    """Two audits agree exactly."""
    X, y, _ = planted(6)
    a = audit(X, y, checks=["outlier"], seed=1).results["outlier"]
    b = audit(X, y, checks=["outlier"], seed=1).results["outlier"]
    np.testing.assert_array_equal(a.flags, b.flags)
    np.testing.assert_array_equal(a.scores, b.scores)


def test_tiny_data_is_skipped() -> None:
    """Two examples: too few for neighbours, the check is skipped."""
    r = audit(np.array([[0.0], [1.0]]), [0, 1], checks=["outlier"]).results["outlier"]
    assert r.skipped is not None


def test_repeated_rows_do_not_become_outliers() -> None:
    """Mostly identical rows (median distance 0) give finite scores, no mass flagging."""
    X = np.zeros((100, 3))
    X[:10] = np.random.default_rng(7).normal(size=(10, 3)) * 1e-3
    r = audit(X, np.arange(100) % 2, checks=["outlier"]).results["outlier"]
    assert np.all(np.isfinite(r.scores)) and r.n_flagged <= 10


def test_threshold_grows_with_n() -> None:
    """The default threshold is 3.5 for small n and sqrt(2 ln n) beyond."""
    assert outlier_threshold(100) == 3.5
    assert outlier_threshold(100_000) == pytest.approx(np.sqrt(2 * np.log(100_000)))


def test_bad_parameters_are_refused() -> None:
    """k < 1 and a non-positive threshold name the parameter."""
    for params, name in (({"k": 0}, "k"), ({"z_threshold": -1.0}, "z_threshold")):
        with pytest.raises(InputError) as info:
            audit(np.zeros((5, 2)), [0, 1, 0, 1, 0], checks=["outlier"],
                  params={"outlier": params})
        assert info.value.name == name
