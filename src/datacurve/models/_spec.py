"""Model spec strings: parse, normalise to a store key, and build fresh learners.

Accepted forms (see `parse_spec`)::

    mlp                                         built-in torch MLP, defaults
    mlp:width=256,depth=2                       ... with hyper-parameters
    cnn:width=16                                built-in torch CNN
    sklearn:LogisticRegression(C=0.5)           a scikit-learn estimator by class name
    sklearn.ensemble.RandomForestClassifier(n_estimators=50)   an import path
    mypkg.module:ClassName(a=1)                 an import path, module:class form

Argument values are parsed with `ast.literal_eval`: numbers, strings, booleans, None,
tuples, lists, dicts and sets. Nothing in a spec is ever evaluated as code. What a spec
can run, checked before anything is called:

- an import path imports the module it names, never one of the standard library;
- a class is instantiated only when it is a learner (it has ``fit`` and ``predict``);
- a function (a model factory) is called only when its module is one the user allowed
  (`allow_modules`, the ``DATACURVE_ALLOW_MODULES`` environment variable or the CLI's
  ``--allow-module``), or datacurve's own scripted test learners.
"""

from __future__ import annotations

import ast
import difflib
import functools
import importlib
import inspect
import math
import os
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin, is_classifier, is_regressor
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils import Tags
from sklearn.utils.metaestimators import available_if

from datacurve._errors import InputError, describe

__all__ = [
    "ALLOW_MODULES_ENV",
    "AUTO_EARLY_STOPPING",
    "BUILTIN_MODELS",
    "LEARNER_KINDS",
    "SIZE_KNOBS",
    "TORCH_TRAINING_RULE",
    "ModelSpec",
    "allow_modules",
    "architecture",
    "describe_spec",
    "early_stopping_above",
    "is_network",
    "learner_kind",
    "parse_spec",
    "spec_identity",
    "spec_kwargs",
    "spec_module",
]

_EXPECTED = ("a model spec such as 'cnn:width=16', 'mlp:width=256,depth=2' or "
             "'sklearn:LogisticRegression(C=0.5)'")

BUILTIN_MODELS: Mapping[str, str] = MappingProxyType({
    "mlp": "multilayer perceptron (torch): width=128 units × depth=2 hidden layers",
    "cnn": "convolutional network (torch), 1-D or 2-D by input shape: "
           "width=16 channels × depth=3 blocks, kernel_size=5",
})
"""Built-in model kinds and what they are (defaults shown; see `MLPLearner`, `CNNLearner`)."""

SIZE_KNOBS: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "mlp": ("width", "depth"),
    "cnn": ("width", "depth"),
    "sklearn:MLPClassifier": ("hidden_layer_sizes",),
    "sklearn:MLPRegressor": ("hidden_layer_sizes",),
})
"""The hyper-parameters that set a model's size, for the built-in networks and
scikit-learn's: models of one architecture that differ only in these (or in the values
of a declared sweep) form a model-size sweep, which a joint scaling law describes.
Learners whose parameter count follows the data (trees, forests, boosting, k-NN, kernel
machines) have no such knob: their size is not a model-size axis."""

LEARNER_KINDS: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "network": ("mlp", "cnn", "MLPClassifier", "MLPRegressor", "Perceptron"),
    "trees": ("Tree", "Forest", "Boosting", "Bagging", "XGB", "LGBM", "CatBoost"),
    "linear": ("Logistic", "Ridge", "Lasso", "ElasticNet", "LinearRegression", "SGD",
               "LinearSVC", "LinearSVR", "LinearDiscriminant", "Lars", "Huber", "Passive"),
    "neighbors": ("KNeighbors", "RadiusNeighbors", "NearestCentroid"),
    "kernel": ("SVC", "SVR", "KernelRidge", "GaussianProcess"),
    "bayes": ("NB", "QuadraticDiscriminant"),
})
"""Name fragments that tell what kind of learner a model is (first match wins, in this
order), for advice that fits the learner (see `learner_kind`)."""

AUTO_EARLY_STOPPING: Mapping[str, int] = MappingProxyType({
    "HistGradientBoostingClassifier": 10_000,
    "HistGradientBoostingRegressor": 10_000,
})
"""Learners that turn early stopping on by themselves above a training-set size, with that
size: scikit-learn's histogram gradient boosting with its default
``early_stopping="auto"`` holds out 10 % and stops early when it is fitted on more than
10,000 rows. Above the size it is another algorithm (fewer iterations, less training
data), so measurements below it say only how long a run may take at most above it."""

TORCH_TRAINING_RULE = 2
"""Version of how datacurve trains torch modules (the built-in MLP and CNN, `TorchLearner`
and factories that return a module): 2 trains subsets too small to judge an epoch on a
fixed step budget instead of early stopping on a few examples. Part of their trial keys,
so a store never mixes trials trained under two rules."""

_BUILTIN_CLASSES = {"mlp": "MLPLearner", "cnn": "CNNLearner"}
_BUILTIN_RE = r"(?i)(mlp|cnn)\s*(?::(.*)|\((.*)\))?"
_TASKS = ("classification", "regression")
# Searched in this order before falling back to the slow `all_estimators` scan
# (which imports every scikit-learn module: seconds per worker process).
_SKLEARN_MODULES = (
    "linear_model", "ensemble", "tree", "neighbors", "svm", "naive_bayes", "neural_network",
    "discriminant_analysis", "dummy", "kernel_ridge", "gaussian_process", "calibration",
    "multiclass", "multioutput", "semi_supervised", "isotonic", "cross_decomposition",
    "cluster", "mixture", "covariance", "compose", "frozen",
)
_IDENT = r"[A-Za-z_]\w*"
_DOTTED = rf"{_IDENT}(?:\.{_IDENT})*"


