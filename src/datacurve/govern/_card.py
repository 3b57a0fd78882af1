"""`card_facts`: what was measured about a dataset version, gathered for its card; and
`write_card`, the card in both formats (a Markdown datasheet and Croissant JSON-LD).

The measured parts come from the dataset itself (sizes, columns, classes, missing
values), its audit (every check's findings; personal data as masked examples only), its
version chain (from the store when given: the lineage back to the raw source, each
source file hashed again) and its learning curves (passed in as `CurveFacts`, made by
the analysis room from the one analysis every surface shows). The human parts come from
`datacard.yaml` (`read_datacard`); the writers are `datasheet_markdown` and `croissant`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from datacurve._errors import InputError
from datacurve._plain import plain_value
from datacurve._version import __version__
from datacurve.auditing import CHECKS, AuditReport, clean_path
from datacurve.curves import Store
from datacurve.data import Dataset, file_digest
from datacurve.govern._croissant import write_croissant
from datacurve.govern._datacard import Datacard
from datacurve.govern._facts import (
    CardFacts,
    ClassShare,
    ColumnFacts,
    CurveFacts,
    FileFacts,
    Finding,
    PiiFinding,
    SubgroupFacts,
)
from datacurve.govern._lineage import (
    derived,
    lineage,
    lineage_of_dataset,
    record,
    records_of,
)
from datacurve.govern._markdown import datasheet_markdown

__all__ = ["ENCODINGS", "TITLES", "CardFiles", "card_facts", "card_paths", "cards_of",
           "write_card"]

TITLES = {"label": "Label issues", "outlier": "Outliers", "exact_duplicate": "Exact duplicates",
          "near_duplicate": "Near duplicates", "conflicting_labels": "Conflicting labels",
          "leakage": "Train/test leakage", "class_imbalance": "Class imbalance",
          "missing": "Missing values", "subgroup": "Subgroups", "pii": "Personal data"}
"""The card's title of each audit check (a check registered by a user keeps its name)."""

ENCODINGS = {"csv": "text/csv", "tsv": "text/tab-separated-values",
             "parquet": "application/x-parquet", "jsonl": "application/jsonlines",
             "npz": "application/x-npz", "images": "application/x-directory"}
"""MIME type of each format `datacurve.data.load` reads."""

_EXAMPLES = 3


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")


