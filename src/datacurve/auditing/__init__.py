"""The audit room: checks for label errors, outliers, duplicates, leakage, conflicting
labels, imbalance, missing values, subgroups and personal data, as plug-ins with one
contract; cleaning into a new, recorded dataset version."""

from datacurve.auditing import checks
from datacurve.auditing._base import CHECKS, Check, CheckResult, check_names, get_check, register
from datacurve.auditing._clean import (
    DEFAULT_DROP,
    PAIR_CHECKS,
    clean,
    clean_path,
    lineage_of,
    write_clean,
)
from datacurve.auditing._context import AuditContext, sentence_embeddings
from datacurve.auditing._measure import CleaningValue, measure_cleaning
from datacurve.auditing._report import (
    DEFAULT_CHECKS,
    AuditReport,
    audit,
    audited_dataset,
    load_report,
)

__all__ = [
    "CHECKS",
    "DEFAULT_CHECKS",
    "DEFAULT_DROP",
    "PAIR_CHECKS",
    "AuditContext",
    "AuditReport",
    "Check",
    "CheckResult",
    "CleaningValue",
    "audit",
    "audited_dataset",
    "check_names",
    "checks",
    "clean",
    "clean_path",
    "get_check",
    "lineage_of",
    "load_report",
    "measure_cleaning",
    "register",
    "sentence_embeddings",
    "write_clean",
]
