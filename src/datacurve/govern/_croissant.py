"""The dataset card as MLCommons Croissant 1.0 JSON-LD, with the Responsible-AI vocabulary.

`croissant` turns a `CardFacts` (what was measured) and the human part of the card (what
people wrote) into one JSON-LD document: the dataset's metadata, one ``cr:FileObject`` per
file, one ``cr:RecordSet`` whose fields are the table's columns, and the ``rai:``
properties (collection, biases, personal data, limitations, preprocessing, uses) filled
from both. `write_croissant` writes it, `validate_croissant` asks ``mlcroissant`` what it
thinks of it and `read_records` reads the rows back through ``mlcroissant``.

Only terms that Croissant 1.0 (http://mlcommons.org/croissant/1.0) and Croissant RAI 1.0
(http://mlcommons.org/croissant/RAI/1.0) define are written. ``mlcroissant`` is optional:
it is imported inside the two functions that need it.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import logging
import re
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from datacurve._errors import InputError
from datacurve.data import file_digest
from datacurve.govern._facts import CardFacts, ColumnFacts, FileFacts, VersionStep

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["CROISSANT_CONTEXT", "croissant", "read_records", "validate_croissant",
           "write_croissant"]

#: The Croissant 1.0 JSON-LD ``@context`` (the specification's, as in its example
#: datasets), plus ``equivalentProperty`` and ``samplingRate``, which mlcroissant's own
#: 1.0 context also holds (without them it logs that the context is not standard).
CROISSANT_CONTEXT: dict[str, Any] = {
    "@language": "en",
    "@vocab": "https://schema.org/",
    "citeAs": "cr:citeAs",
    "column": "cr:column",
    "conformsTo": "dct:conformsTo",
    "cr": "http://mlcommons.org/croissant/",
    "rai": "http://mlcommons.org/croissant/RAI/",
    "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
    "dct": "http://purl.org/dc/terms/",
    "equivalentProperty": "cr:equivalentProperty",
    "examples": {"@id": "cr:examples", "@type": "@json"},
    "extract": "cr:extract",
    "field": "cr:field",
    "fileProperty": "cr:fileProperty",
    "fileObject": "cr:fileObject",
    "fileSet": "cr:fileSet",
    "format": "cr:format",
    "includes": "cr:includes",
    "isLiveDataset": "cr:isLiveDataset",
    "jsonPath": "cr:jsonPath",
    "key": "cr:key",
    "md5": "cr:md5",
    "parentField": "cr:parentField",
    "path": "cr:path",
    "recordSet": "cr:recordSet",
    "references": "cr:references",
    "regex": "cr:regex",
    "repeated": "cr:repeated",
    "replace": "cr:replace",
    "samplingRate": "cr:samplingRate",
    "sc": "https://schema.org/",
    "separator": "cr:separator",
    "source": "cr:source",
    "subField": "cr:subField",
    "transform": "cr:transform",
}

_CONFORMS_TO = ["http://mlcommons.org/croissant/1.0", "http://mlcommons.org/croissant/RAI/1.0"]

_DATA_TYPES = {
    "integer": "sc:Integer",
    "float": "sc:Float",
    "boolean": "sc:Boolean",
    "text": "sc:Text",
    # schema.org's Date holds no time of day; a datetime column may hold one.
    "datetime": "sc:DateTime",
}

# Files whose rows mlcroissant reads as a table (FileFacts.encoding_format).
_TABULAR = {"text/csv", "text/tab-separated-values", "application/x-parquet",
            "application/jsonlines"}

# Where an audit finding goes: these checks have their own RAI property; the rest are
# limitations.
_BIAS_CHECKS = {"subgroup", "class_imbalance"}
_PII_CHECKS = {"pii"}
_MISSING_CHECKS = {"missing"}
_SYNTHETIC_OPERATIONS = {"augment", "synthetic"}

_RECORD_SET = "rows"

_ORGANIZATION_WORDS = re.compile(
    r"\b(inc|ltd|llc|gmbh|corp|corporation|company|co|university|universit\w*|institute|"
    r"institut\w*|lab|labs|laboratory|laboratories|team|group|foundation|association|"
    r"center|centre|department|agency|ministry|hospital|school|college|council|office|"
    r"consortium|project|committee|society|bureau|authority|plc|ngo)\b\.?",
    re.IGNORECASE)
_EMAIL = re.compile(r"<?\s*([\w.+-]+@[\w-]+(?:\.[\w-]+)+)\s*>?")


def croissant(facts: CardFacts,
              human: Mapping[str, Mapping[str, str]] | None = None) -> dict[str, Any]:
    """The dataset card as a Croissant 1.0 JSON-LD document with RAI properties.

    Parameters
    ----------
    facts : CardFacts
        What was measured about the dataset version.
    human : mapping, optional
        The human part of the card, section → field → text (a ``Datacard``'s
        ``.fields``): section ``""`` holds ``title`` and ``description``; ``motivation``
        (purpose, creators, funding), ``composition`` (instances, sampling, sensitive,
        biases), ``collection`` (process, timeframe, consent), ``preprocessing``
        (labelling, cleaning), ``uses`` (intended, out_of_scope, limitations, impact),
        ``distribution`` (licence, usage_rights, url, citation) and ``maintenance``
        (contact, updates). Missing or empty fields are not stated.

    Returns
    -------
    dict
        The JSON-LD document, ready for `json.dump`. Properties that are not known
        (a licence nobody gave, a URL) are left out rather than guessed.

    Notes
    -----
    File ``contentUrl`` values are the files' names, relative to the card: write the card
    next to the data files. The record set (``@id`` ``"rows"``) reads the first tabular
    file (CSV, TSV, Parquet or JSON lines); other files are listed in ``distribution``
    only.
    """
    h = _Human(human)
    title = h.get("", "title")
    doc: dict[str, Any] = {
        "@context": dict(CROISSANT_CONTEXT),
        "@type": "sc:Dataset",
        "name": title or facts.name,
        "description": h.get("", "description") or _generated_description(facts),
        "conformsTo": list(_CONFORMS_TO),
    }
    creators = _creators(h.get("motivation", "creators"))
    if creators:
        doc["creator"] = creators
    if licence := h.get("distribution", "licence"):
        doc["license"] = licence
    if url := h.get("distribution", "url"):
        doc["url"] = url
    if funding := h.get("motivation", "funding"):
        # schema.org's funding (RAI has no term for it); mlcroissant ignores it.
        doc["funding"] = {"@type": "sc:Grant", "name": funding}
    doc["citeAs"] = h.get("distribution", "citation") or _citation(facts, title, creators, url)
    doc["version"] = _semver(facts)
    made = _iso_datetime(facts.made)
    if made:
        doc["datePublished"] = made
    modified = _iso_datetime(facts.lineage[-1].time) if facts.lineage else None
    if modified or made:
        doc["dateModified"] = modified or made
    doc.update(_rai(facts, h))
    doc["distribution"], file_ids = _distribution(facts.files)
    record_set = _record_set(facts, file_ids)
    if record_set is not None:
        doc["recordSet"] = [record_set]
    return doc


def write_croissant(facts: CardFacts, human: Mapping[str, Mapping[str, str]] | None,
                    path: str | Path) -> Path:
    """Write `croissant` ``(facts, human)`` to `path` as indented UTF-8 JSON.

    Parameters
    ----------
    facts : CardFacts
    human : mapping or None
        The human part of the card (see `croissant`).
    path : str or Path
        Where to write; the data files are expected next to it (their ``contentUrl`` is
        their name).

    Returns
    -------
    Path
        `path`.
    """
    out = Path(path)
    text = json.dumps(croissant(facts, human), indent=2, ensure_ascii=False)
    out.write_text(text + "\n", encoding="utf-8")
    return out


def validate_croissant(path: str | Path, *, check_hashes: bool = True) -> list[str]:
    """What ``mlcroissant`` reports about a Croissant file: errors, then warnings.

    Parameters
    ----------
    path : str or Path
        The JSON-LD file.
    check_hashes : bool
        Also compare each local file's sha256 with the card's. mlcroissant itself only
        checks hashes when it reads records (`read_records` raises then).

    Returns
    -------
    list of str
        One message per issue, ``"error: ..."`` or ``"warning: ..."``; empty when the
        file is valid.

    Raises
    ------
    InputError
        When mlcroissant is not installed, or `path` is not a JSON file.
    """
    mlc = _mlcroissant()
    file = Path(path)
    doc = _load_json(file)
    with _absl_warnings() as logged:
        try:
            dataset = mlc.Dataset(jsonld=file)
        except mlc.ValidationError as exc:
            messages = _report_lines(str(exc))
        except Exception as exc:  # mlcroissant raises plain errors for some documents
            messages = [f"error: {type(exc).__name__}: {exc}"]
        else:
            issues = dataset.metadata.ctx.issues
            messages = [f"error: {m}" for m in sorted(issues.errors)]
            messages += [f"warning: {m}" for m in sorted(issues.warnings)]
    # What mlcroissant only logs (a non-standard @context); its issue reports are above.
    messages += [f"warning: {m.removeprefix('WARNING: ')}" for m in logged
                 if not m.startswith("Found the following")]
    if check_hashes:
        messages += _hash_errors(doc, file.parent)
    return messages


def read_records(path: str | Path, record_set: str | None = None) -> pd.DataFrame:
    """The records ``mlcroissant`` reads from a Croissant file, as a DataFrame.

    Parameters
    ----------
    path : str or Path
        The JSON-LD file.
    record_set : str, optional
        The record set's ``@id`` or name; the first record set by default.

    Returns
    -------
    pandas.DataFrame
        One row per record, one column per field (named by the field's name, in the
        card's order); text comes back as ``str``.

    Raises
    ------
    InputError
        When mlcroissant is not installed, the file is not JSON or has no such record
        set, or mlcroissant cannot read the data (a file whose sha256 is not the card's,
        a missing file or column).
    """
    import pandas as pd

    mlc = _mlcroissant()
    file = Path(path)
    _load_json(file)
    with _absl_warnings():  # validate_croissant reports them
        dataset = mlc.Dataset(jsonld=file)
    sets = dataset.metadata.record_sets
    if not sets:
        raise InputError(str(path), "a Croissant file with a record set", "none")
    chosen = sets[0] if record_set is None else next(
        (rs for rs in sets if record_set in (rs.uuid, rs.id, rs.name)), None)
    if chosen is None:
        raise InputError("record_set", f"a record set of {file.name}",
                         f"{record_set!r} (record sets: "
                         f"{', '.join(str(rs.name) for rs in sets)})")
    names = {field.uuid: str(field.name) for field in chosen.fields}
    try:
        rows = [{names.get(key, key): _decode(value) for key, value in record.items()}
                for record in dataset.records(record_set=chosen.uuid)]
    except mlc.GenerationError as exc:
        cause = exc.__cause__ or exc
        raise InputError(str(path), "data files that match the card",
                         f"{type(cause).__name__}: {cause}") from exc
    return pd.DataFrame(rows, columns=list(names.values()))


# ---------------------------------------------------------------------------------------
# The document's parts


class _Human:
    """The human answers, read safely: missing sections and fields are empty."""

    def __init__(self, fields: Mapping[str, Mapping[str, str]] | None) -> None:
        self._fields = fields or {}

    def get(self, section: str, field: str) -> str:
        values = self._fields.get(section) or {}
        value = values.get(field) if isinstance(values, Mapping) else None
        return value.strip() if isinstance(value, str) else ""


def _generated_description(facts: CardFacts) -> str:
    """One paragraph from the facts: rows, columns, task, label and classes."""
    what = _rows(facts.rows)
    if facts.columns:
        what += f" and {len(facts.columns)} columns"
    text = f"The dataset {facts.name}: {what}"
    if facts.label:
        text += f", for {facts.task} of the column '{facts.label}'"
    else:
        text += f", for {facts.task}"
    if facts.classes:
        shares = ", ".join(f"{c.label!r}: {c.count:,} ({c.share:.1%})" for c in facts.classes)
        text += f" ({len(facts.classes)} classes: {shares})"
    text += "."
    text += f" Version {facts.version}"
    if facts.datacurve_version:
        text += f", described by datacurve {facts.datacurve_version}"
    return text + " from what it measured."


def _creators(text: str) -> list[dict[str, str]]:
    """Creators, one per line or ``;``/``,``-separated, as sc:Person or sc:Organization.

    A name with an organisation word (University, Inc, Lab, ...) is an organisation; an
    e-mail address in angle brackets becomes the creator's ``email``.
    """
    out: list[dict[str, str]] = []
    for part in re.split(r"[;\n,]+", text):
        name = part.strip()
        email = ""
        if match := _EMAIL.search(name):
            email = match.group(1)
            name = (name[:match.start()] + name[match.end():]).strip(" -()")
        if not name and not email:
            continue
        kind = "sc:Organization" if _ORGANIZATION_WORDS.search(name) else "sc:Person"
        creator = {"@type": kind, "name": name or email}
        if email:
            creator["email"] = email
        out.append(creator)
    return out


def _citation(facts: CardFacts, title: str, creators: list[dict[str, str]],
              url: str) -> str:
    """A BibTeX ``@misc`` entry from what is known (no invented authors)."""
    made = _iso_datetime(facts.made)
    key = re.sub(r"[^A-Za-z0-9]+", "_", facts.name).strip("_") or "dataset"
    lines = [f"@misc{{{key}_{_version_token(facts.version)[:8]},",
             f"  title = {{{_bib(title or facts.name)}}},"]
    if creators:
        authors = " and ".join(_bib(c["name"]) for c in creators)
        lines.append(f"  author = {{{authors}}},")
    if made:
        lines.append(f"  year = {{{made[:4]}}},")
    lines.append(f"  version = {{{_semver(facts)}}},")
    if url:
        lines.append(f"  url = {{{url}}},")
    lines.append(f"  note = {{Dataset version {_bib(facts.version)}}}")
    return "\n".join(lines) + "\n}"


def _bib(text: str) -> str:
    return text.replace("{", "(").replace("}", ")")


def _version_token(version_id: str) -> str:
    """The version id as semver build metadata allows: ``[0-9A-Za-z-]``."""
    return re.sub(r"[^0-9A-Za-z-]+", "-", version_id).strip("-") or "0"


def _semver(facts: CardFacts) -> str:
    """``<n>.0.0+<version id>``: n is the version's place in its lineage (the raw load is
    1), the build metadata its content fingerprint."""
    return f"{max(len(facts.lineage), 1)}.0.0+{_version_token(facts.version)}"


def _iso_datetime(text: str) -> str | None:
    """`text` (ISO 8601, ``+0000`` offsets too) as ``YYYY-MM-DDThh:mm:ss+hh:mm``."""
    if not text:
        return None
    try:
        return _dt.datetime.fromisoformat(text.strip()).isoformat()
    except ValueError:
        return None


def _timeframe(text: str) -> list[str]:
    """A collection timeframe as ISO 8601 dates when it is written as a date or an
    interval of two (``2021``, ``2020-01/2022-06``, ``2020-01-01/2022-06-30``);
    otherwise none (the text stays in rai:dataCollection)."""
    parts = [p.strip() for p in text.split("/")] if text else []
    if not 1 <= len(parts) <= 2:
        return []
    dates: list[str] = []
    for part in parts:
        if re.fullmatch(r"\d{4}(-(0[1-9]|1[0-2]))?", part):
            dates.append(part)
            continue
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}([T ][\d:.]+([+-]\d{2}:?\d{2}|Z)?)?", part):
            return []
        try:
            value = _dt.datetime.fromisoformat(part)
        except ValueError:
            return []
        dates.append(value.date().isoformat() if len(part) == 10 else value.isoformat())
    return dates


def _ids(names: Iterable[str], taken: Iterable[str] = ()) -> list[str]:
    """Unique ``@id`` parts from arbitrary names: ``[A-Za-z0-9_.-]`` only, none of
    `taken`."""
    seen: set[str] = set(taken)
    out: list[str] = []
    for name in names:
        base = re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_") or "column"
        candidate, n = base, 2
        while candidate in seen:
            candidate, n = f"{base}_{n}", n + 1
        seen.add(candidate)
        out.append(candidate)
    return out


def _distribution(files: tuple[FileFacts, ...]) -> tuple[list[dict[str, Any]], list[str]]:
    ids = _ids((f.name for f in files), taken=[_RECORD_SET])
    out = [{
        "@type": "cr:FileObject",
        "@id": file_id,
        "name": file.name,
        "contentUrl": file.name,
        "encodingFormat": file.encoding_format,
        "sha256": file.sha256,
        "contentSize": f"{file.bytes} B",
    } for file, file_id in zip(files, ids, strict=True)]
    return out, ids


def _record_set(facts: CardFacts, file_ids: list[str]) -> dict[str, Any] | None:
    table = next((i for i, f in enumerate(facts.files) if f.encoding_format in _TABULAR),
                 None)
    if table is None or not facts.columns:
        return None
    file_id = file_ids[table]
    fields = [_field(column, f"{_RECORD_SET}/{part}", file_id)
              for column, part in zip(facts.columns, _ids(c.name for c in facts.columns),
                                      strict=True)]
    return {
        "@type": "cr:RecordSet",
        "@id": _RECORD_SET,
        "name": _RECORD_SET,
        "description": f"One record per row of {facts.files[table].name} "
                       f"({_rows(facts.rows)}).",
        "field": fields,
    }


def _field(column: ColumnFacts, field_id: str, file_id: str) -> dict[str, Any]:
    description = (f"{column.role}; {column.missing:,} missing; "
                   f"{column.distinct:,} distinct values")
    return {
        "@type": "cr:Field",
        "@id": field_id,
        "name": column.name,
        "description": description,
        "dataType": _DATA_TYPES.get(column.dtype, "sc:Text"),
        "source": {"fileObject": {"@id": file_id}, "extract": {"column": column.name}},
    }


# ---------------------------------------------------------------------------------------
# Responsible AI


def _rai(facts: CardFacts, h: _Human) -> dict[str, Any]:
    """The ``rai:`` properties, each only when there is something to say."""
    rai: dict[str, Any] = {}

    collection = _sentences(
        ("", h.get("collection", "process")),
        ("Timeframe: ", h.get("collection", "timeframe")),
        ("Consent: ", h.get("collection", "consent")),
        ("Sampling: ", h.get("composition", "sampling")),
        ("Instances: ", h.get("composition", "instances")),
    )
    if collection:
        rai["rai:dataCollection"] = " ".join(collection)
    if dates := _timeframe(h.get("collection", "timeframe")):
        rai["rai:dataCollectionTimeframe"] = dates
    if raw := _raw_data(facts.lineage):
        rai["rai:dataCollectionRawData"] = raw
    if missing := _missing_data(facts):
        rai["rai:dataCollectionMissingData"] = missing

    rai["rai:dataPreprocessingProtocol"] = (
        _sentences(("", h.get("preprocessing", "cleaning")))
        + [_step_sentence(i, step) for i, step in enumerate(facts.lineage, 1)]
        + [f"Version made from this one: {_step_sentence(i, step)[len(f'Step {i}: '):]}"
           for i, step in enumerate(facts.derived, 1)])
    if labelling := h.get("preprocessing", "labelling"):
        rai["rai:dataAnnotationProtocol"] = labelling
    if manipulation := _synthetic(facts):
        rai["rai:dataManipulationProtocol"] = manipulation

    rai["rai:dataBiases"] = _sentences(("", h.get("composition", "biases"))) + _biases(facts)
    rai["rai:personalSensitiveInformation"] = (
        _sentences(("", h.get("composition", "sensitive"))) + _personal(facts))
    rai["rai:dataLimitations"] = (
        _sentences(("", h.get("uses", "limitations"))) + _limitations(facts))
    rai["rai:dataUseCases"] = _sentences(
        ("", h.get("uses", "intended")),
        ("Purpose: ", h.get("motivation", "purpose")),
        ("Out of scope: ", h.get("uses", "out_of_scope")),
        ("Usage rights: ", h.get("distribution", "usage_rights")),
    )
    if impact := h.get("uses", "impact"):
        rai["rai:dataSocialImpact"] = impact
    maintenance = _sentences(("", h.get("maintenance", "updates")),
                             ("Contact: ", h.get("maintenance", "contact")))
    if maintenance:
        rai["rai:dataReleaseMaintenancePlan"] = " ".join(maintenance)
    return {key: value for key, value in rai.items() if value}


def _sentences(*parts: tuple[str, str]) -> list[str]:
    """``prefix + text`` for every non-empty text, ending with a full stop."""
    out = []
    for prefix, text in parts:
        if text:
            sentence = prefix + text
            out.append(sentence if sentence[-1] in ".!?" else sentence + ".")
    return out


def _rows(n: int) -> str:
    """``1 row``, ``1,250 rows``."""
    return f"{n:,} row" if n == 1 else f"{n:,} rows"


def _raw_data(lineage: tuple[VersionStep, ...]) -> str:
    """Where the raw data came from: the loads' files (names only) and their hashes."""
    out = []
    for step in lineage:
        if step.operation != "load" or not step.source:
            continue
        text = (f"Loaded from {Path(step.source).name} ({_rows(step.rows)}, "
                f"{step.columns:,} columns")
        if step.source_sha256:
            text += f", sha256 {step.source_sha256}"
        text += ")"
        if step.source_changed:
            text += "; the file has changed since (its sha256 differs today)"
        out.append(text + ".")
    return " ".join(out)


