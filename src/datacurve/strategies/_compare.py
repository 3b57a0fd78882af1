"""`compare_strategies`: the baseline and each strategy on the same nested subsets, seeds
and evaluation set, and what each strategy is worth in the baseline's raw samples.

Notation: for a strategy measured at size n with mean score s(n), the effective data
multiplier is m(n) = N_b(s(n)) / N_b(b(n)), where N_b is the size at which the baseline's
fitted curve reaches a score (`LearningCurve.size_for`) and b(n) the baseline's own mean
measured at n on the same subsets (N_b(b(n)) = n where the baseline was not measured): no
gain is exactly 1×, whatever the fit's residual at n. m > 1: the strategy is worth m·n raw samples;
m < 1: it hurts. The 80 % interval combines the strategy's seed spread, paired with the
baseline's seeds on the same subsets (the standard error of their differences), with the
baseline fit's own interval (`LearningCurve.size_interval`). A size at which the
baseline was measured reaching a score bounds the size needed for it, at the centre and
the high end alike (evidence beats the fit), so a strategy scoring what the baseline
scores is exactly 1× even where the fitted curve levels off below the measurements. A
size beyond `N_HORIZON` (1,000) times the largest measured one counts as never reached
(inf): there the curve's shape is no evidence.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from datacurve._errors import InputError, did_you_mean
from datacurve.curves import Store, run_curve
from datacurve.data import as_dataset
from datacurve.fit import N_HORIZON, fit_model_curve
from datacurve.models import parse_spec
from datacurve.results import Results
from datacurve.strategies._learners import (
    AugmentedCopiesLearner,
    EnsembleLearner,
    GenerativeLearner,
    NoiseCopiesLearner,
    OversampleLearner,
)
from datacurve.strategies._semi import SelfTrainingLearner
from datacurve.strategies._transfer import (
    EmbeddingLearner,
    Pretrained,
    pretrain,
    text_embeddings,
)

__all__ = ["STRATEGIES", "StrategyComparison", "compare_strategies", "find_strategies",
           "price_strategies", "strategy_learner"]

STRATEGIES: dict[str, tuple[type, dict[str, type]]] = {
    "augment": (AugmentedCopiesLearner, {"k": int}),
    "ensemble": (EnsembleLearner, {"k": int}),
    "noise": (NoiseCopiesLearner, {"k": int, "sigma": float}),
    "smote": (OversampleLearner, {"k_neighbors": int}),
    "adasyn": (OversampleLearner, {"k_neighbors": int}),
    "generate": (GenerativeLearner, {"k": float, "components": int}),
    "selftrain": (SelfTrainingLearner, {"threshold": float, "max_iter": int,
                                        "unlabelled": int, "augment": str, "views": int}),
    "transfer": (Pretrained, {"mode": str, "embedding": str}),
}
"""Strategy name -> (learner wrapper, its options and their types). ``augment`` takes
augmentation operations as further options (``augment:shift=0.1,noise=0.05``): the
built-in torch learners apply them per epoch, scikit-learn estimators train on `k`
augmented copies (`AugmentedCopiesLearner`)."""

_Z80 = 1.2815515655446004  # standard normal quantile of 0.9: a central 80 % interval


def _parse(text: str) -> tuple[str, dict[str, Any]]:
    """``"ensemble:k=5"`` -> ``("ensemble", {"k": 5})``."""
    name, _, rest = text.strip().partition(":")
    name = name.strip().lower()
    if name not in STRATEGIES:
        raise InputError("strategies", f"one of {', '.join(STRATEGIES)} (options as "
                         "ensemble:k=5)", repr(text) + did_you_mean(name, STRATEGIES))
    types = STRATEGIES[name][1]
    options: dict[str, Any] = {}
    ops: list[str] = []
    for item in filter(None, (p.strip() for p in re.split(r",", rest))):
        key, sep, value = item.partition("=")
        key = key.strip()
        if name == "augment" and key != "k":
            ops.append(item)
            continue
        if not sep or key not in types:
            raise InputError("strategies", f"options of {name} among {', '.join(types)} "
                             "written key=value", repr(text))
        try:
            options[key] = types[key](value.strip())
        except ValueError:
            raise InputError("strategies", f"a {types[key].__name__} for {name}'s {key}",
                             repr(text)) from None
    least = {"ensemble": 2, "noise": 1, "augment": 1}.get(name)
    if least is not None and options.get("k", least) < least:
        raise InputError("strategies", f"{name}'s k of at least {least}", repr(text))
    if name == "generate" and options.get("k", 1.0) <= 0:
        raise InputError("strategies", "generate's k > 0 (synthetic samples per real one)",
                         repr(text))
    for key in ("k_neighbors", "components", "max_iter", "unlabelled", "views"):
        if options.get(key, 1) < 1:
            raise InputError("strategies", f"{name}'s {key} of at least 1", repr(text))
    if options.get("mode", "finetune") not in ("finetune", "freeze"):
        raise InputError("strategies", "transfer's mode finetune (every layer trains) or "
                         "freeze (the head only)", repr(text))
    if not 0 < options.get("threshold", 0.5) < 1:
        raise InputError("strategies", "selftrain's threshold in (0, 1)", repr(text))
    if options.get("sigma", 1.0) <= 0:
        raise InputError("strategies", "noise's sigma > 0 (standard deviations)",
                         repr(text))
    if name == "augment":
        from datacurve.models import parse_augmentation

        aug = parse_augmentation("+".join(ops))
        if aug is None:
            raise InputError("strategies", "augmentation operations, e.g. "
                             "augment:shift=0.1,noise=0.05", repr(text))
        options["augment"] = aug.canonical
    return name, options


def check_data(strategy: str, kind: str, options: dict[str, Any], dataset: Any) -> None:
    """Refuse (naming ``strategies``) a strategy the data cannot take: noise copies of
    anything but a table or vectors, augmentation operations that do not suit the data's
    modality. `kind` and `options` are `_parse`'s."""
    if kind == "noise" and (dataset.modality not in ("table", "vector", "sequence")
                            or np.ndim(dataset.X) != 2):
        raise InputError("strategies", "noise copies on a table or vectors (rows × "
                         "numeric columns)", f"{strategy!r} on {dataset.modality} data of "
                         f"shape {tuple(np.shape(dataset.X))}")
    if kind == "augment":
        from datacurve.models import MODALITY_KINDS, parse_augmentation

        data_kind = MODALITY_KINDS.get(dataset.modality)
        aug = parse_augmentation(options["augment"])
        if data_kind is not None and aug is not None:
            try:
                aug.check_kind(data_kind, f"{strategy!r} on {dataset.modality} data "
                                          f"of shape {tuple(np.shape(dataset.X))}")
            except InputError as exc:
                raise InputError("strategies", exc.expected, exc.got) from None


