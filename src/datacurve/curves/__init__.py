"""Curves room: anchors, nested subsets, the trial function, executors, the store and
the runner that together measure learning curves."""

from datacurve.curves._anchors import MIN_ANCHOR, geometric_anchors, resolve_anchors
from datacurve.curves._executors import (
    Executor,
    ProcessExecutor,
    SerialExecutor,
    make_executor,
)
from datacurve.curves._progress import progress_bar
from datacurve.curves._runner import (
    CurvePlan,
    CurveRun,
    ProgressEvent,
    plan_curve,
    run_curve,
    summarize,
)
from datacurve.curves._store import DEFAULT_STORE, RESULT_COLUMNS, Store, is_sqlite, open_store
from datacurve.curves._subsets import (
    AUTO_EVAL_FOLDS,
    SMALL_EVAL_ROWS,
    EvalSplit,
    make_eval_folds,
    make_eval_split,
    nested_order,
    resolve_eval_folds,
    valid_anchors,
)
from datacurve.curves._trial import Trial, TrialData, TrialResult, run_trial, trial_key
from datacurve.metrics import (
    CLASSIFICATION_METRICS,
    METRICS,
    REGRESSION_METRICS,
    Metric,
    compute_metrics,
    default_metric,
    get_metric,
)
from datacurve.models import LearnerEntry, resolve_learners

__all__ = [
    "AUTO_EVAL_FOLDS",
    "CLASSIFICATION_METRICS",
    "DEFAULT_STORE",
    "METRICS",
    "MIN_ANCHOR",
    "REGRESSION_METRICS",
    "RESULT_COLUMNS",
    "SMALL_EVAL_ROWS",
    "CurvePlan",
    "CurveRun",
    "EvalSplit",
    "Executor",
    "LearnerEntry",
    "Metric",
    "ProcessExecutor",
    "ProgressEvent",
    "SerialExecutor",
    "Store",
    "Trial",
    "TrialData",
    "TrialResult",
    "compute_metrics",
    "default_metric",
    "geometric_anchors",
    "get_metric",
    "is_sqlite",
    "make_eval_folds",
    "make_eval_split",
    "make_executor",
    "nested_order",
    "open_store",
    "plan_curve",
    "progress_bar",
    "resolve_anchors",
    "resolve_eval_folds",
    "resolve_learners",
    "run_curve",
    "run_trial",
    "summarize",
    "trial_key",
    "valid_anchors",
]