def _bad(text: str, reason: str) -> InputError:
    return InputError("spec", _EXPECTED, f"{text!r}: {reason}")


# -- what a spec may run ------------------------------------------------------------------
ALLOW_MODULES_ENV = "DATACURVE_ALLOW_MODULES"
"""Environment variable holding the modules whose functions specs may call as model
factories, comma-separated (``mypkg,otherpkg.models``); a package allows its submodules.
`allow_modules` and the CLI's ``--allow-module`` add to it, so worker processes started
afterwards inherit it."""

# datacurve's own scripted test learners (`scripted_sweep`): factories that need no
# permission. Nothing else of datacurve is callable from a spec unless allowed.
_OWN_FACTORY_MODULES = ("datacurve.models._scripted",)


def _is_stdlib(module: str) -> bool:
    """Whether `module` (dotted) belongs to the standard library (builtins included)."""
    return module.split(".")[0] in sys.stdlib_module_names


def _within(module: str, packages: Iterable[str]) -> bool:
    """Whether `module` is one of `packages` or inside one of them."""
    return any(module == p or module.startswith(p + ".") for p in packages)


def _split_modules(text: str) -> list[str]:
    return [m.strip() for m in text.split(",") if m.strip()]


def allow_modules(*modules: str) -> tuple[str, ...]:
    """Let model specs call factory functions from these modules (and their submodules).

    A spec's function (``mypkg.models:make_net(width=64)``) could be any function, and a
    function's return type is known only by calling it, so functions are called only
    from modules the user allowed. Learner classes (with ``fit`` and ``predict``) need no
    permission; the standard library is never allowed.

    The allow-list lives in the environment variable `ALLOW_MODULES_ENV`
    (``DATACURVE_ALLOW_MODULES``, comma-separated), which this function extends in this
    process, so worker processes started afterwards inherit it (a worker already
    running keeps the environment it started with).

    Parameters
    ----------
    *modules : str
        Dotted module or package names, e.g. ``"mypkg"`` or ``"mypkg.models"``;
        comma-separated names are split.

    Returns
    -------
    tuple of str
        The modules allowed now (without arguments: just that).

    Raises
    ------
    InputError
        Named ``allow_modules``, for a name that is not a dotted module name or that
        belongs to the standard library.

    Examples
    --------
    >>> allow_modules("mypkg")  # doctest: +SKIP
    ('mypkg',)
    >>> parse_spec("mypkg.models:make_net(width=64)").kind  # doctest: +SKIP
    'factory'
    """
    names: list[str] = []
    for item in modules:
        if not isinstance(item, str):
            raise InputError("allow_modules", "module names such as mypkg or mypkg.models",
                             f"{item!r} (a {type(item).__name__})")
        names += _split_modules(item)
    for name in names:
        if not re.fullmatch(_DOTTED, name):
            raise InputError("allow_modules", "module names such as mypkg or mypkg.models",
                             repr(name))
        if _is_stdlib(name):
            raise InputError("allow_modules", "modules outside the standard library (a "
                             "spec never calls the standard library)", repr(name))
    current = _user_allowed()
    added = [n for n in dict.fromkeys(names) if n not in current]
    if added:
        os.environ[ALLOW_MODULES_ENV] = ",".join([*current, *added])
    return (*current, *added)


def _user_allowed() -> tuple[str, ...]:
    """The modules the user allowed (`ALLOW_MODULES_ENV`); the standard library and names
    that are not module names never count."""
    return tuple(dict.fromkeys(
        m for m in _split_modules(os.environ.get(ALLOW_MODULES_ENV, ""))
        if re.fullmatch(_DOTTED, m) and not _is_stdlib(m)))


def _refused(text: str, reason: str, example: str = "mypkg") -> InputError:
    """A spec that names something it may not run: what a spec may run, and how to
    allow a factory (the CLI turns ``allow_modules`` into ``--allow-module``)."""
    return InputError(
        "spec", "a learner class (with fit and predict) or a model factory function from a "
        f"module you allow with allow_modules or {ALLOW_MODULES_ENV} (e.g. {example}); "
        "nothing from the standard library", f"{text!r}: {reason}")


def _origin(fn: Any) -> str:
    """The module that defines `fn` (for a `functools.partial`, the wrapped callable's)."""
    while isinstance(fn, functools.partial):
        fn = fn.func
    module = getattr(fn, "__module__", None)
    return module if isinstance(module, str) else ""


def _check_factory_allowed(text: str, module_path: str, name: str, fn: Any) -> None:
    """Refuse, before anything calls it, a function that is not from an allowed module:
    the module the spec names and the one that defines the function must both be."""
    origin = _origin(fn)
    where = f"{module_path}:{name}"
    if not origin:
        raise _refused(text, f"{where} is a callable whose module is unknown")
    if _is_stdlib(origin):
        raise _refused(text, f"{where} is {origin}.{getattr(fn, '__name__', name)}, from "
                             "the standard library")
    allowed = (*_user_allowed(), *_OWN_FACTORY_MODULES)
    outside = [m for m in dict.fromkeys((module_path, origin)) if not _within(m, allowed)]
    if not outside:
        return
    defined = f" defined in {origin!r}" if origin != module_path else ""
    shown = ", ".join(_user_allowed()) or "none"
    raise _refused(text, f"{where} is a function{defined}, and {outside[0]!r} is not an "
                         f"allowed module (allowed now: {shown})",
                   example=outside[0].split(".")[0])


