"""The contract every audit check follows, and the registry that finds them by name.

After cleanlab's ``IssueManager``: a check looks at one kind of problem and returns, for
the n examples of a dataset,

* ``scores`` of shape (n,), in [0, 1], **lower is worse** (1 = nothing wrong seen);
* ``flags`` of shape (n,), bool: the examples it reports;
* ``summary`` in [0, 1]: the dataset's health on this check (1 = clean);
* ``info``: plain values that explain it (thresholds, counts, per-class figures);
* ``pairs`` of shape (p, 2) for checks about pairs of examples (duplicates, leaks):
  both members of every reported pair are flagged;
* ``suggested`` of shape (n,): a better label code where the check knows one (-1 else).

A check is one class in one file under ``datacurve/audit/checks/``, registered with
``@register``. It reads what it needs from the shared `AuditContext` (features,
embeddings, out-of-fold probabilities, nearest neighbours — each computed once, when a
check first asks) and never modifies it.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from datacurve._errors import InputError

if TYPE_CHECKING:
    from datacurve.auditing._context import AuditContext

__all__ = ["CHECKS", "Check", "CheckResult", "check_names", "get_check", "register"]


@dataclass(frozen=True, eq=False)
class CheckResult:
    """What one check found (see the module docstring for the contract).

    Attributes
    ----------
    check : str
    scores : ndarray of shape (n,), float64 in [0, 1], lower is worse
    flags : ndarray of shape (n,), bool
    summary : float in [0, 1], 1 = clean
    info : dict
    pairs : ndarray of shape (p, 2), int64, optional
        Pairs of example indices (duplicates, leaks), each pair once with ``i < j``.
    suggested : ndarray of shape (n,), int64, optional
        Suggested label code per example, -1 where the check suggests none.
    skipped : str, optional
        Why the check did not run (e.g. no split was given); scores are then all 1.
    """

    check: str
    scores: np.ndarray
    flags: np.ndarray
    summary: float
    info: dict[str, Any] = field(default_factory=dict)
    pairs: np.ndarray | None = None
    suggested: np.ndarray | None = None
    skipped: str | None = None

    def __post_init__(self) -> None:
        scores = np.asarray(self.scores, dtype=np.float64)
        flags = np.asarray(self.flags, dtype=bool)
        if scores.ndim != 1 or flags.shape != scores.shape:
            raise ValueError(f"check {self.check!r}: scores and flags must be (n,) arrays "
                             f"of one shape, got {scores.shape} and {flags.shape}")
        if not np.all((scores >= 0.0) & (scores <= 1.0)):
            raise ValueError(f"check {self.check!r}: scores must lie in [0, 1]")
        if not 0.0 <= float(self.summary) <= 1.0:
            raise ValueError(f"check {self.check!r}: summary must lie in [0, 1], got "
                             f"{self.summary!r}")
        object.__setattr__(self, "scores", scores)
        object.__setattr__(self, "flags", flags)
        object.__setattr__(self, "summary", float(self.summary))
        if self.pairs is not None:
            pairs = np.asarray(self.pairs, dtype=np.int64).reshape(-1, 2)
            object.__setattr__(self, "pairs", pairs)
        if self.suggested is not None:
            sug = np.asarray(self.suggested, dtype=np.int64)
            if sug.shape != scores.shape:
                raise ValueError(f"check {self.check!r}: suggested must be (n,)")
            object.__setattr__(self, "suggested", sug)

    @property
    def n_flagged(self) -> int:
        """Number of flagged examples."""
        return int(self.flags.sum())

    @classmethod
    def skip(cls, check: str, n: int, reason: str) -> CheckResult:
        """The result of a check that does not apply (all scores 1, nothing flagged)."""
        return cls(check, np.ones(n), np.zeros(n, dtype=bool), 1.0, {}, skipped=reason)


class Check(abc.ABC):
    """One kind of data problem. Subclasses set `name`, `description` and implement
    `run`; parameters are keyword arguments of ``__init__`` with named defaults.

    Attributes
    ----------
    name : str
        Registry name (``"label"``, ``"near_duplicate"``...).
    description : str
        One line for people.
    row_level : bool
        Whether a flag marks a bad example (counted in the data-quality score and
        droppable by `clean`); False for dataset-level findings such as class imbalance
        or an under-served subgroup, whose flags mark the examples concerned.
    """

    name: ClassVar[str]
    description: ClassVar[str]
    row_level: ClassVar[bool] = True

    def applies(self, ctx: AuditContext) -> str | None:
        """Why this check cannot run on `ctx` (None when it can)."""
        return None

    @abc.abstractmethod
    def run(self, ctx: AuditContext) -> CheckResult:
        """Look at `ctx` and report (never modify `ctx`)."""

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({params})"


CHECKS: dict[str, type[Check]] = {}
"""Registered checks by name, in registration order."""


def register(cls: type[Check]) -> type[Check]:
    """Class decorator: make a check available by its `name`."""
    if not (isinstance(cls, type) and issubclass(cls, Check)):
        raise TypeError("register expects a Check subclass")
    CHECKS[cls.name] = cls
    return cls


def check_names() -> list[str]:
    """Names of the registered checks."""
    from datacurve.auditing import checks  # noqa: F401  (registers the built-in checks)

    return list(CHECKS)


def get_check(name: str, **params: Any) -> Check:
    """An instance of the check registered as `name`."""
    names = check_names()
    if name not in CHECKS:
        raise InputError("checks", f"check names among {', '.join(names)}", repr(name))
    try:
        return CHECKS[name](**params)
    except TypeError as exc:
        raise InputError(f"{name} parameters", "the check's keyword arguments",
                         str(exc)) from None
