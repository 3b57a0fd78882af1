"""Bring your own model: a user's torch module factory (`TorchLearner`) or a user's whole
training routine (`FunctionLearner`), trained on the rows a trial picks.

Both work on row indices rather than on feature arrays, so a trial reaches the user's
data through `RowAccess`: NumPy arrays are sliced batch by batch; a map-style
``torch.utils.data.Dataset`` is indexed lazily, one item at a time through a
``DataLoader``, and only for the rows a trial uses.

Notation: n examples in the data, m rows in one trial's training subset, k classes.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import math
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from datacurve._errors import InputError
from datacurve.metrics import default_metric, get_metric
from datacurve.models._spec import TORCH_TRAINING_RULE

__all__ = ["FunctionLearner", "IndexLearner", "RowAccess", "TorchLearner", "TrialOutput",
           "callable_id", "callable_name"]

_OPTIMIZERS = ("adam", "adamw", "sgd")
_EVAL_BATCH = 1024


def callable_name(fn: Any) -> str:
    """A short, stable name for a function, class or `functools.partial`."""
    if isinstance(fn, functools.partial):
        inner = callable_name(fn.func)
        args = ", ".join(f"{k}={v!r}" for k, v in sorted(fn.keywords.items()))
        return f"{inner}({args})" if args else inner
    name = getattr(fn, "__name__", None) or getattr(fn, "__qualname__", None)
    return str(name) if name else type(fn).__name__


def callable_id(fn: Any) -> str:
    """Where a callable is defined: module and qualified name (part of trial keys)."""
    if isinstance(fn, functools.partial):
        return f"partial({callable_id(fn.func)}, {sorted(fn.keywords.items())!r})"
    module = getattr(fn, "__module__", None) or type(fn).__module__
    qual = getattr(fn, "__qualname__", None) or type(fn).__qualname__
    return f"{module}.{qual}"


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:10]


# -- reaching rows --------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class RowAccess:
    """The rows of one run's data, as a trial reaches them.

    Attributes
    ----------
    y : ndarray of shape (n,)
        Class codes ``0..k-1`` (int64) or float targets: datacurve's labels, which take
        the place of whatever label a source item carries.
    X : ndarray of shape (n, *s), CSR matrix of shape (n, d), or None
        In-memory features (None for a lazily indexed source).
    source : torch.utils.data.Dataset, optional
        A map-style dataset whose ``__getitem__(i)`` returns ``(input, label)`` or an
        input alone; indexed only for the rows a trial uses.
    frame : DataFrame, optional
        The table's feature columns, for learners that do their own preprocessing
        (scikit-learn pipelines).
    """

    y: np.ndarray
    X: Any = None
    source: Any = None
    frame: Any = None

    @property
    def lazy(self) -> bool:
        """Whether rows come from a map-style dataset, item by item."""
        return self.source is not None

    def features(self, rows: np.ndarray, *, frame: bool = False) -> Any:
        """The features of `rows` only (a lazy source reads just those items).

        Parameters
        ----------
        rows : ndarray of shape (m,)
        frame : bool
            Return the table's columns as a DataFrame when there is one.

        Returns
        -------
        ndarray of shape (m, *s), CSR matrix or DataFrame
        """
        if frame and self.frame is not None:
            return self.frame.iloc[rows].reset_index(drop=True)
        if self.source is None:
            return self.X[rows]
        if hasattr(self.source, "take"):  # a block reader (datacurve.data.ParquetRows)
            return self.source.take(np.asarray(rows, dtype=np.int64))
        parts = [xb.numpy() for xb, _ in self.batches(rows, _EVAL_BATCH)]
        return np.concatenate(parts) if parts else np.empty((0,), dtype=np.float32)

    def batches(self, rows: np.ndarray, batch_size: int, *, shuffle_seed: int | None = None,
                transform: Callable[[Any], Any] | None = None,
                collate_fn: Callable[[list[Any]], Any] | None = None,
                num_workers: int = 0) -> Iterator[tuple[Any, Any]]:
        """Batches ``(inputs, targets)`` over `rows` as torch tensors.

        Arrays are sliced a batch at a time; a source with a block reader (``take(rows)``,
        `datacurve.data.ParquetRows`) is read a batch at a time; another lazy source goes
        through a ``torch.utils.data.DataLoader`` over exactly `rows`.

        Parameters
        ----------
        rows : ndarray of shape (m,)
        batch_size : int
        shuffle_seed : int, optional
            Shuffle the rows with this seed (each call with the same seed gives the same
            order); None keeps their order.
        transform : callable, optional
            Applied to each input (lazy sources) or to each input batch (arrays, and
            sources that read blocks of rows with ``take``).
        collate_fn : callable, optional
            Merges a list of ``(input, target)`` pairs (lazy sources only).
        num_workers : int
            DataLoader worker processes (lazy sources only).

        Yields
        ------
        tuple
            ``(inputs, targets)``: inputs as the module takes them; targets of shape (b,).
        """
        import torch

        order = np.asarray(rows, dtype=np.int64)
        if shuffle_seed is not None:
            order = order[np.random.default_rng(shuffle_seed).permutation(order.size)]
        if self.source is None:
            targets = torch.from_numpy(self.y)
            dense = None if sp.issparse(self.X) else torch.from_numpy(
                np.ascontiguousarray(self.X, dtype=np.float32))  # no copy for float32
            idx = torch.from_numpy(order)
            for start in range(0, order.size, batch_size):
                b = idx[start:start + batch_size]
                if dense is not None:
                    xb = dense[b]
                else:  # densify one batch of a sparse matrix at a time
                    xb = torch.from_numpy(self.X[b.numpy()].toarray().astype(np.float32))
                if transform is not None:
                    xb = transform(xb)
                yield xb, targets[b]
            return
        if hasattr(self.source, "take") and collate_fn is None:
            # A block reader: one read per batch instead of one per item.
            targets = torch.from_numpy(self.y)
            for start in range(0, order.size, batch_size):
                part = order[start:start + batch_size]
                xb = torch.from_numpy(self.source.take(part))
                yield (transform(xb) if transform is not None else xb), targets[part]
            return
        from torch.utils.data import DataLoader, Subset

        view: Subset[Any] = Subset(_Relabelled(self.source, self.y, transform),  # type: ignore[arg-type]
                                   order.tolist())
        loader = DataLoader(view, batch_size=batch_size, shuffle=False,
                            num_workers=num_workers, collate_fn=collate_fn)
        yield from loader


class _Relabelled:
    """A map-style dataset whose items are ``(input, datacurve label)``."""

    def __init__(self, source: Any, y: np.ndarray, transform: Callable[[Any], Any] | None):
        self.source, self.y, self.transform = source, y, transform

    def __len__(self) -> int:
        return len(self.y)

    def __getitem__(self, i: int) -> tuple[Any, Any]:
        import torch

        item = self.source[i]
        x = item[0] if isinstance(item, tuple | list) else item
        if self.transform is not None:
            x = self.transform(x)
        elif isinstance(x, np.ndarray):
            x = torch.from_numpy(np.asarray(x, dtype=np.float32))
        return x, self.y[i]


# -- what a trial gets back ------------------------------------------------------------------
@dataclass(frozen=True)
class TrialOutput:
    """What an `IndexLearner` measured in one trial.

    Attributes
    ----------
    train_outputs, eval_outputs : ndarray or None
        Class probabilities of shape (m, k) / (n_eval, k), or predictions of shape
        (m,) / (n_eval,), from which datacurve computes every metric. None when the
        learner reports scores itself.
    train_scores, val_scores : dict
        Scores the learner reports itself (metric name → value), used when the outputs
        are None.
    params : int
        Trainable parameters (-1 when unknown).
    fit_time : float
        Seconds spent training.
    info : dict
    """

    train_outputs: np.ndarray | None
    eval_outputs: np.ndarray | None
    train_scores: dict[str, float]
    val_scores: dict[str, float]
    params: int
    fit_time: float
    info: dict[str, Any]


class IndexLearner:
    """A learner that trains on row indices of the run's data rather than on arrays.

    Subclasses implement `run`; `with_params` gives one learner per value of a sweep.
    """

    name: str | None = None
    params: Mapping[str, Any] = {}

    def run(self, access: RowAccess, train: np.ndarray, evaluation: np.ndarray, *,
            seed: int, task: str, n_classes: int, metric: str | None) -> TrialOutput:
        """Train on rows `train` and evaluate on rows `evaluation`."""
        raise NotImplementedError

    def with_params(self, **params: Any) -> IndexLearner:
        """A copy whose model (or training function) gets these keyword arguments."""
        raise NotImplementedError

    def display_name(self) -> str:
        """The name stored in the results' ``model`` column."""
        raise NotImplementedError

    def identity(self) -> str:
        """Everything that changes what the learner computes (part of the trial key)."""
        raise NotImplementedError


