"""Worker of bench/drift.py: alibi-detect's and Evidently's default drift detectors on
windows bench/drift.py wrote, run by the side venv's python (bench/.venv-drift, see
bench/requirements-drift.txt), since both packages pin versions datacurve's venv cannot
hold.

Usage: bench/.venv-drift/bin/python bench/_drift_competitors.py JOBS.json OUT.json

JOBS.json is a list of jobs ``{"name", "npz", "detectors", "reps"}``: ``npz`` holds
``ref`` (R, n, d) and ``cur`` (R, m, d) float arrays (window r is ``ref[r]`` against
``cur[r]``), ``detectors`` names some of ``alibi_ks``, ``alibi_cvm``, ``evidently``,
and ``reps`` maps a detector to how many of the R windows it runs (the first ones; all
by default). OUT.json gets, per job and detector, one verdict and the wall seconds per
window (building the detector on the reference included).

- ``alibi_ks``: ``KSDrift(x_ref, p_val=0.05)`` (per-feature KS, Bonferroni by default),
  ``predict(x)["data"]["is_drift"]``.
- ``alibi_cvm``: ``CVMDrift(x_ref, p_val=0.05)``, the same with Cramér–von Mises.
- ``evidently``: ``Report([DataDriftPreset()]).run(current_data=cur,
  reference_data=ref)`` on frames with columns x0, x1, ...; two verdicts, the dataset's
  (share of drifted columns >= the preset's ``drift_share``, 0.5) and "any column
  drifted" (``DriftedColumnsCount`` > 0). Report.run also draws the report's plotly
  figures, ~85 % of its time and nothing that changes a verdict; the first window of each
  job runs as shipped (its time is reported as ``seconds_full``), the others with the
  two drawing functions replaced by no-ops, and the verdicts of that first window are
  checked to be the same both ways (``render_check``).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("ITERATIVE_DO_NOT_TRACK", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
warnings.filterwarnings("ignore")
logging.disable(logging.WARNING)


def run_alibi(kind: str, ref: np.ndarray, cur: np.ndarray, reps: int) -> dict[str, Any]:
    from alibi_detect.cd import CVMDrift, KSDrift

    cls = KSDrift if kind == "alibi_ks" else CVMDrift
    verdicts, seconds = [], []
    for r in range(reps):
        t0 = time.perf_counter()
        det = cls(ref[r], p_val=0.05)
        out = det.predict(cur[r])
        seconds.append(time.perf_counter() - t0)
        verdicts.append(bool(out["data"]["is_drift"]))
    return {"drifted": verdicts, "seconds": seconds}


class _Evidently:
    def __init__(self) -> None:
        import evidently.metrics.column_statistics as column_statistics
        import evidently.presets.drift as preset_drift
        import pandas as pd
        from evidently import Report
        from evidently.presets import DataDriftPreset

        self.pd, self.Report, self.Preset = pd, Report, DataDriftPreset
        self._modules = (column_statistics.ValueDriftCalculation, preset_drift.DataDriftPreset)
        self._shipped = (column_statistics.ValueDriftCalculation._render,
                         preset_drift.DataDriftPreset.render)

    def drawing(self, on: bool) -> None:
        calc, preset = self._modules
        if on:
            calc._render, preset.render = self._shipped
        else:
            calc._render = lambda self, *a, **k: []
            preset.render = lambda self, *a, **k: []

    def verdict(self, ref: np.ndarray, cur: np.ndarray) -> tuple[bool, bool, float]:
        cols = [f"x{i}" for i in range(ref.shape[1])]
        r, c = self.pd.DataFrame(ref, columns=cols), self.pd.DataFrame(cur, columns=cols)
        preset = self.Preset()
        snap = self.Report([preset]).run(current_data=c, reference_data=r)
        counts = [m["value"] for m in snap.dict()["metrics"]
                  if m["config"]["type"].endswith(":DriftedColumnsCount")]
        if len(counts) != 1:
            raise RuntimeError(f"expected one DriftedColumnsCount, got {len(counts)}")
        share, count = float(counts[0]["share"]), float(counts[0]["count"])
        return share >= preset.drift_share, count > 0, share


def run_evidently(ev: _Evidently, ref: np.ndarray, cur: np.ndarray, reps: int
                  ) -> dict[str, Any]:
    dataset, anycol, shares, seconds = [], [], [], []
    out: dict[str, Any] = {}
    for r in range(reps):
        if r == 0:
            ev.drawing(True)
            t0 = time.perf_counter()
            full = ev.verdict(ref[r], cur[r])
            out["seconds_full"] = time.perf_counter() - t0
            ev.drawing(False)
        t0 = time.perf_counter()
        d, a, s = ev.verdict(ref[r], cur[r])
        seconds.append(time.perf_counter() - t0)
        if r == 0:
            out["render_check"] = bool(full == (d, a, s))
        dataset.append(bool(d))
        anycol.append(bool(a))
        shares.append(s)
    out.update({"drifted": dataset, "any_column": anycol, "share": shares,
                "seconds": seconds})
    return out


def main() -> None:
    jobs_path, out_path = sys.argv[1], sys.argv[2]
    jobs = json.loads(Path(jobs_path).read_text())
    ev = None
    results: dict[str, Any] = {"versions": {}}
    for job in jobs:
        with np.load(job["npz"]) as z:
            ref, cur = z["ref"], z["cur"]
        res: dict[str, Any] = {}
        for det in job["detectors"]:
            reps = min(int(job.get("reps", {}).get(det, len(ref))), len(ref))
            if det in ("alibi_ks", "alibi_cvm"):
                res[det] = run_alibi(det, ref, cur, reps)
            elif det == "evidently":
                ev = ev or _Evidently()
                res[det] = run_evidently(ev, ref, cur, reps)
            else:
                raise SystemExit(f"unknown detector {det!r}")
        results[job["name"]] = res
    import importlib.metadata as md

    for pkg in ("alibi-detect", "evidently", "numpy", "scipy", "pandas"):
        with contextlib.suppress(md.PackageNotFoundError):
            results["versions"][pkg] = md.version(pkg)
    Path(out_path).write_text(json.dumps(results))


if __name__ == "__main__":
    main()
