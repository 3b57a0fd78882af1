"""The way back from drift to data needs: how many samples of the drifted window bring the
model back to its reference score.

Once the current window has labels, its own learning curve answers the question: the
model is trained on nested subsets of the current window (the runner, stored and
resumable like any curve), the curve is fitted, and the plan reads the size where it
reaches the reference score. The reference score is given, or measured: the model's
score on a held-out part of the reference when trained on the rest of it (the largest
size of the reference's own curve, one seed, through the same runner).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from datacurve._errors import InputError
from datacurve.curves import run_curve
from datacurve.data import load
from datacurve.fit import DataPlan, plan
from datacurve.results import Results

__all__ = ["Recovery", "recovery"]


@dataclass(frozen=True)
class Recovery:
    """What recovering the reference score on the drifted data takes.

    Attributes
    ----------
    target : float
        The reference score to recover.
    target_source : str
        "given", or how it was measured.
    labelled : int
        Labelled rows of the current window.
    plan : DataPlan
        The plan on the current window's curve for `target` (samples needed, interval,
        what is still to collect).
    """

    target: float
    target_source: str
    labelled: int
    plan: DataPlan

    @property
    def sentence(self) -> str:
        """One line."""
        p = self.plan
        lo, hi = p.samples_interval
        if not math.isfinite(p.samples_needed):
            return (f"{p.model} does not recover {p.metric} {self.target:.4g} on the "
                    f"drifted data: its curve levels off at {p.asymptote:.4g}")
        def n(x: float) -> str:
            return f"{x:,.0f}" if math.isfinite(x) else "never"

        return (f"{p.model} recovers {p.metric} {self.target:.4g} ({self.target_source}) "
                f"when trained on about {n(p.samples_needed)} samples of the drifted data "
                f"[{n(lo)}, {n(hi)}] ({p.level:.0%}); its curve was measured up to "
                f"{p.have:,} of the {self.labelled:,} labelled rows (the rest evaluate it): "
                f"{n(p.additional)} more to collect")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {"target": self.target, "target_source": self.target_source,
                "labelled": self.labelled, "sentence": self.sentence,
                "plan": self.plan.to_dict()}


def recovery(current: str | Path | pd.DataFrame, *, label: str, model: str,
             target: float | None = None, reference: str | Path | pd.DataFrame | None = None,
             seeds: int = 2, store: str | Path | None = None, jobs: int = 1,
             eval_size: float = 0.2, progress: Any = False
             ) -> Recovery:
    """How many labelled samples of the drifted window reach the reference score.

    Parameters
    ----------
    current : path or DataFrame
        The current window with its labels (rows without a label are left out).
    label : str
        The label column.
    model : str
        Learner spec, as `run_curve` takes it.
    target : float, optional
        The score to recover (the metric's natural units).
    reference : path or DataFrame, optional
        Without `target`: the reference data, on which the model's held-out score is
        measured (trained on ``1 - eval_size`` of it, scored on the rest).
    seeds, store, jobs, eval_size, progress
        As `run_curve` (the curves are kept in the store: a rerun resumes).

    Returns
    -------
    Recovery

    Raises
    ------
    InputError
        Neither `target` nor `reference`, too few labelled rows, a bad label column.
    """
    if target is None and reference is None:
        raise InputError("target", "the score to recover, or the reference data to "
                         "measure it on", "neither")
    frame = current if isinstance(current, pd.DataFrame) else None
    if frame is None:
        from datacurve.data import read_table

        frame = read_table(Path(str(current)))
    if label not in frame.columns:
        raise InputError("label", "a column of the current window "
                         f"({', '.join(map(str, frame.columns[:8]))})", repr(label))
    labelled = frame[frame[label].notna()].reset_index(drop=True)
    if len(labelled) < 20:
        raise InputError("current", "at least 20 labelled rows to measure a curve on",
                         f"{len(labelled)}")
    source = "given"
    if target is None:
        assert reference is not None  # checked above
        ref = load(reference, label=label, name="reference")
        # The reference's own curve (one seed, stored): its score at the largest size.
        ref_run = run_curve(ref, [model], seeds=1, store=store, jobs=jobs,
                            eval_size=eval_size, progress=progress)
        r = Results.from_source(ref_run.results)
        sizes = r.per_size(r.pick(model))
        top = sizes.iloc[int(sizes["n"].argmax())]
        target = float(top["val"])
        source = (f"measured on the reference: trained on {int(top['n']):,} rows, "
                  f"{r.metric.name} on the held-out rest")
    data = load(labelled, label=label, name="current window")
    run = run_curve(data, [model], seeds=seeds, store=store, jobs=jobs,
                    eval_size=eval_size, progress=progress)
    results = Results.from_source(run.results)
    p = plan(results, target=float(target), model=results.pick(model))
    return Recovery(float(target), source, len(labelled), p)