def _missing_data(facts: CardFacts) -> str:
    gaps = [c for c in facts.columns if c.missing]
    found = [f for f in facts.findings if f.check in _MISSING_CHECKS and not f.skipped]
    if not facts.columns and not found:
        return ""
    if gaps:
        cells = ", ".join(f"{c.name} {c.missing:,}" for c in gaps)
        text = (f"Empty cells: {facts.missing_cells:,} in {len(gaps)} of "
                f"{len(facts.columns)} columns ({cells}) over {_rows(facts.rows)}.")
    elif facts.columns:
        text = f"No empty cells in the {len(facts.columns)} columns."
    else:
        text = ""
    for finding in found:
        if finding.summary:
            text += f" {finding.summary}"
    return text.strip()


def _step_sentence(index: int, step: VersionStep) -> str:
    """One lineage step: operation, rows, what it removed/changed/added, its version."""
    text = f"Step {index}: {step.operation} '{step.name}'"
    if step.operation == "load" and step.source:
        text += f" from {Path(step.source).name}"
    text += f" gives {_rows(step.rows)} and {step.columns:,} columns"
    effects = []
    if step.removed:
        effects.append(f"removed {_rows(step.removed)}")
    if step.changed:
        effects.append(f"changed {_rows(step.changed)}")
    if step.added:
        effects.append(f"added {_rows(step.added)}")
    if effects:
        text += "; " + ", ".join(effects)
    if any(step.by_check.values()):
        text += " (by check: " + ", ".join(
            f"{check} {n:,}" for check, n in step.by_check.items() if n) + ")"
    if step.params:
        text += f"; parameters {json.dumps(step.params, sort_keys=True, default=str)}"
    text += f"; version {step.id}"
    if step.parents:
        text += f" from {', '.join(step.parents)}"
    if step.user or step.time:
        by = f" by {step.user}" if step.user else ""
        at = f" at {step.time}" if step.time else ""
        text += f", recorded{by}{at}"
    return text + "."