def _call_name(base: str, params: Mapping[str, Any]) -> str:
    if not params:
        return base
    from datacurve.models._spec import _format_kwargs

    return f"{base}({_format_kwargs(params, ', ')})"


# -- a user's torch module ---------------------------------------------------------------
class TorchLearner(IndexLearner):
    """Train a user's ``torch.nn.Module`` with a correct, efficient loop.

    Parameters
    ----------
    build : callable
        Returns a fresh ``nn.Module`` (called once per trial, after seeding, so the
        initial weights depend on the trial's seed only). A sweep passes its values as
        keyword arguments: ``build(width=64)``.
    epochs : int
        Most passes over the training subset with early stopping; scales the fixed
        budget of a subset too small to stop early on (see `early_stopping`).
    batch_size : int
    lr : float
        Learning rate.
    optimizer : {"adamw", "adam", "sgd"} or callable
        A callable gets the module's parameters and returns a ``torch.optim.Optimizer``.
    loss : callable, optional
        ``loss(outputs, targets) -> scalar tensor``; default cross-entropy for
        classification (outputs are logits of shape (b, k)) and mean squared error for
        regression (outputs of shape (b,) or (b, 1)).
    weight_decay : float
    early_stopping : int or None
        Patience in epochs: stop when the loss on a slice carved from the trial's own
        training subset (`validation_fraction` of it, stratified) has not improved for
        this many epochs, and keep the best weights. Only when that slice can judge an
        epoch: at least 5 examples per class (``MIN_VALIDATION_PER_CLASS``), 20 rows
        for regression; a smaller subset is not split and trains for a fixed budget of
        ``epochs * ceil(256 / batch_size)`` optimisation steps, at least `epochs`
        passes (the same rule as the built-in learners, ``plan_training``). None or 0
        trains every subset for exactly `epochs`. The trial's info records
        ``early_stopping`` (whether it ran), ``epochs`` and ``best_epoch``.
    validation_fraction : float
    device : {"auto", "cpu", "cuda"}
        ``"auto"`` uses CUDA when torch sees a GPU; on CUDA the forward pass runs in
        mixed precision (float16 autocast with a gradient scaler).
    collate_fn : callable, optional
        Passed to the ``DataLoader`` of a map-style dataset.
    transform : callable, optional
        Applied to every input (e.g. a torchvision transform).
    num_workers : int
        ``DataLoader`` worker processes for a map-style dataset.
    name : str, optional
        Name in the results; default the name of `build`.
    augment : str, optional
        Augmentation applied on the fly to every training batch, each example with its
        own random parameters every epoch (`datacurve.models.AUGMENTATIONS`, e.g.
        ``"shift=0.1+noise=0.05"``); for float input tensors. Values are in the
        training inputs' own standard deviations (one mean and std over every value of
        the trial's first batch); 0 raw stays 0 for token dropout. Mixup passes class
        probabilities of shape (b, k) to the loss (the default cross-entropy takes
        them). Validation and evaluation batches are never augmented.

    Notes
    -----
    Training is deterministic for a given trial seed on the CPU: the module's
    initialisation, the shuffling and the validation slice all derive from it.
    """

    def __init__(self, build: Callable[..., Any], *, epochs: int = 20, batch_size: int = 64,
                 lr: float = 1e-3, optimizer: str | Callable[..., Any] = "adamw",
                 loss: Callable[[Any, Any], Any] | None = None, weight_decay: float = 0.0,
                 early_stopping: int | None = 5, validation_fraction: float = 0.1,
                 device: str = "auto", collate_fn: Callable[[list[Any]], Any] | None = None,
                 transform: Callable[[Any], Any] | None = None, num_workers: int = 0,
                 name: str | None = None, params: Mapping[str, Any] | None = None,
                 augment: str | None = None) -> None:
        from datacurve.models._augment import parse_augmentation

        if not callable(build):
            raise InputError("build", "a callable returning a torch.nn.Module",
                             type(build).__name__)
        for arg, value, low in (("epochs", epochs, 1), ("batch_size", batch_size, 1),
                                ("num_workers", num_workers, 0)):
            if not isinstance(value, int | np.integer) or isinstance(value, bool) or value < low:
                raise InputError(arg, f"an integer >= {low}", repr(value))
        if not (isinstance(lr, int | float) and math.isfinite(lr) and lr > 0):
            raise InputError("lr", "a positive learning rate", repr(lr))
        if isinstance(optimizer, str) and optimizer not in _OPTIMIZERS:
            raise InputError("optimizer", f"one of {', '.join(_OPTIMIZERS)} or a callable",
                             repr(optimizer))
        if early_stopping is not None and (not isinstance(early_stopping, int)
                                           or early_stopping < 0):
            raise InputError("early_stopping", "a patience in epochs (>= 0) or None",
                             repr(early_stopping))
        if not 0.0 < validation_fraction < 1.0:
            raise InputError("validation_fraction", "a number in (0, 1)",
                             repr(validation_fraction))
        if device not in ("auto", "cpu", "cuda"):
            raise InputError("device", "one of 'auto', 'cpu', 'cuda'", repr(device))
        self.build = build
        self.epochs, self.batch_size, self.lr = int(epochs), int(batch_size), float(lr)
        self.optimizer, self.loss, self.weight_decay = optimizer, loss, float(weight_decay)
        self.early_stopping, self.validation_fraction = early_stopping, validation_fraction
        self.device, self.collate_fn, self.transform = device, collate_fn, transform
        self.num_workers, self.name = int(num_workers), name
        self.params = dict(params or {})
        parsed = parse_augmentation(augment)
        self.augment = parsed.canonical if parsed is not None else None

    def __repr__(self) -> str:
        return f"TorchLearner({self.display_name()})"

    def with_params(self, **params: Any) -> TorchLearner:
        """The same training with ``build(**params)`` (merged with earlier values)."""
        out = TorchLearner.__new__(TorchLearner)
        out.__dict__.update(self.__dict__)
        out.params = {**self.params, **params}
        return out

    def display_name(self) -> str:
        """``name`` (or the factory's name) with the sweep's values."""
        return _call_name(self.name or callable_name(self.build), self.params)

    def identity(self) -> str:
        """The name, the factory and every training setting."""
        opt = callable_id(self.optimizer) if callable(self.optimizer) else str(self.optimizer)
        settings = (f"build={callable_id(self.build)}|epochs={self.epochs}|"
                    f"batch={self.batch_size}|lr={self.lr!r}|opt={opt}|"
                    f"loss={callable_id(self.loss) if self.loss else 'default'}|"
                    f"wd={self.weight_decay!r}|es={self.early_stopping}|"
                    f"vf={self.validation_fraction!r}|transform="
                    f"{callable_id(self.transform) if self.transform else 'none'}|"
                    f"collate={callable_id(self.collate_fn) if self.collate_fn else 'none'}|"
                    f"rule={TORCH_TRAINING_RULE}"
                    + (f"|augment={self.augment}" if self.augment else ""))
        return f"{self.display_name()}#{_digest(settings)}"

    # -- training --------------------------------------------------------------------------
    def _make_optimizer(self, module: Any) -> Any:
        import torch

        if callable(self.optimizer):
            return self.optimizer(module.parameters())
        if self.optimizer == "sgd":
            return torch.optim.SGD(module.parameters(), lr=self.lr, momentum=0.9,
                                   weight_decay=self.weight_decay)
        cls = torch.optim.Adam if self.optimizer == "adam" else torch.optim.AdamW
        return cls(module.parameters(), lr=self.lr, weight_decay=self.weight_decay)

    def run(self, access: RowAccess, train: np.ndarray, evaluation: np.ndarray, *,
            seed: int, task: str, n_classes: int, metric: str | None) -> TrialOutput:
        """Build the module, train it on rows `train`, and predict.

        Parameters
        ----------
        access : RowAccess
        train : ndarray of shape (m,)
        evaluation : ndarray of shape (n_eval,)
        seed : int
            The trial's random state.
        task : {"classification", "regression"}
        n_classes : int
        metric : str or None
            Unused: every metric is computed from the outputs.

        Returns
        -------
        TrialOutput
            Probabilities (classification) or predictions on both row sets.
        """
        import torch

        from datacurve.models._torch import plan_training, resolve_device

        device = resolve_device(self.device)
        devices = [device.index or 0] if device.type == "cuda" else []
        info: dict[str, Any] = {"device": str(device)}
        with torch.random.fork_rng(devices=devices):
            torch.manual_seed(seed)
            module = self.build(**self.params)
            if not isinstance(module, torch.nn.Module):
                raise TypeError(f"build() returned a {type(module).__name__}, "
                                "not a torch.nn.Module")
            module = module.to(device)
            n_params = sum(int(p.numel()) for p in module.parameters() if p.requires_grad)
            codes = access.y[train] if task == "classification" else None
            plan = plan_training(int(train.size), codes=codes,
                                 fraction=self.validation_fraction,
                                 batch_size=self.batch_size, epoch_limit=self.epochs,
                                 rng=np.random.default_rng(seed),
                                 early_stopping=bool(self.early_stopping))
            t0 = time.perf_counter()
            epochs, best_epoch = self._train(module, access, train[plan.train],
                                             train[plan.validation], plan.epochs, task,
                                             n_classes, device, seed)
            fit_time = time.perf_counter() - t0
            info.update({"epochs": epochs, "best_epoch": best_epoch,
                         "early_stopping": plan.early_stopping})
            train_out = self._predict(module, access, train, task, device)
            eval_out = self._predict(module, access, evaluation, task, device)
        return TrialOutput(train_out, eval_out, {}, {}, n_params, fit_time, info)

    def _loss_fn(self, task: str) -> Callable[[Any, Any], Any]:
        import torch

        if self.loss is not None:
            return self.loss
        if task == "classification":
            return torch.nn.functional.cross_entropy

        def mse(out: Any, target: Any) -> Any:
            return torch.nn.functional.mse_loss(out.reshape(-1), target.float())

        return mse

    def _check_output(self, out: Any, task: str, n_classes: int, batch: int) -> None:
        shape = tuple(out.shape)
        if task == "classification":
            if len(shape) != 2 or shape[1] != n_classes:
                raise ValueError(f"the module's output has shape {shape}; expected "
                                 f"({batch}, {n_classes}): one logit per class for "
                                 f"{n_classes} classes")
        elif shape not in ((batch,), (batch, 1)):
            raise ValueError(f"the module's output has shape {shape}; expected ({batch},) "
                             f"or ({batch}, 1) for regression")

    def _train(self, module: Any, access: RowAccess, fit_rows: np.ndarray,
               val_rows: np.ndarray, epochs: int, task: str, n_classes: int, device: Any,
               seed: int) -> tuple[int, int]:
        """Train at most `epochs` with early stopping on `val_rows`, or exactly `epochs`
        when `val_rows` is empty; returns (epochs run, epoch whose weights are kept)."""
        import torch

        from datacurve.models._torch import BestEpochTracker

        opt = self._make_optimizer(module)
        loss_fn = self._loss_fn(task)
        on_gpu = device.type == "cuda"
        scaler = torch.amp.GradScaler("cuda") if on_gpu else None

        def autocast() -> Any:
            # Mixed precision on CUDA only; on the CPU not even an idle context per batch.
            if on_gpu:
                return torch.autocast(device_type="cuda", dtype=torch.float16)
            return contextlib.nullcontext()

        checked = False
        best = BestEpochTracker(int(self.early_stopping or 1))
        augment = _BatchAugmenter(self.augment, seed, n_classes if task == "classification"
                                  else 0) if self.augment else None
        epoch = 0
        for epoch in range(1, epochs + 1):
            module.train()
            for xb, yb in self._iter(access, fit_rows, seed * 1_000_003 + epoch):
                if on_gpu:
                    xb, yb = _to(xb, device), _to(yb, device)
                if augment is not None:
                    xb, yb = augment(xb, yb)
                with autocast():
                    out = module(xb)
                    if not checked:
                        self._check_output(out, task, n_classes, int(yb.shape[0]))
                        checked = True
                    loss = loss_fn(out, yb)
                opt.zero_grad(set_to_none=True)
                if scaler is not None:
                    scaler.scale(loss).backward()
                    scaler.step(opt)
                    scaler.update()
                else:
                    loss.backward()
                    opt.step()
            if val_rows.size == 0:
                continue
            if best.update(epoch, self._mean_loss(module, access, val_rows, loss_fn, device),
                           module):
                break
        best.restore(module)
        return epoch, best.best_epoch or epoch

    def _iter(self, access: RowAccess, rows: np.ndarray,
              shuffle_seed: int | None) -> Iterator[tuple[Any, Any]]:
        return access.batches(rows, self.batch_size, shuffle_seed=shuffle_seed,
                              transform=self.transform, collate_fn=self.collate_fn,
                              num_workers=self.num_workers)

    def _mean_loss(self, module: Any, access: RowAccess, rows: np.ndarray,
                   loss_fn: Callable[[Any, Any], Any], device: Any) -> float:
        import torch

        module.eval()
        total, count = 0.0, 0
        with torch.no_grad():
            for xb, yb in self._iter(access, rows, None):
                xb, yb = _to(xb, device), _to(yb, device)
                total += float(loss_fn(module(xb), yb)) * int(yb.shape[0])
                count += int(yb.shape[0])
        return total / max(count, 1)

    def _predict(self, module: Any, access: RowAccess, rows: np.ndarray, task: str,
                 device: Any) -> np.ndarray:
        import torch

        module.eval()
        outs = []
        with torch.no_grad():
            for xb, _ in self._iter(access, rows, None):
                out = module(_to(xb, device)).float()
                out = torch.softmax(out, dim=1) if task == "classification" else out.reshape(-1)
                outs.append(out.cpu().numpy().astype(np.float64))
        return np.concatenate(outs)


