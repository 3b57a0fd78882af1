"""Model spec strings: parsing, canonical store keys, errors and building learners."""

from __future__ import annotations

import ast
import os
import pickle
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.pipeline import Pipeline

from datacurve._errors import InputError
from datacurve.models import (
    ALLOW_MODULES_ENV,
    BUILTIN_MODELS,
    CNNLearner,
    MLPLearner,
    ModelSpec,
    allow_modules,
    describe_spec,
    parameter_count,
    parse_spec,
    spec_module,
)
from datacurve.models._spec import _format_value

# -- parsing and canonical strings --------------------------------------------------------


@pytest.mark.parametrize(("text", "kind", "canonical"), [
    ("mlp", "mlp", "mlp"),
    ("  MLP  ", "mlp", "mlp"),
    ("mlp:", "mlp", "mlp"),
    ("mlp:width=256,depth=2", "mlp", "mlp:width=256"),
    ("mlp:depth=3, width=256", "mlp", "mlp:depth=3,width=256"),
    ("mlp(width=256, depth=3)", "mlp", "mlp:depth=3,width=256"),
    ("mlp:lr=1", "mlp", "mlp:lr=1.0"),
    ("mlp:lr=1e-3", "mlp", "mlp"),
    ("mlp:lr=0.00001,device='cpu'", "mlp", "mlp:device='cpu',lr=1e-05"),
    ("mlp:random_state=None", "mlp", "mlp:random_state=None"),
    ("cnn", "cnn", "cnn"),
    ("cnn:width=16", "cnn", "cnn"),
    ("cnn:width=4", "cnn", "cnn:width=4"),
    ("cnn:kernel_size=3,conv='2d'", "cnn", "cnn:conv='2d',kernel_size=3"),
    ("sklearn:LogisticRegression(C=0.5, max_iter=500)", "sklearn",
     "sklearn:LogisticRegression(C=0.5, max_iter=500)"),
    ("sklearn:LogisticRegression(max_iter=500,C=0.5)", "sklearn",
     "sklearn:LogisticRegression(C=0.5, max_iter=500)"),
    ("sklearn:LogisticRegression", "sklearn", "sklearn:LogisticRegression()"),
    ("sklearn:LogisticRegression(C=1.0)", "sklearn", "sklearn:LogisticRegression()"),
    # 1 is not 1.0 to scikit-learn (max_features=1 is one feature): kept as written.
    ("sklearn:RandomForestClassifier(max_features=1)", "sklearn",
     "sklearn:RandomForestClassifier(max_features=1)"),
    ("sklearn:MLPClassifier(hidden_layer_sizes=(64,))", "sklearn",
     "sklearn:MLPClassifier(hidden_layer_sizes=(64,))"),
    ("sklearn.ensemble.RandomForestClassifier(n_estimators=50)", "sklearn",
     "sklearn:RandomForestClassifier(n_estimators=50)"),
    ("sklearn.linear_model:LogisticRegression(C=0.5)", "sklearn",
     "sklearn:LogisticRegression(C=0.5)"),
    ("datacurve.models.MLPLearner(width=64)", "mlp", "mlp:width=64"),
    ("datacurve.models:CNNLearner(width=16)", "cnn", "cnn"),
])
def test_parse_and_canonical(text: str, kind: str, canonical: str) -> None:
    spec = parse_spec(text)
    assert spec.kind == kind
    assert spec.canonical == canonical
    assert str(spec) == canonical
    assert parse_spec(canonical) == spec


def test_equal_specs_are_equal_and_hash_alike() -> None:
    a, b = parse_spec("cnn"), parse_spec("cnn:width=16,depth=3")
    assert a == b and hash(a) == hash(b)
    assert parse_spec("cnn:width=4") != a
    assert len({parse_spec("mlp"), parse_spec("mlp:width=128"), parse_spec("mlp:depth=2")}) == 1


