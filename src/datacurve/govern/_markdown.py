"""The Markdown datasheet: what was measured and what people said, in Gebru's sections.

`datasheet_markdown` writes one document from a `CardFacts` (measured) and a `Datacard`
(the human answers of ``datacard.yaml``), in the order of Gebru et al.'s "Datasheets for
Datasets": Motivation, Composition, Collection process, Preprocessing / cleaning /
labelling, Uses, Distribution, Maintenance. Each section gives the human answers (the
question in bold, then the answer or *not stated*) and, where they belong, the measured
parts: columns, classes, subgroups, audit findings and personal data under Composition;
the recorded lineage under Preprocessing; the learning curves under Uses; the files under
Distribution. Required answers that are missing are warned about at the top.

Nothing from the data itself is written but what `CardFacts` holds (names, counts, and
the masked examples of personal data); e-mail addresses left unmasked in an example are
masked again here, as a last guard.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from datacurve._plain import multiplier
from datacurve.govern._datacard import DATACARD_NAME, DATACARD_SECTIONS, Datacard
from datacurve.govern._facts import CardFacts, Finding

__all__ = ["NOT_STATED", "datasheet_markdown"]

NOT_STATED = "_not stated_"
"""What an unanswered question of the datacard shows."""

_SECTIONS: tuple[tuple[str, str], ...] = (
    ("motivation", "Motivation"),
    ("composition", "Composition"),
    ("collection", "Collection process"),
    ("preprocessing", "Preprocessing / cleaning / labelling"),
    ("uses", "Uses"),
    ("distribution", "Distribution"),
    ("maintenance", "Maintenance"),
)
"""Datacard section → its heading, in Gebru's order."""

_MISSING = {
    "distribution.licence": "no licence is stated",
    "distribution.usage_rights": "no usage rights are stated",
    "maintenance.contact": "no maintenance contact is stated",
}

_EMAIL = re.compile(r"(?<![\w.+-])([A-Za-z0-9])([A-Za-z0-9._%+-]*)(@[A-Za-z0-9.-]+\.[A-Za-z]"
                    r"{2,24})")


# -- cells and tables -----------------------------------------------------------------------
def _cell(text: object) -> str:
    """`text` as one cell of a Markdown (GFM) table: line breaks become spaces and every
    ``|`` is escaped (backslashes just before it doubled), so the cell can never split or
    end the row.

    Examples
    --------
    >>> _cell("a|b\\nc")
    'a\\\\|b c'
    """
    s = re.sub(r"\r\n|[\r\n]", " ", str(text))
    return re.sub(r"(\\*)\|", lambda m: m.group(1) * 2 + "\\|", s)


def _table(header: Sequence[str], rows: Iterable[Sequence[object]],
             align: str = "") -> str:
    """A GFM table; every cell passes through `_cell`.

    Parameters
    ----------
    header : sequence of str
    rows : iterable of sequences
        Each as long as `header`.
    align : str
        One letter per column, ``l`` or ``r`` (numbers); left when not given.
    """
    def line(cells: Sequence[object]) -> str:
        return "| " + " | ".join(_cell(c) for c in cells) + " |"

    marks = [("---:" if align[i:i + 1] == "r" else "---") for i in range(len(header))]
    return "\n".join([line(header), "| " + " | ".join(marks) + " |",
                      *(line(r) for r in rows)])


