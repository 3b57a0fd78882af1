"""One self-contained HTML report of a store (or results table), with its audit.

`render_report` renders an `Analysis` (`datacurve.analyze`) and computes nothing;
`build_report` is ``render_report(analyze(...))``; `write_report` writes the page as
``DIR/index.html``. The page has inline CSS and inline SVG only: no script, no font, no
image is fetched from anywhere.
"""

from __future__ import annotations

import datetime as _dt
import math
import shlex
from pathlib import Path
from typing import Any

import pandas as pd

from datacurve._errors import InputError
from datacurve._plain import multiplier
from datacurve._version import __version__
from datacurve.analysis import Analysis, analyze
from datacurve.auditing import AuditReport
from datacurve.curves import DEFAULT_STORE
from datacurve.data import Dataset
from datacurve.report._html import (
    CSS,
    _interval,
    audit_block,
    curve_table,
    diagnosis_block,
    esc,
    fmt,
    lineage_block,
    plan_table,
    table,
    versions_block,
)
from datacurve.report._monitor import monitor_block
from datacurve.report._plots import (
    ActiveDisplay,
    LearningCurveDisplay,
    ModelSizeDisplay,
    StrategyDisplay,
    color_of,
    figure_svg,
    new_figure,
)
from datacurve.results import Results

__all__ = ["GENERATOR", "MARKER", "build_report", "check_out_dir", "is_report",
           "render_report", "write_report"]

GENERATOR = "datacurve"
MARKER = f'<meta name="generator" content="{GENERATOR}">'
"""What marks an ``index.html`` as a datacurve report (only those are ever replaced)."""


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
        Naming ``out``.
    """
    p = Path(out)
    if p.exists() and not p.is_dir():
        raise InputError("out", "a directory for the report", f"'{p}' (a file)")
    if p.is_dir():
        if is_report(p):
            if not force:
                raise InputError("out", "a new directory, or force to replace the "
                                 "datacurve report it holds", f"'{p}' (a previous report)")
        elif any(p.iterdir()):
            raise InputError("out", "a new or empty directory, or one holding a previous "
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


def _grid_table(s: pd.DataFrame) -> str:
    """Models × sizes: the mean evaluation score of each measured cell (`s`: a results
    summary, `Results.summary`)."""
    if s.empty:
        return ""
    sizes = sorted(int(n) for n in s["n"].unique())
    known = s[s["params"].notna()]
    # Each model's size at its largest measured n (`Results.params_of`).
    models = (known.sort_values("n").groupby("model")["params"].last()
              .reindex(list(dict.fromkeys(s["model"]))).sort_values())
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


def _active_block(sims: Any) -> str:
    """The active-learning section: per simulation, the curves by strategy and the labels
    each needs to reach the target, with what it saves against random labelling."""
    body = ['<p class="dc-lead">Pool-based active learning simulated on the labelled data '
            "(<code>datacurve active simulate</code>): labels hidden until queried, one "
            "evaluation set, every strategy from the same first batch per seed. Labels to "
            "reach the target (interpolated between rounds), an 80 % bootstrap interval "
            "over seeds, and the labels saved against random labelling.</p>"]
    for i, sim in enumerate(sims):
        body.append(f"<h3>{esc(sim.model)}</h3>")
        body.append(f"<p>Full pool {sim.pool_size:,} labels: accuracy "
                    f"{fmt(sim.full_pool)}; target {fmt(sim.target)}. Best: "
                    f"<b>{esc(sim.best)}</b>.</p>")
        fig = new_figure(7.0, 3.6)
        ActiveDisplay(sim.bands, sim.target, sim.metric).plot(fig)
        body.append(f"<figure>{figure_svg(fig, prefix=f'al{i}')}</figure>")

        def n(x: float) -> str:
            return f"{math.ceil(x):,}" if math.isfinite(x) else "not within the budget"

        def share(x: float, bound: bool) -> str:
            if not math.isfinite(x):
                return "–" if math.isnan(x) else "none (not reached)"
            return ("at least " if bound else "") + f"{x:.0%}"

        rows = []
        for s, r in sim.reach.iterrows():
            base = s == "random"
            rows.append([esc(str(s)), n(r["labels"]),
                         f"{n(r['low'])} – {n(r['high'])}" if math.isfinite(r["labels"])
                         else "–",
                         "–" if base else share(r["saved"], r["saved_is_bound"]),
                         "–" if base or not math.isfinite(r["saved"]) else
                         f"{share(r['saved_low'], False)} – {share(r['saved_high'], False)}",
                         "–" if base or not math.isfinite(r["saved_samples"]) else
                         ("at least " if r["saved_is_bound"] else "")
                         + f"{r['saved_samples']:,.0f}"])
        body.append(table(["strategy", "labels to the target", "80 % interval",
                           "saved vs random", "80 % interval", "labels saved"], rows,
                          numeric=[False] + [True] * 5))
        if sim.curve is not None and math.isfinite(sim.curve.size_for(sim.target)):
            body.append(f'<p class="dc-note">{esc(sim.best)}\'s fitted curve reaches the '
                        f"target at {math.ceil(sim.curve.size_for(sim.target)):,} "
                        "labels.</p>")
        body += [f'<p class="dc-note">note: {esc(x)}</p>' for x in sim.notes]
    return "".join(body)


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
                 command: str | None = None, worst: int = 5,
                 active: str | Path | None = None,
                 monitor: str | Path | None = None) -> str:
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
        The audited dataset, to show the worst examples (default: read again from the
        audit's record of its source, when it is at hand and unchanged).
    lineage : list of path, optional
        More ``.lineage.json`` files to show.
    command : str, optional
        The command that produced the report, for its header.
    worst : int
        Worst examples shown per audit check.
    active : path, optional
        A store of active-learning simulations: those of the same dataset get a section.
    monitor : path, optional
        A datacurve store of monitoring windows (default: the windows of `source` when
        it is a store): they get a section.

    Returns
    -------
    str
        The page: self-contained HTML.

    Raises
    ------
    InputError
        A source without finished trials (naming ``source``), several datasets without
        `dataset`, a target outside the metric's range, a missing or unreadable audit
        file.
    """
    results = Results.from_source(DEFAULT_STORE if source is None else source,
                                  dataset=dataset, metric=metric, name="source")
    analysis = analyze(results, target=target, audit=audit, cost_per_sample=cost_per_sample,
                       compute_budget=compute_budget, level=level, audit_data=audit_data,
                       lineage=lineage or (), active=active,
                       monitor=monitor)
    if not analysis.curves():
        # Nothing to draw a curve through: say why instead of writing an empty report.
        why = [f"{m}: {p}" for m, a in analysis.models.items() for p in a.problems]
        raise InputError("source", "trials from which at least one learning curve can be "
                         "fitted (3 or more training-set sizes)",
                         (why[0] + (f" (and {len(why) - 1} more)" if len(why) > 1 else ""))
                         if why else "none")
    return render_report(analysis, command=command, worst=worst)