def test_value_formatting_is_stable() -> None:
    spec = parse_spec("sklearn:SVC(class_weight={1: 2.0, 0: 1.0})")
    assert spec.canonical == "sklearn:SVC(class_weight={1: 2.0, 0: 1.0})"
    assert parse_spec(spec.canonical) == spec


@pytest.mark.parametrize(("value", "text"), [
    ({"b", "a", "c"}, "{'a', 'b', 'c'}"),  # sets print in hash order: sorted for stability
    (set(), "set()"),
    ((1,), "(1,)"),
    ([1.5, -float("inf")], "[1.5, -1e999]"),
    ({"k": (1, 2)}, "{'k': (1, 2)}"),
    (None, "None"),
])
def test_format_value_round_trips(value: Any, text: str) -> None:
    assert _format_value(value) == text
    assert ast.literal_eval(text) == value


_COMMON = {
    "width": st.integers(1, 512),
    "lr": st.floats(1e-6, 1.0),
    "weight_decay": st.floats(0.0, 1.0),
    "batch_size": st.integers(1, 1024),
    "max_epochs": st.integers(1, 500),
    "patience": st.integers(1, 50),
    "val_fraction": st.floats(0.01, 0.9),
    "dropout": st.floats(0.0, 0.9),
    "device": st.sampled_from(["auto", "cpu", "cuda"]),
    "random_state": st.none() | st.integers(0, 2**31),
}
_BUILTIN_VALUES = {
    "mlp": {**_COMMON, "depth": st.integers(0, 6)},
    "cnn": {**_COMMON, "depth": st.integers(1, 6),
            "kernel_size": st.integers(0, 5).map(lambda i: 2 * i + 1),
            "conv": st.sampled_from(["auto", "1d", "2d"])},
}


@st.composite
def builtin_texts(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    kind = draw(st.sampled_from(sorted(_BUILTIN_VALUES)))
    strategies = _BUILTIN_VALUES[kind]
    names = draw(st.lists(st.sampled_from(sorted(strategies)), unique=True))
    params = {name: draw(strategies[name]) for name in names}
    items = ",".join(f"{k}={v!r}" for k, v in params.items())
    return (f"{kind}:{items}" if items else kind), params


@settings(max_examples=80, deadline=None)
@given(builtin_texts())
def test_canonical_round_trips(case: tuple[str, dict[str, Any]]) -> None:
    text, params = case
    spec = parse_spec(text)
    assert parse_spec(spec.canonical).canonical == spec.canonical
    assert parse_spec(spec.canonical) == spec
    built = spec.build("classification").get_params()
    for name, value in params.items():
        assert built[name] == value


# -- errors -------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "reason"), [
    ("", "empty"),
    ("   ", "empty"),
    ("foo", "unknown model"),
    ("mpl", "did you mean 'mlp'"),
    ("foo:width=3", "unknown model kind"),
    ("skleran:LogisticRegression()", "did you mean 'sklearn'"),
    ("LogisticRegression(C=1)", "did you mean 'sklearn:LogisticRegression'"),
    ("mlp:widht=3", "did you mean 'width'"),
    ("mlp:task='regression'", "the task comes from the dataset"),
    ("cnn:colour=3", "accepted: augment, batch_size, conv, depth"),
    ("mlp:width=0", "integer >= 1"),
    ("mlp:width=1.5", "integer >= 1"),
    ("mlp:width=True", "integer >= 1"),
    ("mlp:lr=0", "number in (0, inf)"),
    ("mlp:val_fraction=1.0", "number in (0, 1)"),
    ("mlp:device='tpu'", "'auto', 'cpu', 'cuda'"),
    ("cnn:kernel_size=4", "odd integer"),
    ("cnn:depth=0", "integer >= 1"),
    ("mlp:width=__import__('os').getpid()", "must be a Python literal"),
    ("mlp:width=2**10", "must be a Python literal"),
    ("mlp:width=w", "must be a Python literal"),
    ("mlp:width=3)", "cannot parse"),
    ("mlp:width=3,width=4", ""),
    ("sklearn:LogisticRegression(C=0.5", "closed by ')'"),
    ("sklearn:LogisticRegression(0.5)", "positional arguments"),
    ("sklearn:LogisticRegression(**{'C': 1})", "'**' arguments"),
    ("sklearn:LogisticRegresion", "did you mean 'LogisticRegression'"),
    ("sklearn:LogisticRegression(D=1)", "accepted: C, class_weight"),
    ("sklearn:LogisticRegression(C=-1)", "'C' parameter of LogisticRegression"),
    ("sklearn:StandardScaler()", "not a learner"),
    ("sklearn:Logistic Regression()", "not an estimator class name"),
    ("sklearn.ensemble.RandomForestClassifer()", "did you mean 'RandomForestClassifier'"),
    ("no_such_module_xyz.sub:Model()", "cannot import"),
    ("numpy.linalg:norm", "not a class"),
    ("datacurve.models.MLPLearner(widht=3)", "did you mean 'width'"),
])
def test_bad_specs_raise_input_error_naming_spec_and_text(text: str, reason: str) -> None:
    """The library names its parameter, `spec` (the CLI says --model)."""
    with pytest.raises(InputError) as info:
        parse_spec(text)
    err = info.value
    assert err.name == "spec"
    assert "'cnn:width=16'" in err.expected
    assert repr(text) in err.got
    assert str(err).startswith("spec: ") and repr(text) in str(err)
    assert reason in str(err)


