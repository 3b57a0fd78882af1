"""The Markdown datasheet of the planted facts: every Gebru section in order, each planted
finding (duplicates, masked personal data, the under-represented site=south, the clean
step that removed 2 rows by exact_duplicate), a warning per missing required answer,
the human answers where they belong, and never an unmasked e-mail address of the data."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from datacurve.govern._datacard import DATACARD_SECTIONS, Datacard, read_datacard
from datacurve.govern._facts import CardFacts, ColumnFacts, Finding, PiiFinding
from datacurve.govern._markdown import NOT_STATED, _cell, _table, datasheet_markdown

HEADINGS = ["## Motivation", "## Composition", "## Collection process",
            "## Preprocessing / cleaning / labelling", "## Uses", "## Distribution",
            "## Maintenance"]

ANSWERED = """\
title: People who said yes
description: Eight made-up people.
motivation:
  purpose: To test the card writers.
composition:
  sensitive: Free-text notes may hold e-mail addresses.
distribution:
  licence: CC-BY-4.0
  usage_rights: Research only.
maintenance:
  contact: data-team@example.net
"""


def section(md: str, heading: str) -> str:
    """The text of one ``##`` section (up to the next ``##`` heading)."""
    start = md.index(heading + "\n")
    end = md.find("\n## ", start + len(heading))
    return md[start: end if end >= 0 else len(md)]


def table_rows(md: str, header_start: str) -> list[list[str]]:
    """The body rows of the first table whose header starts with `header_start`."""
    lines = md.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith(header_start))
    rows = []
    for line in lines[at + 2:]:
        if not line.startswith("|"):
            break
        rows.append(split_row(line))
    return rows


def split_row(line: str) -> list[str]:
    """A GFM table row's cells, split by the stricter of the usual rules (markdown-it's:
    a backslash escapes the character after it, so ``\\\\|`` is a backslash and a
    separator; cmark-gfm takes any ``\\|`` as an escaped pipe)."""
    cells, cell, i = [], "", 0
    body = line.strip()
    assert body.startswith("|") and body.endswith("|")
    body = body[1:]
    while i < len(body):
        c = body[i]
        if c == "\\" and i + 1 < len(body):
            cell += body[i: i + 2]
            i += 2
            continue
        if c == "|":
            cells.append(cell.strip())
            cell = ""
        else:
            cell += c
        i += 1
    assert cell.strip() == ""
    return cells


@pytest.fixture
def md(facts: CardFacts) -> str:
    return datasheet_markdown(facts, Datacard())


# -- structure ------------------------------------------------------------------------------
def test_title_version_and_provenance(md: str, facts: CardFacts) -> None:
    assert md.startswith(f"# {facts.name}\n")
    assert f"`{facts.version}`" in md
    assert "Measured by datacurve 0.1.0 on 2026-12-01T10:10:00+0000" in md


def test_gebru_sections_in_order(md: str) -> None:
    at = [md.index(h + "\n") for h in HEADINGS]
    assert at == sorted(at)
    assert md.index("## Warnings") < at[0]


def test_every_question_is_asked_and_unanswered_ones_say_so(md: str) -> None:
    for s, fields in DATACARD_SECTIONS.items():
        if s:
            for question in fields.values():
                assert f"**{question}**\n\n{NOT_STATED}" in md


def test_a_warning_for_each_missing_required_answer(md: str) -> None:
    warnings = section(md, "## Warnings")
    assert ("> **Warning:** no licence is stated (datacard.yaml: distribution.licence)"
            in warnings)
    assert "(datacard.yaml: distribution.usage_rights)" in warnings
    assert "(datacard.yaml: maintenance.contact)" in warnings


def test_answered_card_fills_its_sections_and_silences_warnings(
        tmp_path: Path, facts: CardFacts) -> None:
    path = tmp_path / "datacard.yaml"
    path.write_text(ANSWERED, encoding="utf-8")
    card = read_datacard(path)
    md = datasheet_markdown(facts, card)
    assert md.startswith("# People who said yes\n\nEight made-up people.\n")
    assert f"`{facts.name}`" in md                       # the dataset's own name too
    assert "To test the card writers." in section(md, "## Motivation")
    assert "may hold e-mail addresses" in section(md, "## Composition")
    assert "CC-BY-4.0" in section(md, "## Distribution")
    assert "data-team@example.net" in section(md, "## Maintenance")  # human text as is
    assert "## Warnings" not in md and "**Warning:**" not in md


