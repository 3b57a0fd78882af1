"""HTML fragments of the report: the style sheet, tables, and the blocks that render a
learning curve, a diagnosis, a plan and an audit. Rendering only: every number comes
from the fit, diagnose and audit rooms; every text from the user's data is escaped."""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from datacurve.auditing import AuditReport
from datacurve.curves import CurveRun
from datacurve.data import Dataset
from datacurve.diagnosis import Diagnosis
from datacurve.fit import DataPlan, LearningCurve, samples_interval, samples_needed

__all__ = [
    "CSS",
    "audit_block",
    "audit_html",
    "curve_html",
    "curve_table",
    "diagnosis_block",
    "diagnosis_html",
    "esc",
    "fmt",
    "lineage_block",
    "plan_table",
    "run_html",
    "table",
    "versions_block",
]

CSS = """
.dc{--ink:#1d2330;--mute:#5b6474;--line:#dde1e8;--bg:#f6f7f9;--card:#fff;--accent:#1f5fbf;
font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;
color:var(--ink);line-height:1.45;font-size:14px}
body.dc{margin:0;background:var(--bg)}
.dc main{max-width:1180px;margin:0 auto;padding:20px 24px 60px}
.dc header.dc-head{background:#1d2330;color:#fff;padding:18px 24px}
.dc header.dc-head h1{margin:0 0 8px;font-size:22px;font-weight:600}
.dc header.dc-head dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:0;
font-size:13px;max-width:1180px}
.dc header.dc-head dt{color:#aab3c5}.dc header.dc-head dd{margin:0;word-break:break-all}
.dc header.dc-head code{background:#2e3646;color:#e6e9ef}
.dc header.dc-head .dc-warn{color:#ffaaaa}
.dc nav{max-width:1180px;margin:0 auto;padding:10px 24px 0;font-size:13px}
.dc nav a{margin-right:14px;color:var(--accent);text-decoration:none}
.dc section{background:var(--card);border:1px solid var(--line);border-radius:8px;
padding:16px 20px;margin:18px 0}
.dc h2{margin:0 0 10px;font-size:18px}.dc h3{margin:16px 0 6px;font-size:15px}
.dc h4{margin:10px 0 4px;font-size:14px}
.dc p.dc-lead{color:var(--mute);margin:0 0 10px}
.dc table.dc-t{border-collapse:collapse;font-size:13px;margin:6px 0 10px;width:auto}
.dc table.dc-t th,.dc table.dc-t td{border-bottom:1px solid var(--line);padding:4px 10px;
text-align:left;vertical-align:top}
.dc table.dc-t th{background:#f0f2f5;font-weight:600}
.dc table.dc-t td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.dc .dc-grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:14px}
.dc .dc-scroll{overflow-x:auto;max-width:100%}
.dc .dc-card{border:1px solid var(--line);border-radius:6px;padding:10px 12px;background:#fff}
.dc .dc-card+.dc-card{margin-top:12px}.dc .dc-grid>.dc-card+.dc-card{margin-top:0}
.dc figure{margin:0}.dc figcaption{font-size:12px;color:var(--mute)}
.dc svg.dc-plot{width:100%;height:auto;display:block}
.dc .dc-badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;
font-weight:600;background:#e8eefb;color:#1f3f8f;margin-left:6px}
.dc .dc-badge.data{background:#e3f4e8;color:#1b6b35}
.dc .dc-badge.model_capacity{background:#fdf0dc;color:#8a4b00}
.dc .dc-badge.variance{background:#fbe4e4;color:#9a1c1c}
.dc .dc-badge.label_noise{background:#f1e6fb;color:#5b2590}
.dc .dc-badge.saturated{background:#eceff3;color:#444}
.dc ol.dc-recs{padding-left:22px;margin:6px 0}.dc ol.dc-recs li{margin:4px 0}
.dc details{margin:2px 0 6px}.dc summary{cursor:pointer;color:var(--mute);font-size:12px}
.dc .dc-note{color:var(--mute);font-size:12px;margin:2px 0}
.dc .dc-warn{color:#9a1c1c}
.dc .dc-ok{color:#1b6b35}
.dc p.dc-verdict{font-size:15px;margin:0 0 6px}
.dc .dc-grid.dc-grid-small{grid-template-columns:repeat(auto-fit,minmax(340px,1fr))}
.dc .dc-score{font-size:28px;font-weight:600}
.dc .dc-row span{margin-right:8px;font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px}
.dc .dc-snippet{font-style:italic}
.dc img.dc-thumb{image-rendering:pixelated;border:1px solid var(--line)}
.dc code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px;
background:#f0f2f5;padding:0 4px;border-radius:3px}
.dc td.heat{text-align:right;font-variant-numeric:tabular-nums}
"""