def _dtype(s: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(s):
        return "boolean"
    if pd.api.types.is_integer_dtype(s):
        return "integer"
    if pd.api.types.is_float_dtype(s):
        present = s.dropna()
        return "integer" if len(present) and bool((present == present.round()).all()) \
            and s.isna().any() else "float"
    if pd.api.types.is_datetime64_any_dtype(s):
        return "datetime"
    return "text"


def _columns(dataset: Dataset) -> tuple[ColumnFacts, ...]:
    raw = dataset.raw
    if raw is None:
        return ()
    options = dataset.metadata.get("options", {})
    roles = {str(options[k]): r for k, r in (("group", "group"), ("split", "split"),
                                             ("id_column", "id"), ("text_column", "text"))
             if options.get(k)}
    label = dataset.metadata.get("label") or options.get("label")
    if label:
        roles[str(label)] = "label"
    ignored = set(dataset.metadata.get("ignored_columns", []))
    out = []
    for c in raw.columns:
        s = raw[c]
        role = roles.get(str(c), "ignored" if str(c) in ignored else "feature")
        if role == "feature" and _dtype(s) == "text" and s.nunique(dropna=True) > 0.5 * max(
                len(s), 1) and s.astype(str).str.contains(" ").mean() > 0.5:
            role = "text"  # free text among the features (one-hot or ignored by the loader)
        out.append(ColumnFacts(str(c), role, _dtype(s), int(s.isna().sum()),
                               int(s.nunique(dropna=True))))
    return tuple(out)


def _classes(dataset: Dataset) -> tuple[ClassShare, ...]:
    if dataset.task != "classification" or dataset.classes is None:
        return ()
    counts = np.bincount(dataset.y, minlength=len(dataset.classes))
    order = np.argsort(-counts, kind="stable")
    return tuple(ClassShare(str(plain_value(dataset.classes[i])), int(counts[i]),
                            float(counts[i] / max(dataset.n, 1))) for i in order)


def _files(dataset: Dataset, extra: Sequence[str | Path]) -> tuple[FileFacts, ...]:
    paths = [Path(p) for p in extra]
    source = str(dataset.metadata.get("source", ""))
    if not paths and source and not source.startswith(("builtin:", "<")):
        paths = [Path(source)]
    fmt = str(dataset.metadata.get("format", ""))
    out = []
    for p in paths:
        if not p.exists():
            continue
        digest, size = file_digest(p)
        kind = fmt if p == Path(source) else _format_of(p)
        out.append(FileFacts(p.name, str(p.resolve()), digest, size,
                             ENCODINGS.get(kind, "application/octet-stream")))
    return tuple(out)


def _format_of(path: Path) -> str:
    suffixes = [s.lower() for s in path.suffixes]
    for s in reversed(suffixes):
        if s.lstrip(".") in ENCODINGS:
            return s.lstrip(".")
        if s in (".pq",):
            return "parquet"
    return ""


def _ids(report: AuditReport, rows: Sequence[int]) -> str:
    return ", ".join(str(plain_value(report.ids[int(i)])) for i in rows)


def _finding(report: AuditReport, name: str) -> Finding:
    r = report.results[name]
    title = TITLES.get(name, name.replace("_", " ").capitalize())
    share = r.n_flagged / max(report.n, 1)
    if r.skipped is not None:
        return Finding(name, title, 0, 0.0, "", skipped=r.skipped)
    info = r.info
    examples: list[str] = []
    what = f"{r.n_flagged:,} of {report.n:,} rows flagged ({share:.1%})"
    cls = CHECKS.get(name)
    if name in ("exact_duplicate", "near_duplicate", "leakage") and r.pairs is not None:
        what += f"; {len(r.pairs):,} pairs"
        examples = [f"rows {_ids(report, p)}" for p in r.pairs[:_EXAMPLES]]
    elif name == "pii":
        kinds = {k: v for k, v in info.get("rows_by_kind", {}).items() if v}
        what = (f"{r.n_flagged:,} rows hold personal data ("
                + ", ".join(f"{k}: {v:,}" for k, v in kinds.items()) + ")") if kinds else what
        examples = [str(e["value"]) for ex in info.get("examples", {}).values()
                    for e in ex][:_EXAMPLES]
    elif name == "subgroup":
        small = info.get("under_represented", [])
        weak = info.get("under_performing", [])
        what = "; ".join(filter(None, [
            f"under-represented: {', '.join(map(str, small))}" if small else "",
            f"served worse: {', '.join(map(str, weak))}" if weak else ""])) or \
            f"{len(info.get('groups', []))} groups, none under-represented or served worse"
    elif name == "missing":
        what = (f"{int(info.get('cells_missing', 0)):,} cells missing or malformed in "
                f"{r.n_flagged:,} rows")
    elif name == "label" and report.labels is not None:
        worst = np.flatnonzero(r.flags)[np.argsort(r.scores[r.flags], kind="stable")]
        examples = [f"row {plain_value(report.ids[i])}: labelled "
                    f"{plain_value(report.labels[i])!s}" for i in worst[:_EXAMPLES]]
    elif name == "class_imbalance":
        what = f"{r.n_flagged:,} rows in classes far rarer than a balanced share"
    elif cls is not None and cls.row_level and r.n_flagged:
        worst = np.flatnonzero(r.flags)[np.argsort(r.scores[r.flags], kind="stable")]
        examples = [f"row {plain_value(report.ids[i])}" for i in worst[:_EXAMPLES]]
    return Finding(name, title, int(r.n_flagged), float(share), what + ".",
                   tuple(examples))


def _pii(report: AuditReport) -> tuple[PiiFinding, ...]:
    r = report.results.get("pii")
    if r is None or r.skipped is not None:
        return ()
    examples = r.info.get("examples", {})
    out = []
    for column, kinds in r.info.get("per_column", {}).items():
        for kind, count in kinds.items():
            out.append(PiiFinding(str(column), str(kind), int(count),
                                  tuple(str(e["value"]) for e in
                                        examples.get(kind, [])[:_EXAMPLES])))
    return tuple(out)


def _num(x: Any) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)


def _subgroups(dataset: Dataset, report: AuditReport) -> tuple[SubgroupFacts, ...]:
    r = report.results.get("subgroup")
    if r is None or r.skipped is not None:
        return ()
    column = str(dataset.metadata.get("options", {}).get("group") or "group")
    return tuple(SubgroupFacts(column, str(g["group"]), int(g["count"]), float(g["share"]),
                               bool(g["under_represented"]), _num(g.get("accuracy")),
                               _num(g.get("gap")), bool(g["under_performing"]))
                 for g in r.info.get("groups", []))


