"""Strategies as learners: each wraps the baseline's spec and trains it the strategy's
way, so a strategy's trials are ordinary trials of the runner (same nested subsets,
seeds and evaluation set; the strategy is part of the learner's identity, hence of the
trial key, and a killed run resumes like any other).

Both are scikit-learn estimators (`get_params` gives the runner their identity;
`random_state` is set per trial by the runner).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator

__all__ = ["AugmentedCopiesLearner", "EnsembleLearner", "GenerativeLearner", "NoiseCopiesLearner",
           "OversampleLearner"]


def _count(fitted: Any) -> int:
    from datacurve.models import parameter_count

    return int(parameter_count(fitted))


def _take(X: Any, rows: np.ndarray) -> Any:
    """Rows of an array, a sparse matrix or a DataFrame."""
    if hasattr(X, "iloc"):
        return X.iloc[rows]
    return X[rows]


def _build(spec: str, task: str, random_state: int) -> Any:
    from datacurve.models import parse_spec

    return parse_spec(spec).build(task, random_state=random_state)


class _Retrained(BaseEstimator):
    """A wrapper that trains the baseline once on changed training data (copies,
    synthetic rows): its predictions are the trained baseline's."""

    spec: str
    task: str
    random_state: int | None
    model_: Any

    def _train(self, X: np.ndarray, y: np.ndarray, real_y: np.ndarray) -> None:
        """Train the baseline on (`X`, `y`); `real_y` holds the real examples' labels."""
        self.model_ = _build(self.spec, self.task, int(self.random_state or 0))
        self.model_.fit(X, y)
        self.n_params_ = _count(self.model_)
        if self.task == "classification":
            self.classes_ = np.unique(real_y)

    def predict_proba(self, X: Any) -> np.ndarray:
        """The baseline's probabilities, shape (n, classes)."""
        return np.asarray(self.model_.predict_proba(np.asarray(X, dtype=np.float64)))

    def predict(self, X: Any) -> np.ndarray:
        """The baseline's predictions."""
        return np.asarray(self.model_.predict(np.asarray(X, dtype=np.float64)))


class EnsembleLearner(BaseEstimator):
    """`k` members of the baseline, each built with its own seed, their predicted
    probabilities (or values) averaged. Torch learners train every member on the same
    examples (a deep ensemble: the seeds make them differ); other learners train each
    member on a bootstrap resample of them (bagging), since many estimators are
    deterministic given their data. Costs k× the training compute.

    Parameters
    ----------
    spec : str
        The baseline's model spec.
    k : int
        Members (>= 2).
    task : {"classification", "regression"}
    bootstrap : {"auto", True, False}
        Train each member on a bootstrap resample; "auto": unless the baseline is a torch
        learner (``mlp:``, ``cnn:``, ``torch:`` specs).
    random_state : int
        Seed of the first member; member i uses ``random_state + 7919 * i``.
    """

    def __init__(self, spec: str = "", k: int = 5, task: str = "classification",
                 bootstrap: str | bool = "auto", random_state: int = 0) -> None:
        self.spec = spec
        self.k = k
        self.task = task
        self.bootstrap = bootstrap
        self.random_state = random_state

    def fit(self, X: Any, y: np.ndarray) -> EnsembleLearner:
        """Train the `k` members on (X, y) or on bootstrap resamples of it."""
        seed = int(self.random_state or 0)
        y = np.asarray(y)
        bootstrap = (self.spec.split(":", 1)[0] not in ("mlp", "cnn", "torch")
                     if self.bootstrap == "auto" else bool(self.bootstrap))
        rng = np.random.default_rng(seed)
        self.members_ = []
        for i in range(int(self.k)):
            rows = np.arange(len(y))
            if bootstrap:
                rows = rng.integers(0, len(y), len(y))
                if self.task == "classification":  # every class in every member
                    first = np.unique(y, return_index=True)[1]
                    rows[: first.size] = first
            member = _build(self.spec, self.task, seed + 7919 * i)
            self.members_.append(member.fit(_take(X, rows), y[rows]))
        # All members' parameters: what the ensemble costs (read by parameter_count).
        self.n_params_ = int(sum(_count(m) for m in self.members_))
        if self.task == "classification":
            self.classes_ = np.unique(y)
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        """Mean of the members' probabilities, shape (n, classes)."""
        return np.mean([m.predict_proba(X) for m in self.members_], axis=0)

    def predict(self, X: Any) -> np.ndarray:
        """Class of the mean probability, or the mean prediction (regression)."""
        if self.task == "classification":
            return self.classes_[np.argmax(self.predict_proba(X), axis=1)]
        return np.mean([m.predict(X) for m in self.members_], axis=0)


