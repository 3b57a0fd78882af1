"""datacurve: how much data does your model need, which data, and is data even the
bottleneck?

Measure learning curves on your own data (`run_curve`), then read the results once
(`Results`) and analyse them along one path (`analyze`: fitted curves, diagnoses, plans,
joint scaling laws), audit the data (`audit`, `clean`), watch production data for drift
(`drift`) and write the report.

The package is a row of rooms, each importing only the rooms before it::

    data → models → curves → results → fit → diagnosis → auditing → strategies
         / active / monitor → analysis → report → cli

with the bottom modules `datacurve.metrics` (the metric registry) and the private
`_errors`, `_plain`, `_hooks` and `_version` beneath them all. Each public name is
imported from its room the first time it is used (PEP 562), so ``import datacurve`` and
``datacurve --help`` stay fast; the later rooms' conveniences (`CurveRun.fit`, notebook
display) import their room when they are called.
"""

from __future__ import annotations

import typing as _typing

from datacurve._errors import DatacurveError, InputError
from datacurve._lazy import lazy_exports as _lazy_exports
from datacurve._version import __version__

if _typing.TYPE_CHECKING:
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
    from datacurve.monitor import DriftReport, drift
    from datacurve.report import build_report, render_report
    from datacurve.results import Results

_EXPORTS = {
    "Analysis": "datacurve.analysis",
    "AuditReport": "datacurve.auditing",
    "CurveRun": "datacurve.curves",
    "DataPlan": "datacurve.fit",
    "Dataset": "datacurve.data",
    "Diagnosis": "datacurve.diagnosis",
    "DriftReport": "datacurve.monitor",
    "FunctionLearner": "datacurve.models",
    "LearningCurve": "datacurve.fit",
    "Recommendation": "datacurve.diagnosis",
    "Results": "datacurve.results",
    "ScalingLaw": "datacurve.fit",
    "Store": "datacurve.curves",
    "TorchLearner": "datacurve.models",
    "analyze": "datacurve.analysis",
    "as_dataset": "datacurve.data",
    "audit": "datacurve.auditing",
    "build_report": "datacurve.report",
    "builtin": "datacurve.data",
    "clean": "datacurve.auditing",
    "compute_optimal": "datacurve.fit",
    "diagnose": "datacurve.diagnosis",
    "drift": "datacurve.monitor",
    "fit_curves": "datacurve.fit",
    "fit_learning_curve": "datacurve.fit",
    "fit_scaling_law": "datacurve.fit",
    "load": "datacurve.data",
    "load_data": "datacurve.data",
    "open_store": "datacurve.curves",
    "parse_spec": "datacurve.models",
    "plan": "datacurve.fit",
    "render_report": "datacurve.report",
    "run_curve": "datacurve.curves",
}
"""Where each public name lives (imported on first use)."""

__getattr__, __dir__ = _lazy_exports(__name__, _EXPORTS)

__all__ = [
    "Analysis",
    "AuditReport",
    "CurveRun",
    "DataPlan",
    "DatacurveError",
    "Dataset",
    "Diagnosis",
    "DriftReport",
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
    "drift",
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