# -- preprocessing wrapped around scikit-learn estimators ---------------------------------
class _Flatten(TransformerMixin, BaseEstimator):
    """Reshape dense (n, *s) features to (n, prod(s)); pass sparse matrices through as CSR."""

    def fit(self, X: Any, y: Any = None) -> _Flatten:
        """Nothing to learn."""
        return self

    def transform(self, X: Any) -> Any:
        """Features of shape (n, d): CSR stays CSR, anything else becomes an ndarray."""
        if sp.issparse(X):
            return sp.csr_matrix(X)
        arr = np.asarray(X)
        return arr.reshape(arr.shape[0], -1)

    def __sklearn_tags__(self) -> Tags:
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.input_tags.allow_nan = True
        tags.input_tags.three_d_array = True
        tags.requires_fit = False
        return tags


class _Standardise(TransformerMixin, BaseEstimator):
    """`StandardScaler`, centring only dense features (decided when fitted).

    Centring sparse TF-IDF features would make them dense; scaling alone keeps them
    sparse.
    """

    def fit(self, X: Any, y: Any = None) -> _Standardise:
        """Fit a `StandardScaler` (``with_mean=False`` for sparse `X`)."""
        self.scaler_ = StandardScaler(with_mean=not sp.issparse(X)).fit(X)
        return self

    def transform(self, X: Any) -> Any:
        """Standardised features, same shape and sparsity as `X`."""
        return self.scaler_.transform(X)

    def __sklearn_tags__(self) -> Tags:
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


class _Preprocessed(Pipeline):
    """A `Pipeline` whose probabilities are float64 rows that sum to 1.

    Estimators fitted on float32 features (the dataset convention) can return float32
    probabilities whose rows miss 1 by ~1e-7, which scikit-learn's metrics reject.
    """

    @available_if(lambda self: hasattr(self.steps[-1][1], "predict_proba"))
    def predict_proba(self, X: Any, **params: Any) -> np.ndarray:
        """Class probabilities of the final step, shape (n, k), float64, rows sum to 1."""
        proba = np.asarray(super().predict_proba(X, **params), dtype=np.float64)
        total = proba.sum(axis=1, keepdims=True)
        return np.divide(proba, total, out=proba, where=total > 0)


def preprocessed(estimator: Any) -> Pipeline:
    """Wrap a scikit-learn estimator in datacurve's standard preprocessing.

    Steps: flatten ``(n, *s)`` to ``(n, d)`` (CSR passes through), median imputation
    (``keep_empty_features=True`` so all-missing columns keep their place), then
    standardisation (not centred for sparse input). The learner, not the loader,
    standardises, so every trial fits its scaling on its own training subset.

    Parameters
    ----------
    estimator : estimator
        The final step, named ``"model"``.

    Returns
    -------
    Pipeline
        Its ``predict_proba`` (when the estimator has one) returns float64 rows that
        sum to 1.
    """
    return _Preprocessed([
        ("flatten", _Flatten()),
        ("impute", SimpleImputer(strategy="median", keep_empty_features=True)),
        ("scale", _Standardise()),
        ("model", estimator),
    ])


# -- values -----------------------------------------------------------------------------
def _format_value(v: Any) -> str:
    """Literal source text for `v` that `ast.literal_eval` reads back to an equal value."""
    if isinstance(v, float) and not math.isfinite(v):
        # repr gives 'inf', which is not a literal; 1e999 parses to inf.
        return "1e999" if v > 0 else "-1e999"
    if isinstance(v, tuple):
        inner = ", ".join(_format_value(x) for x in v)
        return f"({inner},)" if len(v) == 1 else f"({inner})"
    if isinstance(v, list):
        return "[" + ", ".join(_format_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{_format_value(k)}: {_format_value(x)}"
                               for k, x in v.items()) + "}"
    if isinstance(v, set | frozenset):
        # Sets print in hash order, which changes between runs for strings: sort so the
        # canonical string (a store key) is stable.
        return "{" + ", ".join(sorted(_format_value(x) for x in v)) + "}" if v else "set()"
    return repr(v)


def _same_value(a: Any, b: Any) -> bool:
    """Equal and of the same type: 1 and 1.0 can mean different things to an estimator
    (scikit-learn's ``max_features=1`` is one feature, ``1.0`` all of them)."""
    if type(a) is not type(b):
        return False
    try:
        return bool(a == b)
    except Exception:  # an odd __eq__ just means "not the default"
        return False


