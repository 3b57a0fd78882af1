"""The report room: one self-contained HTML page of learning curves, model size against
data size, the diagnosis, the plan, monitoring and the audit; plot objects for notebooks;
the ``_repr_html_`` of fitted curves, diagnoses, audits and drift reports.

It renders what the other rooms compute and never prints: builders return strings and
write files. Importing it registers the notebook renderers of the earlier rooms' values
(`datacurve._hooks`).
"""

from datacurve import _hooks
from datacurve.auditing import AuditReport as _AuditReport
from datacurve.curves import CurveRun as _CurveRun
from datacurve.diagnosis import Diagnosis as _Diagnosis
from datacurve.fit import LearningCurve as _LearningCurve
from datacurve.monitor import DriftReport as _DriftReport
from datacurve.report._build import (
    GENERATOR,
    MARKER,
    build_report,
    check_out_dir,
    is_report,
    render_report,
    write_report,
)
from datacurve.report._html import audit_html, curve_html, diagnosis_html, run_html
from datacurve.report._monitor import DriftDistributionDisplay, DriftHistoryDisplay, drift_html
from datacurve.report._plots import LearningCurveDisplay, ModelSizeDisplay, figure_svg

__all__ = [
    "GENERATOR",
    "MARKER",
    "DriftDistributionDisplay",
    "DriftHistoryDisplay",
    "LearningCurveDisplay",
    "ModelSizeDisplay",
    "audit_html",
    "build_report",
    "check_out_dir",
    "curve_html",
    "diagnosis_html",
    "drift_html",
    "figure_svg",
    "is_report",
    "render_report",
    "run_html",
    "write_report",
]

_hooks.provide_html(_LearningCurve, curve_html)
_hooks.provide_html(_DriftReport, drift_html)
_hooks.provide_html(_Diagnosis, diagnosis_html)
_hooks.provide_html(_AuditReport, audit_html)
_hooks.provide_html(_CurveRun, run_html)
