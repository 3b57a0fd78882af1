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
import os
import time
import uuid
from collections.abc import Callable, Iterable
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
from datacurve.data import Dataset, derive, file_digest, version_chain

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
    by_check = {c: int((why == c).sum()) for c in drops}
    for rec in relabelled:
        by_check[rec["check"]] = by_check.get(rec["check"], 0) + 1
    return derive(dataset, out, "clean", params={"drop": drops, "relabel": relabels,
                                                 "kept_by_request": int(protected.sum())},
                  removed=int(drop_idx.size), changed=len(relabelled), by_check=by_check)



# File endings `write_clean` writes, by format (as `datacurve.data.load` reads them), and
# the compressions pandas reads and writes for tables (`data.csv.gz`).
_ENDINGS = {".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".jsonl": "jsonl",
            ".ndjson": "jsonl", ".parquet": "parquet", ".pq": "parquet", ".npz": "npz"}
_COMPRESSIONS = {".gz": "gzip", ".bz2": "bz2", ".zip": "zip", ".xz": "xz", ".zst": "zstd"}
_WRITTEN = ("a file ending in .csv, .tsv, .jsonl or .parquet (tables; .csv, .tsv and "
            ".jsonl may be compressed: .gz, .bz2, .zip, .xz, .zst), or .npz")


def _split_name(path: Path) -> tuple[str, str, str]:
    """``(stem, ending, compression)``: ``data.csv.gz`` → ``("data", ".csv", ".gz")``,
    ``data.csv`` → ``("data", ".csv", "")``; a compression counts only after another
    ending, as `datacurve.data.load` reads it."""
    name = path.name
    suffixes = path.suffixes
    compression = ""
    if len(suffixes) >= 2 and suffixes[-1].lower() in _COMPRESSIONS:
        compression = suffixes[-1]
        name = name[:-len(compression)]
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem:
        return name, "", compression
    return stem, f".{ext}", compression


def _named(path: Path) -> Path:
    """`path`, absolute when it has no name of its own (``.``, ``..``)."""
    return path if path.name else path.resolve()


def clean_path(source: str | Path, suffix: str | None = None) -> Path:
    """Where `write_clean` puts the cleaned version of `source`: beside it, named
    ``<stem>.clean<suffix>`` (an image folder gets ``<folder>.clean.csv``, a manifest).

    A compressed table keeps its compression: ``data.csv.gz`` → ``data.clean.csv.gz``.
    `suffix` replaces the whole ending (``".parquet"``, ``".csv.gz"``).
    """
    src = _named(Path(source))
    if src.is_dir():
        return src.with_name(f"{src.name}.clean{suffix or '.csv'}")
    stem, ending, compression = _split_name(src)
    return src.with_name(f"{stem}.clean{suffix or ending + compression}")


def _identity(path: Path) -> tuple[int, int] | None:
    """(device, inode) of the file `path` reaches (following links), or None."""
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_dev, st.st_ino


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.relative_to(folder)
    except ValueError:
        return False
    return True


def _folder_holds(folder: Path, ident: tuple[int, int]) -> bool:
    """Whether a file inside `folder` is the file `ident` (a hard link into it)."""
    for root, _, files in os.walk(folder):
        for f in files:
            if _identity(Path(root, f)) == ident:
                return True
    return False


def _check_targets(src: Path, targets: Iterable[Path], force: bool) -> None:
    """Refuse (naming ``out``) any target that is the source or the source's lineage
    file, by resolved path or by device and inode (a symbolic or hard link), or that lies
    inside a source folder; and existing targets without `force`."""
    protected = [src, src.with_name(src.name + ".lineage.json")]
    protected_paths = [p.resolve() for p in protected]
    protected_ids = [i for i in map(_identity, protected) if i is not None]
    never = ("a path other than the original data and its files (they are never "
             "overwritten, through a link or otherwise)")
    for p in targets:
        resolved = p.resolve()
        ident = _identity(p)
        if resolved in protected_paths or (ident is not None and ident in protected_ids):
            plain = any(p.absolute() == q.absolute() for q in protected)
            raise InputError("out", never, f"'{p}'" if plain else
                             f"'{p}' (the same file as '{src}' or its lineage, by a link)")
        if src.is_dir():
            folder = src.resolve()
            if _inside(resolved, folder) or (
                    ident is not None and p.is_file() and p.stat().st_nlink > 1
                    and _folder_holds(folder, ident)):
                raise InputError("out", never, f"'{p}' (inside the image folder '{src}')")
        if p.is_dir():
            raise InputError("out", "a file path, not a directory", f"'{p}'")
        if (p.exists() or p.is_symlink()) and not force:
            raise InputError("out", "a path that does not exist yet (or force=True)",
                             f"'{p}' exists")