def _parse_kwargs(text: str, source: str) -> dict[str, Any]:
    """Keyword arguments ``a=1, b='x'`` → dict, with literal values only."""
    if not source.strip():
        return {}
    try:
        tree = ast.parse(f"_f({source})", mode="eval")
    except SyntaxError:
        raise _bad(text, f"cannot parse the arguments {source!r}; "
                         "write name=value pairs separated by commas") from None
    call = tree.body
    if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name)
            and call.func.id == "_f"):
        raise _bad(text, f"cannot parse the arguments {source!r}")
    if call.args:
        raise _bad(text, "positional arguments are not accepted; name each one, e.g. C=0.5")
    out: dict[str, Any] = {}
    for kw in call.keywords:
        if kw.arg is None:
            raise _bad(text, "'**' arguments are not accepted")
        if kw.arg in out:
            raise _bad(text, f"{kw.arg} is given twice")
        try:
            out[kw.arg] = ast.literal_eval(kw.value)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            raise _bad(text, f"the value of {kw.arg} must be a Python literal (number, "
                             "string, True/False/None, tuple, list or dict), got "
                             f"{ast.unparse(kw.value)!r}") from None
    return out


def _format_kwargs(params: Mapping[str, Any], sep: str) -> str:
    return sep.join(f"{k}={_format_value(v)}" for k, v in sorted(params.items()))


# -- classes ----------------------------------------------------------------------------
def _torch_module() -> Any:
    # Imported on first use: `import datacurve` (and the CLI's --help) stays fast
    # when no torch model is involved.
    from datacurve.models import _torch

    return _torch


def _builtin_class(kind: str) -> type:
    cls: type = getattr(_torch_module(), _BUILTIN_CLASSES[kind])
    return cls


def _is_estimator_class(obj: Any) -> bool:
    return (isinstance(obj, type) and issubclass(obj, BaseEstimator)
            and not inspect.isabstract(obj))


@functools.cache
def _all_sklearn_estimators() -> dict[str, type]:
    from sklearn.utils import all_estimators

    return dict(all_estimators())


@functools.cache
def _find_sklearn(name: str) -> type | None:
    """The scikit-learn estimator class called `name`, or None.

    Same answer as a lookup in `sklearn.utils.all_estimators` (estimator names are
    unique there), but tries the usual modules first because the full scan imports
    all of scikit-learn.
    """
    for module_name in _SKLEARN_MODULES:
        module = importlib.import_module(f"sklearn.{module_name}")
        if name in getattr(module, "__all__", ()):
            obj = getattr(module, name)
            return obj if _is_estimator_class(obj) else None
    return _all_sklearn_estimators().get(name)


def _init_parameters(cls: type) -> tuple[dict[str, Any], bool]:
    """Keyword parameters of ``cls.__init__`` with defaults (``inspect._empty`` when
    required), and whether it also takes ``**kwargs``."""
    try:
        sig = inspect.signature(cls)
    except (TypeError, ValueError):
        return {}, True
    params: dict[str, Any] = {}
    var_kw = False
    for p in sig.parameters.values():
        if p.kind is p.VAR_KEYWORD:
            var_kw = True
        elif p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY):
            params[p.name] = p.default
    return params, var_kw


def _is_own_learner(cls: type) -> bool:
    """datacurve's learners take the dataset's features as they are: no wrapping."""
    return cls.__module__.split(".")[0] == "datacurve"


# -- the spec -----------------------------------------------------------------------------
@dataclass(frozen=True)
class ModelSpec:
    """A parsed model spec: what to build, and a canonical string naming it.

    Two specs are equal when their canonical strings are (``cnn`` and ``cnn:width=16``
    with 16 the default width are equal).

    Parameters
    ----------
    kind : {"mlp", "cnn", "sklearn", "import", "factory"}
        Built-in torch learner, scikit-learn estimator by name, another class by
        import path (a scikit-learn class or a datacurve learner given by import path
        is normalised to the ``sklearn`` or built-in kind), or a factory function by
        import path (``mypkg.models:make_net(width=64)``, from a module the user allowed:
        `allow_modules`) returning a torch module, an estimator or a learner.
    canonical : str
        Normalised spec, used as a store key: only non-default arguments, sorted by
        name, e.g. ``mlp:depth=3,width=256``, ``cnn``,
        ``sklearn:LogisticRegression(C=0.5, max_iter=500)``,
        ``mypkg.module:ClassName(a=1)``. Parsing it gives an equal spec.
    estimator_class : type
        The class `build` instantiates.
    params : tuple of (str, value) pairs
        Its non-default keyword arguments, sorted by name.
    """

    kind: str
    canonical: str
    estimator_class: type = field(compare=False, repr=False)
    params: tuple[tuple[str, Any], ...] = field(default=(), compare=False, repr=False)

    def __str__(self) -> str:
        return self.canonical

    @property
    def wrapped(self) -> bool:
        """Whether `build` adds the flatten/impute/standardise pipeline."""
        return self.kind in ("sklearn", "import") and _is_estimator_class(
            self.estimator_class) and not _is_own_learner(self.estimator_class)

    def build(self, task: str = "classification", random_state: int | None = None) -> Any:
        """A new, unfitted learner for this spec (a fresh object on every call).

        Parameters
        ----------
        task : {"classification", "regression"}
            The torch learners are configured for it; other estimators must be a
            classifier or a regressor accordingly.
        random_state : int, optional
            Set on the estimator when it has a ``random_state`` parameter; it overrides
            a ``random_state`` written in the spec (the runner varies it per seed).

        Returns
        -------
        estimator
            Torch learners and datacurve's own learners bare; other scikit-learn
            estimators inside `preprocessed` (a Pipeline whose last step is the
            estimator); other classes bare.

        Raises
        ------
        InputError
            For an unknown task, or an estimator that cannot do the task.
        """
        if task not in _TASKS:
            raise InputError("task", "'classification' or 'regression'", repr(task))
        kwargs = dict(self.params)
        if self.kind == "factory":
            return _from_factory(self, kwargs, random_state)
        if self.kind in _BUILTIN_CLASSES:
            kwargs["task"] = task
        est = self.estimator_class(**kwargs)
        if random_state is not None:
            if hasattr(est, "get_params"):
                if "random_state" in est.get_params(deep=False):
                    est.set_params(random_state=random_state)
            elif "random_state" in _init_parameters(self.estimator_class)[0]:
                est = self.estimator_class(**{**kwargs, "random_state": random_state})
        self._check_task(est, task)
        return preprocessed(est) if self.wrapped else est

    def with_params(self, **params: Any) -> ModelSpec:
        """The spec with these keyword arguments set (a sweep over model sizes).

        Examples
        --------
        >>> parse_spec("mlp:depth=3").with_params(width=64).canonical
        'mlp:depth=3,width=64'
        """
        merged = {**dict(self.params), **params}
        if self.kind in _BUILTIN_CLASSES:
            text = self.kind + (":" + _format_kwargs(merged, ",") if merged else "")
        else:
            text = f"{self.canonical.split('(')[0]}({_format_kwargs(merged, ', ')})"
        return parse_spec(text)

    def _check_task(self, est: Any, task: str) -> None:
        name = self.estimator_class.__name__
        if isinstance(est, BaseEstimator):
            if task == "classification" and not is_classifier(est):
                what = "a regressor" if is_regressor(est) else "not a classifier"
                raise InputError("spec", "a classifier for a classification task",
                                 f"{self.canonical!r}: {name} is {what}")
            if task == "regression" and not is_regressor(est):
                what = "a classifier" if is_classifier(est) else "not a regressor"
                raise InputError("spec", "a regressor for a regression task",
                                 f"{self.canonical!r}: {name} is {what}")
        elif task == "classification" and not hasattr(est, "predict_proba"):
            raise InputError("spec", "a classifier with predict_proba for a "
                             "classification task",
                             f"{self.canonical!r}: {name} has no predict_proba")