def card_facts(dataset: Dataset, *, report: AuditReport | None = None,
               store: Store | str | Path | None = None,
               curves: Sequence[CurveFacts] = (),
               files: Sequence[str | Path] = ()) -> CardFacts:
    """Everything measured about `dataset`, for its card.

    Parameters
    ----------
    dataset : Dataset
    report : AuditReport, optional
        Its audit (the same fingerprint); without one the card says no audit was run.
    store : Store or path, optional
        The dataset's version chain is recorded there and its lineage read back from it
        (so versions recorded by other commands, e.g. a cleaning's parent, are found);
        without a store, the chain the dataset carries.
    curves : sequence of CurveFacts
        What its learning curves say (`Analysis.card_curves`).
    files : sequence of path
        The dataset's files (default: the file it was loaded from).

    Returns
    -------
    CardFacts
    """
    notes: list[str] = []
    if store is not None:
        record(dataset, store)
        chain = lineage(store, dataset.fingerprint)
        children = tuple(derived(store, dataset.fingerprint))
    else:
        chain, children = lineage_of_dataset(dataset), ()
    notes += chain.notes()
    audited = ""
    if report is not None:
        audited = report.fingerprint or dataset.fingerprint
        earlier = [s for s in chain.steps[:-1] if s.id == audited]
        if audited != dataset.fingerprint and earlier:
            notes.append(f"the audit findings are of version {audited[:12]} "
                         f"({earlier[0].name}, {earlier[0].rows:,} rows), an earlier "
                         "version of this data")
        elif audited != dataset.fingerprint:
            notes.append(f"the audit given is of another dataset ({audited[:12]}), "
                         "not used")
            report, audited = None, ""
    if report is None:
        notes.append("no audit was run for this card (datacurve audit, or card without "
                     "--no-audit)")
    if not curves:
        notes.append("no learning curve of this version was measured (datacurve curve)")
    findings = (tuple(_finding(report, c) for c in report.results) if report is not None
                else ())
    return CardFacts(
        name=dataset.name, version=dataset.fingerprint, task=dataset.task, rows=dataset.n,
        label=(str(dataset.metadata.get("label") or dataset.metadata.get("options", {})
                   .get("label") or "") or None),
        columns=_columns(dataset), classes=_classes(dataset),
        files=_files(dataset, files), findings=findings,
        pii=_pii(report) if report is not None else (),
        subgroups=_subgroups(dataset, report) if report is not None else (),
        lineage=chain.steps, curves=tuple(curves), derived=children, audited=audited,
        made=_now(),
        datacurve_version=__version__, notes=tuple(notes))


def card_paths(data: str | Path, out: str | Path | None = None) -> tuple[Path, Path]:
    """Where the card goes: ``<out>`` (default beside the data, its name without the
    format's ending: ``data.clean.csv.gz`` → ``data.clean.card.md``) and its Croissant
    twin ``<name>.croissant.json`` beside it. Both are written anew each time (the human
    text lives in ``datacard.yaml``)."""
    src = Path(data)
    if out is None:
        stem = src.name
        if not src.is_dir():
            for _ in range(2):  # data.clean.csv.gz -> data.clean
                head, dot, ending = stem.rpartition(".")
                if not dot or not head:
                    break
                stem = head
                if ending.lower() not in ("gz", "bz2", "zip", "xz", "zst"):
                    break
        md = src.with_name(f"{stem}.card.md")
    else:
        md = Path(out)
    name = md.name[:-len(".card.md")] if md.name.endswith(".card.md") else md.stem
    return md, md.with_name(f"{name}.croissant.json")


def cards_of(store: Store | str | Path, version: str) -> tuple[Path, ...]:
    """The dataset card files (`card_paths`) that exist beside a file the version was
    loaded from (any of its recorded loads), beside the cleaned file `datacurve clean`
    wrote for it (`clean_path` of its raw source), else beside its raw source."""
    sources = [str(r.get("source") or "") for r in reversed(records_of(store))
               if r.get("id") == version and r.get("operation") == "load"]
    with contextlib.suppress(InputError):  # a version recorded by none of its loads
        steps = lineage(store, version, check_source=False).steps
        if steps and steps[-1].operation == "clean":
            # The cleaned file `datacurve clean` wrote beside the raw one.
            sources += [str(clean_path(s.source)) for s in steps if s.operation == "load"]
        sources += [s.source for s in steps if s.operation == "load"]
    for source in sources:
        if source and Path(source).exists():
            found = tuple(p for p in card_paths(source) if p.is_file())
            if found:
                return found
    return ()


@dataclass(frozen=True)
class CardFiles:
    """The card written: its Markdown and Croissant files and the warnings it states."""

    markdown: Path
    croissant: Path
    warnings: tuple[str, ...]


def write_card(facts: CardFacts, card: Datacard, markdown: str | Path,
               croissant_path: str | Path) -> CardFiles:
    """Write the datasheet (Markdown) and its Croissant JSON-LD.

    Returns
    -------
    CardFiles
        With the warnings both files state: required human fields missing
        (licence, usage rights, contact), changed sources and the facts' notes.
    """
    md = Path(markdown)
    md.parent.mkdir(parents=True, exist_ok=True)
    # Croissant names each file relative to the card, so that its reader finds them.
    facts = dataclasses.replace(facts, files=tuple(
        dataclasses.replace(f, name=Path(os.path.relpath(f.path, md.parent.resolve()))
                            .as_posix()) for f in facts.files))
    md.write_text(datasheet_markdown(facts, card), encoding="utf-8")
    cr = write_croissant(facts, card.fields, croissant_path)
    where = Path(card.path).name if card.path else "datacard.yaml"
    warnings = [f"no {k.split('.')[1].replace('_', ' ')} stated ({where}: {k})"
                for k in card.missing_required()]
    warnings += [n for n in facts.notes if "changed" in n or "not recorded" in n]
    return CardFiles(md, Path(cr), tuple(warnings))
