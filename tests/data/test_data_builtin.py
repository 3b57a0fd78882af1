"""Tests of the built-in datasets and of `builtin` spec parsing."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from datacurve._errors import InputError
from datacurve.data import (
    BUILTIN_NAMES,
    builtin,
    is_builtin,
    load_digits_dataset,
    make_mnist1d,
    make_synthetic,
)
from datacurve.data._builtin import class_counts_for


# -- digits ------------------------------------------------------------------------------
def test_digits_are_gray_8x8_images() -> None:
    """digits gives (1797, 1, 8, 8) float32 in [0, 1] with classes 0..9."""
    ds = load_digits_dataset()
    assert ds.X.shape == (1797, 1, 8, 8) and ds.X.dtype == np.float32
    assert ds.X.min() == 0.0 and ds.X.max() == 1.0
    assert ds.classes is not None and list(ds.classes) == list(range(10))
    assert ds.y.dtype == np.int64


# -- mnist1d -----------------------------------------------------------------------------
def test_mnist1d_shape_and_classes() -> None:
    """mnist1d gives exactly n sequences of length 40 over ten balanced classes."""
    ds = make_mnist1d(n_samples=505, seed=1)
    assert ds.X.shape == (505, 40) and ds.X.dtype == np.float32
    assert ds.classes is not None and list(ds.classes) == list(range(10))
    assert ds.class_counts().min() >= 45


def test_mnist1d_is_deterministic_with_or_without_cache(datacurve_cache: Path) -> None:
    """The same parameters give the same data, from the cache or regenerated."""
    first = make_mnist1d(n_samples=500, seed=3)
    assert len(list(datacurve_cache.glob("mnist1d-*.npz"))) == 1
    cached = make_mnist1d(n_samples=500, seed=3)
    for path in datacurve_cache.glob("*.npz"):
        path.unlink()
    regenerated = make_mnist1d(n_samples=500, seed=3)
    assert first.fingerprint == cached.fingerprint == regenerated.fingerprint


def test_mnist1d_seed_changes_the_data() -> None:
    """Different seeds give different datasets."""
    assert make_mnist1d(500, seed=1).fingerprint != make_mnist1d(500, seed=2).fingerprint


def test_mnist1d_leaves_global_random_state_alone() -> None:
    """Generating mnist1d does not change numpy's or Python's global random streams."""
    np.random.seed(123)  # noqa: NPY002 - the global state is what is under test
    random.seed(456)
    make_mnist1d(n_samples=500, seed=7)
    after = (np.random.random(3), random.random())  # noqa: NPY002
    np.random.seed(123)  # noqa: NPY002
    random.seed(456)
    expected = (np.random.random(3), random.random())  # noqa: NPY002
    assert np.array_equal(after[0], expected[0]) and after[1] == expected[1]


def test_mnist1d_regenerates_a_corrupt_cache(datacurve_cache: Path) -> None:
    """A damaged cache file is replaced by freshly generated data."""
    good = make_mnist1d(n_samples=500, seed=4)
    (path,) = datacurve_cache.glob("mnist1d-*.npz")
    path.write_bytes(b"garbage")
    again = make_mnist1d(n_samples=500, seed=4)
    assert again.fingerprint == good.fingerprint
    assert path.read_bytes()[:2] == b"PK"  # rewritten as a real archive


def test_mnist1d_rejects_too_few_samples() -> None:
    """Fewer than ten samples (one per class) is an input error."""
    with pytest.raises(InputError) as info:
        make_mnist1d(n_samples=5)
    assert info.value.name == "n_samples"


# -- synthetic ---------------------------------------------------------------------------
def test_synthetic_shape_and_determinism() -> None:
    """synthetic gives float32 (n, d) features, reproducible from the seed."""
    a = make_synthetic(n_samples=300, n_classes=4, n_features=7, seed=5)
    b = make_synthetic(n_samples=300, n_classes=4, n_features=7, seed=5)
    c = make_synthetic(n_samples=300, n_classes=4, n_features=7, seed=6)
    assert a.X.shape == (300, 7) and a.X.dtype == np.float32
    assert a.fingerprint == b.fingerprint != c.fingerprint


def test_synthetic_label_noise_is_planted_exactly() -> None:
    """Exactly round(noise·n) labels differ from the truth, at the recorded indices."""
    ds = make_synthetic(n_samples=1000, n_classes=3, label_noise=0.2, seed=1)
    noisy = np.asarray(ds.metadata["noisy_indices"])
    true = np.asarray(ds.metadata["true_labels"])
    assert len(noisy) == 200
    assert np.array_equal(np.flatnonzero(ds.y != true), noisy)


def test_synthetic_imbalance_is_geometric() -> None:
    """imbalance=0.5 halves each class's share: 8:4:2:1 for 1500 samples."""
    ds = make_synthetic(n_samples=1500, n_classes=4, imbalance=0.5)
    assert ds.class_counts().tolist() == [800, 400, 200, 100]


