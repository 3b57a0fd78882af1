"""Transfer learning as a strategy: pretrain the baseline's network once on a source
dataset, then train each trial from those weights with a fresh output head — every layer
fine-tuned, or the pretrained layers frozen and only the head trained — against the same
network trained from scratch.

The pretrained layers are written once per (source data, spec, seed) as an ``.npz`` of
plain arrays (read back without pickle) in a ``pretrained/`` folder beside the store,
named by a hash of what made them, so a rerun reuses them and their trials.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from datacurve._errors import InputError
from datacurve.models import parse_spec, spec_identity

__all__ = ["Pretrained", "pretrain"]


@dataclass(frozen=True)
class Pretrained:
    """Pretrained layers on disk.

    Attributes
    ----------
    path : Path
        The ``.npz`` file (every layer but the output head).
    source : str
        Name of the source dataset.
    n : int
        Examples it was trained on.
    seconds : float
        Seconds the pretraining took (0 when the file was reused).
    """

    path: Path
    source: str
    n: int
    seconds: float


def pretrain(source: Any, spec: str, folder: str | Path, *, target_shape: tuple[int, ...],
             seed: int = 0) -> Pretrained:
    """Train `spec` on all of `source` once and write its layers but the head.

    Parameters
    ----------
    source : Dataset
        The source task (its examples must have the target's shape).
    spec : str
        A built-in torch learner spec (``mlp``, ``cnn``, ...).
    folder : str or Path
        Where the ``.npz`` goes (created when missing).
    target_shape : tuple of int
        The target data's example shape.
    seed : int

    Returns
    -------
    Pretrained

    Raises
    ------
    InputError
        Naming ``source``: examples of another shape than the target's, or a lazy
        source; naming ``strategies``: a spec that is not a built-in torch learner.
    """
    from datacurve.models._torch import body_state

    parsed = parse_spec(spec)
    if parsed.kind not in ("mlp", "cnn"):
        raise InputError("strategies", "transfer with mlp or cnn (a network whose layers "
                         "can start from pretrained weights)", repr(spec))
    if source.is_lazy:
        raise InputError("source", "in-memory examples to pretrain on", "a lazy source")
    shape = tuple(int(s) for s in np.shape(source.X)[1:])
    if shape != tuple(target_shape):
        raise InputError("source", f"examples of shape {tuple(target_shape)} like the data's",
                         f"{source.name or 'the source'} with examples of shape {shape}")
    # Without init/freeze: the source is trained from scratch, whatever the target does.
    base = parse_spec(spec)
    key = f"{source.fingerprint}|{spec_identity(base)}|{seed}"
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    path = Path(folder) / f"{digest}.npz"
    n = len(source.y)
    if path.exists():
        return Pretrained(path, str(source.name or "source"), n, 0.0)
    learner = base.build(source.task, random_state=seed)
    t0 = time.perf_counter()
    learner.fit(source.X, source.y)
    seconds = time.perf_counter() - t0
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npz")
    arrays: dict[str, Any] = {**body_state(learner.model_),
                              "__shape__": np.asarray(shape, dtype=np.int64),
                              "__spec__": np.asarray(base.canonical)}
    np.savez(tmp, **arrays)
    tmp.replace(path)  # readers see no file or the whole file
    return Pretrained(path, str(source.name or "source"), n, seconds)
