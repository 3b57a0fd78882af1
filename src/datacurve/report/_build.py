"""One self-contained HTML report of a store (or results table), with its audit.

`build_report` calls the other rooms (fit, diagnose, plan, scaling law, audit) and
renders what they return; `write_report` writes it as ``DIR/index.html``. The page has
inline CSS and inline SVG only: no script, no font, no image is fetched from anywhere.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from datacurve._errors import DatacurveError, InputError, describe
from datacurve._version import __version__
from datacurve.models import architecture
from datacurve.report._html import (
    CSS,
    audit_block,
    curve_table,
    diagnosis_block,
    esc,
    fmt,
    lineage_block,
    plan_table,
    table,
)
from datacurve.report._plots import (
    LearningCurveDisplay,
    ModelSizeDisplay,
    color_of,
    figure_svg,
    new_figure,
)

if TYPE_CHECKING:
    from datacurve.auditing import AuditReport
    from datacurve.data import Dataset
    from datacurve.diagnosis import Diagnosis
    from datacurve.fit import Allocation, ComputeModel, DataPlan, LearningCurve, ScalingLaw

__all__ = ["GENERATOR", "MARKER", "build_report", "check_out_dir", "is_report",
           "write_report"]

GENERATOR = "datacurve"
MARKER = f'<meta name="generator" content="{GENERATOR}">'
"""What marks an ``index.html`` as a datacurve report (only those are ever replaced)."""

_AUDIT_VALUE_OPTIONS = {"--label", "--group", "--split", "--text-column", "--checks",
                        "--worst", "--out", "--model", "-m", "--seeds", "--store", "--jobs",
                        "-j", "--seed"}
_AUDIT_DATA_OPTIONS = {"--label": "label", "--group": "group", "--split": "split",
                       "--text-column": "text_column"}


# -- the output directory ---------------------------------------------------------------------
def is_report(path: str | Path) -> bool:
    """Whether `path` (a directory or its ``index.html``) holds a datacurve report."""
    p = Path(path)
    index = p / "index.html" if p.is_dir() else p
    if not index.is_file():
        return False
    with index.open("rb") as fh:
        head = fh.read(4096).decode("utf-8", errors="replace")
    return MARKER in head


def check_out_dir(out: str | Path, *, force: bool = False) -> Path:
    """Check that the report may be written to `out`, before any work is done.

    A new or empty directory is fine; one holding a previous datacurve report is
    replaced only with `force`; anything else is never touched.

    Raises
    ------
    InputError
        Naming ``--out``.
    """
    p = Path(out)
    if p.exists() and not p.is_dir():
        raise InputError("--out", "a directory for the report", f"'{p}' (a file)")
    if p.is_dir():
        if is_report(p):
            if not force:
                raise InputError("--out", "a new directory, or --force to replace the "
                                 "datacurve report it holds", f"'{p}' (a previous report)")
        elif any(p.iterdir()):
            raise InputError("--out", "a new or empty directory, or one holding a previous "
                             "datacurve report", f"'{p}' (holds other files; never "
                             "overwritten)")
    return p


def write_report(page: str, out: str | Path, *, force: bool = False) -> Path:
    """Write `page` as ``out/index.html`` (see `check_out_dir`).

    Returns
    -------
    Path
        The ``index.html`` written.
    """
    p = check_out_dir(out, force=force)
    p.mkdir(parents=True, exist_ok=True)
    index = p / "index.html"
    tmp = p / ".index.html.partial"
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(index)
    return index


# -- gathering ---------------------------------------------------------------------------------
@dataclass
class _Source:
    table: pd.DataFrame
    failed: pd.DataFrame
    label: str
    info: dict[str, Any] = field(default_factory=dict)


def _read_source(source: str | Path | pd.DataFrame | None, dataset: str | None,
                 metric: str | None) -> _Source:
    from datacurve.curves import DEFAULT_STORE, Store, read_results, select_metric
    from datacurve.curves._store import SQLITE_MAGIC

    if isinstance(source, pd.DataFrame):
        table = source
        if dataset is not None and "dataset" in table.columns:
            table = table[(table["dataset"] == dataset)
                          | (table.get("dataset_name") == dataset)]
        if metric is not None:
            table = select_metric(table, metric)
        status = table["status"].astype(str) if "status" in table.columns else None
        failed = table[status != "ok"] if status is not None else table.iloc[:0]
        ok = table[status == "ok"] if status is not None else table
        if "val_score" not in ok.columns or ok["val_score"].notna().sum() == 0:
            raise InputError("SOURCE", "finished trials", "a table holding none")
        return _Source(ok[ok["val_score"].notna()].reset_index(drop=True),
                       failed.reset_index(drop=True), "a DataFrame")
    path = Path(DEFAULT_STORE if source is None else source)
    table = read_results(path, metric=metric, dataset=dataset, name="SOURCE")
    failed = table.iloc[:0]
    info: dict[str, Any] = {}
    with path.open("rb") as fh:
        is_store = fh.read(16) == SQLITE_MAGIC
    if is_store:
        with Store(path, readonly=True) as st:
            every = st.results(metric=metric, dataset=dataset, include_failed=True)
            known = st.datasets()
        failed = every[every["status"] != "ok"].reset_index(drop=True)
        fps = set(table["dataset"].astype(str))
        for rec in known.to_dict("records"):
            if str(rec["fingerprint"]) in fps:
                info[str(rec["fingerprint"])] = dict(rec["summary"])
    return _Source(table, failed, str(path), info)


def _one_dataset(src: _Source) -> tuple[str, str]:
    """The dataset's name and fingerprint; several datasets need ``--dataset``."""
    t = src.table
    if "dataset" not in t.columns:
        return "results", ""
    fps = list(dict.fromkeys(t["dataset"].astype(str)))
    names = (list(dict.fromkeys(t["dataset_name"].astype(str)))
             if "dataset_name" in t.columns else fps)
    if len(fps) > 1:
        raise InputError("--dataset", f"one of {describe(names)} (the source holds "
                         f"{len(fps)} datasets)", "none")
    name = names[0] if names and names[0] else fps[0]
    return name, fps[0]