def _code(text: object) -> str:
    """`text` as an inline code span (longer fences when it holds backticks)."""
    s = re.sub(r"\r\n|[\r\n]", " ", str(text))
    if not s:
        return "–"
    longest = max((len(r) for r in re.findall(r"`+", s)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if s.startswith("`") or s.endswith("`") or longest else ""
    return f"{fence}{pad}{s}{pad}{fence}"


def _plain(text: object) -> str:
    """Measured text (a summary, a note) for prose: no raw HTML, no line breaks."""
    return re.sub(r"\r\n|[\r\n]", " ", str(text)).replace("<", "&lt;")


def _masked(text: str) -> str:
    """`text` with any e-mail address whose name is not masked masked (``a***@x.org``)."""
    def mask(m: re.Match[str]) -> str:
        return m.group(0) if "*" in m.group(2) else f"{m.group(1)}***{m.group(3)}"

    return _EMAIL.sub(mask, text)


# -- numbers for people ---------------------------------------------------------------------
def _int(n: int | None) -> str:
    return "–" if n is None else f"{n:,}"


def _share(x: float | None) -> str:
    if x is None or not math.isfinite(x):
        return "–"
    if 0 < x < 0.001:
        return "< 0.1 %"
    return f"{100 * x:.1f} %"


def _score(x: float | None, sign: bool = False) -> str:
    """A score to 3 significant digits (``0.670``, ``12.0``, ``−0.690``; thousands
    separated from 1,000 on), ``–`` when missing."""
    if x is None or not math.isfinite(x):
        return "–"
    if abs(x) >= 999.5:
        s = f"{x:+,.0f}" if sign else f"{x:,.0f}"
    else:
        s = f"{x:+#.3g}" if sign else f"{x:#.3g}"
        s = s.replace(".e", "e").rstrip(".")
    return "−" + s[1:] if sign and s.startswith("-") else s


def _compact(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, float):
        return _score(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_compact(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_compact(v)}" for k, v in value.items()) + "}"
    try:
        return json.dumps(value)
    except TypeError:
        return str(value)


def _params(params: dict[str, Any], limit: int = 80) -> str:
    """An operation's parameters on one line (``drop=[exact_duplicate]``), cut at
    `limit` characters."""
    s = ", ".join(f"{k}={_compact(v)}" for k, v in params.items())
    return s if len(s) <= limit else s[: limit - 1] + "…"


# -- the parts ------------------------------------------------------------------------------
def _answers(card: Datacard, section: str) -> list[str]:
    """The section's questions in bold, each followed by its answer."""
    out: list[str] = []
    for name, question in DATACARD_SECTIONS[section].items():
        answer = card.get(section, name)
        out += [f"**{question}**", "", answer if answer else NOT_STATED, ""]
    return out


def _file_name(card: Datacard) -> str:
    return Path(card.path).name if card.path else DATACARD_NAME


def _warnings(facts: CardFacts, card: Datacard) -> list[str]:
    """The block of warnings (missing required answers, changed sources) and notes."""
    where = _file_name(card)
    warnings = [f"{_MISSING.get(key, f'{key} is not stated')} ({where}: {key})"
                for key in card.missing_required()]
    if card.path is None:
        warnings.append(f"no {DATACARD_NAME} was given: every human answer below is "
                        "empty")
    warnings += [f"the source file {_code(step.source)} has changed since it was "
                 f"recorded (version {_code(step.id[:12])})"
                 for step in facts.lineage if step.source_changed]
    if not warnings and not facts.notes:
        return []
    out = ["## Warnings", ""]
    if warnings:
        quoted = [f"> **Warning:** {w}" for w in warnings]
        out += ["\n>\n".join(quoted), ""]
    if facts.notes:
        out += ["Not measured:", ""]
        out += [f"- {_plain(n)}" for n in facts.notes]
        out.append("")
    return out


def _composition(facts: CardFacts) -> list[str]:
    out = ["### What was measured", ""]
    out.append(f"- **Rows:** {_int(facts.rows)}")
    if facts.columns:
        out.append(f"- **Columns:** {_int(len(facts.columns))}")
    out.append(f"- **Task:** {facts.task}")
    out.append(f"- **Label column:** {_code(facts.label) if facts.label else 'none'}")
    if facts.columns:
        cells = facts.rows * len(facts.columns)
        share = f" ({_share(facts.missing_cells / cells)})" if cells else ""
        out.append(f"- **Missing cells:** {_int(facts.missing_cells)} of {_int(cells)}"
                   f"{share}")
    out.append("")
    if facts.columns:
        out += ["#### Columns", "",
                _table(["Column", "Role", "Type", "Missing", "Distinct"],
                         [[_code(c.name), c.role, c.dtype, _int(c.missing), _int(c.distinct)]
                          for c in facts.columns], "lllrr"), ""]
    if facts.classes:
        out += ["#### Class balance", "",
                _table(["Label", "Count", "Share"],
                         [[_code(c.label), _int(c.count), _share(c.share)]
                          for c in facts.classes], "lrr"), ""]
        out += [f"Imbalance ratio (largest class over smallest): "
                f"{multiplier(facts.imbalance)}", ""]
    if facts.subgroups:
        rows = []
        for g in facts.subgroups:
            flags = [f for f, on in (("under-represented", g.under_represented),
                                     ("under-performing", g.under_performing)) if on]
            rows.append([_code(g.column), _code(g.group), _int(g.count), _share(g.share),
                         _score(g.score), _score(g.gap, sign=True), ", ".join(flags)])
        out += ["#### Subgroups", "",
                "Score: the audit model's out-of-fold score on the group; gap: that score "
                "minus the score on all rows.", "",
                _table(["Column", "Group", "Rows", "Share", "Score", "Gap", "Flags"], rows,
                         "llrrrrl"), ""]
    if facts.audited and facts.audited != facts.version:
        out += [f"The audit below was run on version {_code(facts.audited[:12])}, an "
                "earlier version of this data (see the lineage).", ""]
    out += _findings(facts.findings)
    out += _pii(facts)
    return out


def _findings(findings: Sequence[Finding]) -> list[str]:
    out = ["#### Audit findings", ""]
    if not findings:
        return [*out, "_No audit was run on this version._", ""]
    ran = [f for f in findings if f.skipped is None]
    if ran:
        out += [_table(["Check", "Flagged", "Share", "What was found"],
                         [[f.title, _int(f.flagged), _share(f.share),
                           _plain(_masked(f.summary)) or "–"] for f in ran], "lrrl"), ""]
    for f in ran:
        if f.examples:
            out += [f"Examples of {f.title.lower()} ({_code(f.check)}):", ""]
            out += [f"- {_code(_masked(e))}" for e in f.examples]
            out.append("")
    skipped = [f for f in findings if f.skipped is not None]
    if skipped:
        out += ["Checks that did not run:", ""]
        out += [f"- {f.title} ({_code(f.check)}): {_plain(f.skipped)}" for f in skipped]
        out.append("")
    return out


def _pii(facts: CardFacts) -> list[str]:
    out = ["#### Personal and sensitive information", ""]
    if not facts.pii:
        ran = any(f.check == "pii" and f.skipped is None for f in facts.findings)
        text = ("The audit found no personal data in the text columns." if ran
                else "_Personal data was not looked for._")
        return [*out, text, ""]
    out += ["Found by the audit (examples masked; no full value is written here):", ""]
    out += [_table(["Column", "Kind", "Count", "Masked examples"],
                     [[_code(p.column), p.kind, _int(p.count),
                       ", ".join(_code(_masked(e)) for e in p.examples) or "–"]
                      for p in facts.pii], "llrl"), ""]
    return out


def _lineage(facts: CardFacts) -> list[str]:
    out = ["### Lineage: from the raw source to this version", ""]
    if not facts.lineage:
        return [*out, "_No recorded versions: the lineage is unknown._", ""]
    rows = []
    last = len(facts.lineage) - 1
    for i, step in enumerate(facts.lineage):
        checks = ", ".join(f"{k} ({v:,})" for k, v in step.by_check.items() if v)
        rows.append([str(i + 1), _code(step.id[:12]) + (" (this version)" if i == last else ""),
                     step.operation, _code(_params(step.params)) if step.params else "–",
                     _int(step.rows), step.change, checks or "–", step.user or "–",
                     step.time or "–"])
    out += ["Rows changed: −removed, ~changed, +added (relative to the parent version).", "",
            _table(["Step", "Version", "Operation", "Parameters", "Rows", "Rows changed",
                      "By check", "User", "Time"], rows, "rlllrrlll"), ""]
    sources = [s for s in facts.lineage if s.source]
    if sources:
        out += ["Files recorded:", ""]
        for step in sources:
            state = {True: " — **the source file has changed since it was recorded**",
                     False: " (unchanged since)", None: ""}[step.source_changed]
            digest = f", sha256 {_code(step.source_sha256)}" if step.source_sha256 else ""
            out.append(f"- {_code(step.id[:12])} ({step.operation}): {_code(step.source)}"
                       f"{digest}{state}")
        out.append("")
    for step in facts.lineage:
        if step.source_changed:
            out += [f"> **Warning:** the source file has changed since it was recorded: "
                    f"{_code(step.source)} (version {_code(step.id[:12])}).", ""]
    if facts.derived:
        out += ["Versions made from this one:", ""]
        out += [f"- {_code(d.id[:12])} {d.operation} ({_code(d.name)}): {_int(d.rows)} rows, "
                f"{d.change}"
                + (" — " + ", ".join(f"{k} ({v:,})" for k, v in d.by_check.items() if v)
                   if any(d.by_check.values()) else "")
                for d in facts.derived]
        out.append("")
    return out


def _curves(facts: CardFacts) -> list[str]:
    out = ["### What the learning curves say about data needs", ""]
    if not facts.curves:
        return [*out, "_No learning curve was measured._", ""]
    out += [_table(["Model", "Metric", "Largest n", "Score", "Asymptote", "Bottleneck"],
                     [[_code(c.model), c.metric, _int(c.largest_n), _score(c.score),
                       _score(c.asymptote), c.bottleneck or "–"] for c in facts.curves],
                     "llrrrl"), ""]
    out += [f"- {_code(c.model)}: {_plain(c.sentence)}" for c in facts.curves if c.sentence]
    out.append("")
    return out


def _files(facts: CardFacts) -> list[str]:
    out = ["### Files", ""]
    if not facts.files:
        return [*out, "_No files were recorded._", ""]
    return [*out, _table(["File", "Bytes", "SHA-256", "Format"],
                           [[_code(f.name), _int(f.bytes), _code(f.sha256),
                             _code(f.encoding_format)] for f in facts.files], "lrll"), ""]


def datasheet_markdown(facts: CardFacts, card: Datacard) -> str:
    """A complete Markdown datasheet of one dataset version.

    Parameters
    ----------
    facts : CardFacts
        What was measured (rows, columns, classes, audit, lineage, curves, files).
    card : Datacard
        The human answers (`read_datacard`; an empty card states nothing).

    Returns
    -------
    str
        GitHub-flavoured Markdown: the title (the card's, else the dataset's name), the
        version, when and by which datacurve it was measured, a Warnings block when
        required answers are missing, a source file changed or something could not be
        measured, then Gebru's sections in order, each with the human answers and the
        measured parts that belong to it.
    """
    title = re.sub(r"\s+", " ", card.title or facts.name).strip() or "Dataset"
    out = [f"# {title}", ""]
    if card.description:
        out += [card.description, ""]
    out.append(f"- **Version:** {_code(facts.version)}")
    if card.title and card.title != facts.name:
        out.append(f"- **Dataset:** {_code(facts.name)}")
    out.append(f"- **Human answers:** {_code(card.path) if card.path else 'none'}")
    out.append("")
    by = f"Measured by datacurve {facts.datacurve_version}".rstrip()
    on = f" on {facts.made}" if facts.made else ""
    out += [f"_{by}{on}._", ""]
    out += _warnings(facts, card)
    measured = {"composition": _composition, "preprocessing": _lineage, "uses": _curves,
                "distribution": _files}
    for section, heading in _SECTIONS:
        out += [f"## {heading}", ""]
        out += _answers(card, section)
        if section in measured:
            out += measured[section](facts)
    return "\n".join(out).rstrip("\n") + "\n"