def test_synthetic_class_sep_controls_difficulty() -> None:
    """Well-separated classes are nearly perfectly classified by the nearest true mean."""
    ds = make_synthetic(n_samples=600, n_classes=3, n_features=5, class_sep=4.0, seed=2)
    centroids = np.stack([ds.X[ds.y == c].mean(axis=0) for c in range(3)])
    nearest = np.argmin(((ds.X[:, None, :] - centroids[None]) ** 2).sum(-1), axis=1)
    assert (nearest == ds.y).mean() > 0.99


def test_synthetic_does_not_touch_global_numpy_state() -> None:
    """The generator is local: numpy's global random stream is unchanged."""
    np.random.seed(0)  # noqa: NPY002 - the global state is what is under test
    make_synthetic(n_samples=100)
    after = np.random.random(3)  # noqa: NPY002
    np.random.seed(0)  # noqa: NPY002
    assert np.array_equal(after, np.random.random(3))  # noqa: NPY002


@settings(max_examples=60, deadline=None)
@given(n=st.integers(2, 3000), k=st.integers(2, 12), imbalance=st.floats(0.0, 0.95))
def test_class_counts_follow_the_geometric_shares(n: int, k: int, imbalance: float) -> None:
    """Counts sum to n, give every class ≥ 1 and are within one of the planted share."""
    if n < k:
        n = k
    counts = class_counts_for(n, k, imbalance)
    share = (1 - imbalance) ** np.arange(k)
    expected = n * share / share.sum()
    assert counts.sum() == n and counts.min() >= 1
    # Rounding moves at most one example, plus the ones lent to classes rounded to zero.
    lent = int((np.floor(expected) == 0).sum())
    assert np.abs(counts - expected).max() <= 1 + lent


@settings(max_examples=25, deadline=None)
@given(n=st.integers(3, 400), noise=st.floats(0.0, 1.0), seed=st.integers(0, 2**16))
def test_synthetic_noise_rate_matches(n: int, noise: float, seed: int) -> None:
    """Every planted noise rate flips exactly round(noise·n) labels to another class."""
    ds = make_synthetic(n_samples=n, n_classes=3, n_features=2, label_noise=noise, seed=seed)
    flipped = ds.y != np.asarray(ds.metadata["true_labels"])
    assert flipped.sum() == round(noise * n) == len(ds.metadata["noisy_indices"])


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"n_samples": 2, "n_classes": 3}, "n_samples"),
        ({"n_classes": 1}, "n_classes"),
        ({"label_noise": 1.5}, "label_noise"),
        ({"imbalance": 1.0}, "imbalance"),
        ({"class_sep": -1.0}, "class_sep"),
        ({"n_features": 0}, "n_features"),
    ],
)
def test_synthetic_rejects_bad_parameters(kwargs: dict[str, float], name: str) -> None:
    """Out-of-range generator parameters raise an error naming the parameter."""
    with pytest.raises(InputError) as info:
        make_synthetic(**kwargs)
    assert info.value.name == name


