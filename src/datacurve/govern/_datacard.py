"""The human part of a dataset card: ``datacard.yaml``, kept next to the data.

A dataset card (after Gebru et al., "Datasheets for Datasets", 2021, and Hugging Face
dataset cards) holds two kinds of statement: what datacurve measured (rows, columns,
classes, audit findings, lineage, learning curves: `CardFacts`) and what only people
know (why the data was made, who made it, under which licence it may be used, whom to
ask). This module holds the second kind: a YAML file with one question per field,
`template_text` to start one, `write_template` to put it next to the data (never over
an existing one) and `read_datacard` to read it back as a `Datacard`.

The file is checked strictly, because a misspelt key would otherwise silently drop an
answer from the card: every error names the key, its line (1-based) and the file.

Layout
------
Two top-level scalars, ``title`` and ``description``, then one mapping per section of
the datasheet (``motivation``, ``composition``, ``collection``, ``preprocessing``,
``uses``, ``distribution``, ``maintenance``), each of fields holding text. In
`DATACARD_SECTIONS` and `Datacard.fields` the two top-level scalars sit in the section
named ``""`` (``card.get("", "title")``; ``card.title`` too).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from datacurve._errors import InputError, did_you_mean

__all__ = ["DATACARD_NAME", "DATACARD_SECTIONS", "REQUIRED", "Datacard", "read_datacard",
           "template_text", "write_template"]

DATACARD_NAME = "datacard.yaml"
"""The file's usual name, next to the data (`write_template` and `read_datacard` use it
when given a directory)."""

DATACARD_SECTIONS: Mapping[str, Mapping[str, str]] = {
    "": {
        "title": "What is the dataset called?",
        "description": "In a few sentences, what is the dataset?",
    },
    "motivation": {
        "purpose": "For what purpose was the dataset created? Was there a specific task "
                   "in mind?",
        "creators": "Who created the dataset (which team or group) and on behalf of which "
                    "entity?",
        "funding": "Who funded the creation of the dataset?",
    },
    "composition": {
        "instances": "What do the instances that comprise the dataset represent (people, "
                     "documents, photos, transactions, ...)?",
        "sampling": "Does the dataset contain all possible instances, or is it a sample "
                    "from a larger set? If a sample, how was it drawn, and is it "
                    "representative?",
        "sensitive": "Does the dataset contain data that might be considered confidential "
                     "or sensitive, or that identifies people directly or indirectly?",
        "biases": "Are there any known errors, sources of noise, redundancies or biases in "
                  "the dataset?",
    },
    "collection": {
        "process": "How was the data associated with each instance acquired, and with what "
                   "mechanisms or procedures?",
        "timeframe": "Over what timeframe was the data collected?",
        "consent": "Were the people concerned notified about the data collection, and did "
                   "they consent to it?",
    },
    "preprocessing": {
        "labelling": "How were the labels made (by whom, with what instructions), and how "
                     "were they checked?",
        "cleaning": "Was any preprocessing or cleaning done that datacurve did not record? "
                    "Was the raw data kept?",
    },
    "uses": {
        "intended": "For what tasks should the dataset be used?",
        "out_of_scope": "Are there tasks for which the dataset should not be used?",
        "limitations": "Is there anything about the composition, collection or "
                       "preprocessing of the dataset that might limit its uses?",
        "impact": "Could using the dataset lead to unfair treatment of individuals or "
                  "groups, or to other harms? What mitigates them?",
    },
    "distribution": {
        "licence": "Under which licence is the dataset distributed?",
        "usage_rights": "Have third parties imposed restrictions on the data? What may "
                        "users do with it?",
        "url": "Where can the dataset be obtained?",
        "citation": "How should the dataset be cited?",
    },
    "maintenance": {
        "contact": "How can the owner, curator or maintainer of the dataset be contacted?",
        "updates": "Will the dataset be updated (errors corrected, instances added or "
                   "removed)? How often, by whom, and how will users be told?",
    },
}
"""The template: section → field → the Datasheets question it answers, in the file's
order. Section ``""`` holds the top-level scalars ``title`` and ``description``."""

REQUIRED: tuple[tuple[str, str], ...] = (
    ("distribution", "licence"),
    ("distribution", "usage_rights"),
    ("maintenance", "contact"),
)
"""Fields a card must answer: without them the data cannot be reused responsibly."""

_TOP = tuple(DATACARD_SECTIONS[""])
_SECTIONS = tuple(s for s in DATACARD_SECTIONS if s)
_TEXT_TAGS = frozenset("tag:yaml.org,2002:" + t
                       for t in ("str", "int", "float", "bool", "timestamp"))
_NULL_TAG = "tag:yaml.org,2002:null"
_EXPECTED_VALUE = "text (a string, a number, a date, or a list of strings)"


def _dotted(section: str, name: str) -> str:
    return f"{section}.{name}" if section else name


def _all_keys() -> list[str]:
    return [_dotted(s, f) for s, fields in DATACARD_SECTIONS.items() for f in fields]


def _empty_fields() -> dict[str, dict[str, str]]:
    return {s: dict.fromkeys(fields, "") for s, fields in DATACARD_SECTIONS.items()}


@dataclass(frozen=True)
class Datacard:
    """The human answers of a dataset card, as read from a ``datacard.yaml``.

    Parameters
    ----------
    path : str or None
        The file it was read from (None: no file, an empty card).
    fields : dict
        Section → field → text, every section and field of `DATACARD_SECTIONS` present
        (unanswered ones ``""``); the top-level ``title`` and ``description`` sit in the
        section ``""``. Missing entries are filled with ``""`` when the card is made; an
        unknown section or field or a value that is not text raises `InputError`.

    Examples
    --------
    >>> card = Datacard(fields={"distribution": {"licence": "CC-BY-4.0"}})
    >>> card.get("distribution", "licence"), card.title
    ('CC-BY-4.0', '')
    >>> card.missing_required()
    ['distribution.usage_rights', 'maintenance.contact']
    """

    path: str | None = None
    fields: dict[str, dict[str, str]] = field(default_factory=_empty_fields)

    def __post_init__(self) -> None:
        full = _empty_fields()
        for section, values in self.fields.items():
            if not isinstance(values, Mapping):
                raise InputError("fields", "a mapping of field → text per section",
                                 f"{type(values).__name__} for {section!r}")
            if section not in full:
                raise InputError("fields", "sections of the datacard template ("
                                 + ", ".join(repr(s) for s in DATACARD_SECTIONS) + ")",
                                 repr(section) + did_you_mean(section, _SECTIONS))
            for name, text in values.items():
                key = _dotted(section, name)
                if name not in full[section]:
                    raise InputError("fields", "fields of the datacard template",
                                     repr(key) + did_you_mean(key, _all_keys()))
                if not isinstance(text, str):
                    raise InputError("fields", "text for every field",
                                     f"{type(text).__name__} for {key!r}")
                full[section][name] = text.strip()
        object.__setattr__(self, "fields", full)

    @property
    def title(self) -> str:
        """The dataset's title (``""`` when not stated)."""
        return self.fields[""]["title"]

    @property
    def description(self) -> str:
        """Its description (``""`` when not stated)."""
        return self.fields[""]["description"]

    def get(self, section: str, field: str) -> str:
        """The answer to one field, ``""`` when empty.

        Parameters
        ----------
        section : str
            A section of `DATACARD_SECTIONS` (``""`` for ``title`` and ``description``).
        field : str
            One of its fields.

        Raises
        ------
        InputError
            For a section or field the template does not have.
        """
        values = self.fields.get(section)
        if values is None or field not in values:
            key = _dotted(section, field)
            raise InputError("datacard field", "a field of the datacard template",
                             repr(key) + did_you_mean(key, _all_keys()))
        return values[field]

    def missing_required(self) -> list[str]:
        """The required fields (`REQUIRED`) left empty, as ``"section.field"``."""
        return [_dotted(s, f) for s, f in REQUIRED if not self.fields[s][f]]

    def to_dict(self) -> dict[str, Any]:
        """The card as plain values: ``path``, ``title``, ``description``, one mapping
        per section (as in the file) and ``missing_required``."""
        out: dict[str, Any] = {"path": self.path, **self.fields[""]}
        out.update({s: dict(self.fields[s]) for s in _SECTIONS})
        out["missing_required"] = self.missing_required()
        return out


