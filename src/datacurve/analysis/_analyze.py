"""One analysis path: from a results table to every model's fitted curve, diagnosis and
plan, and every model-size sweep's joint law and compute-optimal point.

`datacurve fit / plan / diagnose / report / demo`, `build_report` and `CurveRun`'s
shortcuts all call `analyze`, so a number that answers one question (the samples a model
needs, its score with twice the data) is computed once, from one fitted curve, and is the
same on every surface. The report only renders an `Analysis`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from datacurve._errors import InputError
from datacurve._plain import multiplier, plain, short_names
from datacurve.active import ActiveSimulation, load_simulations
from datacurve.auditing import AuditReport, audited_dataset, lineage_of, load_report
from datacurve.curves import is_sqlite
from datacurve.data import Dataset
from datacurve.diagnosis import Diagnosis, diagnose
from datacurve.fit import (
    Allocation,
    ComputeModel,
    DataPlan,
    LearningCurve,
    ScalingLaw,
    SweepLaw,
    compute_optimal,
    fit_compute_model,
    fit_model_curve,
    fit_sweep_laws,
    plan,
)
from datacurve.govern import CurveFacts, VersionStep, cards_of, lineage
from datacurve.monitor import MonitorStatus, MonitorWindow, monitor_status, windows
from datacurve.results import Results
from datacurve.strategies import StrategyComparison, find_strategies, price_strategies

__all__ = ["PARTS", "Analysis", "ModelAnalysis", "SweepAnalysis", "analyze"]

_OF_THE_RESULTS = frozenset({"sizes", "scores", "n", "train_scores"})
"""Inputs of a curve fit that `analyze` takes from the results table, not from its
caller: a strict analysis names the results (and the model) when they are wrong."""

PARTS = ("curves", "diagnoses", "plans", "sweeps", "strategies")
"""What `analyze` can compute (``include=``); diagnoses and plans need the curves, and
diagnoses the sweeps' laws, which are computed with them; strategies are priced on
their baseline's curve."""


@dataclass(frozen=True)
class ModelAnalysis:
    """One model's answers.

    Attributes
    ----------
    model : str
    params : float
        Parameter count (NaN when unknown).
    curve : LearningCurve or None
        The fitted learning curve every other answer reads.
    diagnosis : Diagnosis or None
    plan : DataPlan or None
        With a target only.
    problems : tuple of str
        Why a part is missing ("no fitted curve: ...", "no diagnosis: ...").
    """

    model: str
    params: float
    curve: LearningCurve | None = None
    diagnosis: Diagnosis | None = None
    plan: DataPlan | None = None
    problems: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return dict(plain({"model": self.model, "params": self.params, "curve": self.curve,
                           "diagnosis": self.diagnosis, "plan": self.plan,
                           "problems": self.problems}))

    def __repr__(self) -> str:
        """One line: the model and what each of its answers says in a word."""
        parts = [f"model={self.model!r}",
                 "params=?" if not math.isfinite(self.params) else f"params={self.params:,.0f}"]
        if self.curve is not None:
            parts.append(f"curve={self.curve.method}/{self.curve.family}")
        if self.diagnosis is not None:
            parts.append(f"bottleneck={self.diagnosis.bottleneck!r}")
        if self.plan is not None:
            need = self.plan.samples_needed
            parts.append("samples_needed=" + (f"{math.ceil(need):,}" if math.isfinite(need)
                                              else "inf"))
        if self.problems:
            parts.append(f"problems={len(self.problems)}")
        return f"ModelAnalysis({', '.join(parts)})"


