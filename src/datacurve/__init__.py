"""datacurve: how much data does your model need, which data, and is data even the
bottleneck?

Measure learning curves on your own data (`run_curve`), then read the results once
(`Results`) and analyse them along one path (`analyze`: fitted curves, diagnoses, plans,
joint scaling laws), audit the data (`audit`, `clean`) and write the report.

The package is a row of rooms, each importing only the rooms before it::

    data → models → curves → results → fit → diagnosis → auditing → analysis → report → cli

with the bottom modules `datacurve.metrics` (the metric registry) and the private
`_errors`, `_plain`, `_hooks` and `_version` beneath them all. This module imports every
room, so the later rooms' conveniences (`CurveRun.fit`, notebook display) are registered.
"""

from __future__ import annotations

from datacurve._errors import DatacurveError, InputError
from datacurve._version import __version__
from datacurve.analysis import Analysis, analyze
from datacurve.auditing import AuditReport, audit, clean
from datacurve.curves import CurveRun, Store, open_store, run_curve
from datacurve.data import Dataset, as_dataset, builtin, load, load_data
from datacurve.diagnosis import Diagnosis, Recommendation, diagnose
from datacurve.fit import (
    DataPlan,
    LearningCurve,
    ScalingLaw,
    compute_optimal,
    fit_curves,
    fit_learning_curve,
    fit_scaling_law,
    plan,
)
from datacurve.models import FunctionLearner, TorchLearner, parse_spec
from datacurve.report import build_report, render_report
from datacurve.results import Results

__all__ = [
    "Analysis",
    "AuditReport",
    "CurveRun",
    "DataPlan",
    "DatacurveError",
    "Dataset",
    "Diagnosis",
    "FunctionLearner",
    "InputError",
    "LearningCurve",
    "Recommendation",
    "Results",
    "ScalingLaw",
    "Store",
    "TorchLearner",
    "__version__",
    "analyze",
    "as_dataset",
    "audit",
    "build_report",
    "builtin",
    "clean",
    "compute_optimal",
    "diagnose",
    "fit_curves",
    "fit_learning_curve",
    "fit_scaling_law",
    "load",
    "load_data",
    "open_store",
    "parse_spec",
    "plan",
    "render_report",
    "run_curve",
]
