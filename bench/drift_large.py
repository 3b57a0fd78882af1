"""Drift on a million rows: time and peak memory of `datacurve.monitor.drift` on two
Parquet windows, against reading the windows whole.

Two Parquet files of R rows × D float64 columns (row groups of 100,000; the current window
has one column shifted by 0.05 sd, one with 1 % of its values missing) are written to a
temporary folder. Each measurement runs in a fresh process (peak resident memory,
``ru_maxrss``, is a process's high-water mark):

- ``import``: import datacurve only (the baseline);
- ``read whole``: ``pd.read_parquet`` of both windows (what a tool that loads the
  windows needs, before any test);
- ``univariate``: ``drift(ref, cur, multivariate=False)`` — every column's Cramér–von Mises
  test, Wasserstein distance, PSI and the audit's missing-values scan, reading one column
  at a time;
- ``default``: ``drift(ref, cur)`` — the same plus MMD and the classifier test on a
  seeded sample of 50,000 rows a side.

Usage: python bench/drift_large.py [--rows 1000000] [--columns 20]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

MEASURE = r"""
import json, resource, sys, time
args = json.loads(sys.argv[1])
t0 = time.perf_counter()
import datacurve  # noqa: F401
kind = args["kind"]
out = {}
if kind == "read":
    import pandas as pd
    frames = [pd.read_parquet(args["ref"]), pd.read_parquet(args["cur"])]
    out["rows"] = sum(len(f) for f in frames)
elif kind in ("univariate", "default"):
    from datacurve.monitor import drift
    r = drift(args["ref"], args["cur"], multivariate=kind == "default")
    out["drifted"] = [t.name for t in r.tests if t.drifted]
out["seconds"] = time.perf_counter() - t0
out["peak_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(out))
"""


def measure(**args: object) -> dict[str, object]:
    done = subprocess.run([sys.executable, "-c", MEASURE, json.dumps(args)],
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def write(folder: Path, rows: int, columns: int) -> tuple[Path, Path]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(0)
    paths = []
    for name, shift in (("ref", 0.0), ("cur", 0.05)):
        cols = {}
        for j in range(columns):
            v = rng.standard_normal(rows)
            if name == "cur" and j == 0:
                v += shift
            if name == "cur" and j == 1:
                v[rng.random(rows) < 0.01] = np.nan
            cols[f"x{j}"] = v
        path = folder / f"{name}.parquet"
        pq.write_table(pa.table(cols), path, row_group_size=100_000)
        paths.append(path)
    return paths[0], paths[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--columns", type=int, default=20)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        ref, cur = write(Path(tmp), args.rows, args.columns)
        mib = (ref.stat().st_size + cur.stat().st_size) / 2**20
        print(f"{args.rows:,} rows × {args.columns} float64 columns per window "
              f"({mib:,.0f} MiB of Parquet for both; "
              f"{2 * args.rows * args.columns * 8 / 2**20:,.0f} MiB in memory), written in "
              f"{time.perf_counter() - t0:.0f} s")
        base = measure(kind="import")
        print("| measurement | seconds | peak MiB | above import | found |")
        print("|---|---|---|---|---|")
        print(f"| import datacurve | {base['seconds']:.1f} | {base['peak_mib']:,.0f} | – | – |")
        for kind, label in (("read", "read both windows whole (pandas)"),
                            ("univariate", "drift, --no-multivariate"),
                            ("default", "drift, default (MMD + classifier on 50,000 rows)")):
            m = measure(kind=kind, ref=str(ref), cur=str(cur))
            found = ", ".join(m.get("drifted", [])) if "drifted" in m else "–"
            print(f"| {label} | {m['seconds']:.1f} | {m['peak_mib']:,.0f} | "
                  f"{m['peak_mib'] - base['peak_mib']:,.0f} | {found} |", flush=True)


if __name__ == "__main__":
    main()
