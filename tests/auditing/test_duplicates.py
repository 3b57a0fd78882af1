"""The ``exact_duplicate`` and ``near_duplicate`` checks on planted duplicates."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from datacurve._errors import InputError
from datacurve.auditing import audit
from datacurve.auditing._context import context_from
from datacurve.auditing._neighbors import nearest
from datacurve.auditing.checks._duplicates import (
    MAX_FRACTION,
    duplicate_pairs,
    low_mode_radius,
)

N, D, COMPONENTS = 3000, 64, 8
N_EXACT, N_NEAR = 60, 60
NOISE = 1e-3
"""Near copies move each feature by this fraction of its scale."""
DIGIT_NOISE = 0.3
"""Pixel noise (standard deviation) of copied digits, on their 0-16 scale: invisible."""


def mixture(n: int = N, d: int = D, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """An (n, d) Gaussian mixture and its component labels."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, COMPONENTS, n)
    centres = rng.normal(0.0, 3.0, size=(COMPONENTS, d))
    return centres[y] + rng.normal(size=(n, d)), y


def planted(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A mixture whose last rows copy earlier ones: `N_EXACT` exactly, `N_NEAR` with
    noise. Returns X, y, the (source, copy) pairs of exact copies and of near copies."""
    X, y = mixture(N, seed=seed)
    rng = np.random.default_rng(seed + 1)
    src = rng.choice(N - N_EXACT - N_NEAR, N_EXACT + N_NEAR, replace=False)
    copies = np.arange(N - N_EXACT - N_NEAR, N)
    X[copies] = X[src]
    y[copies] = y[src]
    near = copies[N_EXACT:]
    X[near] += rng.normal(size=(N_NEAR, D)) * NOISE * X.std(axis=0)
    pairs = np.column_stack([src, copies])
    return X, y, pairs[:N_EXACT], pairs[N_EXACT:]


def noisy_digit_copies(n_copies: int = 60,
                       seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """scikit-learn's digits as an (n, 64) float array followed by `n_copies` random rows
    copied under N(0, `DIGIT_NOISE`) pixel noise. Returns X, y and the (source, copy)
    pairs."""
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    X = X.astype(np.float64)
    rng = np.random.default_rng(seed)
    src = rng.choice(len(X), n_copies, replace=False)
    copies = X[src] + rng.normal(0.0, DIGIT_NOISE, size=(n_copies, X.shape[1]))
    pairs = np.column_stack([src, len(X) + np.arange(n_copies)])
    return np.vstack([X, copies]), np.concatenate([y, y[src]]), pairs


def precision_recall(flagged: np.ndarray, truth: np.ndarray) -> tuple[float, float]:
    """Precision and recall of flagged indices against the true ones."""
    hit = np.intersect1d(flagged, truth).size
    return hit / max(flagged.size, 1), hit / max(truth.size, 1)


def test_exact_duplicates_found_precisely() -> None:
    """Every exact copy and its source are flagged, and nothing else."""
    X, y, exact, _ = planted()
    r = audit(X, y, checks=["exact_duplicate"])
    precision, recall = precision_recall(r.flagged("exact_duplicate"), exact.ravel())
    assert recall >= 0.99 and precision >= 0.95
    assert {tuple(p) for p in r.results["exact_duplicate"].pairs} == {
        tuple(p) for p in np.sort(exact, axis=1)}


def test_exact_duplicate_groups_pair_with_first_member() -> None:
    """A group of three pairs its later members with its first and scores them 0."""
    X, y = mixture(200, 8)
    X[[50, 120]] = X[7]
    res = audit(X, y, checks=["exact_duplicate"]).results["exact_duplicate"]
    assert res.pairs.tolist() == [[7, 50], [7, 120]]
    assert np.flatnonzero(res.scores == 0).tolist() == [7, 50, 120]
    assert res.info["n_groups"] == 1 and res.info["n_redundant"] == 2


def test_near_duplicates_found_precisely() -> None:
    """Near and exact copies and their sources are flagged at high precision."""
    X, y, exact, near = planted()
    r = audit(X, y, checks=["near_duplicate"])
    truth = np.concatenate([exact.ravel(), near.ravel()])
    precision, recall = precision_recall(r.flagged("near_duplicate"), truth)
    assert recall >= 0.99 and precision >= 0.95


def test_near_duplicate_pairs_hold_each_planted_pair_once() -> None:
    """Every planted pair is reported once, as (i, j) with i < j."""
    X, y, exact, near = planted()
    pairs = audit(X, y, checks=["near_duplicate"]).results["near_duplicate"].pairs
    assert pairs is not None and (pairs[:, 0] < pairs[:, 1]).all()
    assert np.unique(pairs, axis=0).shape == pairs.shape
    found = {tuple(p) for p in pairs}
    assert {tuple(p) for p in np.sort(np.vstack([exact, near]), axis=1)} <= found


def test_near_duplicate_scores_match_flags() -> None:
    """Flagged examples score at most the score threshold, the others above it."""
    X, y, _, _ = planted()
    res = audit(X, y, checks=["near_duplicate"]).results["near_duplicate"]
    cut = res.info["score_threshold"]
    assert (res.scores[res.flags] <= cut).all() and (res.scores[~res.flags] > cut).all()


def test_near_duplicate_includes_large_exact_groups() -> None:
    """Exact copies beyond the k searched neighbours are still flagged and paired."""
    X, y = mixture(300, 8)
    X[200:230] = X[5]
    res = audit(X, y, checks=["near_duplicate"],
                params={"near_duplicate": {"k": 3}}).results["near_duplicate"]
    assert set(np.flatnonzero(res.flags)) >= {5, *range(200, 230)}
    assert {(5, j) for j in range(200, 230)} <= {tuple(p) for p in res.pairs}


def test_clean_data_has_no_near_duplicates() -> None:
    """A mixture without copies flags nothing and scores a clean summary."""
    X, y = mixture(2000)
    res = audit(X, y, checks=["near_duplicate"]).results["near_duplicate"]
    assert res.n_flagged == 0 and res.summary == 1.0


@pytest.mark.parametrize("seed", [0, 1])
def test_noisy_digit_copies_found(seed: int) -> None:
    """60 digits copied under invisible pixel noise: recall >= 0.99, precision >= 0.9."""
    X, y, pairs = noisy_digit_copies(seed=seed)
    r = audit(X, y, checks=["near_duplicate"])
    precision, recall = precision_recall(r.flagged("near_duplicate"), pairs.ravel())
    assert recall >= 0.99 and precision >= 0.9
    assert r.results["near_duplicate"].info["low_mode"]


def test_digits_without_copies_flag_almost_nothing() -> None:
    """Plain digits, which hold a few genuinely similar images, flag at most 1 % (none
    at the time of writing: the closest pair lies at 0.33 x the median distance)."""
    X, y, _ = noisy_digit_copies(n_copies=0)
    res = audit(X, y, checks=["near_duplicate"]).results["near_duplicate"]
    assert res.n_flagged <= 0.01 * len(y)
    assert not res.info["low_mode"]


def test_fixed_rule_alone_misses_noisy_digit_copies() -> None:
    """Without the adaptive radius (cleanlab's rule) most noisy digit copies are missed."""
    X, y, pairs = noisy_digit_copies()
    r = audit(X, y, checks=["near_duplicate"], params={"near_duplicate": {"adaptive": False}})
    _, recall = precision_recall(r.flagged("near_duplicate"), pairs.ravel())
    assert recall < 0.2


def test_widened_radius_scores_match_flags() -> None:
    """With the low-mode radius, flagged examples still score at most the score
    threshold and the others above it."""
    X, y, _ = noisy_digit_copies()
    res = audit(X, y, checks=["near_duplicate"]).results["near_duplicate"]
    cut = res.info["score_threshold"]
    assert res.info["radius_fraction"] > 0.13
    assert (res.scores[res.flags] <= cut).all() and (res.scores[~res.flags] > cut).all()


def test_dense_region_is_not_a_low_mode() -> None:
    """A class far tighter than the others (a low mode of distances, but no copies)
    flags no more than cleanlab's fixed rule."""
    rng = np.random.default_rng(0)
    y = rng.integers(0, 10, 3000)
    spread = np.r_[0.2, rng.uniform(1.0, 3.0, 9)]
    X = rng.normal(0.0, 5.0, (10, D))[y] + rng.normal(size=(3000, D)) * spread[y, None]
    flags = [audit(X, y, checks=["near_duplicate"],
                   params={"near_duplicate": {"adaptive": adaptive}}).results[
                       "near_duplicate"].flags for adaptive in (True, False)]
    assert np.array_equal(flags[0], flags[1])


def test_low_mode_radius_separates_planted_mode() -> None:
    """Distances with a planted low cluster get a radius in the gap above it."""
    rng = np.random.default_rng(0)
    bulk = rng.weibull(8.0, 2000)
    planted = np.repeat(rng.uniform(0.1, 0.15, 40), 2)      # pairs share a distance
    d = np.concatenate([bulk, planted])
    radius = low_mode_radius(d, float(np.median(d)))
    assert planted.max() < radius < bulk.min()
    assert radius <= MAX_FRACTION * np.median(d)


def test_low_mode_radius_absent_without_mode() -> None:
    """Nearest-neighbour distances of uniform points in 2 to 64 dimensions hold no
    low mode."""
    for dim in (2, 8, 64):
        Z = np.random.default_rng(dim).random((3000, dim)).astype(np.float32)
        d1 = nearest(Z, Z, 2)[0][:, 1]                  # the first is the point itself
        assert np.isnan(low_mode_radius(d1, float(np.median(d1)))), dim


def test_text_duplicates_found() -> None:
    """Repeated documents in a sparse TF-IDF matrix are found by both checks."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    rng = np.random.default_rng(0)
    vocab = np.array([f"w{i}" for i in range(3000)])
    docs = [" ".join(rng.choice(vocab, 30)) for _ in range(600)]
    docs[500:520] = docs[:20]
    X = sp.csr_matrix(TfidfVectorizer().fit_transform(docs))
    y = np.arange(600) % 2
    r = audit(X, y, checks=["exact_duplicate", "near_duplicate"])
    truth = np.r_[0:20, 500:520]
    for check in ("exact_duplicate", "near_duplicate"):
        precision, recall = precision_recall(r.flagged(check), truth)
        assert recall >= 0.99 and precision >= 0.95, check


def test_bad_threshold_is_an_input_error() -> None:
    """A threshold outside [0, 1) is rejected naming the parameter."""
    X, y = mixture(50, 4)
    with pytest.raises(InputError, match="near_duplicate threshold"):
        audit(X, y, checks=["near_duplicate"], params={"near_duplicate": {"threshold": 2}})


def test_duplicate_pairs_on_sparse_codes() -> None:
    """Codes need not be dense: groups are found by equality alone."""
    in_group, pairs = duplicate_pairs(np.array([30, 10, 30, 50, 10, 30]))
    assert in_group.tolist() == [True, True, True, False, True, True]
    assert pairs.tolist() == [[0, 2], [1, 4], [0, 5]]


def test_approximate_search_finds_planted_near_duplicates() -> None:
    """The IVF index finds every planted near-duplicate partner."""
    X, _, _, near = planted()
    Z = ((X - X.mean(0)) / X.std(0)).astype(np.float32)
    _, idx = nearest(Z, Z, 3, exact=False)
    found = (idx[near[:, 1]] == near[:, [0]]).any(axis=1)
    assert found.mean() >= 0.99


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 10_000))
def test_shuffling_rows_permutes_flags(seed: int) -> None:
    """Permuting the rows permutes both checks' flags the same way."""
    rng = np.random.default_rng(seed)
    X, y = mixture(240, 16, seed=seed % 7)
    X[200:220] = X[:20]
    X[220:240] = X[20:40] + rng.normal(size=(20, 16)) * 1e-3
    perm = rng.permutation(240)
    checks = ["exact_duplicate", "near_duplicate"]
    a = audit(X, y, checks=checks)
    b = audit(X[perm], y[perm], checks=checks)
    for check in checks:
        assert np.array_equal(a.results[check].flags[perm], b.results[check].flags)


def test_near_duplicate_uses_given_features() -> None:
    """With user embeddings, near duplicates are judged in that space."""
    X, y = mixture(300, 8)
    feats = np.random.default_rng(1).normal(size=(300, 4))
    feats[100] = feats[3]
    ctx = context_from(X, y, features=feats)
    from datacurve.auditing._report import run_checks

    res = run_checks(ctx, ["near_duplicate"]).results["near_duplicate"]
    assert np.flatnonzero(res.flags).tolist() == [3, 100]
