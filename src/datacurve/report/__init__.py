"""The report room: one self-contained HTML page of learning curves, model size against
data size, the diagnosis, the plan and the audit; plot objects for notebooks; the
``_repr_html_`` of fitted curves, diagnoses and audits.

It renders what the other rooms compute and never prints: builders return strings and
write files.
"""

from datacurve.report._build import (
    GENERATOR,
    MARKER,
    build_report,
    check_out_dir,
    is_report,
    write_report,
)
from datacurve.report._html import audit_html, curve_html, diagnosis_html
from datacurve.report._plots import LearningCurveDisplay, ModelSizeDisplay, figure_svg

__all__ = [
    "GENERATOR",
    "MARKER",
    "LearningCurveDisplay",
    "ModelSizeDisplay",
    "audit_html",
    "build_report",
    "check_out_dir",
    "curve_html",
    "diagnosis_html",
    "figure_svg",
    "is_report",
    "write_report",
]
