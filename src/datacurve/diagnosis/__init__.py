"""The diagnose room: whether data, model size, label noise or overfitting holds a model
back, with ranked, priced recommendations."""

from datacurve.diagnosis._diagnose import (
    ACTIONS,
    BOTTLENECKS,
    MIN_SIZES,
    Diagnosis,
    Recommendation,
    diagnose,
)

__all__ = ["ACTIONS", "BOTTLENECKS", "MIN_SIZES", "Diagnosis", "Recommendation", "diagnose"]
