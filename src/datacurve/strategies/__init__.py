"""The strategies room: what a training strategy is worth for *this* model and data, in
the unit a team pays for — labelled samples.

A strategy is one more learner on the same nested subsets, seeds and evaluation set as
the baseline (`compare_strategies`); its value is the effective data multiplier
m(n) = (raw samples the baseline's fitted curve needs to reach the strategy's score at n)
/ n, with an 80 % interval. Strategies: ``ensemble:k=K`` (K seeded members averaged),
``augment:OPS`` (augmentation per epoch for the torch learners, K copies for
estimators), ``noise:k=K,sigma=S`` (K Gaussian-noise copies of each training row, for
tables), ``smote`` / ``adasyn`` (synthetic minority examples), ``generate:k=K`` (a
Gaussian mixture per class adds K samples per real one) and ``selftrain`` (the rest of
the pool unlabelled, self-training with pseudo-labels).
"""

from __future__ import annotations

from datacurve.strategies._compare import (
    STRATEGIES,
    StrategyComparison,
    compare_strategies,
    find_strategies,
    price_strategies,
    strategy_learner,
)
from datacurve.strategies._expand import EXPANDING, expand, write_expanded
from datacurve.strategies._learners import (
    AugmentedCopiesLearner,
    EnsembleLearner,
    GenerativeLearner,
    NoiseCopiesLearner,
    OversampleLearner,
)
from datacurve.strategies._search import SizeSearch, search_model_size
from datacurve.strategies._semi import SelfTrainingLearner

__all__ = ["EXPANDING", "STRATEGIES", "AugmentedCopiesLearner", "EnsembleLearner",
           "GenerativeLearner", "NoiseCopiesLearner", "OversampleLearner",
           "SelfTrainingLearner", "SizeSearch",
           "StrategyComparison", "compare_strategies", "expand", "find_strategies",
           "price_strategies", "search_model_size", "strategy_learner", "write_expanded"]
