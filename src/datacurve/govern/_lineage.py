"""Recorded dataset versions and the lineage from any of them back to its raw source.

The records are made by the rooms that make datasets (`datacurve.data.version_chain`:
load, clean, augment, synthetic, split, label) and kept in the store's ``versions`` table
by whoever holds a store (`run_curve`, the labelling loop, `record`). Here they are read
back, as `VersionStep` values, and followed from a version to its sources; every source
file is hashed again to say whether it changed since it was recorded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from datacurve._errors import InputError
from datacurve._plain import plain
from datacurve.curves import Store, open_store
from datacurve.data import Dataset, file_digest, version_chain
from datacurve.govern._facts import VersionStep

__all__ = ["Lineage", "derived", "lineage", "lineage_of_dataset", "record", "records_of",
           "resolve_version",
           "step_of", "versions"]


def _store(store: Store | str | Path, readonly: bool = True) -> tuple[Store, bool]:
    if isinstance(store, Store):
        return store, False
    return open_store(store, readonly=readonly), True


def records_of(store: Store | str | Path) -> list[dict[str, Any]]:
    """Every version record `store` holds, in the order recorded (a path is opened read
    only and closed again)."""
    st, own = _store(store)
    try:
        return st.versions()
    finally:
        if own:
            st.close()


def record(dataset: Dataset, store: Store | str | Path) -> list[dict[str, Any]]:
    """Record `dataset`'s version chain (its own record and its ancestors') in `store`.

    Returns
    -------
    list of dict
        The records, the raw source first.
    """
    chain = version_chain(dataset)
    st, own = _store(store, readonly=False)
    try:
        st.put_versions(chain)
    finally:
        if own:
            st.close()
    return chain


def _source_changed(rec: dict[str, Any], check: bool) -> bool | None:
    """Whether the recorded source file's digest differs today (True also when it is
    gone); None when not checked or nothing was recorded to compare with."""
    source, digest = str(rec.get("source") or ""), str(rec.get("source_sha256") or "")
    if not check or not digest or not source or source.startswith(("builtin:", "<")):
        return None
    path = Path(source)
    if not path.exists():
        return True
    return file_digest(path)[0] != digest


def step_of(rec: dict[str, Any], *, check_source: bool = False) -> VersionStep:
    """A version record (`datacurve.data.version_record`) as a `VersionStep`."""
    return VersionStep(
        id=str(rec["id"]), name=str(rec.get("name", "")),
        operation=str(rec.get("operation", "")), params=dict(rec.get("params") or {}),
        parents=tuple(str(p) for p in rec.get("parents", [])),
        rows=int(rec.get("rows", 0)), columns=int(rec.get("columns", 0)),
        removed=int(rec.get("removed", 0)), changed=int(rec.get("changed", 0)),
        added=int(rec.get("added", 0)),
        by_check={str(k): int(v) for k, v in (rec.get("by_check") or {}).items()},
        user=str(rec.get("user", "")), time=str(rec.get("time", "")),
        source=str(rec.get("source") or ""), source_sha256=str(rec.get("source_sha256") or ""),
        source_changed=_source_changed(rec, check_source))


def versions(store: Store | str | Path) -> list[VersionStep]:
    """Every version recorded in `store`, in the order recorded (a version reached two
    ways appears once per way)."""
    return [step_of(r) for r in records_of(store)]


def resolve_version(records: Sequence[dict[str, Any]], version: str, where: str) -> str:
    """The full id of the recorded version `version` names (its id or a unique prefix of
    at least 4 characters).

    Raises
    ------
    InputError
        Naming ``version``: no recorded version, or more than one, starts so.
    """
    v = str(version).strip().lower()
    ids = list(dict.fromkeys(str(r["id"]) for r in records))
    hits = [i for i in ids if i == v] or ([i for i in ids if i.startswith(v)]
                                          if len(v) >= 4 else [])
    if len(hits) == 1:
        return hits[0]
    if not hits:
        known = ", ".join(i[:12] for i in ids[-5:]) or "none recorded"
        short = " (at least its first 4 characters)" if len(v) < 4 else ""
        raise InputError("version", f"a version id recorded in {where}{short} (datacurve "
                         f"versions lists them; latest: {known})", repr(version))
    raise InputError("version", "a prefix naming one recorded version",
                     f"{version!r} (starts {len(hits)}: {', '.join(h[:12] for h in hits)})")


@dataclass(frozen=True)
class Lineage:
    """The chain from a version back to its raw source(s).

    Attributes
    ----------
    version : str
        The version asked about.
    steps : tuple of VersionStep
        The raw source(s) first, the version last; each parent before its children.
    missing : tuple of str
        Parent ids the store does not hold (the chain stops there).
    """

    version: str
    steps: tuple[VersionStep, ...]
    missing: tuple[str, ...] = ()

    @property
    def changed_sources(self) -> list[VersionStep]:
        """Steps whose source file changed (or is gone) since it was recorded."""
        return [s for s in self.steps if s.source_changed]

    @property
    def complete(self) -> bool:
        """Whether the chain reaches a raw source (a load or a make) with no parent
        missing."""
        return not self.missing and bool(self.steps) and not self.steps[0].parents

    def notes(self) -> list[str]:
        """What a reader must know: changed sources, missing parents."""
        out = [f"the source file {s.source} has changed since version {s.id[:12]} was "
               f"recorded (its SHA-256 was {s.source_sha256[:12]}…)"
               + (" — it is gone" if not Path(s.source).exists() else "")
               for s in self.changed_sources]
        out += [f"parent version {m[:12]} is not recorded here: the chain stops at it"
                for m in self.missing]
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"version": self.version, "complete": self.complete,
                "missing": list(self.missing), "notes": self.notes(),
                "steps": [plain(asdict(s)) for s in self.steps]}


def _chain(records: Sequence[dict[str, Any]], version: str, check_source: bool) -> Lineage:
    latest: dict[str, dict[str, Any]] = {}
    for r in records:
        # The latest record of each id counts, a derivation before a load: the same
        # content loaded again from the file `clean` wrote keeps the cleaning's lineage.
        old = latest.get(str(r["id"]))
        if old is None or r.get("parents") or not old.get("parents"):
            latest[str(r["id"])] = r
    order: list[str] = []
    missing: list[str] = []
    seen: set[str] = set()

    def visit(vid: str) -> None:  # parents first (depth-first, post-order)
        if vid in seen:
            return
        seen.add(vid)
        rec = latest.get(vid)
        if rec is None:
            missing.append(vid)
            return
        for p in rec.get("parents", []):
            if str(p) != vid:
                visit(str(p))
        order.append(vid)

    visit(version)
    steps = tuple(step_of(latest[v], check_source=check_source) for v in order)
    return Lineage(version, steps, tuple(missing))


def lineage(store: Store | str | Path, version: str, *,
            check_source: bool = True) -> Lineage:
    """The chain from `version` (an id or a unique prefix) back to its raw source(s),
    with each source file hashed again (`check_source`) to say whether it changed.

    Raises
    ------
    InputError
        Naming ``version`` when the store records no such version.
    """
    records = records_of(store)
    vid = resolve_version(records, version, f"'{getattr(store, 'path', store)}'")
    return _chain(records, vid, check_source)


def derived(store: Store | str | Path, version: str) -> list[VersionStep]:
    """Versions recorded as made from `version` (its children: a cleaning, a split, an
    augmented set), in the order recorded."""
    return [step_of(r) for r in records_of(store) if version in r.get("parents", [])]


def lineage_of_dataset(dataset: Dataset, *, check_source: bool = True) -> Lineage:
    """The lineage a dataset carries itself (`datacurve.data.version_chain`), without a
    store."""
    return _chain(version_chain(dataset), dataset.fingerprint, check_source)
