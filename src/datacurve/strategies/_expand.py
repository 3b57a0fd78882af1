"""`expand`: a strategy's augmented or synthetic training set as a dataset version of its
own, to keep, audit, document or train on elsewhere.

`compare_strategies` prices a strategy by training on the set it makes inside every
trial; `expand` makes that set once for the whole dataset, with the same code
(`training_set` of the strategy's learner), and records it as a version whose parent is
the dataset (`datacurve.data.derive`): ``augment`` for augmented or noisy copies,
``synthetic`` for SMOTE / ADASYN / Gaussian-mixture samples.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from datacurve._errors import InputError
from datacurve.data import Dataset, derive
from datacurve.strategies._compare import STRATEGIES, _parse, check_data

__all__ = ["EXPANDING", "expand", "write_expanded"]

EXPANDING = {"augment": "augment", "noise": "augment", "smote": "synthetic",
             "adasyn": "synthetic", "generate": "synthetic"}
"""Strategies that make a training set of their own → the version's operation."""


def expand(dataset: Dataset, strategy: str, *, seed: int = 0) -> Dataset:
    """The dataset with the examples `strategy` adds, as a new recorded version.

    Parameters
    ----------
    dataset : Dataset
        In memory, dense features.
    strategy : str
        ``augment:OPS[,k=K]``, ``noise:k=K,sigma=S``, ``smote``, ``adasyn`` or
        ``generate:k=K``, as `compare_strategies` takes them.
    seed : int
        Seed of the random copies or samples.

    Returns
    -------
    Dataset
        The original rows first (same order and ids), then the added ones (ids
        ``added-0``, ``added-1``, ...); features only (the added rows have no raw table
        row), named ``<name>+<strategy>``; ``metadata["versions"]`` ends with its
        ``augment`` or ``synthetic`` record (rows added, the strategy and seed).

    Raises
    ------
    InputError
        A strategy that trains differently rather than adding rows (ensemble,
        selftrain, transfer), a lazily indexed or sparse dataset, or a strategy its
        learner refuses for this data (SMOTE on a regression task, copies of text).
    """
    try:
        name, options = _parse(strategy)
    except InputError as err:  # `_parse` names compare_strategies' `strategies`
        raise InputError("strategy", err.expected, err.got) from None
    if name not in EXPANDING:
        raise InputError("strategy", f"a strategy that adds examples ({', '.join(EXPANDING)})",
                         f"{strategy!r} (it changes how the model trains, not the data)")
    if dataset.is_lazy or dataset.is_sparse:
        raise InputError("data", "a dataset with dense features in memory to expand",
                         f"{dataset.name!r} ({'lazily indexed' if dataset.is_lazy else 'sparse'})")
    if name in ("smote", "adasyn") and dataset.task != "classification":
        raise InputError("strategy", f"a classification task for {name}",
                         f"{strategy!r} on a {dataset.task} task")
    try:
        check_data(strategy, name, options, dataset)
    except InputError as err:  # named for compare_strategies' `strategies`
        raise InputError("strategy", err.expected, err.got) from None
    if name in ("smote", "adasyn"):
        options = {**options, "method": name}
    learner = STRATEGIES[name][0](spec="", task=dataset.task, random_state=seed, **options)
    X_all, y_all = learner.training_set(np.asarray(dataset.X), dataset.y)
    added = len(y_all) - dataset.n
    ids = np.concatenate([np.asarray(dataset.ids, dtype=object),
                          np.array([f"added-{i}" for i in range(added)], dtype=object)])
    y_out = (np.asarray(y_all).astype(np.int64) if dataset.task == "classification"
             else np.asarray(y_all, dtype=np.float64))
    child = Dataset(
        X=np.asarray(X_all, dtype=np.float32), y=y_out, task=dataset.task,
        name=f"{dataset.name}+{name}", classes=dataset.classes,
        feature_names=dataset.feature_names, ids=ids,
        metadata={k: v for k, v in dataset.metadata.items()
                  if k in ("label", "source", "format")})
    return derive(dataset, child, EXPANDING[name],
                  params={"strategy": strategy, "seed": seed}, added=added)


def write_expanded(dataset: Dataset, out: str | Path) -> Path:
    """Write an expanded dataset: ``.csv`` / ``.parquet`` as a table (the feature columns,
    then the label; original rows first, added rows after), ``.npz`` as ``X``, ``y``
    (label values) and ``ids``. Written under a temporary name and renamed (never half a
    file).

    Raises
    ------
    InputError
        Naming ``out``: another ending, or a table asked of features that are not one row
        of numbers per example (use .npz).
    """
    path = Path(out)
    kind = path.suffix.lower()
    if kind not in (".csv", ".parquet", ".npz"):
        raise InputError("out", "a file ending in .csv, .parquet or .npz", f"'{path}'")
    X = np.asarray(dataset.X)
    y = (np.asarray(dataset.classes, dtype=object)[dataset.y]
         if dataset.classes is not None and dataset.task == "classification" else dataset.y)
    tmp = path.with_name(f".{path.name}.partial")
    if kind == ".npz":
        with tmp.open("wb") as fh:  # a file object: numpy adds no .npz ending
            np.savez_compressed(fh, X=X, y=np.asarray(y), ids=np.asarray(dataset.ids,
                                                                         dtype=str))
    else:
        if X.ndim != 2:
            raise InputError("out", "a .npz file for features of shape "
                             f"{tuple(X.shape[1:])} (a table holds one row of numbers per "
                             "example)", f"'{path}'")
        names = list(dataset.feature_names or [f"x{i}" for i in range(X.shape[1])])
        label = str(dataset.metadata.get("label") or "label")
        frame = pd.DataFrame(X, columns=names)
        frame[label if label not in names else f"{label}_label"] = y
        if kind == ".csv":
            frame.to_csv(tmp, index=False)
        else:
            frame.to_parquet(tmp, index=False)
    tmp.replace(path)
    return path
