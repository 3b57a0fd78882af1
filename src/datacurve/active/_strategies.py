"""Query strategies: which unlabelled examples to label next.

Every strategy has one signature (`query`): the current model's class probabilities on
the candidates, the candidates' embeddings, the labelled rows' embeddings, a batch size
and a random generator; it returns the chosen candidates (positions), the score each was
chosen by and a short reason. Uncertainty scores and typical picks come from
scikit-activeml (`skactiveml`); core-set's k-centre greedy is written here in O(pool)
memory (see `_coreset`); the diversity-aware batch (``cluster_margin``) is written here
because scikit-activeml's batch methods (BADGE, CLUE) need one of its own wrapped
classifiers, and datacurve's learners (torch networks, pipelines, your own modules) are
not. Its recipe: the most uncertain candidates (by margin) are clustered with k-means
into as many clusters as the batch holds, and the most uncertain of each cluster is
taken, so a large batch does not spend itself on near-duplicates of one confusing region
(Citovsky et al., NeurIPS 2021, "Batch Active Learning at Scale").
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from datacurve._errors import InputError

__all__ = ["COLD_STARTS", "STRATEGIES", "Query", "bald_scores", "cold_start", "query"]

STRATEGIES = ("random", "least_confidence", "margin", "entropy", "bald", "coreset",
              "cluster_margin")
"""Strategies `query` knows (``random`` is the baseline every saving is priced against)."""
COLD_STARTS = ("stratified", "random", "typical")
"""How the first labelled batch is drawn (`cold_start`)."""

_UNCERTAINTY = {"least_confidence": "least_confident", "margin": "margin_sampling",
                "entropy": "entropy"}
_POOL_FOR_CLUSTERS = 10
"""cluster_margin clusters the batch size times this many most uncertain candidates."""


@dataclass(frozen=True)
class Query:
    """What a strategy picked.

    Attributes
    ----------
    picked : ndarray of shape (k,)
        Positions among the candidates, in the order picked.
    scores : ndarray of shape (k,)
        The score each was picked by (uncertainty; distance to the labelled set for
        ``coreset``; NaN for ``random``).
    reason : str
        Why, in a few words (the same for the whole batch).
    """

    picked: np.ndarray
    scores: np.ndarray
    reason: str


def _check(strategy: str, proba: np.ndarray | None, k: int, n: int,
           samples: np.ndarray | None = None) -> None:
    if strategy not in STRATEGIES:
        raise InputError("strategy", f"one of {', '.join(STRATEGIES)}", repr(strategy))
    if not 1 <= k <= n:
        raise InputError("batch", f"between 1 and the {n} unlabelled candidates", repr(k))
    if strategy in (*_UNCERTAINTY, "cluster_margin") and proba is None:
        raise InputError("proba", f"class probabilities of the candidates for {strategy}",
                         "None")
    if strategy == "bald" and (samples is None or samples.ndim != 3 or samples.shape[1] != n):
        raise InputError("samples", "Monte Carlo dropout probabilities of shape "
                         f"(passes, {n}, classes) for bald",
                         "None" if samples is None else repr(samples.shape))


def query(strategy: str, k: int, *, proba: np.ndarray | None, candidates: np.ndarray,
          labelled: np.ndarray, rng: np.random.Generator,
          samples: np.ndarray | None = None) -> Query:
    """Pick `k` candidates to label next.

    Parameters
    ----------
    strategy : str
        One of `STRATEGIES`.
    k : int
        Batch size.
    proba : ndarray of shape (m, c), optional
        The current model's class probabilities on the candidates (not needed by
        ``random`` and ``coreset``).
    candidates : ndarray of shape (m, d)
        Embeddings of the unlabelled candidates.
    labelled : ndarray of shape (l, d)
        Embeddings of the labelled rows (``coreset`` covers the pool beyond them).
    rng : numpy.random.Generator
    samples : ndarray of shape (t, m, c), optional
        Monte Carlo dropout probabilities of the candidates (``bald`` only; a torch
        learner's ``predict_proba_samples``).

    Returns
    -------
    Query
    """
    m = candidates.shape[0]
    _check(strategy, proba, k, m, samples)
    if strategy == "random":
        picked = rng.choice(m, size=k, replace=False)
        return Query(picked, np.full(k, np.nan), "drawn at random")
    if strategy in _UNCERTAINTY:
        u = _uncertainty(proba, strategy)  # type: ignore[arg-type]
        order = _top(u, k, rng)
        return Query(order, u[order], f"{strategy.replace('_', ' ')}: the model is least "
                     "sure of these")
    if strategy == "bald":
        u = bald_scores(samples)  # type: ignore[arg-type]
        order = _top(u, k, rng)
        return Query(order, u[order], "BALD: the dropout samples of the model disagree most "
                     "(what the label would teach it)")
    if strategy == "coreset":
        return _coreset(candidates, labelled, k, rng)
    return _cluster_margin(proba, candidates, k, rng)  # type: ignore[arg-type]


def _top(u: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """Positions of the `k` highest scores of `u` (shape (m,)), highest first; ties (a
    model certain of many candidates) broken at random, not by row order."""
    return np.lexsort((np.asarray(rng.random(u.size)), -u))[:k]


def bald_scores(samples: np.ndarray) -> np.ndarray:
    """BALD (Houlsby et al., 2011; Gal et al., ICML 2017): the mutual information between
    a candidate's label and the model's weights, estimated from Monte Carlo dropout
    passes as the entropy of the mean prediction minus the mean entropy of each pass.
    Written here (three lines of NumPy) because baal's BALD heuristic expects baal's own
    model wrapper and training loop, and scikit-activeml's BALD variants an ensemble of its
    wrapped classifiers.

    Parameters
    ----------
    samples : ndarray of shape (t, m, c)

    Returns
    -------
    ndarray of shape (m,)
        Non-negative; 0 when every pass agrees.
    """
    p = np.clip(samples, 1e-12, 1.0)
    mean = p.mean(axis=0)
    total = -(mean * np.log(mean)).sum(axis=1)
    each = -(p * np.log(p)).sum(axis=2).mean(axis=0)
    return np.asarray(np.maximum(total - each, 0.0))


def _uncertainty(proba: np.ndarray, strategy: str) -> np.ndarray:
    from skactiveml.pool._uncertainty_sampling import uncertainty_scores

    return np.asarray(uncertainty_scores(proba, method=_UNCERTAINTY[strategy]), np.float64)


def _coreset(candidates: np.ndarray, labelled: np.ndarray, k: int,
             rng: np.random.Generator) -> Query:
    """k-centre greedy (Sener & Savarese, ICLR 2018): each pick is the candidate farthest
    from the labelled rows and the earlier picks.

    Written here rather than through scikit-activeml's ``CoreSet`` (which picks the same
    rows, tested): that one keeps a (k, labelled + pool) utilities matrix, 876 MiB for a
    batch of 1,000 from a 100,000-row pool (bench/active_speed.py), where this keeps one
    distance per candidate (O(pool) memory) and one matrix-vector product per pick.
    """
    from sklearn.metrics import pairwise_distances_argmin_min

    c = np.ascontiguousarray(candidates, dtype=np.float64)
    m = c.shape[0]
    sq = np.einsum("ij,ij->i", c, c)
    if labelled.shape[0]:
        _, dist = pairwise_distances_argmin_min(c, np.asarray(labelled, np.float64))
        d2 = np.asarray(dist, np.float64) ** 2
    else:
        d2 = np.full(m, np.inf)  # nothing labelled: the first pick is drawn at random
    picked = np.empty(k, np.int64)
    scores = np.empty(k, np.float64)
    for j in range(k):
        i = int(rng.integers(m)) if np.isinf(d2).all() else int(np.argmax(d2))
        picked[j], scores[j] = i, math.sqrt(d2[i]) if math.isfinite(d2[i]) else math.nan
        # Squared distances to the new centre, from the norms (no (m, d) temporary).
        new = np.maximum(sq + sq[i] - 2.0 * (c @ c[i]), 0.0)
        np.minimum(d2, new, out=d2)
        d2[i] = -1.0  # never picked twice (also when distances tie at 0)
    return Query(picked, scores, "core-set: farthest from everything labelled so far")


def _cluster_margin(proba: np.ndarray, candidates: np.ndarray, k: int,
                    rng: np.random.Generator) -> Query:
    from sklearn.cluster import KMeans

    u = _uncertainty(proba, "margin")
    top = _top(u, k * _POOL_FOR_CLUSTERS, rng)
    if top.size <= k:
        return Query(top[:k], u[top[:k]], "margin within clusters: every uncertain one")
    km = KMeans(n_clusters=k, n_init=1, random_state=int(rng.integers(2**31)))
    lab = km.fit_predict(candidates[top])
    picked = []
    for c in range(k):
        members = top[lab == c]
        if members.size:
            picked.append(members[np.argmax(u[members])])
    chosen = np.array(picked, np.int64)
    if chosen.size < k:  # empty clusters: fill with the next most uncertain
        rest = np.setdiff1d(top, chosen, assume_unique=False)
        rest = rest[np.argsort(-u[rest], kind="stable")][: k - chosen.size]
        chosen = np.concatenate([chosen, rest])
    return Query(chosen, u[chosen], "margin within clusters: the least sure of each "
                 "region of the data")


def cold_start(how: str, k: int, *, y: np.ndarray, embeddings: np.ndarray,
               rng: np.random.Generator) -> np.ndarray:
    """The first `k` rows to label, before any model exists.

    Parameters
    ----------
    how : {"stratified", "random", "typical"}
        ``stratified``: one per class first (labels are known in a simulation), then
        at random; ``random``; ``typical``: TypiClust (Hacohen et al., ICML 2022, by
        scikit-activeml), the most typical example of each of `k` clusters.
    k : int
    y : ndarray of shape (m,)
        Class codes of the pool (``stratified`` only).
    embeddings : ndarray of shape (m, d)
    rng : numpy.random.Generator

    Returns
    -------
    ndarray of shape (k,)
        Positions in the pool.
    """
    m = embeddings.shape[0]
    if how not in COLD_STARTS:
        raise InputError("cold_start", f"one of {', '.join(COLD_STARTS)}", repr(how))
    if not 1 <= k <= m:
        raise InputError("initial", f"between 1 and the {m} rows of the pool", repr(k))
    if how == "random":
        return rng.choice(m, size=k, replace=False)
    if how == "stratified":
        classes = np.unique(y)
        if k < classes.size:
            raise InputError("initial", f"at least one example per class ({classes.size})",
                             repr(k))
        first = np.array([rng.choice(np.flatnonzero(y == c)) for c in classes])
        rest = np.setdiff1d(np.arange(m), first)
        return np.concatenate([first, rng.choice(rest, size=k - first.size, replace=False)])
    from skactiveml.pool import TypiClust

    qs = TypiClust(random_state=int(rng.integers(2**31)))
    idx = qs.query(embeddings, np.full(m, np.nan), batch_size=k)
    return np.asarray(idx, np.int64)
