"""The active room: which examples to label next, and what that saves.

`simulate_active_learning` replays pool-based active learning on labelled data with each
query strategy (`STRATEGIES`) and prices it in labels against random labelling;
`LabellingLoop` runs the real thing from a table with empty labels, batch by batch, kept
in the store.
"""

from datacurve.active._loop import ImportResult, LabellingLoop, LoopBatch, LoopStatus
from datacurve.active._simulate import (
    DEFAULT_STRATEGIES,
    ActiveSimulation,
    labels_to_reach,
    load_simulations,
    simulate_active_learning,
)
from datacurve.active._strategies import (
    COLD_STARTS,
    STRATEGIES,
    Query,
    bald_scores,
    cold_start,
    query,
)

__all__ = [
    "COLD_STARTS",
    "DEFAULT_STRATEGIES",
    "STRATEGIES",
    "ActiveSimulation",
    "ImportResult",
    "LabellingLoop",
    "LoopBatch",
    "LoopStatus",
    "Query",
    "bald_scores",
    "cold_start",
    "labels_to_reach",
    "load_simulations",
    "query",
    "simulate_active_learning",
]
