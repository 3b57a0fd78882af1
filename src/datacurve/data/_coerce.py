"""One way in: whatever a user hands datacurve becomes a `Dataset` here.

`as_dataset` is the single coercion behind `load` (DataFrames), `run_curve` and `audit`:

* a `Dataset` passes through (renamed when `name` is given);
* arrays ``(X, y)`` (or ``X`` with ``y=``): dense features become float32 of shape
  (n, *s), sparse ones CSR float32; labels are encoded as `load` encodes a label column
  (the task inferred the same way);
* a pandas or polars DataFrame, its label named by ``label=`` (or by ``y`` as a column
  name), or given as ``y`` values, one per row: encoded by `load`, the table kept;
* a map-style ``torch.utils.data.Dataset`` of ``(input, label)`` items: never
  materialised. Its labels come from a ``targets`` or ``labels`` attribute (torchvision's
  convention) or ``labels=``, and only when neither exists are the items read once for
  their labels. The dataset keeps the source in `Dataset.items`, features of shape (n, 0),
  and a fingerprint of what identifies the source without reading it.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from datacurve._errors import InputError
from datacurve.data._dataset import Dataset
from datacurve.data._loaders import _encode_labels, load

__all__ = ["as_dataset", "is_torch_dataset"]

_EXPECTED = ("a datacurve Dataset, arrays (X, y), a pandas or polars DataFrame with a "
             "label column, or a map-style torch.utils.data.Dataset")


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


def as_dataset(data: Any, y: Any = None, *, label: str | None = None, labels: Any = None,
               task: str | None = None, name: str | None = None) -> Dataset:
    """Turn what the user passed into a `Dataset`.

    Parameters
    ----------
    data : Dataset, array of shape (n, *s), CSR matrix, (X, y), DataFrame or torch Dataset
        The data; see the module docstring for what each becomes.
    y : array of shape (n,) or str, optional
        Labels of array or DataFrame features, or (DataFrame) the label column's name.
    label : str, optional
        Label column of a DataFrame.
    labels : array-like of shape (n,), optional
        Labels of a torch dataset without a ``targets`` attribute.
    task : {"classification", "regression"}, optional
        Inferred from the labels when None (as `load` infers it).
    name : str, optional
        The dataset's name (default: ``"arrays"``, ``"dataframe"`` or the torch
        dataset's class name).

    Returns
    -------
    Dataset
        Features, labels, task and fingerprint; the table kept for a DataFrame, the
        source kept (`Dataset.items`) for a torch dataset.

    Raises
    ------
    InputError
        Naming ``data``, ``X``, ``y``, ``label`` or ``labels``: anything else, empty or
        non-numeric features, labels that do not match the rows, missing labels, one
        class.

    Examples
    --------
    >>> import numpy as np
    >>> ds = as_dataset(np.eye(4), ["a", "b", "a", "b"])
    >>> ds.task, ds.n_classes, ds.X.dtype
    ('classification', 2, dtype('float32'))
    """
    if isinstance(data, Dataset):
        for arg, value in (("y", y), ("label", label), ("labels", labels)):
            if value is not None:
                raise InputError(arg, "nothing with a Dataset (it holds its labels)",
                                 _short(value))
        if name and name != data.name:
            return dataclasses.replace(data, name=name)
        return data
    if type(data).__module__.split(".")[0] == "polars" and hasattr(data, "to_pandas"):
        data = data.to_pandas()
    if isinstance(data, pd.DataFrame):
        return _from_frame(data, y, label=label, labels=labels, task=task, name=name)
    if label is not None:
        raise InputError("label", "a column name only with a DataFrame", repr(label))
    if is_torch_dataset(data):
        if y is not None:
            raise InputError("y", "nothing with a torch dataset (use labels=...)",
                             _short(y))
        return _from_torch(data, labels, task=task, name=name)
    if labels is not None:
        raise InputError("labels", "labels only with a torch dataset (use y=...)",
                         _short(labels))
    if y is None:
        if isinstance(data, tuple | list) and len(data) == 2:
            data, y = data
        else:
            raise InputError("data", _EXPECTED, type(data).__name__)
    return _from_arrays(data, y, task=task, name=name)


def _short(value: Any) -> str:
    return f"{type(value).__name__} {value!r:.40}"


def _from_frame(frame: pd.DataFrame, y: Any, *, label: str | None, labels: Any,
                task: str | None, name: str | None) -> Dataset:
    if labels is not None:
        raise InputError("labels", "nothing with a DataFrame (use label='column')",
                         _short(labels))
    if isinstance(y, str):
        if label is not None and label != y:
            raise InputError("y", f"the label column once (label={label!r} given)", repr(y))
        label, y = y, None
    if y is not None:
        if label is not None:
            raise InputError("label", "a column name or labels y, not both", repr(label))
        values = np.asarray(y).ravel()
        if values.size != len(frame):
            raise InputError("y", f"{len(frame)} labels (one per row of the table)",
                             f"{values.size} labels")
        label = "label" if "label" not in frame.columns else "__label__"
        frame = frame.assign(**{label: values})
    return load(frame.reset_index(drop=True), label=label, task=task,
                name=name or "dataframe")


def _from_arrays(X: Any, y: Any, *, task: str | None, name: str | None) -> Dataset:
    if sp.issparse(X):
        X = sp.csr_matrix(X, dtype=np.float32)
    else:
        raw = np.asarray(X)
        if raw.dtype.kind not in "biuf":
            raise InputError("X", "numeric features (encode text or categories first, or "
                             "pass a DataFrame)", f"values of dtype {raw.dtype}")
        X = np.ascontiguousarray(raw, dtype=np.float32)
        if X.ndim < 2:
            raise InputError("X", "an array of shape (n, d) or (n, *s)", f"shape {X.shape}")
    n = X.shape[0]
    if n == 0:
        raise InputError("X", "at least one example", "an empty array")
    y_arr = np.asarray(y)
    if y_arr.ndim != 1 or y_arr.shape[0] != n:
        raise InputError("y", f"{n} labels, shape ({n},), one per row of X",
                         f"shape {y_arr.shape}")
    enc = _encode_labels(pd.Series(y_arr), name="y", where="'y'", task=task)
    return Dataset(X, enc.y, enc.task, name=name or "arrays", classes=enc.classes,
                   metadata={"source": "<arrays>", "format": "arrays",
                             "task_inferred": enc.inferred})


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
                             "labels=...", f"item {i} of type {type(item).__name__}")
        lab = item[1]
        out.append(lab.item() if hasattr(lab, "item") else lab)
    return np.asarray(out)


def _from_torch(data: Any, labels: Any, *, task: str | None, name: str | None) -> Dataset:
    n = len(data)
    if n == 0:
        raise InputError("data", "a non-empty dataset", "0 items")
    y_raw = _torch_labels(data, labels)
    if y_raw.shape != (n,):
        raise InputError("labels", f"one label per item, shape ({n},)", f"shape {y_raw.shape}")
    enc = _encode_labels(pd.Series(y_raw), name="labels", where="'labels'", task=task)
    cls = f"{type(data).__module__}.{type(data).__qualname__}"
    label = name or type(data).__name__
    # The content stays in the source: the fingerprint covers what identifies it
    # without reading it (its class, name and length, and the labels).
    return Dataset(np.zeros((n, 0), dtype=np.float32), enc.y, enc.task, name=label,
                   classes=enc.classes, items=data,
                   metadata={"source": f"<{cls}>", "format": "torch", "lazy": True,
                             "identity": f"torch|{cls}|{label}|{n}"})
