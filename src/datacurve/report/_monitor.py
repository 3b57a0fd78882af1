"""The report's monitoring section: the verdict first, drift over the recorded windows,
the latest window's most drifted columns (reference against current distributions), its
drifted tests, data checks and estimate of the current labels.

Rendering only: every number is one a `MonitorWindow`'s `DriftReport` (or
`monitor_status`) holds; every text from the user's data is escaped. The plot objects
(`DriftHistoryDisplay`, `DriftDistributionDisplay`) hold the values to draw and import
matplotlib inside `plot`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from datacurve.monitor import (
    CORRECTIONS,
    NUMERIC_TESTS,
    DriftReport,
    DriftTest,
    MonitorStatus,
    MonitorWindow,
)
from datacurve.report._html import CSS, esc, fmt, table
from datacurve.report._plots import _axes, color_of, figure_svg, mpl_text, new_figure

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["DriftDistributionDisplay", "DriftHistoryDisplay", "monitor_block",
           "p_text"]

COLUMNS_SHOWN = 6
"""Columns drawn over the windows: those that drifted in the most windows."""

WINDOWS_LISTED = 30
"""Windows listed in the table (the latest; the figure draws every one)."""

P_CAP = 300.0
"""−log10 of a corrected p-value is drawn at most this high (p = 0 is drawn at it)."""

_TESTS = {**NUMERIC_TESTS, "chi2": "chi²", "mmd": "MMD",
          "c2st": "classifier two-sample test"}
"""Test key → the name the page prints (the output family's "ks" is Kolmogorov–Smirnov
too)."""

_REFERENCE, _CURRENT = "#7f7f7f", "#d62728"


def p_text(p: float | None) -> str:
    """A corrected p-value as the page prints it: 2 significant digits, ``< 1e-300``
    for 0 (below the smallest float the tests resolve), ``–`` when missing."""
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return "–"
    return "< 1e-300" if p == 0 else fmt(p, 2)


def _effect(t: DriftTest) -> str:
    e = t.effect
    if e is None or (isinstance(e, float) and math.isnan(e)):
        return "–"
    value = "∞" if math.isinf(e) else fmt(e, 3)
    return f"{value} <span class=\"dc-note\">{esc(t.effect_name)}</span>"


def _share(x: Any) -> str:
    if x is None or not isinstance(x, int | float) or not math.isfinite(x):
        return "–"
    return f"{float(x):.1%}"


def _short(text: str, n: int = 16) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


# -- plot objects ----------------------------------------------------------------------------
@dataclass
class DriftHistoryDisplay:
    """Drift over the recorded windows: per column, −log10 of its feature test's
    corrected p-value in each window (filled markers: the test drifted), the level
    −log10(alpha), and the windows whose verdict is drift shaded.

    Build it with `from_windows`; draw it with `plot`.

    Attributes
    ----------
    windows : tuple of str
        Window names, in the order they were added.
    columns : tuple of str
        The columns drawn.
    p_adjusted : ndarray of shape (len(columns), len(windows))
        Corrected p-values (NaN where the column was not tested).
    drifted : ndarray of bool, same shape
        Whether the column's test drifted in the window.
    window_drifted : tuple of bool
        Each window's verdict (any test drifted).
    alpha : tuple of float
        Each window's level.
    cap : float
        −log10 p is drawn at most this high.
    ax_, figure_ : matplotlib objects, set by `plot`
    """

    windows: tuple[str, ...]
    columns: tuple[str, ...]
    p_adjusted: np.ndarray
    drifted: np.ndarray
    window_drifted: tuple[bool, ...]
    alpha: tuple[float, ...]
    cap: float = P_CAP
    ax_: Any = field(default=None, repr=False)
    figure_: Any = field(default=None, repr=False)

    @classmethod
    def from_windows(cls, windows: Sequence[MonitorWindow], *,
                     columns: int = COLUMNS_SHOWN) -> DriftHistoryDisplay:
        """Gather the corrected p-values of the `columns` columns whose feature test
        drifted in the most windows (ties: the smallest corrected p-value in any window,
        then the column order).

        Parameters
        ----------
        windows : sequence of MonitorWindow
            From `datacurve.monitor.windows`, in order.
        columns : int
            At most this many columns.

        Returns
        -------
        DriftHistoryDisplay
        """
        times: dict[str, int] = {}
        best: dict[str, float] = {}
        for w in windows:
            for t in w.report.family("feature"):
                times[t.name] = times.get(t.name, 0) + int(t.drifted)
                q = t.p_adjusted if t.p_adjusted is not None and math.isfinite(
                    t.p_adjusted) else math.inf
                best[t.name] = min(best.get(t.name, math.inf), q)
        order = list(times)
        chosen = sorted(order, key=lambda c: (-times[c], best[c], order.index(c)))[:columns]
        p = np.full((len(chosen), len(windows)), np.nan)
        hit = np.zeros((len(chosen), len(windows)), dtype=bool)
        row = {c: i for i, c in enumerate(chosen)}
        for j, w in enumerate(windows):
            for t in w.report.family("feature"):
                if t.name in row:
                    p[row[t.name], j] = np.nan if t.p_adjusted is None else t.p_adjusted
                    hit[row[t.name], j] = t.drifted
        return cls(windows=tuple(w.name for w in windows), columns=tuple(chosen),
                   p_adjusted=p, drifted=hit,
                   window_drifted=tuple(w.report.drifted for w in windows),
                   alpha=tuple(w.report.alpha for w in windows))

    def heights(self) -> np.ndarray:
        """−log10 of `p_adjusted`, at most `cap` (p = 0 drawn at the cap; NaN kept)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            h = -np.log10(self.p_adjusted)
        return np.where(np.isnan(h), np.nan, np.minimum(h, self.cap))

    def plot(self, ax: Axes | None = None) -> DriftHistoryDisplay:
        """Draw on `ax` (a new figure when None).

        Returns
        -------
        DriftHistoryDisplay
            self, with ``ax_`` and ``figure_`` set.
        """
        ax = _axes(ax)
        x = np.arange(len(self.windows), dtype=np.float64)
        shaded = False
        for j, d in enumerate(self.window_drifted):
            if d:
                ax.axvspan(j - 0.5, j + 0.5, color=_CURRENT, alpha=0.08, linewidth=0,
                           label=None if shaded else "window with drift")
                shaded = True
        h = self.heights()
        for i, name in enumerate(self.columns):
            color = color_of(i)
            ax.plot(x, h[i], color=color, linewidth=1.2, label=mpl_text(name))
            hit = self.drifted[i]
            ax.scatter(x[hit], h[i][hit], color=color, s=28, zorder=3, linewidths=0)
            ax.scatter(x[~hit], h[i][~hit], facecolors="white", edgecolors=color, s=22,
                       zorder=3, linewidths=1.0)
        levels = -np.log10(np.asarray(self.alpha, dtype=np.float64))
        if len(set(self.alpha)) <= 1:
            if len(levels):
                ax.axhline(levels[0], color="#444444", linewidth=0.9, linestyle="--",
                           label=f"alpha {self.alpha[0]:g}")
        else:
            ax.step(x, levels, where="mid", color="#444444", linewidth=0.9, linestyle="--",
                    label="alpha (per window)")
        top = float(np.nanmax(h)) if np.isfinite(h).any() else 0.0
        if top >= self.cap:
            ax.axhline(self.cap, color="#999999", linewidth=0.6, linestyle=":",
                       label=f"cap (p < 1e-{self.cap:g} drawn at {self.cap:g})")
        if top > 30.0:
            # Linear up to 10 (where alpha lies), compressed above: a p-value of 1e-200
            # does not flatten the ones near the level.
            from matplotlib.ticker import FuncFormatter

            ax.set_yscale("symlog", linthresh=10.0, linscale=2.0)
            ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:g}"))
        ax.set_ylim(bottom=0.0, top=max(top * (1.6 if top > 30.0 else 1.1), 2.0))
        ax.set_xlim(-0.5, len(self.windows) - 0.5)
        step = max(1, math.ceil(len(self.windows) / 20))
        ticks = list(range(0, len(self.windows), step))
        ax.set_xticks(ticks)
        rotate = len(self.windows) > 6 or any(len(w) > 10 for w in self.windows)
        ax.set_xticklabels([mpl_text(_short(self.windows[k], 24)) for k in ticks],
                           rotation=30 if rotate else 0, ha="right" if rotate else "center",
                           fontsize=8)
        ax.set_xlabel("window (in the order recorded)")
        ax.set_ylabel("−log10 corrected p-value")
        ax.grid(True, axis="y", linewidth=0.4, alpha=0.5)
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0),
                  borderaxespad=0.0)
        self.ax_ = ax
        self.figure_ = ax.figure
        return self


