"""One training run: the unit of work a learning curve is made of.

`run_trial` is pure and picklable: everything it needs travels in its `Trial`
argument, and it returns a `TrialResult` instead of raising, so one failing trial
never stops the others. A trial is reproducible from (dataset fingerprint, learner
spec, size, seed, evaluation split).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import socket
import time
import traceback
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from datacurve.metrics import compute_metrics
from datacurve.models import IndexLearner, LearnerEntry, RowAccess, wants_frame

__all__ = ["Trial", "TrialData", "TrialResult", "learner_outputs", "run_trial", "trial_key",
           "trial_random_state"]


def trial_key(fingerprint: str, model: str, n: int, seed: int, eval_split: str) -> str:
    """The store key of a trial: a hash of what makes it reproducible."""
    text = f"{fingerprint}|{model}|{int(n)}|{int(seed)}|{eval_split}"
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def trial_random_state(seed: int, n: int) -> int:
    """The learner's random state for one (seed, size): distinct and reproducible."""
    return int(np.random.SeedSequence([int(seed), int(n)]).generate_state(1)[0] & 0x7FFFFFFF)


@dataclass(frozen=True, eq=False)
class TrialData:
    """Arrays shared by all trials of one run (sent to each worker once per trial;
    joblib memory-maps the large arrays rather than copying them).

    Attributes
    ----------
    X : ndarray of shape (n, *s) or CSR matrix
    y : ndarray of shape (n,)
    evaluation : ndarray of shape (n_eval,)
        Rows of the fixed evaluation set (of one evaluation fold).
    task : str
    n_classes : int
    access : RowAccess, optional
        Row access for user learners (a lazily indexed source, the table's columns);
        None means `X` and `y`.
    metric : str, optional
        The metric a `FunctionLearner` reports its scores in.
    """

    X: Any
    y: np.ndarray
    evaluation: np.ndarray
    task: str
    n_classes: int
    access: RowAccess | None = None
    metric: str | None = None

    def rows(self) -> RowAccess:
        """How the trial reaches rows: `access`, or the arrays `X` and `y`."""
        return self.access if self.access is not None else RowAccess(y=self.y, X=self.X)


@dataclass(frozen=True, eq=False)
class Trial:
    """One training run to do.

    Attributes
    ----------
    key : str
    model : str
        Canonical learner spec.
    n : int
        Training-set size.
    seed : int
    train : ndarray of shape (n,)
        Rows of the nested training subset.
    data : TrialData
    threads : int
        Torch / BLAS threads the trial may use.
    learner : LearnerEntry, optional
        What to build; None means the spec string `model`.
    fold : int
        Evaluation fold (0-based; 0 with a single evaluation set): `data.evaluation`
        is that fold's evaluation set and `train` a prefix of its pool. Recorded in the
        result's ``info["eval_fold"]``; the key holds the fold's split key.
    """

    key: str
    model: str
    n: int
    seed: int
    train: np.ndarray
    data: TrialData
    threads: int = 1
    learner: LearnerEntry | None = None
    fold: int = 0


@dataclass(frozen=True)
class TrialResult:
    """What one trial measured.

    Attributes
    ----------
    key, model, n, seed : as in `Trial`
    status : {"ok", "failed"}
    params : int
        Learner size (parameter count); -1 when the trial failed before fitting.
    train_scores, val_scores : dict
        Every metric of the task, natural units, on the training subset and on the
        evaluation set.
    fit_time, predict_time : float
        Seconds.
    error : str
        Exception type, message and the last traceback lines, for failed trials.
    info : dict
        Extra facts (epochs trained, host, pid, evaluation fold ``eval_fold``).
    """

    key: str
    model: str
    n: int
    seed: int
    status: str
    params: int = -1
    train_scores: dict[str, float] = field(default_factory=dict)
    val_scores: dict[str, float] = field(default_factory=dict)
    fit_time: float = float("nan")
    predict_time: float = float("nan")
    error: str = ""
    info: dict[str, Any] = field(default_factory=dict)


def _limit_threads(threads: int) -> None:
    import torch

    if torch.get_num_threads() != threads:
        torch.set_num_threads(threads)


def learner_outputs(learner: Any, X: Any, task: str, n_classes: int) -> np.ndarray:
    """A fitted learner's outputs on `X`: probabilities over all `n_classes` class codes
    (classification; classes it never saw get 0), or predictions.

    Returns
    -------
    ndarray of shape (m, n_classes) or (m,)
    """
    if task != "classification":
        return np.asarray(learner.predict(X), dtype=np.float64).ravel()
    classes = np.asarray(learner.classes_)
    if hasattr(learner, "predict_proba"):
        p = np.asarray(learner.predict_proba(X), dtype=np.float64)
    else:
        # Learners without probabilities count as certain of their prediction.
        pred = np.asarray(learner.predict(X))
        p = (pred[:, None] == classes[None, :]).astype(np.float64)
    full = np.zeros((p.shape[0], n_classes), dtype=np.float64)
    full[:, classes.astype(np.int64)] = p
    return full