# -- specs ---------------------------------------------------------------------------------
def test_builtin_spec_parameters_reach_the_generator() -> None:
    """All synthetic spec parameters are parsed and applied."""
    ds = builtin("synthetic:n=500,classes=4,noise=0.2,imbalance=0.5,features=10,sep=1.5,seed=3")
    assert ds.X.shape == (500, 10) and ds.n_classes == 4
    assert ds.metadata["params"] == {"n_samples": 500, "n_classes": 4, "n_features": 10,
                                     "class_sep": 1.5, "label_noise": 0.2, "imbalance": 0.5,
                                     "seed": 3}
    assert len(ds.metadata["noisy_indices"]) == 100


def test_builtin_mnist1d_spec() -> None:
    """mnist1d:n=...,seed=... equals the direct call."""
    assert builtin("mnist1d:n=500,seed=1") == make_mnist1d(500, seed=1)


def test_builtin_unknown_name_lists_builtins() -> None:
    """An unknown name lists the built-ins."""
    with pytest.raises(InputError, match=r"digits, mnist1d, synthetic") as info:
        builtin("cifar")
    assert "'cifar'" in info.value.got


def test_builtin_unknown_parameter_lists_accepted_ones() -> None:
    """An unknown parameter is named together with the accepted ones."""
    with pytest.raises(InputError) as info:
        builtin("mnist1d:samples=100")
    assert "'samples'" in info.value.name and "n, seed" in info.value.expected


@pytest.mark.parametrize("spec", ["synthetic:n=abc", "synthetic:n", "synthetic:n=1.5"])
def test_builtin_malformed_parameter(spec: str) -> None:
    """A parameter without a value or with an unparsable one names the parameter."""
    with pytest.raises(InputError) as info:
        builtin(spec)
    assert info.value.name == "synthetic parameter 'n'"


def test_builtin_range_errors_use_spec_names() -> None:
    """An out-of-range value is reported under its spec name (noise, not label_noise)."""
    with pytest.raises(InputError) as info:
        builtin("synthetic:noise=1.5")
    assert info.value.name == "synthetic parameter 'noise'"


def test_is_builtin() -> None:
    """is_builtin recognises names with or without parameters and nothing else."""
    assert set(BUILTIN_NAMES) == {"digits", "mnist1d", "synthetic", "topics"}
    assert is_builtin("digits") and is_builtin("Synthetic:n=10")
    assert not is_builtin("data.csv") and not is_builtin("digits.csv")
    assert not is_builtin(Path("digits"))


def test_topics_is_a_deterministic_text_task() -> None:
    """The generated text task: 4 topics, a text column, TF-IDF features, the same
    sentences for the same seed and other ones for another."""
    a, b = builtin("topics:n=200,seed=3"), builtin("topics:n=200,seed=3")
    assert a.modality == "text" and a.n_classes == 4 and a.X.shape[0] == 200
    assert a.fingerprint == b.fingerprint != builtin("topics:n=200,seed=4").fingerprint
    words = " ".join(a.raw["text"]).split()
    assert {"team", "squad"} & set(words) and len(set(words)) > 60


def test_mnist1d_subsets_and_settings() -> None:
    """classes= keeps some digits (a task of its own); settings change the generator."""
    five = builtin("mnist1d:n=300,classes=5-9,seed=1")
    assert five.n_classes == 5 and list(five.classes) == [5, 6, 7, 8, 9]
    assert len(five.y) == 300 and set(np.unique(five.y)) == set(range(5))
    noisy = builtin("mnist1d:n=300,noise=0.5,seed=1")
    assert noisy.fingerprint != builtin("mnist1d:n=300,seed=1").fingerprint
    with pytest.raises(InputError, match="classes"):
        builtin("mnist1d:n=300,classes=3")
    with pytest.raises(InputError, match="noise"):
        builtin("mnist1d:n=300,noise=5")
