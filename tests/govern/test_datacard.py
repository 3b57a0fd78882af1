"""``datacard.yaml``: the template reads back as an empty card missing its three required
answers and is never overwritten; answers of every YAML kind become text; a misspelt key,
malformed YAML, a nested value or a key given twice is refused naming the key, its line
and the file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from datacurve._errors import InputError
from datacurve.govern._datacard import (
    DATACARD_NAME,
    DATACARD_SECTIONS,
    REQUIRED,
    Datacard,
    read_datacard,
    template_text,
    write_template,
)

ALL_REQUIRED = ["distribution.licence", "distribution.usage_rights", "maintenance.contact"]

GOOD = """\
title: People
description: |
  Eight people and whether they said yes.
  Made up for the tests.
motivation:
  purpose: Test the card writers.
  creators:
    - Ann Lee
    - Bob Roe
  funding:
composition:
  instances: 1024
collection:
  timeframe: 2024-05-01
  consent: yes
uses:
distribution:
  licence: CC-BY-4.0
  usage_rights: "Research only"
maintenance:
  contact: data@example.com
"""


def write(tmp_path: Path, text: str, name: str = DATACARD_NAME) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def refusal(path: Path) -> InputError:
    with pytest.raises(InputError) as info:
        read_datacard(path)
    assert info.value.name == "datacard"
    return info.value


def line_of(text: str, needle: str) -> int:
    """The 1-based line of `text` holding `needle` (so the tests do not count by hand)."""
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


# -- the template's structure ---------------------------------------------------------------
def test_sections_and_fields_are_the_datasheet_ones_in_order() -> None:
    assert {s: list(f) for s, f in DATACARD_SECTIONS.items()} == {
        "": ["title", "description"],
        "motivation": ["purpose", "creators", "funding"],
        "composition": ["instances", "sampling", "sensitive", "biases"],
        "collection": ["process", "timeframe", "consent"],
        "preprocessing": ["labelling", "cleaning"],
        "uses": ["intended", "out_of_scope", "limitations", "impact"],
        "distribution": ["licence", "usage_rights", "url", "citation"],
        "maintenance": ["contact", "updates"],
    }
    assert all(q.endswith("?") for f in DATACARD_SECTIONS.values() for q in f.values())
    assert REQUIRED == (("distribution", "licence"), ("distribution", "usage_rights"),
                        ("maintenance", "contact"))


def test_template_has_every_key_empty_under_its_question() -> None:
    text = template_text()
    data = yaml.safe_load(text)
    assert set(data) == {"title", "description", *(s for s in DATACARD_SECTIONS if s)}
    assert data["title"] is None and data["description"] is None
    for section, fields in DATACARD_SECTIONS.items():
        if section:
            assert data[section] == dict.fromkeys(fields)
    lines = text.splitlines()
    for fields in DATACARD_SECTIONS.values():
        for name, question in fields.items():
            at = next(i for i, line in enumerate(lines) if line.strip() == f"{name}:")
            comment: list[str] = []
            for line in reversed(lines[:at]):
                if not line.strip().startswith("#"):
                    break
                comment.insert(0, line.strip().lstrip("# "))
            assert " ".join(comment).startswith(question)
    header = text.split("\n\n")[0]
    assert "datacard.yaml" in header and "Required" in header
    for key in ALL_REQUIRED:
        assert key in header
    assert max(len(line) for line in lines) <= 100


def test_template_round_trips_to_an_empty_card(tmp_path: Path) -> None:
    path = write_template(tmp_path / DATACARD_NAME)
    card = read_datacard(path)
    assert card.path == str(path.resolve())
    assert card.missing_required() == ALL_REQUIRED
    assert all(v == "" for fields in card.fields.values() for v in fields.values())
    assert card == Datacard(card.path)


def test_write_template_never_overwrites(tmp_path: Path) -> None:
    path = tmp_path / DATACARD_NAME
    path.write_text("title: Mine\n", encoding="utf-8")
    assert write_template(path) == path
    assert path.read_text(encoding="utf-8") == "title: Mine\n"
    assert read_datacard(path).title == "Mine"


def test_write_template_into_a_directory(tmp_path: Path) -> None:
    path = write_template(tmp_path)
    assert path == tmp_path / DATACARD_NAME
    assert path.read_text(encoding="utf-8") == template_text()
    assert read_datacard(tmp_path).missing_required() == ALL_REQUIRED


def test_write_template_into_a_missing_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="nowhere"):
        write_template(tmp_path / "nowhere" / DATACARD_NAME)


# -- reading answers ------------------------------------------------------------------------
def test_answers_of_every_kind_become_text(tmp_path: Path) -> None:
    card = read_datacard(write(tmp_path, GOOD))
    assert card.title == "People" == card.get("", "title")
    assert card.description == "Eight people and whether they said yes.\nMade up for the tests."
    assert card.get("motivation", "creators") == "Ann Lee; Bob Roe"
    assert card.get("motivation", "funding") == ""
    assert card.get("composition", "instances") == "1024"
    assert card.get("collection", "timeframe") == "2024-05-01"   # a date, as written
    assert card.get("collection", "consent") == "yes"            # a YAML 1.1 boolean
    assert card.get("distribution", "usage_rights") == "Research only"
    assert card.get("uses", "intended") == ""                    # an empty section
    assert card.missing_required() == []


def test_numbers_keep_the_digits_they_were_written_with(tmp_path: Path) -> None:
    card = read_datacard(write(tmp_path, "title: 1.10\ndistribution:\n  url: 0x1F\n"))
    assert card.title == "1.10"
    assert card.get("distribution", "url") == "0x1F"


def test_to_dict_mirrors_the_file(tmp_path: Path) -> None:
    card = read_datacard(write(tmp_path, GOOD))
    d = card.to_dict()
    assert d["path"] == card.path and d["title"] == "People"
    assert d["distribution"]["licence"] == "CC-BY-4.0"
    assert list(d)[1:-1] == ["title", "description", *(s for s in DATACARD_SECTIONS if s)]
    assert d["missing_required"] == []


def test_no_path_is_an_empty_card() -> None:
    card = read_datacard(None)
    assert card.path is None and card.title == ""
    assert card.missing_required() == ALL_REQUIRED


def test_empty_file_is_an_empty_card(tmp_path: Path) -> None:
    card = read_datacard(write(tmp_path, "# nothing yet\n"))
    assert card.path is not None and card.missing_required() == ALL_REQUIRED


def test_datacard_made_in_code_is_checked_and_filled() -> None:
    card = Datacard(fields={"maintenance": {"contact": "  me@example.com "}})
    assert card.get("maintenance", "contact") == "me@example.com"
    assert card.get("uses", "impact") == ""
    with pytest.raises(InputError, match=r"did you mean 'distribution\.licence'"):
        Datacard(fields={"distribution": {"licnse": "MIT"}})
    with pytest.raises(InputError, match="int for 'title'"):
        Datacard(fields={"": {"title": 3}})  # type: ignore[dict-item]
    with pytest.raises(InputError, match=r"did you mean 'uses\.impact'"):
        card.get("uses", "impakt")


# -- refusals name the key, the line and the file -------------------------------------------
def test_misspelt_field_names_key_line_and_file(tmp_path: Path) -> None:
    text = GOOD.replace("  licence: CC-BY-4.0", "  licnse: CC-BY-4.0")
    path = write(tmp_path, text)
    err = refusal(path)
    line = line_of(text, "licnse")
    assert f"'distribution.licnse' at line {line} of {path}" in err.got
    assert "did you mean 'distribution.licence'" in err.got


def test_misspelt_section_is_refused(tmp_path: Path) -> None:
    text = GOOD.replace("maintenance:", "maintainance:")
    err = refusal(write(tmp_path, text))
    assert f"'maintainance' at line {line_of(text, 'maintainance')}" in err.got
    assert "did you mean 'maintenance'" in err.got


def test_field_in_the_wrong_place_points_to_its_home(tmp_path: Path) -> None:
    err = refusal(write(tmp_path, "title: x\nlicence: MIT\n"))
    assert "'licence' at line 2" in err.got
    assert "did you mean 'distribution.licence'" in err.got
    err = refusal(write(tmp_path, "distribution:\n  contact: me\n"))
    assert "'distribution.contact' at line 2" in err.got
    assert "did you mean 'maintenance.contact'" in err.got


@pytest.mark.parametrize(("text", "line"), [
    ("title: x\nmotivation:\n  purpose: a\n   creators: b\n", 4),   # bad indentation
    ("title: x\nuses:\n  intended: 'never closed\n", 4),            # open quote
    ("title: x\ndistribution:\n\tlicence: MIT\n", 3),                # a tab
    ("title: [a, b\n", 2),                                          # open flow list
    ("title: a\n---\ntitle: b\n", 2),                               # two documents
    ("title: a\x07b\n", 1),                                         # a control character
])
def test_malformed_yaml_names_the_line(tmp_path: Path, text: str, line: int) -> None:
    path = write(tmp_path, text)
    err = refusal(path)
    assert "valid YAML" in err.expected
    assert err.got.startswith(f"{path} line {line}: ")
    assert re.search(r"line \d+: \S", err.got)          # the parser's problem follows


def test_list_of_mappings_is_refused_naming_key_and_line(tmp_path: Path) -> None:
    text = "title: x\nmotivation:\n  creators:\n    - name: Ann\n      org: Lab\n"
    err = refusal(write(tmp_path, text))
    assert "'motivation.creators'" in err.got and "at line 4" in err.got
    assert "list of strings" in err.expected


def test_mapping_value_is_refused_naming_key_and_line(tmp_path: Path) -> None:
    text = "distribution:\n  url: x\n  citation:\n    bibtex: '@misc{x}'\n"
    err = refusal(write(tmp_path, text))
    assert "a mapping for 'distribution.citation' at line 4" in err.got


def test_nested_list_is_refused(tmp_path: Path) -> None:
    err = refusal(write(tmp_path, "motivation:\n  creators: [[a, b], c]\n"))
    assert "a list as item 1 of 'motivation.creators' at line 2" in err.got


def test_section_that_is_not_a_mapping_is_refused(tmp_path: Path) -> None:
    err = refusal(write(tmp_path, "title: x\n\nuses: anything goes\n"))
    assert "'uses' at line 3" in err.got and "mapping of fields" in err.expected


def test_top_level_that_is_not_a_mapping_is_refused(tmp_path: Path) -> None:
    err = refusal(write(tmp_path, "- title\n- licence\n"))
    assert "a list at line 1" in err.got


def test_key_given_twice_is_refused(tmp_path: Path) -> None:
    text = "distribution:\n  licence: MIT\n  url: x\n  licence: GPL\n"
    err = refusal(write(tmp_path, text))
    assert "'distribution.licence' at line 4" in err.got and "line 2 already" in err.got


def test_tagged_value_is_refused(tmp_path: Path) -> None:
    err = refusal(write(tmp_path, "title: !!binary aGVsbG8=\n"))
    assert "'title' at line 1" in err.got


def test_missing_and_undecodable_files_are_refused(tmp_path: Path) -> None:
    err = refusal(tmp_path / "nothing.yaml")
    assert "no such file" in err.got
    path = tmp_path / DATACARD_NAME
    path.write_bytes(b"title: ok\ndescription: caf\xe9\n")
    err = refusal(path)
    assert "line 2" in err.got and "UTF-8" in err.expected


# -- invariants -----------------------------------------------------------------------------
FIELDS = [(s, f) for s, fields in DATACARD_SECTIONS.items() for f in fields]
TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=60)


@settings(max_examples=150, deadline=None)
@given(key=st.sampled_from(FIELDS), value=TEXT)
def test_any_text_round_trips(tmp_path_factory: pytest.TempPathFactory,
                              key: tuple[str, str], value: str) -> None:
    """Whatever text a YAML writer puts in a field, the card reads it back (stripped);
    written with raw Unicode, the card reads what `yaml.safe_load` reads (PyYAML's
    dumper folds a raw U+0085 into a space, so the loader is the reference there)."""
    section, name = key
    data = {name: value} if not section else {section: {name: value}}
    path = tmp_path_factory.mktemp("card") / DATACARD_NAME
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    assert read_datacard(path).get(section, name) == value.strip()
    text = yaml.safe_dump(data, allow_unicode=True)
    path.write_text(text, encoding="utf-8")
    loaded = yaml.safe_load(text)
    expected = loaded[name] if not section else loaded[section][name]
    assert read_datacard(path).get(section, name) == expected.strip()


@settings(max_examples=100, deadline=None)
@given(key=st.sampled_from(FIELDS), values=st.lists(TEXT, min_size=1, max_size=4))
def test_lists_of_text_are_joined(tmp_path_factory: pytest.TempPathFactory,
                                  key: tuple[str, str], values: list[str]) -> None:
    section, name = key
    data = {name: values} if not section else {section: {name: values}}
    path = tmp_path_factory.mktemp("card") / DATACARD_NAME
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    expected = "; ".join(v.strip() for v in values if v.strip())
    assert read_datacard(path).get(section, name) == expected


@settings(max_examples=100, deadline=None)
@given(junk=st.text(st.characters(min_codepoint=97, max_codepoint=122), min_size=1,
                    max_size=12), blank=st.integers(0, 3))
def test_unknown_keys_always_name_their_line(tmp_path_factory: pytest.TempPathFactory,
                                             junk: str, blank: int) -> None:
    """Any key the template lacks, after any number of blank lines, is refused naming
    its line."""
    assume(junk not in DATACARD_SECTIONS["distribution"])
    text = "title: x\n" + "\n" * blank + f"distribution:\n  {junk}: 1\n"
    path = tmp_path_factory.mktemp("card") / DATACARD_NAME
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_datacard(path)
    assert f"'distribution.{junk}' at line {blank + 3} of {path}" in info.value.got