def strategy_learner(strategy: str, spec: str, task: str) -> tuple[str, Any]:
    """The name (the results' ``model``) and learner of `strategy` applied to `spec`."""
    return _learner_of(strategy, *_parse(strategy), spec, task)


def _learner_of(strategy: str, name: str, options: dict[str, Any], spec: str,
                task: str) -> tuple[str, Any]:
    """`strategy_learner` for a strategy parsed once (`_parse`)."""
    if name == "augment":
        return _augment_learner(strategy, spec, task, options)
    if name in ("smote", "adasyn", "selftrain") and task != "classification":
        raise InputError("strategies", f"a classification task for {name}",
                         f"{strategy!r} on a {task} task")
    if name == "transfer":
        raise InputError("strategies", "transfer through compare_strategies (it pretrains "
                         "on its source first)", repr(strategy))
    if name == "selftrain":
        shown = ",".join(f"{k}={v:g}" if isinstance(v, int | float) else f"{k}={v}"
                         for k, v in sorted({"threshold": 0.9, "max_iter": 10,
                                             **options}.items()))
        label = f"{spec} + selftrain:{shown}"
        return label, SelfTrainingLearner(spec, name=label, **options)
    if name in ("smote", "adasyn"):
        options = {**options, "method": name}
    cls = STRATEGIES[name][0]
    learner = cls(spec=spec, task=task, **options)
    shown = ",".join(f"{k}={v}" for k, v in sorted(learner.get_params().items())
                     if k in STRATEGIES[name][1])
    return f"{spec} + {name}:{shown}", learner