def render_report(analysis: Analysis, *, command: str | None = None, worst: int = 5) -> str:
    """The HTML page of an `Analysis`: it renders what the analysis holds and computes
    nothing.

    Parameters
    ----------
    analysis : Analysis
        From `datacurve.analyze` (with curves, diagnoses, sweeps and, with a target,
        plans): every number on the page is one it holds.
    command, worst
        As `build_report`.

    Returns
    -------
    str
        Self-contained HTML: inline CSS and SVG, no script.
    """
    r = analysis.results
    target, level = analysis.target, analysis.level
    metric_name = r.metric.name
    name = r.dataset_name or r.dataset or "results"
    fingerprint = r.dataset
    models = list(analysis.models)
    curves = analysis.curves()
    diagnoses = analysis.diagnoses()
    plans = analysis.plans()
    problems = {m: list(a.problems) for m, a in analysis.models.items()}
    displays = {m: LearningCurveDisplay.from_fit(c, r, model=m, target=target, level=level)
                for m, c in curves.items()}
    audit_report, audit_path = analysis.audit, analysis.audit_path
    # -- header
    info = r.info
    classes = info.get("classes") or []
    n_failed = len(r.failed)
    created = _dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z").strip()
    head_rows = [
        ("dataset", esc(name)),
        ("fingerprint", f"<code>{esc(fingerprint or '–')}</code>"),
        ("task", esc(info.get("task") or r.task or "–")
         + (f" · {len(classes)} classes" if classes else "")
         + (f" · {int(info['n']):,} examples" if info.get("n") else "")),
        ("source", esc(r.source)),
        ("trials", f"{len(r):,} finished"
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
        body += [f'<p class="dc-note">note: {esc(n)}</p>' for n in r.notes]
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
    laws = [x for x in analysis.sweeps.values()]
    main_law = max((x for x in laws if x.law is not None),
                   key=lambda x: (len(x.models), len(x.architecture)), default=None)
    display = ModelSizeDisplay.from_results(
        r, law=main_law.law if main_law else None,
        allocation=main_law.allocation if main_law else None,
        architecture=main_law.architecture if main_law else None)
    if len(display.grid):
        body.append(f"<figure>{_figure(display, 'size', 8.6, 4.8)}</figure>")
    if display.left_out:
        body.append('<p class="dc-note">not on the size axis (their parameter count grows '
                    f"with the training set, so it is no model size): "
                    f"{', '.join(esc(m) for m in display.left_out)}.</p>")
    body.append(_grid_table(r.summary()))
    if not laws:
        body.append('<p class="dc-note">No joint law: it needs a declared model-size sweep '
                    "of at least 2 sizes (e.g. cnn:width=4 and cnn:width=32, or "
                    "--sweep width=16,64).</p>")
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
            why = x.budget_source or "the budget given"
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
    if analysis.noise_rate is not None:
        body.append(f'<p class="dc-note">label-noise rate {analysis.noise_rate:.3f} '
                    f"({esc(analysis.noise_source or 'given')}).</p>")
    body += [f'<p class="dc-note dc-warn">note: {esc(n)}</p>' for n in analysis.notes]
    for m in models:
        if m in diagnoses:
            body.append(f'<div class="dc-card">{diagnosis_block(diagnoses[m])}</div>')
        else:
            body += [f'<p class="dc-note dc-warn">{esc(m)}: {esc(x)}</p>'
                     for x in problems[m] if x.startswith("no diagnosis")]
    sections.append(("diagnosis", "Diagnosis and recommendations", "".join(body)))

    # -- strategies
    if analysis.strategies:
        body = ['<p class="dc-lead">Strategies measured against a baseline on the same '
                "subsets, seeds and evaluation set (<code>datacurve strategies</code>): "
                "each one's effective data multiplier is the raw samples the baseline's "
                "fitted curve needs to reach the strategy's score, per sample used "
                f"({level:.0%} interval; below 1× the strategy hurts).</p>"]
        for i, (base, c) in enumerate(analysis.strategies.items()):
            body.append(f"<h3>{esc(base)}</h3>")
            fig = new_figure(9.0, 3.6)
            StrategyDisplay(base, c.metric, c.table, level).plot(fig)
            body.append(f"<figure>{figure_svg(fig, prefix=f'st{i}')}</figure>")
            rows = [[esc(r["strategy"]), fmt(r["n"], size=True), fmt(r["score"]),
                     fmt(r["baseline_score"]), fmt(r["gain"], signed=True),
                     multiplier(r["multiplier"]),
                     f"{multiplier(r['multiplier_low'])} – {multiplier(r['multiplier_high'])}",
                     fmt(r["worth"], size=True),
                     "–" if not math.isfinite(r["compute"]) else f"{r['compute']:.1f}×"]
                    for r in c.table.to_dict("records")]
            body.append(table(["strategy", "n", "score", "baseline", "gain", "multiplier",
                               f"{level:.0%} interval", "worth (raw samples)", "compute"],
                              rows, numeric=[False] + [True] * 8))
            at = analysis.strategy_targets.get(base)
            if at is not None and len(at) and target is not None:
                need = analysis.models[base].plan
                body.append(f"<p>At the target {esc(metric_name)} {target:g}, which the "
                            f"baseline reaches with {fmt(need.samples_needed, size=True)} "
                            "samples (plan), at each strategy's multiplier at the measured "
                            "size nearest that need:</p>" if need is not None else "")
                rows = [[esc(r["strategy"]), multiplier(r["multiplier"]),
                         fmt(r["samples"], size=True),
                         _interval(r["samples_low"], r["samples_high"], size=True),
                         fmt(r["saved"], size=True),
                         "–" if not math.isfinite(r["compute"]) else f"{r['compute']:.1f}×"]
                        for r in at.to_dict("records")]
                body.append(table(["strategy", "multiplier", "samples needed",
                                   f"{level:.0%} interval", "samples saved",
                                   "compute per run"], rows,
                                  numeric=[False] + [True] * 5))
        sections.append(("strategies", "Strategies priced in samples", "".join(body)))

    # -- active learning
    if analysis.active:
        sections.append(("active", "Active learning", _active_block(analysis.active)))

    # -- monitoring
    if analysis.monitor and analysis.monitor_status is not None:
        sections.append(("monitor", "Monitoring",
                         monitor_block(analysis.monitor, analysis.monitor_status)))

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
        command = audit_report.meta.get("command")
        if command:
            # Recorded as the argument list (older reports: one string); shown as a shell
            # command, so an argument with spaces stays one argument.
            shown = (shlex.join(str(a) for a in command) if isinstance(command, list | tuple)
                     else str(command))
            body.append(f'<p class="dc-note">audited with <code>{esc(shown)}</code></p>')
        body.append(audit_block(audit_report, worst=worst, data=analysis.audit_data))
        if analysis.audit_note:
            body.append(f'<p class="dc-note">{esc(analysis.audit_note)}</p>')
        entries = list(analysis.lineage)
        body.append("<h3>Lineage of cleaned versions</h3>")
        body.append(lineage_block(entries) if entries else
                    '<p class="dc-note">No cleaned version known (datacurve clean writes '
                    "one beside the data, with a .lineage.json file).</p>")
        sections.append(("audit", "Data audit", "".join(body)))
    elif analysis.lineage:
        sections.append(("audit", "Lineage of cleaned versions",
                         lineage_block(list(analysis.lineage))))

    # -- versions
    if analysis.versions:
        sections.append(("versions", "Data versions",
                         '<p class="dc-lead">The version of the data these curves measured '
                         "and the recorded steps from its raw source (datacurve versions, "
                         "datacurve lineage).</p>"
                         + versions_block(list(analysis.versions), analysis.cards)))

    # -- failures
    if n_failed:
        f = r.failed
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