# -- the template ---------------------------------------------------------------------------
def _comment(text: str, indent: str) -> list[str]:
    """`text` as ``#`` comment lines of at most 90 characters."""
    import textwrap

    return [f"{indent}# {line}" for line in textwrap.wrap(text, 88 - len(indent))]


def template_text() -> str:
    """A ``datacard.yaml`` with every key present and empty, each preceded by its
    question as a comment.

    Returns
    -------
    str
        YAML that `read_datacard` reads as an empty card.
    """
    required = {_dotted(s, f) for s, f in REQUIRED}
    lines = [
        "# datacard.yaml: the human part of this dataset's card, kept next to the data.",
        "#",
        "# datacurve measures the rest of the card itself (rows, columns, classes, audit",
        "# findings, personal data, lineage, learning curves). Answer the questions below",
        "# (after Gebru et al., \"Datasheets for Datasets\", and Hugging Face dataset",
        "# cards); leave what you do not know empty. For a longer answer write `key: |`",
        "# and indent the text on the lines below it.",
        "#",
        "# Required: distribution.licence, distribution.usage_rights and",
        "# maintenance.contact (the card warns while they are empty).",
        "",
    ]
    for section, fields in DATACARD_SECTIONS.items():
        indent = "  " if section else ""
        if section:
            lines += ["", f"{section}:"]
        for name, question in fields.items():
            mark = " (required)" if _dotted(section, name) in required else ""
            lines += _comment(question + mark, indent)
            lines.append(f"{indent}{name}:")
    return "\n".join(lines) + "\n"