@dataclass(frozen=True)
class SweepAnalysis:
    """One declared model-size sweep: its joint law and the compute-optimal split of one
    training run's budget between model size and data.

    Attributes
    ----------
    architecture : str
    models : tuple of str
        Smallest first.
    law : ScalingLaw or None
    compute : ComputeModel or None
        Seconds per training run, ``c * params**p * n**q``.
    allocation : Allocation or None
    budget : float or None
        Seconds per run of the allocation.
    budget_source : str or None
        "given" or "the longest measured run".
    notes : tuple of str
    """

    architecture: str
    models: tuple[str, ...]
    law: ScalingLaw | None = None
    compute: ComputeModel | None = None
    allocation: Allocation | None = None
    budget: float | None = None
    budget_source: str | None = None
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return dict(plain({"architecture": self.architecture, "models": self.models,
                           "law": self.law, "compute": self.compute,
                           "allocation": self.allocation, "budget": self.budget,
                           "budget_source": self.budget_source, "notes": self.notes}))

    def __repr__(self) -> str:
        """One line: the sweep, its models and whether a law, a compute model and an
        allocation were found (each has its own short repr)."""
        parts = [f"architecture={self.architecture!r}",
                 f"models={short_names(self.models)}",
                 "law=" + ("fitted" if self.law is not None else "None"),
                 "compute=" + ("fitted" if self.compute is not None else "None")]
        a = self.allocation
        if a is not None:
            parts.append(f"allocation=(params={a.params:.3g}, n={a.n:.3g}, "
                         f"{a.metric}={a.score:.4g})")
        if self.notes:
            parts.append(f"notes={len(self.notes)}")
        return f"SweepAnalysis({', '.join(parts)})"


