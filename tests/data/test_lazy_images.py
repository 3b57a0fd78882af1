"""Image folders loaded lazily: nothing decoded up front but a small probe, items equal
the eager loader's pixels, and a learning curve decodes only the rows its trials use."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from datacurve._errors import InputError
from datacurve.curves import run_curve
from datacurve.data import ImageFolderItems, _loaders, load


def test_items_equal_the_eager_pixels(make_images: Callable[..., Path]) -> None:
    root = make_images({"a": 6, "b": 5}, mode="RGB")
    eager = load(root, image_size=(8, 8))
    lazy = load(root, image_size=(8, 8), lazy=True)
    assert lazy.is_lazy and isinstance(lazy.items, ImageFolderItems)
    assert len(lazy.items) == eager.n == 11
    assert np.array_equal(lazy.y, eager.y) and list(lazy.ids) == list(eager.ids)
    assert list(lazy.classes) == ["a", "b"]
    for i in (0, 5, 10):
        pixels, label = lazy.items[i]
        assert pixels.shape == (3, 8, 8) and label == eager.y[i]
        np.testing.assert_allclose(pixels, eager.X[i], atol=1e-6)
    # Gray folders get one channel, as eagerly.
    gray = load(make_images({"x": 3, "y": 3}, name="gray"), image_size=(8, 8), lazy=True)
    assert gray.items[0][0].shape == (1, 8, 8) and gray.metadata["channels"] == 1


def test_fingerprint_follows_the_files(make_images: Callable[..., Path]) -> None:
    """Same files, same fingerprint; an image added changes it (no image is read)."""
    root = make_images({"a": 4, "b": 4})
    first = load(root, lazy=True).fingerprint
    assert load(root, lazy=True).fingerprint == first
    (root / "a" / "0.png").rename(root / "a" / "renamed.png")
    assert load(root, lazy=True).fingerprint != first


def test_a_curve_decodes_only_what_its_trials_use(make_images: Callable[..., Path],
                                                  monkeypatch: pytest.MonkeyPatch,
                                                  tmp_path: Path) -> None:
    """200 images, one trial of 16 with a 20 % evaluation set: at most the 16 training
    rows, the 40 evaluation rows and the channel probe are decoded, far fewer than 200."""
    root = make_images({"a": 100, "b": 100})
    decoded: list[Path] = []
    real = _loaders._decode_image

    def counting(path: Path, size: tuple[int, int], target: str | None) -> object:
        decoded.append(path)
        return real(path, size, target)

    monkeypatch.setattr(_loaders, "_decode_image", counting)
    ds = load(root, image_size=(12, 10), lazy=True)
    probe = len(decoded)
    assert probe <= 32
    run = run_curve(ds, ["cnn:width=4,max_epochs=2"], sizes=[16], seeds=1, eval_folds=1,
                    store=tmp_path / "s.sqlite", progress=False)
    assert run.failed == 0, run.describe_failures()
    used = {p for p in decoded[probe:]}
    assert len(used) <= 16 + 40
    assert len(used) < 200


def test_a_corrupt_image_fails_only_its_trial(make_images: Callable[..., Path],
                                              tmp_path: Path) -> None:
    """A lazy folder does not read every file up front: an unreadable image is found when
    a trial uses it, and that trial is recorded as failed, naming the file."""
    root = make_images({"a": 30, "b": 30})
    bad = root / "b" / "7.png"
    bad.write_bytes(b"not an image")
    ds = load(root, image_size=(8, 8), grayscale=True, lazy=True)
    run = run_curve(ds, ["cnn:width=4,max_epochs=1"], sizes=[48], seeds=1, eval_folds=1,
                    store=tmp_path / "s.sqlite", progress=False)
    errors = " ".join(run.errors.values())
    assert run.failed == 1 and "7.png" in errors


def test_lazy_refused_for_tables(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("x,y\n1,0\n2,1\n3,0\n4,1\n")
    with pytest.raises(InputError) as err:
        load(path, label="y", lazy=True)
    assert err.value.name == "lazy"
