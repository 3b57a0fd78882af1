"""scikit-learn-compatible torch learners: a multilayer perceptron and a small CNN.

Notation: n examples, feature shape ``s`` (``(d,)`` for tables, sequences and CSR text
features, ``(c, h, w)`` for images), d = prod(s) flattened features, k classes.

Both learners standardise their inputs, carve their own early-stopping slice out of the
data given to `fit` (and nothing else) when it is large enough to judge an epoch, else
train for a fixed budget of optimisation steps (`plan_training`, shared with
`TorchLearner`), and are deterministic under ``random_state``.
Hyper-parameters are plain keywords so `sklearn.base.clone` works and unfitted learners
pickle cheaply to worker processes. Neither sets torch's thread count: the runner
decides that per worker.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Self

import numpy as np
import scipy.sparse as sp
import torch
from sklearn.base import BaseEstimator
from sklearn.utils import ClassifierTags, RegressorTags, Tags
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted
from torch import nn

from datacurve._errors import InputError, describe
from datacurve.models._augment import parse_augmentation

__all__ = ["BUDGET_REFERENCE_ROWS", "MIN_VALIDATION_PER_CLASS", "MIN_VALIDATION_ROWS",
           "BestEpochTracker", "CNNLearner", "MLPLearner", "TrainingPlan",
           "check_hyperparameters", "fixed_budget_epochs", "plan_training", "resolve_device"]

MIN_VALIDATION_PER_CLASS = 5
"""Classification: early stopping needs a validation slice of at least this many examples
per class: ``5 * k`` in all, k the classes in the data given to `fit` (the slice is
stratified, so balanced classes get 5 each; a rare class is not required to, as the
slice's loss is judged as a whole). On a smaller slice one example more or less right
decides whether an epoch "improved", and a run can keep the weights of its first,
near-untrained epochs (2-example slices at n = 16 kept weights scoring 0.04 to 0.10
accuracy on 10 digit classes)."""
MIN_VALIDATION_ROWS = 20
"""Regression: early stopping needs a validation slice of at least this many rows (the
relative standard error of a mean squared error over 20 rows is about 30 %)."""
BUDGET_REFERENCE_ROWS = 256
"""Without early stopping a fit trains for as many optimisation steps as its epoch limit
over this many rows would take: ``limit * ceil(256 / batch_size)``, 200 steps with the
built-in learners' defaults. An early-stopped run just above the threshold (500 rows of
10 classes, default settings) kept the weights of step 64 to 400, typically about 260
(scikit-learn digits and MNIST-1D, MLP and CNN, 3 seeds each), and without a slice
accuracy at n = 16 to 256 no longer changes by more than 0.01 beyond 200 steps except
the CNN on MNIST-1D at n = 256 (0.36 at 200, 0.37 at 400)."""
# Rows per forward pass at inference and validation: large enough to be fast, small
# enough that a densified CSR batch of TF-IDF features stays a few hundred MB at most.
_EVAL_BATCH = 2048
# The CNN head sees at most this many inputs; larger maps are average-pooled first.
_MAX_HEAD_INPUTS = 4096
# Features whose training standard deviation is below this are only centred.
_MIN_STD = 1e-8

_DEVICES = ("auto", "cpu", "cuda")
_TASKS = ("auto", "classification", "regression")


def resolve_device(device: str = "auto") -> torch.device:
    """The torch device a learner trains on.

    Parameters
    ----------
    device : {"auto", "cpu", "cuda"}
        ``"auto"`` picks CUDA when `torch.cuda.is_available()`, else the CPU.

    Returns
    -------
    torch.device

    Raises
    ------
    InputError
        For any other value, or ``"cuda"`` on a machine without a usable GPU.
    """
    if not isinstance(device, str) or device not in _DEVICES:
        raise InputError("device", "one of 'auto', 'cpu', 'cuda'", repr(device))
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device == "cuda" and not torch.cuda.is_available():
        raise InputError(
            "device", "'cuda' only where torch can see a CUDA GPU",
            "'cuda' (torch.cuda.is_available() is False; use 'auto' or 'cpu')",
        )
    return torch.device(device)


# -- hyper-parameter checks ---------------------------------------------------------------
_Check = Callable[[str, Any], None]


def _is_int(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _int_at_least(low: int) -> _Check:
    def check(name: str, value: Any) -> None:
        if not _is_int(value) or value < low:
            raise InputError(name, f"an integer >= {low}", repr(value))

    return check


def _number(low: float, high: float, *, low_open: bool, high_open: bool) -> _Check:
    text = f"a number in {'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"

    def check(name: str, value: Any) -> None:
        ok = _is_number(value) and math.isfinite(value) and (
            (value > low if low_open else value >= low)
            and (value < high if high_open else value <= high)
        )
        if not ok:
            raise InputError(name, text, repr(value))

    return check


def _choice(*options: str) -> _Check:
    def check(name: str, value: Any) -> None:
        if not isinstance(value, str) or value not in options:
            raise InputError(name, "one of " + ", ".join(map(repr, options)), repr(value))

    return check


def _seed(name: str, value: Any) -> None:
    if value is not None and (not _is_int(value) or not 0 <= value < 2**63):
        raise InputError(name, "None or an integer in [0, 2**63)", repr(value))


def _path_or_none(name: str, value: Any) -> None:
    if value is not None and not isinstance(value, str):
        raise InputError(name, "None or the path of a pretrained-weights .npz file",
                         repr(value))


def _boolean(name: str, value: Any) -> None:
    if not isinstance(value, bool | np.bool_):
        raise InputError(name, "True or False", repr(value))


def head_names(model: nn.Module) -> set[str]:
    """State-dict keys of a network's output head: its last ``nn.Linear``."""
    last = [name for name, m in model.named_modules() if isinstance(m, nn.Linear)][-1]
    return {f"{last}.weight", f"{last}.bias"}


