"""The meta-learned extrapolation: quantiles of the future score from a curve's shape.

Trained by ``bench/train_meta.py`` on learning curves of LCDB 1.0 (Mohr et al., ECML PKDD
2022; MIT licence, Copyright 2021 Felix Mohr): for every curve, every cut after the first
four sizes and every larger size ``h``, the features below (computed from the observed part
only) and the target ``g(h) - g_last``, where ``g`` is the score on a [0, 1]
higher-is-better scale. One gradient-boosted tree ensemble (scikit-learn's
HistGradientBoostingRegressor, quantile / absolute loss, monotone increasing in the
horizon and in every family's extrapolation) per quantile. Datasets were split into
groups for cross-validation, so the figures in README come from datasets a model never
saw.

Two models ship: ``meta_lcdb.npz`` on the validation curve alone, and
``meta_lcdb_train.npz`` with five more features from the training-set score curve
(`TRAIN_FEATURES`; LCDB's ``score_train``, the runner's ``train_score``). The second is
used when train scores were recorded at the last three observed sizes.

The ensembles ship as flat node arrays and are evaluated here with
NumPy (a few hundred trees, all samples at once, one array operation per tree level):
this keeps scikit-learn's private model classes out of the shipped file and keeps
loading version-independent.

Notation: k distinct observed sizes, H horizons, F features.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy.special import ndtri

from datacurve.fit._families import FamilyFit, size_means, weighted_error

if TYPE_CHECKING:
    from datacurve.fit._curve import LearningCurve

__all__ = ["HORIZON_STEPS", "META_FILE", "META_NETWORK_FILE", "META_NETWORK_TRAIN_FILE",
           "META_TRAIN_FILE", "TRAIN_FEATURES",
           "MetaCorrection", "TreeEnsembles", "curve_features", "feature_names", "load_meta",
           "train_available", "train_features", "train_means"]

META_FILE = "meta_lcdb.npz"
META_TRAIN_FILE = "meta_lcdb_train.npz"
META_NETWORK_FILE = "meta_dl.npz"
"""The meta-model for neural networks (`load_meta` with ``network=True``): trained on
LCDB and datacurve's deep-learning corpus together (bench/train_meta.py --kind network)."""
META_NETWORK_TRAIN_FILE = "meta_dl_train.npz"
TRAIN_FEATURES = ("tr_last", "gap_last", "gap_slope3", "tr_slope3", "tr_min")
"""Features of the training-set score curve (g scale, per-size means): its level at the
last observed size, its gap above the validation curve there, the slopes of the gap and
of the train score against log n over the last three sizes, and its lowest level."""
_TRAIN_TAIL = 3
META_FAMILIES = ("pow3", "pow4", "mmf4", "vap3", "exp4", "ilog2", "log2", "pow2", "exp3")
HORIZON_STEPS = 28
"""Horizons evaluated: ``n_last * 2**(j/4)`` for j = 1..28 (up to 128×); beyond, the curve
follows the shape of the family average."""


def feature_names(with_train: bool = False) -> list[str]:
    """Names of the meta-model's features, in order (`TRAIN_FEATURES` last when
    `with_train`)."""
    names = ([f"p_{f}" for f in META_FAMILIES]
             + ["g_last", "slope3", "slope", "curv", "npts", "drop", "rough", "lograt",
                "nlog"]
             + [f"fit_{f}" for f in META_FAMILIES] + [f"asy_{f}" for f in META_FAMILIES])
    return names + list(TRAIN_FEATURES) if with_train else names


def train_means(n: np.ndarray, e_train: np.ndarray) -> np.ndarray:
    """Mean training-set error at each distinct size, ignoring NaN (not recorded).

    Parameters
    ----------
    n, e_train : ndarray of shape (m,)
        Observed sizes (may repeat) and training-set errors in [0, 1], NaN where none
        was recorded.

    Returns
    -------
    ndarray of shape (k,)
        One mean per distinct size of `n` (ascending); NaN where no entry is finite.
    """
    _, inverse = np.unique(n, return_inverse=True)
    k = int(inverse.max()) + 1 if inverse.size else 0
    ok = np.isfinite(e_train)
    counts = np.bincount(inverse[ok], minlength=k)
    sums = np.bincount(inverse[ok], weights=e_train[ok], minlength=k)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, sums / counts, np.nan)


def train_available(n: np.ndarray, e_train: np.ndarray | None) -> bool:
    """Whether `e_train` (shape (m,)) has a finite entry at each of the last three
    distinct sizes of `n`, as the train-score features need."""
    if e_train is None:
        return False
    means = train_means(n, e_train)
    return bool(means.size >= _TRAIN_TAIL and np.all(np.isfinite(means[-_TRAIN_TAIL:])))


