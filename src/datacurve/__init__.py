"""datacurve: how much data does your model need, which data, and is data even the
bottleneck?

Measure learning curves on your own data (`run_curve`), then fit, diagnose, audit and
plan from the results.
"""

from __future__ import annotations

from datacurve._errors import DatacurveError, InputError
from datacurve._version import __version__
from datacurve.curves import CurveRun, Store, open_store, run_curve
from datacurve.data import Dataset, builtin, load, load_data
from datacurve.diagnosis import Diagnosis, Recommendation, diagnose
from datacurve.fit import (
    LearningCurve,
    ScalingLaw,
    compute_optimal,
    fit_learning_curve,
    fit_scaling_law,
    plan,
)
from datacurve.models import FunctionLearner, TorchLearner, parse_spec

__all__ = [
    "CurveRun",
    "DatacurveError",
    "Dataset",
    "Diagnosis",
    "FunctionLearner",
    "InputError",
    "LearningCurve",
    "Recommendation",
    "ScalingLaw",
    "Store",
    "TorchLearner",
    "__version__",
    "builtin",
    "compute_optimal",
    "diagnose",
    "fit_learning_curve",
    "fit_scaling_law",
    "load",
    "load_data",
    "open_store",
    "parse_spec",
    "plan",
    "run_curve",
]
