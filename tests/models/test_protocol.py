"""The Learner protocol, parameter_count and is_classifier_learner."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.ensemble import (
    GradientBoostingClassifier,
    HistGradientBoostingClassifier,
    RandomForestClassifier,
)
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.neural_network import MLPClassifier
from sklearn.svm import SVC
from sklearn.tree import DecisionTreeClassifier

from datacurve.models import (
    Learner,
    MLPLearner,
    ProbabilisticLearner,
    is_classifier_learner,
    parameter_count,
    parse_spec,
)


@pytest.fixture(scope="module")
def iris() -> tuple[np.ndarray, np.ndarray]:
    X, y = load_iris(return_X_y=True)
    return X.astype(np.float32), y.astype(np.int64)


def test_estimators_satisfy_the_protocol() -> None:
    assert isinstance(LogisticRegression(), Learner)
    assert isinstance(LogisticRegression(), ProbabilisticLearner)
    assert isinstance(LinearRegression(), Learner)
    assert not isinstance(LinearRegression(), ProbabilisticLearner)
    assert isinstance(MLPLearner(), ProbabilisticLearner)
    assert isinstance(parse_spec("sklearn:SVC(probability=True)").build(), ProbabilisticLearner)
    assert not isinstance(object(), Learner)


def test_linear_models_count_coefficients_and_intercepts(iris: tuple) -> None:
    X, y = iris
    assert parameter_count(LogisticRegression(max_iter=500).fit(X, y)) == 3 * 4 + 3
    assert parameter_count(LogisticRegression().fit(X, y == 0)) == 4 + 1
    no_intercept = LogisticRegression(fit_intercept=False, max_iter=500).fit(X, y)
    assert parameter_count(no_intercept) == 3 * 4


def test_pipeline_counts_its_final_step(iris: tuple) -> None:
    X, y = iris
    pipe = parse_spec("sklearn:LogisticRegression(max_iter=500)").build(random_state=0)
    assert parameter_count(pipe.fit(X, y)) == 3 * 4 + 3


def test_trees_and_ensembles_count_nodes(iris: tuple) -> None:
    X, y = iris
    tree = DecisionTreeClassifier(random_state=0).fit(X, y)
    assert parameter_count(tree) == tree.tree_.node_count
    forest = RandomForestClassifier(n_estimators=4, random_state=0).fit(X, y)
    assert parameter_count(forest) == sum(t.tree_.node_count for t in forest.estimators_)
    boost = GradientBoostingClassifier(n_estimators=3, random_state=0).fit(X, y)
    assert boost.estimators_.shape == (3, 3)  # an array of trees: flattened
    assert parameter_count(boost) == sum(t.tree_.node_count for t in boost.estimators_.ravel())
    hist = HistGradientBoostingClassifier(max_iter=3, random_state=0).fit(X, y)
    assert parameter_count(hist) == sum(
        len(p.nodes) for stage in hist._predictors for p in stage)


def test_mlp_classifier_counts_weights(iris: tuple) -> None:
    X, y = iris
    mlp = MLPClassifier(hidden_layer_sizes=(5,), max_iter=20, random_state=0)
    with pytest.warns(Warning):  # not converged in 20 iterations: fine for a count
        mlp.fit(X, y)
    assert parameter_count(mlp) == 4 * 5 + 5 + 5 * 3 + 3


def test_knn_counts_stored_samples_and_generic_fallback(iris: tuple) -> None:
    X, y = iris
    assert parameter_count(KNeighborsClassifier().fit(X, y)) == X.size
    wrapped = parse_spec("sklearn:KNeighborsClassifier").build().fit(X, y)
    assert parameter_count(wrapped) == X.size
    svc = SVC(kernel="rbf").fit(X, y)  # no coef_: generic count of fitted arrays
    assert parameter_count(svc) >= svc.support_vectors_.size + svc.dual_coef_.size


def test_torch_learners_report_n_params() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 5)).astype(np.float32)
    y = np.arange(30) % 2
    mlp = MLPLearner(width=3, depth=1, max_epochs=1, device="cpu").fit(X, y)
    assert parameter_count(mlp) == mlp.n_params_ == 5 * 3 + 3 + 3 * 2 + 2


def test_is_classifier_learner() -> None:
    assert is_classifier_learner(LogisticRegression())
    assert not is_classifier_learner(LinearRegression())
    assert is_classifier_learner(parse_spec("sklearn:SVC").build("classification"))
    assert not is_classifier_learner(parse_spec("sklearn:SVR").build("regression"))
    assert is_classifier_learner(parse_spec("mlp").build("classification"))
    assert not is_classifier_learner(parse_spec("mlp").build("regression"))
    auto = MLPLearner(max_epochs=1, device="cpu")
    assert is_classifier_learner(auto)  # "auto" can classify until fitted on floats
    X = np.random.default_rng(0).normal(size=(20, 3)).astype(np.float32)
    auto.fit(X, X[:, 0].astype(np.float64))
    assert not is_classifier_learner(auto)
    assert not hasattr(auto, "predict_proba")
