"""Printing for the CLI: rich tables, progress bars and JSON. No computation here."""

from __future__ import annotations

import json
import math
import sys
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from datacurve._plain import multiplier, plain

if TYPE_CHECKING:
    import pandas as pd

    from datacurve.diagnosis import Diagnosis

__all__ = [
    "active_lines",
    "allocation_line",
    "audit_table",
    "curve_table",
    "diagnosis_text",
    "drift_lines",
    "drift_table",
    "err_console",
    "fit_table",
    "json_default",
    "loop_next_lines",
    "loop_status_lines",
    "monitor_history_table",
    "monitor_status_lines",
    "out_console",
    "plan_lines",
    "print_json",
    "progress_bar",
    "records",
    "skipped_text",
    "strategy_line",
    "strategy_table",
    "worst_lines",
]

out_console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)


def progress_bar(enabled: bool, label: str) -> AbstractContextManager[Any]:
    """The runner's progress bar, drawn on the CLI's stderr console."""
    from datacurve.curves import progress_bar as runner_progress

    return runner_progress(enabled, label, console=err_console)


def json_default(obj: Any) -> Any:
    """JSON encoder for what `plain` leaves: timestamps and other objects as text."""
    import pandas as pd

    if isinstance(obj, pd.Timestamp):
        return obj.isoformat()
    return str(obj)


def print_json(payload: Any) -> None:
    """Write `payload` as JSON on stdout (NaN and inf as null)."""
    text = json.dumps(plain(payload), default=json_default, indent=2, allow_nan=False)
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """DataFrame rows as JSON-ready dicts."""
    return list(plain(json.loads(df.to_json(orient="records", double_precision=6))))




def curve_table(summary: pd.DataFrame, title: str) -> Table:
    """Evaluation metric (mean ± std over seeds) per training size (rows) and model."""
    metric = str(summary["metric"].iloc[0]) if len(summary) else "score"
    table = Table(title=escape(title), title_justify="left")
    table.add_column("n", justify="right", no_wrap=True)
    models = list(dict.fromkeys(summary["model"]))
    for m in models:
        part = summary[(summary["model"] == m) & summary["params"].notna()]
        params = ("–" if part.empty
                  else f"{int(part.loc[part['n'].idxmax(), 'params']):,}")
        table.add_column(f"{escape(str(m))}\n{params} params", justify="right",
                         overflow="fold", no_wrap=False)
    for n in sorted(set(summary["n"])):
        row = [f"{n:,}"]
        for m in models:
            hit = summary[(summary["model"] == m) & (summary["n"] == n)]
            if hit.empty or hit["seeds"].iloc[0] == 0:
                row.append("[red]failed[/]" if not hit.empty else "")
                continue
            mean = float(hit["val_mean"].iloc[0])
            std = float(hit["val_std"].iloc[0])
            cell = f"{mean:.3f}" + (f" ± {std:.3f}" if not math.isnan(std) else "")
            if int(hit["failed"].iloc[0]):
                cell += f" [red]({int(hit['failed'].iloc[0])} failed)[/]"
            row.append(cell)
        table.add_row(*row)
    table.caption = f"evaluation {metric}: mean ± std over seeds (and evaluation folds)"
    return table


def _fmt_n(x: float | None) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    if math.isinf(x):
        return "never"
    return f"{math.ceil(x):,}"


def fit_table(rows: list[dict[str, Any]], metric: str, title: str) -> Table:
    """Fitted curves: predicted score [80 % interval] per size (rows) and model
    (columns, headed by the family chosen, the meta-model that extrapolated and the
    asymptote)."""
    table = Table(title=escape(title), title_justify="left")
    table.add_column("n", justify="right", no_wrap=True)
    for r in rows:
        asym = "–" if r["asymptote"] is None else f"{r['asymptote']:.3f}"
        meta = f" · {r['meta_model']} meta" if r.get("meta_model") else ""
        table.add_column(f"{escape(str(r['model']))}\n{r['method']}: {r['family']}{meta}"
                         f"\n→ {asym}",
                         overflow="fold", no_wrap=False, justify="right")
    sizes = sorted({int(v["n"]) for r in rows for v in r["predictions"]})
    for n in sizes:
        cells = [f"{n:,}"]
        for r in rows:
            hit = [v for v in r["predictions"] if int(v["n"]) == n]
            cells.append(f"{hit[0]['predicted']:.3f} [{hit[0]['interval'][0]:.3f}, "
                         f"{hit[0]['interval'][1]:.3f}]" if hit else "")
        table.add_row(*cells)
    table.caption = (f"{metric}: predicted [80 % interval]; → the asymptote "
                     "(the score with unlimited data)")
    return table


