"""`clean`: a new dataset version without the examples an audit found bad, with the
lineage of every change.

The input dataset is never modified: the result is a new `Dataset` (new fingerprint)
whose ``metadata["lineage"]`` lists, after the parent's own lineage, which rows were
dropped or relabelled, by which check, with which score.

Pairs are cleaned to one representative, not to nothing: of a group of duplicates the
first example stays; of a train/test leak the training member goes (the evaluation set
is what the team measures against); of identical inputs with conflicting labels the
members carrying the minority label go.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from datacurve._errors import InputError
from datacurve._plain import plain_value
from datacurve._version import __version__
from datacurve.auditing._base import CHECKS
from datacurve.auditing._report import AuditReport
from datacurve.data import Dataset

__all__ = ["DEFAULT_DROP", "PAIR_CHECKS", "clean", "clean_path", "lineage_of", "write_clean"]

DEFAULT_DROP = ("label", "exact_duplicate", "near_duplicate", "conflicting_labels",
                "leakage")
"""Checks whose flagged examples `clean` drops by default (outliers, missing values and
personal data are reported but kept unless named: they may be rare but valid)."""
PAIR_CHECKS = ("exact_duplicate", "near_duplicate")
"""Checks whose pairs are reduced to one representative."""


def _names(value: Iterable[str] | str | None) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [v.strip() for v in value.split(",") if v.strip()]
    return list(dict.fromkeys(value))


def _representatives_drop(n: int, pairs: np.ndarray, flags: np.ndarray) -> np.ndarray:
    """(n,) bool: flagged members of each connected group of pairs except its first
    (smallest-index) member."""
    if pairs.size == 0:
        return np.zeros(n, dtype=bool)
    graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    _, comp = connected_components(graph, directed=False)
    first = np.full(comp.max() + 1, n, dtype=np.int64)
    np.minimum.at(first, comp, np.arange(n))
    keep_first = np.arange(n) == first[comp]
    return flags & ~keep_first


def clean(dataset: Dataset, report: AuditReport, *,
          drop: Iterable[str] | str | None = DEFAULT_DROP,
          relabel: Iterable[str] | str | None = None,
          keep: np.ndarray | None = None, name: str | None = None) -> Dataset:
    """A new dataset without (or with corrected labels for) what `report` flagged.

    Parameters
    ----------
    dataset : Dataset
        The dataset `report` audited (same fingerprint and size).
    report : AuditReport
    drop : iterable of str or comma-separated str
        Checks whose flagged examples are dropped (default `DEFAULT_DROP`; checks not in
        the report are ignored when left at the default, refused when named).
    relabel : iterable of str, optional
        Checks whose suggested labels replace the flagged labels instead of dropping
        them (``label``).
    keep : array of int, optional
        Indices never dropped nor relabelled (e.g. a fixed evaluation set).
    name : str, optional
        Name of the new dataset (default ``<name>+clean``).

    Returns
    -------
    Dataset
        Rows in the original order; ``metadata["lineage"]`` records each change.
    """
    if not isinstance(dataset, Dataset):
        raise InputError("dataset", "a datacurve Dataset", type(dataset).__name__)
    if not isinstance(report, AuditReport):
        raise InputError("report", "an AuditReport", type(report).__name__)
    if report.n != dataset.n or (report.fingerprint and
                                 report.fingerprint != dataset.fingerprint):
        raise InputError("report", f"an audit of this dataset ({dataset.name}, "
                         f"{dataset.fingerprint}, n={dataset.n})",
                         f"an audit of {report.name or '?'} ({report.fingerprint or '?'}, "
                         f"n={report.n})")
    default_drop = drop is DEFAULT_DROP
    drops = _names(drop)
    relabels = _names(relabel)
    for arg, names in (("drop", drops), ("relabel", relabels)):
        for c in names:
            if c not in report.results:
                if arg == "drop" and default_drop:
                    continue
                raise InputError(arg, f"checks in the report ({', '.join(report.results)})",
                                 repr(c))
            cls = CHECKS.get(c)
            if cls is not None and not cls.row_level:
                raise InputError(arg, "row-level checks (class_imbalance and subgroup flag "
                                 "who is concerned, not bad rows)", repr(c))
    drops = [c for c in drops if c in report.results and c not in relabels]
    for c in relabels:
        if report.results[c].suggested is None:
            raise InputError("relabel", "checks that suggest labels (label)", repr(c))
    if relabels and dataset.task != "classification":
        raise InputError("relabel", "a classification dataset", dataset.task)

    n = dataset.n
    protected = np.zeros(n, dtype=bool)
    if keep is not None:
        k = np.asarray(keep, dtype=np.int64).ravel()
        if k.size and (k.min() < 0 or k.max() >= n):
            raise InputError("keep", f"indices in [0, {n})", f"{k.min()}..{k.max()}")
        protected[k] = True
    is_test = dataset.is_evaluation

    dropped = np.zeros(n, dtype=bool)
    why = np.full(n, "", dtype=object)
    for c in drops:
        r = report.results[c]
        if r.skipped is not None:
            continue
        if c in PAIR_CHECKS and r.pairs is not None:
            mask = _representatives_drop(n, r.pairs, r.flags)
        elif c == "leakage":
            # The evaluation side stays; its training twins (and leaked groups' training
            # rows) go.
            mask = r.flags & ~is_test
        elif c == "conflicting_labels":
            mask = r.flags & (r.scores <= 0.5)  # minority (or tied) label in its group
        else:
            mask = r.flags.copy()
        mask &= ~protected & ~dropped
        why[mask] = c
        dropped |= mask

    y = dataset.y.copy()
    relabelled: list[dict[str, Any]] = []
    changed = np.zeros(n, dtype=bool)
    for c in relabels:
        r = report.results[c]
        assert r.suggested is not None
        mask = r.flags & (r.suggested >= 0) & (r.suggested != y) & ~protected & ~dropped
        mask &= ~changed
        idx = np.flatnonzero(mask)
        classes = dataset.classes if dataset.classes is not None else np.arange(y.max() + 1)
        relabelled += [{"index": int(i), "id": plain_value(dataset.ids[i]) if dataset.ids
                        is not None else int(i), "check": c, "score": float(r.scores[i]),
                        "from": plain_value(classes[y[i]]),
                        "to": plain_value(classes[r.suggested[i]])}
                       for i in idx]
        y[idx] = r.suggested[idx]
        changed |= mask
    kept = np.flatnonzero(~dropped)
    drop_idx = np.flatnonzero(dropped)
    records = [{"index": int(i), "id": plain_value(dataset.ids[i]) if dataset.ids is not None
                else int(i), "check": str(why[i]),
                "score": float(report.results[str(why[i])].scores[i])} for i in drop_idx]
    entry = {
        "action": "clean", "parent": dataset.fingerprint, "parent_name": dataset.name,
        "parent_n": n, "drop": drops, "relabel": relabels,
        "dropped": records, "relabelled": relabelled,
        "counts": {"dropped": int(drop_idx.size), "relabelled": len(relabelled),
                   **{f"dropped_{c}": int((why == c).sum()) for c in drops}},
        "datacurve_version": __version__, "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    base = dataset.subset(kept, name=name or f"{dataset.name}+clean")
    raw = base.raw
    if relabels and raw is not None and dataset.metadata.get("label") in raw.columns:
        col = str(dataset.metadata["label"])
        raw = raw.copy()
        assert dataset.classes is not None
        raw[col] = np.asarray(dataset.classes, dtype=object)[y[kept]]
    meta = {k: v for k, v in dataset.metadata.items() if k != "subset_of"}
    meta["lineage"] = [*dataset.metadata.get("lineage", []), entry]
    out = dataclasses.replace(base, y=y[kept], raw=raw, metadata=meta)
    entry["fingerprint"] = out.fingerprint  # content only: metadata does not change it
    entry["name"] = out.name
    return out



def clean_path(source: str | Path, suffix: str | None = None) -> Path:
    """Where `write_clean` puts the cleaned version of `source`: beside it, named
    ``<stem>.clean<suffix>`` (an image folder gets ``<folder>.clean.csv``, a manifest)."""
    src = Path(source)
    if src.is_dir():
        return src.with_name(f"{src.name}.clean.csv")
    return src.with_name(f"{src.stem}.clean{suffix or src.suffix}")


def write_clean(cleaned: Dataset, source: str | Path, out: str | Path | None = None, *,
                force: bool = False) -> tuple[Path, Path]:
    """Write a cleaned dataset beside its source, never over it.

    Tables (CSV, TSV, Parquet, JSONL) are written in the source's format with the kept
    rows of the original table (relabelled labels included); NPZ as ``X`` and ``y``; an
    image folder as a CSV manifest (``path, label``) of the kept images. The lineage goes
    to ``<file>.lineage.json``.

    Returns
    -------
    (data_path, lineage_path)
    """
    src = Path(source)
    dest = Path(out) if out is not None else clean_path(src)
    if dest.resolve() == src.resolve():
        raise InputError("out", "a path other than the original data (it is never "
                         "overwritten)", f"'{dest}'")
    lineage = dest.with_name(dest.name + ".lineage.json")
    for p in (dest, lineage):
        if p.exists() and not force:
            raise InputError("out", "a path that does not exist yet (or force=True)",
                             f"'{p}' exists")
    suffix = dest.suffix.lower()
    raw = cleaned.raw
    dest.parent.mkdir(parents=True, exist_ok=True)
    if src.is_dir():
        if raw is None:
            raise InputError("data", "an image folder loaded by datacurve", f"'{src}'")
        raw.to_csv(dest, index=False)
    elif suffix == ".npz":
        X = cleaned.X.toarray() if hasattr(cleaned.X, "toarray") else np.asarray(cleaned.X)
        y = (np.asarray(cleaned.classes)[cleaned.y] if cleaned.classes is not None
             else cleaned.y)
        np.savez_compressed(dest, X=X, y=y)
    else:
        if raw is None:
            raise InputError("data", "a table, an .npz file or an image folder",
                             f"'{src}'")
        if suffix == ".parquet":
            raw.to_parquet(dest, index=False)
        elif suffix in (".jsonl", ".ndjson"):
            raw.to_json(dest, orient="records", lines=True)
        elif suffix in (".tsv", ".tab"):
            raw.to_csv(dest, sep="\t", index=False)
        elif suffix == ".csv":
            raw.to_csv(dest, index=False)
        else:
            raise InputError("out", "a file ending in .csv, .tsv, .parquet, .jsonl or "
                             ".npz", f"'{dest}'")
    lineage.write_text(json.dumps({"source": str(src), "written": str(dest),
                                   "fingerprint": cleaned.fingerprint,
                                   "lineage": cleaned.metadata.get("lineage", [])},
                                  indent=1, default=str))
    return dest, lineage


def lineage_of(data_path: str | Path | None = None, dataset: Dataset | None = None,
               files: Iterable[str | Path] = ()) -> list[dict[str, Any]]:
    """The lineage entries of cleaned versions, each cleaning step once.

    Parameters
    ----------
    data_path : path, optional
        A data file: the ``<file>.lineage.json`` of the file itself and of its cleaned
        version (`clean_path`) are read when present.
    dataset : Dataset, optional
        Its own ``metadata["lineage"]``.
    files : iterable of path
        More ``.lineage.json`` files (unreadable ones are skipped).

    Returns
    -------
    list of dict
        One entry per cleaning step (``parent``, ``fingerprint``, ``counts``, ...), with
        the ``file`` it was written to.
    """
    paths: list[Path] = [Path(p) for p in files]
    if data_path is not None:
        data = Path(data_path)
        paths.append(data.with_name(data.name + ".lineage.json"))
        cleaned = clean_path(data)
        paths.append(cleaned.with_name(cleaned.name + ".lineage.json"))
    entries: list[dict[str, Any]] = (list(dataset.metadata.get("lineage", []))
                                     if dataset is not None else [])
    for f in paths:
        if not f.is_file():
            continue
        try:
            doc = json.loads(f.read_text())
        except (OSError, ValueError):
            continue
        for e in doc.get("lineage", []) if isinstance(doc, dict) else []:
            if isinstance(e, dict):
                entries.append({**e, "file": e.get("file") or doc.get("written", "")})
    seen: set[tuple[str, str]] = set()
    out = []
    for e in entries:
        key = (str(e.get("parent", "")), str(e.get("fingerprint", "")))
        if key not in seen:
            seen.add(key)
            out.append(e)
    return out
