"""The `Dataset` value: features, labels and what travels with them.

Notation: n examples, feature shape ``s`` (``(d,)`` for tables and sequences,
``(c, h, w)`` for images), k classes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, Literal, TypeAlias

import numpy as np
import pandas as pd
import scipy.sparse as sp

from datacurve._errors import InputError

__all__ = ["EVAL_NAMES", "Dataset", "Task", "evaluation_mask", "fingerprint_arrays"]

Task = Literal["classification", "regression"]

Features: TypeAlias = np.ndarray | sp.csr_matrix

EVAL_NAMES = ("test", "eval", "evaluation", "val", "valid", "validation", "holdout")
"""Split-column values (any case) that mark a row of the fixed evaluation set."""


def evaluation_mask(split: Any, n: int) -> np.ndarray:
    """Which rows a split column marks for evaluation (see `EVAL_NAMES`).

    Parameters
    ----------
    split : array of shape (n,) or None
        Per-row split labels (``"train"``, ``"test"``, ...).
    n : int
        Number of rows (for the all-False mask when `split` is None).

    Returns
    -------
    ndarray of shape (n,), bool
    """
    if split is None:
        return np.zeros(n, dtype=bool)
    marks = np.char.lower(np.asarray(split).astype(str))
    return np.asarray(np.isin(marks, EVAL_NAMES))


def fingerprint_arrays(X: Features, y: np.ndarray, task: str) -> str:
    """Content fingerprint of features and labels.

    Parameters
    ----------
    X : ndarray of shape (n, *s) or CSR matrix of shape (n, d)
    y : ndarray of shape (n,)
    task : str

    Returns
    -------
    str
        16 hex digits of a SHA-256 over shapes, dtypes and bytes. Equal data gives
        equal fingerprints on every machine; row order matters.
    """
    h = hashlib.sha256()
    h.update(task.encode())
    if sp.issparse(X):
        csr = sp.csr_matrix(X)
        csr.sort_indices()
        h.update(f"csr{csr.shape}{csr.dtype}".encode())
        for part in (csr.data, csr.indices, csr.indptr):
            h.update(np.ascontiguousarray(part).tobytes())
    else:
        arr: np.ndarray = np.ascontiguousarray(X)
        h.update(f"dense{arr.shape}{arr.dtype}".encode())
        h.update(arr.tobytes())
    yy = np.ascontiguousarray(y)
    h.update(f"y{yy.shape}{yy.dtype}".encode())
    h.update(yy.tobytes())
    return h.hexdigest()[:16]


@dataclass(frozen=True, eq=False, repr=False)
class Dataset:
    """Features and labels with optional groups, ids, split and metadata.

    A `Dataset` is a value: nothing in datacurve modifies one; cleaning and subsetting
    return new datasets with new fingerprints.

    Parameters
    ----------
    X : ndarray of shape (n, *s) or scipy CSR matrix of shape (n, d)
        Features. Dense features are float32; images are channels-first ``(n, c, h, w)``.
    y : ndarray of shape (n,)
        Labels: int64 class codes ``0..k-1`` for classification (original labels in
        `classes`), float64 targets for regression.
    task : {"classification", "regression"}
    name : str
        Human-readable name (file name or built-in name).
    classes : ndarray of shape (k,), optional
        Original label of each class code; None for regression.
    feature_names : tuple of str, optional
        One name per column for tables; None for images and sequences.
    groups : ndarray of shape (n,), optional
        Group of each example (patient, site, user...).
    ids : ndarray of shape (n,), optional
        Identifier of each example. Defaults to ``0..n-1``.
    split : ndarray of shape (n,) of str, optional
        Per-example split label such as ``"train"`` or ``"test"``.
    raw : DataFrame, optional
        The original table (for audits and reports); never used for training.
    metadata : dict
        Provenance: source path, loader options, generator parameters. A lazily indexed
        dataset records ``identity`` (what its fingerprint covers besides the labels).
    items : torch.utils.data.Dataset, optional
        A map-style dataset holding the features when they are not in memory (then `X`
        has shape (n, 0)): trials index it lazily, for the rows they use only (see
        `as_dataset`).

    Examples
    --------
    >>> import numpy as np
    >>> ds = Dataset(np.zeros((4, 2), np.float32), np.array([0, 1, 0, 1]), "classification",
    ...              name="toy", classes=np.array(["a", "b"]))
    >>> ds.n, ds.n_classes, len(ds.fingerprint)
    (4, 2, 16)
    """

    X: Features
    y: np.ndarray
    task: Task
    name: str = "dataset"
    classes: np.ndarray | None = None
    feature_names: tuple[str, ...] | None = None
    groups: np.ndarray | None = None
    ids: np.ndarray | None = None
    split: np.ndarray | None = None
    raw: pd.DataFrame | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    items: Any = field(default=None, repr=False)

    def __post_init__(self) -> None:
        n = self.X.shape[0]
        if self.task not in ("classification", "regression"):
            raise InputError("task", "'classification' or 'regression'", repr(self.task))
        y = np.asarray(self.y)
        if y.ndim != 1 or y.shape[0] != n:
            raise InputError("y", f"an array of shape ({n},) matching X", f"shape {y.shape}")
        for name in ("groups", "ids", "split"):
            value = getattr(self, name)
            if value is not None and np.asarray(value).shape != (n,):
                raise InputError(name, f"an array of shape ({n},)",
                                 f"shape {np.asarray(value).shape}")
        if self.task == "classification":
            if not np.issubdtype(y.dtype, np.integer):
                raise InputError("y", "integer class codes for classification", f"dtype {y.dtype}")
            if self.classes is None:
                object.__setattr__(self, "classes", np.unique(y))
        object.__setattr__(self, "y", y)
        if self.ids is None:
            object.__setattr__(self, "ids", np.arange(n))
        if self.items is None:
            fp = fingerprint_arrays(self.X, y, self.task)
        else:
            # The features stay in the source: the fingerprint covers what identifies it
            # (recorded by `as_dataset`) and the labels, without reading an item.
            if "identity" not in self.metadata:
                raise InputError("metadata", "an 'identity' for a lazily indexed dataset",
                                 "none")
            h = hashlib.sha256(f"{self.metadata['identity']}|".encode())
            h.update(np.ascontiguousarray(y).tobytes())
            fp = h.hexdigest()[:16]
        object.__setattr__(self, "_fingerprint", fp)

    # -- derived values -------------------------------------------------------------
    @property
    def fingerprint(self) -> str:
        """16 hex digits identifying the content of `X`, `y` and `task`."""
        return str(self.__dict__["_fingerprint"])

    @property
    def n(self) -> int:
        """Number of examples."""
        return int(self.X.shape[0])

    @property
    def feature_shape(self) -> tuple[int, ...]:
        """Shape of one example's features."""
        return tuple(int(s) for s in self.X.shape[1:])

    @property
    def n_classes(self) -> int:
        """Number of classes (0 for regression)."""
        return 0 if self.classes is None else len(self.classes)

    @property
    def is_sparse(self) -> bool:
        """True when `X` is a sparse matrix (TF-IDF text features)."""
        return bool(sp.issparse(self.X))

    @property
    def is_evaluation(self) -> np.ndarray:
        """(n,) bool: rows the split column marks for evaluation (all False without
        one)."""
        return evaluation_mask(self.split, self.n)

    def class_counts(self) -> np.ndarray:
        """Examples per class code, shape (k,)."""
        return np.bincount(self.y, minlength=self.n_classes)

    @property
    def modality(self) -> str:
        """What the examples are: ``"text"`` (a text column), ``"table"`` (named
        columns), ``"image"`` ((n, c, h, w), or (n, h, w) of at least 4×4),
        ``"sequence"`` (unnamed dense columns, 8 or more: a signal), ``"items"`` (a
        lazily indexed source) or ``"vector"``. The diagnosis recommends augmentation
        and pretrained models only where they exist (images, sequences, text) and
        feature work for tables."""
        options = self.metadata.get("options") or {}
        text_column = self.metadata.get("text_column") or options.get("text_column")
        if self.raw is not None and text_column in self.raw.columns:
            return "text"
        if self.raw is not None and self.feature_names is not None:
            return "table"
        if self.is_lazy:
            return "items"
        shape = tuple(self.X.shape)
        if len(shape) == 4 or (len(shape) == 3 and min(shape[1:]) >= 4):
            return "image"
        if len(shape) == 2 and not self.is_sparse and shape[1] >= 8 \
                and self.feature_names is None:
            return "sequence"
        return "vector"

    @property
    def is_lazy(self) -> bool:
        """Whether the features live in `items` rather than in `X`."""
        return self.items is not None

    def feature_frame(self) -> pd.DataFrame | None:
        """The table's feature columns: `raw` without its label, group, split and id
        columns (None without a table). Learners that preprocess for themselves
        (scikit-learn pipelines) train on it."""
        if self.raw is None:
            return None
        options = self.metadata.get("options", {})
        roles = {options.get(k) for k in ("label", "group", "split", "id_column")} - {None}
        roles.add(self.metadata.get("label"))
        return self.raw.drop(columns=[c for c in self.raw.columns if c in roles])

    def subset(self, indices: np.ndarray, *, name: str | None = None) -> Dataset:
        """A new dataset holding the rows `indices` (in that order).

        Raises
        ------
        InputError
            For a lazily indexed dataset (its rows live in `items`).
        """
        if self.is_lazy:
            raise InputError("dataset", "a dataset held in memory to take rows of",
                             f"{self.name!r}, indexed lazily from its source")
        idx = np.asarray(indices, dtype=np.int64)

        def take(a: np.ndarray | None) -> np.ndarray | None:
            return None if a is None else np.asarray(a)[idx]

        return Dataset(
            X=self.X[idx],
            y=self.y[idx],
            task=self.task,
            name=name or self.name,
            classes=self.classes,
            feature_names=self.feature_names,
            groups=take(self.groups),
            ids=take(self.ids),
            split=take(self.split),
            raw=None if self.raw is None else self.raw.iloc[idx].reset_index(drop=True),
            metadata={**self.metadata, "subset_of": self.fingerprint},
        )

    def summary(self) -> dict[str, Any]:
        """Plain-value summary for printing and JSON."""
        out: dict[str, Any] = {
            "name": self.name,
            "fingerprint": self.fingerprint,
            "task": self.task,
            "n": self.n,
            "feature_shape": list(self.feature_shape),
            "sparse": self.is_sparse,
            "modality": self.modality,
        }
        if self.task == "classification":
            assert self.classes is not None
            out["classes"] = [str(c) for c in self.classes]
            out["class_counts"] = self.class_counts().tolist()
        return out

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Dataset):
            return NotImplemented
        return self.fingerprint == other.fingerprint

    def __hash__(self) -> int:
        return hash(self.fingerprint)

    def __repr__(self) -> str:
        shape = "×".join(str(s) for s in self.X.shape)
        extra = f", {self.n_classes} classes" if self.task == "classification" else ""
        return (f"Dataset({self.name!r}, {self.task}, X {shape}{extra}, "
                f"fingerprint={self.fingerprint})")
