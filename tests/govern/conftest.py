"""A planted `CardFacts` for the card writers' tests: PII in a text column, a duplicate
cluster, an under-represented subgroup and a cleaned child version (the facts
`card_facts` gathers from such a dataset are tested in test_card.py)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pytest

from datacurve.govern._facts import (
    CardFacts,
    ClassShare,
    ColumnFacts,
    CurveFacts,
    FileFacts,
    Finding,
    PiiFinding,
    SubgroupFacts,
    VersionStep,
)


@pytest.fixture
def planted_table(tmp_path: Path) -> tuple[Path, pd.DataFrame]:
    """A small CSV: numbers, a text column with e-mail addresses, a group column."""
    df = pd.DataFrame({
        "age": [34, 51, 29, 34, 62, 45, 38, 51],
        "income": [41.5, 72.0, 30.25, 41.5, 55.0, None, 48.0, 72.0],
        "note": ["call me", "mail ann.lee@example.com", "fine", "call me", "ok",
                 "write to bob@example.org", "late", "mail ann.lee@example.com"],
        "site": ["north", "north", "north", "north", "north", "north", "north", "south"],
        "label": ["yes", "no", "yes", "yes", "no", "yes", "no", "no"],
    })
    path = tmp_path / "people.csv"
    df.to_csv(path, index=False)
    return path, df


@pytest.fixture
def cleaned_table(planted_table: tuple[Path, pd.DataFrame]) -> tuple[Path, pd.DataFrame]:
    """The planted table without its second duplicates (rows 3 and 7): the card's data."""
    path, df = planted_table
    kept = df.drop(index=[3, 7]).reset_index(drop=True)
    out = path.with_name("people.clean.csv")
    kept.to_csv(out, index=False)
    return out, kept


@pytest.fixture
def facts(planted_table: tuple[Path, pd.DataFrame],
          cleaned_table: tuple[Path, pd.DataFrame]) -> CardFacts:
    """The card's facts of the cleaned version (`cleaned_table`), child of the load."""
    path, _ = planted_table
    clean_path, df = cleaned_table
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    clean_digest = hashlib.sha256(clean_path.read_bytes()).hexdigest()
    return CardFacts(
        name="people.csv+clean", version="f" * 16, task="classification", rows=len(df),
        label="label",
        columns=(ColumnFacts("age", "feature", "integer", 0, 6),
                 ColumnFacts("income", "feature", "float", 1, 5),
                 ColumnFacts("note", "text", "text", 0, 6),
                 ColumnFacts("site", "group", "text", 0, 2),
                 ColumnFacts("label", "label", "text", 0, 2)),
        classes=(ClassShare("yes", 3, 0.5), ClassShare("no", 3, 0.5)),
        files=(FileFacts(clean_path.name, str(clean_path), clean_digest,
                         clean_path.stat().st_size, "text/csv"),),
        findings=(
            Finding("exact_duplicate", "Exact duplicates", 4, 0.5,
                    "2 groups of identical rows (4 rows).", ("rows 0 and 3",
                                                             "rows 1 and 7")),
            Finding("pii", "Personal data", 3, 0.375,
                    "3 rows hold e-mail addresses (column note).",
                    ("a***@example.com", "b**@example.org")),
            Finding("subgroup", "Subgroups", 1, 0.125,
                    "site=south holds 1 row (12.5 %): under-represented."),
            Finding("leakage", "Train/test leakage", 0, 0.0, "", skipped="no split given"),
        ),
        pii=(PiiFinding("note", "email", 3, ("a***@example.com", "b**@example.org")),),
        subgroups=(SubgroupFacts("site", "north", 7, 0.875, False, 0.71, 0.02),
                   SubgroupFacts("site", "south", 1, 0.125, True, 0.0, -0.69, True)),
        lineage=(
            VersionStep("a" * 16, "people.csv", "load", {"label": "label"}, (), 8, 4,
                        user="tester", time="2026-12-01T10:00:00+0000",
                        source=str(path), source_sha256=digest, source_changed=False),
            VersionStep("f" * 16, "people.csv+clean", "clean",
                        {"drop": ["exact_duplicate"]}, ("a" * 16,), 6, 4, removed=2,
                        source=str(clean_path), source_sha256=clean_digest,
                        by_check={"exact_duplicate": 2}, user="tester",
                        time="2026-12-01T10:05:00+0000"),
        ),
        curves=(CurveFacts("sklearn:LogisticRegression", "accuracy", 6, 0.67, 0.8, "data",
                           "accuracy 0.67 at 6 samples; the curve levels off near 0.80"),),
        made="2026-12-01T10:10:00+0000", datacurve_version="0.1.0",
    )