@dataclass
class DriftDistributionDisplay:
    """One column's reference and current distributions as a `DriftReport` keeps them:
    shares of rows per bin (numeric, drawn as step histograms) or per category (grouped
    bars).

    Attributes
    ----------
    column : str
    kind : str
        "numeric", "categorical", or "" when the report kept nothing to draw.
    edges : ndarray
        Bin edges (numeric).
    categories : tuple of str
        (categorical)
    reference, current : ndarray
        Shares per bin or category.
    ax_, figure_ : matplotlib objects, set by `plot`
    """

    column: str
    kind: str
    edges: np.ndarray
    categories: tuple[str, ...]
    reference: np.ndarray
    current: np.ndarray
    ax_: Any = field(default=None, repr=False)
    figure_: Any = field(default=None, repr=False)

    @classmethod
    def from_report(cls, report: DriftReport, column: str) -> DriftDistributionDisplay:
        """The distributions `report` kept for `column` (see `DriftReport.distributions`;
        a column it kept none for gives an empty display)."""
        d = report.distributions.get(column) or {}
        kind = str(d.get("kind", ""))
        ref = np.asarray(d.get("reference") or [], dtype=np.float64)
        cur = np.asarray(d.get("current") or [], dtype=np.float64)
        if kind not in ("numeric", "categorical") or len(ref) != len(cur) or not len(ref):
            kind = ""
        return cls(column=column, kind=kind,
                   edges=np.asarray(d.get("edges") or [], dtype=np.float64),
                   categories=tuple(str(c) for c in d.get("categories") or ()),
                   reference=ref, current=cur)

    def plot(self, ax: Axes | None = None) -> DriftDistributionDisplay:
        """Draw on `ax` (a new figure when None).

        Returns
        -------
        DriftDistributionDisplay
            self, with ``ax_`` and ``figure_`` set.
        """
        ax = _axes(ax)
        if self.kind == "numeric" and len(self.edges) == len(self.reference) + 1:
            ax.stairs(self.reference, self.edges, fill=True, color=_REFERENCE, alpha=0.35,
                      label="reference")
            ax.stairs(self.current, self.edges, color=_CURRENT, linewidth=1.4,
                      label="current")
            ax.set_xlabel(mpl_text(self.column))
        elif self.kind == "categorical" and len(self.categories) == len(self.reference):
            x = np.arange(len(self.categories), dtype=np.float64)
            ax.bar(x - 0.2, self.reference, width=0.4, color=_REFERENCE, alpha=0.6,
                   label="reference")
            ax.bar(x + 0.2, self.current, width=0.4, color=_CURRENT, alpha=0.85,
                   label="current")
            ax.set_xticks(x)
            many = len(self.categories) > 4 or any(len(c) > 6 for c in self.categories)
            ax.set_xticklabels([mpl_text(_short(c)) for c in self.categories],
                               rotation=30 if many else 0, ha="right" if many else "center",
                               fontsize=8)
        else:
            ax.text(0.5, 0.5, "no distribution kept", ha="center", va="center",
                    transform=ax.transAxes, color="#5b6474")
            ax.set_xticks([])
            ax.set_yticks([])
        ax.set_title(mpl_text(self.column), fontsize=9)
        if self.kind:
            ax.set_ylabel("share of rows")
            ax.set_ylim(bottom=0.0)
            ax.grid(True, axis="y", linewidth=0.4, alpha=0.5)
            ax.legend(fontsize=7, loc="best")
        self.ax_ = ax
        self.figure_ = ax.figure
        return self


