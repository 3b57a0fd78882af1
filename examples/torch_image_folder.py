"""A PyTorch image model on an image folder: how much more data does it need?

The folder holds one sub-folder per class (``root/cat/001.png``...), as torchvision's
`ImageFolder` expects. The dataset below is a plain map-style ``torch.utils.data.Dataset``
that opens an image only when a trial asks for it, so the folder never has to fit in
memory: datacurve reads just the rows each trial trains and evaluates on. The labels come
from the ``targets`` attribute, so listing the folder is all that happens up front.

Without ``--data``, a small folder of generated shapes (discs, squares, crosses with
noise) is written to a temporary directory first.

Usage: python examples/torch_image_folder.py [--data DIR] [--sizes 32,64,128,256]
                                              [--widths 4,16] [--seeds 2] [--epochs 15]
                                              [--store images.sqlite]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from torch import nn

from datacurve import TorchLearner, run_curve

SIZE = 24


class ImageFolderData(torch.utils.data.Dataset):  # type: ignore[type-arg]
    """``root/<class>/<image>`` read lazily: (tensor of shape (1, SIZE, SIZE), class)."""

    def __init__(self, root: Path) -> None:
        self.classes = sorted(p.name for p in root.iterdir() if p.is_dir())
        self.files: list[Path] = []
        self.targets: list[int] = []
        for code, name in enumerate(self.classes):
            for f in sorted((root / name).glob("*.png")):
                self.files.append(f)
                self.targets.append(code)

    def __len__(self) -> int:
        return len(self.files)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, int]:
        with Image.open(self.files[i]) as im:
            pixels = np.asarray(im.convert("L").resize((SIZE, SIZE)), dtype=np.float32)
        return torch.from_numpy(pixels / 255.0)[None], self.targets[i]


def make_cnn(width: int = 16, n_classes: int = 3) -> nn.Module:
    """A small CNN; `width` channels in the first block, twice that in the second."""
    return nn.Sequential(
        nn.Conv2d(1, width, 3, padding=1), nn.BatchNorm2d(width), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(width, 2 * width, 3, padding=1), nn.BatchNorm2d(2 * width), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(2 * width, n_classes))


def write_shapes(root: Path, per_class: int = 200, seed: int = 0) -> Path:
    """A folder of noisy discs, squares and crosses at random places and sizes."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:SIZE, :SIZE]
    for name in ("disc", "square", "cross"):
        (root / name).mkdir(parents=True, exist_ok=True)
        for j in range(per_class):
            cy, cx = rng.uniform(7, SIZE - 7, size=2)
            r = rng.uniform(3, 6)
            if name == "disc":
                mask = (yy - cy) ** 2 + (xx - cx) ** 2 <= r**2
            elif name == "square":
                mask = (np.abs(yy - cy) <= r * 0.8) & (np.abs(xx - cx) <= r * 0.8)
            else:
                mask = ((np.abs(yy - cy) <= 1.2) | (np.abs(xx - cx) <= 1.2)) & (
                    np.abs(yy - cy) <= r) & (np.abs(xx - cx) <= r)
            img = np.clip(mask * 0.8 + rng.normal(0.1, 0.25, size=mask.shape), 0, 1)
            Image.fromarray((img * 255).astype(np.uint8)).save(root / name / f"{j:04d}.png")
    return root


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=None)
    parser.add_argument("--sizes", default="32,64,128,256")
    parser.add_argument("--widths", default="4,16")
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--per-class", type=int, default=200,
                        help="images per class of the generated folder")
    parser.add_argument("--store", default="images.sqlite")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        root = args.data or write_shapes(Path(tmp) / "shapes", args.per_class)
        data = ImageFolderData(root)
        n_classes = len(data.classes)

        def build(width: int = 16) -> nn.Module:
            return make_cnn(width, n_classes)

        learner = TorchLearner(build, epochs=args.epochs, batch_size=32, lr=3e-3, name="cnn")
        run = run_curve(data, learner, sweep={"width": [int(w) for w in args.widths.split(",")]},
                        sizes=[int(s) for s in args.sizes.split(",")], seeds=args.seeds,
                        store=args.store, name=root.name)
    print(run.summary()[["model", "n", "params", "val_mean", "val_std", "train_mean"]]
          .to_string(index=False))
    if run.failed:
        print(run.describe_failures())
    models = sorted(run.design.models)
    print(run.diagnose(models[0]).summary())


if __name__ == "__main__":
    main()
