"""Budgeted curves: what a run may spend, each round's decision, and what it spent.

A budgeted `run_curve` does not train every trial of its design. It measures three sizes
spread up to 1/32 of the pool, then, round after round, asks the fit room
(`datacurve.fit.budget_step`, looked up through `datacurve._hooks` so that imports flow
one way) which trials narrow the
answer's interval most per second of training, runs them, and stops when the budget is
spent or the interval is narrow enough. This module holds the plain values the two rooms
exchange; the decision itself is the fit room's (it owns the curves and time models).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from datacurve._errors import InputError

__all__ = ["Budget", "BudgetOutcome", "BudgetStep", "parse_budget"]


@dataclass(frozen=True)
class Budget:
    """What a budgeted run may spend, and when it may stop early.

    Attributes
    ----------
    share : float or None
        Training seconds as a share of one full-data training run of each model (their
        sum with several models): 0.15 is 15 %. The full run's seconds are estimated
        after every round from the trials' measured times and each model's time model
        (`datacurve.fit.fit_time_model`) at the full pool size.
    seconds : float or None
        Training seconds, absolute (instead of `share`).
    until_width : float or None
        Stop once every remaining model's interval is this narrow: with a `target`, the
        ratio of the pessimistic to the optimistic samples needed (1.5: the 80 % interval
        spans 1.5×); without one, the width of the score's interval at the full pool in
        the metric's units.
    target : float or None
        The answer is "samples to reach `target`" (natural units); without one, "the
        score at the full pool".
    level : float
        Coverage of the interval.
    """

    share: float | None = None
    seconds: float | None = None
    until_width: float | None = None
    target: float | None = None
    level: float = 0.8

    def __post_init__(self) -> None:
        for name, value in (("budget", self.share), ("budget_seconds", self.seconds),
                            ("until_width", self.until_width)):
            if value is not None and not (isinstance(value, int | float)
                                          and math.isfinite(value) and value > 0):
                raise InputError(name, "a positive number", repr(value))
        if self.share is not None and self.seconds is not None:
            raise InputError("budget", "a share of a full run or budget_seconds, not both",
                             f"{self.share!r} and {self.seconds!r} seconds")
        if self.share is None and self.seconds is None and self.until_width is None:
            raise InputError("budget", "a share, budget_seconds or until_width", "none")
        if (self.until_width is not None and self.target is not None
                and self.until_width <= 1):
            raise InputError("until_width", "a ratio above 1 with a target (1.5: the "
                             "interval of samples needed spans 1.5×)",
                             repr(self.until_width))
        if not 0 < self.level < 1:
            raise InputError("level", "a coverage between 0 and 1", repr(self.level))

    def describe(self) -> str:
        """The budget in words ("15 % of one full training run", "120 s of training")."""
        parts = []
        if self.share is not None:
            parts.append(f"{self.share:.0%} of one full training run")
        if self.seconds is not None:
            parts.append(f"{self.seconds:g} s of training")
        if self.until_width is not None:
            unit = "×" if self.target is not None else ""
            parts.append(f"until the interval is narrower than {self.until_width:g}{unit}")
        return ", ".join(parts)


def parse_budget(text: str) -> float:
    """A budget share from the command line: ``"15%"`` or ``"0.15"`` → 0.15.

    Raises
    ------
    InputError
        Naming ``--budget``: not a percentage or a positive fraction.
    """
    raw = text.strip()
    try:
        value = float(raw[:-1]) / 100 if raw.endswith("%") else float(raw)
    except ValueError:
        raise InputError("--budget", "a share of one full training run such as 15% or "
                         "0.15", repr(text)) from None
    if not (math.isfinite(value) and value > 0):
        raise InputError("--budget", "a positive share such as 15% or 0.15", repr(text))
    return value


@dataclass(frozen=True)
class BudgetStep:
    """One round's decision (made by `datacurve.fit.budget_step`).

    Attributes
    ----------
    picks : tuple of str
        Keys of the trials to run next; empty when the run stops.
    stop : str or None
        Why the run stops (None while it goes on).
    budget_seconds : float or None
        The budget in training seconds as now estimated (None until every model has a
        time model, or with `until_width` alone).
    spent_seconds : float
        Training seconds of the design's trials measured so far.
    full_seconds : dict
        Model → estimated seconds of one training run on the full pool.
    widths : dict
        Model → the answer's interval width now (see `Budget.until_width` for units).
    dropped : dict
        Model → why it was dropped (every model dropped so far).
    """

    picks: tuple[str, ...]
    stop: str | None
    budget_seconds: float | None
    spent_seconds: float
    full_seconds: dict[str, float] = field(default_factory=dict)
    widths: dict[str, float] = field(default_factory=dict)
    dropped: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class BudgetOutcome:
    """What a budgeted run spent and why it stopped (`CurveRun.budget`).

    Attributes
    ----------
    budget : Budget
    rounds : int
        Decision rounds (the first measures the first sizes, `datacurve.fit.WARMUP_SIZES`).
    stop : str
        Why it stopped.
    spent_seconds : float
        Training seconds of the design's trials measured (this call and earlier ones).
    full_seconds : float or None
        Estimated seconds of one full-data training run, summed over the models.
    budget_seconds : float or None
    widths, dropped : dict
        As in `BudgetStep`, at the end.
    decision_seconds : float
        Wall time the decisions took (fitting curves and time models), not counted in
        the budget.
    """

    budget: Budget
    rounds: int
    stop: str
    spent_seconds: float
    full_seconds: float | None
    budget_seconds: float | None
    widths: dict[str, float] = field(default_factory=dict)
    dropped: dict[str, str] = field(default_factory=dict)
    decision_seconds: float = 0.0

    @property
    def share_spent(self) -> float | None:
        """Training seconds spent as a share of one full training run (None when the
        full run's time could not be estimated)."""
        if not self.full_seconds:
            return None
        return self.spent_seconds / self.full_seconds

    def describe(self) -> str:
        """One line: what was spent against the budget and why the run stopped."""
        share = self.share_spent
        spent = (f"measured with {share:.1%} of one full training run "
                 f"({self.spent_seconds:.3g} s of about {self.full_seconds:.3g} s)"
                 if share is not None and self.full_seconds is not None
                 else f"measured with {self.spent_seconds:.3g} s of training")
        return f"{spent}; budget {self.budget.describe()}; stopped: {self.stop}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        b = self.budget
        return {"budget": {"share": b.share, "seconds": b.seconds,
                           "until_width": b.until_width, "target": b.target,
                           "level": b.level},
                "rounds": self.rounds, "stop": self.stop,
                "spent_seconds": self.spent_seconds, "full_seconds": self.full_seconds,
                "share_spent": self.share_spent, "budget_seconds": self.budget_seconds,
                "widths": {k: (v if math.isfinite(v) else None)
                           for k, v in self.widths.items()},
                "dropped": dict(self.dropped),
                "decision_seconds": self.decision_seconds}
