"""What `run_curve` accepts as learners, resolved to named entries a trial can build.

A learner may be a spec string (``"cnn:width=16"``, ``"mypkg.models:make_net(width=64)"``),
a scikit-learn estimator, any object with ``fit``/``predict``, a `TorchLearner` or a
`FunctionLearner`, alone, in a list, or in a dict name → learner. A sweep
(``{"width": [16, 64]}``) turns each learner into one entry per combination of values.
"""

from __future__ import annotations

import ast
import copy
import dataclasses
import hashlib
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sklearn.base import BaseEstimator, clone

from datacurve._errors import InputError
from datacurve.models._spec import (
    _find_sklearn,
    _format_kwargs,
    _format_value,
    _Preprocessed,
    parse_spec,
    preprocessed,
    spec_identity,
)
from datacurve.models._user import IndexLearner, callable_id

__all__ = ["LearnerEntry", "resolve_learners", "wants_frame"]

_EXPECTED = ("a model spec string, a scikit-learn estimator, an object with fit and "
             "predict, a TorchLearner or a FunctionLearner (alone, in a list, or in a dict "
             "name -> learner)")


@dataclass(frozen=True, eq=False)
class LearnerEntry:
    """One learner of a run.

    Attributes
    ----------
    name : str
        The results' ``model`` column: a spec's canonical string, the dict key, or a
        name derived from the object (with a sweep's values).
    identity : str
        What the trial key hashes: the canonical spec for specs (so the CLI and the API
        share stored trials), otherwise the name plus a digest of the configuration.
    kind : {"spec", "estimator", "object", "index"}
    obj : Any
        The spec string, the estimator or object (copied fresh per trial), or the
        `IndexLearner`.
    sweep : tuple of (str, value) pairs
        The values a declared sweep set on this learner (empty without a sweep), sorted
        by name; each trial records them, so the results know which models form a
        model-size sweep.
    """

    name: str
    identity: str
    kind: str
    obj: Any
    sweep: tuple[tuple[str, Any], ...] = ()

    def build(self, task: str, random_state: int) -> Any:
        """A fresh learner for one trial (an `IndexLearner` is returned as it is)."""
        if self.kind == "spec":
            return parse_spec(self.obj).build(task, random_state=random_state)
        if self.kind == "estimator":
            est = clone(self.obj)
            seeds = {k: random_state for k in est.get_params(deep=True)
                     if k == "random_state" or k.endswith("__random_state")}
            if seeds:
                est.set_params(**seeds)
            # A pipeline preprocesses for itself; a bare estimator gets what a spec gets.
            return est if hasattr(est, "steps") else preprocessed(est)
        if self.kind == "object":
            return copy.deepcopy(self.obj)
        return self.obj


def wants_frame(learner: Any) -> bool:
    """Whether `learner` is a user's scikit-learn pipeline, which does its own
    preprocessing and so is given the table's columns (a spec's or a bare estimator's
    datacurve preprocessing is not)."""
    return hasattr(learner, "steps") and not isinstance(learner, _Preprocessed)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:10]


def _literal(value: Any) -> bool:
    try:
        return bool(ast.literal_eval(_format_value(value)) == value)
    except (ValueError, SyntaxError, TypeError):
        return False


def _as_spec(est: BaseEstimator) -> str | None:
    """The spec string naming a plain scikit-learn estimator, when one exists (then the
    API and the CLI store the same trials under the same key)."""
    cls = type(est)
    if not cls.__module__.startswith("sklearn.") or _find_sklearn(cls.__name__) is not cls:
        return None
    if hasattr(est, "steps") or hasattr(est, "estimators") or hasattr(est, "estimator"):
        return None  # meta-estimators hold estimators, which are not literals
    params = est.get_params(deep=False)
    if not all(_literal(v) for v in params.values()):
        return None
    try:
        return parse_spec(f"sklearn:{cls.__name__}({_format_kwargs(params, ', ')})").canonical
    except InputError:
        return None


def _estimator_name(est: Any) -> str:
    steps = getattr(est, "steps", None)
    if isinstance(steps, list) and steps:
        return "Pipeline(" + "+".join(str(s[0]) for s in steps) + ")"
    return type(est).__name__


