"""Shared fixtures of the data-room tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

Snapshot = dict[str, tuple[bytes, int]]


@pytest.fixture(autouse=True)
def datacurve_cache(tmp_path_factory: pytest.TempPathFactory,
                   monkeypatch: pytest.MonkeyPatch) -> Path:
    """Keep generated data out of the real ~/.cache during tests."""
    cache = tmp_path_factory.mktemp("datacurve-cache")
    monkeypatch.setenv("DATACURVE_CACHE", str(cache))
    return cache


@pytest.fixture
def snapshot() -> Callable[[Path], Snapshot]:
    """Bytes and modification time of every file under a directory."""

    def take(root: Path) -> Snapshot:
        return {str(p.relative_to(root)): (p.read_bytes(), p.stat().st_mtime_ns)
                for p in sorted(root.rglob("*")) if p.is_file()}

    return take


@pytest.fixture
def make_images(tmp_path: Path) -> Callable[..., Path]:
    """Write an image folder ``root/<class>/<i>.png`` and return its root."""

    def make(classes: dict[str, int], *, mode: str = "L", size: tuple[int, int] = (12, 10),
             name: str = "images") -> Path:
        root = tmp_path / name
        rng = np.random.default_rng(0)
        for label, count in classes.items():
            folder = root / label
            folder.mkdir(parents=True)
            for i in range(count):
                shape = (size[0], size[1]) if mode == "L" else (size[0], size[1], 3)
                pixels = rng.integers(0, 256, size=shape, dtype=np.uint8)
                Image.fromarray(pixels).save(folder / f"{i}.png")
        return root

    return make
