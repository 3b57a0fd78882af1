"""What a measured curve cost: the training seconds of its trials as a share of one
training run on the full pool ("measured with 12 % of one full training run"), shown
beside every answer (the plan in the CLI, its JSON and the report)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from datacurve._errors import InputError
from datacurve.fit._timing import fit_time_model
from datacurve.results import Results

__all__ = ["Compute", "compute_spent", "training_seconds"]


@dataclass(frozen=True)
class Compute:
    """What measuring one model's curve cost, against one full training run.

    Attributes
    ----------
    model : str
    spent_seconds : float
        Training seconds of the model's trials (its ``fit_time`` column, summed).
    full_n : int
        The full pool: the size of one full-data training run.
    full_seconds : float
        Seconds of one training run on `full_n` rows, from the model's time model.
    share : float
        ``spent_seconds / full_seconds``.
    measured_full : bool
        Whether `full_n` itself was measured (then `full_seconds` is its median time).
    """

    model: str
    spent_seconds: float
    full_n: int
    full_seconds: float
    share: float
    measured_full: bool = False

    def describe(self) -> str:
        """One line: "measured with 12 % of one full training run (3.1 s of about 26 s
        at n=1,437)"."""
        about = "" if self.measured_full else "about "
        return (f"measured with {self.share:,.0%} of one full training run "
                f"({self.spent_seconds:.3g} s of {about}{self.full_seconds:.3g} s at "
                f"n={self.full_n:,})")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (``text``: `describe`, the line every surface prints)."""
        return {"model": self.model, "spent_seconds": self.spent_seconds,
                "full_n": self.full_n, "full_seconds": self.full_seconds,
                "share": self.share, "measured_full": self.measured_full,
                "text": self.describe()}


def compute_spent(results: Results | pd.DataFrame, model: str | None = None
                  ) -> Compute | None:
    """The training compute behind `model`'s curve as a share of one full training run.

    Parameters
    ----------
    results : Results, DataFrame, store or path
        Needs the ``fit_time`` and ``pool`` columns (the runner records the pool, the
        rows a full-data run trains on, with every trial).

    Returns
    -------
    Compute or None
        None when the table does not record the pool or the fit times, or the model's
        training time cannot be modelled (fewer than 2 sizes with a fit time).
    """
    r = Results.from_source(results)
    model = r.pick(model)
    t = r.table
    if "pool" not in t.columns or "fit_time" not in t.columns:
        return None
    rows = t[t["model"] == model]
    pool = pd.to_numeric(rows["pool"], errors="coerce").to_numpy(np.float64)
    pool = pool[np.isfinite(pool) & (pool > 0)]
    if pool.size == 0:
        return None
    full_n = int(pool.min())
    spent = training_seconds(rows)
    at_full = pd.to_numeric(rows.loc[rows["n"] == full_n, "fit_time"], errors="coerce")
    at_full = at_full[np.isfinite(at_full) & (at_full > 0)]
    if len(at_full):
        full, measured = float(at_full.median()), True
    else:
        try:
            full, measured = float(fit_time_model(r, model).predict(full_n)), False
        except InputError:
            return None
    if not (math.isfinite(full) and full > 0):
        return None
    return Compute(model, spent, full_n, full, spent / full, measured)


def training_seconds(rows: pd.DataFrame) -> float:
    """Training seconds of trial rows (their positive ``fit_time``, summed; 0 without
    the column)."""
    if rows.empty or "fit_time" not in rows.columns:
        return 0.0
    t = pd.to_numeric(rows["fit_time"], errors="coerce").to_numpy(np.float64)
    return float(t[np.isfinite(t) & (t > 0)].sum())