class _BatchAugmenter:
    """Augmentation of a user module's raw batches (`TorchLearner`'s ``augment``): each
    batch is standardised with one mean and std taken from the trial's first batch,
    transformed, and mapped back to the input's units."""

    def __init__(self, text: str, seed: int, n_classes: int) -> None:
        import torch

        from datacurve.models._augment import parse_augmentation

        aug = parse_augmentation(text)
        assert aug is not None
        self.aug, self.n_classes = aug, n_classes
        self.rng = np.random.default_rng([seed, 1])
        self.gen = torch.Generator().manual_seed(seed + 1)
        self.stats: tuple[float, float] | None = None

    def __call__(self, xb: Any, yb: Any) -> tuple[Any, Any]:
        import torch

        if not (isinstance(xb, torch.Tensor) and xb.is_floating_point()):
            raise InputError("augment", "batches of float tensors (the module's inputs)",
                             f"a batch of {type(xb).__name__}"
                             + (f" of {xb.dtype}" if hasattr(xb, "dtype") else ""))
        shape = tuple(int(s) for s in xb.shape[1:])
        if self.stats is None:
            self.aug.check_shape(shape)
            std = float(xb.float().std()) if xb.numel() > 1 else 1.0
            self.stats = (float(xb.float().mean()), std if std > 0 else 1.0)
        mean, std = self.stats
        flat = (xb.reshape(xb.shape[0], -1).float() - mean) / std
        zero = torch.full((flat.shape[1],), -mean / std, device=flat.device)
        out, target = self.aug.apply(flat, yb, shape=shape, zero=zero,
                                     n_classes=self.n_classes, rng=self.rng, gen=self.gen)
        return (out * std + mean).reshape(xb.shape).to(xb.dtype), target