def plan_lines(p: dict[str, Any]) -> list[str]:
    """A data plan as short readable lines."""
    metric = p["metric"]
    lines = [f"[bold]{escape(str(p['model']))}[/]: {metric} {p['predicted_now']:.4g} at "
             f"n={p['have']:,} now; target {p['target']:g}"]
    if p["reachable"]:
        lo, hi = p["samples_interval"]
        hi_text = "never" if hi is None else _fmt_n(hi)
        lines.append(f"samples needed: {_fmt_n(p['samples_needed'])} "
                     f"({int(100 * p['level'])} % interval {_fmt_n(lo)} – {hi_text}); "
                     f"collect {_fmt_n(p['additional'])} more")
    else:
        lines.append(f"samples needed: never — the curve levels off at {p['asymptote']:.4g}")
    if p["at"] is not None:
        lo, hi = p["interval_at"]
        lines.append(f"at n={p['at']:,}: {metric} {p['predicted_at']:.4g} "
                     f"[{lo:.4g}, {hi:.4g}]")
    if p["train_seconds"] is not None:
        about = "at most about" if p.get("train_seconds_is_bound") else "about"
        lines.append(f"training at that size: {about} {p['train_seconds']:.1f} s per run "
                     "(from the measured fit times)")
    if p["cost"] is not None:
        lines.append(f"cost of the additional samples: {p['cost']:,.2f}")
    if p["budget"] is not None:
        lines.append(f"budget {p['budget']:,.2f} buys {_fmt_n(p['budget_samples'])} samples: "
                     f"{metric} {p['budget_score']:.4g} predicted")
    for r in p["rounds"]:
        lines.append(f"  round {r['round']}: grow to {r['total']:,} (+{r['add']:,}), expect "
                     f"{metric} {r['predicted']:.4g}; then re-measure and re-plan")
    if p.get("compute") is not None:
        lines.append(escape(p["compute"]["text"]))
    lines += [f"note: {escape(n)}" for n in p["notes"]]
    return lines


def diagnosis_text(d: Diagnosis) -> Text:
    """The diagnosis as `Diagnosis.to_text` writes it, its first line (the verdict) in
    bold; nothing added, nothing read as markup."""
    head, _, rest = d.to_text().partition("\n")
    text = Text(head, style="bold")
    if rest:
        text.append("\n" + rest)
    return text


def allocation_line(a: dict[str, Any]) -> str:
    """A sweep's compute-optimal point (`_allocation` of the CLI) as one line."""
    lo, hi = a["interval"]
    return (f"[bold]compute-optimal[/] {escape(a['architecture'])} for {a['budget']:g} s "
            f"per training run: a model of {a['params']:,.0f} parameters on {a['n']:,.0f} "
            f"samples, {a['metric']} {a['score']:.4g} [{lo:.4g}, {hi:.4g}] (joint law "
            f"err = E + A/P^{a['law']['alpha']:.2f} + B/n^{a['law']['beta']:.2f}; limited "
            f"by {a['limited_by']})")


def skipped_text(reason: Any) -> str | None:
    """What a check that did not run shows instead of its score: ``skipped (why)``, the
    reason the check recorded (`CheckResult.skipped`); None when it ran."""
    if reason is None or (isinstance(reason, float) and math.isnan(reason)):
        return None
    return f"skipped ({reason})"


