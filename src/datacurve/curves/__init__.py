"""Curves room: anchors, nested subsets, the trial function, executors, the store and
the runner that together measure learning curves.
Names are imported from their modules on first use (PEP 562): reading a store does not
import the runner, the models or PyTorch.
"""

from __future__ import annotations

import typing as _typing

from datacurve._lazy import lazy_exports as _lazy_exports

if _typing.TYPE_CHECKING:
    from datacurve.curves._anchors import MIN_ANCHOR, geometric_anchors, resolve_anchors
    from datacurve.curves._budget import Budget, BudgetOutcome, BudgetStep, parse_budget
    from datacurve.curves._executors import Executor, ProcessExecutor, SerialExecutor, make_executor
    from datacurve.curves._paths import DEFAULT_STORE
    from datacurve.curves._progress import progress_bar
    from datacurve.curves._ray import RayExecutor
    from datacurve.curves._runner import (
        CurvePlan,
        CurveRun,
        ProgressEvent,
        plan_curve,
        run_curve,
    )
    from datacurve.curves._store import RESULT_COLUMNS, Store, is_sqlite, open_store
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
    from datacurve.curves._summary import summarize
    from datacurve.curves._trial import (
        Trial,
        TrialData,
        TrialResult,
        learner_outputs,
        run_trial,
        trial_key,
        trial_random_state,
    )
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

_EXPORTS = {
    "Budget": "datacurve.curves._budget",
    "BudgetOutcome": "datacurve.curves._budget",
    "BudgetStep": "datacurve.curves._budget",
    "parse_budget": "datacurve.curves._budget",
    "RayExecutor": "datacurve.curves._ray",
    "AUTO_EVAL_FOLDS": "datacurve.curves._subsets",
    "CLASSIFICATION_METRICS": "datacurve.metrics",
    "CurvePlan": "datacurve.curves._runner",
    "CurveRun": "datacurve.curves._runner",
    "DEFAULT_STORE": "datacurve.curves._paths",
    "EvalSplit": "datacurve.curves._subsets",
    "Executor": "datacurve.curves._executors",
    "LearnerEntry": "datacurve.models",
    "METRICS": "datacurve.metrics",
    "MIN_ANCHOR": "datacurve.curves._anchors",
    "Metric": "datacurve.metrics",
    "ProcessExecutor": "datacurve.curves._executors",
    "ProgressEvent": "datacurve.curves._runner",
    "REGRESSION_METRICS": "datacurve.metrics",
    "RESULT_COLUMNS": "datacurve.curves._store",
    "SMALL_EVAL_ROWS": "datacurve.curves._subsets",
    "SerialExecutor": "datacurve.curves._executors",
    "Store": "datacurve.curves._store",
    "Trial": "datacurve.curves._trial",
    "TrialData": "datacurve.curves._trial",
    "TrialResult": "datacurve.curves._trial",
    "compute_metrics": "datacurve.metrics",
    "default_metric": "datacurve.metrics",
    "geometric_anchors": "datacurve.curves._anchors",
    "get_metric": "datacurve.metrics",
    "is_sqlite": "datacurve.curves._store",
    "make_eval_folds": "datacurve.curves._subsets",
    "make_eval_split": "datacurve.curves._subsets",
    "make_executor": "datacurve.curves._executors",
    "nested_order": "datacurve.curves._subsets",
    "open_store": "datacurve.curves._store",
    "plan_curve": "datacurve.curves._runner",
    "progress_bar": "datacurve.curves._progress",
    "resolve_anchors": "datacurve.curves._anchors",
    "resolve_eval_folds": "datacurve.curves._subsets",
    "resolve_learners": "datacurve.models",
    "run_curve": "datacurve.curves._runner",
    "run_trial": "datacurve.curves._trial",
    "summarize": "datacurve.curves._summary",
    "trial_key": "datacurve.curves._trial",
    "learner_outputs": "datacurve.curves._trial",
    "trial_random_state": "datacurve.curves._trial",
    "valid_anchors": "datacurve.curves._subsets",
}

__getattr__, __dir__ = _lazy_exports(__name__, _EXPORTS)

__all__ = [
    "AUTO_EVAL_FOLDS",
    "CLASSIFICATION_METRICS",
    "DEFAULT_STORE",
    "METRICS",
    "MIN_ANCHOR",
    "REGRESSION_METRICS",
    "RESULT_COLUMNS",
    "SMALL_EVAL_ROWS",
    "Budget",
    "BudgetOutcome",
    "BudgetStep",
    "CurvePlan",
    "CurveRun",
    "EvalSplit",
    "Executor",
    "LearnerEntry",
    "Metric",
    "ProcessExecutor",
    "ProgressEvent",
    "RayExecutor",
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
    "learner_outputs",
    "make_eval_folds",
    "make_eval_split",
    "make_executor",
    "nested_order",
    "open_store",
    "parse_budget",
    "plan_curve",
    "progress_bar",
    "resolve_anchors",
    "resolve_eval_folds",
    "resolve_learners",
    "run_curve",
    "run_trial",
    "summarize",
    "trial_key",
    "trial_random_state",
    "valid_anchors",
]
