"""The evaluation split and nested, stratified training subsets.

Notation: n examples, k classes, m anchors.
"""

from __future__ import annotations

import hashlib
import warnings
from dataclasses import dataclass

import numpy as np

from datacurve._errors import InputError
from datacurve.data import Dataset

__all__ = [
    "AUTO_EVAL_FOLDS",
    "SMALL_EVAL_ROWS",
    "EvalSplit",
    "make_eval_folds",
    "make_eval_split",
    "nested_order",
    "resolve_eval_folds",
    "valid_anchors",
]

AUTO_EVAL_FOLDS = 5
"""Folds of ``eval_folds=None`` ("auto") when the evaluation set would be small."""

SMALL_EVAL_ROWS = 1_000
"""An evaluation set of at most this many rows is small: ``eval_folds=None`` then repeats
the evaluation over `AUTO_EVAL_FOLDS` folds (see `resolve_eval_folds`)."""


@dataclass(frozen=True)
class EvalSplit:
    """A fixed partition of a dataset into a training pool and an evaluation set.

    Attributes
    ----------
    pool : ndarray of shape (n_pool,)
        Row indices available for training subsets.
    evaluation : ndarray of shape (n_eval,)
        Row indices of the evaluation set, the same for every anchor and seed (of one
        evaluation fold, see `make_eval_folds`).
    key : str
        Short identifier of the partition (a hash of both index sets and how they were
        made); part of every trial's key.
    how : str
        Readable description.
    """

    pool: np.ndarray
    evaluation: np.ndarray
    key: str
    how: str


def _split_key(pool: np.ndarray, evaluation: np.ndarray) -> str:
    h = hashlib.sha256()
    h.update(np.ascontiguousarray(pool, dtype=np.int64).tobytes())
    h.update(b"|")
    h.update(np.ascontiguousarray(evaluation, dtype=np.int64).tobytes())
    return h.hexdigest()[:12]


def make_eval_split(dataset: Dataset, *, eval_size: float | int = 0.2, seed: int = 0,
                    max_eval: int | None = 10_000) -> EvalSplit:
    """Fix the evaluation set once for all anchors and seeds.

    When the dataset has a split column with rows marked ``test`` (or ``eval``,
    ``validation``, ...), those rows are the evaluation set and every other row is the
    pool. Otherwise a stratified random `eval_size` is held out with `seed`.

    Parameters
    ----------
    dataset : Dataset
    eval_size : float or int
        Held out when there is no split column: a fraction in (0, 1), or a number of
        rows in [1, n - 1].
    seed : int
        Seed of the hold-out draw.
    max_eval : int, optional
        Cap on the evaluation set size (larger sets cost time, not accuracy).

    Returns
    -------
    EvalSplit
    """
    n = dataset.n
    n_eval = _eval_rows(eval_size, n)  # checked even when a split column decides
    if dataset.split is not None:
        is_eval = dataset.is_evaluation
        if is_eval.any() and not is_eval.all():
            evaluation = np.flatnonzero(is_eval)
            pool = np.flatnonzero(~is_eval)
            return EvalSplit(pool, evaluation, _split_key(pool, evaluation),
                             f"split column: {evaluation.size} evaluation rows")
        if is_eval.all():
            raise InputError("split", "some rows outside the evaluation set for training",
                             f"all {n} rows marked as evaluation")
    rng = np.random.default_rng([seed, 0xE7A1])
    if max_eval is not None:
        n_eval = min(n_eval, max_eval)
    if dataset.task == "classification":
        # Stratified: order each class randomly and interleave by within-class rank,
        # so any prefix of the order has (almost) the class proportions.
        order = _stratified_order(dataset.y, rng, classes_first=True)
    else:
        order = rng.permutation(n)
    # The tail of the order is evaluated; the head, which starts with one example of
    # every class, stays in the pool so that training subsets can hold every class.
    evaluation = np.sort(order[n - n_eval:])
    pool = np.sort(order[: n - n_eval])
    if pool.size == 0:
        raise InputError("eval_size", "a hold-out that leaves training examples",
                         f"{eval_size} of {n} examples")
    size = f"{eval_size:g}" if isinstance(eval_size, float) else f"{n_eval} rows"
    kind = "stratified" if dataset.task == "classification" else "random"
    return EvalSplit(pool, evaluation, _split_key(pool, evaluation),
                     f"{kind} hold-out {size} (seed {seed})")