def _replace(dest: Path, write: Callable[[Path], object]) -> None:
    """Write a new file with `write(tmp)` beside `dest`, then rename it over `dest`: an
    existing `dest` is replaced, never written through (a link to another file stays
    that file's), and a failed write leaves nothing half-written."""
    # A fresh name, created by the writer itself, so the file gets the usual permissions.
    tmp = dest.with_name(f".{dest.name}.{uuid.uuid4().hex[:12]}.tmp")
    try:
        write(tmp)
        tmp.replace(dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_clean(cleaned: Dataset, source: str | Path, out: str | Path | None = None, *,
                force: bool = False) -> tuple[Path, Path]:
    """Write a cleaned dataset beside its source, never over it.

    Tables (CSV, TSV, Parquet, JSONL) are written in the source's format with the kept
    rows of the original table (relabelled labels included), compressed as the source is
    (``data.csv.gz`` → ``data.clean.csv.gz``); NPZ as ``X`` and ``y``; an image folder as
    a CSV manifest (``path, label``) of the kept images. The lineage goes to
    ``<file>.lineage.json``.

    Nothing is ever written to the source or its lineage file: a target that is one of
    them, by path, through a symbolic link or as a hard link (same device and inode), or
    that lies inside a source folder, is refused; files are written anew and renamed
    into place, so an existing target (with `force`) is replaced, not written through.

    Parameters
    ----------
    cleaned : Dataset
        What `clean` returned.
    source : path
        The file or image folder `cleaned` was loaded from.
    out : path, optional
        Where to write (default `clean_path`); its ending chooses the format.
    force : bool
        Replace an earlier cleaned file (never the source).

    Returns
    -------
    (data_path, lineage_path)

    Raises
    ------
    InputError
        Naming ``out`` for a target that is the source (or a link to it), exists without
        `force` or has an ending datacurve cannot write; naming ``data`` when the
        source's own ending cannot be written and `out` was not given.
    """
    src = _named(Path(source))
    dest = Path(out) if out is not None else clean_path(src)
    lineage = dest.with_name(dest.name + ".lineage.json")
    _, ending, compression = _split_name(dest)
    fmt = _ENDINGS.get(ending.lower())
    if src.is_dir() and fmt != "csv":
        raise InputError("out", "a file ending in .csv (optionally compressed, e.g. "
                         ".csv.gz): an image folder is written as a CSV manifest",
                         f"'{dest}'")
    if fmt is None or (compression and fmt not in ("csv", "tsv", "jsonl")):
        if out is None:
            raise InputError("data", f"a file datacurve can write a cleaned copy of "
                             f"({_WRITTEN}; or pass out= with such an ending)", f"'{src}'")
        raise InputError("out", _WRITTEN, f"'{dest}'")
    _check_targets(src, (dest, lineage), force)
    raw = cleaned.raw
    if raw is None and fmt != "npz":
        raise InputError("data", "a table, an .npz file or an image folder loaded by "
                         "datacurve", f"'{src}'")
    codec: dict[str, Any] | None = None
    if compression:
        codec = {"method": _COMPRESSIONS[compression.lower()]}
        if codec["method"] == "zip":
            codec["archive_name"] = dest.name[:-len(compression)]

    def write_data(path: Path) -> None:
        if fmt == "npz":
            X = (cleaned.X.toarray() if hasattr(cleaned.X, "toarray")
                 else np.asarray(cleaned.X))
            y = (np.asarray(cleaned.classes)[cleaned.y] if cleaned.classes is not None
                 else cleaned.y)
            with path.open("wb") as f:  # a file object: numpy adds no .npz ending
                np.savez_compressed(f, X=X, y=y)
            return
        assert raw is not None
        if fmt == "parquet":
            raw.to_parquet(path, index=False)
        elif fmt == "jsonl":
            raw.to_json(path, orient="records", lines=True, compression=codec)
        else:
            raw.to_csv(path, sep="\t" if fmt == "tsv" else ",", index=False,
                       compression=codec)

    dest.parent.mkdir(parents=True, exist_ok=True)
    _replace(dest, write_data)
    text = json.dumps({"source": str(src), "written": str(dest),
                       "fingerprint": cleaned.fingerprint,
                       # Loading the written file again continues the cleaning's lineage
                       # while the file is the one written (`datacurve.data.source_record`).
                       "sha256": file_digest(dest)[0],
                       "versions": version_chain(cleaned),
                       "lineage": cleaned.metadata.get("lineage", [])},
                      indent=1, default=str)
    _replace(lineage, lambda path: path.write_text(text))
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