def audit_table(summary: list[dict[str, Any]], title: str) -> Table:
    """One row per check: flagged, share, summary score and seconds; a check that did not
    run says ``skipped (why)`` where its score would be."""
    table = Table(title=escape(title), title_justify="left")
    table.add_column("check", overflow="fold", no_wrap=False)
    for col in ("flagged", "share"):
        table.add_column(col, justify="right", no_wrap=True)
    # Left-justified: a skipped check's reason wraps here; the scores share one width.
    table.add_column("score", justify="left", overflow="fold", no_wrap=False)
    table.add_column("seconds", justify="right", no_wrap=True)
    for r in summary:
        skipped = skipped_text(r.get("skipped"))
        seconds = r.get("seconds")
        table.add_row(escape(str(r["check"])), "–" if skipped else f"{r['flagged']:,}",
                      "–" if skipped else f"{100 * r['share']:.1f} %",
                      escape(skipped) if skipped else f"{r['summary_score']:.3f}",
                      "" if seconds is None or (isinstance(seconds, float)
                                                and math.isnan(seconds))
                      else f"{seconds:.2f}")
    return table


def worst_lines(check: str, rows: list[dict[str, Any]]) -> list[str]:
    """The worst examples of one check, one line each (values from the data escaped)."""
    out = [f"[bold]{escape(check)}[/] worst:"]
    for r in rows:
        extra = ""
        if r.get("other", -1) is not None and r.get("other", -1) >= 0:
            extra = f", pairs with row {r['other']}"
        if r.get("suggested_label") is not None:
            extra += f", suggested label {escape(str(r['suggested_label']))}"
        out.append(f"  row {r['index']} (id {escape(str(r['id']))}, label "
                   f"{escape(str(r['label']))}): score {r['score']:.3f}{extra}")
    return out


def strategy_table(rows: list[dict[str, Any]], metric: str, title: str) -> Table:
    """One row per (strategy, size): the score against the baseline's on the same
    subsets, the gain, the effective data multiplier with its 80 % interval, and the
    training compute against the baseline's."""
    table = Table(title=escape(title), caption=f"{metric}: mean over seeds; multiplier: "
                  "raw baseline samples the strategy is worth per sample (80 % interval); "
                  "compute: training seconds per trial against the baseline's")
    table.add_column("strategy", overflow="fold")
    for name in ("n", "score", "baseline", "gain", "multiplier", "80 % interval",
                 "compute"):
        table.add_column(name, justify="right")
    for r in rows:
        compute = r.get("compute")
        table.add_row(escape(str(r["strategy"])), f"{int(r['n']):,}", f"{r['score']:.4f}",
                      f"{r['baseline_score']:.4f}", f"{r['gain']:+.4f}",
                      multiplier(r["multiplier"]),
                      f"{multiplier(r['multiplier_low'])} – {multiplier(r['multiplier_high'])}",
                      "–" if compute is None or not math.isfinite(compute)
                      else f"{compute:.1f}×")
    return table


def _verdict(m: float, lo: float, hi: float) -> str:
    if hi < 1:
        return "hurts: worth fewer samples than it uses"
    if lo > 1:
        return "helps"
    if m < 1:
        return "likely hurts (the interval includes 1×)"
    return "likely helps (the interval includes 1×)" if m > 1 else "no effect"


def strategy_line(r: dict[str, Any], rows: list[dict[str, Any]] | None = None) -> str:
    """At the largest size: what the strategy is worth, or that it hurts; with all of
    its `rows`, also the sizes where its whole interval lies above 1× (helps) or below
    (hurts): a strategy often pays at small n only."""
    m, lo, hi = r["multiplier"], r["multiplier_low"], r["multiplier_high"]
    line = (f"{escape(str(r['strategy']))} at n={int(r['n']):,}: worth "
            f"{multiplier(m)} the raw samples (80 % interval {multiplier(lo)} – {multiplier(hi)}); "
            f"{_verdict(m, lo, hi)}")
    if rows:
        helps = [x for x in rows if x["multiplier_low"] > 1]
        hurts = [x for x in rows if x["multiplier_high"] < 1]
        for what, part in (("helps", helps), ("hurts", hurts)):
            if part and not (len(part) == 1 and int(part[0]["n"]) == int(r["n"])):
                sizes = ", ".join(f"{int(x['n']):,}" for x in part)
                best = (max if what == "helps" else min)(x["multiplier"] for x in part)
                bound = "up to" if what == "helps" else "down to"
                line += f"; {what} at n = {sizes} ({bound} {multiplier(best)})"
    return line


