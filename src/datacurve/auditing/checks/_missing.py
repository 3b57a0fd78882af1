"""``missing``: missing or malformed values, per example and per column.

A cell is *missing or malformed* when it is NaN / None / NaT, ±inf (also as the text
``"inf"``), an empty or whitespace-only string, or a placeholder token such as ``"NA"``,
``"N/A"``, ``"null"``, ``"None"``, ``"?"`` or ``"-"`` (compared case-insensitively after
stripping blanks). The check reads the original table (`AuditContext.raw`) when there is
one, label column excluded (the loader rejects missing labels, and a label ``"-"`` may be a
real class); otherwise the features `X` (NaN and inf only).

Per example: the score is the share of its cells present and well-formed, and it is
flagged when any cell is missing or malformed. The summary is the share of all cells
present. Column findings go to `info`: the share missing per column, placeholder tokens
seen, constant columns, all-missing columns and mixed-type columns (numbers and
non-numeric text in one column — e.g. ``"12"``, ``"7.5"`` and ``"twelve"``).

Notation: n examples, d columns.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from datacurve.auditing._base import Check, CheckResult, register
from datacurve.auditing._context import AuditContext

__all__ = ["INF_TOKENS", "MAX_LISTED", "PLACEHOLDERS", "Missing"]

PLACEHOLDERS = ("na", "n/a", "#n/a", "<na>", "nan", "null", "none", "?", "-")
"""Text standing for a missing value (compared lower-cased, blanks stripped)."""

INF_TOKENS = ("inf", "+inf", "-inf", "infinity", "+infinity", "-infinity")
"""Text standing for an infinite number (counted as malformed)."""

MAX_LISTED = 50
"""At most this many columns are listed per finding in `info` (counts are complete)."""

MAX_ROWS_SHOWN = 5
"""Row indices shown per mixed-type column (values are never echoed)."""

_KINDS = ("missing", "infinite", "empty", "placeholder")


@register
class Missing(Check):
    """Flag examples holding missing or malformed values; describe the columns.

    Parameters
    ----------
    placeholders : tuple of str
        Tokens read as missing values (case-insensitive, blanks stripped).
    """

    name = "missing"
    description = "missing or malformed values (NaN, inf, empty, placeholders)"
    row_level = True

    def __init__(self, placeholders: tuple[str, ...] | list[str] = PLACEHOLDERS) -> None:
        self.placeholders = tuple(str(p).strip().lower() for p in placeholders)

    def applies(self, ctx: AuditContext) -> str | None:
        if ctx.raw is None and ctx.X is None:
            return "needs a table or features"
        return None

    def run(self, ctx: AuditContext) -> CheckResult:
        if ctx.raw is not None:
            bad, info = self.scan_table(ctx.raw, ctx.label_column)
        else:
            bad, info = _scan_features(ctx.X, ctx.n)
        d = max(int(info["n_columns"]), 1)
        scores = 1.0 - bad / d
        summary = 1.0 - float(bad.sum()) / (ctx.n * d) if ctx.n else 1.0
        info["cells_missing"] = int(bad.sum())
        return CheckResult(self.name, np.clip(scores, 0.0, 1.0), bad > 0,
                           float(np.clip(summary, 0.0, 1.0)), info)

    # -- tables -----------------------------------------------------------------------
    def scan_table(self, raw: pd.DataFrame,
                    label_column: str | None) -> tuple[np.ndarray, dict[str, Any]]:
        """Bad cells per row of `raw` and the column findings.

        Returns
        -------
        bad : ndarray of shape (n,), int64
            Missing or malformed cells per row.
        info : dict
        """
        n = len(raw)
        columns = [c for c in raw.columns if label_column is None or c != label_column]
        bad = np.zeros(n, dtype=np.int64)
        by_kind = dict.fromkeys(_KINDS, 0)
        share: dict[str, float] = {}
        tokens: dict[str, dict[str, int]] = {}
        constant: list[str] = []
        all_missing: list[str] = []
        mixed: dict[str, dict[str, Any]] = {}
        for column in columns:                      # a loop over columns, not rows
            key = str(column)
            masks, found, present_numeric = self._scan_column(raw[column])
            cell_bad = np.logical_or.reduce(list(masks.values()))
            bad += cell_bad
            for kind, mask in masks.items():
                by_kind[kind] += int(mask.sum())
            if cell_bad.any():
                share[key] = float(cell_bad.mean())
            if found:
                tokens[key] = found
            present = ~cell_bad
            n_present = int(present.sum())
            if n_present == 0:
                all_missing.append(key)
            elif n >= 2 and _n_distinct(raw[column][present]) <= 1:
                constant.append(key)
            if present_numeric is not None:
                numeric = present & present_numeric
                text = present & ~present_numeric
                if numeric.any() and text.any():
                    minority = text if text.sum() <= numeric.sum() else numeric
                    mixed[key] = {"numeric": int(numeric.sum()), "text": int(text.sum()),
                                  "minority": "text" if minority is text else "numeric",
                                  "rows": np.flatnonzero(minority)[:MAX_ROWS_SHOWN].tolist()}
        ranked = dict(sorted(share.items(), key=lambda kv: (-kv[1], kv[0]))[:MAX_LISTED])
        info: dict[str, Any] = {
            "source": "table", "n_columns": len(columns),
            "excluded_columns": [] if label_column is None or label_column not in raw.columns
            else [str(label_column)],
            "by_kind": by_kind,
            "n_columns_with_missing": len(share), "missing_share": ranked,
            "placeholders_found": tokens,
            "n_constant_columns": len(constant), "constant_columns": constant[:MAX_LISTED],
            "n_all_missing_columns": len(all_missing),
            "all_missing_columns": all_missing[:MAX_LISTED],
            "n_mixed_type_columns": len(mixed),
            "mixed_type_columns": dict(list(mixed.items())[:MAX_LISTED]),
            "placeholders": list(self.placeholders)}
        return bad, info

    def _scan_column(self, s: pd.Series) -> tuple[dict[str, np.ndarray], dict[str, int],
                                                   np.ndarray | None]:
        """Masks of shape (n,) per kind of bad cell, placeholder counts, and (for text
        columns) which cells read as finite numbers (None for typed columns)."""
        n = len(s)
        none = np.zeros(n, dtype=bool)
        masks = {"missing": s.isna().to_numpy(dtype=bool), "infinite": none,
                 "empty": none, "placeholder": none}
        if pd.api.types.is_bool_dtype(s) or pd.api.types.is_datetime64_any_dtype(s) \
                or pd.api.types.is_timedelta64_dtype(s):
            return masks, {}, None
        if pd.api.types.is_numeric_dtype(s) and not isinstance(s.dtype, pd.CategoricalDtype):
            values = s.to_numpy(dtype=np.float64, na_value=np.nan)
            masks["infinite"] = np.isinf(values)
            return masks, {}, None
        obj = s.astype(object)
        text = obj.astype("string").str.strip()
        lower = text.str.lower()
        numeric = pd.to_numeric(obj, errors="coerce")
        num = numeric.to_numpy(dtype=np.float64, na_value=np.nan)
        is_inf = lower.isin(INF_TOKENS).to_numpy(dtype=bool, na_value=False)
        masks["infinite"] = (np.isinf(num) | is_inf) & ~masks["missing"]
        masks["empty"] = (text == "").to_numpy(dtype=bool, na_value=False)
        placeholder = lower.isin(self.placeholders).to_numpy(dtype=bool, na_value=False)
        masks["placeholder"] = placeholder & ~masks["infinite"]
        found: dict[str, int] = {}
        if masks["placeholder"].any():
            counts = text[masks["placeholder"]].value_counts()
            found = {str(k): int(v) for k, v in counts.items()}
        return masks, found, np.isfinite(num)


def _n_distinct(values: pd.Series) -> int:
    """Distinct values of `values` (unhashable objects compared by their text)."""
    try:
        return int(values.nunique(dropna=True))
    except TypeError:
        return int(values.astype("string").nunique(dropna=True))


def _scan_features(X: Any, n: int) -> tuple[np.ndarray, dict[str, Any]]:
    """Non-finite cells per row of the features `X` (dense (n, *s) or CSR).

    Returns
    -------
    bad : ndarray of shape (n,), int64
    info : dict
    """
    if sp.issparse(X):
        M = sp.csr_matrix(X)
        nonfinite = ~np.isfinite(M.data) if M.data.dtype.kind in "fc" else np.zeros(
            M.data.shape, dtype=bool)
        rows = np.repeat(np.arange(n), np.diff(M.indptr))
        bad = np.bincount(rows[nonfinite], minlength=n).astype(np.int64)
        cols = np.bincount(M.indices[nonfinite], minlength=M.shape[1])
        d = int(M.shape[1])
        info: dict[str, Any] = {"source": "features", "n_columns": d}
        nan_cells = int(np.isnan(M.data).sum()) if M.data.dtype.kind in "fc" else 0
        info["by_kind"] = {"missing": nan_cells, "infinite": int(nonfinite.sum()) - nan_cells,
                           "empty": 0, "placeholder": 0}
        _column_shares(info, cols / max(n, 1))
        return bad, info
    A = np.asarray(X).reshape(n, -1)
    d = int(A.shape[1])
    if A.dtype.kind in "fc":
        nan = np.isnan(A)
        inf = np.isinf(A)
    else:
        nan = inf = np.zeros(A.shape, dtype=bool)
    cell_bad = nan | inf
    bad = cell_bad.sum(axis=1).astype(np.int64)
    info = {"source": "features", "n_columns": d,
            "by_kind": {"missing": int(nan.sum()), "infinite": int(inf.sum()), "empty": 0,
                        "placeholder": 0}}
    _column_shares(info, cell_bad.mean(axis=0) if n else np.zeros(d))
    if np.asarray(X).ndim == 2 and n >= 2:          # tables only: pixels are often constant
        present = ~cell_bad
        filled = np.where(present, A, np.nan) if A.dtype.kind in "fc" else A
        with np.errstate(invalid="ignore"):
            hi = np.nanmax(np.where(present, filled, -np.inf), axis=0)
            lo = np.nanmin(np.where(present, filled, np.inf), axis=0)
        has = present.any(axis=0)
        constant = np.flatnonzero(has & (hi == lo))
        empty = np.flatnonzero(~has)
        info.update({"n_constant_columns": int(constant.size),
                     "constant_columns": [str(c) for c in constant[:MAX_LISTED]],
                     "n_all_missing_columns": int(empty.size),
                     "all_missing_columns": [str(c) for c in empty[:MAX_LISTED]]})
    return bad, info


def _column_shares(info: dict[str, Any], share: np.ndarray) -> None:
    """Record the columns (by position) with a missing share, worst first."""
    cols = np.flatnonzero(share > 0)
    order = cols[np.argsort(-share[cols], kind="stable")][:MAX_LISTED]
    info["n_columns_with_missing"] = int(cols.size)
    info["missing_share"] = {str(c): float(share[c]) for c in order}