def train_features(n: np.ndarray, e: np.ndarray, e_train: np.ndarray) -> np.ndarray:
    """The `TRAIN_FEATURES` of one observed curve.

    Parameters
    ----------
    n, e : ndarray of shape (m,)
        Observed sizes (may repeat) and validation errors in [0, 1].
    e_train : ndarray of shape (m,)
        Training-set errors at the same observations, NaN where not recorded; must be
        recorded at the last three distinct sizes (`train_available`).

    Returns
    -------
    ndarray of shape (5,)
    """
    if not train_available(n, e_train):
        raise ValueError("train scores are needed at the last three observed sizes")
    u, mean_e, _, _ = size_means(n, e)
    g = 1.0 - mean_e
    g_tr = 1.0 - train_means(n, e_train)
    gap = g_tr - g
    ln = np.log(u[-_TRAIN_TAIL:])
    gap_slope3, tr_slope3 = np.polyfit(ln, np.column_stack([gap[-_TRAIN_TAIL:],
                                                            g_tr[-_TRAIN_TAIL:]]), 1)[0]
    return np.array([g_tr[-1], gap[-1], gap_slope3, tr_slope3, np.nanmin(g_tr)])


def curve_features(n: np.ndarray, e: np.ndarray, fits: dict[str, FamilyFit],
                   horizons: np.ndarray, e_train: np.ndarray | None = None) -> np.ndarray:
    """Features of one observed curve at each horizon.

    Parameters
    ----------
    n, e : ndarray of shape (m,)
        Observed sizes (may repeat) and errors in [0, 1].
    fits : dict
        Fits of `META_FAMILIES` on (n, e) with weights ``n / n.max()``.
    horizons : ndarray of shape (H,)
        Sizes to predict, each larger than ``n.max()``.
    e_train : ndarray of shape (m,), optional
        Training-set errors at the same observations (NaN: not recorded); when given,
        the `TRAIN_FEATURES` are appended (see `train_features`).

    Returns
    -------
    ndarray of shape (H, F)
        F = ``len(feature_names(with_train=e_train is not None))``.
    """
    u, mean_e, _, _ = size_means(n, e)
    g = 1.0 - mean_e  # mean score per distinct size
    ln = np.log(u)
    g_last = float(g[-1])
    slope3 = float(np.polyfit(ln[-3:], g[-3:], 1)[0])
    slope = float(np.polyfit(ln, g, 1)[0])
    curv = float(np.polyfit(ln, g, 2)[0]) if u.size >= 3 else 0.0
    rough = float(np.mean(np.abs(np.diff(g, 2)))) if u.size >= 3 else 0.0
    shared = [g_last, slope3, slope, curv, float(u.size), float(g.max() - g_last), rough]
    n_last = float(u[-1])
    fit_at_last = [1.0 - float(fits[f].predict_error(n_last)) - g_last for f in META_FAMILIES]
    asym = [1.0 - fits[f].asymptote_error - g_last for f in META_FAMILIES]
    H = horizons.size
    p = np.column_stack([1.0 - fits[f].predict_error(horizons) - g_last
                         for f in META_FAMILIES])
    lograt = np.log(horizons / n_last)
    rest = np.tile(np.asarray(shared), (H, 1))
    cols = [p, rest, lograt, np.full(H, math.log(n_last)),
            np.tile(np.asarray(fit_at_last + asym), (H, 1))]
    if e_train is not None:
        cols.append(np.tile(train_features(n, e, e_train), (H, 1)))
    return np.column_stack(cols)