def _augment_learner(strategy: str, spec: str, task: str,
                     options: dict[str, Any]) -> tuple[str, Any]:
    """Augmentation per epoch for the built-in torch learners (the spec with its
    ``augment`` set), k augmented copies for scikit-learn estimators."""
    parsed = parse_spec(spec)
    ops = options["augment"]
    shown = ops.replace("+", ",")
    if parsed.kind in ("mlp", "cnn"):
        if "k" in options:
            raise InputError("strategies", "no k for a torch learner (it augments every "
                             "epoch afresh, not k copies)", repr(strategy))
        return f"{spec} + augment:{shown} (per epoch)", parsed.with_params(augment=ops).canonical
    if parsed.kind not in ("sklearn", "import"):
        raise InputError("strategies", "augment with mlp, cnn or a scikit-learn estimator "
                         "(a TorchLearner takes augment= itself)", f"{strategy!r} on {spec!r}")
    if task == "classification" and "mixup" in ops:
        raise InputError("strategies", "no mixup for a scikit-learn classifier (it trains "
                         "on hard labels; mlp, cnn and TorchLearner take mixed labels)",
                         repr(strategy))
    k = int(options.get("k", 4))
    learner = AugmentedCopiesLearner(spec=spec, augment=ops, k=k, task=task)
    return f"{spec} + augment:{shown},k={k} (copies)", learner


@dataclass(frozen=True)
class StrategyComparison:
    """What each strategy is worth against the baseline on the same subsets.

    Attributes
    ----------
    baseline : str
        The baseline's model name.
    strategies : dict of str to str
        Strategy as given -> its model name in the results.
    table : DataFrame
        One row per (strategy, n): ``strategy, n, seeds, score, baseline_score, gain,
        multiplier, multiplier_low, multiplier_high, worth, compute`` (worth: raw
        baseline samples, ``multiplier * n``; inf where the baseline's curve never
        reaches the strategy's score; compute: the strategy's training seconds per
        trial over the baseline's at n, pretraining not included). Scores in the
        metric's natural units.
    metric : str
    results : Results
        Every trial (the baseline's and the strategies').
    level : float
        Coverage of the multiplier interval.
    pretrained : dict of str to Pretrained
        Transfer strategy -> its pretrained layers (source, examples, seconds spent).
    """

    baseline: str
    strategies: dict[str, str]
    table: pd.DataFrame
    metric: str
    results: Results = field(repr=False)
    level: float = 0.8
    pretrained: dict[str, Pretrained] = field(default_factory=dict, repr=False)

    def __repr__(self) -> str:
        return (f"StrategyComparison(baseline={self.baseline!r}, "
                f"strategies={list(self.strategies)}, metric={self.metric!r}, "
                f"rows={len(self.table)})")

    def summary(self) -> pd.DataFrame:
        """At the largest size each strategy was measured: multiplier and interval."""
        last = self.table.sort_values("n").groupby("strategy").tail(1)
        return last.reset_index(drop=True)

    def at_target(self, samples_needed: float) -> pd.DataFrame:
        """What each strategy saves at a target the baseline needs `samples_needed`
        samples for, at its multiplier at the measured size nearest that need on a log
        scale (the largest when the need lies beyond: an extrapolation, as the
        multiplier changes with n).

        Parameters
        ----------
        samples_needed : float
            The baseline's samples for the target (`DataPlan.samples_needed`; inf when
            never reached).

        Returns
        -------
        DataFrame
            One row per strategy: ``strategy, n, multiplier, samples, samples_low,
            samples_high, saved, compute`` (samples: the baseline's need divided by the
            multiplier; low / high from the multiplier's interval; saved: the need
            minus samples).
        """
        rows = []
        for _, part in self.table.groupby("strategy", sort=False):
            sizes = part["n"].to_numpy(float)
            at = (int(np.argmin(np.abs(np.log(sizes / samples_needed))))
                  if math.isfinite(samples_needed) and samples_needed > 0
                  else int(np.argmax(sizes)))
            r = part.iloc[at].to_dict()
            m, lo, hi = (float(r[k]) for k in ("multiplier", "multiplier_low",
                                               "multiplier_high"))

            def per(x: float) -> float:
                return samples_needed / x if x > 0 else math.inf

            samples = per(m)
            rows.append({"strategy": r["strategy"], "n": int(r["n"]), "multiplier": m,
                         "samples": samples, "samples_low": per(hi),
                         "samples_high": per(lo), "saved": samples_needed - samples
                         if math.isfinite(samples_needed) else math.nan,
                         "compute": r.get("compute", math.nan)})
        return pd.DataFrame(rows, columns=["strategy", "n", "multiplier", "samples",
                                           "samples_low", "samples_high", "saved",
                                           "compute"])


