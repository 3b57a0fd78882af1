"""`drift`: has the current window moved away from the reference data, and does it matter?

One call runs four families of two-sample tests and corrects them together:

- **feature** — one test per column. Numeric: Cramér–von Mises (default), Kolmogorov–
  Smirnov or Anderson–Darling on the present values, with the normalised Wasserstein
  distance (in reference standard deviations) and the population stability index (PSI,
  10 reference-quantile bins) as effect sizes, and values outside the reference's range
  counted. Categorical: chi-squared on the 2 × K table of counts (a missing value is a
  category of its own), with the Jensen–Shannon distance (base 2) as effect size and new
  categories named. A change in the share of missing values of a numeric column is tested
  too (chi-squared) and joins the column's p-value (Bonferroni over the two).
- **multivariate** — maximum mean discrepancy with a permutation test on the
  standardised table (and on text embeddings, the audit's MiniLM, or embeddings the caller
  gives), and a classifier two-sample test (gradient boosting tells reference from current
  rows; out-of-fold AUC, which features it used, a drift score per current row).
- **output** — black-box shift detection (Rabanser et al., NeurIPS 2019): KS per class of
  a model's predicted probabilities and chi-squared of its predicted labels, when a model
  or its probabilities are given.
- **label** — when the current window has labels, chi-squared of the label proportions;
  with reference labels and a model, black-box shift estimation (BBSE, Lipton et al. 2018)
  of the current label proportions without current labels.

The p-values are corrected within each group — the inputs (feature and multivariate
tests), the model's outputs, the labels — with Benjamini–Hochberg (default) or Bonferroni,
and the groups present share `alpha` (Bonferroni over the groups: ``p_adjusted`` is the
group's adjusted p-value times the number of groups). The chance of a false "drift"
verdict stays near `alpha` however many columns there are, and a model's few output tests
are not diluted by many quiet input columns. A test is *drifted* when its corrected
p-value is below `alpha` and its effect size is at least `min_effect` (feature tests
only; 0 by default, raise it on very large windows, where tiny shifts are significant).

The current window is also checked the way the audit checks a table (missing and
malformed values, constant and all-missing columns, mixed types); a window whose columns
differ from the reference's, or whose numeric column holds text, is refused with one error
naming the columns. Parquet files are read one column at a time, so a window is never
loaded whole.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.stats as st
from scipy.spatial.distance import jensenshannon

from datacurve import _hooks
from datacurve._errors import InputError, describe
from datacurve._plain import plain
from datacurve.auditing import get_check
from datacurve.data import CLASSIFICATION_MAX_DISTINCT
from datacurve.monitor._multi import _matrix as _as_matrix
from datacurve.monitor._multi import (
    bbse,
    classifier_test,
    label_test,
    mmd_test,
    output_tests,
)

__all__ = [
    "CORRECTIONS",
    "FAMILIES",
    "NUMERIC_TESTS",
    "DriftReport",
    "DriftTest",
    "drift",
]

CORRECTIONS = {"bh": "Benjamini–Hochberg", "bonferroni": "Bonferroni"}
"""Multiple-testing corrections: key → the name reports print."""

NUMERIC_TESTS = {"cvm": "Cramér–von Mises", "ks": "Kolmogorov–Smirnov",
                 "ad": "Anderson–Darling"}
"""Tests for a numeric column: key → name."""

FAMILIES = ("feature", "multivariate", "output", "label")
"""Families of tests, in the report's order."""

GROUPS = {"feature": "inputs", "multivariate": "inputs", "output": "outputs",
          "label": "labels"}
"""The correction runs within each group of families; the groups present share `alpha`
(Bonferroni), so a model's few output tests are not diluted by many input columns."""


def _groups(families: Iterable[str]) -> list[str]:
    """The groups of `families`, in `GROUPS` order."""
    present = {GROUPS[f] for f in families}
    return [g for g in dict.fromkeys(GROUPS.values()) if g in present]

DISTRIBUTIONS_SHOWN = 6
"""Reference vs current distributions kept for this many columns (the most drifted)."""

MATRIX_ROWS = 50_000
"""Rows per side (sampled, seeded) the multivariate tests read."""

CVM_P_FLOOR = 1e-6
"""Cramér–von Mises p-values below this are reported as this (see `_numeric_pvalue`)."""

CLASSIFIER_ROWS = 10_000
"""Rows per side the classifier test trains on (the other sampled rows are scored by the
fold models)."""

MIN_IMPORTANCE = 0.005
"""A column the classifier test "uses" costs at least this much AUC when permuted."""

TOP_CATEGORIES = 20
"""Categories of a column one-hot encoded for the multivariate tests (the reference's
most frequent; the rest share one column)."""

_MISSING = "<missing>"


