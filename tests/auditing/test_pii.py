"""The ``pii`` check: planted e-mails, phones, cards, IBANs, IPs and SSNs are found,
clean look-alikes (invalid checksums, dates, small numbers, versions) are not, and no full
value is ever echoed."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from datacurve.auditing import audit
from datacurve.auditing.checks._pii import KINDS, iban_valid, luhn_valid
from datacurve.data import load

POSITIVES: dict[str, list[str]] = {
    "email": ["write to jane.doe@example.com today", "A.B+tag@mail.co.uk",
              "reach x_y@sub.domain.org."],
    "phone": ["+1 (415) 555-2671", "call +44 20 7946 0958 now", "tel 415-555-2671",
              "(415) 555-2671", "020 7946 0958", "01 23 45 67 89", "+33 1 23 45 67 89",
              "+4930901820", "1-800-555-0199", "mobile 07700 900123", "tel:+14155552671"],
    "card": ["4111 1111 1111 1111", "paid with 5500-0000-0000-0004", "378282246310005",
             "card 6011111111111117 exp 12/27"],
    "iban": ["DE89 3704 0044 0532 0130 00", "to GB82WEST12345698765432 please",
             "FR1420041010050500013M02606"],
    "ipv4": ["login from 192.168.1.10.", "dns 8.8.8.8"],
    "ipv6": ["2001:0db8:85a3:0000:0000:8a2e:0370:7334", "addr 2001:db8::8a2e:370:7334 ok"],
    "ssn": ["ssn 123-45-6789", "078-05-1121"],
}

LOOK_ALIKES = [
    "2023-01-15", "12/05/2021", "15.01.2023", "2023-01-15T12:30:45", "12:30:45", "19:45",
    "42", "7", "3.14159", "10-20", "2020-2021", "1234567", "1,000,000", "price $1,234.56",
    "temp -20.5", "1e-10", "score +5", "+12 points", "room 0123", "555-1234",
    "123 456 7890",                                 # NANP area codes never start with 1
    "order 12345678901234",                         # 14 digits, fails Luhn
    "4111 1111 1111 1112",                          # card with a wrong check digit
    "0000 0000 0000 0000",                          # passes Luhn, not a card
    "DE89 3704 0044 0532 0130 01",                  # IBAN with a wrong check digit
    "DE89 3704 0044 0532 0130",                     # too short for Germany
    "000-12-3456", "123-00-4567", "666-12-3456", "912-34-5678", "123-45-0000",
    "256.1.1.1", "1.2.3", "1.2.3.4.5", "v1.2.3.4", "ISBN 978-3-16-148410-0",
    "std::vector", "x[::2]", "00:1A:2B:3C:4D:5E", "foo@bar", "name at example dot com",
    "call 415-555-2671-99", "id ABCD1234EFGH5678", "£12,345",
]


def table(texts: list[str], **extra: list[object]) -> pd.DataFrame:
    """A table with the text column ``note``, a numeric column and a two-class label."""
    n = len(texts)
    return pd.DataFrame({"note": pd.Series(texts, dtype=object), "amount": np.arange(n) * 1.5,
                         "label": np.arange(n) % 2, **extra})


def run_pii(df: pd.DataFrame, label: str = "label", **params: object) -> object:
    """The ``pii`` result of an audit of `df` loaded with its label column."""
    return audit(load(df, label=label), checks=["pii"],
                 params={"pii": params} if params else None).results["pii"]


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_is_found_without_false_positives(kind: str) -> None:
    """Every planted value of `kind` is flagged; none of the look-alikes is."""
    texts = POSITIVES[kind] + LOOK_ALIKES
    r = run_pii(table(texts))
    assert set(np.flatnonzero(r.flags)) == set(range(len(POSITIVES[kind])))
    assert r.info["counts"][kind] == len(POSITIVES[kind])


def test_look_alikes_are_not_flagged() -> None:
    """Dates, times, small numbers, versions, invalid checksums: nothing is flagged."""
    r = run_pii(table(LOOK_ALIKES))
    assert not r.flags.any() and r.summary == 1.0, r.info["examples"]


def test_scores_and_summary() -> None:
    """Rows with personal data score 0, others 1; the summary is the clean share."""
    texts = ["hello", "mail me: bob@example.org", "fine", "nothing here"]
    r = run_pii(table(texts))
    np.testing.assert_array_equal(r.scores, [1.0, 0.0, 1.0, 1.0])
    assert r.summary == pytest.approx(0.75)


def test_counts_per_column() -> None:
    """Counts are kept per kind and per column; two finds in one cell count twice."""
    df = table(["a@b.io and c@d.io", "x", "y"],
               contact=pd.Series(["+44 20 7946 0958", None, "10.0.0.1"], dtype=object))
    info = run_pii(df).info
    assert info["per_column"] == {"note": {"email": 2},
                                  "contact": {"phone": 1, "ipv4": 1}}
    assert info["rows_by_kind"]["email"] == 1 and info["counts"]["email"] == 2


def test_examples_are_masked() -> None:
    """Examples show a masked form; no planted value appears anywhere in info."""
    planted = [v for values in POSITIVES.values() for v in values]
    r = run_pii(table(planted))
    dumped = json.dumps(r.info)
    assert r.info["examples"]["email"][0] == {"row": 0, "value": "j***@example.com"}
    assert r.info["examples"]["card"][0]["value"] == "**** **** **** 1111"
    for kind, values in POSITIVES.items():
        for text in values:
            found = [t for t in text.split() if any(ch.isdigit() for ch in t) or "@" in t]
            for token in found:
                if len(token.strip(".,")) >= 7:
                    assert token.strip(".,") not in dumped, (kind, token)


def test_label_column_is_excluded() -> None:
    """E-mail addresses used as labels are not reported (the label is not scanned)."""
    df = table(["x", "y", "z", "w"])
    df["owner"] = ["a@example.com", "b@example.com"] * 2
    r = run_pii(df.drop(columns="label"), label="owner")
    assert not r.flags.any()


def test_numeric_only_table_is_skipped() -> None:
    """A table without text columns: skipped with the reason."""
    df = pd.DataFrame({"a": np.arange(10.0), "b": np.arange(10) % 2})
    r = audit(df.drop(columns="b"), df["b"], checks=["pii"]).results["pii"]
    assert r.skipped == "needs a table with text columns"


def test_arrays_are_skipped() -> None:
    """Plain arrays have no table: skipped."""
    r = audit(np.zeros((6, 2)), np.arange(6) % 2, checks=["pii"]).results["pii"]
    assert r.skipped == "needs a table with text columns"


def test_loaded_csv(tmp_path: Path) -> None:
    """A CSV loaded with datacurve.load keeps its text for the check."""
    path = tmp_path / "people.csv"
    pd.DataFrame({"name": ["Ann", "Bo", "Cy"], "email": ["ann@corp.com", "", "cy@x.net"],
                  "label": [0, 1, 0]}).to_csv(path, index=False)
    r = audit(load(path, label="label"), checks=["pii"]).results["pii"]
    assert set(np.flatnonzero(r.flags)) == {0, 2}


def test_kinds_parameter() -> None:
    """Only the kinds asked for are looked for."""
    r = run_pii(table(["a@b.io", "8.8.8.8"]), kinds=["ipv4"])
    assert set(np.flatnonzero(r.flags)) == {1} and list(r.info["counts"]) == ["ipv4"]


def test_luhn_is_vectorised_and_exact() -> None:
    """Luhn: known valid numbers pass; the same numbers with one digit changed fail."""
    valid = ["4111111111111111", "5500000000000004", "378282246310005",
             "6011111111111117", "4012888888881881"]
    invalid = [v[:-1] + str((int(v[-1]) + 1) % 10) for v in valid]
    np.testing.assert_array_equal(luhn_valid(valid + invalid), [True] * 5 + [False] * 5)


def test_iban_mod97() -> None:
    """mod-97: valid IBANs pass; a changed digit or a wrong length fails."""
    valid = ["DE89370400440532013000", "GB82WEST12345698765432",
             "FR1420041010050500013M02606", "NL91ABNA0417164300"]
    bad = ["DE89370400440532013001", "GB82WEST12345698765433", "NL91ABNA041716430"]
    np.testing.assert_array_equal(iban_valid(valid + bad), [True] * 4 + [False] * 3)