def _builtin_spec(text: str, kind: str, params: dict[str, Any]) -> ModelSpec:
    torch_mod = _torch_module()
    cls = _builtin_class(kind)
    defaults = cls().get_params(deep=False)
    defaults.pop("task")  # set by build() from the dataset
    clean: dict[str, Any] = {}
    for name, value in params.items():
        if name not in defaults:
            hint = difflib.get_close_matches(name, defaults, n=1)
            reason = f"{kind} has no hyper-parameter {name!r}"
            if name == "task":
                reason += " (the task comes from the dataset)"
            elif hint:
                reason += f" (did you mean {hint[0]!r}?)"
            raise _bad(text, f"{reason}; accepted: {describe(sorted(defaults), limit=20)}")
        if isinstance(defaults[name], float) and not isinstance(value, bool) and isinstance(
                value, int):
            value = float(value)  # lr=1 and lr=1.0 are the same model
        try:
            torch_mod.check_hyperparameters(cls, {name: value})
        except InputError as exc:
            raise _bad(text, f"{exc.name}: expected {exc.expected}, got {exc.got}") from None
        if not _same_value(value, defaults[name]):
            clean[name] = value
    canonical = kind + (":" + _format_kwargs(clean, ",") if clean else "")
    return ModelSpec(kind, canonical, cls, tuple(sorted(clean.items())))


def _class_spec(text: str, cls: type, params: dict[str, Any], *, kind: str,
                prefix: str) -> ModelSpec:
    """Spec of an estimator class given by scikit-learn name or import path."""
    name = cls.__name__
    if not (callable(getattr(cls, "fit", None)) and callable(getattr(cls, "predict", None))):
        missing = "fit" if not callable(getattr(cls, "fit", None)) else "predict"
        raise _bad(text, f"{prefix} is not a learner (an estimator with fit and predict): "
                         f"it has no {missing} method")
    accepted = _check_keywords(text, cls, params, name)
    try:
        est = cls(**params)
    except Exception as exc:  # any constructor error is a bad spec
        raise _bad(text, f"{name}({_format_kwargs(params, ', ')}) failed: "
                         f"{type(exc).__name__}: {exc}") from None
    validate = getattr(est, "_validate_params", None)
    if callable(validate) and hasattr(est, "_parameter_constraints"):
        # scikit-learn checks parameter types and ranges only at fit; checking now gives
        # the error at the command line instead of in every trial.
        try:
            validate()
        except (ValueError, TypeError) as exc:
            raise _bad(text, str(exc)) from None
    clean = {k: v for k, v in params.items()
             if not (k in accepted and _same_value(v, accepted[k]))}
    args = _format_kwargs(clean, ", ")
    canonical = f"{prefix}({args})"
    return ModelSpec(kind, canonical, cls, tuple(sorted(clean.items())))


def _sklearn_spec(text: str, name: str, params: dict[str, Any]) -> ModelSpec:
    cls = _find_sklearn(name)
    if cls is None:
        names = sorted(_all_sklearn_estimators())
        hint = difflib.get_close_matches(name, names, n=3, cutoff=0.5)
        reason = f"scikit-learn has no estimator {name!r}"
        if hint:
            reason += " (did you mean " + " or ".join(repr(h) for h in hint) + "?)"
        raise _bad(text, reason)
    return _class_spec(text, cls, params, kind="sklearn", prefix=f"sklearn:{name}")