def _synthetic(facts: CardFacts) -> str:
    steps = [s for s in facts.lineage if s.operation in _SYNTHETIC_OPERATIONS]
    if not steps:
        return ""
    parts = [f"{s.operation} '{s.name}' added {_rows(s.added)} (version {s.id})"
             for s in steps]
    total = sum(s.added for s in steps)
    return (f"The dataset holds synthetic or augmented data: {'; '.join(parts)}; "
            f"{_rows(total)} generated in all, of {_rows(facts.rows)}.")


def _biases(facts: CardFacts) -> list[str]:
    out = []
    ratio = facts.imbalance
    if ratio is not None:
        shares = ", ".join(f"{c.label!r}: {c.count:,} ({c.share:.1%})" for c in facts.classes)
        state = "balanced" if ratio < 1.5 else "imbalanced"
        out.append(f"Class imbalance of '{facts.label}': largest class over smallest "
                   f"{ratio:.2f} ({state}; {shares}).")
    for g in facts.subgroups:
        if not (g.under_represented or g.under_performing):
            continue
        text = f"Subgroup {g.column}={g.group}: {_rows(g.count)} ({g.share:.1%} of all rows)"
        flags = []
        if g.under_represented:
            flags.append("under-represented")
        if g.under_performing:
            flags.append("under-performing")
        text += ", " + " and ".join(flags)
        if g.score is not None:
            text += f"; the audit model scores {g.score:.2f} on it"
            if g.gap is not None:
                text += f", a gap of {g.gap:+.2f} against all rows"
        out.append(text + ".")
    # The subgroup check's finding says again what the subgroups above say.
    said = {"subgroup"} if facts.subgroups else set()
    out += [_finding_sentence(f) for f in facts.findings
            if f.check in _BIAS_CHECKS - said and _worth_saying(f)]
    return out