def _check_target(target: float | None, metric: str, task: str | None) -> None:
    if target is None:
        return
    from datacurve.curves import get_metric

    m = get_metric(metric, task)
    if not (math.isfinite(float(target)) and m.lower <= float(target) <= m.upper):
        raise InputError("--target", f"a score within the range of {metric}, "
                         f"[{m.lower:g}, {m.upper:g}]",
                         repr(target))


@dataclass
class _Law:
    architecture: str
    models: list[str]
    law: ScalingLaw | None = None
    compute: ComputeModel | None = None
    allocation: Allocation | None = None
    budget: float | None = None
    notes: list[str] = field(default_factory=list)


def _laws(table: pd.DataFrame, metric: str | None,
          compute_budget: float | None) -> list[_Law]:
    """The joint law of every architecture measured at 2+ model sizes, and its
    compute-optimal point for `compute_budget` seconds (default: the longest measured
    training run of the architecture at its largest size)."""
    from datacurve.fit import compute_optimal, fit_compute_model, fit_scaling_law

    out = []
    kind = table["model"].astype(str).map(architecture)
    for arch in dict.fromkeys(kind):
        part = table[kind == arch]
        if part["params"].nunique() < 2:
            continue
        entry = _Law(arch, list(dict.fromkeys(part["model"].astype(str))))
        try:
            entry.law = fit_scaling_law(part, metric=metric)
        except InputError as exc:
            entry.notes.append(f"no joint law: {exc}")
            out.append(entry)
            continue
        if part["params"].nunique() < 3:
            entry.notes.append("only 2 model sizes: the model-size exponent is barely "
                               "identified; measure a third size before trusting the "
                               "model-size choice")
        try:
            entry.compute = fit_compute_model(part)
            budget = compute_budget
            if budget is None:
                last = part[part["n"] == part["n"].max()]
                times = pd.to_numeric(last["fit_time"], errors="coerce")
                budget = float(times.groupby(last["model"]).median().max())
            entry.budget = budget
            entry.allocation = compute_optimal(entry.law, entry.compute, budget)
        except InputError as exc:
            entry.notes.append(f"no compute-optimal point: {exc}")
        out.append(entry)
    return out