def _check_keywords(text: str, target: Any, params: dict[str, Any], name: str
                    ) -> dict[str, Any]:
    """The keyword parameters `target` accepts; a spec naming another one is refused
    with the closest accepted name."""
    accepted, var_kw = _init_parameters(target)
    for key in params:
        if key not in accepted and not var_kw:
            hint = difflib.get_close_matches(key, accepted, n=1)
            reason = f"{name} has no parameter {key!r}"
            if hint:
                reason += f" (did you mean {hint[0]!r}?)"
            raise _bad(text, f"{reason}; accepted: {describe(sorted(accepted), limit=40)}")
    return accepted


def _factory_spec(text: str, fn: Any, params: dict[str, Any], *, prefix: str) -> ModelSpec:
    """Spec of a factory function: it returns a torch module, an estimator or a learner."""
    accepted = _check_keywords(text, fn, params, prefix)
    required = [k for k, v in accepted.items()
                if v is inspect.Parameter.empty and k not in params and k != "random_state"]
    if required:
        raise _bad(text, f"{prefix} needs {describe(required)}")
    clean = {k: v for k, v in params.items()
             if not (k in accepted and _same_value(v, accepted[k]))}
    canonical = f"{prefix}({_format_kwargs(clean, ', ')})"
    return ModelSpec("factory", canonical, fn, tuple(sorted(clean.items())))


def _from_factory(spec: ModelSpec, kwargs: dict[str, Any], random_state: int | None) -> Any:
    """Call a factory and turn what it returns into something a trial can train.

    A torch module becomes a `TorchLearner` that calls the factory again under the
    trial's seed (so the initial weights depend on the seed only); a bare scikit-learn
    estimator gets the same preprocessing as a ``sklearn:`` spec; a pipeline, a learner,
    datacurve's own learners (as their class specs) or an `IndexLearner` are used as they
    are.
    """
    from datacurve.models._user import IndexLearner, TorchLearner

    fn = spec.estimator_class
    if random_state is not None and "random_state" in _init_parameters(fn)[0]:
        kwargs = {**kwargs, "random_state": random_state}
    made = fn(**kwargs)
    if isinstance(made, IndexLearner):
        return made
    torch = _torch_module().torch
    if isinstance(made, torch.nn.Module):
        return TorchLearner(functools.partial(fn, **kwargs), name=spec.canonical)
    if isinstance(made, BaseEstimator) and not hasattr(made, "steps") \
            and not _is_own_learner(type(made)):
        return preprocessed(made)
    if callable(getattr(made, "fit", None)) and callable(getattr(made, "predict", None)):
        return made
    raise TypeError(f"{spec.canonical} returned a {type(made).__name__}: expected a "
                    "torch.nn.Module, an estimator with fit and predict, or a learner")


def _import_spec(text: str, module_path: str, name: str, params: dict[str, Any]) -> ModelSpec:
    """Spec of a class or a factory function by import path.

    What may run is decided before anything is called: the standard library is refused
    before its module is imported; a class must be a learner (`_class_spec` checks
    ``fit`` and ``predict`` before instantiating it); a function must come from an
    allowed module (`allow_modules`).
    """
    if _is_stdlib(module_path):
        raise _refused(text, f"{module_path!r} is in the standard library, which a spec "
                             "never imports")
    try:
        module = importlib.import_module(module_path)
    except ImportError as exc:
        raise _bad(text, f"cannot import {module_path!r} ({exc})") from None
    except Exception as exc:  # a failing import is a bad spec
        raise _bad(text, f"importing {module_path!r} failed: {type(exc).__name__}: {exc}"
                   ) from None
    if not hasattr(module, name):
        public = [n for n in dir(module) if not n.startswith("_")]
        hint = difflib.get_close_matches(name, public, n=3)
        reason = f"module {module_path!r} has no {name!r}"
        if hint:
            reason += " (did you mean " + " or ".join(repr(h) for h in hint) + "?)"
        raise _bad(text, reason)
    cls = getattr(module, name)
    if not isinstance(cls, type):
        if inspect.isfunction(cls) or isinstance(cls, functools.partial):
            _check_factory_allowed(text, module_path, name, cls)
            return _factory_spec(text, cls, params, prefix=f"{module_path}:{name}")
        raise _bad(text, f"{module_path}:{name} is a {type(cls).__name__}, not a class "
                         "or a factory function")
    if _is_stdlib(cls.__module__):
        raise _refused(text, f"{module_path}:{name} is {cls.__module__}.{cls.__qualname__}, "
                             "from the standard library")
    # The same model gets the same store key however it was named.
    if cls.__module__.startswith("datacurve.models."):
        for kind, cls_name in _BUILTIN_CLASSES.items():
            if cls is getattr(_torch_module(), cls_name):
                return _builtin_spec(text, kind, params)
    if cls.__module__.startswith("sklearn.") and _find_sklearn(cls.__name__) is cls:
        return _class_spec(text, cls, params, kind="sklearn", prefix=f"sklearn:{cls.__name__}")
    return _class_spec(text, cls, params, kind="import", prefix=f"{module_path}:{name}")


