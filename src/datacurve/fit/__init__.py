"""The fit room: learning curves, their extrapolation, joint scaling laws, planning."""

from datacurve.fit._curve import DEFAULT_FAMILIES, LearningCurve, fit_learning_curve
from datacurve.fit._families import FAMILIES, Family, FamilyFit, fit_family
from datacurve.fit._plan import DataPlan, fit_curves, plan
from datacurve.fit._scaling import (
    Allocation,
    ComputeModel,
    ScalingLaw,
    compute_optimal,
    fit_compute_model,
    fit_scaling_law,
)

__all__ = [
    "DEFAULT_FAMILIES",
    "FAMILIES",
    "Allocation",
    "ComputeModel",
    "DataPlan",
    "Family",
    "FamilyFit",
    "LearningCurve",
    "ScalingLaw",
    "compute_optimal",
    "fit_compute_model",
    "fit_curves",
    "fit_family",
    "fit_learning_curve",
    "fit_scaling_law",
    "plan",
]
