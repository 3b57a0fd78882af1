"""The fit room: learning curves, their extrapolation, joint scaling laws, planning."""

from datacurve.fit._curve import DEFAULT_FAMILIES, LearningCurve, fit_learning_curve
from datacurve.fit._families import FAMILIES, Family, FamilyFit, fit_family

__all__ = [
    "DEFAULT_FAMILIES",
    "FAMILIES",
    "Family",
    "FamilyFit",
    "LearningCurve",
    "fit_family",
    "fit_learning_curve",
]
