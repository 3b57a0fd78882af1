"""The results table, validated once, and the views every later room reads.

Every room after `curves` (fit, diagnosis, the audit's measurement, analysis, report, the
CLI) reads trials through a `Results`: made once by `Results.from_source` from a store, a
results file or a DataFrame, which checks the contract columns, the statuses, the metric,
the dataset and the score ranges, and offers the table in the stored higher-is-better
orientation (`to_frame`) and in the metric's natural units (`natural_frame`,
`per_size`), the models, the declared model-size sweeps (`by_architecture`) and a
summary. Nothing after this room re-checks the table or switches the orientation itself.

Notation: t finished trials, k distinct training-set sizes of one model.
"""

from __future__ import annotations

import json
import math
import os
import re
import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from datacurve._errors import InputError, describe, did_you_mean
from datacurve.curves import RESULT_COLUMNS, CurveRun, Store, is_sqlite, summarize
from datacurve.metrics import Metric, default_metric, get_metric
from datacurve.models import SIZE_KNOBS, architecture, parse_spec, spec_kwargs

__all__ = ["ACTIVE_MARK", "REQUIRED_COLUMNS", "Results", "read_results"]

ACTIVE_MARK = " ~active:"
"""What marks an active-learning round in a store's model name (``"<spec> ~active:margin"``,
written by `datacurve.active`): not a learning-curve trial, so not a results table's."""

REQUIRED_COLUMNS = ("model", "n", "val_score")
"""Columns every results table must have; the other contract columns (``params``,
``seed``, ``train_score``) are filled (unknown, 0, unknown) when missing, and the rooms
that need them say so (`Results.require`)."""

# Text a table may hold for a missing score.
_MISSING_SPELLINGS = frozenset({"", "nan", "na", "n/a", "none", "null", "<na>"})

_SOURCE_EXPECTED = ("a results table (pandas DataFrame), a datacurve store, or a results "
                    "file (.sqlite, .csv, .parquet)")


