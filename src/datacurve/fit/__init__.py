"""The fit room: learning curves, their extrapolation, joint scaling laws, planning, and
the decisions of a budgeted run."""

from datacurve import _hooks
from datacurve.fit._budget import WARMUP_SIZES, budget_step
from datacurve.fit._compute import Compute, compute_spent
from datacurve.fit._curve import (
    DEFAULT_FAMILIES,
    EVIDENCE_ALPHA,
    EVIDENCE_NARROW,
    Evidence,
    LearningCurve,
    correct_with_others,
    fit_learning_curve,
)
from datacurve.fit._families import FAMILIES, Family, FamilyFit, fit_family
from datacurve.fit._plan import (
    MAX_ROUND_GROWTH,
    SIZE_BIAS_LOG2,
    SIZE_CORRECTION,
    DataPlan,
    fit_curves,
    fit_model_curve,
    plan,
    samples_interval,
    samples_needed,
)
from datacurve.fit._scaling import (
    N_HORIZON,
    Allocation,
    ComputeModel,
    ScalingLaw,
    SweepLaw,
    compute_optimal,
    fit_compute_model,
    fit_scaling_law,
    fit_sweep_laws,
)
from datacurve.fit._timing import TimeModel, fit_time_model

_hooks.provide("budget_step", budget_step)

__all__ = [
    "DEFAULT_FAMILIES",
    "EVIDENCE_ALPHA",
    "EVIDENCE_NARROW",
    "FAMILIES",
    "MAX_ROUND_GROWTH",
    "N_HORIZON",
    "SIZE_BIAS_LOG2",
    "SIZE_CORRECTION",
    "WARMUP_SIZES",
    "Allocation",
    "Compute",
    "ComputeModel",
    "DataPlan",
    "Evidence",
    "Family",
    "FamilyFit",
    "LearningCurve",
    "ScalingLaw",
    "SweepLaw",
    "TimeModel",
    "budget_step",
    "compute_optimal",
    "compute_spent",
    "correct_with_others",
    "fit_compute_model",
    "fit_curves",
    "fit_family",
    "fit_learning_curve",
    "fit_model_curve",
    "fit_scaling_law",
    "fit_sweep_laws",
    "fit_time_model",
    "plan",
    "samples_interval",
    "samples_needed",
]
