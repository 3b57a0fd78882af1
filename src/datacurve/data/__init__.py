"""The data room: load user data and make built-in datasets as `Dataset` values.

Examples
--------
>>> from datacurve.data import builtin
>>> ds = builtin("synthetic:n=300,classes=3,noise=0.1,seed=1")
>>> ds.n, ds.n_classes, len(ds.metadata["noisy_indices"])
(300, 3, 30)
"""

from __future__ import annotations

from datacurve.data._builtin import (
    BUILTIN_NAMES,
    builtin,
    is_builtin,
    load_digits_dataset,
    make_mnist1d,
    make_synthetic,
    make_topics,
)
from datacurve.data._coerce import as_dataset, is_torch_dataset
from datacurve.data._dataset import EVAL_NAMES, Dataset, Task, evaluation_mask, fingerprint_arrays
from datacurve.data._loaders import (
    CLASSIFICATION_MAX_DISTINCT,
    ImageFolderItems,
    ParquetRows,
    load,
    load_data,
)
from datacurve.data._pool import LabelPool, canonical_label, load_pool, read_table
from datacurve.data._versions import (
    OPERATIONS,
    derive,
    file_digest,
    source_record,
    version_chain,
    version_record,
)

__all__ = [
    "BUILTIN_NAMES",
    "CLASSIFICATION_MAX_DISTINCT",
    "EVAL_NAMES",
    "OPERATIONS",
    "Dataset",
    "ImageFolderItems",
    "LabelPool",
    "ParquetRows",
    "Task",
    "as_dataset",
    "builtin",
    "canonical_label",
    "derive",
    "evaluation_mask",
    "file_digest",
    "fingerprint_arrays",
    "is_builtin",
    "is_torch_dataset",
    "load",
    "load_data",
    "load_digits_dataset",
    "load_pool",
    "make_mnist1d",
    "make_synthetic",
    "make_topics",
    "read_table",
    "source_record",
    "version_chain",
    "version_record",
]