def _to(x: Any, device: Any) -> Any:
    """Move a tensor (or a tuple / dict of tensors) to `device`."""
    if hasattr(x, "to"):
        return x.to(device, non_blocking=True)
    if isinstance(x, tuple | list):
        return type(x)(_to(v, device) for v in x)
    if isinstance(x, dict):
        return {k: _to(v, device) for k, v in x.items()}
    return x


# -- a user's own training routine ------------------------------------------------------------
class FunctionLearner(IndexLearner):
    """Let the user's own trainer do the training; datacurve plans, stores and fits.

    Parameters
    ----------
    train_fn : callable
        ``train_fn(train_indices, eval_indices, seed, **params) -> dict`` where the
        indices are int64 arrays of row positions in the data given to `run_curve`
        (shapes (m,) and (n_eval,)), `seed` the trial's random state, and `params` the
        values of a sweep. It returns ``{"val_score": float, "train_score": float}``
        in the run's metric (natural units, e.g. accuracy in [0, 1]) and optionally
        ``"params"`` (model size) and ``"seconds"`` (training time; measured otherwise).
    name : str, optional
        Name in the results; default the function's name.
    """

    def __init__(self, train_fn: Callable[..., Mapping[str, Any]], *, name: str | None = None,
                 params: Mapping[str, Any] | None = None) -> None:
        if not callable(train_fn):
            raise InputError("train_fn", "a callable (train_indices, eval_indices, seed)",
                             type(train_fn).__name__)
        self.train_fn, self.name = train_fn, name
        self.params = dict(params or {})

    def __repr__(self) -> str:
        return f"FunctionLearner({self.display_name()})"

    def with_params(self, **params: Any) -> FunctionLearner:
        """The same function, called with these keyword arguments too."""
        return FunctionLearner(self.train_fn, name=self.name, params={**self.params, **params})

    def display_name(self) -> str:
        """``name`` (or the function's name) with the sweep's values."""
        return _call_name(self.name or callable_name(self.train_fn), self.params)

    def identity(self) -> str:
        """The name and the function."""
        return f"{self.display_name()}#{_digest(callable_id(self.train_fn))}"

    def run(self, access: RowAccess, train: np.ndarray, evaluation: np.ndarray, *,
            seed: int, task: str, n_classes: int, metric: str | None) -> TrialOutput:
        """Call the function and check what it returns.

        Raises
        ------
        ValueError
            When the result is not a mapping, has no finite ``val_score``, or a
            ``train_score``, ``params`` or ``seconds`` that is not a finite number.
        """
        name = metric or default_metric(task)
        m = get_metric(name, task)
        t0 = time.perf_counter()
        out = self.train_fn(np.array(train, dtype=np.int64), np.array(evaluation, np.int64),
                            int(seed), **self.params)
        seconds = time.perf_counter() - t0
        if not isinstance(out, Mapping):
            raise ValueError(f"train_fn returned a {type(out).__name__}; expected a dict with "
                             "'val_score' (and 'train_score', optional 'params', 'seconds')")
        if "val_score" not in out:
            raise ValueError(f"train_fn returned no 'val_score' (keys: {sorted(out)})")
        scores: dict[str, float] = {}
        for key in ("val_score", "train_score", "seconds"):
            if key not in out:
                continue
            value = out[key]
            ok = isinstance(value, int | float | np.number) and not isinstance(value, bool)
            if not ok or not math.isfinite(float(value)):
                raise ValueError(f"train_fn returned {key}={value!r}; expected a finite number")
            if key != "seconds" and not m.lower <= float(value) <= m.upper:
                raise ValueError(f"train_fn returned {key}={value!r}; expected {name} in "
                                 f"[{m.lower:g}, {m.upper:g}]")
            scores[key] = float(value)
        params = out.get("params", -1)
        if not isinstance(params, int | np.integer) or isinstance(params, bool) or params < -1:
            raise ValueError(f"train_fn returned params={params!r}; expected a parameter count")
        train_scores = {name: scores["train_score"]} if "train_score" in scores else {}
        return TrialOutput(None, None, train_scores, {name: scores["val_score"]},
                           int(params), scores.get("seconds", seconds), {})