def test_non_string_spec_is_an_input_error() -> None:
    with pytest.raises(InputError, match=r"^spec: "):
        parse_spec(3)  # type: ignore[arg-type]


def test_task_mismatch_is_an_error_at_build() -> None:
    reg = parse_spec("sklearn:LinearRegression")
    reg.build("regression")
    with pytest.raises(InputError, match="LinearRegression is a regressor") as info:
        reg.build("classification")
    assert info.value.name == "spec"
    with pytest.raises(InputError, match="LogisticRegression is a classifier"):
        parse_spec("sklearn:LogisticRegression").build("regression")
    kmeans = parse_spec("sklearn:KMeans(n_clusters=3)")
    for task in ("classification", "regression"):
        with pytest.raises(InputError, match="KMeans is not a"):
            kmeans.build(task)
    with pytest.raises(InputError) as info:
        parse_spec("mlp").build("ranking")
    assert info.value.name == "task"


# -- building -----------------------------------------------------------------------------


def test_build_returns_fresh_objects() -> None:
    for text in ("mlp:width=8", "cnn", "sklearn:LogisticRegression(C=0.5)"):
        spec = parse_spec(text)
        a, b = spec.build(), spec.build()
        assert a is not b
        assert repr(a) == repr(b)
    pipe_a = parse_spec("sklearn:LogisticRegression").build()
    pipe_b = parse_spec("sklearn:LogisticRegression").build()
    assert pipe_a.steps[-1][1] is not pipe_b.steps[-1][1]


def test_build_sets_task_and_random_state() -> None:
    mlp = parse_spec("mlp:width=8,random_state=3")
    assert mlp.build("regression").get_params()["task"] == "regression"
    assert mlp.build().random_state == 3
    assert mlp.build(random_state=11).random_state == 11
    assert isinstance(mlp.build(), MLPLearner)
    assert isinstance(parse_spec("cnn").build(), CNNLearner)
    rf = parse_spec("sklearn:RandomForestClassifier(n_estimators=5)").build(random_state=7)
    assert isinstance(rf, Pipeline)
    assert rf.get_params()["model__random_state"] == 7
    assert rf.get_params()["model__n_estimators"] == 5
    # No random_state parameter: nothing to set, no error.
    assert parse_spec("sklearn:KNeighborsClassifier").build(random_state=7) is not None