def body_state(model: nn.Module) -> dict[str, np.ndarray]:
    """Every tensor of a network's state but its output head, as float/int arrays."""
    head = head_names(model)
    return {k: v.detach().cpu().numpy() for k, v in model.state_dict().items()
            if k not in head}


def load_body(model: nn.Module, path: str, *, freeze: bool) -> list[nn.Module]:
    """Load the pretrained layers written by `body_state` (``.npz``, no pickle) into
    `model`; with `freeze` their parameters stop training. Returns the modules whose
    parameters were frozen.

    Raises
    ------
    InputError
        Naming ``init``: an unreadable file, or layers missing or of other shapes (another
        architecture or example shape than the pretrained network's).
    """
    try:
        with np.load(path, allow_pickle=False) as archive:
            saved = {k: archive[k] for k in archive.files if not k.startswith("__")}
    except (OSError, ValueError) as exc:
        raise InputError("init", "a pretrained-weights .npz file written by datacurve",
                         f"{path!r} ({exc})") from None
    state = model.state_dict()
    head = head_names(model)
    wanted = {k for k in state if k not in head}
    if set(saved) != wanted:
        missing = sorted(wanted - set(saved))[:3] or sorted(set(saved) - wanted)[:3]
        raise InputError("init", "pretrained weights of this architecture",
                         f"{path!r} differs in layers {missing}")
    for key, arr in saved.items():
        if tuple(arr.shape) != tuple(state[key].shape):
            raise InputError("init", "pretrained weights of the same shapes (the same "
                             "architecture and example shape)",
                             f"{key} of shape {tuple(arr.shape)} in {path!r}, "
                             f"{tuple(state[key].shape)} here")
        state[key] = torch.as_tensor(arr).to(state[key].dtype)
    model.load_state_dict(state)
    frozen: list[nn.Module] = []
    if freeze:
        for name, module in model.named_modules():
            own = list(module.parameters(recurse=False))
            if own and all(f"{name}.{p}" not in head for p, _ in
                           module.named_parameters(recurse=False)):
                for param in own:
                    param.requires_grad_(False)
                frozen.append(module)
    return frozen


def _augmentation(name: str, value: Any) -> None:
    parse_augmentation(value)


def _odd_at_least_one(name: str, value: Any) -> None:
    # Odd sizes give symmetric padding, so stride-1 blocks keep the size exactly.
    if not _is_int(value) or value < 1 or value % 2 == 0:
        raise InputError(name, "an odd integer >= 1", repr(value))


_TRAINING_CHECKS: dict[str, _Check] = {
    "lr": _number(0.0, math.inf, low_open=True, high_open=True),
    "weight_decay": _number(0.0, math.inf, low_open=False, high_open=True),
    "batch_size": _int_at_least(1),
    "max_epochs": _int_at_least(1),
    "patience": _int_at_least(1),
    "val_fraction": _number(0.0, 1.0, low_open=True, high_open=True),
    "dropout": _number(0.0, 1.0, low_open=False, high_open=True),
    "device": _choice(*_DEVICES),
    "random_state": _seed,
    "task": _choice(*_TASKS),
    "augment": _augmentation,
    "init": _path_or_none,
    "freeze": _boolean,
}


def check_hyperparameters(cls: type[_TorchLearner], params: Mapping[str, Any]) -> None:
    """Check hyper-parameter values for one of the torch learners.

    Parameters
    ----------
    cls : type
        `MLPLearner` or `CNNLearner`.
    params : mapping
        Some or all of its hyper-parameters.

    Raises
    ------
    InputError
        Naming the first bad hyper-parameter; unknown names are reported with the
        accepted ones.
    """
    checks = {**_TRAINING_CHECKS, **cls._CHECKS}
    for name, value in params.items():
        if name not in checks:
            raise InputError(name, f"a hyper-parameter of {cls.__name__} "
                             f"({describe(sorted(checks), limit=20)})", repr(name))
        checks[name](name, value)


# -- data -----------------------------------------------------------------------------
def _finite_or_nan(X2: np.ndarray) -> np.ndarray:
    """±inf count as missing, like NaN: both are replaced by the feature mean."""
    if not np.isfinite(X2).all():
        X2 = np.where(np.isfinite(X2), X2, np.nan).astype(np.float32, copy=False)
    return X2


def _dense_stats(X2: np.ndarray, per_feature: bool) -> tuple[np.ndarray, np.ndarray]:
    """NaN-ignoring mean and std of (n, d) features, float64, shape (d,) or (1,)."""
    axis = 0 if per_feature else None
    mask = np.isnan(X2)
    if mask.any():
        count = np.maximum((~mask).sum(axis=axis), 1)
        filled = np.where(mask, 0.0, X2)
        mean = filled.sum(axis=axis, dtype=np.float64) / count
        sq = np.where(mask, 0.0, (filled - mean) ** 2).sum(axis=axis, dtype=np.float64)
        std = np.sqrt(sq / count)
    else:
        mean = X2.mean(axis=axis, dtype=np.float64)
        std = X2.std(axis=axis, dtype=np.float64)
    return np.atleast_1d(mean), np.atleast_1d(std)


def _sparse_stats(X: sp.csr_matrix, per_feature: bool) -> tuple[np.ndarray, np.ndarray]:
    """Mean and std of CSR features with implicit zeros, without densifying.

    Stored NaN entries are counted as zeros here (TF-IDF features have none); in
    batches they are still replaced by the mean.
    """
    X64 = X.astype(np.float64)
    if np.isnan(X64.data).any():
        X64.data = np.nan_to_num(X64.data, nan=0.0, posinf=0.0, neginf=0.0)
    n, d = X64.shape
    if per_feature:
        mean = np.asarray(X64.sum(axis=0)).ravel() / n
        sq = np.asarray(X64.multiply(X64).sum(axis=0)).ravel() / n
    else:
        mean = np.array([X64.data.sum() / (n * d)])
        sq = np.array([(X64.data**2).sum() / (n * d)])
    return mean, np.sqrt(np.maximum(sq - mean**2, 0.0))


