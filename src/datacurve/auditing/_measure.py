"""What cleaning is worth: learning curves of the raw and the cleaned data against the
same evaluation set, the gain in the metric with its interval, and that gain in
equivalent samples (how many more raw samples would buy it).

The evaluation set is fixed once on the raw data and kept out of cleaning (its rows are
neither dropped nor relabelled), so both curves are measured against exactly the same
examples and labels. Both curves use the same training sizes, up to the smaller pool.

The gain's interval (`gain_interval`) accounts for the two sources of chance in the
measured gain ĝ (the mean over seeds of clean minus raw at the largest common size n):
which training subsets and random states the seeds drew, and which rows make up the
evaluation set. By the law of total variance,

    Var(ĝ) = E[Var(ĝ | evaluation rows)] + Var(E[ĝ | evaluation rows]),

the first term from the seeds, the second from the rows. The trials keep aggregate
scores only, not per-row predictions, so the two terms are estimated separately and
combined in one percentile bootstrap (`_gain_draws`):

- seeds: a paired bootstrap of the per-seed gains (the raw and the cleaned trial of
  one seed share the evaluation rows, and their subsets when cleaning changed little),
  the resampled means' deviations scaled by sqrt(s / (s - 1)) so their variance is the
  unbiased s²/s of s seeds rather than the plug-in one (with 2-3 seeds the plug-in is a
  third to a half too small). With one seed this term is unknown and left at 0.
- evaluation rows: normal noise with the standard error of a difference of two scores
  measured on the same n_eval rows (`_row_se`). For accuracy and error it is an upper
  bound with no assumption: a row contributes to the difference only where exactly
  one of the two models is right, so the per-row variance of the difference is at most
  ``min(e_raw + e_clean, 2 - e_raw - e_clean) - gain²`` (e the error rates). The
  other metrics use their per-row variance under the usual approximations (proportions
  on the effective class-balanced row count for balanced accuracy and macro-F1,
  Hanley-McNeil for ROC-AUC, exponential per-row log-losses, Gaussian residuals for
  RMSE, MAE and R²), summed over the two scores: errors of the same learner on the same
  rows are positively correlated, so the sum bounds the variance of the difference.

Both bounds overstate the row noise when the two models mostly err on the same rows
(re-scoring both with per-row predictions would tighten them), so the interval is
conservative: a gain it calls distinguishable from 0 is one the data support. When the
cleaning changed nothing, the two runs train the same models and the rows' share is 0.
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
from datacurve._plain import plain
from datacurve.auditing._clean import DEFAULT_DROP, clean
from datacurve.auditing._report import AuditReport
from datacurve.curves import make_eval_split, resolve_anchors, run_curve
from datacurve.data import Dataset
from datacurve.fit import LearningCurve, fit_model_curve
from datacurve.metrics import Metric
from datacurve.results import Results

__all__ = ["DEFAULT_MEASURE_MODEL", "CleaningValue", "measure_cleaning"]

DEFAULT_MEASURE_MODEL = "sklearn:LogisticRegression(max_iter=2000)"
"""Learner of `measure_cleaning` when none is given (fast, and sensitive to label noise
without memorising it)."""

_BOOT = 4000
"""Bootstrap draws of the gain's interval."""


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
    gain_interval : tuple of float
        (low, high): the `level` interval of `gain` over seeds and evaluation rows (see
        the module docstring for the method).
    level : float
        Coverage of `gain_interval`.
    equivalent_samples : float
        Raw training samples the raw curve needs to reach `clean_score`, minus `n`
        (``inf`` when the raw curve never gets there; 0 when cleaning does not help).
    equivalent_interval : tuple of float
        `equivalent_samples` at the two ends of `gain_interval` (through the raw curve's
        median; it leaves out the raw curve's own uncertainty).
    multiplier : float
        ``(n + equivalent_samples) / n``: cleaning is worth this many times the data.
    raw_asymptote : float
        The score the raw curve tends to with unlimited data.
    dropped, relabelled : int
    n_eval : int
        Rows of the evaluation set.
    seeds : int
        Seeds measured at `n` on both, their gains paired by seed (when the two runs
        finished different seeds, the fewer of the two, each resampled on its own).
    seed_se, row_se : float
        Standard errors of `gain` from the seeds and from the evaluation rows.
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
    gain_interval: tuple[float, float]
    level: float
    equivalent_samples: float
    equivalent_interval: tuple[float, float]
    multiplier: float
    raw_asymptote: float
    dropped: int
    relabelled: int
    n_eval: int
    seeds: int
    seed_se: float
    row_se: float
    results: pd.DataFrame = field(repr=False)
    curves: dict[str, LearningCurve] = field(repr=False)

    @property
    def distinguishable(self) -> bool:
        """Whether `gain_interval` excludes 0 (a real gain, or a real loss)."""
        lo, hi = self.gain_interval
        return bool(lo > 0 or hi < 0)

    @property
    def beyond_raw_asymptote(self) -> bool:
        """Whether the cleaned score is past what the raw curve reaches with any amount
        of data (``equivalent_samples`` is ``inf``)."""
        return self.gain > 0 and not math.isfinite(self.equivalent_samples)

    def describe(self) -> str:
        """One sentence: the scores, the gain with its interval, and what it is worth.

        When the interval covers 0 the sentence says the gain is not distinguishable
        from no gain and claims no worth in samples.
        """
        lo, hi = self.gain_interval
        head = (f"{self.metric} {self.raw_score:.4f} → {self.clean_score:.4f} at "
                f"n={self.n:,}, gain {self.gain:+.4f} ({self.level:.0%} interval "
                f"{lo:+.4f} to {hi:+.4f}; {self.seeds} seed{'s' * (self.seeds != 1)} × "
                f"{self.n_eval:,} evaluation rows)")
        if not self.distinguishable:
            return f"{head}: not distinguishable from no gain"
        if hi < 0:
            return f"{head}: cleaning made it worse"
        eq_lo = self.equivalent_interval[0]
        if self.beyond_raw_asymptote:
            text = (f"{head}: the cleaned score is beyond the raw curve's asymptote "
                    f"({self.raw_asymptote:.4f}), worth more than any amount of raw data "
                    "reaches")
        else:
            text = f"{head}: worth {_worth(self.equivalent_samples, self.n)}"
        if not math.isfinite(eq_lo):
            return f"{text}, even at the interval's low end ({lo:+.4f})"
        return (f"{text}; at the interval's low end ({lo:+.4f}) it is worth "
                f"{_worth(eq_lo, self.n)}")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (NaN and infinity as None; ``distinguishable`` and the
        sentence of `describe` included)."""
        return plain({
            "model": self.model, "metric": self.metric, "n": self.n,
            "raw_score": self.raw_score, "clean_score": self.clean_score,
            "gain": self.gain, "gain_interval": list(self.gain_interval),
            "level": self.level, "distinguishable": self.distinguishable,
            "equivalent_samples": self.equivalent_samples,
            "equivalent_interval": list(self.equivalent_interval),
            "multiplier": self.multiplier, "raw_asymptote": self.raw_asymptote,
            "beyond_raw_asymptote": self.beyond_raw_asymptote,
            "dropped": self.dropped, "relabelled": self.relabelled,
            "n_eval": self.n_eval, "seeds": self.seeds, "seed_se": self.seed_se,
            "row_se": self.row_se, "summary": self.describe(),
            "curves": {k: c.to_dict() for k, c in self.curves.items()}})


def measure_cleaning(dataset: Dataset, report: AuditReport, *, model: str | None = None,
                     drop: Iterable[str] | str | None = DEFAULT_DROP,
                     relabel: Iterable[str] | str | None = None, seeds: int = 3,
                     sizes: list[int] | None = None, eval_fraction: float = 0.2,
                     eval_seed: int = 0, metric: str | None = None, level: float = 0.95,
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
        Seeds per size (at least 2 for the seeds' share of the interval).
    sizes : list of int, optional
        Training sizes (default: LCDB anchors up to the smaller pool).
    eval_fraction, eval_seed
        The evaluation set (unless the dataset has a split column); `eval_seed` also
        seeds the interval's bootstrap.
    metric : str, optional
    level : float
        Coverage of the gain's interval, in (0, 1).
    store : path, optional
        Results store (default: a store beside datacurve's default one).
    jobs : int
    progress : callable, optional
        Receives the runner's progress events.

    Returns
    -------
    CleaningValue
        The gain with a `level` interval from a bootstrap over seeds plus the
        evaluation rows' sampling noise (see the module docstring).

    Raises
    ------
    InputError
        Naming ``level`` (outside (0, 1)), ``report`` (a cleaning that leaves fewer than
        32 training rows), ``sizes`` (fewer than 3 within the cleaned pool) or ``model``
        (a learner that fails on this data).
    """
    level = _check_level(level)
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
    per_seed = {version: _per_seed(r) for version, r in runs.items()}
    n = int(max(set(per_seed["raw"]) & set(per_seed["clean"])))
    m = runs["raw"].metric
    raw_seeds, clean_seeds = per_seed["raw"][n], per_seed["clean"][n]
    raw_score, clean_score = float(raw_seeds.mean()), float(clean_seeds.mean())
    gain = m.gain(raw_score, clean_score)

    y_eval = np.asarray(dataset.y)[split.evaluation]
    dropped, relabelled = int(entry["counts"]["dropped"]), int(entry["counts"]["relabelled"])
    # A cleaning that changed nothing trains the same models on the same rows: no row
    # can differ in expectation, so the rows add nothing (learners that are not
    # deterministic still differ between seeds, which the seeds' share keeps).
    row_se = (_row_se(m, raw_score, clean_score, y_eval) if dropped or relabelled
              else 0.0)
    rng = np.random.default_rng([int(eval_seed), 0xC1EA7])
    dev, paired = _seed_deviations(m, raw_seeds, clean_seeds, rng)
    draws = gain + dev + row_se * rng.standard_normal(_BOOT)
    lo, hi = (float(q) for q in np.quantile(draws, [(1 - level) / 2, (1 + level) / 2]))

    def equivalent(g: float) -> float:
        """More raw samples the raw curve needs to gain `g` over `raw_score` at `n`."""
        if not g > 0:
            return 0.0
        target = float(np.clip(raw_score + m.orient(g), raw_c.lower, raw_c.upper))
        need = raw_c.size_for(target)
        return max(need - n, 0.0) if math.isfinite(need) else math.inf

    eq = equivalent(gain)
    return CleaningValue(
        model=spec, metric=m.name, n=n, raw_score=raw_score, clean_score=clean_score,
        gain=gain, gain_interval=(min(lo, gain), max(hi, gain)), level=level,
        equivalent_samples=eq, equivalent_interval=(equivalent(lo), equivalent(hi)),
        multiplier=(n + eq) / n if math.isfinite(eq) else math.inf,
        raw_asymptote=raw_c.asymptote, dropped=dropped, relabelled=relabelled,
        n_eval=int(y_eval.size),
        seeds=paired, seed_se=float(dev.std()), row_se=row_se, results=results,
        curves=curves)


def _worth(extra: float, n: int) -> str:
    """`extra` raw samples on top of `n` in words (beyond 1,000 times the data the raw
    curve's extrapolation is no count to quote)."""
    if not math.isfinite(extra):
        return "more than any amount of raw data reaches"
    if extra > 999 * n:
        return "more than 1,000x the data"
    return f"{extra:,.0f} more raw samples ({(n + extra) / n:.2f}x the data)"


# -- the interval ------------------------------------------------------------------------
def _check_level(level: float) -> float:
    try:
        v = float(level)
    except (TypeError, ValueError):
        v = math.nan
    if not 0 < v < 1:
        raise InputError("level", "a coverage in (0, 1), e.g. 0.95", repr(level))
    return v


def _per_seed(run: Results) -> dict[int, pd.Series]:
    """Size → the evaluation score (natural units) of each seed there, indexed by seed."""
    f = run.natural_frame(run.pick(None))
    sizes = f["n"].to_numpy(np.int64)
    return {int(size): f[sizes == size].groupby("seed")["val"].mean()
            for size in np.unique(sizes)}


def _resampled_deviation(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Bootstrap deviations of the mean of `x` (shape (s,)) from its value, shape
    (_BOOT,), scaled by sqrt(s / (s - 1)) so their variance is the unbiased var(x) / s
    (zeros with one value: its spread is unknown)."""
    s = x.size
    if s < 2:
        return np.zeros(_BOOT)
    means = x[rng.integers(0, s, size=(_BOOT, s))].mean(axis=1)
    return (means - x.mean()) * math.sqrt(s / (s - 1))


def _seed_deviations(metric: Metric, raw: pd.Series, clean: pd.Series,
                     rng: np.random.Generator) -> tuple[np.ndarray, int]:
    """Bootstrap deviations of the oriented gain from the seeds, shape (_BOOT,), and the
    number of seeds behind them.

    Seeds measured on both versions are paired (the per-seed gains are resampled);
    when the two runs finished different seeds, each version is resampled on its own.
    """
    if set(raw.index) == set(clean.index):
        d = metric.orient(clean.loc[raw.index].to_numpy(np.float64)
                          - raw.to_numpy(np.float64))
        return _resampled_deviation(d, rng), int(d.size)
    dc = _resampled_deviation(clean.to_numpy(np.float64), rng)
    dr = _resampled_deviation(raw.to_numpy(np.float64), rng)
    return metric.orient(dc - dr), int(min(raw.size, clean.size))


def _row_se(metric: Metric, raw: float, clean: float, y_eval: np.ndarray) -> float:
    """Standard error of ``clean - raw`` from the sampling of the evaluation rows.

    Parameters
    ----------
    metric : Metric
    raw, clean : float
        The two scores (natural units), mean over seeds, on the same rows.
    y_eval : ndarray of shape (n_eval,)
        The evaluation rows' labels (class codes) or targets.

    Returns
    -------
    float
        For accuracy and error the assumption-free bound
        ``sqrt((min(e_r + e_c, 2 - e_r - e_c) - gain²) / n_eval)``; for the other
        metrics ``sqrt(v_r + v_c)`` with each score's approximate sampling variance.
    """
    n = int(y_eval.size)
    if n == 0:
        return math.nan
    if metric.name in ("accuracy", "error"):
        e_r, e_c = metric.to_error(raw), metric.to_error(clean)
        second = min(e_r + e_c, 2.0 - e_r - e_c)
        return math.sqrt(max(second - (clean - raw) ** 2, 0.0) / n)
    return math.sqrt(_score_var(metric, raw, y_eval) + _score_var(metric, clean, y_eval))


def _score_var(metric: Metric, score: float, y_eval: np.ndarray) -> float:
    """Approximate sampling variance of one score measured on the rows `y_eval`."""
    n = y_eval.size
    name = metric.name
    if name in ("accuracy", "error"):
        return score * (1.0 - score) / n  # a proportion
    if name in ("balanced_accuracy", "macro_f1"):
        # Averages over classes of proportions: a proportion on the effective row count
        # K² / Σ 1/n_c (n_eval when the classes are balanced).
        _, counts = np.unique(y_eval, return_counts=True)
        n_eff = counts.size ** 2 / float(np.sum(1.0 / counts))
        return score * (1.0 - score) / n_eff
    if name == "roc_auc":
        # Hanley & McNeil (1982) per one-vs-rest class, averaged as the macro AUC is.
        _, counts = np.unique(y_eval, return_counts=True)
        pos = counts[1:] if counts.size == 2 else counts
        neg = n - pos
        a = float(np.clip(score, 0.0, 1.0))
        q1, q2 = a / (2.0 - a), 2.0 * a * a / (1.0 + a)
        v = (a * (1 - a) + (pos - 1) * (q1 - a * a) + (neg - 1) * (q2 - a * a)) / (pos * neg)
        return float(np.sum(v)) / pos.size ** 2
    if name == "log_loss":
        return score * score / n  # per-row log-losses roughly exponential: sd ≈ mean
    if name == "rmse":
        return score * score / (2.0 * n)  # Gaussian residuals: Var(MSE) = 2 MSE² / n
    if name == "mae":
        return (math.pi / 2.0 - 1.0) * score * score / n  # |Gaussian|: sd/mean = 0.755
    if name == "r2":
        return 2.0 * (1.0 - score) ** 2 / n  # 1 - MSE / Var(y), Var(y) shared by both
    return math.nan
