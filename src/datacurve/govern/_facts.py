"""What a dataset card says that was measured: plain, frozen values.

`CardFacts` is the one input of both card writers (the Markdown datasheet and the
Croissant JSON-LD), so both formats say the same thing; `card_facts` (in `_card`) fills
it from a dataset, its audit, its recorded versions and its learning curves.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from datacurve._plain import plain

__all__ = ["CardFacts", "ClassShare", "ColumnFacts", "CurveFacts", "FileFacts", "Finding",
           "PiiFinding", "SubgroupFacts", "VersionStep"]


@dataclass(frozen=True)
class ColumnFacts:
    """One column of the table.

    Attributes
    ----------
    name : str
    role : {"feature", "label", "group", "split", "id", "text", "ignored"}
    dtype : {"integer", "float", "boolean", "text", "datetime"}
        What the column holds (categories written as text are ``"text"``).
    missing : int
        Empty cells.
    distinct : int
        Distinct present values.
    """

    name: str
    role: str
    dtype: str
    missing: int
    distinct: int


@dataclass(frozen=True)
class FileFacts:
    """One file of the dataset.

    Attributes
    ----------
    name : str
        The file's name (the Croissant ``contentUrl``, relative to the card).
    path : str
        Absolute path when it was measured.
    sha256 : str
        Hex digest of the file's bytes.
    bytes : int
    encoding_format : str
        MIME type: ``text/csv``, ``text/tab-separated-values``,
        ``application/x-parquet``, ``application/jsonlines``, ``application/x-npz``.
    """

    name: str
    path: str
    sha256: str
    bytes: int
    encoding_format: str


@dataclass(frozen=True)
class ClassShare:
    """One class of a classification label: its value, count and share of the rows."""

    label: str
    count: int
    share: float


@dataclass(frozen=True)
class Finding:
    """What one audit check found.

    Attributes
    ----------
    check : str
        The audit check's name (``label``, ``exact_duplicate``, ``pii``, ...).
    title : str
        Human title ("Label issues", "Exact duplicates", ...).
    flagged : int
        Rows flagged.
    share : float
        Flagged rows over all rows.
    summary : str
        One sentence: what was found, in numbers.
    examples : tuple of str
        A few flagged examples, written for people (personal data masked).
    skipped : str or None
        Why the check did not run.
    """

    check: str
    title: str
    flagged: int
    share: float
    summary: str
    examples: tuple[str, ...] = ()
    skipped: str | None = None


@dataclass(frozen=True)
class PiiFinding:
    """Personal data of one kind in one column: masked examples only."""

    column: str
    kind: str
    count: int
    examples: tuple[str, ...]


@dataclass(frozen=True)
class SubgroupFacts:
    """One subgroup (a value of the group column).

    Attributes
    ----------
    column : str
    group : str
    count : int
    share : float
        Of all rows.
    under_represented : bool
    score : float or None
        The audit model's out-of-fold score on the group.
    gap : float or None
        That score minus the score on all rows (negative: worse).
    under_performing : bool
    """

    column: str
    group: str
    count: int
    share: float
    under_represented: bool
    score: float | None = None
    gap: float | None = None
    under_performing: bool = False


@dataclass(frozen=True)
class VersionStep:
    """One recorded dataset version on the way from the raw source to the card's data.

    Attributes
    ----------
    id : str
        The version's id (its content fingerprint).
    name : str
    operation : str
        ``load``, ``clean``, ``split``, ``augment``, ``synthetic``, ``label``, ...
    params : dict
        The operation's parameters (plain values).
    parents : tuple of str
        Parent version ids (none for a load).
    rows, columns : int
    removed, changed : int
        Rows the step removed from / changed in its parent (0 for a load).
    by_check : dict
        Check → rows it removed or changed.
    added : int
        Rows the step added (augmented or synthetic).
    user, time : str
        Who recorded it and when (ISO 8601).
    source : str
        The source file (loads).
    source_sha256 : str
        Its hash when recorded.
    source_changed : bool or None
        Whether the file's hash today differs (None: not checked or not a file).
    """

    id: str
    name: str
    operation: str
    params: dict[str, Any]
    parents: tuple[str, ...]
    rows: int
    columns: int
    removed: int = 0
    changed: int = 0
    added: int = 0
    by_check: dict[str, int] = field(default_factory=dict)
    user: str = ""
    time: str = ""
    source: str = ""
    source_sha256: str = ""
    source_changed: bool | None = None

    @property
    def change(self) -> str:
        """The rows it removed, changed and added, as every surface writes them:
        ``−29 ~3 +7`` (``–`` for none)."""
        parts = [f"−{self.removed:,}" if self.removed else "",
                 f"~{self.changed:,}" if self.changed else "",
                 f"+{self.added:,}" if self.added else ""]
        return " ".join(p for p in parts if p) or "–"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return dict(plain(asdict(self)))


@dataclass(frozen=True)
class CurveFacts:
    """What a measured learning curve says about data needs.

    Attributes
    ----------
    model : str
    metric : str
    largest_n : int
        Largest training size measured.
    score : float
        Mean score there.
    asymptote : float or None
    bottleneck : str or None
        The diagnosis (``data``, ``model_capacity``, ...).
    sentence : str
        One sentence for people ("accuracy 0.93 at 1,024 samples; about 4,100 samples
        reach 0.95").
    """

    model: str
    metric: str
    largest_n: int
    score: float
    asymptote: float | None
    bottleneck: str | None
    sentence: str


@dataclass(frozen=True)
class CardFacts:
    """Everything measured about one dataset version, for its card.

    Attributes
    ----------
    name : str
    version : str
        The version id (content fingerprint).
    task : {"classification", "regression"}
    rows : int
    label : str or None
        The label column.
    columns : tuple of ColumnFacts
        Every column of the table (empty for arrays and images).
    classes : tuple of ClassShare
        Classification only, largest first.
    files : tuple of FileFacts
    findings : tuple of Finding
        One per audit check run (empty without an audit).
    pii : tuple of PiiFinding
    subgroups : tuple of SubgroupFacts
    lineage : tuple of VersionStep
        Oldest (the raw source) first; the last is this version.
    curves : tuple of CurveFacts
    derived : tuple of VersionStep
        Versions recorded as made from this one (a cleaning, a split, an augmented
        set), in the order recorded.
    audited : str
        The version the findings are of (this one, or an earlier version of it the
        audit was run on); empty without an audit.
    made : str
        When the facts were gathered (ISO 8601).
    datacurve_version : str
    notes : tuple of str
        What could not be measured and why.
    """

    name: str
    version: str
    task: str
    rows: int
    label: str | None
    columns: tuple[ColumnFacts, ...] = ()
    classes: tuple[ClassShare, ...] = ()
    files: tuple[FileFacts, ...] = ()
    findings: tuple[Finding, ...] = ()
    pii: tuple[PiiFinding, ...] = ()
    subgroups: tuple[SubgroupFacts, ...] = ()
    lineage: tuple[VersionStep, ...] = ()
    curves: tuple[CurveFacts, ...] = ()
    derived: tuple[VersionStep, ...] = ()
    audited: str = ""
    made: str = ""
    datacurve_version: str = ""
    notes: tuple[str, ...] = ()

    @property
    def missing_cells(self) -> int:
        """Empty cells over all columns."""
        return sum(c.missing for c in self.columns)

    @property
    def imbalance(self) -> float | None:
        """Largest class count over the smallest (None for regression)."""
        if not self.classes:
            return None
        counts = [c.count for c in self.classes]
        return max(counts) / max(min(counts), 1)