def write_template(path: str | Path) -> Path:
    """Write `template_text` to `path`, unless something is there already.

    Parameters
    ----------
    path : str or Path
        The file to write; an existing directory means ``<directory>/datacard.yaml``.

    Returns
    -------
    Path
        The file: written now, or left as it was when it existed (never overwritten).

    Raises
    ------
    InputError
        When the file's directory does not exist or cannot be written.
    """
    target = Path(path)
    if target.is_dir():
        target = target / DATACARD_NAME
    if target.exists():
        return target
    try:
        with target.open("x", encoding="utf-8") as f:  # "x": never overwrite
            f.write(template_text())
    except FileExistsError:
        return target
    except OSError as e:
        raise InputError("datacard", "a file path in a writable directory",
                         f"{target} ({e.strerror})") from e
    return target


# -- reading --------------------------------------------------------------------------------
def _line(node: Any) -> int:
    return int(node.start_mark.line) + 1


def _kind(node: Any) -> str:
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    return f"the scalar {node.value!r}"


def _text(node: Any, key: str, where: str) -> str:
    """The text of a field's value node: scalars as written, lists of scalars joined."""
    if isinstance(node, yaml.ScalarNode):
        if node.tag == _NULL_TAG:
            return ""
        if node.tag not in _TEXT_TAGS:
            raise InputError("datacard", _EXPECTED_VALUE,
                             f"a value tagged {node.tag} for {key!r} at line "
                             f"{_line(node)} of {where}")
        return str(node.value).strip()
    if isinstance(node, yaml.SequenceNode):
        parts = []
        for i, item in enumerate(node.value):
            if not isinstance(item, yaml.ScalarNode):
                raise InputError("datacard", _EXPECTED_VALUE,
                                 f"{_kind(item)} as item {i + 1} of {key!r} at line "
                                 f"{_line(item)} of {where}")
            text = _text(item, key, where)
            if text:
                parts.append(text)
        return "; ".join(parts)
    raise InputError("datacard", _EXPECTED_VALUE,
                     f"a mapping for {key!r} at line {_line(node)} of {where}")


def _pairs(node: Any, parent: str, where: str) -> list[tuple[str, int, Any]]:
    """(key, line, value node) of a mapping node; keys must be text and unique."""
    out: list[tuple[str, int, Any]] = []
    seen: dict[str, int] = {}
    for key_node, value in node.value:
        line = _line(key_node)
        if not isinstance(key_node, yaml.ScalarNode):
            inside = f" in {parent!r}" if parent else ""
            raise InputError("datacard", "keys that are names",
                             f"{_kind(key_node)} as a key{inside} at line {line} of {where}")
        key = str(key_node.value)
        dotted = _dotted(parent, key)
        if key in seen:
            raise InputError("datacard", "each key once",
                             f"{dotted!r} at line {line} of {where}, given at line "
                             f"{seen[key]} already")
        seen[key] = line
        out.append((key, line, value))
    return out


def _home(key: str) -> str:
    """`` (did you mean 'section.key'?)`` when `key` is a field of some section."""
    homes = [_dotted(s, key) for s, fields in DATACARD_SECTIONS.items() if key in fields]
    return f" (did you mean {homes[0]!r}?)" if homes else ""


def _unknown_top(key: str, line: int, where: str) -> InputError:
    hint = _home(key) or did_you_mean(key, (*_TOP, *_SECTIONS)) or did_you_mean(
        key, _all_keys())
    return InputError("datacard", "a key of the datacard template (" + ", ".join(
        (*_TOP, *_SECTIONS)) + ")", f"{key!r} at line {line} of {where}{hint}")