def target_lines(at: dict[str, Any], metric: str) -> list[str]:
    """Samples for the target: the baseline's (plan) and each strategy's, at its
    multiplier at its largest measured size."""
    need = at["baseline_samples"]
    if need is None:
        return [f"the baseline never reaches {metric} {at['target']:g} on its fitted curve: "
                "no samples to save"]
    lines = [f"target {metric} {at['target']:g}: the baseline needs {_fmt_n(need)} samples "
             "(plan)"]
    for r in at["table"]:
        saved = r["saved"]
        lines.append(f"  {escape(str(r['strategy']))}: {_fmt_n(r['samples'])} samples "
                     f"(80 % interval {_fmt_n(r['samples_low'])} – "
                     f"{_fmt_n(r['samples_high'])}) at {multiplier(r['multiplier'])} (n="
                     f"{int(r['n']):,}); "
                     + ("–" if saved is None or math.isnan(saved) else
                        f"saves {round(saved):,}" if saved >= 0 else
                        f"costs {round(-saved):,} more"))
    return lines


def search_table(rounds: pd.DataFrame, metric: str, title: str) -> Table:
    """One row per (size, model) of a size search: mean score, the interval that decides
    a drop, and whether the model went on."""
    table = Table(title=escape(title), caption=f"{metric}: mean over seeds (interval "
                  "used to drop a model); dropped models are not trained further")
    table.add_column("n", justify="right")
    table.add_column("model", overflow="fold")
    for name in ("score", "interval", ""):
        table.add_column(name, justify="right")
    for r in rounds.to_dict("records"):
        table.add_row(f"{int(r['n']):,}", escape(str(r["model"])), f"{r['score']:.4f}",
                      f"{r['low']:.4f} – {r['high']:.4f}",
                      "" if r["kept"] else "[red]dropped[/]")
    return table


def search_lines(d: dict[str, Any]) -> list[str]:
    """The best model per size, where it changes, what was dropped and what was saved."""
    lines = [f"best at n={int(r['n']):,}: {escape(str(r['model']))} ({r['score']:.4f})"
             for r in d["best"]]
    lines += [f"the best changes at n={c['n']:,}: {escape(c['from'])} → {escape(c['to'])}"
              for c in d["changes"]] or ["the same model is best at every size measured"]
    lines += [f"dropped {escape(m)} at n={x['n']:,} (beaten by {escape(x['by'])}, now and "
              "by its fitted curve at the largest size)" for m, x in d["dropped"].items()]
    saved = d["trials_full"] - d["trials_run"]
    lines.append(f"trained {d['trials_run']:,} trials of the full grid's {d['trials_full']:,}"
                 + (f" ({saved:,} saved)" if saved > 0 else ""))
    return lines


def active_lines(sim: Any) -> list[str]:
    """`datacurve active simulate`'s text: the target, labels each strategy needed with
    its interval and what it saved against random, the best strategy's curve."""
    def n(x: float) -> str:
        return f"{math.ceil(x):,}" if math.isfinite(x) else "not within the budget"

    lines = [f"{escape(sim.model)} on {escape(sim.dataset)}: full pool ({sim.pool_size:,} "
             f"labels) accuracy {sim.full_pool:.4f}; target {sim.target:.4f}"]
    for s, r in sim.reach.iterrows():
        saved = ""
        if s != "random" and math.isfinite(r["saved"]):
            least = "at least " if r["saved_is_bound"] else ""
            def share(x: float) -> str:
                return f"{x:.0%}" if math.isfinite(x) else "none (not reached)"

            saved = (f"; saves {least}{r['saved']:.0%} of random's labels "
                     f"({least}{r['saved_samples']:,.0f}; 80 % interval "
                     f"{share(r['saved_low'])} – {share(r['saved_high'])})")
        interval = (f" (80 % interval {n(r['low'])} – {n(r['high'])})"
                    if math.isfinite(r["labels"]) else "")
        reached = (f"{n(r['labels'])} labels{interval}" if math.isfinite(r["labels"])
                   else "not reached within the budget")
        lines.append(f"  {escape(str(s)):>16}: {reached}{saved}")
    lines.append(f"best: {escape(sim.best)}")
    if sim.curve is not None and math.isfinite(sim.curve.size_for(sim.target)):
        lines.append(f"{escape(sim.best)}'s fitted curve reaches the target at "
                     f"{math.ceil(sim.curve.size_for(sim.target)):,} labels")
    lines += [f"note: {escape(x)}" for x in sim.notes]
    return lines


