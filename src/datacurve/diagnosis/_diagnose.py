"""What holds a model back — data, its own size, label noise or overfitting — and what to
do about it, from measured learning curves.

The analysis follows Ng's *Machine Learning Yearning* (chapters 20-30): compare the
training error, the evaluation error and the best achievable ("optimal") error.

* avoidable bias = training error − optimal error: the model cannot even fit its own
  training data as well as possible → a larger model (and the compute to train it);
* variance = evaluation error − training error: the model fits what it saw but does not
  generalise → more data, augmentation, regularisation;
* and, beyond the book's snapshot at one size, how both move: the gain from doubling the
  data (read off the fitted learning curve), the gain from a larger model at the same
  data (a larger model in the same results, or the joint scaling law), and, when the
  label-noise rate is known (e.g. from `datacurve audit`), what clean labels are worth.

Every lever is priced in the metric's own units, so the recommendations rank by what
they are expected to gain. Levers datacurve cannot price from these results
(regularisation, augmentation, transfer) are listed with the evidence that calls for
them and no invented number.

What clean labels are worth: with a fraction ``r`` of training labels flipped uniformly to
one of the other ``K - 1`` classes, the probability that a label names its example's
class exceeds that of any other class by ``1 - r K / (K - 1)`` instead of 1. The signal a
sample carries shrinks by that factor and its statistical information by its square, so
n noisy samples teach about as much as ``n (1 - r K / (K - 1))**2`` clean ones (the
classical result for learning with class-conditional noise: Angluin & Laird 1988;
Natarajan et al., NeurIPS 2013, whose sample complexity grows as ``1 / (1 - 2r)**2`` for
two classes). Cleaning therefore buys what the same curve gives at
``n / (1 - r K / (K - 1))**2``. When K is unknown the bound for many classes,
``(1 - r)**2``, is used (the smallest value cleaning can have).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from datacurve import _hooks
from datacurve._errors import InputError, describe
from datacurve._plain import num, plain
from datacurve.fit import (
    LearningCurve,
    SweepLaw,
    fit_model_curve,
    fit_sweep_laws,
    samples_needed,
)
from datacurve.metrics import Metric
from datacurve.models import learner_kind
from datacurve.results import Results

__all__ = [
    "ACTIONS",
    "BOTTLENECKS",
    "MIN_SIZES",
    "Diagnosis",
    "Recommendation",
    "diagnose",
]

BOTTLENECKS = ("data", "model_capacity", "label_noise", "variance", "saturated",
               "insufficient_evidence")
"""What `Diagnosis.bottleneck` can be; the last is the honest answer to too few sizes."""
ACTIONS = ("add_data", "grow_model", "add_compute", "clean_labels", "regularize", "augment",
           "transfer", "add_features", "change_model", "stop", "measure")
"""What a `Recommendation` can ask for."""
WINDOW_DOUBLINGS = 2.0
"""The measured trend is read over the last this many doublings of the training set."""
AUGMENTABLE = ("image", "sequence", "text")
"""Modalities with label-preserving transformations and pretrained models
(`datacurve.data.Dataset.modality`); tables get feature work instead."""
REGULARIZE = {
    "network": "weight decay, dropout, early stopping, a smaller network",
    "trees": "shallower trees and larger leaves (max_depth, min_samples_leaf), fewer "
             "features per split, subsampling",
    "linear": "stronger regularisation (smaller C, larger alpha)",
    "neighbors": "more neighbours (a larger n_neighbors)",
    "kernel": "a smaller C or a smoother kernel (a smaller gamma)",
    "bayes": "more smoothing (alpha, var_smoothing)",
    "other": "regularisation (weight decay, dropout, early stopping, a simpler model)",
}
"""How to regularise each kind of learner (`datacurve.models.learner_kind`)."""
MIN_SIZES = 4
"""Distinct training-set sizes a verdict needs (fewer cannot tell a rising curve from a
plateau)."""
GROWTH = 4.0
"""Model growth the joint law prices when no larger model was measured."""


@dataclass(frozen=True)
class Recommendation:
    """One thing to do, with what it is expected to gain and why.

    Attributes
    ----------
    action : str
        One of `ACTIONS`.
    expected_gain : float or None
        Improvement of the metric in its natural units (positive = better), or None when
        these results cannot price it.
    reason : str
        One sentence with the numbers behind it.
    samples : float or None
        Samples it takes (to collect, or labels to review), where it applies.
    compute_seconds : float or None
        Seconds per training run it takes, where it applies.
    evidence : dict
        The quantities behind it.
    """

    action: str
    expected_gain: float | None
    reason: str
    samples: float | None = None
    compute_seconds: float | None = None
    evidence: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"action": self.action, "expected_gain": num(self.expected_gain),
                "reason": self.reason, "samples": num(self.samples),
                "compute_seconds": num(self.compute_seconds),
                "evidence": plain(self.evidence)}

    def __repr__(self) -> str:
        """One line: the action, its gain and the start of its reason (the whole
        sentence is `reason`; the numbers behind it are `evidence`)."""
        gain = "None" if self.expected_gain is None else f"{self.expected_gain:+.3g}"
        reason = self.reason if len(self.reason) <= 100 else self.reason[:99] + "…"
        return (f"Recommendation(action={self.action!r}, expected_gain={gain}, "
                f"reason={reason!r})")


@dataclass(frozen=True)
class Diagnosis:
    """What holds `model` back and what to do (see `diagnose`).

    Attributes
    ----------
    model, metric : str
    higher_is_better : bool
    bottleneck : str
        One of `BOTTLENECKS`.
    recommendations : tuple of Recommendation
        Ranked, most valuable first.
    evidence : dict
        ``n`` (largest size), ``train_score``, ``val_score`` (means over seeds at n),
        ``train_error``, ``val_error``, ``optimal_error`` and its ``optimal_source``,
        ``avoidable_bias`` (training error above the optimum, or above
        ``train_noise_floor`` when noisy labels raise it), ``variance``, ``gain_double_data`` (with
        ``gain_double_data_interval``), ``gain_larger_model`` (with
        ``larger_model``/``larger_model_source``), ``gain_clean_labels`` and
        ``noise_floor`` when a noise rate is given, ``tolerance``, ``sizes``, ``seeds``.
        Errors are distances from the metric's best value (``1 - accuracy``).
    notes : list of str
    curve : LearningCurve or None
        The fitted curve of `model`.
    """

    model: str
    metric: str
    higher_is_better: bool
    bottleneck: str
    recommendations: tuple[Recommendation, ...]
    evidence: dict[str, Any]
    notes: list[str]
    curve: LearningCurve | None = field(default=None, repr=False)

    @property
    def first(self) -> Recommendation | None:
        """The top recommendation."""
        return self.recommendations[0] if self.recommendations else None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"model": self.model, "metric": self.metric,
                "higher_is_better": self.higher_is_better, "bottleneck": self.bottleneck,
                "recommendations": [r.to_dict() for r in self.recommendations],
                "evidence": plain(self.evidence), "notes": list(self.notes),
                "curve": None if self.curve is None else self.curve.to_dict()}

    def to_text(self) -> str:
        """The diagnosis for people, a few lines: the verdict; the evidence at the largest
        size; what each priced lever is worth; the ranked actions; notes. The CLI prints
        exactly this (`print(d)` too)."""
        ev = self.evidence
        lines = [f"{self.model}: bottleneck {self.bottleneck.replace('_', ' ')}"]
        if "val_score" in ev:
            lines.append(
                f"  at n={ev['n']:,}: {self.metric} train {ev['train_score']:.4g}, evaluation "
                f"{ev['val_score']:.4g}; avoidable bias {_fmt(ev.get('avoidable_bias'))}, "
                f"variance {_fmt(ev.get('variance'))} (optimal error "
                f"{_fmt(ev.get('optimal_error'))}, {ev.get('optimal_source', 'unknown')})")
        if ev.get("gain_double_data") is not None:
            gains = [f"doubling the data {ev['gain_double_data']:+.3g}"]
            if ev.get("gain_larger_model") is not None:
                gains.append(f"a larger model ({ev['larger_model']}) "
                             f"{ev['gain_larger_model']:+.3g}")
            if ev.get("gain_other_family") is not None:
                gains.append(f"another family ({ev['other_family']}) "
                             f"{ev['gain_other_family']:+.3g}")
            if ev.get("gain_clean_labels") is not None:
                gains.append(f"clean labels {ev['gain_clean_labels']:+.3g}")
            lines.append(f"  gains: {', '.join(gains)}")
        for i, r in enumerate(self.recommendations, 1):
            lines.append(f"  {i}. {r.reason}")
        lines.extend(f"  note: {n}" for n in self.notes)
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.to_text()

    def __repr__(self) -> str:
        """One line: model, metric, verdict and the ranked actions (``print(d)`` gives
        the text, `evidence` the numbers)."""
        actions = [r.action for r in self.recommendations]
        shown = ", ".join(actions[:4]) + (f", ... ({len(actions)})" if len(actions) > 4
                                          else "")
        n = self.evidence.get("n")
        at = f", n={n:,}" if isinstance(n, int | np.integer) else ""
        notes = f", notes={len(self.notes)}" if self.notes else ""
        return (f"Diagnosis(model={self.model!r}, metric={self.metric!r}, "
                f"bottleneck={self.bottleneck!r}{at}, actions=[{shown}]{notes})")

    def summary(self) -> pd.DataFrame:
        """The ranked recommendations as a table, one row each.

        Returns
        -------
        DataFrame
            Columns ``rank, action, expected_gain, samples, compute_seconds, reason``
            (gains in the metric's natural units; NaN where not priced).
        """
        return pd.DataFrame(
            [{"rank": i, "action": r.action,
              "expected_gain": np.nan if r.expected_gain is None else r.expected_gain,
              "samples": np.nan if r.samples is None else r.samples,
              "compute_seconds": np.nan if r.compute_seconds is None else r.compute_seconds,
              "reason": r.reason} for i, r in enumerate(self.recommendations, 1)],
            columns=["rank", "action", "expected_gain", "samples", "compute_seconds",
                     "reason"])

    def _repr_html_(self) -> str | None:
        """Jupyter display: verdict, evidence, ranked actions (rendered by the report
        room)."""
        return _hooks.html(self)


# -- input -------------------------------------------------------------------------------
def _check_fraction(name: str, value: float | None, *, closed_high: bool) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise InputError(name, "a number in [0, 1)", repr(value))
    v = float(value)
    ok = 0.0 <= v <= 1.0 if closed_high else 0.0 <= v < 1.0
    if not (math.isfinite(v) and ok):
        raise InputError(name, f"a number in [0, 1{']' if closed_high else ')'}", repr(value))
    return v


@dataclass(frozen=True)
class _Model:
    """One model's per-size means (natural units) and fitted curve."""

    name: str
    params: float
    sizes: np.ndarray          # (k,) distinct sizes, ascending
    val: np.ndarray            # (k,) mean evaluation score per size
    train: np.ndarray          # (k,) mean training score per size
    val_sd: np.ndarray         # (k,) spread across seeds (0 with one seed)
    seeds: np.ndarray          # (k,) seeds per size
    fit_time: np.ndarray       # (k,) median seconds per training run (nan if unknown)
    curve: LearningCurve | None

    @property
    def val_se(self) -> np.ndarray:
        """(k,) standard error of each size's mean score: the seed spread there, never
        below the median spread of the model's sizes (one size whose seeds happen to
        agree, or collapse, does not make its mean exact); NaN with one seed
        everywhere."""
        sd = self.val_sd
        several = self.seeds >= 2
        if not several.any():
            return np.full(self.sizes.size, np.nan)
        pooled = float(np.median(sd[several]))
        return np.maximum(sd, pooled) / np.sqrt(np.maximum(self.seeds, 1))

    @property
    def n(self) -> float:
        return float(self.sizes[-1])

    def val_at(self, n: float) -> tuple[float, str]:
        """Score at `n`: measured when `n` was measured, else read off the curve."""
        hit = np.flatnonzero(self.sizes == n)
        if hit.size:
            return float(self.val[hit[0]]), "measured"
        if self.curve is None:
            return math.nan, "none"
        how = "interpolated" if n <= self.n else "extrapolated"
        return float(self.curve.predict(float(n))), how

    def seconds_at(self, n: float) -> float | None:
        """Median training seconds at `n` (nearest measured size, scaled linearly)."""
        ok = np.isfinite(self.fit_time) & (self.fit_time > 0)
        if not ok.any():
            return None
        s, t = self.sizes[ok], self.fit_time[ok]
        i = int(np.argmin(np.abs(np.log(s / n))))
        return float(t[i] * n / s[i])


def _models(r: Results, curves: Mapping[str, LearningCurve] | None) -> dict[str, _Model]:
    """Every model's per-size means (natural units) and fitted curve (`curves` when
    given, else fitted here, with three or more sizes)."""
    out: dict[str, _Model] = {}
    for name in r.models():
        g = r.per_size(name)
        sizes = g["n"].to_numpy(np.float64)
        curve = (curves or {}).get(name)
        if curve is None and curves is None and sizes.size >= 3:
            curve = fit_model_curve(r, name)
        out[name] = _Model(
            name, r.params_of(name), sizes, g["val"].to_numpy(np.float64),
            g["train"].to_numpy(np.float64), g["val_sd"].to_numpy(np.float64),
            g["seeds"].to_numpy(), g["fit_time"].to_numpy(np.float64), curve)
    return out


# -- levers ------------------------------------------------------------------------------
def _sweep_of(name: str, r: Results, laws: Mapping[str, SweepLaw] | None
              ) -> tuple[str, tuple[str, ...]] | None:
    """The declared model-size sweep `name` belongs to: (its name, its models)."""
    sweeps = ({k: v.models for k, v in laws.items()} if laws is not None
              else r.by_architecture())
    return next(((k, v) for k, v in sweeps.items() if name in v), None)


def _larger_model(me: _Model, models: dict[str, _Model], r: Results,
                  laws: Mapping[str, SweepLaw] | None,
                  notes: list[str]) -> dict[str, Any] | None:
    """The best gain a larger model of the same family brings at this model's largest
    size: a larger model of its declared size sweep in the results, else the sweep's
    joint scaling law (`laws`, fitted here when not given). Other families are not a
    larger model (see `_other_family`)."""
    metric = r.metric
    sweep = _sweep_of(me.name, r, laws)
    if sweep is None or not math.isfinite(me.params):
        return None
    here = float(me.val[-1])
    best: dict[str, Any] | None = None
    for name in sweep[1]:
        other = models[name]
        if other.name == me.name or not other.params > me.params:
            continue
        score, how = other.val_at(me.n)
        if not math.isfinite(score):
            continue
        gain = metric.gain(here, score)
        if best is None or gain > best["gain"]:
            best = {"gain": gain, "model": other.name, "params": other.params,
                    "score": score, "source": how, "seconds": other.seconds_at(me.n)}
    if best is not None:
        if best["source"] == "extrapolated":
            notes.append(f"{best['model']} was not measured at n={me.n:,.0f}; its score there "
                         "is extrapolated from its curve")
        return best
    fitted = (laws or fit_sweep_laws(r)).get(sweep[0])
    if fitted is None or fitted.law is None:
        notes.extend(fitted.notes if fitted is not None else ())
        return None
    bigger = GROWTH * me.params
    now, then = (float(v) for v in fitted.law.predict(np.array([me.params, bigger]), me.n))
    notes.append(f"the gain of a larger model is extrapolated by the joint scaling law "
                 f"fitted on {len(fitted.models)} sizes of {fitted.architecture}"
                 + ("; with 2 sizes its model-size exponent is barely identified"
                    if len(fitted.models) < 3 else ""))
    return {"gain": metric.gain(now, then),
            "model": f"{fitted.architecture} with {GROWTH:g}x the parameters",
            "params": bigger, "score": then, "source": "joint scaling law",
            "seconds": None}


def _other_family(me: _Model, models: dict[str, _Model], same: tuple[str, ...],
                  metric: Metric) -> dict[str, Any] | None:
    """The model of another family (any model outside `me`'s size sweep, and not `me`
    trained with a strategy, ``"<me> + <strategy>"``) that scores best at `me`'s largest
    size, measured there or interpolated inside its own measured range (never
    extrapolated): its own finding, not a larger model."""
    here = float(me.val[-1])
    best: dict[str, Any] | None = None
    for other in models.values():
        if other.name == me.name or other.name in same or me.n > other.n:
            continue
        if other.name.partition(" + ")[0] == me.name:
            continue  # this model trained another way (a strategy): priced by strategies
        score, how = other.val_at(me.n)
        if not math.isfinite(score):
            continue
        gain = metric.gain(here, score)
        if best is None or gain > best["gain"]:
            best = {"gain": gain, "model": other.name, "score": score, "source": how,
                    "params": other.params}
    return best


def _trend(me: _Model, metric: Metric, tol: float) -> dict[str, Any]:
    """What the measurements themselves say about the end of the curve.

    Over the sizes within `WINDOW_DOUBLINGS` doublings of the largest: the measured gain
    per doubling (the least-squares slope of the mean scores on log2 n, natural units,
    positive = better) and its standard error from the seed spread (`_Model.val_se`;
    from the scatter of the means around the line with one seed); ``flat`` when that
    gain is below `tol` or within twice its standard error of zero. And whether the
    curve falls: a mean within three doublings above the largest size's one by more
    than `tol` and twice the standard error of the difference.
    """
    n, v = me.sizes, metric.orient(me.val)
    se = me.val_se
    out: dict[str, Any] = {"flat": False, "falling": None}
    window = n >= n[-1] / 2.0 ** WINDOW_DOUBLINGS
    if window.sum() >= 2:
        x = np.log2(n[window])
        xc = x - x.mean()
        slope = float(xc @ v[window] / (xc @ xc))
        if np.isfinite(se[window]).all():
            slope_se = float(np.sqrt((xc**2) @ se[window] ** 2) / (xc @ xc))
        elif window.sum() >= 3:
            resid = v[window] - v[window].mean() - slope * xc
            slope_se = float(np.sqrt(resid @ resid / (window.sum() - 2) / (xc @ xc)))
        else:
            slope_se = 0.0
        out.update({"gain_per_doubling": slope, "gain_per_doubling_se": slope_se,
                    "flat": slope < max(tol, 2.0 * slope_se),
                    "window": [int(n[window][0]), int(n[-1])]})
    earlier = (n < n[-1]) & (n >= n[-1] / 8.0)
    if earlier.any():
        i = int(np.flatnonzero(earlier)[np.argmax(v[earlier])])
        drop = float(v[i] - v[-1])
        se_drop = float(np.sqrt(np.nan_to_num(se[i]) ** 2 + np.nan_to_num(se[-1]) ** 2))
        if drop > max(tol, 2.0 * se_drop):
            out["falling"] = {"peak_n": int(n[i]), "peak": float(me.val[i]),
                              "drop": drop, "drop_se": se_drop}
    return out


def _pessimistic_asymptote(curve: LearningCurve, level: float = 0.8) -> float:
    """The worse end of the `level` interval of the curve's score with unlimited data."""
    lo, hi = curve.interval(1e15, level)
    return float(lo) if curve.higher_is_better else float(hi)


def _clean_multiplier(noise_rate: float, n_classes: int | None) -> float:
    """How many times more data clean labels are worth (see the module docstring)."""
    k_term = n_classes / (n_classes - 1) if n_classes and n_classes >= 2 else 1.0
    margin = max(1.0 - noise_rate * k_term, 0.05)  # labels at chance carry no signal
    return 1.0 / margin**2


# -- the diagnosis ----------------------------------------------------------------------
def diagnose(results: Results | pd.DataFrame, model: str | None = None, *,
             target: float | None = None, optimal_error: float | None = None,
             noise_rate: float | None = None, n_classes: int | None = None,
             metric: str | None = None, tolerance: float | None = None,
             curves: Mapping[str, LearningCurve] | None = None,
             laws: Mapping[str, SweepLaw] | None = None) -> Diagnosis:
    """Tell whether data, model size, label noise or overfitting holds `model` back.

    Parameters
    ----------
    results : Results, DataFrame, store or path
        The runner's results (see `Results.from_source`), one row per trial: ``model,
        params, n, seed, train_score, val_score`` (higher is better, as the runner stores
        them), optionally ``status``, ``metric``, ``fit_time`` and
        ``train_<metric>``/``val_<metric>``.
    model : str, optional
        The model to diagnose; the other models are evidence (a larger one prices growing
        the model). May be omitted when the table holds one model.
    target : float, optional
        The score the team needs, in the metric's natural units.
    optimal_error : float, optional
        The best achievable error (Bayes or human-level), as a distance from the metric's
        best value: 0.02 means 98 % accuracy is the most any model can reach. Default: the
        best asymptote any model's fitted curve reaches.
    noise_rate : float in [0, 1), optional
        Fraction of wrong training labels (e.g. from `datacurve audit`).
    n_classes : int, optional
        Number of classes, for the value of clean labels (default: the table's
        ``n_classes`` column, which stores record, else the many-class bound).
    metric : str, optional
        Metric to analyse (default: the table's).
    tolerance : float, optional
        Smallest gain that counts, in metric units (default: 0.01 of the metric's range,
        or 1 % of the measured spread of an unbounded metric).
    curves : mapping, optional
        Model → its fitted `LearningCurve`, when already fitted (`datacurve.analyze`
        passes them, so every surface reads the same curves); fitted here otherwise.
    laws : mapping, optional
        The joint laws of the declared size sweeps (`datacurve.fit.fit_sweep_laws`),
        when already fitted.

    Returns
    -------
    Diagnosis

    Examples
    --------
    >>> d = diagnose(results, model="cnn:width=4")            # doctest: +SKIP
    >>> d.bottleneck, d.first.action                            # doctest: +SKIP
    ('model_capacity', 'grow_model')
    """
    r = Results.from_source(results, metric=metric)
    r.require("params", "seed", "train_score", purpose="a diagnosis")
    m = r.metric
    if not math.isfinite(m.best):
        raise InputError("metric", "a metric with a finite best value (accuracy, error, "
                         "log-loss, R², ...)", repr(m.name))
    model = r.pick(model)
    opt = _check_fraction("optimal_error", optimal_error, closed_high=True)
    noise = _check_fraction("noise_rate", noise_rate, closed_high=False)
    if n_classes is not None and (isinstance(n_classes, bool) or not isinstance(
            n_classes, int | np.integer) or n_classes < 2):
        raise InputError("n_classes", "an integer of at least 2", repr(n_classes))
    if n_classes is None:
        n_classes = r.n_classes
    distinct = np.unique(r.table.loc[r.table["model"] == model, "n"])
    if distinct.size < 2:
        raise InputError("results", f"trials of {model} at 2 or more training-set sizes "
                         "(a verdict needs 4)",
                         f"{distinct.size} size ({describe(distinct)})")

    def err(score: float) -> float:
        return abs(float(m.to_error(score)))

    if target is not None:
        t = float(target)
        if not (math.isfinite(t) and m.lower <= t <= m.upper):
            raise InputError("target", f"a {m.name} the metric can reach, within "
                             f"[{m.lower:g}, {m.upper:g}]", repr(target))
    if opt is not None and not m.bounded and m.higher_is_better:
        raise InputError("optimal_error", "a metric with a finite range", m.name)
    models = _models(r, curves)
    me = models[model]
    notes: list[str] = []
    n = me.n
    v_n, tr_n = float(me.val[-1]), float(me.train[-1])
    if tolerance is not None:
        if not (math.isfinite(float(tolerance)) and float(tolerance) >= 0):
            raise InputError("tolerance", "a non-negative number", repr(tolerance))
        tol = float(tolerance)
    elif m.bounded:
        tol = 0.01 * (m.upper - m.lower)
    else:
        # An unbounded metric (R², RMSE, MAE, log-loss) has no range to take 1 % of:
        # 1 % of the distance still to go to its best value is the same scale.
        tol = max(0.01 * err(v_n), 1e-12)
    e_val, e_train = err(v_n), err(tr_n)
    evidence: dict[str, Any] = {
        "n": int(n), "sizes": int(me.sizes.size), "seeds": int(me.seeds[-1]),
        "params": me.params, "train_score": tr_n, "val_score": v_n,
        "val_spread": float(me.val_sd[-1]), "train_error": e_train, "val_error": e_val,
        "tolerance": tol, "modality": r.info.get("modality"),
        "learner_kind": learner_kind(model)}
    if int(me.seeds.max()) < 2:
        notes.append("one seed per size: the spread across seeds is unknown, so small "
                     "differences may be noise; run 2 or more seeds")

    if me.sizes.size < MIN_SIZES or me.curve is None:
        rec = Recommendation(
            "measure", None,
            f"insufficient evidence: {model} was measured at {me.sizes.size} sizes; run at "
            f"least {MIN_SIZES} (e.g. 'datacurve curve' with its default anchors) before "
            "deciding between more data, a larger model or cleaner labels.",
            evidence={"sizes": int(me.sizes.size), "needed": MIN_SIZES})
        return Diagnosis(model, m.name, m.higher_is_better, "insufficient_evidence", (rec,),
                         evidence, notes, me.curve)
    curve = me.curve

    # Optimal error: given, else the best score some model is confidently expected to
    # reach: the pessimistic end of each fitted asymptote's 80 % interval (a noisy or
    # optimistic extrapolation does not invent headroom), never worse than the best
    # score measured with confidence.
    if opt is not None:
        e_opt, opt_source = opt, "given"
    else:
        reachable = [err(_pessimistic_asymptote(x.curve)) for x in models.values()
                     if x.curve is not None]
        # The best mean measured, less twice its own standard error (its seeds' spread
        # there): the largest of many noisy means is biased upwards, and noise is no
        # headroom.
        measured_best = min(
            err(float(m.natural(np.max(m.orient(x.val) - 2.0 * x.val_sd
                                       / np.sqrt(np.maximum(x.seeds, 1))))))
            for x in models.values())
        e_opt = min([*reachable, measured_best])
        opt_source = ("best score measured, less 2 standard errors"
                      if e_opt == measured_best else "best asymptote reached with confidence")
    # With noisy training labels the training error has a floor of its own: a model that
    # predicts every true class still disagrees with the flipped labels.
    e_train_floor = e_opt
    if noise is not None and m.name in ("accuracy", "error"):
        e_train_floor = min(e_opt + noise * (1.0 - e_opt), 1.0)
        evidence["train_noise_floor"] = e_train_floor
    bias = max(e_train - e_train_floor, 0.0)
    variance = e_val - e_train
    headroom = max(e_val - e_opt, 0.0)
    evidence.update({"optimal_error": e_opt, "optimal_source": opt_source,
                     "avoidable_bias": bias, "variance": variance, "headroom": headroom,
                     "asymptote": curve.asymptote})

    # What the measurements say on their own: the gain of the last doublings against
    # its seed noise, and whether the curve falls.
    trend = _trend(me, m, tol)
    evidence.update({k: trend[k] for k in ("gain_per_doubling", "gain_per_doubling_se",
                                           "window") if k in trend})
    evidence["flat"] = bool(trend["flat"])
    if trend["falling"] is not None:
        f = trend["falling"]
        evidence["falling"] = f
        notes.append(
            f"the curve falls with more data: {f['peak']:.4g} at n={f['peak_n']:,} but "
            f"{v_n:.4g} at n={int(me.n):,} (beyond its seed noise); check for label "
            "noise or a shift in the later samples, training settings that do not scale "
            "with n (epochs, learning rate, early stopping) and an evaluation set unlike "
            "the training data")

    # Lever 1: data. Gain from doubling, with its interval.
    g_data = curve.gain(n, 2 * n)
    lo, hi = curve.interval(2 * n)
    g_lo, g_hi = sorted((m.gain(v_n, float(lo)), m.gain(v_n, float(hi))))
    evidence.update({"gain_double_data": g_data, "gain_double_data_interval": [g_lo, g_hi]})
    if trend["flat"] and g_data >= tol:
        notes.append(f"the fitted curve expects {g_data:+.3g} from doubling the data, but "
                     f"the last doublings measured {trend['gain_per_doubling']:+.3g} "
                     f"± {trend['gain_per_doubling_se']:.2g} per doubling: not a gain "
                     "that counts")
    # Lever 2: a larger model of the same family at the same data.
    larger = _larger_model(me, models, r, laws, notes)
    g_model = None if larger is None else float(larger["gain"])
    evidence["gain_larger_model"] = g_model
    if larger is not None:
        evidence.update({"larger_model": larger["model"],
                         "larger_model_params": larger["params"],
                         "larger_model_score": larger["score"],
                         "larger_model_source": larger["source"]})
    # Another model family that scores higher at the same data: its own finding.
    sweep = _sweep_of(me.name, r, laws)
    other = _other_family(me, models, sweep[1] if sweep else (), m)
    if other is not None and other["gain"] >= tol:
        evidence.update({"other_family": other["model"], "gain_other_family": other["gain"],
                         "other_family_score": other["score"],
                         "other_family_source": other["source"]})
    else:
        other = None
    # Lever 3: clean labels.
    g_clean = None
    if noise is not None:
        mult = _clean_multiplier(noise, n_classes)
        g_clean = curve.gain(n, n * mult)
        evidence.update({"noise_rate": noise, "noise_floor": noise,
                         "clean_data_multiplier": mult, "gain_clean_labels": g_clean})
        if m.name in ("accuracy", "error") and e_train < noise:
            evidence["memorizing_noise"] = True
            notes.append(f"training error {e_train:.3g} is below the label-noise rate "
                         f"{noise:.3g}: the model fits wrong labels (memorises noise)")

    # Target.
    reached = False
    if target is not None:
        t = float(target)
        reached = m.gain(t, v_n) >= 0
        # The same answer as `plan` (bias-corrected by the benchmark's median error).
        need = samples_needed(curve, t)
        evidence.update({"target": t, "target_reached": reached,
                         "samples_for_target": None if math.isinf(need) else need})
        if err(t) < e_opt - 1e-12:
            notes.append(f"the target {t:g} is beyond the best {m.name} measured or "
                         f"confidently extrapolated here, {m.from_error(e_opt):.4g} "
                         f"({opt_source})" if opt_source != "given" else
                         f"the target {t:g} is beyond the best achievable {m.name} "
                         f"{m.from_error(e_opt):.4g} (given)")

    # The verdict: the largest priced lever, or what bias and variance say when none helps.
    # More data counts only when the measured curve still rises (not flat).
    levers = {k: g for k, g in (("data", None if trend["flat"] else g_data),
                                ("model_capacity", g_model), ("label_noise", g_clean))
              if g is not None and g >= tol}
    if levers:
        bottleneck = max(levers, key=lambda k: levers[k])
        if bottleneck == "data" and variance >= tol and variance > bias:
            bottleneck = "variance"
    elif g_model is None and bias >= tol and bias >= variance and headroom >= tol:
        bottleneck = "model_capacity"  # flat curve, poor fit, no larger model measured
    elif variance >= tol and variance > bias and headroom >= tol:
        bottleneck = "variance"
    else:
        bottleneck = "saturated"

    recs = _recommend(bottleneck, reached, me, m, evidence, larger, other, tol, v_n, n,
                      m.from_error(e_opt))
    return Diagnosis(model, m.name, m.higher_is_better, bottleneck, tuple(recs), evidence,
                     notes + list(curve.notes), curve)


def _recommend(bottleneck: str, reached: bool, me: _Model, m: Metric, ev: dict[str, Any],
               larger: dict[str, Any] | None, other: dict[str, Any] | None, tol: float,
               v_n: float, n: float, best_score: float) -> list[Recommendation]:
    """Ranked recommendations: priced actions by expected gain, with the bottleneck's
    unpriced companions (compute for a larger model; regularisation, augmentation or
    feature work, and transfer for data and variance) next to the action they go with.
    Regularisation is named for the kind of learner, augmentation and transfer only for
    modalities that have them (`AUGMENTABLE`); a saturated model is never told to add
    data."""
    g_data, g_model = ev["gain_double_data"], ev["gain_larger_model"]
    g_clean = ev.get("gain_clean_labels")
    name, metric = me.name, m.name
    kind = ev.get("learner_kind") or "other"
    modality = ev.get("modality")
    table_like = modality in ("table", "vector")
    priced: list[Recommendation] = []
    lo, hi = ev["gain_double_data_interval"]
    add_data = Recommendation(
        "add_data", g_data,
        f"add data: doubling {name}'s training set from {n:,.0f} to {2 * n:,.0f} samples adds "
        f"{g_data:+.3g} {metric} (80% interval {lo:+.3g} to {hi:+.3g})"
        + (f"; reaching {ev['target']:g} takes about {math.ceil(ev['samples_for_target']):,} "
           "samples"
           if ev.get("samples_for_target") and not reached else "")
        + (f"; reaching {ev['target']:g} is not in sight on this curve (it levels off at "
           f"{ev['asymptote']:.3g})" if "target" in ev and not reached
           and ev.get("samples_for_target") is None else "") + ".",
        samples=n, evidence={"n": n, "n_new": 2 * n, "interval": [lo, hi]})
    if bottleneck != "saturated":
        priced.append(add_data)
    grow: Recommendation | None = None
    compute: Recommendation | None = None
    if larger is not None and g_model is not None and g_model >= tol:
        ratio = larger["params"] / me.params if me.params > 0 else math.nan
        where = {"measured": f"reached {larger['score']:.3g} at the same {n:,.0f} samples",
                 "interpolated": f"reaches {larger['score']:.3g} at {n:,.0f} samples "
                                 "(interpolated)",
                 "extrapolated": f"is expected to reach {larger['score']:.3g} at {n:,.0f} "
                                 "samples (extrapolated)",
                 "joint scaling law": f"is predicted by the joint law to reach "
                                      f"{larger['score']:.3g} at {n:,.0f} samples",
                 }[larger["source"]]
        grow = Recommendation(
            "grow_model", g_model,
            f"grow the model: {larger['model']} ({larger['params']:,.0f} parameters, "
            f"{ratio:.3g}x) {where} where {name} stands at {v_n:.3g} ({g_model:+.3g}); "
            f"doubling the data adds {g_data:+.3g}.",
            compute_seconds=larger["seconds"],
            evidence={k: larger[k] for k in ("model", "params", "score", "source")})
        priced.append(grow)
        now = me.seconds_at(n)
        if larger["seconds"] is not None and now is not None and now > 0:
            compute = Recommendation(
                "add_compute", g_model,
                f"budget the compute to train it: {larger['model']} takes "
                f"{larger['seconds']:.3g} s per training run on {n:,.0f} samples against "
                f"{now:.3g} s for {name} ({larger['seconds'] / now:.3g}x).",
                compute_seconds=larger["seconds"],
                evidence={"seconds_now": now, "seconds_larger": larger["seconds"]})
    elif bottleneck == "model_capacity":
        grow = Recommendation(
            "grow_model", None,
            f"grow the model: {name} fits its own training data only to {ev['train_score']:.3g} "
            f"(avoidable bias {ev['avoidable_bias']:.3g} above the optimal error) and more "
            f"data adds {g_data:+.3g}; no larger model of its family was measured to price "
            "the gain: measure one.",
            evidence={"avoidable_bias": ev["avoidable_bias"]})
    if other is not None:
        priced.append(Recommendation(
            "change_model", other["gain"],
            f"try another model family: {other['model']} "
            + ("reached" if other["source"] == "measured" else "reaches (interpolated)")
            + f" {other['score']:.3g} at the same {n:,.0f} samples where {name} stands at "
            f"{v_n:.3g} ({other['gain']:+.3g}).",
            evidence={k: other[k] for k in ("model", "score", "source", "params")}))
    if g_clean is not None and g_clean >= tol:
        labels = ev["noise_rate"] * n
        priced.append(Recommendation(
            "clean_labels", g_clean,
            f"clean the labels: about {ev['noise_rate']:.0%} of the training labels are "
            f"wrong (~{labels:,.0f} of {n:,.0f} to fix); clean labels are worth "
            f"{ev['clean_data_multiplier']:.3g}x as much data here, {g_clean:+.3g} {metric}, "
            f"against {g_data:+.3g} for doubling the data.",
            samples=labels, evidence={"multiplier": ev["clean_data_multiplier"]}))
    priced.sort(key=lambda r: -(r.expected_gain if r.expected_gain is not None else -1.0))
    if grow is not None and grow.expected_gain is None:
        priced.insert(0, grow)

    gap = ev["variance"]
    regularize = Recommendation(
        "regularize", None,
        f"regularize ({REGULARIZE.get(kind, REGULARIZE['other'])}): {name} scores "
        f"{ev['train_score']:.3g} on its training data and {v_n:.3g} on evaluation, a gap of "
        f"{gap:.3g}; the gain is not priced by these results.",
        evidence={"variance": gap, "learner_kind": kind})
    augment = Recommendation(
        "augment", None,
        f"augment the data: label-preserving transformations act like extra samples, and "
        f"extra samples are worth {g_data:+.3g} per doubling here; measure its multiplier "
        "(datacurve strategies -s augment:...) before relying on it"
        + ("" if modality in AUGMENTABLE else " (only where such transformations exist: "
           "images, signals, text)") + ".", evidence={"gain_double_data": g_data})
    features = Recommendation(
        "add_features", None,
        f"work on the features: {'a table has' if table_like else 'these data have'} no "
        "label-preserving transformations to augment with; informative new columns, "
        "interactions and better encodings of categories move the whole curve, which "
        "more rows of the same columns do not; measure each change on this curve.",
        evidence={"modality": modality})
    transfer = Recommendation(
        "transfer", None,
        f"start from a pretrained model: at {n:,.0f} samples the curve still rises "
        f"({g_data:+.3g} per doubling), where pretrained features usually buy the most; "
        "measure the gain in samples before committing.", evidence={"n": n})
    out: list[Recommendation] = []
    if reached:
        out.append(Recommendation(
            "stop", 0.0,
            f"stop: {name} already reaches the target {ev['target']:g} ({v_n:.3g} at "
            f"{n:,.0f} samples); spend only if a higher target matters.",
            evidence={"target": ev["target"], "val_score": v_n}))
    if bottleneck == "saturated":
        measured = ("" if "gain_per_doubling" not in ev else
                    f"the last doublings gained {ev['gain_per_doubling']:+.3g} "
                    f"± {ev['gain_per_doubling_se']:.2g} per doubling; ")
        stop = Recommendation(
            "stop", 0.0,
            f"stop adding data: {name} is saturated at {v_n:.3g} ({ev['optimal_source']} "
            f"{best_score:.3g}); {measured}doubling the data adds {g_data:+.3g}"
            + (f", {larger['model']} {g_model:+.3g}" if larger is not None
               and g_model is not None else "")
            + (f", clean labels {g_clean:+.3g}" if g_clean is not None else "")
            + f", all below the {tol:.3g} that counts. What can still move it: "
            + ("better features, " if modality not in AUGMENTABLE else
               "a stronger representation (pretrained features), ")
            + "another model family, cleaner labels (datacurve audit).",
            evidence={"tolerance": tol})
        movers = [r for r in priced if r.expected_gain is not None and r.expected_gain >= tol]
        out.extend(movers if movers else [])
        out.append(stop)
        if modality not in AUGMENTABLE:
            out.append(features)
        return _unique(out)
    for r in priced:
        out.append(r)
        if r is grow and compute is not None:
            out.append(compute)
        if r is add_data and bottleneck in ("data", "variance"):
            if bottleneck == "variance" or gap >= tol:
                out.append(regularize)
            out.append(features if table_like else augment)
            if bottleneck == "data" and not table_like:
                out.append(transfer)
    if bottleneck == "variance" and (g_data < tol or ev.get("flat")):
        # Overfitting that more data does not cure: regularise first.
        out.insert(1 if reached else 0, regularize)
    if bottleneck == "label_noise" and gap >= tol:
        out.append(regularize)
    return _unique(out)


def _unique(recs: list[Recommendation]) -> list[Recommendation]:
    seen: set[int] = set()
    out = []
    for r in recs:
        if id(r) not in seen:
            seen.add(id(r))
            out.append(r)
    return out


def _fmt(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.3g}"
