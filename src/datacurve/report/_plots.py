"""Plot objects, separate from the computation (scikit-learn's Display pattern).

A display is built from fitted results (``from_fit`` / ``from_results``), holds only the
values to draw, and draws them with `plot` on a matplotlib axes (a new figure when none
is given). matplotlib is imported inside `plot`, so importing datacurve never pays for it.
`figure_svg` turns a figure into an inline SVG string for HTML reports.
"""

from __future__ import annotations

import io
import math
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from datacurve.fit import Allocation, LearningCurve, ScalingLaw, samples_needed
from datacurve.results import Results

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["ActiveDisplay", "LearningCurveDisplay", "ModelSizeDisplay", "StrategyDisplay",
           "figure_svg", "mpl_text", "new_figure"]

_COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2",
           "#17becf", "#7f7f7f", "#bcbd22")
_SVG_RC: dict[str, Any] = {"svg.fonttype": "none", "svg.hashsalt": "datacurve", "font.size": 9.0,
           "axes.titlesize": 10.0, "axes.labelsize": 9.0, "legend.fontsize": 8.0}


def mpl_text(text: object) -> str:
    """`text` as matplotlib shows it literally: ``$`` would start mathtext and a leading
    ``_`` hides a legend entry, so both are neutralised."""
    s = str(text).replace("$", r"\$")
    return "\u200b" + s if s.startswith("_") else s


def color_of(i: int) -> str:
    """The i-th colour of the report's palette."""
    return _COLORS[i % len(_COLORS)]


def new_figure(width: float = 6.4, height: float = 4.0) -> Figure:
    """A matplotlib figure that does not touch pyplot's global state (for reports)."""
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def figure_svg(fig: Figure, *, prefix: str = "f") -> str:
    """The figure as an inline ``<svg>`` element.

    Text stays text (no embedded fonts, nothing fetched), the root element scales to its
    container, and every ``id`` is prefixed with `prefix` so several figures can share
    one HTML page without clashing references.

    Parameters
    ----------
    fig : matplotlib Figure
    prefix : str
        Unique per figure within a page.

    Returns
    -------
    str
    """
    import matplotlib

    buf = io.StringIO()
    with matplotlib.rc_context(_SVG_RC):  # type: ignore[arg-type]
        fig.savefig(buf, format="svg", metadata={"Date": None})
    svg = buf.getvalue()
    svg = svg[svg.index("<svg"):]
    svg = re.sub(r'\sid="([^"]+)"', rf' id="{prefix}-\1"', svg)
    svg = re.sub(r'href="#([^"]+)"', rf'href="#{prefix}-\1"', svg)
    svg = re.sub(r"url\(#([^)]+)\)", rf"url(#{prefix}-\1)", svg)
    head_end = svg.index(">")
    width = re.search(r'\swidth="([^"]*)"', svg[:head_end])
    head = re.sub(r'\s(width|height)="[^"]*"', "", svg[:head_end])
    style = f' style="max-width:{width.group(1)}"' if width else ""
    return (head + f' class="dc-plot"{style} role="img" preserveAspectRatio="xMidYMid meet"'
            + svg[head_end:]).strip()


def _size_label(x: float, _pos: object = None) -> str:
    """Tick label of a size: 100, 1k, 10k, 1M (plain text: no mathtext to lay out)."""
    if x <= 0 or not math.isfinite(x):
        return ""
    for div, suffix in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if x >= div:
            return f"{x / div:g}{suffix}"
    return f"{x:g}"


