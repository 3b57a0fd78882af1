"""What cleaning is worth: learning curves of the raw and the cleaned data against the
same evaluation set, the gain in the metric, and that gain in equivalent samples (how
many more raw samples would buy it).

The evaluation set is fixed once on the raw data and kept out of cleaning (its rows are
neither dropped nor relabelled), so both curves are measured against exactly the same
examples and labels. Both curves use the same training sizes, up to the smaller pool.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from datacurve._errors import InputError
from datacurve.auditing._clean import DEFAULT_DROP, clean
from datacurve.auditing._report import AuditReport
from datacurve.curves import make_eval_split, resolve_anchors, run_curve
from datacurve.data import Dataset
from datacurve.fit import LearningCurve, fit_model_curve
from datacurve.results import Results

__all__ = ["DEFAULT_MEASURE_MODEL", "CleaningValue", "measure_cleaning"]

DEFAULT_MEASURE_MODEL = "sklearn:LogisticRegression(max_iter=2000)"
"""Learner of `measure_cleaning` when none is given (fast, and sensitive to label noise
without memorising it)."""


@dataclass(frozen=True)
class CleaningValue:
    """Raw vs cleaned learning curves and what the difference is worth.

    Attributes
    ----------
    model, metric : str
    n : int
        Largest training size measured on both.
    raw_score, clean_score : float
        Mean evaluation score at `n` over seeds.
    gain : float
        ``clean_score - raw_score`` oriented so that positive is better.
    equivalent_samples : float
        Raw training samples the raw curve needs to reach `clean_score`, minus `n`
        (``inf`` when the raw curve never gets there; 0 when cleaning does not help).
    multiplier : float
        ``(n + equivalent_samples) / n``: cleaning is worth this many times the data.
    dropped, relabelled : int
    results : DataFrame
        Both runs' trials, column ``version`` = "raw" or "clean".
    curves : dict
        "raw" / "clean" → `LearningCurve`.
    """

    model: str
    metric: str
    n: int
    raw_score: float
    clean_score: float
    gain: float
    equivalent_samples: float
    multiplier: float
    dropped: int
    relabelled: int
    results: pd.DataFrame = field(repr=False)
    curves: dict[str, LearningCurve] = field(repr=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        def num(x: float) -> float | None:
            return float(x) if math.isfinite(x) else None

        return {"model": self.model, "metric": self.metric, "n": self.n,
                "raw_score": self.raw_score, "clean_score": self.clean_score,
                "gain": self.gain, "equivalent_samples": num(self.equivalent_samples),
                "multiplier": num(self.multiplier), "dropped": self.dropped,
                "relabelled": self.relabelled,
                "curves": {k: c.to_dict() for k, c in self.curves.items()}}


def measure_cleaning(dataset: Dataset, report: AuditReport, *, model: str | None = None,
                     drop: Iterable[str] | str | None = DEFAULT_DROP,
                     relabel: Iterable[str] | str | None = None, seeds: int = 3,
                     sizes: list[int] | None = None, eval_fraction: float = 0.2,
                     eval_seed: int = 0, metric: str | None = None,
                     store: str | Path | None = None, jobs: int = 1,
                     progress: Any = None) -> CleaningValue:
    """Measure what cleaning `dataset` by `report` is worth.

    Parameters
    ----------
    dataset : Dataset
        The audited dataset.
    report : AuditReport
        Its audit.
    model : str, optional
        Learner spec (default `DEFAULT_MEASURE_MODEL`).
    drop, relabel
        As `clean`.
    seeds : int
        Seeds per size.
    sizes : list of int, optional
        Training sizes (default: LCDB anchors up to the smaller pool).
    eval_fraction, eval_seed
        The evaluation set (unless the dataset has a split column).
    metric : str, optional
    store : path, optional
        Results store (default: a store beside datacurve's default one).
    jobs : int
    progress : callable, optional
        Receives the runner's progress events.

    Returns
    -------
    CleaningValue
    """
    spec = model or DEFAULT_MEASURE_MODEL
    split = make_eval_split(dataset, eval_size=eval_fraction, seed=eval_seed)
    marks = np.full(dataset.n, "train", dtype=object)
    marks[split.evaluation] = "test"
    marked = dataclasses.replace(dataset, split=marks.astype(str))
    cleaned = clean(marked, report, drop=drop, relabel=relabel, keep=split.evaluation)
    entry = cleaned.metadata["lineage"][-1]
    pool_clean = int(cleaned.n - split.evaluation.size)
    if pool_clean < 32:
        raise InputError("report", "a cleaning that leaves at least 32 training examples",
                         f"{pool_clean}")
    anchors = sizes or [int(a) for a in resolve_anchors(pool_clean, None)]
    anchors = [a for a in anchors if a <= pool_clean]
    if len(anchors) < 3:
        raise InputError("sizes", "at least 3 training sizes within the cleaned pool "
                         f"({pool_clean})", repr(sizes))
    frames = []
    for version, ds in (("raw", marked), ("clean", cleaned)):
        run = run_curve(ds, [spec], seeds=seeds, sizes=anchors, store=store, jobs=jobs,
                        metric=metric, progress=progress)
        if not (run.results["status"] == "ok").any():
            raise InputError("model", "a learner that trains on this data",
                             f"{spec}: {next(iter(run.errors.values()), 'all failed')}")
        frames.append(run.results.assign(version=version))
    results = pd.concat(frames, ignore_index=True)
    runs = {version: Results.from_source(frame, metric=metric)
            for version, frame in zip(("raw", "clean"), frames, strict=True)}
    curves = {version: fit_model_curve(r) for version, r in runs.items()}
    raw_c = curves["raw"]
    means = {version: r.per_size(r.pick(None)).set_index("n")["val"]
             for version, r in runs.items()}
    n = int(max(set(means["raw"].index) & set(means["clean"].index)))
    m = runs["raw"].metric
    raw_score = float(means["raw"].loc[n])
    clean_score = float(means["clean"].loc[n])
    gain = m.gain(raw_score, clean_score)
    if gain <= 0:
        equivalent = 0.0
    else:
        target = float(np.clip(clean_score, raw_c.lower, raw_c.upper))
        need = raw_c.size_for(target)
        equivalent = max(need - n, 0.0) if math.isfinite(need) else math.inf
    multiplier = (n + equivalent) / n if math.isfinite(equivalent) else math.inf
    return CleaningValue(spec, m.name, n, raw_score, clean_score, gain, equivalent,
                         multiplier, int(entry["counts"]["dropped"]),
                         int(entry["counts"]["relabelled"]), results, curves)