# -- the section ---------------------------------------------------------------------------
def _named(label: str, role: str) -> str:
    """` (FILE)` for a window read from a file; nothing for a DataFrame (which
    `drift` names by its role)."""
    return "" if label == role else f" ({esc(label)})"


def _verdict_class(drifted: bool) -> str:
    return "dc-warn" if drifted else "dc-ok"


def _history_line(status: MonitorStatus) -> str:
    """The whole history: `MonitorStatus.history` (windows that drifted, columns that
    drift again and again)."""
    cls = _verdict_class(bool(status.drifted_windows))
    return (f'<p class="dc-verdict"><b>History:</b> <span class="{cls}">'
            f"{esc(status.history)}</span>.</p>")


def _windows_table(windows: Sequence[MonitorWindow]) -> str:
    shown = list(windows)[-WINDOWS_LISTED:]
    rows = []
    for w in shown:
        r = w.report
        n_hit = sum(t.drifted for t in r.tests)
        verdict = ('<span class="dc-warn">drift</span>' if r.drifted else "no drift")
        cols = ", ".join(
            (f'<span class="dc-warn">{esc(t.name)}</span>' if t.drifted else esc(t.name))
            + f' <span class="dc-note">(p {p_text(t.p_adjusted)})</span>'
            for t in r.most_drifted(3)) or "–"
        rows.append([esc(w.name), esc(w.added), verdict,
                     f"{n_hit:,} of {len(r.tests):,}", cols])
    out = table(["window", "added", "verdict", "tests drifted",
                 "most drifted columns (corrected p)"], rows,
                numeric=[False, False, False, True, False])
    if len(windows) > len(shown):
        out += (f'<p class="dc-note">… and {len(windows) - len(shown):,} earlier windows '
                "(drawn above).</p>")
    return out