def _personal(facts: CardFacts) -> list[str]:
    out = []
    for p in facts.pii:
        text = f"Column {p.column}: {p.count:,} values hold personal data of kind {p.kind}"
        if p.examples:
            text += f" (masked examples: {', '.join(p.examples)})"
        out.append(text + ".")
    for f in facts.findings:
        if f.check in _PII_CHECKS and _worth_saying(f):
            out.append(_finding_sentence(f, examples=False))
    return out


def _limitations(facts: CardFacts) -> list[str]:
    own = _BIAS_CHECKS | _PII_CHECKS | _MISSING_CHECKS
    out = ([f"The audit findings are of version {facts.audited}, an earlier version of "
            "this data."] if facts.audited and facts.audited != facts.version else [])
    out += [_finding_sentence(f) for f in facts.findings if f.check not in own]
    out += [f"Learning curve ({c.model}, {c.metric}): {c.sentence.rstrip('.')}"
            + (f"; bottleneck: {c.bottleneck}." if c.bottleneck else ".")
            for c in facts.curves if c.sentence]
    out += [step_text for step in facts.lineage
            if (step_text := _changed_source(step))]
    out += _sentences(*(("", note) for note in facts.notes))
    return out


def _changed_source(step: VersionStep) -> str:
    if step.source_changed:
        return (f"The source file {Path(step.source).name} of version {step.id} has changed "
                "since it was recorded (its sha256 differs).")
    return ""