def test_sklearn_estimators_are_wrapped_and_learn_from_any_shape() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 1, 4, 4)).astype(np.float32)
    y = (X[:, 0, 0, 0] > 0).astype(np.int64)
    X[0, 0, 1, 1] = np.nan
    est = parse_spec("sklearn:LogisticRegression").build(random_state=0)
    assert [name for name, _ in est.steps] == ["flatten", "impute", "scale", "model"]
    est.fit(X, y)
    assert est.score(X, y) > 0.9
    proba = est.predict_proba(X)
    # float32 features give float32 probabilities inside; the wrapper returns float64
    # rows that sum to 1 as scikit-learn's metrics demand.
    assert proba.shape == (60, 2) and proba.dtype == np.float64
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    assert parameter_count(est) == 16 + 1
    assert not hasattr(parse_spec("sklearn:Ridge").build("regression"), "predict_proba")
    restored = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(restored.predict_proba(X), est.predict_proba(X))


def test_sklearn_spec_accepts_sparse_input_without_centring() -> None:
    rng = np.random.default_rng(0)
    X = sp.random(80, 30, density=0.2, format="csr", random_state=0, dtype=np.float32)
    y = rng.integers(0, 3, 80)
    y[:3] = [0, 1, 2]
    est = parse_spec("sklearn:LogisticRegression(max_iter=300)").build(random_state=0)
    est.fit(X, y)
    assert sp.issparse(est[:-1].transform(X))
    assert est.named_steps["scale"].scaler_.with_mean is False
    assert est.predict_proba(X).shape == (80, 3)


def test_import_path_specs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pkg = tmp_path / "dc_spec_testpkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "module.py").write_text(textwrap.dedent("""
        import numpy as np
        from sklearn.base import BaseEstimator, ClassifierMixin

        class Majority(ClassifierMixin, BaseEstimator):
            def __init__(self, a=1, random_state=None):
                self.a = a
                self.random_state = random_state
            def fit(self, X, y):
                self.classes_, counts = np.unique(y, return_counts=True)
                self.counts_ = counts
                return self
            def predict_proba(self, X):
                p = self.counts_ / self.counts_.sum()
                return np.tile(p, (np.asarray(X).shape[0], 1))
            def predict(self, X):
                return self.classes_[self.predict_proba(X).argmax(1)]

        class Plain:
            def __init__(self, a=1, random_state=None):
                self.a = a
                self.random_state = random_state
            def fit(self, X, y):
                return self
            def predict(self, X):
                return np.zeros(len(X))

        class NotALearner:
            def fit(self, X, y):
                return self
    """))
    monkeypatch.syspath_prepend(str(tmp_path))

    spec = parse_spec("dc_spec_testpkg.module:Majority(a=2)")
    assert spec.kind == "import"
    assert spec.canonical == "dc_spec_testpkg.module:Majority(a=2)"
    assert parse_spec("dc_spec_testpkg.module.Majority(a=2)") == spec
    assert parse_spec("dc_spec_testpkg.module:Majority(a=1)").canonical == (
        "dc_spec_testpkg.module:Majority()")
    built = spec.build("classification", random_state=5)
    assert isinstance(built, Pipeline)  # a scikit-learn estimator: preprocessing added
    assert built[-1].random_state == 5
    with pytest.raises(InputError, match="Majority is a classifier"):
        spec.build("regression")

    plain = parse_spec("dc_spec_testpkg.module:Plain()")
    learner = plain.build("regression", random_state=4)
    assert type(learner).__name__ == "Plain" and learner.random_state == 4
    with pytest.raises(InputError, match="no predict_proba"):
        plain.build("classification")
    with pytest.raises(InputError, match="no predict method"):
        parse_spec("dc_spec_testpkg.module:NotALearner()")
    with pytest.raises(InputError, match="has no parameter 'b'"):
        parse_spec("dc_spec_testpkg.module:Plain(b=1)")


def test_datacurve_learners_are_not_wrapped() -> None:
    # datacurve's own learners take the dataset's features as they are (the scripted
    # test learner reads the label from column 0, which scaling would destroy).
    spec = parse_spec("datacurve.models._scripted:ScriptedLearner(asymptote=0.8)")
    assert spec.kind == "import"
    assert not spec.wrapped
    assert type(spec.build(random_state=1)).__name__ == "ScriptedLearner"
    assert not parse_spec("mlp").wrapped
    assert parse_spec("sklearn:SVC").wrapped


def test_describe_spec_and_builtins() -> None:
    assert set(BUILTIN_MODELS) == {"mlp", "cnn"}
    assert all(isinstance(v, str) and v for v in BUILTIN_MODELS.values())
    assert describe_spec("mlp:width=256,depth=3") == "MLP (torch): 3 hidden layers × 256 units"
    assert describe_spec("cnn:width=4,lr=0.01") == (
        "CNN (torch): 3 conv blocks × 4 channels, kernel 5; lr=0.01")
    text = describe_spec(parse_spec("sklearn:LogisticRegression(C=0.5)"))
    assert "LogisticRegression(C=0.5)" in text and "standardisation" in text
    assert "\n" not in describe_spec("sklearn:RandomForestClassifier(n_estimators=5)")


def test_model_spec_is_frozen() -> None:
    spec = parse_spec("mlp")
    assert isinstance(spec, ModelSpec)
    with pytest.raises(AttributeError):
        spec.canonical = "cnn"  # type: ignore[misc]


# -- what a spec may run ------------------------------------------------------------------
TRAPPED = """
import pathlib
import shutil
from shutil import rmtree
from sklearn.utils import all_estimators
from sklearn.linear_model import LogisticRegression