def _test_name(t: DriftTest) -> str:
    return esc(_TESTS.get(t.test, t.test))


def _drifted_table(r: DriftReport) -> str:
    hit = [t for t in r.tests if t.drifted]
    if not hit:
        return f'<p class="dc-note">None of the {len(r.tests):,} tests drifted.</p>'

    rows = [[esc(t.family), f"<b>{esc(t.name)}</b>", _test_name(t), p_text(t.p_adjusted),
             _effect(t), esc(t.reason)] for t in hit]
    return table(["family", "name", "test", "corrected p", "effect", "reason"], rows,
                 numeric=[False, False, False, True, True, False])


def _label_block(est: dict[str, Any]) -> str:
    classes = list(est.get("classes") or [])
    ref = list(est.get("reference") or [])
    new = list(est.get("estimated") or [])
    seen = est.get("observed")
    rows = []
    for i, c in enumerate(classes):
        row = [esc(c), _share(ref[i] if i < len(ref) else None),
               _share(new[i] if i < len(new) else None)]
        if seen is not None:
            row.append(_share(seen[i] if i < len(seen) else None))
        rows.append(row)
    headers = ["class", "reference", "estimated (current)"]
    if seen is not None:
        headers.append("observed (current labels)")
    out = ["<h4>Label proportions estimated without current labels (BBSE)</h4>",
           table(headers, rows, numeric=[False] + [True] * (len(headers) - 1))]
    cond = est.get("condition")
    extra = []
    if cond is not None:
        extra.append(f"condition number of the confusion matrix {fmt(cond, 3)}")
    if est.get("note"):
        extra.append(esc(est["note"]))
    if extra:
        out.append(f'<p class="dc-note">{"; ".join(extra)}</p>')
    return "".join(out)