def _worth_saying(finding: Any) -> bool:
    return bool(finding.skipped or finding.flagged or finding.summary)


def _finding_sentence(finding: Any, examples: bool = True) -> str:
    """An audit finding for people: title, counts, summary and a few examples."""
    if finding.skipped:
        return f"{finding.title}: not checked ({finding.skipped})."
    if not finding.flagged:
        text = f"{finding.title}: none found"
        return text + (f" ({finding.summary.rstrip('.')})." if finding.summary else ".")
    text = f"{finding.title}: {_rows(finding.flagged)} flagged ({finding.share:.1%} of all rows)"
    if finding.summary:
        text += f"; {finding.summary.rstrip('.')}"
    if examples and finding.examples:
        text += f" (e.g. {'; '.join(finding.examples)})"
    return text + "."


# ---------------------------------------------------------------------------------------
# mlcroissant


def _mlcroissant() -> Any:
    try:
        import mlcroissant
    except ImportError as exc:
        raise InputError("croissant", "mlcroissant installed (pip install mlcroissant)",
                         f"{type(exc).__name__}: {exc}") from exc
    return mlcroissant


@contextlib.contextmanager
def _absl_warnings() -> Iterator[list[str]]:
    """Collect the warnings mlcroissant logs (through absl) instead of printing them."""
    logger = logging.getLogger("absl")
    messages: list[str] = []

    class _Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.levelno >= logging.WARNING:
                messages.append(record.getMessage())

    handler = _Collect(logging.WARNING)
    propagate = logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield messages
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate


