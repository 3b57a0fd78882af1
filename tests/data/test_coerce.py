"""One way in: `as_dataset` is the coercion `load`, `run_curve` and `audit` share, so the
same arrays or table become the same dataset (and fingerprint) on every path."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from datacurve import InputError, as_dataset, audit, load
from datacurve.curves import plan_curve
from tests.conftest import scripted_dataset, scripted_spec


def _xy(n: int = 60) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, 3))
    return X, np.where(X[:, 0] > 0, "yes", "no")


def test_arrays_become_float32_features_and_encoded_labels() -> None:
    """(X, y) and X with y= give the same dataset: float32 features, class codes with
    the original labels in classes, the task inferred as `load` infers it."""
    X, y = _xy()
    a, b = as_dataset((X, y)), as_dataset(X, y)
    assert a.fingerprint == b.fingerprint and a.X.dtype == np.float32
    assert a.task == "classification" and list(a.classes) == ["no", "yes"]
    reg = as_dataset(X, X[:, 1] * 3.7)
    assert reg.task == "regression" and reg.y.dtype == np.float64
    sparse = as_dataset(sp.csr_matrix(X), y)
    assert sp.issparse(sparse.X) and sparse.X.dtype == np.float32


def test_run_curve_and_audit_read_the_same_dataset() -> None:
    """The same arrays planned for a learning curve and audited are one dataset: the
    audit's fingerprint is the run's, so an audit can inform the run's diagnosis."""
    X, y = _xy()
    design = plan_curve((X, y), [scripted_spec()], seeds=1, sizes=[20])
    report = audit(X, y, checks=["class_imbalance"])
    assert report.fingerprint == design.dataset.fingerprint
    assert report.meta["data"]["fingerprint"] == design.dataset.fingerprint


def test_a_dataframe_is_encoded_like_a_table_file(tmp_path) -> None:
    """A DataFrame with its label named, or with labels given, is the dataset `load`
    makes of the same table written as CSV."""
    X, y = _xy()
    df = pd.DataFrame(X, columns=["a", "b", "c"]).assign(label=y)
    df.to_csv(tmp_path / "t.csv", index=False)
    from_file = load(tmp_path / "t.csv", label="label")
    for ds in (as_dataset(df, label="label"), as_dataset(df, "label"),
               as_dataset(df.drop(columns="label"), y)):
        np.testing.assert_allclose(ds.X, from_file.X, rtol=1e-6)
        assert list(ds.classes) == list(from_file.classes)
    assert as_dataset(df, label="label", name="mine").name == "mine"


def test_a_dataset_passes_through_and_is_renamed_without_setattr() -> None:
    """A Dataset comes back as it is; a new name gives a renamed copy (the original is
    unchanged)."""
    ds = scripted_dataset(50)
    assert as_dataset(ds) is ds
    renamed = as_dataset(ds, name="other")
    assert renamed.name == "other" and ds.name == "scripted50"
    assert renamed.fingerprint == ds.fingerprint


def test_a_torch_dataset_stays_lazy() -> None:
    """A map-style torch dataset is never read for its features: features of shape
    (n, 0), the source in items, labels from `targets`, a fingerprint of its identity
    and labels; subsetting it is refused."""
    import torch

    class Items(torch.utils.data.Dataset):  # type: ignore[type-arg]
        def __init__(self) -> None:
            self.targets = [0, 1] * 10
            self.reads = 0

        def __len__(self) -> int:
            return 20

        def __getitem__(self, i: int) -> tuple[torch.Tensor, int]:
            self.reads += 1
            return torch.zeros(3), self.targets[i]

    items = Items()
    ds = as_dataset(items, name="lazy")
    assert ds.is_lazy and ds.items is items and ds.X.shape == (20, 0)
    assert items.reads == 0 and ds.n_classes == 2
    again = as_dataset(Items(), name="lazy")
    assert again.fingerprint == ds.fingerprint
    other_labels = Items()
    other_labels.targets = [1, 0] * 10
    assert as_dataset(other_labels, name="lazy").fingerprint != ds.fingerprint
    with pytest.raises(InputError):
        ds.subset(np.arange(5))
    with pytest.raises(dataclasses.FrozenInstanceError):
        ds.name = "x"  # type: ignore[misc]


@pytest.mark.parametrize(("args", "kwargs", "name"), [
    ((np.zeros((0, 3)), np.zeros(0)), {}, "X"),
    ((np.zeros((4, 3)), np.zeros(5)), {}, "y"),
    ((np.array([["a", "b"], ["c", "d"]]), np.array([0, 1])), {}, "X"),
    ((np.zeros((4, 3)), np.array([0, 1, np.nan, 1])), {}, "y"),
    ((pd.DataFrame({"t": ["a", "b"]}), np.array([0, 1, 1])), {}, "y"),
    (([1, 2, 3],), {}, "data"),
    ((np.zeros((4, 3)), np.array([0, 1, 0, 1])), {"label": "y"}, "label"),
    ((scripted_dataset(30), np.zeros(30)), {}, "y"),
])
def test_bad_input_names_the_input(args: tuple, kwargs: dict, name: str) -> None:
    """Empty or non-numeric features, labels that do not match, missing labels, a label
    column for arrays, labels for a Dataset: InputError naming the input."""
    with pytest.raises(InputError) as info:
        as_dataset(*args, **kwargs)
    assert info.value.name == name
