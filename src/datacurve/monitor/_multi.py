"""Multivariate and model-based drift tests: what per-feature tests cannot see.

* `mmd_test` — kernel two-sample test (maximum mean discrepancy, Gaussian kernel,
  permutation p-value) on all features at once: catches changes in spread and in the
  joint distribution that tests of each feature's mean miss.
* `classifier_test` — classifier two-sample test (C2ST): a gradient-boosted classifier
  learns to tell the reference window from the current one; its out-of-fold AUC is the
  effect, a Mann–Whitney test its p-value, permutation importance names the features that
  give the windows away, and every current row gets a score (how unlike the reference).
* `output_tests` — black-box shift detection (BBSD; Rabanser, Günnemann & Lipton,
  "Failing Loudly", NeurIPS 2019) on a model's predicted probabilities: a KS test per
  class and a chi-squared test of the predicted labels.
* `bbse` — black-box shift estimation (Lipton, Wang & Smola, ICML 2018): the current
  class proportions under label shift, from the reference confusion matrix and the
  current predictions; `label_test` compares true label proportions once labels arrive.

SciPy and scikit-learn are imported inside the functions, so importing this module is
cheap.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from datacurve._errors import InputError, describe

__all__ = [
    "BBSEResult",
    "ClassifierTestResult",
    "MMDResult",
    "OutputTest",
    "bbse",
    "classifier_test",
    "label_test",
    "mmd_test",
    "output_tests",
]

ILL_CONDITIONED = 1e3
"""Condition number of the reference confusion matrix above which `bbse` warns."""

PERMUTATION_REPEATS = 3
"""Repeats of each column's permutation in `classifier_test`'s importance (per fold)."""

_CHUNK_CELLS = 1 << 22
"""At most this many cells (4M floats, 32 MB) per permutation chunk matrix in `mmd_test`."""


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class MMDResult:
    """Result of `mmd_test`.

    Attributes
    ----------
    statistic : float
        Unbiased estimate of MMD² between the windows (Gretton et al. 2012, eq. 3), in
        the standardised feature space: the effect. Near 0 (and may be slightly
        negative) when the windows agree.
    biased_statistic : float
        The biased (V-statistic) MMD² that the permutation test uses.
    p_value : float
        Permutation p-value, ``(1 + #{permuted >= observed}) / (1 + permutations)``;
        never below ``1 / (1 + permutations)``.
    bandwidth : float
        Gaussian kernel bandwidth σ (median pairwise distance of the pooled,
        standardised sample); the kernel is ``exp(-|a - b|² / (2σ²))``.
    n_reference, n_current : int
        Rows used from each window (after subsampling to ``max_rows``).
    permutations : int
    """

    statistic: float
    biased_statistic: float
    p_value: float
    bandwidth: float
    n_reference: int
    n_current: int
    permutations: int


@dataclass(frozen=True, eq=False)
class ClassifierTestResult:
    """Result of `classifier_test` (compared by identity: it holds arrays).

    Attributes
    ----------
    auc : float
        ROC AUC of the out-of-fold P(current) scores: 0.5 when the classifier cannot
        tell the windows apart, 1 when it always can.
    p_value : float
        One-sided Mann–Whitney U p-value (current scores greater than reference scores).
    importance : dict of str to float
        Feature name -> mean drop in held-out AUC when that column is permuted (keys in
        the order of ``names``): the features the classifier uses to tell the windows
        apart. Near 0 (or slightly negative) for features it does not use.
    current_scores : ndarray of shape (m,)
        P(current) for every current row, in the current rows' order; higher means
        more unlike the reference. Out-of-fold for rows in the fitted subsample, the
        mean of the fold models' predictions for the other rows.
    reference_scores : ndarray of shape (n,)
        P(current) for every reference row, computed the same way.
    n_reference, n_current : int
        Rows of each window used to fit (after subsampling to ``max_rows``).
    folds : int
        Cross-validation folds used (reduced for small windows).
    """

    auc: float
    p_value: float
    importance: dict[str, float]
    current_scores: np.ndarray
    reference_scores: np.ndarray
    n_reference: int
    n_current: int
    folds: int


@dataclass(frozen=True)
class OutputTest:
    """One test of `output_tests` or `label_test`.

    Attributes
    ----------
    name : str
        ``"p(<class>)"`` (one class's predicted probability), ``"predicted label"`` or
        ``"labels"``.
    test : str
        ``"ks"`` (two-sample Kolmogorov–Smirnov) or ``"chi2"`` (chi-squared test of a
        2 × K contingency table).
    statistic : float
    p_value : float
    effect : float
        KS: the KS statistic (largest gap between the two CDFs). chi2: total-variation
        distance between the two windows' label proportions, ``½ Σ |p_k - q_k|``.
    reference_mean, current_mean : float
        KS: mean predicted probability of the class in each window; chi2: NaN.
    """

    name: str
    test: str
    statistic: float
    p_value: float
    effect: float
    reference_mean: float
    current_mean: float


@dataclass(frozen=True)
class BBSEResult:
    """Result of `bbse`.

    Attributes
    ----------
    classes : tuple
        The classes, in the order of the other fields.
    reference : tuple of float
        Class proportions of the reference labels.
    estimated : tuple of float
        Estimated class proportions of the current window (non-negative, sum 1).
    weights : tuple of float
        Estimated importance weights ``q_k / p_k`` (clipped at 0; 0 for a class absent
        from the reference labels).
    condition : float
        Condition number of the reference confusion matrix (inf when singular).
    note : str or None
        Why the estimate may be unreliable (ill-conditioned confusion matrix, a class
        never predicted or never present on the reference), or None.
    """

    classes: tuple[Hashable, ...]
    reference: tuple[float, ...]
    estimated: tuple[float, ...]
    weights: tuple[float, ...]
    condition: float
    note: str | None


# --------------------------------------------------------------------------- checks


def _matrix(values: object, name: str, *, allow_nan: bool) -> np.ndarray:
    """`values` as a 2-D float64 array, or InputError naming `name`."""
    try:
        a = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise InputError(name, "a 2-D array of numbers", f"{type(values).__name__} ({e})") \
            from None
    if a.ndim != 2:
        raise InputError(name, "a 2-D array (rows, features)", f"shape {a.shape}")
    if a.shape[1] < 1:
        raise InputError(name, "at least one column", f"shape {a.shape}")
    nan = np.isnan(a)
    if not allow_nan and nan.any():
        raise InputError(name, "no NaN values (impute missing values first)",
                         f"{int(nan.sum())} NaN")
    inf = np.isinf(a)
    if inf.any():
        raise InputError(name, "finite values", f"{int(inf.sum())} infinite")
    return a


def _positive_int(value: int, name: str, minimum: int) -> int:
    try:
        ok = not isinstance(value, bool) and int(value) == value and int(value) >= minimum
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise InputError(name, f"an integer >= {minimum}", repr(value))
    return int(value)


def _subsample(rows: int, limit: int, rng: np.random.Generator) -> np.ndarray:
    """Sorted indices of at most `limit` of `rows` rows (all when they fit)."""
    if rows <= limit:
        return np.arange(rows)
    return np.sort(rng.choice(rows, size=limit, replace=False))


def _class_tuple(classes: Sequence[Hashable]) -> tuple[Hashable, ...]:
    out = tuple(classes)
    if not out:
        raise InputError("classes", "at least one class", "none")
    if len(set(out)) != len(out):
        raise InputError("classes", "distinct classes", describe(out))
    return out


def _codes(values: object, classes: tuple[Hashable, ...], name: str) -> np.ndarray:
    """Indices into `classes` of the 1-D labels `values`; InputError naming `name` for
    labels that are not classes."""
    import pandas as pd

    arr = np.asarray(values)
    if arr.ndim != 1:
        raise InputError(name, "a 1-D array of labels", f"shape {arr.shape}")
    if arr.size == 0:
        raise InputError(name, "at least one label", "none")
    codes, uniques = pd.factorize(arr.astype(object), use_na_sentinel=False)
    index = {c: i for i, c in enumerate(classes)}
    lookup = np.array([index.get(u, -1) for u in uniques], dtype=np.int64)  # per unique
    unknown = [u for u, k in zip(uniques, lookup, strict=True) if k < 0]
    if unknown:
        raise InputError(name, f"labels among classes ({describe(classes)})",
                         f"{describe(repr(u) for u in unknown)}")
    return lookup[codes]


def _proportions(codes: np.ndarray, k: int) -> np.ndarray:
    return np.bincount(codes, minlength=k).astype(np.float64) / codes.size


def _chi2(ref_codes: np.ndarray, cur_codes: np.ndarray, k: int, name: str) -> OutputTest:
    """Chi-squared test of the 2 × K table of label counts (classes seen in neither
    window dropped); effect = total-variation distance of the proportions."""
    from scipy.stats import chi2_contingency

    table = np.stack([np.bincount(ref_codes, minlength=k),
                      np.bincount(cur_codes, minlength=k)])            # (2, K)
    table = table[:, table.sum(axis=0) > 0]
    tv = 0.5 * float(np.abs(_proportions(ref_codes, k) - _proportions(cur_codes, k)).sum())
    if table.shape[1] < 2:
        stat, p = 0.0, 1.0
    else:
        res = chi2_contingency(table)
        stat, p = float(res.statistic), float(res.pvalue)
    return OutputTest(name=name, test="chi2", statistic=stat, p_value=p, effect=tv,
                      reference_mean=math.nan, current_mean=math.nan)


# --------------------------------------------------------------------------- MMD

# Hand-written rather than alibi-detect's MMDDrift: alibi-detect pins numpy<2 and
# pandas<2.4 and needs a TensorFlow or PyTorch backend, while the test itself is a kernel
# matrix and a few vectorised lines of linear algebra.


def mmd_test(x: np.ndarray, y: np.ndarray, *, permutations: int = 500, max_rows: int = 1000,
             seed: int = 0) -> MMDResult:
    """Kernel two-sample test: maximum mean discrepancy with a Gaussian kernel.

    Both windows are standardised by the reference's column means and standard
    deviations (a constant column keeps scale 1), each is subsampled to at most
    `max_rows` rows, and the Gaussian kernel's bandwidth is set by the median heuristic:
    σ = the median pairwise Euclidean distance of the pooled sample (Gretton et al.,
    JMLR 2012). The kernel matrix of the pooled sample is computed once; the
    permutation test reshuffles the window labels `permutations` times, all at once,
    as the rows of a matrix of ±1/n, ∓1/m weights ``W`` (biased MMD² of each row is
    ``w K wᵀ``, computed as ``((W @ K) * W).sum(1)`` in chunks of bounded memory).

    Parameters
    ----------
    x : array of shape (n, d)
        Reference window (n >= 2). No NaN: impute first.
    y : array of shape (m, d)
        Current window (m >= 2), same columns.
    permutations : int
        Permutations of the test (>= 1); the p-value is at least ``1 / (1 + permutations)``.
    max_rows : int
        Each window is subsampled (without replacement) to at most this many rows; the
        cost is O((2 · max_rows)² · (d + permutations)).
    seed : int
        Seeds the subsampling and the permutations: the result is deterministic.

    Returns
    -------
    MMDResult
        `statistic` is the unbiased MMD² (the effect); the p-value comes from the biased
        one (`biased_statistic`), whose permutation distribution is the usual one.

    Raises
    ------
    InputError
        (a ValueError) for NaN, shapes that do not match, or bad parameters.
    """
    xr = _matrix(x, "x", allow_nan=False)
    yr = _matrix(y, "y", allow_nan=False)
    if yr.shape[1] != xr.shape[1]:
        raise InputError("y", f"{xr.shape[1]} columns (as x)", f"shape {yr.shape}")
    for a, name in ((xr, "x"), (yr, "y")):
        if a.shape[0] < 2:
            raise InputError(name, "at least 2 rows", f"shape {a.shape}")
    permutations = _positive_int(permutations, "permutations", 1)
    max_rows = _positive_int(max_rows, "max_rows", 2)
    rng = np.random.default_rng(seed)

    mean = xr.mean(axis=0)
    sd = xr.std(axis=0, ddof=1)
    sd[~(sd > 0)] = 1.0
    xs = (xr[_subsample(len(xr), max_rows, rng)] - mean) / sd
    ys = (yr[_subsample(len(yr), max_rows, rng)] - mean) / sd
    n, m = len(xs), len(ys)
    z = np.concatenate([xs, ys])                                        # (N, d)
    total = n + m

    sq = np.einsum("ij,ij->i", z, z)
    d2 = np.maximum(sq[:, None] + sq[None, :] - 2.0 * (z @ z.T), 0.0)   # (N, N)
    np.fill_diagonal(d2, 0.0)
    pairs = d2[np.triu_indices(total, 1)]
    sigma2 = float(np.median(pairs))
    if not sigma2 > 0:  # more than half the pairs coincide: fall back on the others
        positive = pairs[pairs > 0]
        sigma2 = float(np.median(positive)) if positive.size else 1.0
    kernel = np.exp(-d2 / (2.0 * sigma2))                                # (N, N)

    kxx, kyy, kxy = kernel[:n, :n], kernel[n:, n:], kernel[:n, n:]
    unbiased = ((kxx.sum() - n) / (n * (n - 1)) + (kyy.sum() - m) / (m * (m - 1))
                - 2.0 * kxy.mean())
    w = np.concatenate([np.full(n, 1.0 / n), np.full(m, -1.0 / m)])      # (N,)
    observed = float(w @ kernel @ w)

    chunk = max(1, min(permutations, _CHUNK_CELLS // total))
    exceed = 0
    done = 0
    while done < permutations:
        c = min(chunk, permutations - done)
        weights = rng.permuted(np.tile(w, (c, 1)), axis=1)               # (c, N)
        stats = ((weights @ kernel) * weights).sum(axis=1)               # (c,)
        exceed += int(np.count_nonzero(stats >= observed - 1e-12))       # ties count
        done += c
    return MMDResult(statistic=float(unbiased), biased_statistic=observed,
                     p_value=(1.0 + exceed) / (1.0 + permutations),
                     bandwidth=math.sqrt(sigma2), n_reference=n, n_current=m,
                     permutations=permutations)


# --------------------------------------------------------------------------- C2ST


CLASSIFIER_THREADS = 1
"""OpenMP / BLAS threads of the classifier test (see `classifier_test`)."""


def classifier_test(x: np.ndarray, y: np.ndarray, *, names: Sequence[str], folds: int = 5,
                    max_rows: int = 20000, seed: int = 0,
                    importance_below: float = 1.0) -> ClassifierTestResult:
    """Classifier two-sample test (C2ST): can a classifier tell the windows apart?

    Reference rows are labelled 0 and current rows 1, and scikit-learn's
    `HistGradientBoostingClassifier` (100 iterations, 15 leaves, no early stopping,
    ``random_state=seed``; it handles NaN natively) is cross-validated with stratified
    K folds. Each row's out-of-fold P(current) is its score (the same predictions as
    ``cross_val_predict(method="predict_proba")``; the folds are fitted here by hand so
    that the same fold models also give the importance and score the rows left out).

    * ``auc`` is the ROC AUC of the out-of-fold scores;
    * ``p_value`` is the one-sided Mann–Whitney U test of current-row scores against
      reference-row scores (AUC = U / (n·m)). It treats the out-of-fold scores as
      independent, the usual approximation (fold models share most training rows);
    * ``importance`` is each feature's mean drop in held-out AUC when its column is
      permuted (`sklearn.inspection.permutation_importance`, ``scoring="roc_auc"``, 3
      repeats, on each fold's held-out rows, averaged over folds).

    A window with more than `max_rows` rows is subsampled (seeded, without replacement)
    for the fit; its rows left out are scored by the mean of the fold models'
    predictions (none of which saw them), so every row still gets a score.

    Parameters
    ----------
    x : array of shape (n, d)
        Reference window (NaN allowed).
    y : array of shape (m, d)
        Current window, same columns.
    names : sequence of str
        The d feature names (keys of ``importance``).
    folds : int
        Cross-validation folds (>= 2); reduced (to no fewer than 2) when a window has
        fewer than ``2 * folds`` rows.
    max_rows : int
        Rows of each window used to fit, at most.
    seed : int
        Seeds the subsampling, the folds, the classifier and the permutations.
    importance_below : float
        Measure the importance only when the p-value is below this (it costs more than
        the fit; the caller needs it only for a test that can be significant). Otherwise
        every importance is NaN.

    Returns
    -------
    ClassifierTestResult

    Raises
    ------
    InputError
        (a ValueError) when a window has fewer than 4 rows, the shapes or the number of
        names do not match, or for infinite values.
    """
    from scipy.stats import mannwhitneyu
    from sklearn.base import clone
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.inspection import permutation_importance
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold
    from threadpoolctl import threadpool_limits

    xr = _matrix(x, "x", allow_nan=True)
    yr = _matrix(y, "y", allow_nan=True)
    d = xr.shape[1]
    if yr.shape[1] != d:
        raise InputError("y", f"{d} columns (as x)", f"shape {yr.shape}")
    labels_of = [str(v) for v in names]
    if len(labels_of) != d:
        raise InputError("names", f"{d} feature names (one per column of x)",
                         f"{len(labels_of)}")
    if len(set(labels_of)) != d:
        raise InputError("names", "distinct feature names", describe(labels_of))
    for a, name in ((xr, "x"), (yr, "y")):
        if a.shape[0] < 4:
            raise InputError(name, "at least 4 rows for a classifier two-sample test",
                             f"{a.shape[0]}")
    folds = _positive_int(folds, "folds", 2)
    max_rows = _positive_int(max_rows, "max_rows", 4)
    rng = np.random.default_rng(seed)

    ref_rows = _subsample(len(xr), max_rows, rng)
    cur_rows = _subsample(len(yr), max_rows, rng)
    n, m = len(ref_rows), len(cur_rows)
    k = max(2, min(folds, min(n, m) // 2))
    data = np.concatenate([xr[ref_rows], yr[cur_rows]])                  # (n + m, d)
    target = np.concatenate([np.zeros(n, dtype=np.int64), np.ones(m, dtype=np.int64)])
    ref_out = np.setdiff1d(np.arange(len(xr)), ref_rows)                 # not fitted on
    cur_out = np.setdiff1d(np.arange(len(yr)), cur_rows)

    model = HistGradientBoostingClassifier(max_iter=100, max_leaf_nodes=15,
                                           early_stopping=False, random_state=seed)
    splitter = StratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
    oof = np.empty(n + m)
    drop = np.zeros(d)
    ref_rest = np.zeros(len(ref_out))
    cur_rest = np.zeros(len(cur_out))
    # One thread: HistGradientBoosting's OpenMP threads spin while they wait, and on a
    # machine whose cores are busy with anything else they made this test 10-25x slower
    # (measured: 368 s instead of 18 s on two windows of a million rows).
    def limit() -> Any:  # a fresh context each time: threadpool_limits applies on creation
        return threadpool_limits(CLASSIFIER_THREADS)

    held: list[tuple[Any, np.ndarray]] = []
    with limit():
        for train, test in splitter.split(data, target):
            fitted = clone(model).fit(data[train], target[train])
            oof[test] = fitted.predict_proba(data[test])[:, 1]
            held.append((fitted, test))
            if ref_out.size:
                ref_rest += fitted.predict_proba(xr[ref_out])[:, 1]
            if cur_out.size:
                cur_rest += fitted.predict_proba(yr[cur_out])[:, 1]

    ref_scores = np.empty(len(xr))
    ref_scores[ref_rows] = oof[:n]
    ref_scores[ref_out] = ref_rest / k
    cur_scores = np.empty(len(yr))
    cur_scores[cur_rows] = oof[n:]
    cur_scores[cur_out] = cur_rest / k
    auc = float(roc_auc_score(target, oof))
    p = float(mannwhitneyu(oof[n:], oof[:n], alternative="greater").pvalue)
    if p < importance_below:
        with limit():
            for fold, (fitted, test) in enumerate(held):
                found = permutation_importance(fitted, data[test], target[test],
                                               scoring="roc_auc",
                                               n_repeats=PERMUTATION_REPEATS,
                                               random_state=seed + fold)
                drop += np.asarray(found["importances_mean"], dtype=np.float64)
    else:
        drop[:] = np.nan
    importance = {name: float(v) for name, v in zip(labels_of, drop / k, strict=True)}
    return ClassifierTestResult(auc=auc, p_value=p, importance=importance,
                                current_scores=cur_scores, reference_scores=ref_scores,
                                n_reference=n, n_current=m, folds=k)


# --------------------------------------------------------------------------- outputs


def output_tests(ref_probs: np.ndarray, cur_probs: np.ndarray, *,
                 classes: Sequence[Hashable]) -> list[OutputTest]:
    """Black-box shift detection on a model's predicted probabilities (BBSD).

    Rabanser, Günnemann & Lipton, "Failing Loudly", NeurIPS 2019: a shift in the inputs
    that matters to the model shows in its outputs. For each class a two-sample
    Kolmogorov–Smirnov test of its predicted probability in the two windows, then one
    chi-squared test of the predicted labels (argmax): the 2 × K table of counts, with
    classes predicted in neither window dropped (p = 1 when fewer than 2 remain; Yates'
    correction on a 2 × 2 table, SciPy's default). The tests are not corrected for
    multiplicity; Bonferroni over the ``K + 1`` tests is the paper's choice.

    Parameters
    ----------
    ref_probs : array of shape (n, K)
        Predicted probabilities on the reference window.
    cur_probs : array of shape (m, K)
        Predicted probabilities on the current window.
    classes : sequence
        The K classes, in the order of the columns.

    Returns
    -------
    list of OutputTest
        K tests named ``"p(<class>)"`` (test ``"ks"``), then ``"predicted label"``
        (test ``"chi2"``).

    Raises
    ------
    InputError
        (a ValueError) naming the argument whose shape is wrong or that holds NaN.
    """
    from scipy.stats import ks_2samp

    names = _class_tuple(classes)
    k = len(names)
    ref = _matrix(ref_probs, "ref_probs", allow_nan=False)
    cur = _matrix(cur_probs, "cur_probs", allow_nan=False)
    for a, name in ((ref, "ref_probs"), (cur, "cur_probs")):
        if a.shape[1] != k:
            raise InputError(name, f"{k} columns (one per class)", f"shape {a.shape}")
        if a.shape[0] < 1:
            raise InputError(name, "at least one row", f"shape {a.shape}")
    out = []
    for j, c in enumerate(names):
        res = ks_2samp(ref[:, j], cur[:, j])
        stat = float(res.statistic)
        out.append(OutputTest(name=f"p({c})", test="ks", statistic=stat,
                              p_value=float(res.pvalue), effect=stat,
                              reference_mean=float(ref[:, j].mean()),
                              current_mean=float(cur[:, j].mean())))
    out.append(_chi2(ref.argmax(axis=1), cur.argmax(axis=1), k, "predicted label"))
    return out


def label_test(ref_labels: Sequence[Hashable] | np.ndarray,
               cur_labels: Sequence[Hashable] | np.ndarray, *,
               classes: Sequence[Hashable]) -> OutputTest:
    """Chi-squared test of the true label proportions of two windows (once the current
    labels arrive).

    Parameters
    ----------
    ref_labels : array of shape (n,)
        Reference labels, each one of `classes`.
    cur_labels : array of shape (m,)
        Current labels, each one of `classes`.
    classes : sequence
        The classes.

    Returns
    -------
    OutputTest
        Named ``"labels"``, test ``"chi2"`` on the 2 × K table of counts (classes absent
        from both windows dropped; p = 1 when fewer than 2 remain); effect is the
        total-variation distance between the proportions.

    Raises
    ------
    InputError
        (a ValueError) naming the argument holding a label that is not a class.
    """
    names = _class_tuple(classes)
    ref = _codes(ref_labels, names, "ref_labels")
    cur = _codes(cur_labels, names, "cur_labels")
    return _chi2(ref, cur, len(names), "labels")


# --------------------------------------------------------------------------- BBSE


def bbse(ref_labels: Sequence[Hashable] | np.ndarray, ref_pred: Sequence[Hashable] | np.ndarray,
         cur_pred: Sequence[Hashable] | np.ndarray, *,
         classes: Sequence[Hashable]) -> BBSEResult:
    """Black-box shift estimation of the current class proportions under label shift.

    Lipton, Wang & Smola, "Detecting and Correcting for Label Shift with Black Box
    Predictors", ICML 2018. On the reference, ``C[i, j] = P(ŷ = i, y = j)`` (hard
    predictions); on the current window ``μ[i] = P(ŷ = i)``. If only the class
    proportions changed (p(x | y) did not), ``C w = μ`` with ``w_j = q_j / p_j``. The
    system is solved by least squares, ``w`` clipped at 0, and ``q = w · p``
    renormalised to sum 1 (the reference proportions when every weight clips to 0).

    Parameters
    ----------
    ref_labels : array of shape (n,)
        True labels of the reference window (any hashable labels, each one of `classes`).
    ref_pred : array of shape (n,)
        The model's predicted labels on the same rows.
    cur_pred : array of shape (m,)
        The model's predicted labels on the current window.
    classes : sequence
        The classes, in the order of the result's fields.

    Returns
    -------
    BBSEResult
        With a `note` when the estimate is unreliable: a confusion matrix with condition
        number above 1e3, a class never predicted or never present on the reference.

    Raises
    ------
    InputError
        (a ValueError) naming the argument holding a label that is not a class, or when
        `ref_labels` and `ref_pred` differ in length.
    """
    names = _class_tuple(classes)
    k = len(names)
    y = _codes(ref_labels, names, "ref_labels")
    yhat = _codes(ref_pred, names, "ref_pred")
    if len(yhat) != len(y):
        raise InputError("ref_pred", f"{len(y)} predictions (one per reference label)",
                         f"{len(yhat)}")
    cur = _codes(cur_pred, names, "cur_pred")

    confusion = np.bincount(yhat * k + y, minlength=k * k).reshape(k, k) / len(y)  # (K, K)
    p_ref = confusion.sum(axis=0)
    mu = _proportions(cur, k)
    condition = float(np.linalg.cond(confusion)) if k > 1 else (
        1.0 if confusion[0, 0] > 0 else math.inf)
    if not np.isfinite(condition):
        condition = math.inf
    w = np.linalg.lstsq(confusion, mu, rcond=None)[0]
    w = np.where(p_ref > 0, np.clip(w, 0.0, None), 0.0)
    q = w * p_ref
    notes = []
    if condition > ILL_CONDITIONED:
        notes.append(f"confusion matrix is ill-conditioned (cond {condition:.3g}): "
                     "the estimate is unreliable")
    never_predicted = [names[i] for i in np.flatnonzero(confusion.sum(axis=1) == 0)]
    if never_predicted:
        notes.append(f"class {describe(never_predicted)} never predicted on the reference")
    absent = [names[j] for j in np.flatnonzero(p_ref == 0)]
    if absent:
        notes.append(f"class {describe(absent)} never in the reference labels: "
                     "its proportion cannot be estimated (0)")
    if not q.sum() > 0:
        q = p_ref.copy()
        notes.append("every weight clipped to 0: the reference proportions are returned")
    q = q / q.sum()
    return BBSEResult(classes=names, reference=tuple(float(v) for v in p_ref),
                      estimated=tuple(float(v) for v in q),
                      weights=tuple(float(v) for v in w), condition=condition,
                      note="; ".join(notes) if notes else None)