def _load_json(file: Path) -> dict[str, Any]:
    try:
        doc = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise InputError(str(file), "an existing Croissant JSON-LD file",
                         "no such file") from exc
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(str(file), "a Croissant JSON-LD file",
                         f"{type(exc).__name__}: {exc}") from exc
    if not isinstance(doc, dict):
        raise InputError(str(file), "a JSON object", type(doc).__name__)
    return doc


def _report_lines(report: str) -> list[str]:
    """mlcroissant's issue report (``Found the following 2 error(s) ...``) as lines."""
    out: list[str] = []
    kind = "error"
    for line in report.splitlines():
        if line.startswith("Found the following"):
            kind = "warning" if "warning(s)" in line else "error"
        elif line.strip().startswith("-  "):
            out.append(f"{kind}: {line.strip()[3:].strip()}")
        elif out and line.strip():
            out[-1] += "\n" + line.strip()
    return out or [f"error: {report}"]


def _hash_errors(doc: dict[str, Any], folder: Path) -> list[str]:
    """Local files whose sha256 is not the card's."""
    out = []
    for node in doc.get("distribution", []) or []:
        if not isinstance(node, dict):
            continue
        url, expected = node.get("contentUrl"), node.get("sha256")
        if (not isinstance(url, str) or not isinstance(expected, str) or "://" in url
                or node.get("containedIn")):
            continue
        file = folder / url
        if not file.is_file():
            out.append(f"error: file {url} of the card is missing next to it")
            continue
        digest = file_digest(file)[0]
        if digest != expected.lower():
            out.append(f"error: the sha256 of {url} is {digest}, the card says {expected}")
    return out


def _decode(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return value