# -- results --------------------------------------------------------------------------------
@dataclass(frozen=True)
class DriftTest:
    """One two-sample test.

    Attributes
    ----------
    name : str
        The column, or the test's subject ("table", "text: review", "p(cat)", "labels").
    family : str
        One of `FAMILIES`.
    test : str
        "cvm", "ks", "ad", "chi2", "mmd", "c2st".
    statistic, p_value : float
        The test's statistic and raw p-value.
    p_adjusted : float
        The p-value after the report's correction (within its group, times the number
        of groups): drifted when below alpha.
    effect : float
        Effect size (`effect_name`): normalised Wasserstein, Jensen–Shannon distance,
        MMD², AUC − 0.5, KS statistic, total-variation distance.
    effect_name : str
    drifted : bool
    reason : str
        One line: what moved, by how much, and the evidence.
    details : dict
        More numbers (means, PSI, missing shares, new categories, importances, ...).
    """

    name: str
    family: str
    test: str
    statistic: float
    p_value: float
    p_adjusted: float
    effect: float
    effect_name: str
    drifted: bool
    reason: str
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DriftReport:
    """Everything `drift` found.

    Attributes
    ----------
    tests : tuple of DriftTest
        Every test, feature tests first (in column order), then multivariate, output and
        label tests.
    correction : str
        Key of `CORRECTIONS`.
    alpha : float
    n_reference, n_current : int
        Rows compared.
    reference, current : str
        What was compared (file paths, or "reference" / "current" for frames).
    checks : tuple of str
        Findings of the data checks on the current window (one line each).
    distributions : dict
        Column → reference vs current distribution of the `DISTRIBUTIONS_SHOWN` most
        drifted columns: ``{"kind": "numeric", "edges": [...], "reference": [...],
        "current": [...]}`` (shares per bin) or ``{"kind": "categorical",
        "categories": [...], "reference": [...], "current": [...]}``.
    label_estimate : dict or None
        BBSE's estimate: ``{"classes", "reference", "estimated", "condition", "note"}``
        (and ``"observed"`` when current labels were given).
    row_scores : ndarray of shape (m,) or None
        Classifier-test score of the current rows it read (higher: less like the
        reference); `row_index` holds their row numbers in the current window.
    row_index : ndarray of shape (m,) or None
    settings : dict
        The arguments that shaped the report.
    """

    tests: tuple[DriftTest, ...]
    correction: str
    alpha: float
    n_reference: int
    n_current: int
    reference: str = "reference"
    current: str = "current"
    checks: tuple[str, ...] = ()
    distributions: dict[str, dict[str, Any]] = field(default_factory=dict)
    label_estimate: dict[str, Any] | None = None
    row_scores: np.ndarray | None = None
    row_index: np.ndarray | None = None
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def drifted(self) -> bool:
        """Whether any test found drift."""
        return any(t.drifted for t in self.tests)

    def family(self, name: str) -> tuple[DriftTest, ...]:
        """The tests of one family (see `FAMILIES`)."""
        return tuple(t for t in self.tests if t.family == name)

    def most_drifted(self, k: int = 5) -> tuple[DriftTest, ...]:
        """The `k` feature tests with the smallest corrected p-values (largest effect
        first among ties)."""
        feats = sorted(self.family("feature"), key=_rank)
        return tuple(feats[:k])

    @property
    def verdict(self) -> str:
        """One line: drift or not, and the strongest evidence."""
        n = len(self.tests)
        groups = _groups(t.family for t in self.tests)
        fixed = f"{CORRECTIONS[self.correction]}-corrected" + (
            f" within {', '.join(groups)}, each at alpha/{len(groups)}" if len(groups) > 1
            else "") + f", alpha {self.alpha:g}"
        hit = sorted((t for t in self.tests if t.drifted), key=_rank)
        if not hit:
            return (f"no drift: none of {n} tests is significant ({fixed}; "
                    f"{self.n_reference:,} reference vs {self.n_current:,} current rows)")
        names = ", ".join(_subject(t) for t in hit[:3])
        more = f" and {len(hit) - 3} more" if len(hit) > 3 else ""
        return (f"drift: {len(hit)} of {n} tests ({fixed}) — {names}{more}; strongest: "
                f"{hit[0].reason}")

    def _repr_html_(self) -> str | None:
        """Jupyter display: the verdict, the most drifted columns and the drifted tests
        (rendered by the report room)."""
        return _hooks.html(self)

    def table(self) -> pd.DataFrame:
        """One row per test: name, family, test, statistic, p_value, p_adjusted, effect,
        effect_name, drifted, reason."""
        cols = ["name", "family", "test", "statistic", "p_value", "p_adjusted", "effect",
                "effect_name", "drifted", "reason"]
        return pd.DataFrame([[getattr(t, c) for c in cols] for t in self.tests],
                            columns=cols)

    def drifted_rows(self, k: int | None = None) -> np.ndarray:
        """Row numbers (0-based) of the current window, most unlike the reference first
        (by the classifier test's score), at most `k`. Empty without a classifier test."""
        if self.row_scores is None or self.row_index is None:
            return np.zeros(0, dtype=np.int64)
        order = np.argsort(-self.row_scores, kind="stable")
        rows = self.row_index[order]
        return rows if k is None else rows[:k]

    def to_dict(self, rows: int = 100) -> dict[str, Any]:
        """JSON-safe (NaN → None); the `rows` highest row scores are kept."""
        top = self.drifted_rows(rows)
        scores = {} if self.row_scores is None or self.row_index is None else dict(
            zip(self.row_index.tolist(), self.row_scores.tolist(), strict=True))
        return plain({
            "drifted": self.drifted, "verdict": self.verdict,
            "correction": self.correction, "alpha": self.alpha,
            "n_reference": self.n_reference, "n_current": self.n_current,
            "reference": self.reference, "current": self.current,
            "checks": list(self.checks),
            "tests": [t.__dict__ for t in self.tests],
            "distributions": self.distributions,
            "label_estimate": self.label_estimate,
            "drifted_rows": [{"row": int(r), "score": scores[int(r)]} for r in top],
            "settings": self.settings})

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> DriftReport:
        """The report `to_dict` wrote (row scores: only the rows it kept)."""
        def test_of(t: dict[str, Any]) -> DriftTest:
            fields: dict[str, Any] = {k: (math.nan if v is None and k in _FLOATS else v)
                                      for k, v in t.items()}
            return DriftTest(**fields)

        tests = tuple(test_of(t) for t in d["tests"])
        rows = d.get("drifted_rows") or []
        return cls(tests=tests, correction=d["correction"], alpha=float(d["alpha"]),
                   n_reference=int(d["n_reference"]), n_current=int(d["n_current"]),
                   reference=d.get("reference", "reference"),
                   current=d.get("current", "current"), checks=tuple(d.get("checks", ())),
                   distributions=d.get("distributions") or {},
                   label_estimate=d.get("label_estimate"),
                   row_scores=np.array([r["score"] for r in rows], dtype=float)
                   if rows else None,
                   row_index=np.array([r["row"] for r in rows], dtype=np.int64)
                   if rows else None,
                   settings=d.get("settings") or {})


_FLOATS = {"statistic", "p_value", "p_adjusted", "effect"}


def _rank(t: DriftTest) -> tuple[bool, float, float]:
    """Most drifted first: drifted tests, then smaller corrected p-values — all below
    `CVM_P_FLOOR` taken as equal, since no test resolves them — then larger effects."""
    return (not t.drifted, max(_nan_last(t.p_adjusted), CVM_P_FLOOR), -_nan_zero(t.effect))


def _nan_last(x: float) -> float:
    return math.inf if x is None or not math.isfinite(x) else x


def _nan_zero(x: float) -> float:
    return 0.0 if x is None or not math.isfinite(x) else x


def _subject(t: DriftTest) -> str:
    return f"'{t.name}'" if t.family == "feature" else f"{t.name} ({t.test})"


# -- reading the windows ----------------------------------------------------------------------
class _Window:
    """A reference or current window: a DataFrame, or a table file. Parquet is read one
    column at a time (`column`), never whole; CSV / TSV / JSONL are read whole."""

    def __init__(self, source: str | Path | pd.DataFrame, role: str) -> None:
        self.role = role
        self._frame: pd.DataFrame | None = None
        self._parquet: Any = None
        if isinstance(source, pd.DataFrame):
            self.name = role
            self._frame = source
            self.columns = [str(c) for c in source.columns]
            if len(set(self.columns)) != len(self.columns):
                raise InputError(role, "unique column names", describe(self.columns))
            self.n = len(source)
        elif isinstance(source, str | Path):
            path = Path(source).expanduser()
            self.name = str(source)
            if path.is_file() and path.suffix.lower() in (".parquet", ".pq"):
                import pyarrow.parquet as pq

                try:
                    self._parquet = pq.ParquetFile(path)
                except Exception as exc:  # the user's file: any reader error is its fault
                    raise InputError(str(source), "a readable Parquet file",
                                     str(exc).splitlines()[0]) from exc
                self.columns = [str(c) for c in self._parquet.schema_arrow.names]
                self.n = int(self._parquet.metadata.num_rows)
            else:
                from datacurve.data import read_table

                self._frame = read_table(path)
                self.columns = [str(c) for c in self._frame.columns]
                self.n = len(self._frame)
        else:
            raise InputError(role, "a DataFrame or a table file (CSV, TSV, JSONL, Parquet)",
                             type(source).__name__)

    def column(self, name: str) -> pd.Series:
        """One column (read from the file for Parquet)."""
        if self._frame is not None:
            col = self._frame[self._frame.columns[self.columns.index(name)]]
            return col.reset_index(drop=True)
        table = self._parquet.read(columns=[name])
        return table.column(0).to_pandas()

    def is_numeric(self, name: str) -> bool:
        """Whether the column is stored as numbers (booleans are categories)."""
        if self._frame is not None:
            s = self._frame[self._frame.columns[self.columns.index(name)]]
            return bool(pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)
                        and not isinstance(s.dtype, pd.CategoricalDtype))
        import pyarrow as pa

        t = self._parquet.schema_arrow.field(name).type
        return bool(pa.types.is_integer(t) or pa.types.is_floating(t)
                    or pa.types.is_decimal(t))


