"""The analysis room: one path from a results table to every model's fitted curve,
diagnosis and plan, and every declared model-size sweep's joint law and compute-optimal
point. The CLI, the report and `CurveRun`'s shortcuts all read an `Analysis`."""

from datacurve import _hooks
from datacurve.analysis._analyze import (
    PARTS,
    Analysis,
    ModelAnalysis,
    SweepAnalysis,
    analyze,
)

__all__ = ["PARTS", "Analysis", "ModelAnalysis", "SweepAnalysis", "analyze"]

_hooks.provide("analyze", analyze)
