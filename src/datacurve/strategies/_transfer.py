"""Transfer learning as a strategy: pretrain the baseline's network once on a source
dataset, then train each trial from those weights with a fresh output head — every layer
fine-tuned, or the pretrained layers frozen and only the head trained — against the same
network trained from scratch. For text, transfer through a pretrained representation:
the baseline trained on MiniLM sentence embeddings instead of TF-IDF
(`EmbeddingLearner`).

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
from datacurve.models import IndexLearner, parse_spec, spec_identity

__all__ = ["EmbeddingLearner", "Pretrained", "pretrain", "text_embeddings"]


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
    from datacurve.models import body_state

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


class EmbeddingLearner(IndexLearner):
    """The baseline trained on pretrained sentence embeddings of a text dataset instead
    of its own features (TF-IDF): transfer through a pretrained representation.

    The embeddings of every row are computed once (`text_embeddings`) and read here by
    row index, so a trial costs one fit of the baseline.

    Parameters
    ----------
    spec : str
        The baseline's model spec.
    path : str or Path
        The ``.npy`` of embeddings, shape (rows of the run's data, e).
    name : str
        Name in the results.
    """

    def __init__(self, spec: str, path: str | Path, name: str) -> None:
        self.spec = parse_spec(spec).canonical
        self.path = str(path)
        self.label = name
        self.params: dict[str, Any] = {}

    def with_params(self, **params: Any) -> EmbeddingLearner:
        """No sweep of its own: the same learner."""
        return self

    def display_name(self) -> str:
        """The name in the results."""
        return self.label

    def identity(self) -> str:
        """The baseline and the embeddings' file (named by the data and encoder)."""
        return f"embedding|{spec_identity(parse_spec(self.spec))}|{Path(self.path).name}"

    def run(self, access: Any, train: np.ndarray, evaluation: np.ndarray, *, seed: int,
            task: str, n_classes: int, metric: str | None) -> Any:
        """Fit the baseline on the embeddings of rows `train`; outputs for `train` and
        `evaluation`: class probabilities (m, k) / (n_eval, k) or predictions."""
        from datacurve.models import TrialOutput, parameter_count

        emb = np.load(self.path, mmap_mode="r", allow_pickle=False)
        X_train = np.asarray(emb[train], dtype=np.float32)
        y_train = access.y[train]
        model = parse_spec(self.spec).build(task, random_state=seed)
        t0 = time.perf_counter()
        model.fit(X_train, y_train)
        fit_time = time.perf_counter() - t0

        def outputs(X: np.ndarray) -> np.ndarray:
            if task != "classification":
                return np.asarray(model.predict(X), dtype=np.float64)
            out = np.zeros((len(X), n_classes))
            out[:, np.asarray(model.classes_, dtype=np.int64)] = model.predict_proba(X)
            return out

        return TrialOutput(outputs(X_train),
                           outputs(np.asarray(emb[evaluation], dtype=np.float32)), {}, {},
                           int(parameter_count(model)), fit_time,
                           {"embedding": Path(self.path).name})


def text_embeddings(dataset: Any, folder: str | Path,
                    encoder: str = "minilm") -> tuple[Path, float]:
    """Sentence embeddings of every row of a text dataset, computed once and kept as an
    ``.npy`` (no pickle) named by the dataset's fingerprint and the encoder; returns the
    file and the seconds spent (0 when reused).

    Raises
    ------
    InputError
        Naming ``strategies``: not a text dataset, or an unknown encoder.
    """
    if encoder != "minilm":
        raise InputError("strategies", "embedding=minilm (all-MiniLM-L6-v2 sentence "
                         "embeddings)", repr(encoder))
    options = dataset.metadata.get("options") or {}
    column = dataset.metadata.get("text_column") or options.get("text_column")
    if dataset.modality != "text" or column is None:
        raise InputError("strategies", "a text dataset (a text column) for "
                         "transfer:embedding=minilm", f"{dataset.modality} data")
    path = Path(folder) / f"{dataset.fingerprint}-{encoder}.npy"
    if path.exists():
        return path, 0.0
    from datacurve.auditing import sentence_embeddings

    t0 = time.perf_counter()
    emb = sentence_embeddings(dataset.raw[column].astype(str).to_numpy())
    seconds = time.perf_counter() - t0
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npy")
    np.save(tmp, np.ascontiguousarray(emb, dtype=np.float32))
    tmp.replace(path)
    return path, seconds