def compare_strategies(data: Any, learner: str,
                       strategies: Sequence[str | tuple[str, Any]], *,
                       sizes: Sequence[int] | None = None, seeds: int = 3,
                       metric: str | None = None, jobs: int = 1,
                       store: Store | str | Path | None = None, label: str | None = None,
                       eval_folds: int | None = 1, progress: bool = False,
                       source: Any = None, source_label: str | None = None
                       ) -> StrategyComparison:
    """Measure the baseline and each strategy on the same nested subsets and seeds, and
    price each strategy in the baseline's raw samples.

    Parameters
    ----------
    data : Dataset, array pair, DataFrame or path
        As `run_curve` takes it.
    learner : str
        The baseline's model spec.
    strategies : sequence of str
        ``"ensemble:k=5"`` (k seeded members averaged), ``"noise:k=4,sigma=0.1"`` (k
        Gaussian-noise copies of every training row, in each column's standard
        deviations; tables), ``"augment:shift=0.1,noise=0.05"`` (augmentation
        operations, `datacurve.models.AUGMENTATIONS`: per epoch for ``mlp`` / ``cnn``,
        ``k`` copies, default 4, for scikit-learn estimators; they must suit the data's
        modality), ``"smote:k_neighbors=5"`` / ``"adasyn"`` (synthetic minority
        examples, imbalanced-learn), ``"generate:k=1,components=3"`` (k synthetic
        samples per real one from a Gaussian mixture per class),
        ``"selftrain:threshold=0.9"`` (the rest of the pool unlabelled, self-training
        with pseudo-labels above the threshold), ``"transfer:mode=finetune"`` /
        ``"transfer:mode=freeze"`` (``mlp`` / ``cnn`` pretrained once on `source`, then
        every layer fine-tuned or only a new head trained), ``"transfer:embedding=minilm"``
        (text: the baseline on MiniLM sentence embeddings instead of TF-IDF). A
        ``(label, learner)`` pair prices a learner of your own as a strategy: anything
        `run_curve` takes (a spec, an estimator, a `TorchLearner` whose build loads your
        pretrained module, a `FunctionLearner` on your embeddings), named
        ``"<baseline> + <label>"``.
    sizes, seeds, metric, jobs, store, label, eval_folds, progress
        As for `run_curve` (one evaluation set by default).
    source : Dataset, array pair, DataFrame or path, optional
        The source task of ``transfer`` strategies (examples of the data's shape).
    source_label : str, optional
        Its label column (default `label`).

    Returns
    -------
    StrategyComparison

    Raises
    ------
    InputError
        An unknown strategy or option, no strategy, or a baseline whose curve cannot be
        fitted (fewer than 3 sizes).
    """
    if isinstance(strategies, str) or not strategies:
        raise InputError("strategies", "a list of strategies such as ['ensemble:k=5']",
                         repr(strategies))
    spec = parse_spec(learner).canonical
    dataset = as_dataset(data, label=label)
    learners: dict[str, Any] = {spec: spec}
    names: dict[str, str] = {}
    pretrained: dict[str, Pretrained] = {}
    for strategy in strategies:
        if isinstance(strategy, tuple):
            # A learner of the user's own (a network built from their pretrained module,
            # a model on their embedding function, ...) priced like any strategy.
            if len(strategy) != 2 or not isinstance(strategy[0], str) \
                    or not strategy[0].strip() or " + " in strategy[0]:
                raise InputError("strategies", "a strategy text or a (label, learner) pair "
                                 "with a label without ' + '", repr(strategy))
            label = strategy[0].strip()
            names[label] = f"{spec} + {label}"
            learners[names[label]] = strategy[1]
            continue
        kind, options = _parse(strategy)
        if kind == "transfer":
            name, obj, made = _transfer_learner(strategy, options, spec, dataset, source,
                                                source_label or label, store)
            names[strategy], learners[name], pretrained[strategy] = name, obj, made
            continue
        name, obj = _learner_of(strategy, kind, options, spec, dataset.task)
        check_data(strategy, kind, options, dataset)
        names[strategy] = name
        learners[name] = obj
    if any(isinstance(obj, SelfTrainingLearner) for obj in learners.values()):
        _check_unlabelled(dataset, sizes, eval_folds)
    run = run_curve(dataset, learners, sizes=sizes, seeds=seeds, metric=metric, jobs=jobs,
                    store=store, progress=progress, eval_folds=eval_folds)
    results = Results.from_source(run, name="results")
    priced = price_strategies(results, spec, names)
    return StrategyComparison(priced.baseline, names, priced.table, priced.metric,
                              results, pretrained=pretrained)