def _json_value(v: Any) -> Any:
    """A sweep value as JSON can hold it (literals as they are, anything else as text)."""
    return v if isinstance(v, bool | int | float | str) or v is None else repr(v)


def _training_facts(learner: Any) -> dict[str, Any]:
    """What a fitted learner says of its own training, for the trial's ``info``:
    ``epochs`` and ``early_stopping`` (whether it ran) from datacurve's torch learners;
    ``iterations`` (``n_iter_``, the largest when per class) and ``early_stopping``
    (``do_early_stopping_``) from a scikit-learn estimator, the last step of a pipeline.
    Above a size some learners stop early by themselves (histogram gradient boosting);
    these facts show where a curve's trials changed algorithm."""
    facts: dict[str, Any] = {}
    epochs = getattr(learner, "n_epochs_", None)
    if epochs is not None:
        facts["epochs"] = int(epochs)
    stopped = getattr(learner, "early_stopping_", None)
    if stopped is not None:
        facts["early_stopping"] = bool(stopped)
    steps = getattr(learner, "steps", None)
    final = steps[-1][1] if isinstance(steps, list) and steps else learner
    iters = getattr(final, "n_iter_", None)
    if iters is not None:
        with contextlib.suppress(TypeError, ValueError):
            facts["iterations"] = int(np.max(np.asarray(iters)))
    stopped = getattr(final, "do_early_stopping_", None)
    if stopped is not None:
        facts["early_stopping"] = bool(stopped)
    return facts


def run_trial(trial: Trial) -> TrialResult:
    """Train a fresh learner on the trial's subset and score it.

    Parameters
    ----------
    trial : Trial

    Returns
    -------
    TrialResult
        ``status="failed"`` with the error when anything raised.
    """
    from threadpoolctl import threadpool_limits

    from datacurve.models import parameter_count, parse_spec

    info: dict[str, Any] = {"host": socket.gethostname(), "pid": os.getpid(),
                            "eval_fold": int(trial.fold)}
    if trial.learner is not None and trial.learner.sweep:
        info["sweep"] = {k: _json_value(v) for k, v in trial.learner.sweep}
    data = trial.data
    params = -1
    fit_time = predict_time = float("nan")
    try:
        _limit_threads(trial.threads)
        with threadpool_limits(limits=trial.threads):
            state = trial_random_state(trial.seed, trial.n)
            learner = (trial.learner.build(data.task, state) if trial.learner is not None
                       else parse_spec(trial.model).build(data.task, random_state=state))
            access = data.rows()
            y_train = data.y[trial.train]
            y_eval = data.y[data.evaluation]
            if isinstance(learner, IndexLearner):
                t0 = time.perf_counter()
                out = learner.run(access, trial.train, data.evaluation, seed=state,
                                  task=data.task, n_classes=data.n_classes,
                                  metric=data.metric)
                params, fit_time = out.params, out.fit_time
                predict_time = max(time.perf_counter() - t0 - fit_time, 0.0)
                info.update(out.info)
                if out.eval_outputs is None:
                    return TrialResult(trial.key, trial.model, trial.n, trial.seed, "ok",
                                       params, out.train_scores, out.val_scores, fit_time,
                                       predict_time, "", info)
                out_val, out_train = out.eval_outputs, out.train_outputs
            else:
                frame = wants_frame(learner)
                X_train = access.features(trial.train, frame=frame)
                t0 = time.perf_counter()
                learner.fit(X_train, y_train)
                fit_time = time.perf_counter() - t0
                params = parameter_count(learner)
                X_eval = access.features(data.evaluation, frame=frame)
                t0 = time.perf_counter()
                out_val = learner_outputs(learner, X_eval, data.task, data.n_classes)
                predict_time = time.perf_counter() - t0
                out_train = learner_outputs(learner, X_train, data.task, data.n_classes)
                info.update(_training_facts(learner))
        val = compute_metrics(data.task, y_eval, out_val, data.n_classes)
        train = (compute_metrics(data.task, y_train, out_train, data.n_classes)
                 if out_train is not None else {})
        return TrialResult(trial.key, trial.model, trial.n, trial.seed, "ok", params,
                           train, val, fit_time, predict_time, "", info)
    except Exception as exc:  # a failed trial is a result, not a crash
        tb = traceback.format_exception(exc)
        error = f"{type(exc).__name__}: {exc}\n" + "".join(tb[-3:])
        return TrialResult(trial.key, trial.model, trial.n, trial.seed, "failed", params,
                           {}, {}, fit_time, predict_time, error.strip(), info)
