"""``pii``: personal data in the text columns of a table.

Scans every text column of the original table (`AuditContext.raw`; object, string and
categorical-of-text columns, the label column excluded) for

* ``email``: addresses such as ``jane.doe@example.com``;
* ``phone``: international numbers (``+44 20 7946 0958``, 8-15 digits), North-American
  numbers (``(415) 555-2671``, ``415-555-2671``: NANP area and exchange codes) and
  national numbers with a trunk 0 and separators (``020 7946 0958``, ``01 23 45 67 89``,
  10-11 digits). Bare digit runs, dates, times, decimals and small numbers are not phones;
* ``card``: payment card numbers, 13-19 digits starting 2-6, valid under the Luhn checksum;
* ``iban``: IBANs (compact or in groups of four) of the right length for their country,
  valid under the ISO 7064 mod-97 check;
* ``ipv4`` (octets 0-255, no leading zeros) and ``ipv6`` (full or compressed, with at
  least three groups);
* ``ssn``: US social security numbers ``ddd-dd-dddd`` with valid ranges (area not 000,
  666 or 9xx; group not 00; serial not 0000).

Candidates are found with `Series.str.extractall`; the Luhn and mod-97 checks run on all
candidates at once as NumPy digit matrices. A row holding any finding scores 0 and is
flagged (1 else); the summary is the share of rows without personal data. `info` holds
counts per kind and per column and a few masked examples (``j***@example.com``,
``**** **** **** 1111``): a full value is never echoed.

Numeric columns are not scanned (a card number stored as an integer is missed; millisecond
timestamps and long identifiers would pass the Luhn check one time in ten).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from datacurve._errors import InputError
from datacurve.auditing._base import Check, CheckResult, register
from datacurve.auditing._context import AuditContext

__all__ = ["IBAN_LENGTHS", "KINDS", "MAX_EXAMPLES", "PATTERNS", "Pii", "iban_valid",
           "luhn_valid"]

MAX_EXAMPLES = 3
"""Masked examples kept per kind."""

_H = "[0-9A-Fa-f]{1,4}"
_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"

PATTERNS: dict[str, str] = {
    "email": (r"(?<![\w.+-])(?P<v>[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@"
              r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24})"
              r"(?![\w-])"),
    "phone": (r"(?<![\w+-])(?P<v>"
              # international: +country code, then groups (8-15 digits, checked after)
              r"\+\d{1,3}(?:[ .-]?\(?\d{1,4}\)?){2,6}"
              # North American: (415) 555-2671, 415-555-2671, 1-800-555-0199 (one separator)
              r"|(?<![:/.])(?:1[ .-])?(?:\([2-9]\d\d\) ?|[2-9]\d\d(?P<n>[ .-]))[2-9]\d\d"
              r"(?(n)(?P=n)|[ .-])\d{4}"
              # trunk 0: 020 7946 0958, 07700 900123, 01 23 45 67 89, 030-1234-5678
              r"|(?<![:/.])(?:0\d{2,4} \d{3,4} \d{3,4}|0\d{4} \d{6}|0\d{2,4}-\d{3,4}-\d{3,4}"
              r"|0\d(?P<f>[ .])\d\d(?:(?P=f)\d\d){3})"
              r")(?![\w-]|[.-]\d)"),
    # 13-19 digits in one run, in groups of 4 (one separator kind), or Amex/Diners 4-6-5/4
    "card": (r"(?<![\w+.-])(?P<v>[2-6]\d{12,18}(?!\d)"
             r"|[2-6]\d{3}(?P<s>[ -])\d{4}(?P=s)\d{4}(?P=s)(?:\d{4}(?:(?P=s)\d{3})?|\d{1,3})"
             r"|3\d{3}(?P<a>[ -])\d{6}(?P=a)\d{4,5})(?![\w-]|\.\d)"),
    "iban": (r"(?<![A-Za-z0-9])(?P<v>[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}"
             r"(?: ?[A-Z0-9]{1,3})?)(?![A-Za-z0-9])"),
    "ipv4": rf"(?<![\w.])(?P<v>(?:{_OCTET}\.){{3}}{_OCTET})(?!\w|\.\d)",
    "ipv6": (r"(?<![\w:.])(?P<v>"
             rf"(?:{_H}:){{7}}{_H}"
             rf"|(?:{_H}:){{1,6}}:{_H}"
             rf"|(?:{_H}:){{1,5}}(?::{_H}){{1,2}}"
             rf"|(?:{_H}:){{1,4}}(?::{_H}){{1,3}}"
             rf"|(?:{_H}:){{1,3}}(?::{_H}){{1,4}}"
             rf"|(?:{_H}:){{1,2}}(?::{_H}){{1,5}}"
             rf"|{_H}:(?::{_H}){{1,6}}"
             rf"|(?:{_H}:){{1,7}}:"
             rf"|::(?:{_H}:){{0,6}}{_H}"
             r")(?![\w:])"),
    "ssn": (r"(?<![\w-])(?P<v>(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4})"
            r"(?![\w-])"),
}
"""Candidate patterns per kind (the value is the named group ``v``); candidates are then
validated (digit counts, Luhn, mod-97, IBAN lengths, IPv6 groups)."""

_TELL = {"email": "@", "phone": "digit", "card": "digit", "iban": "digit", "ipv4": "digit",
         "ipv6": ":", "ssn": "digit"}

KINDS = tuple(PATTERNS)
"""Kinds of personal data looked for."""

IBAN_LENGTHS: dict[str, int] = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22,
    "BH": 22, "BR": 29, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18,
    "DO": 28, "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FO": 18, "FR": 27, "GB": 22,
    "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22,
    "IL": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LI": 21,
    "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MR": 27,
    "MT": 31, "MU": 30, "NL": 18, "NO": 15, "PK": 24, "PL": 28, "PS": 29, "PT": 25,
    "QA": 29, "RO": 24, "RS": 22, "SA": 24, "SE": 24, "SI": 19, "SK": 24, "SM": 27,
    "TN": 24, "TR": 26, "UA": 29, "VG": 24, "XK": 20,
}
"""IBAN length per country (ISO 13616 registry); other country codes need 15-34."""

_MASKS: dict[str, tuple[str, str]] = {
    "phone": (r"\d(?=(?:\D*\d){2})", "*"),
    "card": (r"\d(?=(?:\D*\d){4})", "*"),
    "ssn": (r"\d(?=(?:\D*\d){2})", "*"),
}


def _digit_matrix(values: np.ndarray, width: int) -> np.ndarray:
    """(m, width) uint8 codes of strings right-aligned (left-padded with ``"0"``)."""
    padded = pd.Series(values, dtype=object).astype(str).str.zfill(width)
    raw = np.asarray(padded.to_numpy(dtype=str), dtype=f"S{width}")
    return raw.view(np.uint8).reshape(-1, width)


def luhn_valid(digits: np.ndarray | list[str]) -> np.ndarray:
    """Luhn checksum of digit strings, vectorised.

    Parameters
    ----------
    digits : array of shape (m,) of str
        Digits only, at most 19 each.

    Returns
    -------
    ndarray of shape (m,), bool
        True where the checksum holds (and the string is not one repeated digit).
    """
    arr = np.asarray(digits, dtype=object)
    if arr.size == 0:
        return np.zeros(0, dtype=bool)
    d = _digit_matrix(arr, 19).astype(np.int64) - ord("0")
    double = (np.arange(19)[::-1] % 2) == 1          # every second digit from the right
    d = np.where(double, d * 2, d)
    d = np.where(d > 9, d - 9, d)
    ok = d.sum(axis=1) % 10 == 0
    repeated = _one_repeated_digit(arr)
    return np.asarray(ok & ~repeated)


def _one_repeated_digit(values: np.ndarray) -> np.ndarray:
    """(m,) bool: strings made of one repeated character."""
    return np.asarray(pd.Series(values, dtype=object).astype(str)
                      .str.fullmatch(r"(.)\1*").to_numpy(dtype=bool))


def iban_valid(ibans: np.ndarray | list[str]) -> np.ndarray:
    """ISO 13616 IBAN check (length per country and mod 97 = 1), vectorised.

    Parameters
    ----------
    ibans : array of shape (m,) of str
        Compact upper-case IBANs (no spaces).

    Returns
    -------
    ndarray of shape (m,), bool
    """
    s = pd.Series(np.asarray(ibans, dtype=object)).astype(str)
    if s.empty:
        return np.zeros(0, dtype=bool)
    length = s.str.len().to_numpy()
    expected = s.str.slice(0, 2).map(IBAN_LENGTHS).to_numpy(dtype=np.float64,
                                                             na_value=np.nan)
    length_ok = np.where(np.isnan(expected), (length >= 15) & (length <= 34),
                         length == expected)
    shape_ok = s.str.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}").to_numpy(dtype=bool)
    moved = (s.str.slice(4) + s.str.slice(0, 4)).where(shape_ok, "0")
    c = _digit_matrix(moved.to_numpy(), 34).astype(np.int64)
    letter = c >= ord("A")
    value = np.where(letter, c - ord("A") + 10, c - ord("0"))
    r = np.zeros(len(s), dtype=np.int64)
    for j in range(c.shape[1]):                     # 34 columns, all candidates at once
        r = np.where(letter[:, j], r * 100 + value[:, j], r * 10 + value[:, j]) % 97
    return np.asarray(shape_ok & length_ok & (r == 1))


def _validate(kind: str, values: pd.Series) -> np.ndarray:
    """(m,) bool: which candidates of `kind` are real findings."""
    if kind == "phone":
        n_digits = values.str.count(r"\d").to_numpy()
        intl = values.str.startswith("+").to_numpy(dtype=bool)
        trunk = values.str.startswith("0").to_numpy(dtype=bool)
        formatted = values.str.contains(r"[ .()-]", regex=True).to_numpy(dtype=bool)
        return np.asarray(np.where(intl, (n_digits >= 8) & ((n_digits <= 15) | formatted),
                                   np.where(trunk, (n_digits >= 10) & (n_digits <= 11),
                                            True)))
    if kind == "card":
        digits = values.str.replace(r"\D", "", regex=True)
        return luhn_valid(digits.to_numpy(dtype=str))
    if kind == "iban":
        return iban_valid(values.str.replace(" ", "", regex=False).to_numpy(dtype=str))
    if kind == "ipv6":
        return np.asarray(values.str.count(r"[0-9A-Fa-f]+").to_numpy() >= 3)
    return np.ones(len(values), dtype=bool)


def _mask(kind: str, values: pd.Series) -> pd.Series:
    """Masked copies of found values (never the whole value)."""
    if kind == "email":
        return values.str.replace(r"^(.)[^@]*@", r"\1***@", regex=True)
    if kind == "ipv4":
        return values.str.replace(r"^(\d+)\..*$", r"\1.*.*.*", regex=True)
    if kind == "ipv6":
        return values.str.replace(r"^([0-9A-Fa-f]*):.*$", r"\1:****", regex=True)
    if kind == "iban":
        head = values.str.slice(0, 2)
        tail = values.str.slice(2).str.replace(r"[A-Z0-9](?=(?: ?[A-Z0-9]){4})", "*",
                                               regex=True)
        return head + tail
    pattern, repl = _MASKS[kind]
    return values.str.replace(pattern, repl, regex=True)


def text_columns(raw: pd.DataFrame, label_column: str | None) -> list[Any]:
    """Columns of `raw` holding text (object, string, or categorical of text), the label
    column excluded."""
    out = []
    for column in raw.columns:
        if label_column is not None and column == label_column:
            continue
        dtype = raw[column].dtype
        if isinstance(dtype, pd.CategoricalDtype):
            dtype = dtype.categories.dtype
        if pd.api.types.is_object_dtype(dtype) or isinstance(dtype, pd.StringDtype):
            out.append(column)
    return out


@register
class Pii(Check):
    """Flag rows whose text holds personal data (e-mail, phone, card, IBAN, IP, SSN).

    Parameters
    ----------
    kinds : tuple of str
        Kinds looked for, among `KINDS`.
    max_examples : int
        Masked examples kept per kind.
    """

    name = "pii"
    description = "personal data in text columns (e-mail, phone, card, IBAN, IP, SSN)"
    row_level = True

    def __init__(self, kinds: tuple[str, ...] | list[str] = KINDS,
                 max_examples: int = MAX_EXAMPLES) -> None:
        chosen = tuple(kinds)
        unknown = [k for k in chosen if k not in PATTERNS]
        if unknown or not chosen:
            raise InputError("pii kinds", f"kinds among {', '.join(KINDS)}",
                             ", ".join(map(repr, unknown)) or "none")
        self.kinds = chosen
        self.max_examples = int(max_examples)

    def applies(self, ctx: AuditContext) -> str | None:
        if ctx.raw is None or not text_columns(ctx.raw, ctx.label_column):
            return "needs a table with text columns"
        return None

    def run(self, ctx: AuditContext) -> CheckResult:
        assert ctx.raw is not None
        n = ctx.n
        found = np.zeros(n, dtype=bool)
        rows_by_kind = {k: np.zeros(n, dtype=bool) for k in self.kinds}
        counts = dict.fromkeys(self.kinds, 0)
        per_column: dict[str, dict[str, int]] = {}
        examples: dict[str, list[tuple[int, str]]] = {k: [] for k in self.kinds}
        columns = text_columns(ctx.raw, ctx.label_column)
        for column in columns:                          # a loop over columns, not rows
            s = ctx.raw[column].astype(object).astype("string").reset_index(drop=True)
            # Only cells holding the kind's tell-tale character can match (kept index).
            tells = {tell: s.str.contains(tell, regex=False).to_numpy(dtype=bool,
                                                                      na_value=False)
                     for tell in ("@", ":")}
            tells["digit"] = s.str.contains(r"\d", regex=True).to_numpy(dtype=bool,
                                                                       na_value=False)
            for kind in self.kinds:
                candidates = s[tells[_TELL[kind]]]
                if candidates.empty:
                    continue
                hits = candidates.str.extractall(PATTERNS[kind])
                if hits.empty:
                    continue
                values = hits["v"].astype("string")
                ok = _validate(kind, values)
                if not ok.any():
                    continue
                values = values[ok]
                rows = values.index.get_level_values(0).to_numpy(dtype=np.int64)
                rows_by_kind[kind][rows] = True
                counts[kind] += int(ok.sum())
                per_column.setdefault(str(column), {})[kind] = int(ok.sum())
                if len(examples[kind]) < self.max_examples:
                    take = values.iloc[: self.max_examples]
                    masked = _mask(kind, take).tolist()
                    examples[kind].extend(zip(rows[: len(masked)].tolist(), masked,
                                              strict=True))
        for kind in self.kinds:
            found |= rows_by_kind[kind]
        info: dict[str, Any] = {
            "columns_scanned": [str(c) for c in columns],
            "counts": counts,
            "rows_by_kind": {k: int(v.sum()) for k, v in rows_by_kind.items()},
            "per_column": per_column,
            "examples": {k: [{"row": r, "value": v} for r, v in sorted(ex)[
                : self.max_examples]] for k, ex in examples.items() if ex}}
        scores = np.where(found, 0.0, 1.0)
        summary = 1.0 - float(found.mean()) if n else 1.0
        return CheckResult(self.name, scores, found, summary, info)