def loop_status_lines(st: Any) -> list[str]:
    """`datacurve active status`'s text (a `datacurve.active.LoopStatus`)."""
    counts = list(st.per_class.values())
    lines = [f"loop {escape(st.name)!r} on {escape(st.source)}: {escape(st.model)}, "
             f"strategy {escape(st.strategy)}",
             f"labels: {st.labels:,} for training ({len(counts)} classes, "
             f"{min(counts):,}–{max(counts):,} each), {st.holdout:,} held out; "
             f"{st.unlabelled:,} unlabelled, {st.pending:,} handed out and not labelled, "
             f"{st.flagged:,} flagged for relabelling; {st.imports:,} imports"]
    if math.isfinite(st.score):
        lines.append(f"held-out accuracy {st.score:.4f} ± {st.score_se:.4f} (standard "
                     f"error, {st.holdout:,} rows)")
    if len(st.points):
        lines.append("held-out accuracy by training labels: " + ", ".join(
            f"{int(n):,} → {s:.4f}" for n, s in zip(st.points["labels"], st.points["score"],
                                                    strict=True)))
    if st.curve is not None:
        lines.append(f"fitted curve: {st.curve.predict(st.labels + st.batch):.4f} after the "
                     f"next {st.batch:,} labels, {st.curve.asymptote:.4f} in the limit")
        if st.target is not None:
            def n(x: float) -> str:
                return f"{math.ceil(x):,}" if math.isfinite(x) else "never"

            if st.needed == 0 and math.isfinite(st.score) and st.score >= st.target:
                lines.append(f"target {st.target:.4f}: reached")
            elif math.isinf(st.needed):
                lines.append(f"target {st.target:.4f}: not reached by the fitted curve (it "
                             f"levels off at {st.curve.asymptote:.4f})")
            else:
                lines.append(f"target {st.target:.4f}: {n(st.needed)} more labels (80 % "
                             f"interval {n(st.needed_low)} – {n(st.needed_high)})")
    if st.stop is True:
        lines.append(f"stop: the next {st.batch:,} labels are predicted to add "
                     f"{st.next_gain:+.4f} accuracy, less than the held-out noise "
                     f"(± {st.score_se:.4f}); more held-out rows (active next --holdout) "
                     "would tell smaller gains apart")
    elif st.stop is False:
        lines.append(f"keep labelling: the next {st.batch:,} labels are predicted to add "
                     f"{st.next_gain:+.4f} accuracy, more than the held-out noise "
                     f"(± {st.score_se:.4f})")
    lines += [f"note: {escape(x)}" for x in st.notes]
    return lines


def loop_next_lines(batch: Any, id_name: str, out: Any) -> list[str]:
    """`datacurve active next`'s text (a `datacurve.active.LoopBatch`): why the rows were
    picked (once per reason), then the first ten ids with the strategy's score."""
    rows = batch.rows
    where = f" → {escape(str(out))}" if out is not None else ""
    lines = [f"batch {batch.id}: {len(rows):,} rows ({escape(batch.strategy)}, "
             f"{batch.purpose}; model trained on {batch.labels:,} labels){where}"]
    for why, g in rows.groupby("reason", sort=False):
        shown = [f"{escape(str(r))}" + (f" ({s:.3f})" if math.isfinite(s) else "")
                 for r, s in zip(g[id_name][:10], g["score"][:10], strict=True)]
        more = f", … {len(g) - 10:,} more" if len(g) > 10 else ""
        lines.append(f"  {len(g):,} × {escape(str(why))}")
        lines.append(f"    {id_name} (score): {', '.join(shown)}{more}")
    if out is not None:
        lines.append(f"fill in the label column, then: datacurve active import "
                     f"{escape(str(out))}")
    elif len(rows) > 10:
        lines.append("--out writes every row with its features")
    return lines