def price_strategies(results: Results | Any, baseline: str,
                     strategies: dict[str, str] | None = None, *,
                     curve: Any = None) -> StrategyComparison:
    """Price strategies already measured (in a store or results table) against their
    baseline: the multiplier table of `compare_strategies`, computed without training.

    Parameters
    ----------
    results : Results, DataFrame, store or path
        See `Results.from_source`; one dataset.
    baseline : str
        The baseline's model name.
    strategies : dict of str to str, optional
        Strategy label -> its model name in the results (default: every model named
        ``"<baseline> + <label>"``, see `find_strategies`).
    curve : LearningCurve, optional
        The baseline's fitted curve when already fitted (`fit_model_curve`).

    Returns
    -------
    StrategyComparison

    Raises
    ------
    InputError
        Naming ``results``: no such baseline or strategy model, or a baseline whose
        curve cannot be fitted.
    """
    r = Results.from_source(results, name="results")
    baseline = r.pick(baseline)
    if strategies is None:
        names = find_strategies(r).get(baseline, {})
    else:
        have = set(r.models())
        for label, model in strategies.items():
            if model not in have:
                raise InputError("strategies", f"finished trials of {label}",
                                 "none: every trial failed (datacurve results --all shows "
                                 "why)" if model in set(r.failed.get("model", ()))
                                 else f"no model {model!r} in the results")
        names = dict(strategies)
    frame = r.natural_frame()
    base = frame[frame["model"] == baseline]
    if curve is None:
        curve = fit_model_curve(r, baseline)  # the fit room's fit of the baseline
    base_means = base.groupby("n")["val"].mean()
    times = r.table.groupby(["model", "n"])["fit_time"].mean() \
        if "fit_time" in r.table else None
    rows = []
    for strategy, name in names.items():
        part = frame[frame["model"] == name]
        for n_key, g in part.groupby("n"):
            n = float(n_key)  # type: ignore[arg-type]
            scores = g["val"].to_numpy(float)
            mean = float(scores.mean())
            # Paired by seed (and evaluation fold): the strategy and the baseline trained
            # on the same subset, so the spread of their differences is the strategy's
            # own uncertainty (the subset's luck cancels).
            keys = ["seed", "eval_fold"] if "eval_fold" in g and "eval_fold" in base \
                else ["seed"]
            paired = g.merge(base[base["n"] == n_key][[*keys, "val"]], on=keys,
                             suffixes=("", "_base"))
            spread = (paired["val"] - paired["val_base"]).to_numpy(float) \
                if len(paired) > 1 else scores
            se = float(spread.std(ddof=1) / math.sqrt(len(spread))) if len(spread) > 1 \
                else 0.0
            m, lo, hi = _multiplier(curve, mean, se, n, r.metric, base_means)
            rows.append({"strategy": strategy, "model": name, "n": int(n),
                         "seeds": len(scores), "score": mean,
                         "baseline_score": float(base_means.get(n, np.nan)),
                         "gain": mean - float(base_means.get(n, np.nan)),
                         "multiplier": m, "multiplier_low": lo, "multiplier_high": hi,
                         "worth": m * n, "compute": _compute(times, name, baseline, n_key)})
    table = pd.DataFrame(rows, columns=["strategy", "model", "n", "seeds", "score",
                                        "baseline_score", "gain", "multiplier",
                                        "multiplier_low", "multiplier_high", "worth",
                                        "compute"])
    return StrategyComparison(baseline, dict(names), table, r.metric.name, r)


