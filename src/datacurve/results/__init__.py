"""The results room: the one table every later room reads.

`Results.from_source` reads a store, a results file or a DataFrame once, validates it
(contract columns, statuses, one dataset, one metric, score ranges) and offers the views
the fit, diagnosis, analysis and report rooms use: stored higher-is-better scores,
natural units, per-size means, the models, the declared model-size sweeps and a summary.
"""

from datacurve.results._results import ACTIVE_MARK, REQUIRED_COLUMNS, Results, read_results

__all__ = ["ACTIVE_MARK", "REQUIRED_COLUMNS", "Results", "read_results"]