def esc(x: object) -> str:
    """`x` as text that HTML shows and never runs."""
    return html.escape(str(x), quote=True)


def fmt(x: Any, digits: int = 4, *, size: bool = False, signed: bool = False) -> str:
    """A number for people: ``–`` for missing, ``never`` for infinity, sizes with
    thousands separators."""
    if x is None:
        return "–"
    try:
        v = float(x)
    except (TypeError, ValueError):
        return esc(x)
    if math.isnan(v):
        return "–"
    if math.isinf(v):
        return "never" if v > 0 else "−∞"
    if size:
        return f"{math.ceil(v):,}"  # a count: samples to collect are rounded up
    return f"{v:+.{digits}g}" if signed else f"{v:.{digits}g}"


def table(headers: Sequence[str], rows: Iterable[Sequence[str]], *,
          numeric: Sequence[bool] | None = None, cls: str = "dc-t") -> str:
    """An HTML table; `headers` are escaped, cells are HTML already (escape them first)."""
    numeric = numeric or [False] * len(headers)
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f'<td class="num">{c}</td>' if num else f"<td>{c}</td>"
                         for c, num in zip(r, numeric, strict=True)) + "</tr>"
        for r in rows)
    return (f'<div class="dc-scroll"><table class="{cls}"><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table></div>")


def _interval(lo: Any, hi: Any, *, size: bool = False) -> str:
    return f"[{fmt(lo, size=size)}, {fmt(hi, size=size)}]"


# -- learning curves -----------------------------------------------------------------------
def curve_table(curves: dict[str, LearningCurve], *, target: float | None = None,
                level: float = 0.8) -> str:
    """One row per fitted curve: method, family (and which meta-model), largest size,
    asymptote, the prediction at 10x the largest size and, with a target, the samples
    needed to reach it (the plan's number, `datacurve.fit.samples_needed`, with its
    interval)."""
    headers = ["model", "method (family)", "largest n", "asymptote",
               f"at 10× n ({level:.0%} interval)"]
    if target is not None:
        headers += [f"samples for {target:g} ({level:.0%} interval)"]
    rows = []
    for name, c in curves.items():
        at = 10.0 * c.n_last
        lo, hi = c.interval(at, level)
        meta = f"; {c.meta_model} meta-model" if c.meta_model else ""
        row = [esc(name), f"{esc(c.method)} ({esc(c.family)}{meta})", fmt(c.n_last, size=True),
               fmt(c.asymptote), f"{fmt(c.predict(at))} {_interval(lo, hi)}"]
        if target is not None:
            s_lo, s_hi = samples_interval(c, target, level)
            row.append(f"{fmt(samples_needed(c, target), size=True)} "
                       f"{_interval(s_lo, s_hi, size=True)}")
        rows.append(row)
    return table(headers, rows, numeric=[False, False, True, True, True, True][:len(headers)])


def curve_html(curve: LearningCurve, *, name: str = "model", figure: bool = True) -> str:
    """A fitted learning curve as a self-contained HTML fragment (Jupyter's
    ``_repr_html_``): its plot and its numbers."""
    from datacurve.report._plots import LearningCurveDisplay, figure_svg, new_figure

    parts = ['<div class="dc">', f"<style>{CSS}</style>"]
    if figure:
        fig = new_figure(5.6, 3.4)
        LearningCurveDisplay.from_fit(curve, model=name).plot(fig.add_subplot())
        parts.append(f"<figure>{figure_svg(fig, prefix=f'lc{id(curve):x}')}</figure>")
    parts.append(curve_table({name: curve}))
    parts += [f'<p class="dc-note">note: {esc(n)}</p>' for n in curve.notes]
    parts.append("</div>")
    return "".join(parts)


def run_html(run: CurveRun) -> str:
    """A learning-curve run as a self-contained HTML fragment (Jupyter's ``_repr_html_``):
    mean and spread per model and size, and why trials failed."""
    summary = run.summary()
    metric = str(summary["metric"].iloc[0]) if len(summary) else ""
    rows = [[esc(r["model"]), fmt(r["n"], size=True), fmt(r["params"], size=True),
             esc(r["seeds"]), fmt(r["val_mean"]), fmt(r["val_std"]), fmt(r["train_mean"]),
             esc(r["failed"])]
            for r in summary.to_dict("records")]
    head = (f"<h4>{esc(run.design.dataset.name)} · {esc(len(run.design.models))} learners · "
            f"{esc(len(run.results))} trials</h4>")
    parts = ['<div class="dc">', f"<style>{CSS}</style>", head,
             table(["model", "n", "params", "seeds", f"{metric} (eval)", "std",
                    f"{metric} (train)", "failed"], rows,
                   numeric=[False, True, True, True, True, True, True, True])]
    failures = run.describe_failures()
    if failures:
        parts.append(f'<p class="dc-note">{esc(failures)}</p>')
    parts.append(f'<p class="dc-note">{esc(run.ran)} trained, {esc(run.cached)} reused, '
                 f"store {esc(run.store_path)}</p></div>")
    return "".join(parts)


# -- diagnosis ------------------------------------------------------------------------------
_EVIDENCE_KEYS = (("n", "largest size", True), ("train_score", "train score", False),
                  ("val_score", "evaluation score", False),
                  ("optimal_error", "optimal error", False),
                  ("avoidable_bias", "avoidable bias", False), ("variance", "variance", False),
                  ("gain_double_data", "gain from 2× data", False),
                  ("gain_larger_model", "gain from a larger model", False),
                  ("gain_clean_labels", "gain from clean labels", False))


def _evidence_value(v: Any) -> str:
    if isinstance(v, bool) or v is None or isinstance(v, str):
        return esc(v if v is not None else "–")
    if isinstance(v, int | float | np.integer | np.floating):
        return fmt(v)
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_evidence_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "; ".join(f"{esc(k)}: {_evidence_value(x)}" for k, x in v.items())
    return esc(v)


def _evidence_table(ev: dict[str, Any]) -> str:
    rows = [[esc(k), _evidence_value(v)] for k, v in ev.items()]
    return table(["quantity", "value"], rows, numeric=[False, True])


def diagnosis_block(d: Diagnosis, *, heading: str = "h3") -> str:
    """A diagnosis: the bottleneck, the key evidence, the ranked recommendations each
    with its reason and the numbers behind it."""
    ev = d.evidence
    label = d.bottleneck.replace("_", " ")
    out = [f'<{heading}>{esc(d.model)} <span class="dc-badge {esc(d.bottleneck)}">'
           f"{esc(label)}</span></{heading}>"]
    keys = [(k, t, s) for k, t, s in _EVIDENCE_KEYS if k in ev]
    if keys:
        out.append(table([t for _, t, _ in keys],
                         [[fmt(ev[k], size=s) for k, _, s in keys]],
                         numeric=[True] * len(keys)))
    if d.recommendations:
        items = []
        for r in d.recommendations:
            gain = ("" if r.expected_gain is None
                    else f" <b>{fmt(r.expected_gain, 3, signed=True)} {esc(d.metric)}</b>")
            extra = []
            if r.samples is not None:
                extra.append(f"samples {fmt(r.samples, size=True)}")
            if r.compute_seconds is not None:
                extra.append(f"compute {fmt(r.compute_seconds, 3)} s per run")
            more = f' <span class="dc-note">({"; ".join(extra)})</span>' if extra else ""
            evidence = (f"<details><summary>evidence</summary>{_evidence_table(r.evidence)}"
                        "</details>" if r.evidence else "")
            items.append(f"<li><b>{esc(r.action.replace('_', ' '))}</b>{gain}: "
                         f"{esc(r.reason)}{more}{evidence}</li>")
        out.append(f'<ol class="dc-recs">{"".join(items)}</ol>')
    out += [f'<p class="dc-note">note: {esc(n)}</p>' for n in d.notes]
    out.append(f"<details><summary>all evidence</summary>{_evidence_table(ev)}</details>")
    return "".join(out)


def diagnosis_html(d: Diagnosis) -> str:
    """A diagnosis as a self-contained HTML fragment (Jupyter's ``_repr_html_``)."""
    return f'<div class="dc"><style>{CSS}</style>{diagnosis_block(d, heading="h4")}</div>'


# -- plan -------------------------------------------------------------------------------------
def plan_table(plans: dict[str, DataPlan]) -> str:
    """Per model: samples needed (bias-corrected) with the interval, how many more, the
    cost, the training time at that size, and the collection rounds."""
    headers = ["model", "now", "samples needed", "interval", "more to collect", "cost",
               "train time at that size", "rounds (total → predicted)",
               "measured with (share of one full training run)"]
    rows = []
    for name, p in plans.items():
        lo, hi = p.samples_interval
        rounds = "<br>".join(f"{int(r['round'])}: {fmt(r['total'], size=True)} → "
                             f"{fmt(r['predicted'], 3)}" for r in p.rounds) or "–"
        now = f"{fmt(p.have, size=True)} ({fmt(p.predicted_now, 3)})"
        secs = ("–" if p.train_seconds is None else
                f"{'≤ ' if p.train_seconds_is_bound else ''}{fmt(p.train_seconds, 3)} s")
        c = p.compute
        spent = "–" if c is None else (f"{c.share:,.0%} ({fmt(c.spent_seconds, 3)} s of "
                                       f"{'' if c.measured_full else '≈ '}"
                                       f"{fmt(c.full_seconds, 3)} s)")
        rows.append([esc(name), now, fmt(p.samples_needed, size=True),
                     _interval(lo, hi, size=True), fmt(p.additional, size=True),
                     fmt(p.cost, 4), secs, f'<span style="white-space:nowrap">{rounds}</span>',
                     spent])
    return table(headers, rows,
                 numeric=[False, True, True, True, True, True, True, False, True])


# -- audit -------------------------------------------------------------------------------------
def _label_of(v: Any, classes: Sequence[Any]) -> str:
    try:
        i = int(v)
    except (TypeError, ValueError):
        return "–"
    return esc(classes[i]) if 0 <= i < len(classes) else "–"


def audit_block(report: AuditReport, *, worst: int = 5, data: Dataset | None = None,
                heading: str = "h3") -> str:
    """An audit: the data-quality score, counts per check and the worst examples of each
    (shown from `data` when the audited dataset is at hand: thumbnails, rows, snippets)."""
    summary = report.summary()
    out = [f'<div class="dc-grid"><div><div class="dc-score">{report.quality_score:.3f}'
           '</div><p class="dc-note">data-quality score: share of examples no row-level '
           f"check flagged · {report.n:,} examples · dataset {esc(report.name)} "
           f"<code>{esc(report.fingerprint)}</code></p></div></div>"]
    rows = []
    for rec in summary.to_dict("records"):
        sk = rec.get("skipped")
        skipped = "" if sk is None or (isinstance(sk, float) and math.isnan(sk)) else str(sk)
        # A check that did not run has no score: it says so, and why, in its place.
        score = (f'<span class="dc-note">skipped ({esc(skipped)})</span>' if skipped
                 else fmt(rec["summary_score"]))
        rows.append([esc(rec["check"]), "–" if skipped else fmt(rec["flagged"], size=True),
                     "–" if skipped else f"{float(rec['share']):.1%}", score,
                     fmt(rec["seconds"], 3)])
    out.append(table(["check", "flagged", "share", "summary score", "seconds"],
                     rows, numeric=[False, True, True, True, True]))
    issues = report.issues
    classes = list(report.meta.get("classes") or [])
    for name in report.checks:
        part = issues[issues["check"] == name].head(worst)
        if part.empty:
            continue
        hdr = ["index", "id", "label", "suggested", "score", "paired with"]
        if data is not None:
            hdr.append("example")
        rows = []
        for r in part.to_dict("records"):
            other = int(r["other"])
            label = r["label"]
            row = [fmt(r["index"], size=True), esc(r["id"]),
                   esc(label if label is not None else "–"),
                   _label_of(r["suggested"], classes) if int(r["suggested"]) >= 0 else "–",
                   fmt(r["score"]), fmt(other, size=True) if other >= 0 else "–"]
            if data is not None:
                from datacurve.report._examples import example_html

                ex = example_html(data, int(r["index"]))
                if other >= 0:
                    ex += " ↔ " + example_html(data, other)
                row.append(ex)
            rows.append(row)
        out.append(f"<{heading}>worst of {esc(name)}</{heading}>")
        out.append(table(hdr, rows, numeric=[True, False, False, False, True, True]
                         + ([False] if data is not None else [])))
    return "".join(out)


def audit_html(report: AuditReport) -> str:
    """An audit as a self-contained HTML fragment (Jupyter's ``_repr_html_``)."""
    return (f'<div class="dc"><style>{CSS}</style>'
            f"{audit_block(report, worst=3, heading='h4')}</div>")


def versions_block(steps: Sequence[Any], cards: Sequence[Path] = ()) -> str:
    """The recorded version chain of the measured data (`Analysis.versions`, raw source
    first) and links to its dataset card (`Analysis.cards`)."""
    rows = []
    last = len(steps) - 1
    for i, s in enumerate(steps):
        checks = ", ".join(f"{esc(k)}: {v:,}" for k, v in s.by_check.items() if v)
        rows.append([f"<code>{esc(s.id[:12])}</code>" + (" (measured)" if i == last else ""),
                     esc(s.operation), esc(s.name), fmt(s.rows, size=True), esc(s.change),
                     checks or "–", esc(Path(s.source).name) if s.source else "–",
                     esc(s.user), esc(s.time)])
    links = " · ".join(f'<a href="{esc(p.resolve().as_uri())}">{esc(p.name)}</a>'
                       for p in cards)
    card = (f'<p>Dataset card: {links}</p>' if links else
            '<p class="dc-note">No dataset card beside the data yet (datacurve card DATA '
            "writes one).</p>")
    return card + table(["version", "operation", "name", "rows", "change", "by check",
                         "source", "by", "when"], rows,
                        numeric=[False, False, False, True, True, False, False, False, False])


def lineage_block(entries: list[dict[str, Any]]) -> str:
    """The lineage of cleaned versions: one row per cleaning step."""
    rows = []
    for e in entries:
        counts = e.get("counts") or {}
        parent_n = e.get("parent_n")
        dropped = counts.get("dropped", 0)
        n_after = (int(parent_n) - int(dropped)) if isinstance(parent_n, int | float) else None
        by_check = ", ".join(f"{esc(k.removeprefix('dropped_'))}: {int(v):,}"
                             for k, v in counts.items()
                             if k.startswith("dropped_") and isinstance(v, int | float) and v)
        rows.append([
            f"{esc(e.get('parent_name', '?'))} <code>{esc(e.get('parent', ''))}</code>",
            f"{esc(e.get('name', '?'))} <code>{esc(e.get('fingerprint', ''))}</code>",
            f"{fmt(parent_n, size=True)} → {fmt(n_after, size=True)}",
            fmt(dropped, size=True), fmt(counts.get("relabelled", 0), size=True),
            by_check or "–", esc(e.get("time", "")), esc(e.get("file", "")),
        ])
    return table(["from", "to", "examples", "dropped", "relabelled", "dropped by check",
                  "when", "file"], rows,
                 numeric=[False, False, True, True, True, False, False, False])