def _audited_dataset(report: AuditReport, report_path: Path | None
                     ) -> tuple[Dataset | None, Path | None, str | None]:
    """The dataset an audit ran on, re-read from the command recorded in the report
    when it is still there and unchanged (same fingerprint). Returns the dataset, the
    data path (when a file) and a note when it could not be recovered."""
    from datacurve.data import is_builtin, load_data

    command = str(report.meta.get("command") or "")
    try:
        words = shlex.split(command)
    except ValueError:
        return None, None, "the audit's command could not be read"
    if "audit" not in words:
        return None, None, None
    args = words[words.index("audit") + 1:]
    data: str | None = None
    kw: dict[str, str] = {}
    i = 0
    while i < len(args):
        word = args[i]
        key, eq, value = word.partition("=")
        if word.startswith("-") and eq and key in _AUDIT_VALUE_OPTIONS:
            if key in _AUDIT_DATA_OPTIONS:
                kw[_AUDIT_DATA_OPTIONS[key]] = value
        elif word in _AUDIT_VALUE_OPTIONS and i + 1 < len(args):
            if word in _AUDIT_DATA_OPTIONS:
                kw[_AUDIT_DATA_OPTIONS[word]] = args[i + 1]
            i += 1
        elif not word.startswith("-") and data is None:
            data = word
        i += 1
    if data is None:
        return None, None, None
    path: Path | None = None
    if not is_builtin(data):
        candidates = [Path(data)]
        if report_path is not None:
            candidates.append(report_path.parent / data)
        path = next((c for c in candidates if c.exists()), None)
        if path is None:
            return None, None, (f"the audited data '{data}' is not at hand; examples are "
                                "shown by index only")
    try:
        ds = load_data(str(path) if path is not None else data, **kw)
    except (DatacurveError, OSError) as exc:
        return None, path, f"the audited data could not be read again ({exc})"
    if ds.fingerprint != report.fingerprint:
        return None, path, (f"the audited data '{data}' changed since the audit (fingerprint "
                            f"{ds.fingerprint}, audited {report.fingerprint}); examples "
                            "are shown by index only")
    return ds, path, None


def _lineage(data_path: Path | None, ds: Dataset | None,
             extra: list[str | Path] | None) -> list[dict[str, Any]]:
    """Lineage entries of cleaned versions: the dataset's own, those written beside the
    audited file (``<file>.lineage.json`` of the file itself and of its cleaned
    version) and any lineage files given."""
    from datacurve.auditing import clean_path

    files: list[Path] = [Path(p) for p in (extra or [])]
    if data_path is not None:
        files.append(data_path.with_name(data_path.name + ".lineage.json"))
        cleaned = clean_path(data_path)
        files.append(cleaned.with_name(cleaned.name + ".lineage.json"))
    entries: list[dict[str, Any]] = list(ds.metadata.get("lineage", [])) if ds else []
    for f in files:
        if not f.is_file():
            continue
        try:
            doc = json.loads(f.read_text())
        except (OSError, ValueError):
            continue
        for e in doc.get("lineage", []) if isinstance(doc, dict) else []:
            if isinstance(e, dict):
                entries.append({**e, "file": e.get("file") or doc.get("written", "")})
    seen: set[tuple[str, str]] = set()
    out = []
    for e in entries:
        key = (str(e.get("parent", "")), str(e.get("fingerprint", "")))
        if key not in seen:
            seen.add(key)
            out.append(e)
    return out


# -- the page -------------------------------------------------------------------------------
def _figure(display: Any, prefix: str, width: float = 6.4, height: float = 4.0,
            **kw: Any) -> str:
    fig = new_figure(width, height)
    display.plot(fig.add_subplot(), **kw)
    return figure_svg(fig, prefix=prefix)