def find_strategies(results: Results | Any) -> dict[str, dict[str, str]]:
    """The strategies measured in a results table: baseline -> {label: model}, for every
    model named ``"<baseline> + <label>"`` (how `compare_strategies` names them) whose
    baseline is measured too.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"model": ["cnn", "cnn + ensemble:k=5", "mlp"], "n": 64,
    ...                   "val_score": 0.8})
    >>> find_strategies(t)
    {'cnn': {'ensemble:k=5': 'cnn + ensemble:k=5'}}
    """
    r = Results.from_source(results, name="results")
    models = r.models()
    out: dict[str, dict[str, str]] = {}
    for model in models:
        base, sep, label = model.partition(" + ")
        if sep and base in models and label:
            out.setdefault(base, {})[label] = model
    return out


def _compute(times: pd.Series | None, model: str, baseline: str, n: Any) -> float:
    """The strategy's mean training seconds per trial at size `n` over the baseline's
    (NaN when either was not timed)."""
    if times is None:
        return math.nan
    try:
        ratio = float(times.loc[(model, n)]) / float(times.loc[(baseline, n)])
    except (KeyError, ZeroDivisionError):
        return math.nan
    return ratio if math.isfinite(ratio) else math.nan


def _transfer_learner(strategy: str, options: dict[str, Any], spec: str, dataset: Any,
                      source: Any, label: str | None,
                      store: Any) -> tuple[str, Any, Pretrained]:
    """Pretrain `spec` on `source` once (reused when already on disk) and give the
    strategy's name and spec: the baseline's spec starting from those layers; for
    ``embedding=minilm``, the text's sentence embeddings computed once and the baseline
    trained on them."""
    from datacurve.curves import DEFAULT_STORE

    if "embedding" in options:
        if "mode" in options:
            raise InputError("strategies", "either mode= (pretrain a network on a source) "
                             "or embedding= (text: pretrained sentence embeddings)",
                             repr(strategy))
        where = Path(getattr(store, "path", None) or store or DEFAULT_STORE)
        path, seconds = text_embeddings(dataset, where.parent / "pretrained",
                                        options["embedding"])
        name = f"{spec} + transfer:embedding={options['embedding']}"
        made = Pretrained(path, f"{options['embedding']} sentence encoder",
                          len(dataset.y), seconds)
        return name, EmbeddingLearner(spec, path, name), made
    if source is None:
        raise InputError("source", "a source dataset to pretrain on for transfer "
                         "(source= / --source)", "none")
    mode = options.get("mode", "finetune")
    src = as_dataset(source, label=label)
    if src.task != dataset.task:
        raise InputError("source", f"a {dataset.task} task like the data's",
                         f"a {src.task} task")
    where = Path(getattr(store, "path", None) or store or DEFAULT_STORE)
    made = pretrain(src, spec, where.parent / "pretrained",
                    target_shape=tuple(int(s) for s in np.shape(dataset.X)[1:]))
    learner = parse_spec(spec).with_params(init=str(made.path.resolve()),
                                           freeze=mode == "freeze").canonical
    return f"{spec} + transfer:{mode} from {made.source}", learner, made