def _log_axis(axis: Any, subs: tuple[float, ...] = (1.0,)) -> None:
    """A log axis with plain size labels at `subs` × the decades (1, 2, 5 for an axis
    spanning a decade or two) and none on the minor ticks."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    axis.set_major_locator(LogLocator(base=10.0, subs=subs))
    axis.set_major_formatter(FuncFormatter(_size_label))
    axis.set_minor_formatter(NullFormatter())


def _axes(ax: Axes | None) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, new = plt.subplots()
    return new


@dataclass
class LearningCurveDisplay:
    """A fitted learning curve ready to draw: evaluation scores per size with their seed
    spread, training scores beside them, the fitted curve and its interval band
    extrapolated to the target (or 10x the largest size), the target line and the size
    predicted to reach it.

    Build it with `from_fit`; draw it with `plot`.

    Attributes
    ----------
    model, metric : str
    sizes, scores : ndarray of shape (m,)
        Evaluation observations (one per trial), natural units.
    train_sizes, train_scores : ndarray of shape (t,)
        Training-set scores (empty when no results table was given).
    grid, predicted, low, high : ndarray of shape (g,)
        The fitted curve and its interval band on a log grid.
    level : float
        Coverage of the band.
    n_last : float
        Largest measured size.
    target : float or None
    target_size : float or None
        Size where the fitted curve reaches `target` (``inf`` when it never does).
    higher_is_better : bool
    ax_, figure_ : matplotlib objects, set by `plot`
    """

    model: str
    metric: str
    sizes: np.ndarray
    scores: np.ndarray
    train_sizes: np.ndarray
    train_scores: np.ndarray
    grid: np.ndarray
    predicted: np.ndarray
    low: np.ndarray
    high: np.ndarray
    level: float
    n_last: float
    target: float | None
    target_size: float | None
    higher_is_better: bool
    ax_: Any = field(default=None, repr=False)
    figure_: Any = field(default=None, repr=False)

    @classmethod
    def from_fit(cls, curve: LearningCurve, results: Results | pd.DataFrame | None = None,
                 *, model: str | None = None, metric: str | None = None,
                 target: float | None = None, level: float = 0.8) -> LearningCurveDisplay:
        """Gather what to draw from a fitted curve (and its results).

        Parameters
        ----------
        curve : LearningCurve
            From `datacurve.fit.fit_curves` or `fit_learning_curve`.
        results : Results or DataFrame, optional
            The results the curve was fitted on; adds the training scores.
        model : str, optional
            The model's name in `results` (needed when it holds several).
        metric : str, optional
            The metric's name (default: the table's ``metric`` column, else "score").
        target : float, optional
            A score to reach, natural units: the curve is extended to where it reaches
            it and the size the plan gives (`datacurve.fit.samples_needed`) is marked.
        level : float
            Coverage of the band.

        Returns
        -------
        LearningCurveDisplay
        """
        train_n: np.ndarray = np.empty(0)
        train_s: np.ndarray = np.empty(0)
        if results is not None:
            r = Results.from_source(results)
            metric = metric or r.metric.name
            model = r.pick(model)
            f = r.natural_frame(model)
            keep = np.isfinite(f["train"].to_numpy())
            train_n = f["n"].to_numpy(np.float64)[keep]
            train_s = f["train"].to_numpy(np.float64)[keep]
        n_last = curve.n_last
        end = 10.0 * n_last
        size: float | None = None
        if target is not None:
            size = samples_needed(curve, target)
            if math.isfinite(size):
                end = float(np.clip(1.3 * size, 2.0 * n_last, 1e4 * n_last))
        start = max(float(np.min(curve.sizes)), 1.0)
        grid = np.geomspace(start, end, 160)
        lo, hi = curve.interval(grid, level)
        return cls(model=model or "model", metric=metric or "score",
                   sizes=np.asarray(curve.sizes, np.float64),
                   scores=np.asarray(curve.scores, np.float64), train_sizes=train_n,
                   train_scores=train_s, grid=grid,
                   predicted=np.asarray(curve.predict(grid), np.float64),
                   low=np.asarray(lo, np.float64), high=np.asarray(hi, np.float64),
                   level=level, n_last=n_last, target=target, target_size=size,
                   higher_is_better=curve.higher_is_better)

    def plot(self, ax: Axes | None = None, *, color: str | None = None,
             label: str | None = None, show_train: bool = True, show_seeds: bool = True,
             show_band: bool = True, show_target: bool = True) -> LearningCurveDisplay:
        """Draw on `ax` (a new figure when None).

        Parameters
        ----------
        ax : matplotlib Axes, optional
        color : str, optional
        label : str, optional
            Legend label (default: the model's name).
        show_train, show_seeds, show_band, show_target : bool
            Which layers to draw (an overview of several models may leave some out).

        Returns
        -------
        LearningCurveDisplay
            self, with ``ax_`` and ``figure_`` set.
        """
        ax = _axes(ax)
        color = color or _COLORS[0]
        name = mpl_text(label if label is not None else self.model)
        u = np.unique(self.sizes)
        mean = np.array([self.scores[self.sizes == s].mean() for s in u])
        lo = np.array([self.scores[self.sizes == s].min() for s in u])
        hi = np.array([self.scores[self.sizes == s].max() for s in u])
        if show_band:
            ax.fill_between(self.grid, self.low, self.high, color=color, alpha=0.15,
                            linewidth=0, label=f"{self.level:.0%} interval")
        ax.plot(self.grid, self.predicted, color=color, linewidth=1.6,
                label=f"{name} (fit)" if show_train else name)
        ax.axvline(self.n_last, color="#999999", linewidth=0.6, linestyle=":")
        if show_seeds and u.size < self.sizes.size:
            ax.scatter(self.sizes, self.scores, s=7, color=color, alpha=0.35, linewidths=0)
        # Identical seeds: the float mean can land an ulp outside [min, max].
        spread = np.clip([mean - lo, hi - mean], 0.0, None)
        ax.errorbar(u, mean, yerr=spread, fmt="o", markersize=3.5,
                    color=color, ecolor=color, elinewidth=1.0, capsize=2,
                    label="evaluation (seed range)" if show_train else None)
        if show_train and self.train_sizes.size:
            tu = np.unique(self.train_sizes)
            tmean = np.array([self.train_scores[self.train_sizes == s].mean() for s in tu])
            ax.plot(tu, tmean, linestyle="--", marker="o", markersize=3, color=color,
                    markerfacecolor="white", linewidth=1.0, alpha=0.8, label="train")
        if show_target and self.target is not None:
            ax.axhline(self.target, color="#444444", linewidth=0.9, linestyle="-.",
                       label=f"target {self.target:g}")
            if self.target_size is not None and math.isfinite(self.target_size):
                ax.axvline(self.target_size, color=color, linewidth=0.9, linestyle="--")
                ax.plot([self.target_size], [self.target], marker="D", markersize=6,
                        color=color)
                ax.annotate(f"n ≈ {math.ceil(self.target_size):,}", (self.target_size, self.target),
                            textcoords="offset points", xytext=(-6, -14), ha="right",
                            fontsize=8, color=color)
        ax.set_xscale("log")
        _log_axis(ax.xaxis)
        ax.set_xlabel("training-set size")
        ax.set_ylabel(mpl_text(self.metric))
        ax.grid(True, which="major", linewidth=0.4, alpha=0.5)
        self.ax_ = ax
        self.figure_ = ax.figure
        return self


@dataclass
class ModelSizeDisplay:
    """Model size against data size: the measured grid (one point per model and size,
    coloured by the evaluation score) and, when a joint law was fitted, its iso-quality
    lines and the compute-optimal point.

    Attributes
    ----------
    grid : DataFrame
        One row per (model, n): ``model, params, n, val_mean, seeds, failed``.
    metric : str
    law : ScalingLaw or None
    allocation : Allocation or None
    architecture : str or None
        The architecture the law describes.
    left_out : tuple of str
        Models not drawn: their parameter count follows the training-set size (trees,
        forests, k-NN), so it is no model size.
    ax_, figure_ : matplotlib objects, set by `plot`
    """

    grid: pd.DataFrame
    metric: str
    law: ScalingLaw | None = None
    allocation: Allocation | None = None
    architecture: str | None = None
    left_out: tuple[str, ...] = ()
    ax_: Any = field(default=None, repr=False)
    figure_: Any = field(default=None, repr=False)

    @classmethod
    def from_results(cls, results: Results | pd.DataFrame, *, law: ScalingLaw | None = None,
                     allocation: Allocation | None = None,
                     architecture: str | None = None) -> ModelSizeDisplay:
        """Gather the measured grid of a results table (failed trials counted).

        Parameters
        ----------
        results : Results or DataFrame
            The trials (see `Results.from_source`).
        law : ScalingLaw, optional
            From `datacurve.fit.fit_scaling_law`: draws its iso-quality lines.
        allocation : Allocation, optional
            From `datacurve.fit.compute_optimal`: marks the compute-optimal point.
        architecture : str, optional
            What the law describes, for the legend.

        Returns
        -------
        ModelSizeDisplay
        """
        r = Results.from_source(results)
        summary = r.summary()
        metric = str(summary["metric"].iloc[0])
        grid = summary[["model", "params", "n", "val_mean", "seeds", "failed"]].copy()
        # Failed trials record no parameter count: use the model's measured one.
        known = grid["params"].where(grid["params"] > 0)
        grid["params"] = known.fillna(known.groupby(grid["model"]).transform("max"))
        # A model whose parameter count follows n (trees, k-NN) has no place on a
        # model-size axis.
        growing = tuple(m for m in r.models() if r.size_follows_n(m))
        grid = grid[(grid["params"] > 0) & ~grid["model"].isin(growing)]
        return cls(grid=grid.reset_index(drop=True), metric=metric, law=law,
                   allocation=allocation, architecture=architecture, left_out=growing)

    def plot(self, ax: Axes | None = None) -> ModelSizeDisplay:
        """Draw on `ax` (a new figure when None).

        Returns
        -------
        ModelSizeDisplay
            self, with ``ax_`` and ``figure_`` set.
        """
        ax = _axes(ax)
        g = self.grid
        n = g["n"].to_numpy(np.float64)
        p = g["params"].to_numpy(np.float64)
        v = g["val_mean"].to_numpy(np.float64)
        ok = np.isfinite(v)
        if self.law is not None:
            n_lo, n_hi = float(n.min()), float(n.max()) * 10.0
            p_lo, p_hi = float(p.min()) / 2.0, float(p.max()) * 4.0
            if self.allocation is not None:
                n_hi = max(n_hi, self.allocation.n * 1.5)
                p_lo = min(p_lo, self.allocation.params / 1.5)
                p_hi = max(p_hi, self.allocation.params * 1.5)
            nn, pp = np.meshgrid(np.geomspace(n_lo, n_hi, 90), np.geomspace(p_lo, p_hi, 90))
            z = self.law.predict(pp, nn)
            levels = _iso_levels(z, v[ok])
            if levels.size:
                cs = ax.contour(nn, pp, z, levels=levels, colors="#555555",
                                linewidths=0.8, linestyles="-")
                ax.clabel(cs, fmt=lambda x: f"{x:.3g}", fontsize=7)
                ax.plot([], [], color="#555555", linewidth=0.8,
                        label=mpl_text(f"iso-{self.metric} lines of the joint law"
                                       + (f" ({self.architecture})" if self.architecture
                                          else "")))
        sc = ax.scatter(n[ok], p[ok], c=v[ok], cmap="viridis", s=46, edgecolors="white",
                        linewidths=0.6, zorder=3, label="measured (model, size)")
        if (~ok).any():
            ax.scatter(n[~ok], p[~ok], marker="x", color="#d62728", s=40, zorder=3,
                       label="failed")
        bad = g["failed"].to_numpy(np.float64) > 0
        if (bad & ok).any():
            ax.scatter(n[bad & ok], p[bad & ok], marker="x", color="#d62728", s=22,
                       zorder=4)
        if ok.any():
            cb = ax.figure.colorbar(sc, ax=ax, pad=0.01)
            cb.set_label(mpl_text(f"evaluation {self.metric} (mean over seeds)"))
        if self.allocation is not None:
            a = self.allocation
            alt = sorted(a.alternatives, key=lambda r: r["params"])
            if alt:
                ax.plot([r["n"] for r in alt], [r["params"] for r in alt], color="#ff7f0e",
                        linestyle=":", linewidth=1.2,
                        label=f"{a.budget:.3g} s per run (budget frontier)")
            ax.plot([a.n], [a.params], marker="*", markersize=15, color="#ff7f0e",
                    markeredgecolor="black", markeredgewidth=0.6, zorder=5,
                    label=f"compute-optimal: {a.params:,.0f} params, n={a.n:,.0f}")
        labels = dict.fromkeys(zip(g["params"], g["model"], strict=True))
        for params, model in labels:
            short = model if len(model) <= 28 else model[:27] + "…"
            # Above the model's row, ending at its largest size: inside the axes, where
            # a label right of the last point would be cut at the frame.
            ax.annotate(mpl_text(short), (float(n.max()), float(params)),
                        textcoords="offset points", xytext=(0, 7), ha="right",
                        va="bottom", fontsize=7, color="#333333", clip_on=True)
        ax.set_xscale("log")
        ax.set_yscale("log")
        _log_axis(ax.xaxis)
        _log_axis(ax.yaxis)
        ax.set_xlabel("training-set size")
        ax.set_ylabel("model size (parameters)")
        ax.grid(True, which="major", linewidth=0.4, alpha=0.5)
        ax.legend(loc="lower left", fontsize=7, framealpha=0.85)
        self.ax_ = ax
        self.figure_ = ax.figure
        return self


def _iso_levels(z: np.ndarray, measured: np.ndarray) -> np.ndarray:
    """A handful of round contour levels spanning the law's values on the plot, finer
    where the measured scores lie."""
    zf = z[np.isfinite(z)]
    if zf.size == 0:
        return np.empty(0)
    lo, hi = float(np.quantile(zf, 0.05)), float(np.quantile(zf, 0.98))
    if measured.size:
        lo = min(lo, float(np.min(measured)))
    if not hi > lo:
        return np.empty(0)
    qs = np.quantile(zf, [0.15, 0.35, 0.55, 0.7, 0.82, 0.9, 0.95, 0.98])
    span = hi - lo
    digits = max(2, int(-math.floor(math.log10(span / 20))) if span > 0 else 2)
    levels = np.unique(np.round(qs, digits))
    return levels[(levels > float(zf.min())) & (levels < float(zf.max()))]


@dataclass
class StrategyDisplay:
    """Strategies against their baseline: each one's mean score per size beside the
    baseline's (left) and its effective data multiplier with its interval band against
    the size (right, log scale; 1× is no gain).

    Attributes
    ----------
    baseline : str
    metric : str
    table : DataFrame
        `datacurve.strategies.StrategyComparison.table`.
    level : float
    figure_ : matplotlib Figure, set by `plot`
    """

    baseline: str
    metric: str
    table: pd.DataFrame
    level: float = 0.8
    figure_: Any = field(default=None, repr=False)

    _CAP = 1e3
    """Multipliers drawn at most this large (an unbounded end is drawn at the cap)."""

    def plot(self, fig: Figure) -> StrategyDisplay:
        """Draw both panels on `fig`."""
        left, right = fig.subplots(1, 2)
        base = self.table.drop_duplicates("n").sort_values("n")
        left.plot(base["n"], base["baseline_score"], marker="o", color="#444444",
                  linewidth=1.4, label=mpl_text(f"{self.baseline} (baseline)"))
        for i, (name, g) in enumerate(self.table.groupby("strategy", sort=False)):
            g = g.sort_values("n")
            color = color_of(i + 1)
            left.plot(g["n"], g["score"], marker="o", color=color, linewidth=1.2,
                      label=mpl_text(name))
            m = np.clip(g["multiplier"].to_numpy(float), 1.0 / self._CAP, self._CAP)
            lo = np.clip(g["multiplier_low"].to_numpy(float), 1.0 / self._CAP, self._CAP)
            hi = np.clip(g["multiplier_high"].to_numpy(float), 1.0 / self._CAP, self._CAP)
            right.fill_between(g["n"], lo, hi, color=color, alpha=0.15, linewidth=0)
            right.plot(g["n"], m, marker="o", color=color, linewidth=1.2,
                       label=mpl_text(name))
        right.axhline(1.0, color="#444444", linewidth=0.9, linestyle="-.")
        right.set_yscale("log")
        right.set_ylabel("effective data multiplier (× raw samples)")
        right.set_title(f"multiplier, {self.level:.0%} interval (capped at "
                        f"{self._CAP:g}×)", fontsize=9)
        left.set_ylabel(mpl_text(self.metric))
        left.set_title("mean evaluation score on the same subsets", fontsize=9)
        for ax in (left, right):
            ax.set_xscale("log")
            _log_axis(ax.xaxis)
            ax.set_xlabel("training-set size")
            ax.grid(True, which="major", linewidth=0.4, alpha=0.5)
        left.legend(fontsize=7, loc="best")
        self.figure_ = fig
        return self


@dataclass
class ActiveDisplay:
    """Simulated active learning: each strategy's mean accuracy against the labels with
    its seed band (min to max over seeds), the target as a horizontal line.

    Attributes
    ----------
    bands : DataFrame
        `datacurve.active.ActiveSimulation.bands` (strategy, labels, mean, low, high).
    target : float
    metric : str
    figure_ : matplotlib Figure, set by `plot`
    """

    bands: pd.DataFrame
    target: float
    metric: str = "accuracy"
    figure_: Any = field(default=None, repr=False)

    def plot(self, fig: Figure) -> ActiveDisplay:
        """Draw on `fig`."""
        ax = fig.subplots()
        for i, (name, g) in enumerate(self.bands.groupby("strategy", sort=False)):
            color = "#444444" if name == "random" else color_of(i)
            ax.fill_between(g["labels"], g["low"], g["high"], color=color, alpha=0.12,
                            linewidth=0)
            ax.plot(g["labels"], g["mean"], color=color,
                    linewidth=1.8 if name == "random" else 1.2,
                    linestyle="--" if name == "random" else "-", label=mpl_text(name))
        ax.axhline(self.target, color="#444444", linewidth=0.9, linestyle=":")
        ax.set_xscale("log")
        _log_axis(ax.xaxis, (1.0, 2.0, 5.0))
        ax.set_xlabel("labels")
        ax.set_ylabel(mpl_text(self.metric))
        ax.set_title("mean over seeds (band: seed range); dotted: the target", fontsize=9)
        ax.grid(True, which="major", linewidth=0.4, alpha=0.5)
        ax.legend(fontsize=7, loc="lower right")
        self.figure_ = fig
        return self