def test_one_missing_answer_one_warning_naming_the_file(tmp_path: Path,
                                                        facts: CardFacts) -> None:
    path = tmp_path / "people.datacard.yaml"
    path.write_text(ANSWERED.replace("  licence: CC-BY-4.0\n", ""), encoding="utf-8")
    md = datasheet_markdown(facts, read_datacard(path))
    assert md.count("**Warning:**") == 1
    assert "no licence is stated (people.datacard.yaml: distribution.licence)" in md


# -- the measured parts ---------------------------------------------------------------------
def test_composition_counts_columns_and_classes(md: str) -> None:
    comp = section(md, "## Composition")
    assert "**Rows:** 6" in comp and "**Task:** classification" in comp
    assert "**Label column:** `label`" in comp
    assert "**Missing cells:** 1 of 30 (3.3 %)" in comp
    columns = table_rows(comp, "| Column | Role |")
    assert ["`income`", "feature", "float", "1", "5"] in columns and len(columns) == 5
    assert table_rows(comp, "| Label | Count |") == [["`yes`", "3", "50.0 %"],
                                                   ["`no`", "3", "50.0 %"]]
    assert "Imbalance ratio (largest class over smallest): 1.00×" in comp


def test_under_represented_subgroup_is_flagged(md: str) -> None:
    rows = table_rows(section(md, "## Composition"), "| Column | Group |")
    south = next(r for r in rows if r[1] == "`south`")
    assert south == ["`site`", "`south`", "1", "12.5 %", "0.00", "−0.690",
                     "under-represented, under-performing"]
    north = next(r for r in rows if r[1] == "`north`")
    assert north[-1] == "" and north[5] == "+0.0200"
    assert "site=south holds 1 row (12.5 %): under-represented." in md


def test_each_audit_finding_is_reported(md: str, facts: CardFacts) -> None:
    comp = section(md, "## Composition")
    found = table_rows(comp, "| Check | Flagged |")
    assert ["Exact duplicates", "4", "50.0 %", "2 groups of identical rows (4 rows)."] in found
    assert [r[0] for r in found] == ["Exact duplicates", "Personal data", "Subgroups"]
    assert "- `rows 0 and 3`\n- `rows 1 and 7`" in comp
    assert "- Train/test leakage (`leakage`): no split given" in comp


def test_personal_data_shows_masked_examples_only(md: str, planted_table: tuple[
        Path, pd.DataFrame]) -> None:
    pii = md[md.index("#### Personal and sensitive information"):]
    assert table_rows(pii, "| Column | Kind |") == [
        ["`note`", "email", "3", "`a***@example.com`, `b**@example.org`"]]
    _, df = planted_table
    for address in ("ann.lee@example.com", "bob@example.org"):
        assert address not in md
    # nothing else of the data either: no note text, no income value
    for note in set(df["note"]):
        assert note not in md


def test_an_unmasked_example_is_masked_anyway(facts: CardFacts) -> None:
    leaky = dataclasses.replace(
        facts, pii=(PiiFinding("note", "email", 1, ("ann.lee@example.com",)),),
        findings=(Finding("pii", "Personal data", 1, 0.1, "mail ann.lee@example.com",
                          ("ann.lee@example.com",)),))
    md = datasheet_markdown(leaky, Datacard())
    assert "ann.lee@example.com" not in md and "a***@example.com" in md


def test_lineage_from_the_source_to_this_version(md: str, facts: CardFacts) -> None:
    prep = section(md, "## Preprocessing / cleaning / labelling")
    rows = table_rows(prep, "| Step | Version |")
    assert [r[:3] for r in rows] == [["1", "`aaaaaaaaaaaa`", "load"],
                                     ["2", "`ffffffffffff` (this version)", "clean"]]
    clean = rows[1]
    assert clean[3] == "`drop=[exact_duplicate]`"
    assert clean[4:] == ["6", "−2", "exact_duplicate (2)", "tester",
                         "2026-12-01T10:05:00+0000"]
    load = facts.lineage[0]
    assert f"`{load.source}`, sha256 `{load.source_sha256}` (unchanged since)" in prep
    assert "has changed since it was recorded" not in md