def _marks_evaluation(dataset: Dataset) -> bool:
    """Whether the dataset's split column marks some rows for evaluation."""
    return dataset.split is not None and bool(dataset.is_evaluation.any())


def resolve_eval_folds(dataset: Dataset, eval_folds: int | None = None, *,
                       eval_size: float | int = 0.2, max_eval: int | None = 10_000) -> int:
    """How many evaluation folds a learning curve repeats its evaluation over.

    ``None`` means "auto": `AUTO_EVAL_FOLDS` (5) when the data is small, 1 otherwise.
    The data is small when no split column marks evaluation rows, the single hold-out
    of `eval_size` would hold at most `SMALL_EVAL_ROWS` (1,000) rows, and so would each
    fold's held-out part (n <= 5,000). With the default ``eval_size=0.2`` that is every
    dataset of at most 5,000 rows without a split column.

    Parameters
    ----------
    dataset : Dataset
    eval_folds : int, optional
        None (auto) or a number of folds >= 1. A dataset whose split column marks its
        evaluation rows keeps that one evaluation set: more than 1 fold is refused,
        since folds would train on the user's test rows.
    eval_size : float or int
        The single hold-out (see `make_eval_split`); validated here, and it decides the
        automatic choice.
    max_eval : int, optional
        Cap of the single hold-out (see `make_eval_split`).

    Returns
    -------
    int
        The number of folds K; 1 means the single evaluation set of `make_eval_split`.
    """
    n = dataset.n
    n_eval = _eval_rows(eval_size, n)
    fixed = _marks_evaluation(dataset)
    if eval_folds is None:
        if fixed or n < AUTO_EVAL_FOLDS:
            return 1
        if max_eval is not None:
            n_eval = min(n_eval, max_eval)
        fold_eval = -(-n // AUTO_EVAL_FOLDS)  # the largest fold's held-out rows
        small = n_eval <= SMALL_EVAL_ROWS and fold_eval <= SMALL_EVAL_ROWS
        return AUTO_EVAL_FOLDS if small else 1
    if isinstance(eval_folds, bool) or not isinstance(eval_folds, int | np.integer):
        raise InputError("eval_folds", "None (auto) or a positive number of folds",
                         repr(eval_folds))
    k = int(eval_folds)
    if not 1 <= k <= n:
        raise InputError("eval_folds", f"a number of folds in [1, {n}] (or None: auto)",
                         repr(k))
    if k > 1 and fixed:
        raise InputError("eval_folds", "1 (or None) when the split column marks the "
                         "evaluation rows: folds would train on the rows it holds out",
                         f"{k} folds and {int(dataset.is_evaluation.sum())} rows marked "
                         "for evaluation")
    return k


def make_eval_folds(dataset: Dataset, *, eval_folds: int | None = None,
                    eval_size: float | int = 0.2, seed: int = 0,
                    max_eval: int | None = 10_000) -> tuple[EvalSplit, ...]:
    """The evaluation sets of a learning curve: one hold-out, or K folds of the data.

    With K = 1 (see `resolve_eval_folds`) this is ``(make_eval_split(...),)``, exactly.
    With K > 1 every row is assigned to one of K folds, stratified by class
    (classification: each class is spread over the folds as evenly as possible, and the
    fold sizes differ by at most one row) or at random (regression); fold f's rows are
    its evaluation set and all other rows its training pool. The K evaluation sets are
    disjoint and cover the data; `eval_size` and `max_eval` only inform the automatic
    choice of K.

    Parameters
    ----------
    dataset : Dataset
    eval_folds : int, optional
        None (auto) or a number of folds; see `resolve_eval_folds`.
    eval_size : float or int
        The single hold-out; see `make_eval_split`.
    seed : int
        Seed of the hold-out draw or of the fold assignment.
    max_eval : int, optional
        Cap on the single hold-out; see `make_eval_split`.

    Returns
    -------
    tuple of EvalSplit
        K splits, fold order; each split's key identifies its pool and evaluation rows.
    """
    k = resolve_eval_folds(dataset, eval_folds, eval_size=eval_size, max_eval=max_eval)
    if k == 1:
        return (make_eval_split(dataset, eval_size=eval_size, seed=seed,
                                max_eval=max_eval),)
    n = dataset.n
    rng = np.random.default_rng([seed, 0xF01D])
    order = rng.permutation(n)
    classification = dataset.task == "classification"
    if classification:
        # Group the shuffled rows by class and deal them round-robin: each class's
        # examples land in consecutive folds, so every fold holds n_c / K of class c
        # (up to one row) and every pool holds every class with at least two examples.
        order = order[np.argsort(dataset.y[order], kind="stable")]
    fold = np.empty(n, dtype=np.int64)
    fold[order] = np.arange(n) % k
    kind = "stratified" if classification else "random"
    splits = []
    for f in range(k):
        evaluation = np.flatnonzero(fold == f)
        pool = np.flatnonzero(fold != f)
        splits.append(EvalSplit(pool, evaluation, _split_key(pool, evaluation),
                                f"{kind} {k}-fold (seed {seed}), fold {f + 1} of {k}"))
    return tuple(splits)


def _eval_rows(eval_size: float | int, n: int) -> int:
    """Rows held out: ``round(n * eval_size)`` (at least 1) for a fraction, else the count."""
    if isinstance(eval_size, bool) or not isinstance(eval_size, int | float | np.number):
        raise InputError("eval_size", "a fraction in (0, 1) or a number of rows",
                         repr(eval_size))
    if isinstance(eval_size, int | np.integer):
        if not 1 <= eval_size < n:
            raise InputError("eval_size", f"a number of rows in [1, {n - 1}]",
                             repr(int(eval_size)))
        return int(eval_size)
    if not 0.0 < float(eval_size) < 1.0:
        raise InputError("eval_size", "a fraction in (0, 1) or a number of rows",
                         repr(eval_size))
    return max(1, round(n * float(eval_size)))


def _stratified_order(y: np.ndarray, rng: np.random.Generator, *,
                      classes_first: bool) -> np.ndarray:
    """A random order of ``range(len(y))`` whose every prefix is stratified.

    Each example gets the key ``(rank within its class + u) / class size`` with u uniform
    in [0, 1); sorting by the key interleaves classes in proportion, so a prefix of
    length m holds about ``m * share`` of each class. With `classes_first`, one example of
    every class comes first, so every prefix of length >= k holds every class.

    Parameters
    ----------
    y : ndarray of shape (n,)
        Integer class codes.
    rng : numpy Generator

    Returns
    -------
    ndarray of shape (n,)
    """
    n = y.shape[0]
    perm = rng.permutation(n)
    y_perm = y[perm]
    # Rank of each example within its class, in the random order (vectorised).
    sort_idx = np.argsort(y_perm, kind="stable")
    y_sorted = y_perm[sort_idx]
    starts = np.r_[0, np.flatnonzero(np.diff(y_sorted)) + 1]
    counts = np.diff(np.r_[starts, n])
    rank_sorted = np.arange(n) - np.repeat(starts, counts)
    rank = np.empty(n, dtype=np.float64)
    rank[sort_idx] = rank_sorted
    size = np.empty(n, dtype=np.float64)
    size[sort_idx] = np.repeat(counts, counts)
    key = (rank + rng.random(n)) / size
    if classes_first:
        key[rank == 0] -= 1.0
    return perm[np.argsort(key, kind="stable")]


def nested_order(dataset: Dataset, pool: np.ndarray, seed: int) -> np.ndarray:
    """The order in which one seed's nested subsets take examples from the pool.

    The subset of size m is ``order[:m]``, so each smaller subset is contained in every
    larger one. For classification every prefix is stratified and every prefix of length
    >= k holds every class present in the pool.

    Parameters
    ----------
    dataset : Dataset
    pool : ndarray of shape (n_pool,)
        Row indices available for training.
    seed : int

    Returns
    -------
    ndarray of shape (n_pool,)
        Row indices of `dataset`.
    """
    rng = np.random.default_rng([seed, 0x5EED])
    if dataset.task == "classification":
        local = _stratified_order(dataset.y[pool], rng, classes_first=True)
    else:
        local = rng.permutation(pool.size)
    return pool[local]


def valid_anchors(dataset: Dataset, pool: np.ndarray, anchors: np.ndarray) -> np.ndarray:
    """Drop anchors too small to hold every class of the pool, with a warning.

    Parameters
    ----------
    dataset : Dataset
    pool : ndarray of shape (n_pool,)
    anchors : ndarray of shape (m,)

    Returns
    -------
    ndarray of shape (m',)
    """
    if dataset.task != "classification":
        return anchors
    k = np.unique(dataset.y[pool]).size
    keep = anchors >= k
    if not keep.all():
        dropped = ", ".join(str(int(a)) for a in anchors[~keep])
        warnings.warn(f"anchors {dropped} skipped: a subset needs at least one example of "
                      f"each of the {k} classes", stacklevel=2)
    return anchors[keep]