def spec_module(spec: str) -> str | None:
    """The module an import-path spec names, read from the text (nothing is imported).

    Parameters
    ----------
    spec : str

    Returns
    -------
    str or None
        ``mypkg.models`` for ``mypkg.models:make_net(width=64)`` or
        ``mypkg.models.Net()``; None for built-in and ``sklearn:`` specs and for text
        that names no module.

    Examples
    --------
    >>> spec_module("mypkg.models:make_net(width=64)"), spec_module("cnn:width=4")
    ('mypkg.models', None)
    """
    s = spec.strip()
    if re.fullmatch(_BUILTIN_RE, s, flags=re.S):
        return None
    callee = s.split("(", 1)[0].strip()
    if ":" in callee:
        head, _, name = (part.strip() for part in callee.partition(":"))
        if head.lower() != "sklearn" and re.fullmatch(_DOTTED, head) and re.fullmatch(
                _IDENT, name):
            return head
        return None
    if re.fullmatch(_DOTTED, callee) and "." in callee:
        return callee.rpartition(".")[0]
    return None


def _is_module(name: str) -> bool:
    """Whether a top-level module `name` can be imported (without importing it)."""
    import importlib.util

    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def parse_spec(spec: str) -> ModelSpec:
    """Parse a model spec string.

    Parameters
    ----------
    spec : str
        One of
        ``mlp`` / ``cnn`` (built-in torch learners, optionally ``:name=value,...``,
        e.g. ``mlp:width=256,depth=2``);
        ``sklearn:Name(name=value, ...)`` (a scikit-learn estimator by class name, the
        parentheses optional);
        an import path ``package.module.Class(...)`` or ``package.module:Class(...)``
        naming a learner class (one with ``fit`` and ``predict``), or
        ``package.module:function(...)`` naming a model factory in a module you
        allowed (`allow_modules`).

    Returns
    -------
    ModelSpec

    Raises
    ------
    InputError
        Named ``spec``, with the text and the reason: unknown kind or estimator
        (with close names), unknown hyper-parameter (with the accepted ones), a value
        that is not a literal or out of range, a class that is not a learner, anything
        from the standard library, a function from a module not allowed. Nothing the
        spec names is called before these checks pass.

    Examples
    --------
    >>> parse_spec("mlp:depth=2,width=256").canonical
    'mlp:width=256'
    >>> parse_spec("sklearn:LogisticRegression(max_iter=500, C=0.5)").canonical
    'sklearn:LogisticRegression(C=0.5, max_iter=500)'
    """
    text = spec
    if not isinstance(text, str):
        raise InputError("spec", _EXPECTED, f"{text!r} (a {type(text).__name__})")
    s = text.strip()
    if not s:
        raise _bad(text, "the spec is empty")

    builtin = re.fullmatch(_BUILTIN_RE, s, flags=re.S)
    if builtin:
        kind = builtin.group(1).lower()
        source = builtin.group(2) if builtin.group(2) is not None else builtin.group(3) or ""
        return _builtin_spec(text, kind, _parse_kwargs(text, source))

    callee, args = s, ""
    if "(" in s:
        i = s.index("(")
        if not s.endswith(")"):
            raise _bad(text, "the arguments must be closed by ')' at the end")
        callee, args = s[:i].strip(), s[i + 1:-1]
    if ":" in callee:
        head, _, name = (part.strip() for part in callee.partition(":"))
        if head.lower() == "sklearn":
            if not re.fullmatch(_IDENT, name):
                raise _bad(text, f"{name!r} is not an estimator class name")
            return _sklearn_spec(text, name, _parse_kwargs(text, args))
        if re.fullmatch(_DOTTED, head) and re.fullmatch(_IDENT, name) and (
                "." in head or _is_module(head)):
            return _import_spec(text, head, name, _parse_kwargs(text, args))
        kinds = [*BUILTIN_MODELS, "sklearn"]
        hint = difflib.get_close_matches(head.lower(), kinds, n=1)
        reason = f"unknown model kind {head!r}"
        reason += f" (did you mean {hint[0]!r}?)" if hint else ""
        if not hint and re.fullmatch(_IDENT, head) and re.fullmatch(_IDENT, name):
            reason += "; for a module write the import path, e.g. mypkg.module:ClassName()"
        else:
            reason += f"; known kinds: {', '.join(kinds)}, or an import path"
        raise _bad(text, reason)
    if re.fullmatch(_DOTTED, callee) and "." in callee:
        module_path, _, name = callee.rpartition(".")
        return _import_spec(text, module_path, name, _parse_kwargs(text, args))
    reason = f"unknown model {callee!r}"
    hint = difflib.get_close_matches(callee.lower(), list(BUILTIN_MODELS), n=1)
    if hint:
        reason += f" (did you mean {hint[0]!r}?)"
    elif re.fullmatch(_IDENT, callee) and _find_sklearn(callee) is not None:
        reason += f" (did you mean 'sklearn:{callee}'?)"
    else:
        reason += f"; known: {', '.join(BUILTIN_MODELS)}, sklearn:Name(...) or an import path"
    raise _bad(text, reason)