@dataclass(frozen=True)
class TreeEnsembles:
    """Gradient-boosted tree ensembles, one per quantile, as flat node arrays.

    Attributes
    ----------
    quantiles : ndarray of shape (Q,)
    baseline : ndarray of shape (Q,)
    roots : ndarray of shape (Q, T)
        Index of each tree's root node.
    feature, left, right : ndarray of shape (N,)
    threshold, value : ndarray of shape (N,)
    is_leaf, missing_left : ndarray of shape (N,), bool
    depth : int
        Depth of the deepest tree.
    features : tuple of str
    """

    quantiles: np.ndarray
    baseline: np.ndarray
    roots: np.ndarray
    feature: np.ndarray
    threshold: np.ndarray
    left: np.ndarray
    right: np.ndarray
    value: np.ndarray
    is_leaf: np.ndarray
    missing_left: np.ndarray
    depth: int
    features: tuple[str, ...]
    info: str = ""

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Every quantile for every row.

        Parameters
        ----------
        X : ndarray of shape (S, F)

        Returns
        -------
        ndarray of shape (S, Q)
        """
        X = np.asarray(X, dtype=np.float64)
        Q, T = self.roots.shape
        S = X.shape[0]
        # One flat entry per (tree, sample); each level advances only the entries not yet
        # at a leaf (most paths are much shorter than the deepest tree).
        idx = np.repeat(self.roots.reshape(Q * T), S)
        rows = np.tile(np.arange(S), Q * T)
        active = np.flatnonzero(~self.is_leaf[idx])
        for _ in range(self.depth):
            if active.size == 0:
                break
            node = idx[active]
            x = X[rows[active], self.feature[node]]
            go_left = np.where(np.isnan(x), self.missing_left[node], x <= self.threshold[node])
            node = np.where(go_left, self.left[node], self.right[node])
            idx[active] = node
            active = active[~self.is_leaf[node]]
        out = self.value[idx].reshape(Q, T, S).sum(axis=1) + self.baseline[:, None]
        return np.asarray(out.T)

    def save(self, path: str) -> None:
        """Write the ensembles to an ``.npz`` file."""
        np.savez_compressed(
            path, quantiles=self.quantiles, baseline=self.baseline, roots=self.roots,
            feature=self.feature.astype(np.int16), threshold=self.threshold,
            left=self.left.astype(np.int32), right=self.right.astype(np.int32),
            value=self.value, is_leaf=self.is_leaf, missing_left=self.missing_left,
            depth=np.array(self.depth), features=np.array(self.features),
            info=np.array(self.info))

    @classmethod
    def load(cls, path: Any) -> TreeEnsembles:
        """Read ensembles written by `save`."""
        with np.load(path, allow_pickle=False) as z:
            return cls(quantiles=z["quantiles"], baseline=z["baseline"], roots=z["roots"],
                       feature=z["feature"].astype(np.int64), threshold=z["threshold"],
                       left=z["left"].astype(np.int64), right=z["right"].astype(np.int64),
                       value=z["value"], is_leaf=z["is_leaf"],
                       missing_left=z["missing_left"], depth=int(z["depth"]),
                       features=tuple(str(s) for s in z["features"]), info=str(z["info"]))


    @property
    def with_train(self) -> bool:
        """Whether the ensembles take the `TRAIN_FEATURES`."""
        return list(self.features) == feature_names(with_train=True)


@functools.cache
def load_meta(with_train: bool = False, network: bool = False) -> TreeEnsembles | None:
    """A shipped meta-model, or None when its file is absent or its features are not the
    expected ones.

    Parameters
    ----------
    with_train : bool
        The model that also reads the train-score features (`META_TRAIN_FILE`,
        `META_NETWORK_TRAIN_FILE`) instead of the one without them.
    network : bool
        The model for neural networks (`META_NETWORK_FILE`: LCDB and the deep-learning
        corpus) instead of the one learned on LCDB's classical learners (`META_FILE`).
    """
    files = ((META_NETWORK_FILE, META_NETWORK_TRAIN_FILE) if network
             else (META_FILE, META_TRAIN_FILE))
    ref = resources.files("datacurve.fit").joinpath(files[int(with_train)])
    if not ref.is_file():
        return None
    with resources.as_file(ref) as path:
        model = TreeEnsembles.load(path)
    if list(model.features) != feature_names(with_train):
        return None
    return model


@dataclass(frozen=True)
class MetaCorrection:
    """Quantile curves of one fitted learning curve, from the meta-model.

    Attributes
    ----------
    horizons : ndarray of shape (H + 1,)
        ``n_last`` and the H horizons.
    g : ndarray of shape (H + 1, Q)
        Score (on the [0, 1] higher-is-better scale) at each horizon for each quantile;
        monotone in the horizon for the median, ordered across quantiles, with widths
        that never shrink with distance.
    quantiles : ndarray of shape (Q,)
    weights : dict
        Family weights of the average that carries the curve inside the measured range
        and past the last horizon (the level at ``n_last`` is taken from it too, so the
        curve is continuous there).
    with_train : bool
        Whether the model took the train-score features.
    source : str
        Which meta-model it was: ``"classical"``, ``"network"`` or ``"given"`` (see
        `LearningCurve.meta_model`).
    """

    horizons: np.ndarray
    g: np.ndarray
    quantiles: np.ndarray
    weights: dict[str, float]
    with_train: bool = False
    source: str = "classical"

    def _average_error(self, curve: LearningCurve, n: np.ndarray) -> np.ndarray:
        return weighted_error(curve.fits, self.weights, n)

    @classmethod
    def build(cls, model: TreeEnsembles, n: np.ndarray, e: np.ndarray,
              fits: dict[str, FamilyFit], weights: dict[str, float],
              e_train: np.ndarray | None = None) -> MetaCorrection:
        """Evaluate the meta-model on the horizon grid of one curve.

        Parameters
        ----------
        model : TreeEnsembles
        n, e : ndarray of shape (m,)
            Observed sizes and validation errors.
        fits : dict
            Fits of `META_FAMILIES`.
        weights : dict
            Weights of the family average (see the class attributes).
        e_train : ndarray of shape (m,), optional
            Training-set errors; required when ``model.with_train``, ignored otherwise.
        """
        n_last = float(n.max())
        horizons = n_last * 2.0 ** (np.arange(1, HORIZON_STEPS + 1) / 4.0)
        if model.with_train and e_train is None:
            raise ValueError("this meta-model needs training-set errors")
        X = curve_features(n, e, fits, horizons, e_train if model.with_train else None)
        g_last = 1.0 - float(size_means(n, e)[1][-1])
        delta = model.predict(X)  # (H, Q)
        g = g_last + delta
        qs = model.quantiles
        med = int(np.argmin(np.abs(qs - 0.5)))
        # The observed end: the median is the curve's own level there; the spread is the
        # standard error of that level.
        sd0 = _level_sd(n, e)
        # Start from the fitted curve's level at n_last (not the raw last mean), so the
        # curve is continuous where the measured range ends.
        level = 1.0 - float(weighted_error(fits, weights, np.array([n_last]))[0])
        g0 = level + ndtri(np.clip(qs, 1e-6, 1 - 1e-6)) * sd0
        g = np.vstack([g0[None, :], g])
        # Quantile ensembles are trained separately and can cross: sort them first, then
        # make the median monotone and every half-width non-decreasing with distance
        # (cumulative maxima keep the sorted order).
        g = np.sort(g, axis=1)
        g[:, med] = np.maximum.accumulate(g[:, med])
        width_lo = np.maximum.accumulate(
            np.maximum(g[:, med:med + 1] - g[:, :med], 0.0), axis=0)
        width_hi = np.maximum.accumulate(
            np.maximum(g[:, med + 1:] - g[:, med:med + 1], 0.0), axis=0)
        g[:, :med] = g[:, med:med + 1] - width_lo
        g[:, med + 1:] = g[:, med:med + 1] + width_hi
        return cls(np.concatenate([[n_last], horizons]), np.clip(g, 0.0, 1.0), qs,
                   dict(weights), model.with_train)

    def error_quantile(self, curve: LearningCurve, n: np.ndarray, q: float) -> np.ndarray:
        """Error-space quantile `q` of the curve at sizes `n` (shape (k,))."""
        g_q = self._g_quantile(q)  # (H + 1,)
        hz = self.horizons
        out = np.empty(n.shape)
        inside = n <= hz[0]
        beyond = n > hz[-1]
        mid = ~inside & ~beyond
        if inside.any():
            avg = 1.0 - self._average_error(curve, n[inside])
            shift = g_q[0] - self._g_quantile(0.5)[0]
            out[inside] = avg + shift
        if mid.any():
            out[mid] = np.interp(np.log(n[mid]), np.log(hz), g_q)
        if beyond.any():
            # Follow the family average's shape past the last learned horizon.
            tail = self._average_error(curve, np.array([hz[-1]]))[0]
            out[beyond] = g_q[-1] + (tail - self._average_error(curve, n[beyond]))
        return np.asarray(1.0 - out)

    def _g_quantile(self, q: float) -> np.ndarray:
        qs = self.quantiles
        if q <= qs[0] or q >= qs[-1]:
            # Outside the learned quantiles: extend with the normal shape of the nearest
            # pair, in units of the distance between them.
            i, j = (0, 1) if q <= qs[0] else (-1, -2)
            zi, zj, zq = ndtri(qs[i]), ndtri(qs[j]), ndtri(np.clip(q, 1e-9, 1 - 1e-9))
            return np.asarray(self.g[:, i] + (self.g[:, i] - self.g[:, j])
                              * (zq - zi) / (zi - zj))
        # Linear in the normal quantile between the two nearest learned quantiles.
        z = ndtri(qs)
        zq = ndtri(q)
        k = int(np.searchsorted(qs, q))
        if math.isclose(qs[k], q):
            return np.asarray(self.g[:, k])
        t = (zq - z[k - 1]) / (z[k] - z[k - 1])
        return np.asarray(self.g[:, k - 1] * (1 - t) + self.g[:, k] * t)


def _level_sd(n: np.ndarray, e: np.ndarray) -> float:
    """Standard error of the curve's level at the largest observed size."""
    last = n == n.max()
    if last.sum() > 1:
        return float(np.std(e[last], ddof=1) / math.sqrt(last.sum()))
    u = np.unique(n)
    if u.size >= 3:
        # One observation per size: the scatter of the last three around their line.
        tail = np.isin(n, u[-3:])
        x, y = np.log(n[tail]), e[tail]
        resid = y - np.polyval(np.polyfit(x, y, 1), x)
        return float(np.sqrt(np.sum(resid**2)))
    return 0.0