def _overview(displays: dict[str, LearningCurveDisplay]) -> str:
    fig = new_figure(8.0, 4.2)
    ax = fig.add_subplot()
    items = list(displays.items())
    for i, (name, d) in enumerate(items):
        d.plot(ax, color=color_of(i), label=name, show_train=False, show_seeds=False,
               show_target=i == len(items) - 1)
    handles, labels = ax.get_legend_handles_labels()
    keep = [(h, lab) for h, lab in zip(handles, labels, strict=True)
            if not lab.endswith("interval")]
    ax.legend([h for h, _ in keep], [lab for _, lab in keep], fontsize=7, loc="lower right")
    ax.set_title("evaluation score and fitted curves (shaded: 80% interval)")
    return figure_svg(fig, prefix="overview")


def _grid_table(table_all: pd.DataFrame) -> str:
    """Models × sizes: the mean evaluation score of each measured cell."""
    from datacurve.curves import summarize

    s = summarize(table_all)
    if s.empty:
        return ""
    sizes = sorted(int(n) for n in s["n"].unique())
    models = s.groupby("model")["params"].max().sort_values()
    rows = []
    for model, params in models.items():
        part = s[s["model"] == model].set_index("n")
        cells = []
        for n in sizes:
            if n not in part.index:
                cells.append("")
                continue
            r: dict[Any, Any] = part.loc[n].to_dict()
            bad = int(r["failed"]) if pd.notna(r["failed"]) else 0
            val = fmt(r["val_mean"], 3)
            cells.append(val + (f' <span class="dc-warn" title="failed trials">✕{bad}'
                                "</span>" if bad else ""))
        rows.append([esc(model), fmt(params, size=True), *cells])
    return table(["model", "params", *[f"{n:,}" for n in sizes]], rows,
                 numeric=[False, True, *[True] * len(sizes)])


def _header(name: str, fingerprint: str, rows: list[tuple[str, str]]) -> str:
    items = "".join(f"<dt>{esc(k)}</dt><dd>{v}</dd>" for k, v in rows)
    return (f'<header class="dc-head"><h1>datacurve report · {esc(name)}</h1>'
            f"<dl>{items}</dl></header>")


