"""Data augmentation on the fly: every epoch each training example is transformed afresh
inside the torch learners' loop (never a fixed pile of copies), with its own random
parameters.

An augmentation is written as operations joined by ``+``, each ``name`` or
``name=value``: ``"shift=0.1+noise=0.05"``, ``"flip+crop=0.8+rotate=10"``,
``"mixup=0.2"``. `AUGMENTATIONS` lists the operations, the modalities each suits and
what its value means. They act on a batch of standardised examples (the learners
standardise before training, so 0 is the training mean and noise is in standard
deviations), in the order written; mixup always comes last, since it mixes the labels.

Why hand-written on torch primitives rather than torchvision's transforms v2: v2 draws
one set of random parameters per call, so per-example randomness on a batch tensor
needs a Python call per example, and its colour transforms assume images in [0, 1] and
clamp to it, while the learners' tensors are standardised. Here one
`torch.nn.functional.affine_grid` + `grid_sample` call does flips, rotations,
translations and random resized crops for a whole batch, each example with its own
affine map, on the learner's device; signal shifts and stretches are one `gather`.

Notation: b examples in a batch, d features per example, ``shape`` the example shape
(d = prod(shape)); signals are transformed along their last axis, images along the last
two.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import torch
import torch.nn.functional as F

from datacurve._errors import InputError, did_you_mean

__all__ = ["AUGMENTATIONS", "MODALITY_KINDS", "Augmentation", "parse_augmentation"]


@dataclass(frozen=True)
class _Op:
    """One operation: the modalities it suits, its default value, the open/closed range
    of its value, and what the value means."""

    modalities: tuple[str, ...]
    default: float
    low: float
    high: float
    what: str
    low_open: bool = True


AUGMENTATIONS: Mapping[str, _Op] = MappingProxyType({
    "shift": _Op(("signal",), 0.125, 0.0, 1.0,
                 "circular shift by up to this fraction of the length"),
    "pad_shift": _Op(("signal",), 0.125, 0.0, 1.0,
                     "shift by up to this fraction of the length, padding with the mean"),
    "stretch": _Op(("signal",), 0.1, 0.0, 1.0,
                   "time scaling by a factor in [1 - s, 1 + s] about the centre"),
    "gain": _Op(("signal", "image"), 0.1, 0.0, 1.0,
                "amplitude scaling by a factor in [1 - s, 1 + s] about the mean"),
    "noise": _Op(("signal", "image", "table"), 0.1, 0.0, math.inf,
                 "Gaussian noise of this many standard deviations"),
    "mixup": _Op(("signal", "image", "table", "text"), 0.2, 0.0, math.inf,
                 "mixup: pairs mixed with a Beta(a, a) weight, labels mixed alike"),
    "flip": _Op(("image",), 0.5, 0.0, 1.0, "horizontal flip with this probability",
                low_open=True),
    "crop": _Op(("image",), 0.8, 0.0, 1.0,
                "random resized crop keeping at least this share of the area"),
    "rotate": _Op(("image",), 10.0, 0.0, 180.0, "rotation by up to this many degrees"),
    "translate": _Op(("image",), 0.1, 0.0, 1.0,
                     "translation by up to this fraction of the width and height"),
    "jitter": _Op(("image",), 0.2, 0.0, 1.0,
                  "contrast in [1 - j, 1 + j] and brightness shift of up to j std"),
    "token_dropout": _Op(("text",), 0.1, 0.0, 1.0,
                         "each present token (non-zero count) dropped with this probability"),
})
"""Augmentation operations: name -> modalities, default value, value range and meaning."""

MODALITY_KINDS: Mapping[str, str] = MappingProxyType({
    "sequence": "signal", "image": "image", "table": "table", "vector": "table",
    "text": "text",
})
"""A dataset's modality (`datacurve.data.Dataset.modality`) -> the kind of data the
operations name."""

_EXPECTED = ("operations joined by '+', each name or name=value, among "
             + ", ".join(AUGMENTATIONS) + " (e.g. 'shift=0.1+noise=0.05')")


@dataclass(frozen=True)
class Augmentation:
    """A parsed augmentation: its operations in order, mixup last.

    Attributes
    ----------
    ops : tuple of (str, float)
        Operation name and value.
    """

    ops: tuple[tuple[str, float], ...]

    @property
    def canonical(self) -> str:
        """The text that names it (stable: part of a trial's key)."""
        return "+".join(f"{name}={value:g}" for name, value in self.ops)

    @property
    def kinds(self) -> set[str]:
        """Data kinds every operation suits (``signal``, ``image``, ``table``, ``text``)."""
        out = {"signal", "image", "table", "text"}
        for name, _ in self.ops:
            out &= set(AUGMENTATIONS[name].modalities)
        return out

    def check_kind(self, kind: str, got: str) -> None:
        """Raise InputError naming ``augment`` unless every operation suits `kind`
        (``signal``, ``image``, ``table`` or ``text``); `got` describes the data."""
        wrong = [name for name, _ in self.ops if kind not in AUGMENTATIONS[name].modalities]
        if wrong:
            suits = ", ".join(f"{n} ({'/'.join(AUGMENTATIONS[n].modalities)})" for n in wrong)
            raise InputError("augment", f"operations that suit {kind} data; {suits} do not",
                             got)

    def check_shape(self, shape: tuple[int, ...]) -> None:
        """Raise InputError naming ``augment`` when an image operation meets examples
        with fewer than 2 axes, or a signal one a length below 2."""
        names = {name for name, _ in self.ops}
        image = names & {n for n, op in AUGMENTATIONS.items() if op.modalities == ("image",)}
        if image and (len(shape) < 2 or min(shape[-2:]) < 2):
            raise InputError("augment", f"images (examples of shape (h, w) or (c, h, w)) "
                             f"for {', '.join(sorted(image))}",
                             f"examples of shape {shape}")
        signal = names & {"shift", "pad_shift", "stretch"}
        if signal and (not shape or shape[-1] < 2):
            raise InputError("augment", f"signals (at least 2 values along the last axis) "
                             f"for {', '.join(sorted(signal))}", f"examples of shape {shape}")

    def apply(self, x: torch.Tensor, y: torch.Tensor, *, shape: tuple[int, ...],
              zero: torch.Tensor, n_classes: int, rng: np.random.Generator,
              gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        """Transform one batch.

        Parameters
        ----------
        x : Tensor of shape (b, d)
            Standardised examples.
        y : Tensor of shape (b,)
            Class codes (int64) or standardised targets (float).
        shape : tuple of int
            The example shape, prod(shape) == d.
        zero : Tensor of shape (d,)
            Where a raw value of 0 lies after standardising (token dropout).
        n_classes : int
            Classes (0 for regression).
        rng, gen : numpy Generator, CPU torch Generator
            Per-example parameters, and noise.

        Returns
        -------
        x : Tensor of shape (b, d)
        target : Tensor
            Class codes of shape (b,), or class probabilities of shape (b, k) after
            mixup; regression targets of shape (b,).
        """
        b = x.shape[0]
        out = x.reshape(b, *shape)
        target: torch.Tensor = y
        for name, value in self.ops:
            if name == "mixup":
                continue
            out = _APPLY[name](out, value, rng, gen)
        out = out.reshape(b, -1)
        if "token_dropout" in dict(self.ops):
            present = out != zero
            drop = torch.rand(out.shape, generator=gen).to(out.device) \
                < dict(self.ops)["token_dropout"]
            out = torch.where(present & drop, zero.expand_as(out), out)
        if "mixup" in dict(self.ops) and b > 1:
            alpha = dict(self.ops)["mixup"]
            lam_np = rng.beta(alpha, alpha, size=b).astype(np.float32)
            lam = torch.from_numpy(lam_np).to(out.device)
            perm = torch.from_numpy(rng.permutation(b)).to(out.device)
            out = lam[:, None] * out + (1 - lam[:, None]) * out[perm]
            if n_classes:
                hot = F.one_hot(y, n_classes).to(out.dtype)
                target = lam[:, None] * hot + (1 - lam[:, None]) * hot[perm]
            else:
                target = lam * y + (1 - lam) * y[perm]
        return out.contiguous(), target


def _uniform(rng: np.random.Generator, low: float, high: float, b: int,
             like: torch.Tensor) -> torch.Tensor:
    """b uniform draws in [low, high] as a float tensor on `like`'s device."""
    return torch.from_numpy(rng.uniform(low, high, b).astype(np.float32)).to(like.device)


def _shift(x: torch.Tensor, value: float, rng: np.random.Generator, gen: torch.Generator,
           *, circular: bool = True) -> torch.Tensor:
    """Shift along the last axis by a whole number of positions in [-s·L, s·L]."""
    L = x.shape[-1]
    most = round(value * L)
    if most == 0:
        return x
    s = torch.from_numpy(rng.integers(-most, most + 1, x.shape[0])).to(x.device)
    lead = (x.shape[0],) + (1,) * (x.dim() - 1)
    src = torch.arange(L, device=x.device).view(*(1,) * (x.dim() - 1), L) - s.view(lead)
    if circular:
        return x.gather(-1, (src % L).expand_as(x))
    inside = (src >= 0) & (src < L)
    got = x.gather(-1, src.clamp(0, L - 1).expand_as(x))
    return torch.where(inside.expand_as(x), got, torch.zeros_like(got))


def _stretch(x: torch.Tensor, value: float, rng: np.random.Generator,
             gen: torch.Generator) -> torch.Tensor:
    """Time scaling by a factor in [1 - s, 1 + s] about the centre, linear interpolation,
    edge values repeated."""
    L = x.shape[-1]
    f = _uniform(rng, 1 - value, 1 + value, x.shape[0], x).clamp_min(1e-3)
    lead = (x.shape[0],) + (1,) * (x.dim() - 1)
    centre = (L - 1) / 2
    pos = torch.arange(L, device=x.device, dtype=x.dtype).view(*(1,) * (x.dim() - 1), L)
    src = (centre + (pos - centre) / f.view(lead)).clamp(0, L - 1)
    lo = src.floor().long()
    hi = (lo + 1).clamp_max(L - 1)
    w = (src - lo.to(x.dtype)).expand_as(x)
    return (1 - w) * x.gather(-1, lo.expand_as(x)) + w * x.gather(-1, hi.expand_as(x))


def _gain(x: torch.Tensor, value: float, rng: np.random.Generator,
          gen: torch.Generator) -> torch.Tensor:
    lead = (x.shape[0],) + (1,) * (x.dim() - 1)
    return x * _uniform(rng, 1 - value, 1 + value, x.shape[0], x).view(lead)


def _noise(x: torch.Tensor, value: float, rng: np.random.Generator,
           gen: torch.Generator) -> torch.Tensor:
    return x + value * torch.randn(x.shape, generator=gen).to(x.device, x.dtype)


def _as_images(x: torch.Tensor) -> tuple[torch.Tensor, tuple[int, ...]]:
    """(b, ..., h, w) -> (b, c, h, w) with c the product of the middle axes."""
    shape = tuple(x.shape)
    return x.reshape(shape[0], -1, shape[-2], shape[-1]), shape


def _affine(x: torch.Tensor, A: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """Resample every image of `x` (b, ..., h, w) at ``A @ p + t`` (normalised output
    coordinates p in [-1, 1]; A of shape (b, 2, 2), t of shape (b, 2)); outside the
    image the mean (0)."""
    img, shape = _as_images(x)
    theta = torch.cat([A, t[:, :, None]], dim=2).to(img.dtype)
    grid = F.affine_grid(theta, list(img.shape), align_corners=False)
    return F.grid_sample(img, grid, mode="bilinear", padding_mode="zeros",
                         align_corners=False).reshape(shape)


def _eye(b: int, like: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    return (torch.eye(2, device=like.device, dtype=like.dtype).repeat(b, 1, 1),
            torch.zeros(b, 2, device=like.device, dtype=like.dtype))


def _flip(x: torch.Tensor, value: float, rng: np.random.Generator,
          gen: torch.Generator) -> torch.Tensor:
    flip = torch.from_numpy(rng.random(x.shape[0]) < value).to(x.device)
    return torch.where(flip.view(-1, *(1,) * (x.dim() - 1)), x.flip(-1), x)


def _rotate(x: torch.Tensor, value: float, rng: np.random.Generator,
            gen: torch.Generator) -> torch.Tensor:
    a = _uniform(rng, -value, value, x.shape[0], x) * (math.pi / 180)
    A, t = _eye(x.shape[0], x)
    A[:, 0, 0], A[:, 0, 1], A[:, 1, 0], A[:, 1, 1] = a.cos(), -a.sin(), a.sin(), a.cos()
    return _affine(x, A, t)


def _translate(x: torch.Tensor, value: float, rng: np.random.Generator,
               gen: torch.Generator) -> torch.Tensor:
    A, _ = _eye(x.shape[0], x)
    t = torch.stack([_uniform(rng, -2 * value, 2 * value, x.shape[0], x) for _ in range(2)], 1)
    return _affine(x, A, t)


def _crop(x: torch.Tensor, value: float, rng: np.random.Generator,
          gen: torch.Generator) -> torch.Tensor:
    """Random resized crop: area share in [s, 1], aspect ratio in [3/4, 4/3] (log-uniform),
    placed uniformly inside the image, resized back to the full image."""
    b = x.shape[0]
    area = rng.uniform(value, 1.0, b)
    ratio = np.exp(rng.uniform(math.log(3 / 4), math.log(4 / 3), b))
    w = np.minimum(np.sqrt(area * ratio), 1.0)
    h = np.minimum(np.sqrt(area / ratio), 1.0)
    cx = rng.uniform(-1.0, 1.0, b) * (1 - w)
    cy = rng.uniform(-1.0, 1.0, b) * (1 - h)
    A, _ = _eye(b, x)
    A[:, 0, 0] = torch.from_numpy(w.astype(np.float32)).to(x.device)
    A[:, 1, 1] = torch.from_numpy(h.astype(np.float32)).to(x.device)
    t = torch.from_numpy(np.stack([cx, cy], 1).astype(np.float32)).to(x.device)
    return _affine(x, A, t)


def _jitter(x: torch.Tensor, value: float, rng: np.random.Generator,
            gen: torch.Generator) -> torch.Tensor:
    lead = (x.shape[0],) + (1,) * (x.dim() - 1)
    contrast = _uniform(rng, 1 - value, 1 + value, x.shape[0], x).view(lead)
    shift = _uniform(rng, -value, value, x.shape[0], x).view(lead)
    return x * contrast + shift


def _pad_shift(x: torch.Tensor, value: float, rng: np.random.Generator,
               gen: torch.Generator) -> torch.Tensor:
    return _shift(x, value, rng, gen, circular=False)


def _identity(x: torch.Tensor, value: float, rng: np.random.Generator,
              gen: torch.Generator) -> torch.Tensor:
    return x  # applied on the flat batch (token dropout) or last (mixup)


_APPLY = {
    "shift": _shift, "pad_shift": _pad_shift, "stretch": _stretch, "gain": _gain,
    "noise": _noise, "flip": _flip, "crop": _crop, "rotate": _rotate,
    "translate": _translate, "jitter": _jitter, "token_dropout": _identity,
    "mixup": _identity,
}


def parse_augmentation(text: str | Augmentation | None) -> Augmentation | None:
    """Read an augmentation such as ``"shift=0.1+noise=0.05"`` (None or "" for none).

    Parameters
    ----------
    text : str, Augmentation or None

    Returns
    -------
    Augmentation or None

    Raises
    ------
    InputError
        Naming ``augment``: an unknown operation, a value that is not a number or lies
        outside the operation's range, or an operation given twice.

    Examples
    --------
    >>> parse_augmentation("noise=0.05+shift").canonical
    'noise=0.05+shift=0.125'
    >>> parse_augmentation("mixup+flip").canonical
    'flip=0.5+mixup=0.2'
    """
    if text is None or isinstance(text, Augmentation):
        return text
    if not isinstance(text, str):
        raise InputError("augment", _EXPECTED, repr(text))
    if not text.strip():
        return None
    ops: list[tuple[str, float]] = []
    for part in text.split("+"):
        name, sep, raw = part.strip().partition("=")
        name = name.strip().lower()
        if name not in AUGMENTATIONS:
            raise InputError("augment", _EXPECTED, repr(text) + did_you_mean(name, AUGMENTATIONS))
        op = AUGMENTATIONS[name]
        try:
            value = float(raw) if sep else op.default
        except ValueError:
            raise InputError("augment", f"a number for {name} ({op.what})", repr(text)) from None
        above = value > op.low if op.low_open else value >= op.low
        if not (math.isfinite(value) and above and value <= op.high):
            raise InputError("augment", f"{name} in ({op.low:g}, {op.high:g}] ({op.what})",
                             repr(text))
        if any(name == seen for seen, _ in ops):
            raise InputError("augment", f"each operation once ({name} is given twice)",
                             repr(text))
        ops.append((name, value))
    ops.sort(key=lambda op: op[0] == "mixup")  # mixup mixes labels: always last
    return Augmentation(tuple(ops))