def _numbers(s: pd.Series) -> tuple[np.ndarray, int]:
    """Values as float64 (missing → NaN, ±inf → NaN) and how many present values were
    not numbers."""
    if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
        v = s.to_numpy(dtype=np.float64, na_value=np.nan)
        return np.where(np.isinf(v), np.nan, v), 0
    num = pd.to_numeric(s, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    bad = int((s.notna().to_numpy() & np.isnan(num)).sum())
    return np.where(np.isinf(num), np.nan, num), bad


def _categories(s: pd.Series) -> pd.Series:
    """Values as text; missing → ``<missing>``."""
    return s.astype("string").fillna(_MISSING).astype(object)


# -- one column --------------------------------------------------------------------------------
@dataclass
class _Raw:
    """A test before the correction."""

    name: str
    family: str
    test: str
    statistic: float
    p_value: float
    effect: float
    effect_name: str
    details: dict[str, Any]
    describe: Callable[[bool, float], str]
    gated: bool = False          # subject to min_effect


def _fmt(x: float, digits: int = 3) -> str:
    if x is None or not math.isfinite(x):
        return "–"
    if x != 0 and abs(x) < 1e-3:
        return "< 0.001" if x > 0 else "> -0.001"
    if abs(x) >= 1e6:
        return f"{x:.{digits - 1}e}"
    return f"{x:.{digits}g}"


def _share(x: float) -> str:
    """A share as a percentage; a share that rounds to 0.0 % but is not 0 says so."""
    return "< 0.1%" if 0 < x < 0.0005 else f"{x:.1%}"


def _pval(p: float) -> str:
    """A p-value: scientific below 0.001."""
    if p == 0:
        return "< 1e-300"
    return f"{p:.1e}" if p < 1e-3 else f"{p:.2g}"


def _p(p: float) -> str:
    return "p_adj " + _pval(p)


def _numeric_pvalue(a: np.ndarray, b: np.ndarray, test: str) -> tuple[float, float]:
    if np.all(a == a[0]) and np.all(b == a[0]):
        return 0.0, 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if test == "ks":
            r = st.ks_2samp(a, b)
            return float(r.statistic), float(r.pvalue)
        if test == "ad":
            r2 = st.anderson_ksamp([a, b])
            return float(r2.statistic), float(r2.pvalue)
        r3 = st.cramervonmises_2samp(a, b)
        # scipy's asymptotic CvM distribution loses precision below about 1e-7 (a 3 sd
        # shift of 4,000 rows gets p = 1.3e-7, a 0.5 sd one 5e-9): a p-value below
        # CVM_P_FLOOR is reported as the floor, an upper bound, and ranked by effect.
        return float(r3.statistic), max(float(r3.pvalue), CVM_P_FLOOR)


def _psi(sa: np.ndarray, sb: np.ndarray, bins: int = 10) -> float:
    """Population stability index over the reference's decile bins (`sa`, `sb` sorted)."""
    edges = np.unique(np.quantile(sa, np.linspace(0, 1, bins + 1)[1:-1]))
    ca = np.diff(np.searchsorted(sa, edges, side="right"), prepend=0, append=len(sa))
    cb = np.diff(np.searchsorted(sb, edges, side="right"), prepend=0, append=len(sb))
    pa = np.maximum(ca / len(sa), 1e-4)
    pb = np.maximum(cb / len(sb), 1e-4)
    return float(np.sum((pb - pa) * np.log(pb / pa)))


def _wasserstein(sa: np.ndarray, sb: np.ndarray) -> float:
    """Wasserstein-1 distance of two empirical distributions (sorted samples): the area
    between their CDFs. scipy's `wasserstein_distance` computes the same but sorts its
    inputs and their concatenation again (3 sorts per column, the slowest part of a
    million-row window); here the two sorted runs are merged (a stable sort of two
    sorted runs is a linear merge)."""
    allv = np.sort(np.concatenate([sa, sb]), kind="stable")
    fa = np.searchsorted(sa, allv[:-1], side="right") / len(sa)
    fb = np.searchsorted(sb, allv[:-1], side="right") / len(sb)
    return float(np.sum(np.abs(fa - fb) * np.diff(allv)))


def _numeric_column(name: str, r: pd.Series, c: pd.Series, test: str
                    ) -> tuple[_Raw | None, dict[str, Any], list[str]]:
    """The column's test (None when neither window has a value), its distribution, and
    check findings."""
    rv, _ = _numbers(r)
    cv, bad = _numbers(c)
    notes = []
    if bad:
        notes.append(f"'{name}': {bad:,} values of the current window are not numbers "
                     "(read as missing)")
    a, b = rv[~np.isnan(rv)], cv[~np.isnan(cv)]
    miss_r, miss_c = len(rv) - len(a), len(cv) - len(b)
    details: dict[str, Any] = {"missing_reference": miss_r / max(len(rv), 1),
                               "missing_current": miss_c / max(len(cv), 1)}
    if len(a) == 0 and len(b) == 0:
        notes.append(f"'{name}': no values in either window (not tested)")
        return None, {}, notes
    if len(b) == 0 or len(a) == 0:
        # Nothing to compare the values with: the test is the one of the missing shares.
        side = "current" if len(b) == 0 else "reference"
        stat, p_miss = (float(v) for v in st.chi2_contingency(
            np.array([[miss_r, len(a)], [miss_c, len(b)]]))[:2])

        def say_empty(drifted: bool, p_adj: float) -> str:
            return (f"every value missing in the {side} window (missing "
                    f"{details['missing_reference']:.1%} → {details['missing_current']:.1%}"
                    f"; chi² {_p(p_adj)})")

        raw = _Raw(name, "feature", "chi2", stat, p_miss, math.inf, "wasserstein/sd",
                   details, say_empty)
        return raw, {}, notes
    stat, p = _numeric_pvalue(a, b, test)
    a, b = np.sort(a), np.sort(b)          # once: range, PSI, Wasserstein, histogram
    sd = float(np.std(a))
    scale = sd if sd > 0 else (abs(float(np.mean(a))) or 1.0)
    w = _wasserstein(a, b) / scale
    lo, hi = float(a[0]), float(a[-1])
    below = int(np.searchsorted(b, lo, side="left"))
    above = len(b) - int(np.searchsorted(b, hi, side="right"))
    details.update({"mean_reference": float(a.mean()), "mean_current": float(b.mean()),
                    "sd_reference": sd, "sd_current": float(np.std(b)),
                    "psi": _psi(a, b), "below_range": below, "above_range": above,
                    "range_reference": [lo, hi]})
    if miss_r or miss_c:
        table = np.array([[miss_r, len(a)], [miss_c, len(b)]])
        p_miss = 1.0 if table[:, 0].sum() == 0 else float(
            st.chi2_contingency(table)[1])
        details["p_missing"] = p_miss
        details["p_distribution"] = p
        p = min(1.0, 2 * min(p, p_miss))
    test_name = NUMERIC_TESTS[test]

    def say(drifted: bool, p_adj: float) -> str:
        move = (f"mean {_fmt(details['mean_reference'])} → {_fmt(details['mean_current'])}, "
                f"sd {_fmt(sd)} → {_fmt(details['sd_current'])} "
                f"(Wasserstein {_fmt(w, 2)} sd, PSI {_fmt(details['psi'], 2)})")
        extra = []
        if below or above:
            out = below + above
            extra.append(f"{out:,} value{'s' if out != 1 else ''} ({_share(out / len(b))}) "
                         f"outside the reference range [{_fmt(lo)}, {_fmt(hi)}]")
        missing = (f"missing {_share(details['missing_reference'])} → "
                   f"{_share(details['missing_current'])} (chi² p "
                   f"{_pval(details['p_missing'])})" if "p_missing" in details else "")
        lead = "" if drifted else "no evidence of drift: "
        if missing and details["p_missing"] < details["p_distribution"]:
            # The missing values moved more than the values did: say that first.
            return (f"{lead}{missing}; values: {move}, {test_name} p "
                    f"{_pval(details['p_distribution'])}; combined {_p(p_adj)}"
                    + ("; " + "; ".join(extra) if extra else ""))
        if missing and details["p_missing"] < 0.05:
            extra.append(missing)
        tail = ("; " + "; ".join(extra)) if extra else ""
        return f"{lead}{move}; {test_name} {_p(p_adj)}{tail}"

    dist = _numeric_distribution(a, b)
    return _Raw(name, "feature", test, stat, p, w, "wasserstein/sd", details, say,
                gated=True), dist, notes


def _numeric_distribution(a: np.ndarray, b: np.ndarray, bins: int = 20) -> dict[str, Any]:
    """Shares per bin of 20 equal bins over the 0.5–99.5 % range of both (sorted `a`,
    `b`); values beyond it count in the end bins."""
    lo = float(min(np.quantile(a, 0.005), np.quantile(b, 0.005)))
    hi = float(max(np.quantile(a, 0.995), np.quantile(b, 0.995)))
    if hi <= lo:
        hi = lo + 1.0
    edges = np.linspace(lo, hi, bins + 1)
    inner = edges[1:-1]
    ha = np.diff(np.searchsorted(a, inner, side="left"), prepend=0, append=len(a)) / len(a)
    hb = np.diff(np.searchsorted(b, inner, side="left"), prepend=0, append=len(b)) / len(b)
    return {"kind": "numeric", "edges": edges.tolist(), "reference": ha.tolist(),
            "current": hb.tolist()}


def _categorical_column(name: str, r: pd.Series, c: pd.Series
                        ) -> tuple[_Raw, dict[str, Any], list[str]]:
    rc = _categories(r).value_counts()
    cc = _categories(c).value_counts()
    cats = list(rc.index) + [k for k in cc.index if k not in rc.index]
    ra = rc.reindex(cats, fill_value=0).to_numpy(dtype=np.float64)
    ca = cc.reindex(cats, fill_value=0).to_numpy(dtype=np.float64)
    new = {str(k): int(cc[k]) for k in cc.index if k not in rc.index}
    gone = [str(k) for k in rc.index if k not in cc.index]
    if len(cats) < 2:
        stat, p = 0.0, 1.0
    else:
        stat, p = (float(v) for v in st.chi2_contingency(np.vstack([ra, ca]))[:2])
    pr, pc = ra / max(ra.sum(), 1), ca / max(ca.sum(), 1)
    js = float(jensenshannon(pr, pc, base=2)) if ra.sum() and ca.sum() else math.nan
    moved = np.argsort(-np.abs(pc - pr))[:3]
    details: dict[str, Any] = {
        "categories_reference": len(rc), "categories_current": len(cc),
        "new_categories": dict(list(new.items())[:20]), "n_new_categories": len(new),
        "missing_categories": gone[:20],
        "largest_changes": {str(cats[i]): [float(pr[i]), float(pc[i])] for i in moved}}

    def say(drifted: bool, p_adj: float) -> str:
        parts = [f"'{cats[i]}' {pr[i]:.1%} → {pc[i]:.1%}" for i in moved[:2]
                 if pr[i] != pc[i]]
        text = (("no evidence of drift: " if not drifted else "")
                + (", ".join(parts) or "same proportions")
                + f" (Jensen–Shannon {_fmt(js, 2)}); chi² {_p(p_adj)}")
        if new:
            shown = ", ".join(f"'{k}' ({v:,})" for k, v in list(new.items())[:3])
            text += f"; {len(new)} new categor{'y' if len(new) == 1 else 'ies'}: {shown}"
        return text

    top = np.argsort(-(ra + ca))[:10]
    dist = {"kind": "categorical", "categories": [str(cats[i]) for i in top],
            "reference": pr[top].tolist(), "current": pc[top].tolist()}
    return _Raw(name, "feature", "chi2", stat, p, js, "jensen-shannon", details, say,
                gated=True), dist, []


# -- checks on the current window ---------------------------------------------------------------
class _WindowChecks:
    """The audit's missing/malformed-values scan (`datacurve audit`'s ``missing`` check)
    of each column, current against reference, fed the columns the tests read (so a
    Parquet column is read once)."""

    def __init__(self) -> None:
        self._scan = get_check("missing")
        self.lines: list[str] = []
        self.constant: list[str] = []
        self.empty: list[str] = []
        self.mixed: list[str] = []

    def add(self, c: str, r: pd.Series, cu: pd.Series) -> None:
        """Scan one column of both windows."""
        _, ci = self._scan.scan_table(pd.DataFrame({c: cu}), None)  # type: ignore[attr-defined]
        _, ri = self._scan.scan_table(pd.DataFrame({c: r}), None)  # type: ignore[attr-defined]
        share_c = float(ci["missing_share"].get(c, 0.0))
        share_r = float(ri["missing_share"].get(c, 0.0))
        if ci["n_all_missing_columns"]:
            self.empty.append(c)
        elif share_c > share_r + 0.01:
            tokens = ci["placeholders_found"].get(c)
            seen = f" (placeholders: {', '.join(tokens)})" if tokens else ""
            self.lines.append(f"'{c}': {share_c:.1%} missing or malformed in the current "
                              f"window, {share_r:.1%} in the reference{seen}")
        if ci["n_constant_columns"] and not ri["n_constant_columns"]:
            self.constant.append(c)
        if ci["n_mixed_type_columns"]:
            self.mixed.append(c)

    def findings(self) -> list[str]:
        """One line per finding."""
        out = list(self.lines)
        if self.empty:
            out.append(f"every value missing in the current window: {describe(self.empty)}")
        if self.constant:
            out.append(f"constant in the current window (not in the reference): "
                       f"{describe(self.constant)}")
        if self.mixed:
            out.append(f"numbers and text mixed in one column: {describe(self.mixed)}")
        return out


def _schema(ref: _Window, cur: _Window, features: Sequence[str] | None,
            label: str | None, text_columns: Sequence[str]) -> list[str]:
    """The columns to compare, after checking both windows hold them."""
    if label is not None and label not in ref.columns:
        raise InputError("label", f"a column of the reference ({describe(ref.columns)})",
                         repr(label))
    if features is not None:
        want = [str(f) for f in features]
        for w, side in ((ref, "reference"), (cur, "current")):
            gone = [f for f in want if f not in w.columns]
            if gone:
                raise InputError("features", f"columns of the {side} window "
                                 f"({describe(w.columns)})", f"missing: {describe(gone)}")
        return want
    skip = {label} if label is not None else set()
    r_cols = [c for c in ref.columns if c not in skip]
    c_cols = [c for c in cur.columns if c not in skip]
    missing = [c for c in r_cols if c not in c_cols]
    extra = [c for c in c_cols if c not in r_cols]
    if missing or extra:
        got = "; ".join(x for x in (f"missing: {describe(missing)}" if missing else "",
                                    f"not in the reference: {describe(extra)}"
                                    if extra else "") if x)
        raise InputError(cur.name, "the reference's columns (a different schema cannot be "
                         "compared; name the columns to compare instead)", got)
    for c in text_columns:
        if c not in r_cols:
            raise InputError("text_columns", f"columns of both windows ({describe(r_cols)})",
                             repr(c))
    return r_cols


def _check_types(columns: Sequence[str], numeric: dict[str, bool], cur: _Window,
                 cur_cols: dict[str, pd.Series]) -> None:
    wrong = []
    for c in columns:
        if not numeric[c] or cur.is_numeric(c):
            continue
        s = cur_cols[c]
        present = int(s.notna().sum())
        _, bad = _numbers(s)
        if present and bad > present / 2:
            wrong.append(c)
    if wrong:
        raise InputError(cur.name, "numbers in the columns that hold numbers in the "
                         "reference", f"text in {describe(wrong)}")


# -- the multivariate matrix --------------------------------------------------------------------
def _matrix(columns: Sequence[str], numeric: dict[str, bool], ref: _Window, cur: _Window,
            r_rows: np.ndarray, c_rows: np.ndarray
            ) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Numeric columns as numbers (NaN kept), categorical ones one-hot over the
    reference's `TOP_CATEGORIES` most frequent values plus one "other" column.

    Returns
    -------
    xr : ndarray of shape (len(r_rows), p)
    xc : ndarray of shape (len(c_rows), p)
    names : list of str, length p
        The source column of each matrix column (repeated for one-hot columns).
    """
    xr, xc, names = [], [], []
    for c in columns:
        r, cu = ref.column(c).iloc[r_rows], cur.column(c).iloc[c_rows]
        if numeric[c]:
            xr.append(_numbers(r)[0][:, None])
            xc.append(_numbers(cu)[0][:, None])
            names.append(c)
            continue
        rv, cv = _categories(r), _categories(cu)
        top = list(rv.value_counts().index[:TOP_CATEGORIES])
        for x, v in ((xr, rv), (xc, cv)):
            codes = pd.Categorical(v, categories=top).codes
            hot = np.zeros((len(v), len(top) + 1))
            hot[np.arange(len(v)), np.where(codes < 0, len(top), codes)] = 1.0
            x.append(hot)
        names += [c] * (len(top) + 1)
    return np.hstack(xr), np.hstack(xc), names


def _impute(xr: np.ndarray, xc: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """NaN → the reference column's median (0 when it has none)."""
    med = np.nanmedian(np.where(np.isnan(xr).all(axis=0), 0.0, xr), axis=0) \
        if len(xr) else np.zeros(xr.shape[1])
    med = np.where(np.isnan(med), 0.0, med)
    return np.where(np.isnan(xr), med, xr), np.where(np.isnan(xc), med, xc)


def _sample(n: int, k: int, rng: np.random.Generator) -> np.ndarray:
    return np.arange(n) if n <= k else np.sort(rng.choice(n, k, replace=False))


# -- model outputs -------------------------------------------------------------------------------
def _probs_shape(p: Any, name: str, n: int) -> np.ndarray:
    """`p` as (n, k ≥ 2) finite probabilities (numbers, 2-D and finite: `_multi._matrix`)."""
    a = _as_matrix(p, name, allow_nan=False)
    if a.shape[0] != n or a.shape[1] < 2:
        raise InputError(name, f"predicted probabilities of shape ({n:,}, classes ≥ 2)",
                         f"shape {a.shape}")
    return a


def _spec_probs(spec: str, xr: np.ndarray, yr: np.ndarray, xc: np.ndarray, seed: int
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Train `spec` on half the reference (stratified), predict the other half and the
    current window: the held-out half is the reference the output tests compare with
    (probabilities on training rows would look unlike any new data).

    Returns
    -------
    ref_probs : ndarray of shape (h, k)
    ref_labels : ndarray of shape (h,)
    cur_probs : ndarray of shape (m, k)
    classes : ndarray of shape (k,)
    """
    from sklearn.model_selection import train_test_split

    from datacurve.models import parse_spec

    fit_idx, hold_idx = train_test_split(np.arange(len(yr)), test_size=0.5,
                                         random_state=seed, stratify=yr)
    learner = parse_spec(spec).build("classification", random_state=seed)
    classes, codes = np.unique(yr, return_inverse=True)
    learner.fit(xr[fit_idx].astype(np.float32), codes[fit_idx])
    k = len(classes)

    def proba(x: np.ndarray) -> np.ndarray:
        p = np.asarray(learner.predict_proba(x.astype(np.float32)), dtype=np.float64)
        seen = getattr(learner, "classes_", np.arange(p.shape[1]))
        out = np.zeros((len(x), k))
        out[:, np.asarray(seen, dtype=int)] = p
        return out

    return proba(xr[hold_idx]), yr[hold_idx], proba(xc), classes


# -- the correction ------------------------------------------------------------------------------
def _adjust(p: np.ndarray, correction: str) -> np.ndarray:
    finite = np.isfinite(p)
    out = np.full(len(p), np.nan)
    if not finite.any():
        return out
    if correction == "bonferroni":
        out[finite] = np.minimum(1.0, p[finite] * finite.sum())
    else:
        out[finite] = st.false_discovery_control(p[finite], method="bh")
    return out


# -- drift ----------------------------------------------------------------------------------------
def drift(reference: str | Path | pd.DataFrame, current: str | Path | pd.DataFrame, *,
          features: Sequence[str] | None = None, label: str | None = None,
          model: Any = None, reference_probs: Any = None, current_probs: Any = None,
          reference_labels: Any = None, current_labels: Any = None,
          classes: Sequence[Any] | None = None, text_columns: Sequence[str] = (),
          reference_embeddings: Any = None, current_embeddings: Any = None,
          test: str = "cvm", correction: str = "bh", alpha: float = 0.05,
          min_effect: float = 0.0, multivariate: bool = True, permutations: int = 500,
          seed: int = 0) -> DriftReport:
    """Compare a current window with the reference data: per column, jointly, through a
    model's outputs and through the labels.

    Parameters
    ----------
    reference, current : DataFrame or path
        The windows: frames, or table files (Parquet is read one column at a time).
        Both must hold the same columns (the label column may be absent from `current`).
    features : list of str, optional
        Columns to compare (default: all but `label`).
    label : str, optional
        Label column: gives `reference_labels` (and `current_labels` when the current
        window has labels) and is not compared as a feature.
    model : spec string or fitted estimator, optional
        A spec (``"sklearn:LogisticRegression"``, ``"mlp:width=64"``) is trained on
        half the reference (needs labels) on the numeric/one-hot table and predicts the
        other half and the current window; a fitted object's ``predict_proba`` is
        called on the feature frames.
    reference_probs, current_probs : array of shape (n, k) and (m, k), optional
        A model's predicted probabilities, instead of `model`.
    reference_labels, current_labels : array, optional
        Class labels of the rows of the reference (for BBSE with the reference
        probabilities) and of the current window (tests the label proportions).
    classes : list, optional
        Class order of the probability columns (default: the sorted reference labels, or
        0 .. k-1).
    text_columns : list of str
        Free-text columns: embedded with the audit's MiniLM encoder and compared with MMD
        instead of per value.
    reference_embeddings, current_embeddings : array of shape (n, e) and (m, e), optional
        Embeddings to compare with MMD (e.g. images through a network).
    test : {"cvm", "ks", "ad"}
        The numeric columns' test.
    correction : {"bh", "bonferroni"}
        Within each group of tests (inputs, outputs, labels); the groups present share
        `alpha`.
    alpha : float
        Level of the corrected p-values.
    min_effect : float
        A feature test needs at least this effect (normalised Wasserstein or
        Jensen–Shannon distance) to count as drifted.
    multivariate : bool
        Run the MMD and classifier tests on the table.
    permutations : int
        Of the MMD tests.
    seed : int
        Sampling of rows for the multivariate tests, the classifier, the model's split.

    Returns
    -------
    DriftReport

    Raises
    ------
    InputError
        Windows with different columns (naming them), a numeric column holding text, a
        bad option, probabilities of the wrong shape, labels outside `classes`.
    """
    if test not in NUMERIC_TESTS:
        raise InputError("test", f"one of {', '.join(NUMERIC_TESTS)}", repr(test))
    if correction not in CORRECTIONS:
        raise InputError("correction", f"one of {', '.join(CORRECTIONS)}", repr(correction))
    if not 0 < alpha < 1:
        raise InputError("alpha", "a level in (0, 1)", repr(alpha))
    if min_effect < 0 or not math.isfinite(min_effect):
        raise InputError("min_effect", "a non-negative number", repr(min_effect))
    if permutations < 1:
        raise InputError("permutations", "a positive number", repr(permutations))
    ref, cur = _Window(reference, "reference"), _Window(current, "current")
    if ref.n == 0 or cur.n == 0:
        raise InputError(ref.name if ref.n == 0 else cur.name, "a window with rows",
                         "an empty table")
    text_columns = [str(c) for c in text_columns]
    columns = _schema(ref, cur, features, label, text_columns)
    tabular = [c for c in columns if c not in text_columns]
    numeric = {c: ref.is_numeric(c) for c in tabular}
    rng = np.random.default_rng(seed)

    raws: list[_Raw] = []
    dists: dict[str, dict[str, Any]] = {}
    notes: list[str] = []
    checks = _WindowChecks()
    for c in tabular:                      # one column at a time (Parquet: read per column)
        rc, cc = ref.column(c), cur.column(c)
        checks.add(c, rc, cc)
        _check_types([c], numeric, cur, {c: cc})
        raw, dist, found = (_numeric_column(c, rc, cc, test) if numeric[c]
                            else _categorical_column(c, rc, cc))
        notes += found
        if raw is not None:
            raws.append(raw)
            dists[c] = dist
    for c in text_columns:
        checks.add(c, ref.column(c), cur.column(c))
    notes = checks.findings() + [n for n in notes if "not numbers" in n
                                                  or "either window" in n]

    row_scores = row_index = None
    if multivariate and tabular:
        r_rows, c_rows = _sample(ref.n, MATRIX_ROWS, rng), _sample(cur.n, MATRIX_ROWS, rng)
        xr, xc, names = _matrix(tabular, numeric, ref, cur, r_rows, c_rows)
        ir, ic = _impute(xr, xc)
        raws.append(_mmd_raw("table", ir, ic, permutations, seed))
        c2_raw, row_scores = _classifier_raw(xr, xc, names, alpha, seed)
        raws.append(c2_raw)
        row_index = c_rows
    for c in text_columns:
        from datacurve.auditing import sentence_embeddings

        r_rows, c_rows = _sample(ref.n, 1000, rng), _sample(cur.n, 1000, rng)
        er = sentence_embeddings(ref.column(c).iloc[r_rows].astype(str).to_numpy())
        ec = sentence_embeddings(cur.column(c).iloc[c_rows].astype(str).to_numpy())
        raws.append(_mmd_raw(f"text: {c}", er.astype(np.float64), ec.astype(np.float64),
                             permutations, seed))
    if reference_embeddings is not None or current_embeddings is not None:
        if reference_embeddings is None or current_embeddings is None:
            raise InputError("current_embeddings" if current_embeddings is None
                             else "reference_embeddings",
                             "both windows' embeddings", "only one")
        er = np.asarray(reference_embeddings, dtype=np.float64)
        ec = np.asarray(current_embeddings, dtype=np.float64)
        if er.ndim != 2 or ec.ndim != 2 or er.shape[1] != ec.shape[1]:
            raise InputError("current_embeddings", f"2-D arrays with the reference's "
                             f"{er.shape[1:]} columns", f"shapes {er.shape} and {ec.shape}")
        raws.append(_mmd_raw("embeddings", er, ec, permutations, seed))

    # -- labels and outputs
    found_raws, label_estimate, found_notes = _model_and_labels(
        ref, cur, columns, tabular, numeric, label=label, model=model,
        reference_probs=reference_probs, current_probs=current_probs,
        reference_labels=reference_labels, current_labels=current_labels, classes=classes,
        test=test, seed=seed)
    raws += found_raws
    notes += found_notes
    tests = _decide(raws, correction, alpha, min_effect)
    if label_estimate is not None and any(t.drifted for t in tests
                                          if t.family in ("feature", "multivariate")):
        caveat = ("the inputs drifted too: BBSE assumes only the label proportions changed "
                  "(p(x | y) the same), so read this estimate with care")
        label_estimate["note"] = "; ".join(x for x in (label_estimate.get("note"), caveat)
                                           if x)
    shown = sorted((t for t in tests if t.family == "feature" and dists.get(t.name)),
                   key=_rank)
    distributions = {t.name: dists[t.name] for t in shown[:DISTRIBUTIONS_SHOWN]}
    settings = {"test": test, "features": len(columns), "multivariate": multivariate,
                "min_effect": min_effect, "permutations": permutations, "seed": seed,
                "model": model if isinstance(model, str) else
                (type(model).__name__ if model is not None else None),
                "label": label, "text_columns": text_columns}
    return DriftReport(tuple(tests), correction, float(alpha), ref.n, cur.n,
                       reference=ref.name, current=cur.name, checks=tuple(notes),
                       distributions=distributions, label_estimate=plain(label_estimate),
                       row_scores=row_scores, row_index=row_index, settings=settings)


def _model_and_labels(ref: _Window, cur: _Window, columns: Sequence[str],
                      tabular: Sequence[str], numeric: dict[str, bool], *,
                      label: str | None, model: Any, reference_probs: Any,
                      current_probs: Any, reference_labels: Any, current_labels: Any,
                      classes: Sequence[Any] | None, test: str, seed: int
                      ) -> tuple[list[_Raw], dict[str, Any] | None, list[str]]:
    """The output tests (a model's or given probabilities), the label test and BBSE's
    estimate (see `drift` for the arguments).

    Returns
    -------
    raws : list of _Raw
    label_estimate : dict or None
    notes : list of str
    """
    raws: list[_Raw] = []
    notes: list[str] = []
    y_ref = np.asarray(reference_labels, dtype=object) if reference_labels is not None \
        else None
    y_cur = np.asarray(current_labels, dtype=object) if current_labels is not None else None
    if label is not None:
        y_ref = ref.column(label).to_numpy(dtype=object)
        if label in cur.columns:
            lab = cur.column(label)
            y_cur = lab.to_numpy(dtype=object) if lab.notna().any() else None
            if y_cur is not None and lab.isna().any():
                notes.append(f"label '{label}': {int(lab.isna().sum()):,} current rows "
                             "without a label (left out of the label test)")
                y_cur = y_cur[lab.notna().to_numpy()]
    if y_ref is not None:
        y_ref = np.array([_canon(v) for v in y_ref], dtype=object)
        if len(y_ref) != ref.n:
            raise InputError("reference_labels", f"{ref.n:,} labels", f"{len(y_ref):,}")
    if y_cur is not None:
        y_cur = np.array([_canon(v) for v in y_cur], dtype=object)
    p_ref = p_cur = None
    y_for_bbse = y_ref
    if model is not None:
        if isinstance(model, str):
            if y_ref is None:
                raise InputError("model", "reference labels (label= or reference_labels=) "
                                 "to train the model on", "none")
            if _is_regression(y_ref):
                raise InputError("model", "class labels (the output tests compare a "
                                 "classifier's predicted probabilities)",
                                 f"numbers to predict ({len(set(y_ref)):,} distinct values)")
            if not tabular:
                raise InputError("model", "numeric or categorical columns to train on",
                                 "text columns only")
            xr_all, xc_all, _ = _matrix(tabular, numeric, ref, cur, np.arange(ref.n),
                                        np.arange(cur.n))
            xr_all, xc_all = _impute(xr_all, xc_all)
            p_ref, y_for_bbse, p_cur, cls = _spec_probs(model, xr_all, y_ref, xc_all, seed)
            classes = list(cls)
        elif hasattr(model, "predict_proba"):
            frame_r = pd.DataFrame({c: ref.column(c) for c in columns})
            frame_c = pd.DataFrame({c: cur.column(c) for c in columns})
            p_ref, p_cur = model.predict_proba(frame_r), model.predict_proba(frame_c)
            if classes is None and hasattr(model, "classes_"):
                classes = [_canon(v) for v in model.classes_]
        else:
            raise InputError("model", "a model spec string or a fitted estimator with "
                             "predict_proba", type(model).__name__)
    elif reference_probs is not None or current_probs is not None:
        if reference_probs is None or current_probs is None:
            raise InputError("current_probs" if current_probs is None else
                             "reference_probs", "both windows' probabilities", "only one")
        p_ref, p_cur = reference_probs, current_probs
    label_estimate: dict[str, Any] | None = None
    if p_ref is not None and p_cur is not None:
        n_ref_probs = len(y_for_bbse) if isinstance(model, str) and y_for_bbse is not None \
            else ref.n
        a_ref = _probs_shape(p_ref, "reference_probs", n_ref_probs)
        a_cur = _probs_shape(p_cur, "current_probs", cur.n)
        if a_ref.shape[1] != a_cur.shape[1]:
            raise InputError("current_probs", f"{a_ref.shape[1]} columns as the reference's",
                             f"{a_cur.shape[1]}")
        k = a_ref.shape[1]
        if classes is None:
            classes = sorted(set(y_ref)) if y_ref is not None and len(set(y_ref)) == k \
                else list(range(k))
        classes = [_canon(v) for v in classes]
        if len(classes) != k:
            raise InputError("classes", f"{k} classes (the probabilities' columns)",
                             f"{len(classes)}")
        for o in output_tests(a_ref, a_cur, classes=classes):
            raws.append(_output_raw(o))
        if y_for_bbse is not None:
            allowed = set(classes)
            unknown = sorted({str(v) for v in y_for_bbse if v not in allowed})
            if unknown:
                raise InputError("reference_labels", f"labels among the classes "
                                 f"({describe(classes)})", f"{describe(unknown)}")
            cls_arr = np.array(classes, dtype=object)
            est = bbse(y_for_bbse, cls_arr[a_ref.argmax(axis=1)],
                       cls_arr[a_cur.argmax(axis=1)], classes=classes)
            label_estimate = {"classes": list(est.classes), "reference": list(est.reference),
                              "estimated": list(est.estimated),
                              "condition": float(est.condition), "note": est.note}
    if y_cur is not None:
        if y_ref is None:
            raise InputError("current_labels", "reference labels to compare with", "none")
        if _is_regression(y_ref):
            # Numbers to predict, not classes: the labels are compared like a numeric
            # column (their distribution), not as categories.
            lab_raw, _, _ = _numeric_column("labels", pd.Series(y_ref, dtype=float),
                                            pd.Series(y_cur, dtype=float), test)
            if lab_raw is not None:
                lab_raw.family, lab_raw.gated = "label", False
                raws.append(lab_raw)
        else:
            seen: list[Any] = sorted(set(y_ref) | set(y_cur), key=str)
            lt = label_test(y_ref, y_cur, classes=seen)
            raws.append(_output_raw(lt, family="label"))
        if label_estimate is not None:
            counts = pd.Series(y_cur).value_counts(normalize=True)
            label_estimate["observed"] = [float(counts.get(c, 0.0))
                                          for c in label_estimate["classes"]]

    return raws, label_estimate, notes


def _decide(raws: Sequence[_Raw], correction: str, alpha: float, min_effect: float
            ) -> list[DriftTest]:
    """Correct within each group (`GROUPS`), let the groups share `alpha` (Bonferroni),
    and decide each test (a feature test also needs `min_effect`)."""
    p_adj = np.full(len(raws), np.nan)
    groups = _groups(r.family for r in raws)
    for g in groups:
        idx = [i for i, r in enumerate(raws) if GROUPS[r.family] == g]
        p_adj[idx] = np.minimum(1.0, len(groups) * _adjust(
            np.array([raws[i].p_value for i in idx], dtype=float), correction))
    tests = []
    for r, pa in zip(raws, p_adj, strict=True):
        sig = bool(np.isfinite(pa) and pa < alpha)
        drifted = sig and (not r.gated or not math.isfinite(r.effect)
                           or r.effect >= min_effect)
        reason = r.describe(drifted, float(pa))
        if sig and not drifted:
            reason += f" (effect {_fmt(r.effect, 2)} below min_effect {min_effect:g})"
        tests.append(DriftTest(r.name, r.family, r.test, float(r.statistic),
                               float(r.p_value), float(pa), float(r.effect), r.effect_name,
                               drifted, reason, plain(r.details)))
    return tests


def _is_regression(y: np.ndarray) -> bool:
    """Labels that are numbers to predict: all numeric, and either not whole numbers or
    more distinct values than a classification task has (`CLASSIFICATION_MAX_DISTINCT`,
    as the loaders decide)."""
    num = pd.to_numeric(pd.Series(y, dtype=object), errors="coerce")
    if num.isna().any() or pd.Series(y, dtype=object).map(
            lambda v: isinstance(v, bool | str)).any():
        return False
    values = num.to_numpy(dtype=np.float64)
    return bool(np.any(values != np.round(values))
                or len(np.unique(values)) > CLASSIFICATION_MAX_DISTINCT)


def _canon(v: Any) -> Any:
    """A label as a plain Python value (NumPy scalars → int/float/str)."""
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


def _classifier_raw(xr: np.ndarray, xc: np.ndarray, names: Sequence[str], alpha: float,
                    seed: int) -> tuple[_Raw, np.ndarray]:
    """The classifier two-sample test on the sampled matrices, with the importance of
    each source column (its one-hot columns summed).

    Returns
    -------
    raw : _Raw
    scores : ndarray of shape (len(xc),)
        Each current row's out-of-fold P(current).
    """
    # Importance only where the test can be significant (a corrected p-value is never
    # below the raw one).
    c2 = classifier_test(xr, xc, names=[f"{n}#{i}" for i, n in enumerate(names)],
                         max_rows=CLASSIFIER_ROWS, seed=seed, importance_below=alpha)
    importance: dict[str, float] = {}
    for key, v in c2.importance.items():
        if math.isfinite(v):
            col = key.rsplit("#", 1)[0]
            importance[col] = importance.get(col, 0.0) + float(v)
    ranked = dict(sorted(importance.items(), key=lambda kv: -kv[1]))

    def say(drifted: bool, p_adj: float) -> str:
        used = ", ".join(f"'{k}' ({v:+.3f})" for k, v in list(ranked.items())[:3]
                         if v >= MIN_IMPORTANCE)
        lead = "" if drifted else "no evidence of drift: "
        text = (f"{lead}a classifier tells current from reference rows with AUC "
                f"{c2.auc:.3f} ({_p(p_adj)})")
        if drifted:
            text += (f"; it uses {used}" if used else
                     "; no single column carries it (permuting any one costs less than "
                     f"{MIN_IMPORTANCE} AUC: many columns moved together)")
        return text

    raw = _Raw("table", "multivariate", "c2st", float(c2.auc), float(c2.p_value),
               float(c2.auc) - 0.5, "AUC - 0.5",
               {"auc": float(c2.auc), "importance": ranked,
                "rows_reference": int(c2.n_reference), "rows_current": int(c2.n_current)},
               say)
    return raw, np.asarray(c2.current_scores, dtype=float)


def _mmd_raw(name: str, xr: np.ndarray, xc: np.ndarray, permutations: int, seed: int
             ) -> _Raw:
    m = mmd_test(xr, xc, permutations=permutations, seed=seed)

    def say(drifted: bool, p_adj: float) -> str:
        lead = "" if drifted else "no evidence of drift: "
        return (f"{lead}maximum mean discrepancy {_fmt(m.statistic, 2)} "
                f"({m.permutations} permutations, {m.n_reference:,} vs {m.n_current:,} "
                f"rows, {_p(p_adj)})")

    return _Raw(name, "multivariate", "mmd", float(m.statistic), float(m.p_value),
                float(m.statistic), "MMD²", {"bandwidth": float(m.bandwidth),
                                             "rows_reference": int(m.n_reference),
                                             "rows_current": int(m.n_current)}, say)


def _output_raw(o: Any, family: str = "output") -> _Raw:
    def say(drifted: bool, p_adj: float) -> str:
        lead = "" if drifted else "no evidence of drift: "
        if o.test == "ks":
            return (f"{lead}mean {o.name} {_fmt(o.reference_mean)} → "
                    f"{_fmt(o.current_mean)} (KS {_fmt(o.statistic, 2)}, {_p(p_adj)})")
        what = "label" if family == "label" else "predicted-label"
        return (f"{lead}{what} proportions moved by {o.effect:.1%} (total variation; "
                f"chi² {_p(p_adj)})")

    details: dict[str, Any] = {}
    for k in ("reference_mean", "current_mean", "reference", "current"):
        if hasattr(o, k):
            details[k] = getattr(o, k)
    return _Raw(o.name, family, o.test, float(o.statistic), float(o.p_value),
                float(o.effect), "KS" if o.test == "ks" else "total variation", details,
                say)