def _unknown_field(section: str, key: str, line: int, where: str) -> InputError:
    dotted = _dotted(section, key)
    own = [_dotted(section, f) for f in DATACARD_SECTIONS[section]]
    hint = _home(key) or did_you_mean(dotted, own) or did_you_mean(dotted, _all_keys())
    return InputError("datacard", f"a field of {section!r} ("
                      + ", ".join(DATACARD_SECTIONS[section]) + ")",
                      f"{dotted!r} at line {line} of {where}{hint}")


def _syntax_error(e: yaml.YAMLError, text: str, where: str) -> InputError:
    """The parser's complaint, with the line it points at (1-based)."""
    line: int | None = None
    problem = str(e)
    if isinstance(e, yaml.MarkedYAMLError):
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = e.problem or e.context or problem
        if e.problem and e.context:
            started = e.context_mark
            at = (f" started at line {started.line + 1}"
                  if started is not None and started.line + 1 != line else "")
            problem += f" ({e.context}{at})"
    elif isinstance(e, yaml.reader.ReaderError):
        line = text.count("\n", 0, e.position) + 1
        char = chr(e.character) if isinstance(e.character, int) else str(e.character)
        problem = f"the character U+{ord(char[:1] or ' '):04X} is not allowed in YAML"
    at = f" line {line}" if line is not None else ""
    return InputError("datacard", "a datacard.yaml that is valid YAML",
                      f"{where}{at}: {problem}")


def _parse(text: str, where: str, path: str | None) -> Datacard:
    """A `Datacard` from the YAML `text` of the file `where`."""
    try:
        # Nodes, not values: every node knows its line, scalars keep their text as
        # written ("1.10", "2024-05-01", "yes") and no constructor runs on them.
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as e:
        raise _syntax_error(e, text, where) from e
    fields = _empty_fields()
    if root is None:
        return Datacard(path, fields)
    if not isinstance(root, yaml.MappingNode):
        raise InputError("datacard", "a mapping of the sections of the datacard template "
                         "at the top level", f"{_kind(root)} at line {_line(root)} of "
                         f"{where}")
    for key, line, value in _pairs(root, "", where):
        if key in _TOP:
            fields[""][key] = _text(value, key, where)
        elif key in _SECTIONS:
            if isinstance(value, yaml.ScalarNode) and value.tag == _NULL_TAG:
                continue  # an empty section: nothing answered
            if not isinstance(value, yaml.MappingNode):
                raise InputError("datacard", f"a mapping of fields under {key!r}",
                                 f"{_kind(value)} for {key!r} at line {_line(value)} of "
                                 f"{where}")
            for name, name_line, node in _pairs(value, key, where):
                if name not in fields[key]:
                    raise _unknown_field(key, name, name_line, where)
                fields[key][name] = _text(node, _dotted(key, name), where)
        else:
            raise _unknown_top(key, line, where)
    return Datacard(path, fields)


def read_datacard(path: str | Path | None) -> Datacard:
    """Read a ``datacard.yaml``.

    Parameters
    ----------
    path : str, Path or None
        The file; an existing directory means ``<directory>/datacard.yaml``; None gives
        an empty card (no human answers, every required field missing).

    Returns
    -------
    Datacard
        Every answer as text: strings stripped of surrounding blank space, numbers,
        dates and booleans as written in the file, lists of them joined with ``"; "``,
        empty values (and empty sections) ``""``.

    Raises
    ------
    InputError
        When the file is missing or unreadable, is not valid YAML, its top level is not
        a mapping, it holds an unknown section or field, a key twice, a section that is
        not a mapping, or a value that is not text (a mapping, a list of lists or of
        mappings, a tagged value). The message names the key, its line (1-based) and
        the file, and suggests the key meant when one is close.
    """
    if path is None:
        return Datacard()
    target = Path(path)
    if target.is_dir():
        target = target / DATACARD_NAME
    where = str(target)
    try:
        raw = target.read_bytes()
    except FileNotFoundError as e:
        raise InputError("datacard", "an existing datacard.yaml (write_template writes "
                         "one)", f"{where} (no such file)") from e
    except OSError as e:
        raise InputError("datacard", "a readable datacard.yaml",
                         f"{where} ({e.strerror})") from e
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw.count(b"\n", 0, e.start) + 1
        raise InputError("datacard", "a datacard.yaml in UTF-8",
                         f"{where} line {line}: byte {raw[e.start]:#04x} is not UTF-8") from e
    return _parse(text, where, str(target.resolve()))