@dataclass(frozen=True)
class Analysis:
    """Everything `analyze` found, ready to print, serialise or render.

    Attributes
    ----------
    results : Results
        The trials it read.
    models : dict
        Model → `ModelAnalysis`, for the models asked about, in the table's order.
    sweeps : dict
        Sweep name → `SweepAnalysis` (with "sweeps" included).
    strategies : dict
        Baseline → `StrategyComparison` of the strategies measured against it (models
        named ``"<baseline> + <strategy>"``, as `compare_strategies` stores them).
    strategy_targets : dict
        With a target, baseline → `StrategyComparison.at_target` of its plan's samples
        needed: the samples each strategy needs and saves.
    target, level : float
        The target (None without one) and the coverage of every interval.
    settings : dict
        The other arguments of `analyze` (``cost_per_sample``, ``budget``,
        ``compute_budget``, ``have``, ``at``, ...).
    noise_rate : float or None
        The label-noise rate the diagnoses used.
    noise_source : str or None
        Where it came from ("given", or the audit's label check).
    audit : AuditReport or None
    audit_path : Path or None
        The audit report's file.
    audit_data : Dataset or None
        The audited dataset, found again from the audit's own record (for examples).
    audit_data_path : Path or None
    audit_note : str or None
        Why the audited data is not at hand, when it is not.
    lineage : tuple of dict
        Lineage entries of cleaned versions.
    notes : tuple of str
        What the analysis could not use and why (e.g. an audit of another dataset).
    active : tuple of ActiveSimulation
        Active-learning simulations of the same dataset (`datacurve.active`), read from
        the store given as ``active``.
    monitor : tuple of MonitorWindow
        Monitoring windows (`datacurve.monitor`), in the order they were added: those of
        the store the results were read from, or of the store given as ``monitor``.
    monitor_status : MonitorStatus or None
        `datacurve.monitor.monitor_status` of those windows (None without windows).
    versions : tuple of VersionStep
        The recorded lineage of the dataset the trials measured (`datacurve.govern.
        lineage`), its raw source first: read from the store the results came from (none
        from a results file, or when the store records no version of it).
    cards : tuple of Path
        The dataset card of that data (``datacurve card``: the Markdown datasheet and its
        Croissant JSON-LD) beside a file the measured version was loaded from
        (`datacurve.govern.cards_of`), when they exist.
    """

    results: Results
    models: dict[str, ModelAnalysis]
    sweeps: dict[str, SweepAnalysis] = field(default_factory=dict)
    strategies: dict[str, StrategyComparison] = field(default_factory=dict)
    strategy_targets: dict[str, pd.DataFrame] = field(default_factory=dict)
    target: float | None = None
    level: float = 0.8
    settings: dict[str, Any] = field(default_factory=dict)
    noise_rate: float | None = None
    noise_source: str | None = None
    audit: AuditReport | None = None
    audit_path: Path | None = None
    audit_data: Dataset | None = None
    audit_data_path: Path | None = None
    audit_note: str | None = None
    lineage: tuple[dict[str, Any], ...] = ()
    notes: tuple[str, ...] = ()
    active: tuple[ActiveSimulation, ...] = ()
    monitor: tuple[MonitorWindow, ...] = ()
    monitor_status: MonitorStatus | None = None
    versions: tuple[VersionStep, ...] = ()
    cards: tuple[Path, ...] = ()

    def card_curves(self) -> tuple[CurveFacts, ...]:
        """What each model's learning curve says about data needs, for a dataset card
        (`datacurve.govern.card_facts`): largest size measured, mean score there,
        asymptote, bottleneck and one sentence — the numbers every surface shows."""
        out = []
        metric = self.results.metric
        for name, m in self.models.items():
            if m.curve is None:
                continue
            last = self.results.per_size(name).iloc[-1]
            n_max, score = int(last["n"]), float(last["val"])
            asym = m.curve.asymptote
            asym_v = float(asym) if asym is not None and math.isfinite(asym) else None
            text = f"{metric.name} {score:.3g} at {n_max:,} samples"
            twice = float(m.curve.predict(2 * n_max))
            text += f"; twice the data predicts {twice:.3g}"
            if asym_v is not None:
                text += f"; the curve levels off near {asym_v:.3g}"
            if m.plan is not None and self.target is not None:
                need = m.plan.samples_needed
                text += (f"; {math.ceil(need):,} samples reach {self.target:g}"
                         if math.isfinite(need) else f"; {self.target:g} is out of reach")
            bottleneck = m.diagnosis.bottleneck if m.diagnosis is not None else None
            out.append(CurveFacts(name, metric.name, n_max, score, asym_v, bottleneck,
                                  text))
        return tuple(out)

    def curves(self) -> dict[str, LearningCurve]:
        """Model → fitted curve (models without one left out)."""
        return {m: a.curve for m, a in self.models.items() if a.curve is not None}

    def diagnoses(self) -> dict[str, Diagnosis]:
        """Model → diagnosis (models without one left out)."""
        return {m: a.diagnosis for m, a in self.models.items() if a.diagnosis is not None}

    def plans(self) -> dict[str, DataPlan]:
        """Model → plan (with a target; models without one left out)."""
        return {m: a.plan for m, a in self.models.items() if a.plan is not None}

    def one(self) -> ModelAnalysis:
        """The analysis of the only model asked about.

        Raises
        ------
        InputError
            Naming ``model`` when several were analysed.
        """
        if len(self.models) != 1:
            raise InputError("model", f"one of {', '.join(self.models)} (the table holds "
                             f"{len(self.models)} models)", "none")
        return next(iter(self.models.values()))

    def summary(self) -> pd.DataFrame:
        """One row per model: its size, its largest measured size and score there, the
        fitted asymptote, the verdict and first action, and with a target the samples
        needed (natural units of `results.metric`).

        Returns
        -------
        DataFrame
            Columns ``model, params, n, score, asymptote, method, bottleneck, action,
            samples_needed``.
        """
        rows = []
        for name, a in self.models.items():
            sizes = self.results.per_size(name)
            rows.append({
                "model": name, "params": a.params, "n": int(sizes["n"].iloc[-1]),
                "score": float(sizes["val"].iloc[-1]),
                "asymptote": None if a.curve is None else a.curve.asymptote,
                "method": None if a.curve is None else a.curve.method,
                "bottleneck": None if a.diagnosis is None else a.diagnosis.bottleneck,
                "action": (None if a.diagnosis is None or a.diagnosis.first is None
                           else a.diagnosis.first.action),
                "samples_needed": None if a.plan is None else a.plan.samples_needed,
            })
        return pd.DataFrame(rows, columns=["model", "params", "n", "score", "asymptote",
                                           "method", "bottleneck", "action",
                                           "samples_needed"])

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (the audit summarised, not per example)."""
        r = self.results
        return {
            "source": r.source, "dataset": r.dataset, "dataset_name": r.dataset_name,
            "metric": r.metric.name, "higher_is_better": r.metric.higher_is_better,
            "target": self.target, "level": self.level, "settings": plain(self.settings),
            "trials": len(r), "failed": len(r.failed), "results_notes": list(r.notes),
            "noise_rate": self.noise_rate, "noise_source": self.noise_source,
            "models": {m: a.to_dict() for m, a in self.models.items()},
            "sweeps": {s: a.to_dict() for s, a in self.sweeps.items()},
            "strategies": {b: {"strategies": c.strategies, "metric": c.metric,
                               "table": plain(c.table.to_dict("records")),
                               "at_target": None if b not in self.strategy_targets else
                               plain(self.strategy_targets[b].to_dict("records"))}
                           for b, c in self.strategies.items()},
            "audit": None if self.audit is None else self.audit.to_dict(examples=False),
            "audit_note": self.audit_note, "lineage": plain(list(self.lineage)),
            "versions": plain(list(self.versions)),
            "notes": list(self.notes),
        }

    def __repr__(self) -> str:
        names = list(self.models)
        parts = ", ".join(names[:4]) + (f", ... ({len(names)} models)" if len(names) > 4
                                        else "")
        return (f"Analysis({self.results.dataset_name or self.results.source}: {parts}; "
                f"metric {self.results.metric.name})")


def analyze(results: Any, *, target: float | None = None,
            audit: AuditReport | str | Path | None = None, budget: float | None = None,
            cost_per_sample: float | None = None, compute_budget: float | None = None,
            level: float = 0.8, models: Sequence[str] | None = None,
            metric: str | None = None, dataset: str | None = None,
            have: int | None = None, at: int | None = None,
            optimal_error: float | None = None, noise_rate: float | None = None,
            n_classes: int | None = None, tolerance: float | None = None,
            audit_data: Dataset | None = None, lineage: Iterable[str | Path] = (),
            include: Iterable[str] = PARTS, strict: bool = False,
            active: str | Path | Sequence[ActiveSimulation] | None = None,
            monitor: str | Path | Sequence[MonitorWindow] | None = None) -> Analysis:
    """Fit, diagnose and plan every model of a results table, and fit each declared
    model-size sweep's joint law, once.

    Parameters
    ----------
    results : Results, DataFrame, store or path
        See `Results.from_source`.
    target : float, optional
        Score to reach, natural units: adds each model's plan.
    audit : AuditReport or path, optional
        An audit of the same dataset (``datacurve audit --out``): its label check's
        flag rate is the label-noise rate of the diagnoses (unless `noise_rate` is
        given), and the audited data is found again from the audit's own record.
    budget : float, optional
        Money for samples (needs `cost_per_sample`): what it buys, per plan.
    cost_per_sample : float, optional
        Prices each plan's samples.
    compute_budget : float, optional
        Seconds for one training run: each sweep's compute-optimal model size and data
        size (default: the longest measured run of the sweep at its largest size).
    level : float
        Coverage of every interval.
    models : sequence of str, optional
        Models to report on (default all; the others stay evidence for the diagnoses).
    metric, dataset : str, optional
        Which metric and dataset of the source (see `Results.from_source`).
    have, at : int, optional
        As `plan`.
    optimal_error, noise_rate, n_classes, tolerance : optional
        As `diagnose`.
    audit_data : Dataset, optional
        The audited dataset, when at hand (default: found from the audit's record).
    lineage : iterable of path
        More ``.lineage.json`` files of cleaned versions.
    include : iterable of str
        Parts to compute, among `PARTS`.
    active : path or sequence of ActiveSimulation, optional
        A store of active-learning simulations (`datacurve active simulate`) or the
        simulations themselves; those of the measured dataset are kept.
    monitor : path or sequence of MonitorWindow, optional
        A datacurve store of monitoring windows (`datacurve monitor add`) or the windows
        themselves (default: the windows of the store the results were read from, if
        any; none for a results file or table).
    strict : bool
        Raise the first `InputError` a model's part raises (the CLI and the Python
        shortcuts) instead of recording it in `ModelAnalysis.problems` (the report).

    Returns
    -------
    Analysis

    Raises
    ------
    InputError
        Bad results, target, level, audit or arguments, naming the parameter.
    """
    parts = set(include)
    unknown = parts - set(PARTS)
    if unknown:
        raise InputError("include", f"parts among {', '.join(PARTS)}",
                         ", ".join(sorted(unknown)))
    r = Results.from_source(results, dataset=dataset, metric=metric)
    m = r.metric
    if not (isinstance(level, int | float) and 0.0 < float(level) < 1.0):
        raise InputError("level", "a coverage strictly between 0 and 1", repr(level))
    if target is not None:
        if isinstance(target, bool) or not isinstance(target, int | float | np.number) \
                or not (math.isfinite(float(target)) and m.lower <= target <= m.upper):
            raise InputError("target", f"a {m.name} within the metric's range "
                             f"[{m.lower:g}, {m.upper:g}]", repr(target))
        target = float(target)
    for arg, value, positive in (("cost_per_sample", cost_per_sample, False),
                                 ("budget", budget, False),
                                 ("compute_budget", compute_budget, True)):
        if value is not None and (isinstance(value, bool) or not isinstance(
                value, int | float | np.number) or not math.isfinite(float(value))
                or float(value) < 0 or (positive and float(value) == 0)):
            raise InputError(arg, "a positive number" if positive else
                             "a non-negative number", repr(value))
    if budget is not None and cost_per_sample is None:
        raise InputError("budget", "cost_per_sample as well (to turn money into samples)",
                         "a budget alone")
    chosen = r.models() if models is None else list(dict.fromkeys(r.pick(x) for x in models))

    report, report_path = _audit_report(audit)
    noise_source = "given" if noise_rate is not None else None
    if noise_rate is None and report is not None and report.fingerprint == r.dataset \
            and report.label_noise_rate is not None:
        noise_rate = report.label_noise_rate
        noise_source = (f"the audit's label check ({report.results['label'].n_flagged:,} "
                        f"of {report.n:,} examples flagged)")
    notes: list[str] = []
    if report is not None and r.dataset and report.fingerprint != r.dataset:
        notes.append(f"the audit is of {report.name} ({report.fingerprint}), not of the "
                     f"measured dataset {r.dataset_name} ({r.dataset}): its label-noise "
                     "rate is not used")
    ds, ds_path, note = audit_data, None, None
    if report is not None and ds is None:
        ds, ds_path, note = audited_dataset(report, near=report_path)

    sims: tuple[ActiveSimulation, ...] = ()
    if active is not None:
        found = (load_simulations(active) if isinstance(active, str | Path)
                 else list(active))
        sims = tuple(x for x in found if x.fingerprint == r.dataset)
        if found and not sims:
            notes.append("the active-learning store holds simulations of other datasets "
                         f"({', '.join(sorted({x.dataset for x in found}))}), not of "
                         f"{r.dataset_name}")
    watched = _monitor_windows(monitor, r.source, notes)
    want_diagnoses = "diagnoses" in parts
    want_plans = "plans" in parts and target is not None
    want_curves = bool(parts & {"curves", "diagnoses", "plans"})
    problems: dict[str, list[str]] = {name: [] for name in r.models()}

    def attempt(name: str, what: str, fn: Any) -> Any:
        try:
            return fn()
        except InputError as exc:
            if strict:
                if exc.name in _OF_THE_RESULTS:
                    # The sizes and scores came with the results: name them, and the model.
                    raise InputError("results", f"{exc.expected} of model {name!r}",
                                     exc.got) from None
                raise
            problems[name].append(f"no {what}: {exc}")
            return None

    # Diagnoses read every model's curve (the optimum, a larger model); otherwise only
    # the models asked about are fitted.
    fit_names = r.models() if want_diagnoses else chosen
    curves: dict[str, LearningCurve] = {}
    if want_curves:
        for name in fit_names:
            c = attempt(name, "fitted curve", lambda name=name: fit_model_curve(r, name))
            if c is not None:
                curves[name] = c
    laws = fit_sweep_laws(r) if (want_diagnoses or "sweeps" in parts) else {}

    priced: dict[str, StrategyComparison] = {}
    if "strategies" in parts:
        for base, labels in find_strategies(r).items():
            c = attempt(base, "strategy prices", lambda base=base, labels=labels:
                        price_strategies(r, base, labels, curve=curves.get(base)))
            if c is not None and len(c.table):
                priced[base] = c

    out: dict[str, ModelAnalysis] = {}
    for name in chosen:
        d = p = None
        if want_diagnoses:
            d = attempt(name, "diagnosis", lambda name=name: diagnose(
                r, name, target=target, optimal_error=optimal_error, noise_rate=noise_rate,
                n_classes=n_classes, tolerance=tolerance, curves=curves, laws=laws))
            if d is not None and name in priced:
                d = _with_measured(d, priced[name])
        if want_plans and target is not None and name in curves:
            p = attempt(name, "plan", lambda name=name, goal=target: plan(
                r, target=goal, model=name, have=have, at=at,
                cost_per_sample=cost_per_sample, budget=budget, level=level,
                curve=curves[name]))
        out[name] = ModelAnalysis(name, r.params_of(name),
                                  curves.get(name) if name in chosen else None, d, p,
                                  tuple(problems[name]))

    targets: dict[str, pd.DataFrame] = {}
    for b, c in priced.items():
        p = out[b].plan if b in out else None
        if p is not None:
            targets[b] = c.at_target(p.samples_needed)

    sweeps: dict[str, SweepAnalysis] = {}
    if "sweeps" in parts:
        sweeps = {arch: _sweep(r, s, compute_budget) for arch, s in laws.items()}
        if compute_budget is not None and strict and not any(
                s.allocation is not None for s in sweeps.values()):
            reasons = "; ".join(n for s in sweeps.values() for n in s.notes)
            raise InputError("compute_budget", "results of at least 2 sizes of one "
                             "declared model-size sweep (the joint law needs them)",
                             reasons or f"no sweep among {', '.join(r.models())}")

    settings = {"cost_per_sample": cost_per_sample, "budget": budget,
                "compute_budget": compute_budget, "have": have, "at": at,
                "optimal_error": optimal_error, "n_classes": n_classes,
                "tolerance": tolerance, "include": sorted(parts)}
    return Analysis(results=r, models=out, sweeps=sweeps, strategies=priced,
                    strategy_targets=targets, target=target,
                    level=float(level),
                    settings=settings, noise_rate=noise_rate, noise_source=noise_source,
                    audit=report, audit_path=report_path, audit_data=ds,
                    audit_data_path=ds_path, audit_note=note,
                    lineage=tuple(lineage_of(ds_path, ds, lineage)) if report is not None
                    or lineage else (), notes=tuple(notes), active=sims, monitor=watched,
                    monitor_status=monitor_status(source=list(watched)) if watched else None,
                    versions=_versions(r), cards=_cards(r))


_MEASURED = {"augment": ("augment", "noise"), "transfer": ("transfer",)}
"""Diagnosis action -> the strategies that measure it."""


def _with_measured(d: Diagnosis, c: StrategyComparison) -> Diagnosis:
    """`d` with its augmentation / transfer advice pointing at what those strategies were
    measured to be worth on this model and data (the largest size each was measured at):
    a measured multiplier beats a general rule."""
    from dataclasses import replace

    last = c.summary()
    recs = []
    for rec in d.recommendations:
        kinds = _MEASURED.get(rec.action)
        rows = [] if kinds is None else [
            r for r in last.to_dict("records") if str(r["strategy"]).split(":")[0] in kinds]
        if rows:
            said = "; ".join(
                f"{r['strategy']} is worth {multiplier(r['multiplier'])} the raw samples at "
                f"n={int(r['n']):,} (80 % interval {multiplier(r['multiplier_low'])} – "
                f"{multiplier(r['multiplier_high'])})" for r in rows)
            reason = rec.reason.replace("; measure its multiplier (datacurve strategies -s "
                                        "augment:...) before relying on it", "")
            rec = replace(rec, reason=f"{reason} Measured here: {said}.",
                          evidence={**rec.evidence, "measured_strategies": plain(rows)})
        recs.append(rec)
    return replace(d, recommendations=tuple(recs))


def _versions(r: Results) -> tuple[VersionStep, ...]:
    """The recorded lineage of the dataset the trials measured, from the store they were
    read from (the source files not hashed again: the card does that)."""
    if not r.dataset or not is_sqlite(r.source):
        return ()
    try:
        return lineage(r.source, r.dataset, check_source=False).steps
    except InputError:
        return ()  # no version of it recorded (a store made before versions were)


def _cards(r: Results) -> tuple[Path, ...]:
    """The dataset card of the measured version, beside a file it was loaded from."""
    if not r.dataset or not is_sqlite(r.source):
        return ()
    return cards_of(r.source, r.dataset)


def _monitor_windows(monitor: str | Path | Sequence[MonitorWindow] | None, source: str,
                     notes: list[str]) -> tuple[MonitorWindow, ...]:
    """The monitoring windows given (a store's path, or the windows), else those of the
    store the results came from (none when they came from a results file or table)."""
    if monitor is None:
        # `Results.source` names the file the trials were read from ("a DataFrame" for a
        # table): only a datacurve store can hold windows.
        return tuple(windows(source)) if is_sqlite(source) else ()
    if not isinstance(monitor, str | Path):
        return tuple(monitor)
    try:
        found = tuple(windows(monitor))
    except InputError as exc:
        raise InputError("monitor", exc.expected, exc.got) from None
    if not found:
        notes.append(f"the monitoring store {monitor} holds no windows (datacurve monitor "
                     "add records them)")
    return found


def _audit_report(audit: AuditReport | str | Path | None
                  ) -> tuple[AuditReport | None, Path | None]:
    if audit is None or isinstance(audit, AuditReport):
        return audit, None
    path = Path(audit)
    if not path.is_file():
        raise InputError("audit", "an audit report written by 'datacurve audit --out'",
                         f"'{path}' (no such file)")
    try:
        return load_report(path), path
    except InputError as exc:
        raise InputError("audit", exc.expected, exc.got) from None


def _sweep(r: Results, sweep: SweepLaw, compute_budget: float | None) -> SweepAnalysis:
    """The sweep's compute model and compute-optimal point for `compute_budget` seconds
    (default: the longest measured run of the sweep at its largest size)."""
    notes = list(sweep.notes)
    if sweep.law is None:
        return SweepAnalysis(sweep.architecture, sweep.models, notes=tuple(notes))
    part = r.subset(sweep.models)
    compute = allocation = None
    budget = compute_budget
    source = "given" if compute_budget is not None else None
    try:
        compute = fit_compute_model(part)
        if budget is None:
            f = part.natural_frame()
            last = f[f["n"] == f["n"].max()]
            budget = float(last.groupby("model")["fit_time"].median().max())
            source = "the longest measured run"
        allocation = compute_optimal(sweep.law, compute, budget)
    except InputError as exc:
        notes.append(f"no compute-optimal point: {exc}")
    return SweepAnalysis(sweep.architecture, sweep.models, sweep.law, compute, allocation,
                         budget, source, tuple(notes))