class _Features:
    """Standardised (n, d) features, as a device tensor or CSR densified per batch.

    Dense features are standardised and moved to the device once, so a batch is one
    indexing operation; CSR features are densified only a batch at a time.
    """

    def __init__(self, X2: np.ndarray | sp.csr_matrix, mean: np.ndarray, std: np.ndarray,
                 device: torch.device, *, owned: bool = False) -> None:
        self.n = int(X2.shape[0])
        self.width = int(X2.shape[1])
        self.device = device
        self._mean = torch.as_tensor(mean, dtype=torch.float32, device=device)
        self._std = torch.as_tensor(std, dtype=torch.float32, device=device)
        self._csr: sp.csr_matrix | None = None
        self._dense: torch.Tensor | None = None
        if sp.issparse(X2):
            self._csr = X2
        else:
            # A copy we own (rows picked for training) is standardised in place: dense
            # data then costs one extra copy of X, not two.
            t = torch.from_numpy(X2).to(device)
            self._dense = self._standardise(t, inplace=owned or t.data_ptr() != X2.ctypes.data)

    def _standardise(self, t: torch.Tensor, *, inplace: bool = False) -> torch.Tensor:
        # Missing values become 0 after standardising: the training mean.
        if not inplace:
            t = t.clone()
        return t.sub_(self._mean).div_(self._std).nan_to_num_(nan=0.0, posinf=0.0, neginf=0.0)

    def zero(self) -> torch.Tensor:
        """Where a raw value of 0 lies after standardising, shape (d,): computed with the
        same float32 operations as the rows, so equal bit for bit."""
        d = self._mean.numel() if self._mean.numel() > 1 else self.width
        return self._standardise(torch.zeros((1, d), device=self.device), inplace=True)[0]

    def take(self, idx: torch.Tensor) -> torch.Tensor:
        """Rows `idx` (a CPU int64 tensor) as a float32 tensor of shape (len(idx), d)."""
        if self._dense is not None:
            return self._dense[idx.to(self.device)]
        assert self._csr is not None
        rows = self._csr[idx.numpy()].toarray()
        return self._standardise(torch.from_numpy(rows).to(self.device), inplace=True)


def _batches(order: torch.Tensor, size: int) -> list[torch.Tensor]:
    """Split `order` into batches, folding a trailing batch of one into the previous.

    BatchNorm cannot normalise a batch of one example at a 1×1 spatial size, and a
    single-example step is mostly noise anyway.
    """
    parts = list(order.split(size))
    if len(parts) > 1 and len(parts[-1]) == 1:
        parts[-2:] = [torch.cat(parts[-2:])]
    return parts


def _validation_size(n: int, fraction: float) -> int:
    """Examples a validation slice of `fraction` of n would hold: at least 1, at most n - 1."""
    return min(max(1, round(fraction * n)), n - 1)


