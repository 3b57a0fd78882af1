"""Learners: model spec strings, the built-in torch learners, and model size.

A model spec string (``mlp:width=256``, ``cnn:width=16``,
``sklearn:LogisticRegression(C=0.5)``, ``mypkg.module:ClassName(a=1)``) is parsed by
`parse_spec` into a `ModelSpec`, whose ``canonical`` string is the store key and whose
``build(task, random_state)`` gives a fresh learner. Any scikit-learn estimator is a
`Learner`; `parameter_count` measures a fitted one. A spec calls a function (a model
factory) only from a module the user allowed (`allow_modules`).

The torch learners (`MLPLearner`, `CNNLearner`, `resolve_device`) are imported on first
use, so ``import datacurve`` does not pay for importing torch.
"""

from __future__ import annotations

import typing as _typing

from datacurve.models._protocol import (
    Learner,
    ProbabilisticLearner,
    is_classifier_learner,
    parameter_count,
)
from datacurve.models._resolve import LearnerEntry, resolve_learners, wants_frame
from datacurve.models._spec import (
    ALLOW_MODULES_ENV,
    AUTO_EARLY_STOPPING,
    BUILTIN_MODELS,
    LEARNER_KINDS,
    SIZE_KNOBS,
    TORCH_TRAINING_RULE,
    ModelSpec,
    allow_modules,
    architecture,
    describe_spec,
    early_stopping_above,
    is_network,
    learner_kind,
    parse_spec,
    spec_identity,
    spec_kwargs,
    spec_module,
)
from datacurve.models._user import (
    FunctionLearner,
    IndexLearner,
    RowAccess,
    TorchLearner,
    TrialOutput,
    callable_id,
    callable_name,
)

if _typing.TYPE_CHECKING:
    from datacurve.models._augment import (
        AUGMENTATIONS,
        MODALITY_KINDS,
        Augmentation,
        parse_augmentation,
    )
    from datacurve.models._torch import (
        CNNLearner,
        MLPLearner,
        body_state,
        load_body,
        resolve_device,
    )

__all__ = [
    "ALLOW_MODULES_ENV",
    "AUGMENTATIONS",
    "AUTO_EARLY_STOPPING",
    "BUILTIN_MODELS",
    "LEARNER_KINDS",
    "MODALITY_KINDS",
    "SIZE_KNOBS",
    "TORCH_TRAINING_RULE",
    "Augmentation",
    "CNNLearner",
    "FunctionLearner",
    "IndexLearner",
    "Learner",
    "LearnerEntry",
    "MLPLearner",
    "ModelSpec",
    "ProbabilisticLearner",
    "RowAccess",
    "TorchLearner",
    "TrialOutput",
    "allow_modules",
    "architecture",
    "body_state",
    "callable_id",
    "callable_name",
    "describe_spec",
    "early_stopping_above",
    "is_classifier_learner",
    "is_network",
    "learner_kind",
    "load_body",
    "parameter_count",
    "parse_augmentation",
    "parse_spec",
    "resolve_device",
    "resolve_learners",
    "spec_identity",
    "spec_kwargs",
    "spec_module",
    "wants_frame",
]

_LAZY = {"CNNLearner", "MLPLearner", "body_state", "load_body", "resolve_device"}
_LAZY_AUGMENT = {"AUGMENTATIONS", "MODALITY_KINDS", "Augmentation", "parse_augmentation"}


def __getattr__(name: str) -> _typing.Any:
    # Both import torch, which most commands never need.
    if name in _LAZY:
        from datacurve.models import _torch

        return getattr(_torch, name)
    if name in _LAZY_AUGMENT:
        from datacurve.models import _augment

        return getattr(_augment, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | _LAZY | _LAZY_AUGMENT)