def _window_detail(r: DriftReport, title: str, prefix: str) -> str:
    """One window's most drifted columns (reference vs current), its drifted tests, its
    data checks and label estimate; `title` (HTML) starts each heading."""
    out: list[str] = []
    shown = [c for c in r.distributions]
    if shown:
        by_name = {t.name: t for t in r.family("feature")}
        out.append(f"<h3>{title}reference vs current, smallest corrected p first</h3>")
        cards = []
        for i, col in enumerate(shown):
            fig = new_figure(4.4, 2.8)
            DriftDistributionDisplay.from_report(r, col).plot(fig.add_subplot())
            t = by_name.get(col)
            cap = (f'<b class="{_verdict_class(t.drifted)}">{esc(col)}</b>: {esc(t.reason)}'
                   if t is not None else f"<b>{esc(col)}</b>")
            cards.append(f'<div class="dc-card"><figure>'
                         f"{figure_svg(fig, prefix=f'{prefix}-d{i}')}"
                         f"<figcaption>{cap}</figcaption></figure></div>")
        out.append(f'<div class="dc-grid dc-grid-small">{"".join(cards)}</div>')

    # -- the latest window's drifted tests, checks and label estimate
    out.append(f"<h3>{title}drifted tests</h3>")
    out.append(_drifted_table(r))
    if r.checks:
        out.append("<h4>Data checks on the current window</h4>")
        out += [f'<p class="dc-note dc-warn">check: {esc(c)}</p>' for c in r.checks]
    if r.label_estimate:
        out.append(_label_block(r.label_estimate))
    return "".join(out)


def drift_html(report: DriftReport) -> str:
    """A `DriftReport` as a self-contained HTML fragment (Jupyter's ``_repr_html_``): the
    verdict, the most drifted columns, the drifted tests, checks and label estimate."""
    return (f'<div class="dc"><style>{CSS}</style>'
            f'<p class="dc-verdict"><span class="{_verdict_class(report.drifted)}">'
            f"{esc(report.verdict)}</span></p>"
            f"{_window_detail(report, '', 'nb')}</div>")


def monitor_block(windows: Sequence[MonitorWindow], status: MonitorStatus, *,
                  prefix: str = "mon") -> str:
    """The monitoring section's HTML: the latest window's verdict and the history's,
    drift over the windows (figure and table), the latest window's most drifted columns
    (reference vs current), its drifted tests, data checks and label estimate.

    Parameters
    ----------
    windows : sequence of MonitorWindow
        In the order they were added (`datacurve.monitor.windows`); at least one.
    status : MonitorStatus
        `datacurve.monitor.monitor_status` of the same windows (`Analysis.monitor_status`).
    prefix : str
        Prefix of the figures' SVG ids (unique within the page).

    Returns
    -------
    str
    """
    ws = list(windows)
    if not ws:
        return '<p class="dc-note">No monitoring windows recorded (datacurve monitor add).</p>'
    latest = ws[-1]
    r = latest.report
    name = latest.name
    out = [f'<p class="dc-verdict"><b>Latest window ‘{esc(name)}’:</b> '
           f'<span class="{_verdict_class(r.drifted)}">{esc(r.verdict)}</span></p>',
           f'<p class="dc-note">added {esc(latest.added)} · {r.n_current:,} current rows'
           f"{_named(r.current, 'current')} against {r.n_reference:,} reference rows"
           f"{_named(r.reference, 'reference')}</p>",
           _history_line(status),
           '<p class="dc-lead">Each window is compared with the reference data '
           "(<code>datacurve monitor add</code>): one two-sample test per column, and "
           "the multivariate, model-output and label tests when they were run, their "
           "p-values corrected within each group (the inputs, the model's outputs, the "
           "labels) and the groups sharing alpha — the verdict says how "
           f"({esc(CORRECTIONS.get(r.correction, r.correction))} in the latest window, "
           f"alpha {r.alpha:g}). A test drifts when its corrected p-value is below alpha "
           "(and its effect reaches the minimum asked for).</p>"]

    # -- drift over windows
    out.append("<h3>Drift over windows</h3>")
    hist = DriftHistoryDisplay.from_windows(ws)
    if hist.columns:
        fig = new_figure(9.0, 3.8)
        hist.plot(fig.add_subplot())
        out.append(f"<figure>{figure_svg(fig, prefix=f'{prefix}-hist')}<figcaption>"
                   f"−log10 of each column's corrected p-value per window, for the "
                   f"{len(hist.columns)} column{'s' if len(hist.columns) != 1 else ''} that "
                   "drifted in the most windows (filled: drifted; dashed: alpha; shaded: "
                   f"windows whose verdict is drift; drawn at most {P_CAP:g})."
                   "</figcaption></figure>")
    out.append(_windows_table(ws))

    out.append(_window_detail(r, f"‘{esc(name)}’: ", prefix))
    return "".join(out)