def _validation_split(n: int, fraction: float, codes: np.ndarray | None,
                      rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Indices (train, validation) carved from the n >= 2 examples given to `fit`.

    The slice holds `_validation_size` examples. For classification it is stratified
    when every class has at least 2 examples, and then each class keeps at least one
    example for training (which can leave the slice a little smaller).
    """
    n_val = _validation_size(n, fraction)
    if codes is not None:
        counts = np.bincount(codes)
        counts = counts[counts > 0]
        if counts.min() >= 2:
            exact = counts * (n_val / n)
            quota = np.floor(exact).astype(np.int64)
            # Largest remainders get the leftover examples (stable, so deterministic).
            short = n_val - int(quota.sum())
            quota[np.argsort(-(exact - quota), kind="stable")[:short]] += 1
            quota = np.minimum(quota, counts - 1)
            labels = np.unique(codes)
            val = np.concatenate([
                rng.permutation(np.flatnonzero(codes == c))[:q]
                for c, q in zip(labels, quota, strict=True)
            ])
            mask = np.zeros(n, dtype=bool)
            mask[val] = True
            return np.flatnonzero(~mask), np.sort(val)
    order = rng.permutation(n)
    return np.sort(order[n_val:]), np.sort(order[:n_val])


@dataclass(frozen=True, eq=False)
class TrainingPlan:
    """How one fit trains: early stopping on a validation slice, or a fixed budget.

    Attributes
    ----------
    train : ndarray of int64, shape (m,)
        Positions (among the n examples given to `fit`) trained on.
    validation : ndarray of int64, shape (v,)
        Positions held out to judge epochs; empty without early stopping.
    epochs : int
        Most epochs with early stopping, else exactly the epochs to run.
    early_stopping : bool
        Whether epochs are judged on `validation` and the best weights restored.
    """

    train: np.ndarray
    validation: np.ndarray
    epochs: int
    early_stopping: bool


def fixed_budget_epochs(n: int, batch_size: int, epoch_limit: int) -> int:
    """Epochs for a fit without early stopping: a step budget spread over `n` examples.

    The budget is what `epoch_limit` epochs over `BUDGET_REFERENCE_ROWS` rows take,
    ``epoch_limit * ceil(256 / batch_size)`` steps, so a subset of 16 trains as many
    steps as a typical early-stopped run of a few hundred examples rather than
    `epoch_limit` steps of one batch each; subsets of more than about 256 rows train
    `epoch_limit` epochs, as many as an early-stopped run may.

    Parameters
    ----------
    n : int
        Examples trained on (>= 1).
    batch_size : int
        Mini-batch size (>= 1); batches per epoch are ``ceil(n / batch_size)``.
    epoch_limit : int
        The learner's epoch limit (>= 1).

    Returns
    -------
    int
        ``max(epoch_limit, ceil(budget / batches per epoch))``.
    """
    budget = epoch_limit * math.ceil(BUDGET_REFERENCE_ROWS / batch_size)
    batches = math.ceil(n / min(batch_size, n))
    return max(epoch_limit, math.ceil(budget / batches))


def plan_training(n: int, *, codes: np.ndarray | None, fraction: float, batch_size: int,
                  epoch_limit: int, rng: np.random.Generator,
                  early_stopping: bool = True) -> TrainingPlan:
    """Choose between early stopping and a fixed budget for a fit on n examples.

    Early stopping runs only when the validation slice (`fraction` of the n examples,
    stratified for classification) holds at least `MIN_VALIDATION_PER_CLASS` examples
    per class (``5 * k`` for k classes) or, for regression, `MIN_VALIDATION_ROWS` rows.
    Otherwise nothing is held out: all n examples train for `fixed_budget_epochs`.

    Parameters
    ----------
    n : int
        Examples given to `fit` (>= 1).
    codes : ndarray of int64, shape (n,), or None
        Class codes (classification); None for regression.
    fraction : float
        Share of the n examples the validation slice would hold, in (0, 1).
    batch_size : int
    epoch_limit : int
        Most epochs with early stopping; scales the fixed budget.
    rng : numpy.random.Generator
        Draws the validation slice.
    early_stopping : bool
        False: no slice, exactly `epoch_limit` epochs (the user asked for no early
        stopping).

    Returns
    -------
    TrainingPlan
    """
    everything, nothing = np.arange(n), np.arange(0)
    if not early_stopping:
        return TrainingPlan(everything, nothing, epoch_limit, False)
    needed = (MIN_VALIDATION_PER_CLASS * len(np.unique(codes)) if codes is not None
              else MIN_VALIDATION_ROWS)
    if n >= 2 and _validation_size(n, fraction) >= needed:
        train, validation = _validation_split(n, fraction, codes, rng)
        # Stratification may keep a little back for rare classes: check the slice itself.
        if len(validation) >= needed:
            return TrainingPlan(train, validation, epoch_limit, True)
    return TrainingPlan(everything, nothing, fixed_budget_epochs(n, batch_size, epoch_limit),
                        False)


class BestEpochTracker:
    """Early stopping's judgement: keep the weights of the epoch with the lowest
    validation loss, and stop after `patience` epochs without a new best.

    Parameters
    ----------
    patience : int
        Epochs without improvement before stopping (>= 1).
    """

    def __init__(self, patience: int) -> None:
        self.patience = patience
        self.best_loss = math.inf
        self.best_epoch = 0
        self._state: dict[str, torch.Tensor] | None = None

    def update(self, epoch: int, loss: float, model: nn.Module) -> bool:
        """Record epoch `epoch`'s validation loss; True when training should stop."""
        if loss < self.best_loss:
            self.best_loss, self.best_epoch = loss, epoch
            self._state = {k: v.detach().clone() for k, v in model.state_dict().items()}
            return False
        return epoch - self.best_epoch >= self.patience

    def restore(self, model: nn.Module) -> None:
        """Load the best epoch's weights into `model` (nothing when none was recorded)."""
        if self._state is not None:
            model.load_state_dict(self._state)


# -- the learners -----------------------------------------------------------------------
class _TorchLearner(BaseEstimator):
    """Training, prediction and input handling shared by the torch learners.

    Subclasses define ``__init__`` with explicit keywords (scikit-learn reads the
    hyper-parameters from its signature), `_CHECKS`, `_PER_FEATURE_STATS`,
    `_accept_feature_shape` and `_build_network`.
    """

    _CHECKS: ClassVar[dict[str, _Check]] = {}
    # Per-feature standardisation (MLP) or one global mean/std (CNN: keeps the relative
    # scale of positions, which a convolution shares weights across).
    _PER_FEATURE_STATS: ClassVar[bool] = True

    lr: float
    weight_decay: float
    batch_size: int
    max_epochs: int
    patience: int
    val_fraction: float
    dropout: float
    device: str
    random_state: int | None
    task: str
    augment: str | None
    init: str | None
    freeze: bool

    # Fitted attributes (set by fit).
    model_: nn.Module
    classes_: np.ndarray
    task_: str
    device_: torch.device
    feature_shape_: tuple[int, ...]
    n_features_in_: int
    x_mean_: np.ndarray
    x_std_: np.ndarray
    y_mean_: float
    y_std_: float
    n_params_: int
    n_epochs_: int
    best_epoch_: int
    best_val_loss_: float
    history_: list[float]
    train_history_: list[float]
    val_indices_: np.ndarray
    early_stopping_: bool
    seed_: int

    # -- scikit-learn integration ---------------------------------------------------------
    def _task_hint(self) -> str:
        """The fitted task, else the configured one (``"auto"`` can classify)."""
        task = getattr(self, "task_", None) or self.task
        return "regression" if task == "regression" else "classification"

    def __sklearn_tags__(self) -> Tags:
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.input_tags.allow_nan = True
        tags.input_tags.three_d_array = True
        tags.target_tags.required = True
        if self._task_hint() == "classification":
            tags.estimator_type = "classifier"
            tags.classifier_tags = ClassifierTags()
        else:
            tags.estimator_type = "regressor"
            tags.regressor_tags = RegressorTags()
        return tags

    # -- input checks ---------------------------------------------------------------------
    def _accept_feature_shape(self, shape: tuple[int, ...]) -> None:
        """Raise InputError when this network cannot take examples of `shape`."""

    def _build_network(self, n_outputs: int) -> nn.Module:
        raise NotImplementedError

    def _augment_shape(self) -> tuple[int, ...]:
        """The example shape augmentation sees: the shape given to `fit`."""
        return self.feature_shape_

    def _as_2d(self, X: Any, *, fitting: bool) -> np.ndarray | sp.csr_matrix:
        """Features as float32 (n, d): dense C-contiguous, or CSR."""
        if sp.issparse(X):
            X2: np.ndarray | sp.csr_matrix = sp.csr_matrix(X, dtype=np.float32)
            shape: tuple[int, ...] = (int(X2.shape[1]),)
        else:
            try:
                arr = np.asarray(X, dtype=np.float32)
            except (TypeError, ValueError) as exc:
                raise InputError("X", "numeric features", f"{type(X).__name__} ({exc})") from None
            if arr.ndim < 2:
                raise InputError("X", "an array of shape (n, *feature_shape)",
                                 f"shape {arr.shape}")
            shape = tuple(int(s) for s in arr.shape[1:])
            if arr.shape[0] == 0:
                raise InputError("X", "at least one example", f"shape {arr.shape}")
            X2 = _finite_or_nan(np.ascontiguousarray(arr.reshape(arr.shape[0], -1)))
        if X2.shape[0] == 0:
            raise InputError("X", "at least one example", "0 rows")
        if fitting:
            self._accept_feature_shape(shape)
            self.feature_shape_ = shape
            self.n_features_in_ = int(np.prod(shape))
        elif shape != self.feature_shape_:
            raise InputError("X", f"examples of shape {self.feature_shape_} as in fit",
                             f"shape {shape}")
        return X2

    def _resolve_task(self, y: np.ndarray) -> str:
        if self.task != "auto":
            return self.task
        # Integer, boolean and non-numeric labels are classes; float targets regress.
        return "regression" if y.dtype.kind in "fc" else "classification"

    # -- fit ------------------------------------------------------------------------------
    def fit(self, X: Any, y: Any) -> Self:
        """Train on `X` and `y`, stopping early on a slice carved from them when it can
        hold `MIN_VALIDATION_PER_CLASS` examples per class (`MIN_VALIDATION_ROWS` for
        regression), else for a fixed budget (`plan_training`).

        Parameters
        ----------
        X : array-like of shape (n, *s) or CSR matrix of shape (n, d)
            Features; NaN and ±inf are treated as missing (replaced by the mean).
        y : array-like of shape (n,)
            Class labels (any values; mapped to codes via `numpy.unique`) or float
            regression targets.

        Returns
        -------
        self
        """
        check_hyperparameters(type(self), self.get_params(deep=False))
        self.device_ = resolve_device(self.device)
        X2 = self._as_2d(X, fitting=True)
        y_arr = np.asarray(y)
        n = int(X2.shape[0])
        if y_arr.ndim != 1 or y_arr.shape[0] != n:
            raise InputError("y", f"an array of shape ({n},) matching X", f"shape {y_arr.shape}")
        task = self._resolve_task(y_arr)
        self.task_ = task
        self.seed_ = (int(np.random.default_rng().integers(2**63)) if self.random_state is None
                      else int(self.random_state))
        rng = np.random.default_rng(self.seed_)

        codes: np.ndarray | None = None
        if task == "classification":
            if y_arr.dtype.kind in "fc" and not np.isfinite(y_arr).all():
                raise InputError("y", "class labels without NaN", "NaN among the labels")
            self.classes_, inverse = np.unique(y_arr, return_inverse=True)
            codes = inverse.astype(np.int64).ravel()
            n_outputs = len(self.classes_)
        else:
            self.__dict__.pop("classes_", None)  # from an earlier classification fit
            try:
                targets = y_arr.astype(np.float64)
            except (TypeError, ValueError):
                raise InputError("y", "numeric regression targets",
                                 f"dtype {y_arr.dtype}") from None
            if not np.isfinite(targets).all():
                raise InputError("y", "finite regression targets", "NaN or inf among them")
            n_outputs = 1

        plan = plan_training(n, codes=codes, fraction=self.val_fraction,
                             batch_size=self.batch_size, epoch_limit=self.max_epochs, rng=rng)
        train_idx, val_idx = plan.train, plan.validation
        self.val_indices_ = val_idx
        self.early_stopping_ = plan.early_stopping

        X_train = X2[train_idx]
        if sp.issparse(X_train):
            mean, std = _sparse_stats(X_train, self._PER_FEATURE_STATS)
        else:
            mean, std = _dense_stats(X_train, self._PER_FEATURE_STATS)
        mean = np.nan_to_num(mean, nan=0.0)
        std = np.where(np.isfinite(std) & (std > _MIN_STD), std, 1.0)
        self.x_mean_, self.x_std_ = mean.astype(np.float32), std.astype(np.float32)

        if codes is not None:
            y_all = torch.from_numpy(codes)
        else:
            t_train = targets[train_idx]
            self.y_mean_ = float(t_train.mean())
            self.y_std_ = float(t_train.std()) if t_train.std() > _MIN_STD else 1.0
            y_all = torch.from_numpy(((targets - self.y_mean_) / self.y_std_).astype(np.float32))

        augmentation = parse_augmentation(self.augment)
        if augmentation is not None:
            augmentation.check_shape(self._augment_shape())
        self.n_classes_ = n_outputs if codes is not None else 0
        devices = [self.device_.index or 0] if self.device_.type == "cuda" else []
        # Seeding inside fork_rng keeps the caller's global torch RNG untouched while
        # making initialisation and dropout depend on random_state only.
        with torch.random.fork_rng(devices=devices):
            torch.manual_seed(self.seed_)
            self._train(
                _Features(X_train, self.x_mean_, self.x_std_, self.device_, owned=True),
                y_all[train_idx].to(self.device_),
                _Features(X2[val_idx], self.x_mean_, self.x_std_, self.device_, owned=True)
                if len(val_idx) else None,
                y_all[val_idx].to(self.device_),
                n_outputs,
                plan.epochs,
            )
        return self

    def _loss_fn(self) -> nn.Module:
        if self.task_ == "classification":
            return nn.CrossEntropyLoss()
        return nn.MSELoss()

    def _outputs(self, model: nn.Module, xb: torch.Tensor) -> torch.Tensor:
        out = model(xb)
        return out if self.task_ == "classification" else out[:, 0]

    def _train(self, train: _Features, y_train: torch.Tensor, val: _Features | None,
               y_val: torch.Tensor, n_outputs: int, epochs: int) -> None:
        """Train for at most `epochs` (early stopping on `val`) or exactly (`val` None)."""
        model = self._build_network(n_outputs).to(self.device_)
        frozen: list[nn.Module] = []
        if self.init is not None:
            frozen = load_body(model, self.init, freeze=bool(self.freeze))
        self.n_params_ = sum(p.numel() for p in model.parameters() if p.requires_grad)
        opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad],
                                lr=self.lr, weight_decay=self.weight_decay)
        loss_fn = self._loss_fn()
        shuffle = torch.Generator().manual_seed(self.seed_)
        augmentation = parse_augmentation(self.augment)
        if augmentation is not None:
            # Fresh random transformations every epoch, drawn from the trial's seed.
            aug_rng = np.random.default_rng([self.seed_, 1])
            aug_gen = torch.Generator().manual_seed(self.seed_ + 1)
            shape = self._augment_shape()
            zero = train.zero()
        batch_size = min(self.batch_size, train.n)
        self.history_, self.train_history_ = [], []
        best = BestEpochTracker(self.patience)
        epoch = 0
        for epoch in range(1, epochs + 1):
            model.train()
            for module in frozen:  # frozen layers keep their pretrained statistics too
                module.eval()
            total = torch.zeros((), device=self.device_)
            for idx in _batches(torch.randperm(train.n, generator=shuffle), batch_size):
                xb, yb = train.take(idx), y_train[idx.to(self.device_)]
                if augmentation is not None:
                    xb, yb = augmentation.apply(xb, yb, shape=shape, zero=zero,
                                                n_classes=self.n_classes_, rng=aug_rng,
                                                gen=aug_gen)
                loss = loss_fn(self._outputs(model, xb), yb)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                total += loss.detach() * len(idx)
            self.train_history_.append(float(total) / train.n)
            if val is None:
                continue
            val_loss = self._mean_loss(model, val, y_val, loss_fn)
            self.history_.append(val_loss)
            if best.update(epoch, val_loss, model):
                break
        best.restore(model)
        self.n_epochs_ = epoch
        self.best_epoch_ = best.best_epoch if val is not None else epoch
        self.best_val_loss_ = best.best_loss if val is not None else math.nan
        model.eval()
        self.model_ = model

    def _mean_loss(self, model: nn.Module, data: _Features, y: torch.Tensor,
                   loss_fn: nn.Module) -> float:
        """Mean loss over `data` in eval mode (batch norm uses running statistics)."""
        model.eval()
        total = torch.zeros((), device=self.device_)
        with torch.no_grad():
            for idx in torch.arange(data.n).split(_EVAL_BATCH):
                loss = loss_fn(self._outputs(model, data.take(idx)), y[idx.to(self.device_)])
                total += loss * len(idx)
        return float(total) / data.n

    # -- predict --------------------------------------------------------------------------
    def _forward(self, X: Any) -> torch.Tensor:
        """Raw network outputs for `X`, shape (n, k) or (n, 1), on the CPU."""
        check_is_fitted(self, "model_")
        data = _Features(self._as_2d(X, fitting=False), self.x_mean_, self.x_std_, self.device_)
        self.model_.eval()
        with torch.no_grad():
            outs = [self.model_(data.take(idx)) for idx in torch.arange(data.n).split(_EVAL_BATCH)]
        return torch.cat(outs).cpu()

    @available_if(lambda self: self._task_hint() == "classification")
    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities.

        Parameters
        ----------
        X : array-like of shape (n, *s) or CSR matrix of shape (n, d)

        Returns
        -------
        ndarray of shape (n, k), float64
            Rows sum to 1; columns follow ``classes_``.
        """
        proba = torch.softmax(self._forward(X).double(), dim=1).numpy()
        return proba / proba.sum(axis=1, keepdims=True)

    @available_if(lambda self: self._task_hint() == "classification")
    def predict_proba_samples(self, X: Any, n_samples: int = 20) -> np.ndarray:
        """Class probabilities from `n_samples` forward passes with dropout left on
        (Monte Carlo dropout, Gal & Ghahramani, ICML 2016): what BALD reads. Batch
        normalisation stays in evaluation mode; the passes are seeded from
        ``random_state``, so the same call gives the same samples.

        Parameters
        ----------
        X : array-like of shape (n, *s) or CSR matrix of shape (n, d)
        n_samples : int

        Returns
        -------
        ndarray of shape (n_samples, n, k), float64

        Raises
        ------
        InputError
            Naming ``model``: the network has no dropout (every pass would agree).
        """
        check_is_fitted(self, "model_")
        drops = [m for m in self.model_.modules() if isinstance(m, nn.Dropout) and m.p > 0]
        if not drops:
            raise InputError("model", "a network with dropout for Monte Carlo dropout "
                             "(e.g. mlp:dropout=0.2 or cnn:dropout=0.2)",
                             f"{type(self).__name__} without dropout")
        data = _Features(self._as_2d(X, fitting=False), self.x_mean_, self.x_std_, self.device_)
        self.model_.eval()
        devices = [self.device_.index or 0] if self.device_.type == "cuda" else []
        try:
            for m in drops:
                m.train()
            with torch.random.fork_rng(devices=devices), torch.no_grad():
                torch.manual_seed(self.seed_)
                samples = [torch.cat([torch.softmax(self.model_(data.take(idx)).double(), dim=1)
                                      for idx in torch.arange(data.n).split(_EVAL_BATCH)])
                           for _ in range(int(n_samples))]
        finally:
            self.model_.eval()
        out = torch.stack(samples).cpu().numpy()
        return out / out.sum(axis=2, keepdims=True)

    def predict(self, X: Any) -> np.ndarray:
        """Predicted labels (from ``classes_``) or float64 regression targets.

        Parameters
        ----------
        X : array-like of shape (n, *s) or CSR matrix of shape (n, d)

        Returns
        -------
        ndarray of shape (n,)
        """
        out = self._forward(X)
        if self.task_ == "classification":
            return np.asarray(self.classes_[out.argmax(dim=1).numpy()])
        return out[:, 0].double().numpy() * self.y_std_ + self.y_mean_


class MLPLearner(_TorchLearner):
    """Multilayer perceptron: `depth` hidden layers of `width` ReLU units.

    Examples of any feature shape are flattened to d features, standardised per
    feature with the mean and std of the training part (the examples given to `fit`
    minus the validation slice).

    Parameters
    ----------
    width : int
        Units per hidden layer.
    depth : int
        Hidden layers; 0 gives a linear model.
    lr : float
        AdamW learning rate.
    weight_decay : float
        AdamW decoupled weight decay.
    batch_size : int
        Mini-batch size (capped at the number of training examples).
    max_epochs : int
        Upper bound on passes over the training examples with early stopping; scales
        the fixed budget without it (see `val_fraction`).
    patience : int
        Stop after this many epochs without a new best validation loss; the weights of
        the best epoch are restored.
    val_fraction : float
        Share of the examples given to `fit` held out for early stopping (stratified
        for classification when every class has at least 2 examples). Early stopping
        runs only when that slice holds at least 5 examples per class
        (`MIN_VALIDATION_PER_CLASS`; 500 examples at 0.1 for 10 classes) or 20 rows
        for regression (`MIN_VALIDATION_ROWS`). Otherwise nothing is held out and all
        examples train for a fixed budget of ``max_epochs * ceil(256 / batch_size)``
        optimisation steps, at least ``max_epochs`` epochs (`fixed_budget_epochs`).
    dropout : float
        Dropout probability after each hidden layer.
    device : {"auto", "cpu", "cuda"}
    random_state : int or None
        Seeds initialisation, dropout, shuffling and the validation slice; equal
        seeds and inputs give bitwise-equal predictions within one process.
    task : {"auto", "classification", "regression"}
        ``"auto"``: classification for integer, boolean or non-numeric labels,
        regression (MSE on standardised targets) for float ones.
    augment : str or None
        Augmentation applied on the fly to every training batch, each example with its
        own random parameters every epoch (`datacurve.models.AUGMENTATIONS`), e.g.
        ``"shift=0.1+noise=0.05"`` for signals, ``"flip+crop=0.8+rotate=10"`` for
        images, ``"noise=0.1+mixup=0.2"`` for tables; None for none. The validation
        slice and predictions are never augmented.
    init : str or None
        Path of pretrained weights (`datacurve.strategies.pretrain` writes them: an
        ``.npz`` of every layer but the output head, read without pickle): the network
        starts from them, with a fresh head for this task (transfer learning). Every
        layer must match the file's shapes (same architecture and example shape).
    freeze : bool
        With `init`: train the new head only, the pretrained layers (and their batch
        statistics) fixed; else fine-tune every layer.

    Attributes
    ----------
    classes_ : ndarray of shape (k,)
        Class labels (classification).
    n_params_ : int
        Trainable parameters.
    n_epochs_ : int
        Epochs trained.
    early_stopping_ : bool
        Whether early stopping ran (else a fixed budget, and nothing was held out).
    best_epoch_ : int
        Epoch whose weights were kept (1-based; the last without early stopping).
    best_val_loss_ : float
        Validation loss of that epoch (NaN when nothing was held out).
    history_ : list of float
        Validation loss per epoch (empty without early stopping).
    train_history_ : list of float
        Mean training loss per epoch.
    val_indices_ : ndarray of int64, shape (v,)
        Rows of the `fit` data held out for early stopping (empty without it).
    task_ : str
        Task that was fitted.
    """

    _CHECKS: ClassVar[dict[str, _Check]] = {
        "width": _int_at_least(1),
        "depth": _int_at_least(0),
    }

    def __init__(
        self,
        width: int = 128,
        depth: int = 2,
        lr: float = 1e-3,
        weight_decay: float = 1e-2,
        batch_size: int = 128,
        max_epochs: int = 100,
        patience: int = 10,
        val_fraction: float = 0.1,
        dropout: float = 0.0,
        device: str = "auto",
        random_state: int | None = 0,
        task: str = "auto",
        augment: str | None = None,
        init: str | None = None,
        freeze: bool = False,
    ) -> None:
        self.width = width
        self.depth = depth
        self.lr = lr
        self.weight_decay = weight_decay
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.patience = patience
        self.val_fraction = val_fraction
        self.dropout = dropout
        self.device = device
        self.random_state = random_state
        self.task = task
        self.augment = augment
        self.init = init
        self.freeze = freeze

    def _build_network(self, n_outputs: int) -> nn.Module:
        layers: list[nn.Module] = []
        n_in = self.n_features_in_
        for _ in range(self.depth):
            layers += [nn.Linear(n_in, self.width), nn.ReLU()]
            if self.dropout > 0:
                layers.append(nn.Dropout(self.dropout))
            n_in = self.width
        layers.append(nn.Linear(n_in, n_outputs))
        return nn.Sequential(*layers)


class CNNLearner(_TorchLearner):
    """Small convolutional network for sequences (1-D) and images (2-D).

    Input shapes: ``(n, L)`` is one-channel 1-D; ``(n, c, h, w)`` is 2-D. A 3-D input
    ``(n, a, b)`` is ambiguous: with ``conv="auto"`` it is read as ``(n, c, L)``
    (1-D, ``a`` channels) when ``b >= 4 * a`` (few channels, long signals) and as a
    one-channel ``(n, h, w)`` image otherwise; ``conv="1d"``/``"2d"`` decides
    explicitly. CSR features ``(n, d)`` are one-channel sequences.

    `depth` blocks of convolution (`width` channels, `kernel_size`, stride 2 along each
    spatial axis while it is longer than 4, else stride 1 with 'same' padding), batch
    norm and ReLU; then flatten (which keeps position information, as MNIST-1D needs)
    and a linear head. Maps larger than 4096 values are average-pooled to at most
    4096 before the head. Inputs are standardised with one global mean and std.

    Parameters
    ----------
    width : int
        Channels of every convolution; parameters grow about quadratically with it.
    depth : int
        Convolution blocks (>= 1).
    kernel_size : int
        Odd kernel size along each spatial axis.
    conv : {"auto", "1d", "2d"}
        How to read 3-D inputs (see above).
    lr, weight_decay, batch_size, max_epochs, patience, val_fraction, dropout
        As for `MLPLearner`; `dropout` applies before the head.
    device, random_state, task, augment
        As for `MLPLearner`; signal operations act along the last axis of `input_shape_`.

    Attributes
    ----------
    input_shape_ : tuple of int
        ``(c, L)`` or ``(c, h, w)`` as seen by the first convolution.
    classes_, n_params_, n_epochs_, early_stopping_, best_epoch_, best_val_loss_
        As for `MLPLearner`.
    history_, train_history_, val_indices_, task_
        As for `MLPLearner`.
    """

    _CHECKS: ClassVar[dict[str, _Check]] = {
        "width": _int_at_least(1),
        "depth": _int_at_least(1),
        "kernel_size": _odd_at_least_one,
        "conv": _choice("auto", "1d", "2d"),
    }
    _PER_FEATURE_STATS: ClassVar[bool] = False

    input_shape_: tuple[int, ...]

    def __init__(
        self,
        width: int = 16,
        depth: int = 3,
        kernel_size: int = 5,
        conv: str = "auto",
        lr: float = 1e-3,
        weight_decay: float = 1e-2,
        batch_size: int = 128,
        max_epochs: int = 100,
        patience: int = 10,
        val_fraction: float = 0.1,
        dropout: float = 0.0,
        device: str = "auto",
        random_state: int | None = 0,
        task: str = "auto",
        augment: str | None = None,
        init: str | None = None,
        freeze: bool = False,
    ) -> None:
        self.width = width
        self.depth = depth
        self.kernel_size = kernel_size
        self.conv = conv
        self.lr = lr
        self.weight_decay = weight_decay
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.patience = patience
        self.val_fraction = val_fraction
        self.dropout = dropout
        self.device = device
        self.random_state = random_state
        self.task = task
        self.augment = augment
        self.init = init
        self.freeze = freeze

    def _accept_feature_shape(self, shape: tuple[int, ...]) -> None:
        """Set ``input_shape_`` from the example shape, or raise InputError."""
        expected = "examples of shape (L,), (c, L), (h, w) or (c, h, w)"
        if len(shape) == 1:
            if self.conv == "2d":
                raise InputError("X", f"2-D examples for conv='2d', {expected}",
                                 f"examples of shape {shape}")
            self.input_shape_ = (1, shape[0])
        elif len(shape) == 2:
            a, b = shape
            one_d = self.conv == "1d" or (self.conv == "auto" and b >= 4 * a)
            self.input_shape_ = (a, b) if one_d else (1, a, b)
        elif len(shape) == 3:
            if self.conv == "1d":
                raise InputError("X", f"1-D examples for conv='1d', {expected}",
                                 f"examples of shape {shape}")
            self.input_shape_ = shape
        else:
            raise InputError("X", expected, f"examples of shape {shape}")

    def _augment_shape(self) -> tuple[int, ...]:
        """The example shape augmentation sees: what the first convolution reads, so a
        (h, w) input read as a 1-D (c, L) signal is shifted along L."""
        return self.input_shape_

    def _build_network(self, n_outputs: int) -> nn.Module:
        channels, *spatial = self.input_shape_
        two_d = len(spatial) == 2
        conv_cls = nn.Conv2d if two_d else nn.Conv1d
        norm_cls = nn.BatchNorm2d if two_d else nn.BatchNorm1d
        k = self.kernel_size
        layers: list[nn.Module] = [nn.Unflatten(1, self.input_shape_)]
        for _ in range(self.depth):
            stride: Any = tuple(2 if s > 4 else 1 for s in spatial)
            # With an odd kernel, padding (k-1)/2 keeps the size at stride 1 and gives
            # ceil(s/2) at stride 2.
            layers += [
                conv_cls(channels, self.width, k, stride=stride, padding=(k - 1) // 2,
                         bias=False),  # batch norm's shift makes a bias redundant
                norm_cls(self.width),
                nn.ReLU(),
            ]
            spatial = [-(-s // st) for s, st in zip(spatial, stride, strict=True)]
            channels = self.width
        if channels * math.prod(spatial) > _MAX_HEAD_INPUTS:
            # Halve the longest axis until the head is small enough; keeps a coarse
            # layout rather than pooling positions away altogether.
            while channels * math.prod(spatial) > _MAX_HEAD_INPUTS and max(spatial) > 1:
                i = int(np.argmax(spatial))
                spatial[i] = -(-spatial[i] // 2)
            pool = nn.AdaptiveAvgPool2d(tuple(spatial)) if two_d else nn.AdaptiveAvgPool1d(
                spatial[0])
            layers.append(pool)
        layers.append(nn.Flatten())
        if self.dropout > 0:
            layers.append(nn.Dropout(self.dropout))
        layers.append(nn.Linear(channels * math.prod(spatial), n_outputs))
        return nn.Sequential(*layers)
