"""`expand`: a strategy's augmented or synthetic training set as a dataset version of its
own, to keep, audit, document or train on elsewhere.

`compare_strategies` prices a strategy by training on the set it makes inside every
trial; `expand` makes that set once for the whole dataset, with the same code
(`training_set` of the strategy's learner), and records it as a version whose parent is
the dataset (`datacurve.data.derive`): ``augment`` for augmented or noisy copies,
``synthetic`` for SMOTE / ADASYN / Gaussian-mixture samples.
"""

from __future__ import annotations

import numpy as np

from datacurve._errors import InputError
from datacurve.data import Dataset, derive
from datacurve.strategies._compare import STRATEGIES, _parse

__all__ = ["EXPANDING", "expand"]

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
    name, options = _parse(strategy)
    if name not in EXPANDING:
        raise InputError("strategy", f"a strategy that adds examples ({', '.join(EXPANDING)})",
                         f"{strategy!r} (it changes how the model trains, not the data)")
    if dataset.is_lazy or dataset.is_sparse:
        raise InputError("data", "a dataset with dense features in memory to expand",
                         f"{dataset.name!r} ({'lazily indexed' if dataset.is_lazy else 'sparse'})")
    if name in ("smote", "adasyn") and dataset.task != "classification":
        raise InputError("strategy", f"a classification task for {name}",
                         f"{strategy!r} on a {dataset.task} task")
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