class NoiseCopiesLearner(_Retrained):
    """Table augmentation for learners without an epoch loop: the training examples plus
    `k` copies of each with Gaussian noise of `sigma` standard deviations per feature
    (standardised units: each column's own spread), labels kept. A fixed pile of
    copies, said so in the strategy's name; torch learners get augmentation per epoch
    with issue 17's augmentation step.

    Parameters
    ----------
    spec : str
        The baseline's model spec.
    k : int
        Noisy copies per example (>= 1).
    sigma : float
        Noise in standard deviations of each feature (> 0).
    task : {"classification", "regression"}
    random_state : int
    """

    def __init__(self, spec: str = "", k: int = 4, sigma: float = 0.1,
                 task: str = "classification", random_state: int = 0) -> None:
        self.spec = spec
        self.k = k
        self.sigma = sigma
        self.task = task
        self.random_state = random_state

    def fit(self, X: Any, y: np.ndarray) -> NoiseCopiesLearner:
        """Train the baseline on the examples and their noisy copies."""
        self._train(*self.training_set(X, y), np.asarray(y))
        return self

    def training_set(self, X: Any, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The examples and their `k` noisy copies, labels kept: shapes (n (k+1), d)
        and (n (k+1),)."""
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2:
            from datacurve._errors import InputError

            raise InputError("strategy", "a table (rows × numeric columns) for noise:"
                             " copies", f"features of shape {X.shape}")
        rng = np.random.default_rng(self.random_state)
        scale = X.std(axis=0)
        scale[~np.isfinite(scale) | (scale == 0)] = 1.0
        copies = [X] + [X + rng.normal(size=X.shape) * scale * float(self.sigma)
                        for _ in range(int(self.k))]
        return np.concatenate(copies), np.tile(np.asarray(y), int(self.k) + 1)



def augmented_views(X: np.ndarray, aug: Any, k: int, seed: int,
                    y: np.ndarray | None = None) -> tuple[list[np.ndarray],
                                                          list[np.ndarray]]:
    """`k` augmented copies of the examples `X` (shape (n, *s)) in their own units.

    Examples are standardised before the operations (0 is the mean, noise in standard
    deviations): per column for tables, with one mean and std for signals and images,
    whose values share a scale along the axes the operations move them. Regression
    targets `y` (shape (n,)) are mixed alike by mixup; returned per copy (empty list
    without `y`).

    Returns
    -------
    views : list of ndarray of shape (n, *s)
    targets : list of ndarray of shape (n,)
    """
    import torch

    shape = tuple(X.shape[1:])
    aug.check_shape(shape)
    flat = X.reshape(len(X), -1).astype(np.float64)
    per_column = "table" in aug.kinds
    mean = flat.mean(axis=0) if per_column else np.full(flat.shape[1], flat.mean())
    std = flat.std(axis=0) if per_column else np.full(flat.shape[1], flat.std())
    std[~np.isfinite(std) | (std == 0)] = 1.0
    z = torch.from_numpy(((flat - mean) / std).astype(np.float32))
    zero = torch.from_numpy((-mean / std).astype(np.float32))
    rng, gen = np.random.default_rng([seed, 1]), torch.Generator().manual_seed(seed + 1)
    labels = (torch.from_numpy(y.astype(np.float32)) if y is not None
              else torch.zeros(len(X), dtype=torch.int64))
    views, targets = [], []
    for _ in range(int(k)):
        out, target = aug.apply(z, labels, shape=shape, zero=zero, n_classes=0, rng=rng,
                                gen=gen)
        views.append((out.numpy().astype(np.float64) * std + mean).reshape(X.shape))
        if y is not None:
            targets.append(target.numpy())
    return views, targets


class AugmentedCopiesLearner(_Retrained):
    """Augmentation for learners without an epoch loop (scikit-learn estimators): the
    training examples plus `k` augmented copies of each, made once per fit with the same
    operations the torch learners apply per epoch (`datacurve.models.AUGMENTATIONS`),
    labels kept. A fixed pile of copies, said so in the strategy's name.

    Examples are standardised before the operations (0 is the mean, noise in standard
    deviations): per column for tables, with one mean and std for signals and images,
    whose values share a scale along the axes the operations move them.

    Parameters
    ----------
    spec : str
        The baseline's model spec.
    augment : str
        The operations, e.g. ``"shift=0.1+noise=0.05"``; no mixup for classification
        (an estimator takes hard labels only).
    k : int
        Augmented copies per example (>= 1).
    task : {"classification", "regression"}
    random_state : int
    """

    def __init__(self, spec: str = "", augment: str = "noise=0.1", k: int = 4,
                 task: str = "classification", random_state: int = 0) -> None:
        self.spec = spec
        self.augment = augment
        self.k = k
        self.task = task
        self.random_state = random_state

    def fit(self, X: Any, y: np.ndarray) -> AugmentedCopiesLearner:
        """Train the baseline on the examples and their `k` augmented copies."""
        self._train(*self.training_set(X, y), np.asarray(y))
        return self

    def training_set(self, X: Any, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The examples and their `k` augmented copies: shapes (n (k+1), *s) and
        (n (k+1),) (regression targets mixed by mixup)."""
        from datacurve._errors import InputError
        from datacurve.models import parse_augmentation

        aug = parse_augmentation(self.augment)
        if aug is None:
            raise InputError("augment", "at least one operation", repr(self.augment))
        if hasattr(X, "toarray") or hasattr(X, "iloc"):
            raise InputError("augment", "dense numeric examples for augmented copies",
                             f"features of type {type(X).__name__}")
        X = np.asarray(X, dtype=np.float64)
        y = np.asarray(y)
        shape = tuple(X.shape[1:])
        seed = int(self.random_state or 0)
        views, targets = augmented_views(X, aug, int(self.k), seed,
                                         y if self.task == "regression" else None)
        xs = [X.reshape(len(X), -1), *(v.reshape(len(X), -1) for v in views)]
        ys = [y, *(targets if self.task == "regression" else [y] * len(views))]
        return np.concatenate(xs).reshape(-1, *shape), np.concatenate(ys)



class OversampleLearner(_Retrained):
    """Synthetic minority examples before training (imbalanced-learn): SMOTE
    interpolates between a minority example and one of its `k_neighbors` nearest
    same-class neighbours, ADASYN places more of them where the class is hard to learn,
    until every class has as many examples as the largest. A class with too few
    examples for `k_neighbors` uses fewer neighbours; one with a single example is
    copied (random oversampling), as no neighbour exists to interpolate with.

    Parameters
    ----------
    spec : str
        The baseline's model spec.
    method : {"smote", "adasyn"}
    k_neighbors : int
        Neighbours to interpolate with (>= 1).
    task : {"classification"}
    random_state : int
    """

    def __init__(self, spec: str = "", method: str = "smote", k_neighbors: int = 5,
                 task: str = "classification", random_state: int = 0) -> None:
        self.spec = spec
        self.method = method
        self.k_neighbors = k_neighbors
        self.task = task
        self.random_state = random_state

    def fit(self, X: Any, y: np.ndarray) -> OversampleLearner:
        """Oversample every class to the largest, then train the baseline."""
        self._train(*self.training_set(X, y), np.asarray(y))
        return self

    def training_set(self, X: Any, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The examples followed by the synthetic ones, every class as large as the
        largest: shapes (m, *s) and (m,)."""
        from imblearn.over_sampling import ADASYN, SMOTE, RandomOverSampler

        X = np.asarray(X, dtype=np.float64)
        shape = X.shape[1:]
        flat = X.reshape(len(X), -1)
        y = np.asarray(y)
        seed = int(self.random_state or 0)
        counts = np.unique(y, return_counts=True)[1]
        k = min(int(self.k_neighbors), int(counts.min()) - 1)
        self.sampler_ = "random" if k < 1 or counts.size < 2 else self.method
        if self.sampler_ == "random":
            sampler: Any = RandomOverSampler(random_state=seed)
        elif self.method == "adasyn":
            sampler = ADASYN(n_neighbors=k, random_state=seed)
        else:
            sampler = SMOTE(k_neighbors=k, random_state=seed)
        try:
            X_res, y_res = sampler.fit_resample(flat, y)
        except (ValueError, RuntimeError):
            # ADASYN refuses classes whose neighbourhoods hold no other class (nothing
            # hard to learn there); SMOTE then adds the same number of examples.
            X_res, y_res = SMOTE(k_neighbors=max(k, 1), random_state=seed).fit_resample(
                flat, y)
            self.sampler_ = "smote (adasyn found no hard examples)"
        self.n_synthetic_ = int(len(y_res) - len(y))
        return np.asarray(X_res).reshape(-1, *shape), np.asarray(y_res)



class GenerativeLearner(_Retrained):
    """Synthetic examples from a simple generative model: a Gaussian mixture per class
    (for regression, one mixture over features and target together), fitted on the
    training examples, adds `k` times as many samples, labelled by the class they were
    drawn from (or their sampled target).

    Parameters
    ----------
    spec : str
        The baseline's model spec.
    k : float
        Synthetic samples per real one (> 0).
    components : int
        Mixture components per class (capped by the class's examples).
    task : {"classification", "regression"}
    random_state : int
    """

    def __init__(self, spec: str = "", k: float = 1.0, components: int = 3,
                 task: str = "classification", random_state: int = 0) -> None:
        self.spec = spec
        self.k = k
        self.components = components
        self.task = task
        self.random_state = random_state

    def fit(self, X: Any, y: np.ndarray) -> GenerativeLearner:
        """Fit the mixtures, sample, and train the baseline on real plus synthetic."""
        self._train(*self.training_set(X, y), np.asarray(y))
        return self

    def training_set(self, X: Any, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The real examples followed by the mixtures' samples: shapes (m, *s), (m,)."""
        from sklearn.mixture import GaussianMixture

        X = np.asarray(X, dtype=np.float64)
        shape = X.shape[1:]
        flat = X.reshape(len(X), -1)
        y = np.asarray(y)
        seed = int(self.random_state or 0)

        def sample(rows: np.ndarray, count: int) -> np.ndarray:
            comps = max(1, min(int(self.components), len(rows) // 2 or 1))
            gm = GaussianMixture(comps, covariance_type="full", reg_covar=1e-3,
                                 random_state=seed).fit(rows)
            return np.asarray(gm.sample(count)[0]) if count else rows[:0]

        if self.task == "classification":
            xs, ys = [flat], [y]
            for cls in np.unique(y):
                rows = flat[y == cls]
                count = round(float(self.k) * len(rows))
                xs.append(sample(rows, count))
                ys.append(np.full(count, cls, dtype=y.dtype))
            X_all, y_all = np.concatenate(xs), np.concatenate(ys)
        else:
            joint = np.column_stack([flat, y.astype(np.float64)])
            extra = sample(joint, round(float(self.k) * len(joint)))
            X_all = np.concatenate([flat, extra[:, :-1]])
            y_all = np.concatenate([y.astype(np.float64), extra[:, -1]])
        self.n_synthetic_ = int(len(y_all) - len(y))
        return X_all.reshape(-1, *shape), y_all