def build_report(source: str | Path | pd.DataFrame | None = None, *,
                 audit: str | Path | AuditReport | None = None,
                 target: float | None = None, dataset: str | None = None,
                 metric: str | None = None, cost_per_sample: float | None = None,
                 compute_budget: float | None = None, level: float = 0.8,
                 audit_data: Dataset | None = None,
                 lineage: list[str | Path] | None = None,
                 command: str | None = None, worst: int = 5) -> str:
    """The HTML report of a store or results table, with its audit.

    Parameters
    ----------
    source : path or DataFrame, optional
        A datacurve store, a results file (.csv / .parquet) or a results table (default:
        the default store).
    audit : path or AuditReport, optional
        An audit report (``datacurve audit --out FILE``).
    target : float, optional
        Score to reach, natural units: adds the size to reach it and the plan.
    dataset, metric : str, optional
        Which dataset of the source, and which metric (default: the table's).
    cost_per_sample : float, optional
        Prices the plan's samples.
    compute_budget : float, optional
        Seconds per training run for the compute-optimal point (default: the longest
        measured run of the architecture at its largest size).
    level : float
        Coverage of the intervals.
    audit_data : Dataset, optional
        The audited dataset, to show the worst examples (default: re-read from the
        command recorded in the audit, when it is at hand and unchanged).
    lineage : list of path, optional
        More ``.lineage.json`` files to show.
    command : str, optional
        The command that produced the report, for its header.
    worst : int
        Worst examples shown per audit check.

    Returns
    -------
    str
        The page: self-contained HTML.

    Raises
    ------
    InputError
        A source without finished trials, several datasets without `dataset`, a target
        outside the metric's range, a missing or unreadable audit file.
    """
    from datacurve.auditing import AuditReport, load_report
    from datacurve.diagnosis import diagnose
    from datacurve.fit import fit_curves, plan

    audit_report: AuditReport | None = None
    audit_path: Path | None = None
    if isinstance(audit, AuditReport):
        audit_report = audit
    elif audit is not None:
        audit_path = Path(audit)
        if not audit_path.is_file():
            raise InputError("--audit", "an audit report written by 'datacurve audit --out'",
                             f"'{audit_path}' (no such file)")
        try:
            audit_report = load_report(audit_path)
        except InputError as exc:
            raise InputError("--audit", exc.expected, exc.got) from None
    src = _read_source(source, dataset, metric)
    table_ok = src.table
    name, fingerprint = _one_dataset(src)
    metric_name = metric or (str(table_ok["metric"].iloc[0]) if "metric" in table_ok.columns
                             else "accuracy")
    task = str(table_ok["task"].iloc[0]) if "task" in table_ok.columns else None
    _check_target(target, metric_name, task)

    # audit first: a known label-noise rate informs the diagnosis
    audit_ds = audit_data
    audit_note: str | None = None
    data_path: Path | None = None
    noise_rate: float | None = None
    if audit_report is not None:
        if audit_ds is None:
            audit_ds, data_path, audit_note = _audited_dataset(audit_report, audit_path)
        label_check = audit_report.results.get("label")
        if (label_check is not None and label_check.skipped is None
                and audit_report.fingerprint == fingerprint and audit_report.n):
            noise_rate = min(label_check.n_flagged / audit_report.n, 0.99)

    models = list(dict.fromkeys(table_ok["model"].astype(str)))
    curves: dict[str, LearningCurve] = {}
    displays: dict[str, LearningCurveDisplay] = {}
    diagnoses: dict[str, Diagnosis] = {}
    plans: dict[str, DataPlan] = {}
    problems: dict[str, list[str]] = {m: [] for m in models}
    for m in models:
        try:
            curves[m] = fit_curves(table_ok, metric=metric, models=[m])[m]
            displays[m] = LearningCurveDisplay.from_fit(
                curves[m], table_ok, model=m, metric=metric_name, target=target, level=level)
        except InputError as exc:
            problems[m].append(f"no fitted curve: {exc}")
        try:
            diagnoses[m] = diagnose(table_ok, m, target=target, metric=metric,
                                    noise_rate=noise_rate)
        except InputError as exc:
            problems[m].append(f"no diagnosis: {exc}")
        if target is not None:
            try:
                plans[m] = plan(table_ok, target=target, model=m, metric=metric,
                                cost_per_sample=cost_per_sample, level=level)
            except InputError as exc:
                problems[m].append(f"no plan: {exc}")
    laws = _laws(table_ok, metric, compute_budget)

    # -- header
    info = src.info.get(fingerprint, {})
    classes = info.get("classes") or []
    n_failed = len(src.failed)
    created = _dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z").strip()
    head_rows = [
        ("dataset", esc(name)),
        ("fingerprint", f"<code>{esc(fingerprint or '–')}</code>"),
        ("task", esc(info.get("task") or task or "–")
         + (f" · {len(classes)} classes" if classes else "")
         + (f" · {int(info['n']):,} examples" if info.get("n") else "")),
        ("source", esc(src.label)),
        ("trials", f"{len(table_ok):,} finished"
         + (f', <span class="dc-warn">{n_failed:,} failed</span>' if n_failed else "")
         + f" · {len(models)} model{'s' if len(models) != 1 else ''} · metric "
           f"{esc(metric_name)}"),
        ("datacurve", esc(__version__)),
        ("date", esc(created)),
        ("command", f"<code>{esc(command or 'datacurve.report.build_report (Python)')}"
                    "</code>"),
    ]
    if target is not None:
        head_rows.insert(5, ("target", f"{esc(metric_name)} {target:g}"))
    if audit_report is not None:
        head_rows.insert(5, ("audit", esc(audit_path if audit_path is not None
                                          else audit_report.name)))

    sections: list[tuple[str, str, str]] = []

    # -- learning curves
    body = ['<p class="dc-lead">Evaluation score per training-set size (points: mean over '
            "seeds, bars: seed range), training score beside it (dashed), the fitted curve "
            f"with its {level:.0%} interval extrapolated "
            + ("to the target" if target is not None else "to 10× the largest size")
            + " (dotted vertical line: the largest measured size).</p>"]
    if displays:
        body.append(f"<figure>{_overview(displays)}</figure>")
        body.append(curve_table(curves, target=target, level=level))
        cards = []
        for i, (m, d) in enumerate(displays.items()):
            svg = _figure(d, f"lc{i}", 5.0, 3.3, color=color_of(i))
            cap = esc(m)
            if target is not None and d.target_size is not None:
                cap += (f" · reaches {target:g} at n ≈ {fmt(d.target_size, size=True)}"
                        if math.isfinite(d.target_size) else
                        f" · does not reach {target:g} (levels off at "
                        f"{fmt(curves[m].asymptote)})")
            extra = "".join(f'<p class="dc-note">note: {esc(n)}</p>' for n in curves[m].notes)
            cards.append(f'<div class="dc-card"><figure>{svg}<figcaption>{cap}</figcaption>'
                         f"</figure>{extra}</div>")
        body.append(f'<div class="dc-grid">{"".join(cards)}</div>')
    for m, msgs in problems.items():
        body += [f'<p class="dc-note dc-warn">{esc(m)}: {esc(x)}</p>' for x in msgs
                 if x.startswith("no fitted curve")]
    sections.append(("curves", "Learning curves", "".join(body)))

    # -- model size vs data size
    body = ['<p class="dc-lead">Every measured (model, training-set size), coloured by the '
            "mean evaluation score; with 2+ sizes of one architecture, the joint law "
            "err = E + A/P<sup>α</sup> + B/n<sup>β</sup> draws iso-quality lines and the "
            "compute-optimal split of one training run's budget.</p>"]
    every = pd.concat([table_ok, src.failed], ignore_index=True) if len(src.failed) \
        else table_ok
    main_law = max((x for x in laws if x.law is not None),
                   key=lambda x: (len(x.models), len(x.architecture)), default=None)
    display = ModelSizeDisplay.from_results(
        every, law=main_law.law if main_law else None,
        allocation=main_law.allocation if main_law else None,
        architecture=main_law.architecture if main_law else None)
    body.append(f"<figure>{_figure(display, 'size', 8.6, 4.8)}</figure>")
    body.append(_grid_table(every))
    if not laws:
        body.append('<p class="dc-note">No joint law: it needs results of at least 2 model '
                    "sizes of one architecture (e.g. cnn:width=4 and cnn:width=32).</p>")
    for x in laws:
        body.append(f"<h3>{esc(x.architecture)}: {', '.join(esc(m) for m in x.models)}</h3>")
        if x.law is not None:
            law = x.law
            body.append(table(["E", "A", "α (model size)", "B", "β (data)", "points",
                               "residual sd"],
                              [[fmt(law.E), fmt(law.A), fmt(law.alpha, 3), fmt(law.B),
                                fmt(law.beta, 3), fmt(law.n_points, size=True),
                                fmt(law.residual_std, 3)]], numeric=[True] * 7))
        if x.allocation is not None:
            a = x.allocation
            lo, hi = a.interval
            why = "the longest measured run" if compute_budget is None else "the budget given"
            body.append(f"<p>Compute-optimal for {fmt(a.budget, 3)} s per training run "
                        f"({why}): "
                        f"a model of <b>{fmt(a.params, size=True)}</b> parameters on "
                        f"<b>{fmt(a.n, size=True)}</b> samples, predicted {esc(a.metric)} "
                        f"<b>{fmt(a.score)}</b> [{fmt(lo)}, {fmt(hi)}], limited by "
                        f"{esc(a.limited_by)}.</p>")
        body += [f'<p class="dc-note">note: {esc(n)}</p>' for n in x.notes]
    sections.append(("size", "Model size vs data size", "".join(body)))

    # -- diagnosis
    body = ['<p class="dc-lead">What holds each model back (avoidable bias, variance, what '
            "each lever is worth in the metric's units) and what to do, ranked.</p>"]
    if noise_rate is not None:
        body.append(f'<p class="dc-note">label-noise rate {noise_rate:.3f} taken from the '
                    "audit's label check.</p>")
    for m in models:
        if m in diagnoses:
            body.append(f'<div class="dc-card">{diagnosis_block(diagnoses[m])}</div>')
        else:
            body += [f'<p class="dc-note dc-warn">{esc(m)}: {esc(x)}</p>'
                     for x in problems[m] if x.startswith("no diagnosis")]
    sections.append(("diagnosis", "Diagnosis and recommendations", "".join(body)))

    # -- plan
    if target is not None:
        body = [f'<p class="dc-lead">Samples to reach {esc(metric_name)} {target:g} per '
                "model (the fitted curve's size, corrected for the bias measured on the "
                "benchmark), what is still to collect and in which rounds (at most 4× the "
                "data in hand per round, re-measuring after each).</p>"]
        if plans:
            body.append(plan_table(plans))
        for p in plans.values():
            body += [f'<p class="dc-note">{esc(p.model)}: {esc(n)}</p>' for n in p.notes]
        for m in models:
            body += [f'<p class="dc-note dc-warn">{esc(m)}: {esc(x)}</p>'
                     for x in problems[m] if x.startswith("no plan")]
        sections.append(("plan", "Plan", "".join(body)))

    # -- audit
    if audit_report is not None:
        body = []
        if audit_report.meta.get("command"):
            body.append(f'<p class="dc-note">audited with <code>'
                        f"{esc(audit_report.meta['command'])}</code></p>")
        body.append(audit_block(audit_report, worst=worst, data=audit_ds))
        if audit_note:
            body.append(f'<p class="dc-note">{esc(audit_note)}</p>')
        entries = _lineage(data_path, audit_ds, lineage)
        body.append("<h3>Lineage of cleaned versions</h3>")
        body.append(lineage_block(entries) if entries else
                    '<p class="dc-note">No cleaned version known (datacurve clean writes '
                    "one beside the data, with a .lineage.json file).</p>")
        sections.append(("audit", "Data audit", "".join(body)))
    elif lineage:
        entries = _lineage(None, None, lineage)
        if entries:
            sections.append(("audit", "Lineage of cleaned versions", lineage_block(entries)))

    # -- failures
    if n_failed:
        f = src.failed
        rows = [[esc(r["model"]), fmt(r["n"], size=True), fmt(r["seed"], size=True),
                 esc(str(r["error"]).splitlines()[0] if r["error"] else "failed")]
                for r in f.head(50).to_dict("records")]
        verb = "trials failed and are" if n_failed != 1 else "trial failed and is"
        body = [f"<p>{n_failed:,} {verb} left out of every fit above.</p>",
                table(["model", "n", "seed", "error"], rows,
                      numeric=[False, True, True, False])]
        if n_failed > 50:
            body.append(f'<p class="dc-note">… and {n_failed - 50:,} more.</p>')
        sections.append(("failures", "Failed trials", "".join(body)))

    nav = "".join(f'<a href="#{sid}">{esc(title)}</a>' for sid, title, _ in sections)
    main = "".join(f'<section id="{sid}"><h2>{esc(title)}</h2>{content}</section>'
                   for sid, title, content in sections)
    foot = (f'<p class="dc-note">Generated by datacurve {esc(__version__)} on '
            f"{esc(created)}. Self-contained: no script, font or image is fetched.</p>")
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f"{MARKER}"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta name="datacurve-version" content="{esc(__version__)}">'
        f"<title>datacurve report · {esc(name)}</title>"
        f"<style>{CSS}</style></head>\n"
        f'<body class="dc">{_header(name, fingerprint, head_rows)}<nav>{nav}</nav>'
        f"<main>{main}{foot}</main></body></html>\n"
    )