_EFFECT_SHORT = {"wasserstein/sd": "W/sd", "jensen-shannon": "JS", "total variation": "TV",
                 "AUC - 0.5": "AUC-½"}


def _p_cell(p: float | None) -> str:
    """A corrected p-value in a drift table: ``–`` when missing."""
    if p is None or p != p:
        return "–"
    return f"{p:.2e}" if p < 1e-3 else f"{p:.3f}"


def drift_table(d: dict[str, Any], title: str, *, limit: int = 25) -> Table:
    """The tests of a `DriftReport.to_dict()`: drifted first, then by corrected p-value."""
    t = Table(title=title, title_justify="left")
    for col in ("family", "name", "test", "p (corrected)", "effect", "drift"):
        t.add_column(col, justify="right" if col in ("p (corrected)", "effect") else "left")
    tests = sorted(d["tests"], key=lambda x: (not x["drifted"], x["p_adjusted"]
                                              if x["p_adjusted"] is not None else 2.0))
    for x in tests[:limit]:
        p, e = x["p_adjusted"], x["effect"]
        t.add_row(x["family"], escape(str(x["name"])), x["test"],
                  _p_cell(p),
                  "–" if e is None else
                  f"{e:.3g} {_EFFECT_SHORT.get(x['effect_name'], escape(x['effect_name']))}",
                  "[bold red]yes[/]" if x["drifted"] else "no")
    if len(tests) > limit:
        t.caption = f"… and {len(tests) - limit} more tests (--json lists every one)"
    return t


def drift_lines(d: dict[str, Any]) -> list[str]:
    """The verdict, the drifted tests' reasons, the checks and the label estimate."""
    out = [("[bold red]" if d["drifted"] else "[bold green]") + escape(d["verdict"]) + "[/]"]
    for x in d["tests"]:
        if x["drifted"]:
            out.append(f"  {x['family']} {escape(str(x['name']))}: {escape(x['reason'])}")
    out += [f"check: {escape(c)}" for c in d["checks"]]
    est = d.get("label_estimate")
    if est:
        seen = est.get("observed") or [None] * len(est["classes"])
        shares = "; ".join(
            f"class {escape(str(c))} {r:.1%} → {e:.1%}"
            + ("" if o is None else f" (observed {o:.1%})")
            for c, r, e, o in zip(est["classes"], est["reference"], est["estimated"], seen,
                                  strict=True))
        out.append(f"label proportions estimated from the model's predictions (BBSE): "
                   f"{shares}" + (f" ({escape(est['note'])})" if est.get("note") else ""))
    return out


def monitor_history_table(rows: list[dict[str, Any]], title: str) -> Table:
    """`datacurve monitor history`: one row per window × test (`history` records)."""
    t = Table(title=title, title_justify="left")
    for col in ("window", "family", "name", "test", "p (corrected)", "effect", "drift"):
        t.add_column(col)
    for r in rows:
        e = r["effect"]
        t.add_row(escape(str(r["window"])), r["family"], escape(str(r["name"])), r["test"],
                  _p_cell(r["p_adjusted"]), "–" if e is None or e != e else f"{e:.3g}",
                  "[bold red]yes[/]" if r["drifted"] else "no")
    return t


def monitor_status_lines(s: dict[str, Any], hist: pd.DataFrame) -> list[str]:
    """`datacurve monitor status`: the verdict and one line per window."""
    out = [escape(s["verdict"])]
    overall = hist[hist["family"] == "overall"]
    for r in overall.to_dict("records"):
        mark = "[bold red]drift[/]" if r["drifted"] else "[green]ok[/]"
        out.append(f"  {escape(str(r['window']))} ({r['added']}): {mark}")
    return out