def describe_spec(spec: ModelSpec | str) -> str:
    """One-line human description of a spec.

    Parameters
    ----------
    spec : ModelSpec or str

    Returns
    -------
    str
        e.g. ``"MLP (torch): 2 hidden layers × 256 units"``.
    """
    if isinstance(spec, str):
        spec = parse_spec(spec)
    if spec.kind in _BUILTIN_CLASSES:
        defaults = spec.estimator_class().get_params(deep=False)
        p = {**defaults, **dict(spec.params)}
        shown = {"width", "depth", "kernel_size", "task"}
        extra = ", ".join(f"{k}={_format_value(v)}" for k, v in sorted(spec.params)
                          if k not in shown)
        extra = f"; {extra}" if extra else ""
        if spec.kind == "mlp":
            return f"MLP (torch): {p['depth']} hidden layers × {p['width']} units{extra}"
        return (f"CNN (torch): {p['depth']} conv blocks × {p['width']} channels, "
                f"kernel {p['kernel_size']}{extra}")
    call = spec.canonical.split(":", 1)[1] if spec.kind == "sklearn" else spec.canonical
    origin = "scikit-learn " if spec.kind == "sklearn" else ""
    prep = " after median imputation and standardisation" if spec.wrapped else ""
    return f"{origin}{call}{prep}"


def architecture(spec: str) -> str:
    """The architecture part of a spec string: ``cnn`` for ``cnn:width=16``, the estimator
    for ``sklearn:...(...)``. Model sizes of one architecture share a scaling law."""
    head, _, rest = spec.partition(":")
    if head == "sklearn":
        return f"sklearn:{rest.split('(')[0]}"
    if "." in head and rest:  # an import path: module:name(...)
        return f"{head}:{rest.split('(')[0]}"
    return head.split("(")[0]


def spec_kwargs(name: str) -> dict[str, Any]:
    """The keyword arguments written in a model's name, read as text (nothing is imported
    or built).

    Parameters
    ----------
    name : str
        A results table's ``model``: a spec (``cnn:width=4``,
        ``sklearn:LogisticRegression(C=0.5)``, ``mypkg.models:make_net(width=64)``) or a
        user learner's name with its sweep values (``resnet(width=16)``).

    Returns
    -------
    dict
        Argument name → literal value; ``{}`` when the name holds none. Arguments that
        cannot be read as literals are kept as their text under the key ``""``, so names
        that differ there still differ.

    Examples
    --------
    >>> spec_kwargs("cnn:width=4"), spec_kwargs("net(depth=2, width=16)")
    ({'width': 4}, {'depth': 2, 'width': 16})
    """
    text = name.strip()
    builtin = re.fullmatch(_BUILTIN_RE, text, flags=re.S)
    if builtin:
        source = builtin.group(2) if builtin.group(2) is not None else builtin.group(3) or ""
    elif text.endswith(")") and "(" in text:
        source = text[text.index("(") + 1:-1]
    else:
        return {}
    try:
        return _parse_kwargs(text, source)
    except InputError:
        return {"": source}


def is_network(name: str) -> bool:
    """Whether a model is one of datacurve's built-in torch networks (``mlp``, ``cnn``),
    read from its name (nothing is imported): the learners whose curves the network
    meta-model was learned on (`datacurve.fit.fit_learning_curve`'s ``network``).

    scikit-learn's ``MLPClassifier`` is not one (`learner_kind` calls it a network for
    advice, but LCDB's own curves of it taught the classical meta-model). A torch module
    of your own cannot be told from its name; pass ``network=True`` to the fit for it.

    Examples
    --------
    >>> is_network("cnn:width=4"), is_network("sklearn:MLPClassifier()")
    (True, False)
    """
    return architecture(name).split(":")[-1] in BUILTIN_MODELS


def learner_kind(name: str) -> str:
    """What kind of learner a model is, read from its name (nothing is imported).

    Parameters
    ----------
    name : str
        A results table's ``model``.

    Returns
    -------
    str
        ``"network"``, ``"trees"``, ``"linear"``, ``"neighbors"``, ``"kernel"``,
        ``"bayes"`` (see `LEARNER_KINDS`), or ``"other"`` (a user's learner whose kind
        its name does not tell).

    Examples
    --------
    >>> learner_kind("sklearn:RandomForestClassifier(n_estimators=50)"), learner_kind("cnn")
    ('trees', 'network')
    """
    if is_network(name):
        return "network"
    head = architecture(name).split(":")[-1]
    for kind, fragments in LEARNER_KINDS.items():
        if any(f in head for f in fragments):
            return kind
    return "other"


def early_stopping_above(name: str) -> int | None:
    """The training-set size above which a model turns early stopping on by itself, read
    from its name (nothing is imported).

    Parameters
    ----------
    name : str
        A results table's ``model``.

    Returns
    -------
    int or None
        The size from `AUTO_EARLY_STOPPING` when the model is such a learner and its name
        leaves ``early_stopping`` at its default ``"auto"``; None otherwise.

    Examples
    --------
    >>> early_stopping_above("sklearn:HistGradientBoostingClassifier()")
    10000
    >>> early_stopping_above("sklearn:HistGradientBoostingClassifier(early_stopping=False)")
    """
    size = AUTO_EARLY_STOPPING.get(architecture(name).split(":")[-1])
    if size is None or spec_kwargs(name).get("early_stopping", "auto") != "auto":
        return None
    return size


def spec_identity(spec: ModelSpec) -> str:
    """What a spec's trial keys hash: its canonical string, plus the torch training rule
    (`TORCH_TRAINING_RULE`) for the specs that train torch modules: the built-in ``mlp``
    / ``cnn``, and factories (``mypkg.models:make_net``), which may return a module."""
    if spec.kind in ("mlp", "cnn", "factory"):
        return f"{spec.canonical}|torch-rule={TORCH_TRAINING_RULE}"
    return spec.canonical