def test_changed_source_is_warned_about(facts: CardFacts) -> None:
    load = dataclasses.replace(facts.lineage[0], source_changed=True)
    md = datasheet_markdown(dataclasses.replace(facts, lineage=(load, *facts.lineage[1:])),
                            Datacard())
    assert "the source file has changed since it was recorded" in section(
        md, "## Preprocessing / cleaning / labelling")
    assert "has changed since it was recorded" in section(md, "## Warnings")


def test_curves_under_uses(md: str) -> None:
    uses = section(md, "## Uses")
    assert "### What the learning curves say about data needs" in uses
    assert table_rows(uses, "| Model | Metric |") == [
        ["`sklearn:LogisticRegression`", "accuracy", "6", "0.670", "0.800", "data"]]
    assert "accuracy 0.67 at 6 samples; the curve levels off near 0.80" in uses


def test_files_under_distribution(md: str, facts: CardFacts) -> None:
    f = facts.files[0]
    rows = table_rows(section(md, "## Distribution"), "| File | Bytes |")
    assert rows == [[f"`{f.name}`", f"{f.bytes:,}", f"`{f.sha256}`", "`text/csv`"]]


def test_notes_are_listed(facts: CardFacts) -> None:
    md = datasheet_markdown(dataclasses.replace(facts, notes=("no curve: too few rows",)),
                            Datacard())
    assert "- no curve: too few rows" in section(md, "## Warnings")


def test_regression_without_audit_or_lineage(facts: CardFacts) -> None:
    bare = CardFacts(name="prices", version="1" * 16, task="regression", rows=12_345,
                     label="price", columns=(ColumnFacts("price", "label", "float", 0, 99),))
    md = datasheet_markdown(bare, Datacard())
    assert "**Rows:** 12,345" in md
    assert "Class balance" not in md and "Imbalance" not in md
    assert "_No audit was run on this version._" in md
    assert "_No recorded versions" in md and "_No learning curve was measured._" in md
    assert "_Measured by datacurve._" in md              # no version, no date given


def test_hostile_names_do_not_break_tables(facts: CardFacts) -> None:
    odd = ColumnFacts("a|b\nc`d\\", "feature", "text", 0, 1)
    md = datasheet_markdown(dataclasses.replace(facts, columns=(odd, *facts.columns)),
                            Datacard())
    rows = table_rows(section(md, "## Composition"), "| Column | Role |")
    assert len(rows) == 6 and all(len(r) == 5 for r in rows)


# -- cells ----------------------------------------------------------------------------------
@settings(max_examples=300, deadline=None)
@given(cells=st.lists(st.text(max_size=20), min_size=1, max_size=5), rows=st.integers(0, 3))
def test_cells_never_break_the_table(cells: list[str], rows: int) -> None:
    """Any text in any cell (pipes, backslashes, line breaks): the table keeps one line
    per row and every row its number of cells."""
    text = _table([f"h{i}" for i in range(len(cells))], [cells] * rows)
    lines = text.split("\n")
    assert len(lines) == rows + 2
    assert all(len(split_row(line)) == len(cells) for line in lines)


@settings(max_examples=200, deadline=None)
@given(cell=st.text(st.characters(exclude_characters="\\"), max_size=30))
def test_cells_read_back_as_their_text(cell: str) -> None:
    """Without backslashes, a cell reads back (GFM unescapes ``\\|``) as its text with
    line breaks turned into spaces."""
    (back,) = split_row(_table(["h"], [[cell]]).split("\n")[2])
    assert back.replace("\\|", "|") == re.sub(r"\r\n|[\r\n]", " ", cell).strip()


def test_cell_escapes_pipes_and_line_breaks() -> None:
    assert _cell("a|b\nc") == "a\\|b c"
    assert _cell("x\\|y") == "x\\\\\\|y"
    assert split_row(f"| {_cell('x' + chr(92) + '|y')} | z |") == ["x\\\\\\|y", "z"]