@dataclass(frozen=True, eq=False)
class Results:
    """The trials of one dataset in one metric, validated (see `Results.from_source`).

    Attributes
    ----------
    table : DataFrame
        The t finished trials (status ``ok``, a finite ``val_score``): the contract
        columns ``model, params, n, seed, train_score, val_score`` first, scores in the
        stored higher-is-better orientation of `metric`, then whatever else the source
        holds (``metric, dataset, fit_time, val_<metric>, ...``).
    failed : DataFrame
        Trials that failed (same columns; their scores are NaN), for reports.
    metric : Metric
        The one metric of ``train_score`` / ``val_score``.
    source : str
        The source as people name it: its path, or "a DataFrame".
    dataset, dataset_name : str
        The dataset's fingerprint and name ("" when the source does not record them).
    task : str or None
        "classification" or "regression" when recorded.
    info : mapping
        The dataset's recorded summary (classes, class counts, size) when the source is
        a store.
    given : frozenset of str
        Which contract columns the source had (the others were filled).
    notes : tuple of str
        What validation left out and why.
    name : str
        How errors name the source (a Python parameter; the CLI names its argument).
    """

    table: pd.DataFrame = field(repr=False)
    failed: pd.DataFrame = field(repr=False)
    metric: Metric
    source: str
    dataset: str = ""
    dataset_name: str = ""
    task: str | None = None
    info: Mapping[str, Any] = field(default_factory=dict, repr=False)
    given: frozenset[str] = frozenset(RESULT_COLUMNS)
    notes: tuple[str, ...] = ()
    name: str = "results"

    # -- making one ------------------------------------------------------------------
    @classmethod
    def from_source(cls, source: Any, *, dataset: str | None = None,
                    metric: str | None = None, name: str = "results") -> Results:
        """Read and validate a results table once.

        Parameters
        ----------
        source : Results, CurveRun, Store, path or DataFrame
            The trials of a `run_curve` call, a datacurve store (or its path), a results
            file written by ``datacurve results --out`` (.csv / .parquet), or a DataFrame
            with at least the columns ``model, n, val_score`` (higher-is-better scores,
            as the runner stores them).
        dataset : str, optional
            Fingerprint or name of the dataset to keep; required when the source holds
            several (the error lists them).
        metric : str, optional
            Metric of ``train_score`` / ``val_score``: default the table's (its
            ``metric`` column, else the task's default, else accuracy). Another metric is
            read from its natural-unit columns ``val_<metric>`` / ``train_<metric>``.
        name : str
            How errors name `source`.

        Returns
        -------
        Results

        Raises
        ------
        InputError
            Naming `name` and the file (no such file, not a results table, a store whose
            rows cannot be read, missing or duplicated columns, rows without a model
            name, evaluation scores that are text, an unknown task or metric in the
            file, no finished trial, sizes that are not positive, evaluation scores
            outside the metric's range), ``dataset`` (several datasets and none chosen,
            or an unknown one) or ``metric`` (unknown, not recorded, or a table mixing
            metrics). Messages are one line.

        Examples
        --------
        >>> import pandas as pd
        >>> t = pd.DataFrame({"model": "m", "n": [10, 20, 40], "val_score": [.5, .6, .65]})
        >>> r = Results.from_source(t)
        >>> r.metric.name, r.models(), len(r)
        ('accuracy', ['m'], 3)
        """
        if isinstance(source, Results):
            if (dataset in (None, source.dataset, source.dataset_name)
                    and metric in (None, source.metric.name)):
                return source
            frame = pd.concat([source.table, source.failed], ignore_index=True)
            label, info = source.source, {source.dataset: dict(source.info)}
        elif isinstance(source, pd.DataFrame):
            frame, label, info = source, "a DataFrame", {}
        elif isinstance(source, CurveRun):
            ds = source.design.dataset
            frame, label = source.results, str(source.store_path)
            info = {ds.fingerprint: ds.summary()}
        elif isinstance(source, Store):
            frame, info = _read_store(source)
            label = str(source.path)
        elif isinstance(source, str | os.PathLike):
            frame, info = _read_path(Path(source), name)
            label = str(source)
        else:
            raise InputError(name, _SOURCE_EXPECTED, type(source).__name__)
        if len(frame) and "model" in frame and frame["model"].astype(str).str.contains(
                ACTIVE_MARK, regex=False).all():
            raise InputError(name, "learning-curve trials (datacurve curve)",
                             f"{label}: active-learning rounds only (datacurve report "
                             "--active reads them, beside a store of curves)")
        return _validated(frame, dataset=dataset, metric=metric, label=label, info=info,
                          name=name)

    # -- the table -------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.table)

    def to_frame(self, *, failed: bool = False) -> pd.DataFrame:
        """The table (a copy) in the stored orientation; with `failed`, the failed trials
        after the finished ones."""
        if failed and len(self.failed):
            return pd.concat([self.table, self.failed], ignore_index=True)
        return self.table.copy()

    def models(self) -> list[str]:
        """The models with finished trials, in the order the table first lists them."""
        return list(dict.fromkeys(self.table["model"].astype(str)))

    def pick(self, model: str | None) -> str:
        """`model` as the table names it: the only model when None, else the name itself
        or its canonical spec (stores keep ``cnn:width=4,lr=0.003`` as
        ``cnn:lr=0.003,width=4``).

        Raises
        ------
        InputError
            Naming ``model``: none given while the table holds several, or an unknown one.
        """
        names = self.models()
        if model is None:
            if len(names) != 1:
                raise InputError("model", f"one of {', '.join(names)} (the table holds "
                                 f"{len(names)} models)", "none")
            return names[0]
        if model in names:
            return model
        try:
            canon: str | None = parse_spec(model).canonical
        except InputError:
            canon = None
        if canon not in names:
            raise InputError("model", f"one of {', '.join(names)}",
                             repr(model) + did_you_mean(model, names))
        return str(canon)

    def require(self, *columns: str, purpose: str = "this") -> None:
        """Raise `InputError` (naming the source) unless the source gave `columns`.

        Parameters
        ----------
        columns : str
            Contract columns that were filled when missing (``params``, ``seed``,
            ``train_score``) or any other column (``fit_time``).
        purpose : str
            What needs them, for the message.
        """
        have = set(self.given) | set(self.table.columns) - set(RESULT_COLUMNS)
        missing = [c for c in columns if c not in have]
        if missing:
            raise InputError(self.name, f"a results table with columns "
                             f"{', '.join(columns)} for {purpose}",
                             f"{self.source} without {', '.join(missing)}")

    def subset(self, models: Iterable[str]) -> Results:
        """The same results restricted to `models` (failed trials included)."""
        keep = set(models)
        return replace(self, table=self.table[self.table["model"].isin(keep)]
                       .reset_index(drop=True),
                       failed=self.failed[self.failed["model"].isin(keep)]
                       .reset_index(drop=True))

    @property
    def n_classes(self) -> int | None:
        """Number of classes of a classification dataset, when recorded."""
        classes = self.info.get("classes") if self.info else None
        if classes:
            return len(classes)
        if "n_classes" in self.table.columns:
            k = pd.to_numeric(self.table["n_classes"], errors="coerce").max()
            if math.isfinite(k) and k >= 2:
                return int(k)
        return None

    # -- natural units ---------------------------------------------------------------
    def natural_frame(self, model: str | None = None) -> pd.DataFrame:
        """One row per finished trial (of `model`, or all) in the metric's natural units.

        Returns
        -------
        DataFrame
            Columns ``model, params, n, seed, val, train, fit_time`` (``train`` and
            ``fit_time`` NaN where not recorded).
        """
        t = self.table if model is None else self.table[self.table["model"] == model]
        return pd.DataFrame({
            "model": t["model"].astype(str).to_numpy(),
            "params": t["params"].to_numpy(np.float64),
            "n": t["n"].to_numpy(np.float64),
            "seed": t["seed"].to_numpy(np.float64),
            "val": self.metric.natural(t["val_score"].to_numpy(np.float64)),
            "train": self.metric.natural(t["train_score"].to_numpy(np.float64)),
            "fit_time": (t["fit_time"].to_numpy(np.float64) if "fit_time" in t.columns
                         else np.full(len(t), np.nan)),
        })

    def per_size(self, model: str) -> pd.DataFrame:
        """One model's k measured sizes, natural units, ascending in ``n``.

        Returns
        -------
        DataFrame
            Columns ``n, val, val_sd, val_min, val_max, train, seeds, fit_time``: mean,
            standard deviation (0 with one seed), range of the evaluation score; mean
            training score; seeds; median seconds per training run.
        """
        f = self.natural_frame(model)
        f = f.sort_values(["n", "seed", "val"], kind="stable")
        g = f.groupby("n").agg(val=("val", "mean"), val_sd=("val", "std"),
                               val_min=("val", "min"), val_max=("val", "max"),
                               train=("train", "mean"), seeds=("val", "size"),
                               fit_time=("fit_time", "median")).sort_index()
        g["val_sd"] = g["val_sd"].fillna(0.0)
        return g.reset_index()

    def params_of(self, model: str) -> float:
        """A model's parameter count at its largest measured size (the lower median over
        its seeds there, a count a trial measured; NaN when unknown): the size the
        diagnosis compares, the report's grid lists and the CLI's tables head their
        columns with. Models that grow with the data (trees) have a count per size;
        `summary` keeps them."""
        t = self.table[self.table["model"] == model]
        p = t["params"].to_numpy(np.float64)
        known = np.isfinite(p) & (p > 0)
        if not known.any():
            return math.nan
        n = t["n"].to_numpy(np.float64)
        top = np.sort(p[known & (n == n[known].max())])
        return float(top[(top.size - 1) // 2])

    def size_follows_n(self, model: str) -> bool:
        """Whether the model's parameter count grows with the training-set size (trees,
        forests, boosting, k-NN, kernel machines): then its size is not a model-size
        axis. Read from the counts measured at each size (lower median over seeds):
        True when they differ by more than 1 % across sizes."""
        t = self.table[self.table["model"] == model]
        p = t["params"].to_numpy(np.float64)
        known = np.isfinite(p) & (p > 0)
        if not known.any():
            return False
        per_size = (pd.Series(p[known]).groupby(t["n"].to_numpy()[known])
                    .quantile(0.5, interpolation="lower").to_numpy())
        return bool(per_size.max() > 1.01 * per_size.min())

    def summary(self) -> pd.DataFrame:
        """Mean and spread over seeds per (model, n), natural units, failed trials
        counted.

        Returns
        -------
        DataFrame
            Columns ``model, n, params, seeds, val_mean, val_std, train_mean,
            fit_time, failed, metric`` (see `datacurve.curves.summarize`).
        """
        frame = self.to_frame(failed=True)
        if "status" not in frame.columns:  # a table without statuses holds finished trials
            frame["status"] = "ok"
        if "fit_time" not in frame.columns:
            frame["fit_time"] = np.nan
        return summarize(frame)

    # -- model-size sweeps -------------------------------------------------------------
    def by_architecture(self) -> dict[str, tuple[str, ...]]:
        """The declared model-size sweeps: architecture → its models, smallest first.

        Models form a sweep when they share an architecture (`datacurve.models.
        architecture`) and differ only in size knobs: `SIZE_KNOBS` (``width``,
        ``depth`` of the built-in networks, ``hidden_layer_sizes`` of scikit-learn's)
        and the parameters a declared sweep set (``sweep=`` of `run_curve`,
        ``--sweep``; recorded per trial). A sweep needs at least two distinct known
        parameter counts. Two models of one class that differ in anything else
        (``C=0.1`` and ``C=10``) are not a sweep, and a model whose parameter count
        follows the data (`size_follows_n`: trees, forests, k-NN) is never on a size
        axis. When one architecture holds several sweeps, each is named with its fixed
        arguments.

        Returns
        -------
        dict
            Name → model names ordered by parameter count.
        """
        groups: dict[tuple[str, str], list[str]] = {}
        fixed_of: dict[tuple[str, str], dict[str, Any]] = {}
        declared = self._declared_knobs()
        for model in self.models():
            if self.size_follows_n(model):
                continue
            arch = architecture(model)
            knobs = set(SIZE_KNOBS.get(arch, ())) | declared.get(model, set())
            fixed = {k: v for k, v in spec_kwargs(model).items() if k not in knobs}
            key = (arch, repr(sorted(fixed.items(), key=lambda kv: kv[0])))
            groups.setdefault(key, []).append(model)
            fixed_of[key] = fixed
        out: dict[str, tuple[str, ...]] = {}
        arch_count: dict[str, int] = {}
        for arch, _ in groups:
            arch_count[arch] = arch_count.get(arch, 0) + 1
        for key, models in groups.items():
            params = {m: self.params_of(m) for m in models}
            known = [m for m in models if math.isfinite(params[m])]
            if len({params[m] for m in known}) < 2:
                continue
            arch = key[0]
            label = arch
            if arch_count[arch] > 1 and fixed_of[key]:
                label = arch + "(" + ", ".join(f"{k}={v!r}" for k, v in
                                               sorted(fixed_of[key].items())) + ")"
            out[label] = tuple(sorted(known, key=lambda m: params[m]))
        return out

    def _declared_knobs(self) -> dict[str, set[str]]:
        """Model → the parameters a declared sweep set (from the ``sweep`` column)."""
        if "sweep" not in self.table.columns:
            return {}
        out: dict[str, set[str]] = {}
        for model, text in zip(self.table["model"].astype(str), self.table["sweep"],
                               strict=True):
            if isinstance(text, str) and text:
                try:
                    values = json.loads(text)
                except ValueError:
                    continue
                if isinstance(values, dict):
                    out.setdefault(model, set()).update(str(k) for k in values)
        return out

    def __repr__(self) -> str:
        what = f"{self.dataset_name or 'dataset'} {self.dataset}".strip()
        return (f"Results({what}, {len(self.table)} finished trials, {len(self.failed)} "
                f"failed, {len(self.models())} models, metric {self.metric.name})")


def read_results(source: Any, *, metric: str | None = None, dataset: str | None = None,
                 name: str = "results") -> pd.DataFrame:
    """The finished trials of a store, results file or table as a DataFrame (see
    `Results.from_source`): contract columns first, scores higher-is-better."""
    return Results.from_source(source, dataset=dataset, metric=metric,
                               name=name).to_frame()


# -- reading ---------------------------------------------------------------------------------
def _read_store(store: Store) -> tuple[pd.DataFrame, dict[str, dict[str, Any]]]:
    frame = store.results(include_failed=True)
    known = store.datasets()
    info = {str(fp): _summary(summary) for fp, summary in
            zip(known["fingerprint"], known["summary"], strict=True)}
    return frame, info


def _summary(summary: Any) -> dict[str, Any]:
    """A dataset's recorded summary, keeping only the values the views can read: the
    class names (a list) and their counts (finite, non-negative, one per class); a
    damaged summary loses them, it does not stop the reading."""
    if not isinstance(summary, Mapping):
        return {}
    out = dict(summary)
    classes = out.get("classes")
    if classes is not None and not isinstance(classes, list):
        out.pop("classes")
    counts = out.get("class_counts")
    if counts is not None:
        try:
            values = np.asarray(counts, dtype=np.float64)
            usable = (values.ndim == 1 and bool(np.isfinite(values).all())
                      and bool((values >= 0).all()))
        except (TypeError, ValueError):
            usable = False
        if not usable:
            out.pop("class_counts")
    return out


def _one_line(exc: BaseException) -> str:
    """The exception's type and message on one line."""
    message = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


def _flat(text: str) -> str:
    """`text` with control characters (line breaks above all) escaped: values of a file
    quoted in a message keep it on one line."""
    return re.sub(r"[\x00-\x1f\x7f]", lambda m: repr(m.group())[1:-1], text)


def _shown(values: Iterable[Any]) -> str:
    """A few values of a column for a message: text quoted, on one line."""
    return _flat(describe(repr(v) if isinstance(v, str | bytes) else v for v in values))


def _read_path(path: Path, name: str) -> tuple[pd.DataFrame, dict[str, dict[str, Any]]]:
    if not path.exists():
        raise InputError(name, "an existing store or results file", f"'{path}' (no such file)")
    if path.is_dir():
        raise InputError(name, "a store or results file", f"'{path}' (a directory)")
    if is_sqlite(path):
        try:
            with Store(path, readonly=True) as st:
                return _read_store(st)
        except InputError as exc:
            raise InputError(name, exc.expected, exc.got) from None
        except Exception as exc:
            # A store whose rows SQLite or the reader cannot read (cut short, rewritten
            # by hand or by another program): a property of the file. Another process
            # holding the store is not, and is left to say so.
            if isinstance(exc, sqlite3.OperationalError) and (
                    "locked" in str(exc).lower() or "busy" in str(exc).lower()):
                raise
            raise InputError(name, "a readable datacurve store",
                             f"'{path}' ({_one_line(exc)})") from None
    suffixes = [s.lower() for s in path.suffixes]
    try:
        if suffixes and suffixes[-1] in (".parquet", ".pq"):
            frame = pd.read_parquet(path)
        elif ".csv" in suffixes[-2:]:
            frame = pd.read_csv(path)
        else:
            raise InputError(name, "a datacurve store (.sqlite), .csv or .parquet results",
                             f"'{path}'")
    except InputError:
        raise
    except Exception as exc:
        raise InputError(name, "a readable results table",
                         f"'{path}' ({_one_line(exc)})") from None
    return frame, {}


# -- validation ------------------------------------------------------------------------------
def _validated(frame: Any, *, dataset: str | None, metric: str | None, label: str,
               info: dict[str, dict[str, Any]], name: str) -> Results:
    if not isinstance(frame, pd.DataFrame):
        raise InputError(name, _SOURCE_EXPECTED, type(frame).__name__)
    if frame.empty:
        raise InputError(name, "at least one finished trial", f"none in {label}")
    if not frame.columns.is_unique:
        dup = frame.columns[frame.columns.duplicated()].unique()
        raise InputError(name, f"unique column names in {label}",
                         f"duplicated: {_shown(str(c) for c in dup)}")
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise InputError(name, f"a results table with columns {', '.join(RESULT_COLUMNS)}",
                         f"columns {_shown(str(c) for c in frame.columns)} in {label} "
                         f"(missing {', '.join(missing)})")
    frame = _decoded(frame.reset_index(drop=True))
    frame = _one_dataset(frame, dataset, label)
    frame, dropped = _one_design(frame)
    fingerprint = (str(frame["dataset"].iloc[0]) if "dataset" in frame.columns and len(frame)
                   else "")
    ds_name = (str(frame["dataset_name"].iloc[0]) if "dataset_name" in frame.columns
               and len(frame) else "")
    task = (str(frame["task"].iloc[0]) if "task" in frame.columns and len(frame)
            and pd.notna(frame["task"].iloc[0]) else None)
    if task not in (None, "classification", "regression"):
        raise InputError(name, f"'classification' or 'regression' in column 'task' of "
                         f"{label}", _flat(repr(task)))
    ok = (frame["status"].astype(str).to_numpy() == "ok" if "status" in frame.columns
          else np.ones(len(frame), dtype=bool))
    frame, m = _one_metric(frame, ok, metric, task, label=label, name=name)

    given = frozenset(c for c in RESULT_COLUMNS if c in frame.columns)
    out = frame.copy()
    n = pd.to_numeric(out["n"], errors="coerce").to_numpy(np.float64)
    bad = ~(np.isfinite(n) & (n > 0))
    if bad.any():
        raw = frame["n"].to_numpy()[bad]
        raise InputError(name, f"positive finite training-set sizes in column 'n' of "
                         f"{label}", f"{_shown(raw)} in {int(bad.sum())} row(s)")
    out["n"] = n.astype(np.int64) if np.all((n == np.round(n)) & (n < 2.0**63)) else n
    unnamed = (out["model"].isna() | (out["model"].astype(str).str.strip() == "")).to_numpy(
        dtype=bool)
    if unnamed.any():
        rows = ", ".join(str(i + 1) for i in out.index.to_numpy()[unnamed][:5])
        raise InputError(name, f"a model name in every row of column 'model' of {label}",
                         f"{int(unnamed.sum())} row(s) without one (rows {rows}; row 1 is "
                         "the first data row)")
    out["model"] = out["model"].astype(str)
    # A score that is text is a broken file (an empty or NaN score is a trial without
    # one, left out below with a note).
    scores = out["val_score"]
    number = pd.to_numeric(scores, errors="coerce")
    spelled = scores.astype(str).str.strip().str.lower().isin(_MISSING_SPELLINGS)
    text = (ok & scores.notna().to_numpy(dtype=bool) & number.isna().to_numpy(dtype=bool)
            & ~spelled.to_numpy(dtype=bool))
    if text.any():
        rows = ", ".join(str(i + 1) for i in out.index.to_numpy()[text][:5])
        raise InputError(name, f"numbers in column 'val_score' of {label}",
                         f"{_shown(scores.to_numpy()[text])} in {int(text.sum())} row(s) "
                         f"(rows {rows}; row 1 is the first data row)")
    for col, fill in (("params", np.nan), ("seed", 0.0), ("train_score", np.nan),
                      ("val_score", np.nan)):
        out[col] = (pd.to_numeric(out[col], errors="coerce").astype(np.float64)
                    if col in out.columns else fill)
    if "fit_time" in out.columns:  # the views read seconds: anything else is unknown
        seconds = pd.to_numeric(out["fit_time"], errors="coerce").astype(np.float64)
        out["fit_time"] = seconds.where(np.isfinite(seconds) & (seconds >= 0))
    notes: list[str] = list(dropped)
    finite = ok & np.isfinite(out["val_score"].to_numpy())
    if (ok & ~finite).any():
        notes.append(f"{int((ok & ~finite).sum())} trial(s) marked ok without a finite "
                     "val_score left out")
    val = m.natural(out["val_score"].to_numpy())[finite]
    outside = (val < m.lower) | (val > m.upper)
    if outside.any():
        raise InputError(name, f"{m.name} val_score values within the metric's range "
                         f"[{m.lower:g}, {m.upper:g}] in {label}", describe(val[outside]))
    # Train scores only inform the analysis: values outside the metric's range (a sloppy
    # table, or one storing them in another orientation) are left out, with a note.
    train = m.natural(out["train_score"].to_numpy(copy=True))  # (not a view: see below)
    wrong = ~np.isnan(train) & ((train < m.lower) | (train > m.upper)) & finite
    if wrong.any():
        out.loc[wrong, "train_score"] = np.nan
        notes.append(f"{int(wrong.sum())} train_score value(s) outside {m.name}'s range "
                     f"[{m.lower:g}, {m.upper:g}] left out ({describe(train[wrong])})")
    order = [*RESULT_COLUMNS, *[c for c in out.columns if c not in RESULT_COLUMNS]]
    out = out[order]
    table = out[finite].reset_index(drop=True)
    failed = out[~ok].reset_index(drop=True)
    if table.empty:
        raise InputError(name, "at least one finished trial", f"none in {label}"
                         + (f" for dataset {dataset!r}" if dataset else ""))
    table["below_chance"] = _below_chance(table, m, info.get(fingerprint, {}))
    # Below chance where the other seeds of that model and size are not: a trial that did
    # not learn (an outlier). Where most of them are, that is what the model does there.
    share = table.groupby(["model", "n"])["below_chance"].transform("mean")
    table["outlier"] = table["below_chance"] & (share < 0.5)
    if table["outlier"].any():
        bad = table[table["outlier"]]
        folds = ("eval_fold" in bad.columns
                 and table["eval_fold"].nunique(dropna=True) > 1)

        def where(r: Any) -> str:
            fold = getattr(r, "eval_fold", None) if folds else None
            return (f"{r.model} n={int(r.n)} seed {r.seed:g}"
                    + (f" fold {int(fold)}" if fold is not None and not pd.isna(fold)
                       else ""))

        shown = "; ".join(f"{where(r)} ({float(m.natural(r.val_score)):.3g})"
                          for r in bad.head(4).itertuples())
        notes.append(f"{len(bad)} trial(s) scored below chance where the other seeds at "
                     f"that size did not, as if untrained: {shown}"
                     + (" …" if len(bad) > 4 else "") + "; the curve fits leave them out")
    return Results(table=table, failed=failed, metric=m, source=label, dataset=fingerprint,
                   dataset_name=ds_name, task=task, info=info.get(fingerprint, {}),
                   given=given, notes=tuple(notes), name=name)


def _decoded(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with bytes (SQLite BLOBs, Parquet binary columns) read as UTF-8 text,
    undecodable bytes escaped: the checks compare text."""
    columns = [c for c in frame.columns if frame[c].dtype == object
               and any(isinstance(v, bytes | bytearray) for v in frame[c])]
    if not columns:
        return frame
    out = frame.copy()
    for c in columns:
        out[c] = out[c].map(lambda v: v.decode("utf-8", "backslashreplace")
                            if isinstance(v, bytes | bytearray) else v)
    return out


def _one_dataset(frame: pd.DataFrame, dataset: str | None, label: str) -> pd.DataFrame:
    """The rows of one dataset: `dataset` (fingerprint or name), or the only one."""
    if "dataset" not in frame.columns:
        return frame
    fps = frame["dataset"].astype(str)
    names = (frame["dataset_name"].astype(str) if "dataset_name" in frame.columns
             else fps)
    pairs = dict(zip(fps, names, strict=True))
    choices = _flat(describe(f"{nm} ({fp})" if nm and nm != fp else fp
                             for fp, nm in pairs.items()))
    if dataset is not None:
        keep = ((fps == str(dataset)) | (names == str(dataset))).to_numpy()
        if not keep.any():
            raise InputError("dataset", f"one of {choices} (the datasets of {label})",
                             repr(dataset) + did_you_mean(dataset, [*pairs, *pairs.values()]))
        return frame[keep]
    if len(pairs) > 1:
        raise InputError("dataset", f"one of {choices} (the source holds {len(pairs)} "
                         f"datasets: {label})", "none")
    return frame


def _one_design(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Each model's trials of one run design: when a store holds trials of one model name
    measured under another evaluation design (other folds, another hold-out) or trained
    another way (another training rule or setting), they are not one curve; the latest
    run's trials are kept and a note says how many others were left out."""
    if not {"design", "identity", "used_at"} <= set(frame.columns):
        return frame, []
    run = frame["design"].astype(str) + "|" + frame["identity"].astype(str)
    keep = np.ones(len(frame), dtype=bool)
    notes = []
    for model, rows in frame.groupby("model", sort=False).groups.items():
        runs = run.loc[rows]
        if runs.nunique() < 2:
            continue
        # When each was last used (seconds); unreadable times count as the oldest.
        used = pd.to_numeric(frame.loc[rows, "used_at"], errors="coerce").fillna(-np.inf)
        latest = runs.loc[used.idxmax()]
        older = rows[(runs != latest).to_numpy()]
        keep[frame.index.get_indexer(older)] = False
        notes.append(f"{len(older)} older trial(s) of {model} from a run with another "
                     "evaluation design or training left out (the latest run's are used)")
    return frame[keep], notes


def _one_metric(frame: pd.DataFrame, ok: np.ndarray, metric: str | None,
                task: str | None, *, label: str,
                name: str) -> tuple[pd.DataFrame, Metric]:
    """The table with ``train_score`` / ``val_score`` in one metric, and that metric."""
    if metric is not None and not isinstance(metric, str):
        raise InputError("metric", "a metric name", repr(metric))
    in_table: list[str] = []
    if "metric" in frame.columns:
        in_table = sorted({str(v) for v in frame.loc[ok, "metric"] if pd.notna(v)})
    if metric is None and len(in_table) > 1:
        raise InputError("metric", f"a metric name when {label} mixes metrics",
                         f"none (it has {_shown(in_table)})")
    chosen = metric or (in_table[0] if in_table else
                        default_metric(task) if task else "accuracy")
    try:
        m = get_metric(chosen, task)
    except InputError as exc:
        if metric is not None:  # the caller's choice
            raise
        # The file's own metric: unknown, or not one of its task's.
        raise InputError(name, f"a metric in column 'metric' of {label} that datacurve "
                         f"knows ({exc.expected})", _flat(repr(chosen))) from None
    if not in_table or in_table == [chosen]:
        out = frame if in_table else frame.assign(metric=chosen)
        return out, m
    col = f"val_{chosen}"
    if col not in frame.columns:
        raise InputError("metric", f"the metric of {label} ({_shown(in_table)}) or one with "
                         f"a '{col}' column", repr(chosen))
    out = frame.copy()
    out["val_score"] = m.orient(pd.to_numeric(out[col], errors="coerce")
                                .to_numpy(np.float64))
    tcol = f"train_{chosen}"
    out["train_score"] = (m.orient(pd.to_numeric(out[tcol], errors="coerce")
                                   .to_numpy(np.float64)) if tcol in out.columns else np.nan)
    out["metric"] = chosen
    return out, m


def _below_chance(table: pd.DataFrame, m: Metric, info: Mapping[str, Any]) -> np.ndarray:
    """(t,) bool: trials whose evaluation score is worse than guessing by more than the
    evaluation set's own noise (two binomial standard errors on its rows): a trained
    model that does that did not learn (e.g. early stopping on a tiny slice).

    Chance is guessing from the class shares (accuracy Σ p², error 1 − Σ p², log-loss
    the shares' entropy), one over the classes for balanced accuracy, 0.5 for ROC-AUC,
    0 for R² (predicting the mean). Other metrics have no chance level here."""
    out = np.zeros(len(table), dtype=bool)
    counts = np.asarray(info.get("class_counts") or [], dtype=np.float64)
    k = counts.size
    if not k and "n_classes" in table.columns:
        # The classes the trials recorded: a count from 2 up, else unknown.
        top = float(pd.to_numeric(table["n_classes"], errors="coerce").max())
        k = int(top) if math.isfinite(top) and 2 <= top <= 1e6 else 0
    shares = counts / counts.sum() if counts.size and counts.sum() > 0 else (
        np.full(k, 1.0 / k) if k >= 2 else None)
    if m.name in ("accuracy", "error") and shares is not None:
        chance = float(shares @ shares)
        acc = m.natural(table["val_score"].to_numpy(np.float64))
        acc = acc if m.name == "accuracy" else 1.0 - acc
        rows = (pd.to_numeric(table["n_eval"], errors="coerce").to_numpy(np.float64)
                if "n_eval" in table.columns else np.full(len(table), np.nan))
        se = np.sqrt(chance * (1 - chance) / np.where(rows >= 1, rows, np.nan))
        out = acc < chance - 2.0 * np.nan_to_num(se, nan=0.0)
    elif m.name == "balanced_accuracy" and shares is not None:
        out = m.natural(table["val_score"].to_numpy(np.float64)) < 1.0 / shares.size - 0.05
    elif m.name == "roc_auc":
        out = table["val_score"].to_numpy(np.float64) < 0.45
    elif m.name == "log_loss" and shares is not None:
        entropy = float(-(shares[shares > 0] @ np.log(shares[shares > 0])))
        out = m.natural(table["val_score"].to_numpy(np.float64)) > 1.5 * entropy
    elif m.name == "r2":
        out = table["val_score"].to_numpy(np.float64) < -0.1
    return np.asarray(out, dtype=bool)
