"""What `run_curve` accepts as data, turned into a `Dataset` (labels, splits,
fingerprint) plus the `RowAccess` trials reach the rows through.

Accepted: a `Dataset`; a pair ``(X, y)``; a pandas or polars DataFrame with a label
column; a map-style ``torch.utils.data.Dataset`` whose items are ``(input, label)``.
A torch dataset is never materialised: its labels come from a ``targets`` or ``labels``
attribute (torchvision's convention) or the `labels` argument, and only when neither
exists are they read item by item, once, keeping the labels alone.
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from datacurve._errors import InputError
from datacurve.data import Dataset
from datacurve.models._user import RowAccess

__all__ = ["RunData", "as_run_data", "is_torch_dataset"]

_EXPECTED = ("a datacurve Dataset, a pair (X, y), a pandas or polars DataFrame with a "
             "label column, or a map-style torch.utils.data.Dataset")


class RunData:
    """A run's `Dataset` and the access trials use.

    Attributes
    ----------
    dataset : Dataset
        Labels, task, splits and fingerprint. For a lazy source its features are a
        placeholder of shape (n, 0): the features stay in the source.
    access : RowAccess
    """

    def __init__(self, dataset: Dataset, access: RowAccess) -> None:
        self.dataset, self.access = dataset, access


def is_torch_dataset(data: Any) -> bool:
    """Whether `data` is a map-style torch dataset (without importing torch needlessly)."""
    if isinstance(data, Dataset | tuple | list | pd.DataFrame | np.ndarray):
        return False
    if not (hasattr(data, "__getitem__") and hasattr(data, "__len__")):
        return False
    try:
        from torch.utils.data import Dataset as TorchDataset
    except ImportError:  # pragma: no cover - torch is a dependency
        return False
    return isinstance(data, TorchDataset)


def _feature_frame(ds: Dataset) -> pd.DataFrame | None:
    """The table's columns other than the label, group, split and id columns."""
    if ds.raw is None:
        return None
    options = ds.metadata.get("options", {})
    roles = {options.get(k) for k in ("label", "group", "split", "id_column")} - {None}
    roles.add(ds.metadata.get("label"))
    return ds.raw.drop(columns=[c for c in ds.raw.columns if c in roles])


def _from_arrays(X: Any, y: Any, *, task: str | None, name: str | None) -> Dataset:
    if sp.issparse(X):
        X = sp.csr_matrix(X, dtype=np.float32)
    else:
        try:
            X = np.asarray(X, dtype=np.float32)
        except (TypeError, ValueError):
            raise InputError("X", "numeric features (an array of numbers)",
                             f"values of dtype {np.asarray(X).dtype}") from None
        if X.ndim < 2:
            raise InputError("X", "an array of shape (n, d) or (n, *s)", f"shape {X.shape}")
    y_arr = np.asarray(y)
    n = X.shape[0]
    if y_arr.ndim != 1 or y_arr.shape[0] != n:
        raise InputError("y", f"an array of shape ({n},) matching X", f"shape {y_arr.shape}")
    labels = _encode(y_arr, task, "y")
    return Dataset(X, labels[0], labels[1],  # type: ignore[arg-type]
                   name=name or "arrays", classes=labels[2],
                   metadata={"source": "<arrays>", "format": "arrays"})


def _encode(y: np.ndarray, task: str | None, what: str) -> tuple[np.ndarray, str, Any]:
    """(codes or targets, task, classes) from raw labels, inferring the task like `load`."""
    from datacurve.data._loaders import _encode_labels

    enc = _encode_labels(pd.Series(y), name=what, where=f"'{what}'", task=task)
    return enc.y, enc.task, enc.classes


def _torch_labels(data: Any, labels: Any) -> np.ndarray:
    if labels is not None:
        return np.asarray(labels)
    for attr in ("targets", "labels"):
        value = getattr(data, attr, None)
        if value is not None and not callable(value):
            return np.asarray(value.tolist() if hasattr(value, "tolist") else value)
    # Neither: read each item once, keeping only its label.
    out = []
    for i in range(len(data)):
        item = data[i]
        if not (isinstance(item, tuple | list) and len(item) >= 2):
            raise InputError("data", "items (input, label), a 'targets' attribute or "
                             "labels=...", f"item 0 of type {type(item).__name__}")
        lab = item[1]
        out.append(lab.item() if hasattr(lab, "item") else lab)
    return np.asarray(out)


def _from_torch(data: Any, labels: Any, *, task: str | None, name: str | None) -> RunData:
    n = len(data)
    if n == 0:
        raise InputError("data", "a non-empty dataset", "0 items")
    y_raw = _torch_labels(data, labels)
    if y_raw.shape != (n,):
        raise InputError("labels", f"one label per item, shape ({n},)", f"shape {y_raw.shape}")
    y, kind, classes = _encode(y_raw, task, "labels")
    label = name or type(data).__name__
    ds = Dataset(np.zeros((n, 0), dtype=np.float32), y, kind,  # type: ignore[arg-type]
                 name=label, classes=classes,
                 metadata={"source": f"<{type(data).__module__}.{type(data).__qualname__}>",
                           "format": "torch", "lazy": True})
    # The content stays in the source: fingerprint what identifies it without reading it.
    h = hashlib.sha256()
    h.update(f"torch|{type(data).__module__}.{type(data).__qualname__}|{label}|{n}|".encode())
    h.update(np.ascontiguousarray(y).tobytes())
    object.__setattr__(ds, "_fingerprint", h.hexdigest()[:16])
    return RunData(ds, RowAccess(y=y, source=data))


def as_run_data(data: Any, *, label: str | None = None, labels: Any = None,
                task: str | None = None, name: str | None = None) -> RunData:
    """Turn what the user passed into a `RunData`.

    Parameters
    ----------
    data : Dataset, (X, y), DataFrame or torch Dataset
        ``X`` of shape (n, *s) or CSR (n, d) and ``y`` of shape (n,); a DataFrame with
        the column `label`; a map-style torch dataset of n items.
    label : str, optional
        Label column of a DataFrame.
    labels : array-like of shape (n,), optional
        Labels of a torch dataset without a ``targets`` attribute.
    task : {"classification", "regression"}, optional
        Inferred from the labels when None.
    name : str, optional
        Dataset name in the store.

    Returns
    -------
    RunData

    Raises
    ------
    InputError
        Anything else, or labels that do not match.
    """
    if isinstance(data, Dataset):
        for arg, value in (("label", label), ("labels", labels)):
            if value is not None:
                raise InputError(arg, "nothing with a Dataset (it has its labels)",
                                 repr(value))
        X = None if data.metadata.get("lazy") else data.X
        return RunData(data, RowAccess(y=data.y, X=X, frame=_feature_frame(data)))
    if type(data).__module__.split(".")[0] == "polars" and hasattr(data, "to_pandas"):
        data = data.to_pandas()
    if isinstance(data, pd.DataFrame):
        if labels is not None:
            raise InputError("labels", "nothing with a DataFrame (use label='column')",
                             "an array")
        from datacurve.data import load

        ds = load(data, label=label, task=task)
        if name:
            object.__setattr__(ds, "name", name)
        return RunData(ds, RowAccess(y=ds.y, X=ds.X, frame=_feature_frame(ds)))
    if isinstance(data, tuple | list) and len(data) == 2:
        ds = _from_arrays(data[0], data[1], task=task, name=name)
        return RunData(ds, RowAccess(y=ds.y, X=ds.X))
    if is_torch_dataset(data):
        return _from_torch(data, labels, task=task, name=name)
    raise InputError("data", _EXPECTED, type(data).__name__)