def _entry(obj: Any, name: str | None) -> LearnerEntry:
    if isinstance(obj, str):
        parsed = parse_spec(obj)
        return LearnerEntry(name or parsed.canonical, spec_identity(parsed), "spec",
                            parsed.canonical)
    if isinstance(obj, IndexLearner):
        if name and not obj.name:
            obj = copy.copy(obj)
            obj.name = name
        return LearnerEntry(obj.display_name(), obj.identity(), "index", obj)
    if isinstance(obj, BaseEstimator):
        spec = _as_spec(obj)
        if spec is not None:  # a scikit-learn estimator: no torch rule in its key
            return LearnerEntry(name or spec, spec, "spec", spec)
        label = name or _estimator_name(obj)
        return LearnerEntry(label, f"{label}#{_digest(repr(obj.get_params(deep=True)))}",
                            "estimator", obj)
    if callable(getattr(obj, "fit", None)) and callable(getattr(obj, "predict", None)):
        label = name or type(obj).__name__
        return LearnerEntry(label, f"{label}#{_digest(callable_id(type(obj)))}",
                            "object", obj)
    raise InputError("learners", _EXPECTED, f"{type(obj).__name__}: {obj!r:.80}")


def _with_params(obj: Any, params: dict[str, Any]) -> Any:
    """`obj` with a sweep's values set."""
    if not params:
        return obj
    if isinstance(obj, str):
        return parse_spec(obj).with_params(**params).canonical
    if isinstance(obj, IndexLearner):
        return obj.with_params(**params)
    if isinstance(obj, BaseEstimator):
        known = obj.get_params(deep=True)
        missing = [k for k in params if k not in known]
        if missing:
            raise InputError("sweep", f"parameters of {type(obj).__name__}",
                             f"{missing[0]!r}")
        return clone(obj).set_params(**params)
    raise InputError("sweep", "learners whose size can be set: spec strings, scikit-learn "
                     "estimators, TorchLearner or FunctionLearner", type(obj).__name__)


def _sweep_points(sweep: Mapping[str, Sequence[Any]] | None) -> list[dict[str, Any]]:
    if not sweep:
        return [{}]
    if not isinstance(sweep, Mapping):
        raise InputError("sweep", "a dict parameter -> list of values", type(sweep).__name__)
    keys = list(sweep)
    values = []
    for k in keys:
        v = sweep[k]
        if isinstance(v, str) or not isinstance(v, Sequence) or len(v) == 0:
            raise InputError("sweep", f"a non-empty list of values for {k!r}", repr(v))
        values.append(list(v))
    return [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*values)]


def resolve_learners(learners: Any, sweep: Mapping[str, Sequence[Any]] | None = None
                     ) -> list[LearnerEntry]:
    """Named entries, one per learner and sweep value, in the order given.

    Parameters
    ----------
    learners : learner, list of learners, or dict name -> learner
    sweep : dict, optional
        Parameter name -> values; every learner is built once per combination.

    Returns
    -------
    list of LearnerEntry

    Raises
    ------
    InputError
        An unknown kind of learner, a bad spec, a swept parameter the learner lacks, or
        two learners with the same name.
    """
    if isinstance(learners, Mapping):
        items: list[tuple[str | None, Any]] = [(str(k), v) for k, v in learners.items()]
    elif isinstance(learners, str) or not isinstance(learners, Sequence):
        items = [(None, learners)]
    else:
        items = [(None, v) for v in learners]
    if not items:
        raise InputError("learners", "at least one learner", "none")
    points = _sweep_points(sweep)
    out: list[LearnerEntry] = []
    seen: dict[str, str] = {}
    for name, obj in items:
        for point in points:
            entry = _entry(_with_params(obj, point), name)
            if point and name and entry.kind != "index":
                entry = LearnerEntry(f"{name}({_format_kwargs(point, ', ')})",
                                     entry.identity + "|" + repr(sorted(point.items())),
                                     entry.kind, entry.obj)
            if point:
                entry = dataclasses.replace(entry, sweep=tuple(sorted(point.items())))
            if entry.name in seen:
                if seen[entry.name] == entry.identity:
                    continue  # the same learner twice
                raise InputError("learners", "distinct names for distinct learners (use a "
                                 "dict name -> learner)", f"two learners named {entry.name!r}")
            seen[entry.name] = entry.identity
            out.append(entry)
    return out