def _mark(name):
    pathlib.Path(__file__).with_name(name).write_text("called")


def make_model(C=1.0):
    \"\"\"A factory: returns an estimator, and leaves a mark when called.\"\"\"
    _mark("factory-called")
    return LogisticRegression(C=C)


class Hostile:
    \"\"\"Not a learner (no fit nor predict), and marks when instantiated.\"\"\"

    def __init__(self, path="x"):
        _mark("class-called")
"""


@pytest.fixture
def trapped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A user package whose factory and non-learner class leave marks when called; no
    module allowed (the variable is restored after the test)."""
    pkg = tmp_path / "dc_trapped_pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "models.py").write_text(TRAPPED)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delenv(ALLOW_MODULES_ENV, raising=False)
    yield pkg
    for name in [m for m in sys.modules if m.startswith("dc_trapped_pkg")]:
        del sys.modules[name]


@pytest.mark.parametrize("template", [
    'shutil:rmtree(path="{victim}")',
    'shutil.rmtree(path="{victim}")',
    'os:system(command="touch {victim}/marker && rm -rf {victim}")',
    "builtins:eval(source=\"__import__('shutil').rmtree('{victim}')\")",
    'builtins.exec(source="import shutil; shutil.rmtree(\'{victim}\')")',
    'subprocess:run(args="rm -rf {victim}", shell=True)',
    'os.path:join(a="{victim}")',
    "antigravity:x",
])
def test_standard_library_is_refused_before_anything_runs(
        template: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Even allowed (it cannot be), nothing of the standard library is imported or
    called: the directory survives, and the error says what a spec may run."""
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "keep.txt").write_text("data")
    monkeypatch.setenv(ALLOW_MODULES_ENV, "shutil,os,builtins,subprocess")
    text = template.format(victim=victim)
    with pytest.raises(InputError) as info:
        parse_spec(text)
    err = info.value
    assert err.name == "spec" and repr(text) in err.got
    assert "standard library" in str(err)
    assert "learner class" in err.expected and "allow_modules" in err.expected
    assert (victim / "keep.txt").read_text() == "data"
    assert not (victim / "marker").exists()


def test_functions_run_only_from_allowed_modules(trapped: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """A factory of a module nobody allowed is refused before it is called; once its
    package is allowed it parses and builds (and only building calls it)."""
    spec = "dc_trapped_pkg.models:make_model(C=0.5)"
    with pytest.raises(InputError) as info:
        parse_spec(spec)
    assert "'dc_trapped_pkg.models' is not an allowed module" in info.value.got
    assert "allow_modules" in info.value.expected and "dc_trapped_pkg" in info.value.expected
    assert not (trapped / "factory-called").exists()

    assert allow_modules("dc_trapped_pkg") == ("dc_trapped_pkg",)
    parsed = parse_spec(spec)
    assert parsed.kind == "factory" and not (trapped / "factory-called").exists()
    built = parsed.build(random_state=0)
    assert isinstance(built, Pipeline) and built[-1].C == 0.5
    assert (trapped / "factory-called").exists()


def test_allowed_modules_do_not_launder_other_functions(trapped: Path) -> None:
    """Allowing a package allows the functions it defines, not the ones it imports: a
    re-exported standard-library or third-party function is still refused."""
    allow_modules("dc_trapped_pkg")
    for name, needle in (("rmtree", "from the standard library"),
                         ("all_estimators", "'sklearn.utils.discovery' is not an allowed")):
        with pytest.raises(InputError, match="spec") as info:
            parse_spec(f"dc_trapped_pkg.models:{name}()")
        assert needle in info.value.got, info.value.got


def test_classes_must_be_learners_before_they_are_instantiated(trapped: Path) -> None:
    """A class without fit and predict is refused without being called (no module needs
    allowing for a learner class)."""
    with pytest.raises(InputError, match="not a learner"):
        parse_spec("dc_trapped_pkg.models:Hostile(path='/')")
    assert not (trapped / "class-called").exists()
    assert parse_spec("sklearn.linear_model:LogisticRegression(C=0.5)").kind == "sklearn"


def test_third_party_functions_need_allowing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ALLOW_MODULES_ENV, raising=False)
    with pytest.raises(InputError, match=r"'sklearn\.utils' is not an allowed module"):
        parse_spec("sklearn.utils:all_estimators()")
    # datacurve's own scripted factories need no permission
    assert parse_spec("datacurve.models._scripted:scripted_sweep").kind == "factory"
    with pytest.raises(InputError, match="not an allowed module"):
        parse_spec("datacurve.auditing:write_clean(source='x')")


def test_allow_modules_validates_and_accumulates(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ALLOW_MODULES_ENV, raising=False)
    assert allow_modules() == ()
    assert allow_modules("pkg_a, pkg_b.models", "pkg_a") == ("pkg_a", "pkg_b.models")
    assert allow_modules("pkg_c") == ("pkg_a", "pkg_b.models", "pkg_c")
    assert os.environ[ALLOW_MODULES_ENV] == "pkg_a,pkg_b.models,pkg_c"
    for bad, needle in (("os", "standard library"), ("shutil.x", "standard library"),
                        ("not a module", "module names"), ("pkg/x", "module names")):
        with pytest.raises(InputError) as info:
            allow_modules(bad)
        assert info.value.name == "allow_modules" and needle in str(info.value)
    # the standard library never counts, even written into the variable by hand
    monkeypatch.setenv(ALLOW_MODULES_ENV, "os, builtins ,pkg_d")
    assert allow_modules() == ("pkg_d",)


@pytest.mark.parametrize(("text", "module"), [
    ("mypkg.models:make_net(width=64)", "mypkg.models"),
    ("mypkg:Net", "mypkg"),
    ("mypkg.models.Net(a=1)", "mypkg.models"),
    ("sklearn.ensemble.RandomForestClassifier()", "sklearn.ensemble"),
    ("sklearn:LogisticRegression(C=0.5)", None),
    ("cnn:width=4", None),
    ("mlp", None),
    ("foo", None),
])
def test_spec_module_reads_the_module_without_importing(text: str,
                                                        module: str | None) -> None:
    assert spec_module(text) == module