def _check_unlabelled(dataset: Any, sizes: Sequence[int] | None,
                      eval_folds: int | None) -> None:
    """Self-training needs unlabelled rows: refuse sizes that leave none of the training
    pool unlabelled (InputError naming ``strategies``)."""
    from datacurve.curves import make_eval_folds

    folds = make_eval_folds(dataset, eval_folds=eval_folds, eval_size=0.2, seed=0)
    pool = min(int(f.pool.size) for f in folds)
    if sizes is not None and len(sizes) and min(int(n) for n in sizes) >= pool:
        raise InputError("strategies", f"sizes below the training pool of {pool} for "
                         "selftrain (the rest of the pool is its unlabelled data)",
                         f"sizes {sorted(int(n) for n in sizes)}: the unlabelled pool "
                         "is empty")


def _multiplier(curve: Any, mean: float, se: float, n: float, metric: Any,
                measured: pd.Series) -> tuple[float, float, float]:
    """m(n) and its 80 % interval for a strategy scoring `mean` ± `se` at size `n`;
    `measured` holds the baseline's mean score per measured size."""
    lower, upper = metric.lower, metric.upper

    def reached(score: float) -> float:
        """Evidence that bounds the pessimistic end of the size needed for `score`: the
        smallest measured size whose baseline mean reaches it, on the fitted curve's
        scale (where the curve gives that mean); inf if none does."""
        hit = measured >= score if metric.higher_is_better else measured <= score
        if not hit.any():
            return math.inf
        first = measured.index[hit.to_numpy()].min()
        on_curve = size(float(measured[first]), None)
        return on_curve if math.isfinite(on_curve) else float(first)

    horizon = N_HORIZON * float(max(measured.index.max(), n))

    def size(score: float, which: int | None) -> float:
        """The baseline curve's size for `score` (its interval end `which`); inf beyond
        `N_HORIZON` times the largest measured size, where the curve's shape is no
        evidence (a curve creeping towards its asymptote would otherwise price a score
        near it at millions of samples)."""
        score = float(np.clip(score, lower, upper))
        try:
            got = float(curve.size_for(score) if which is None
                        else curve.size_interval(score, 0.8)[which])
        except InputError:  # outside the metric's range: never reached
            return math.inf
        return got if got <= horizon else math.inf

    worse = mean - _Z80 * se if metric.higher_is_better else mean + _Z80 * se
    better = mean + _Z80 * se if metric.higher_is_better else mean - _Z80 * se
    # Sizes needed are read one way for the strategy and for the reference: on the
    # fitted curve, bounded by the smallest measured size whose baseline mean already
    # reaches the score (evidence beats the fit, also where the curve levels off below
    # a measured mean). The reference is the size needed for the baseline's own mean at
    # n (n itself where it was not measured), so no gain is exactly 1x.
    def needed(score: float) -> float:
        return min(size(score, None), reached(score))

    base = measured.get(n)
    ref = needed(float(base)) if base is not None and np.isfinite(base) else n
    ref = ref if math.isfinite(ref) and ref > 0 else n
    high = min(size(better, 1), reached(better))
    m = needed(mean)
    # The estimate lies inside its own interval: near the metric's best value the
    # curve's bands can cross its centre line.
    low = min(size(worse, 0), high, m)
    return m / ref, low / ref, max(high, m) / ref
