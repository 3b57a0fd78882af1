"""Large data: peak memory of an image folder loaded eagerly against lazily, and the
audit's faiss IVF neighbour search on many rows.

Each measurement runs in a fresh process (peak resident memory, ``ru_maxrss``, is a
process's high-water mark), after a baseline process that only imports datacurve.

1. **Image folder**: N PNG images (64 × 64 RGB, 2 classes) written to a temporary folder;
   `load(folder)` decodes all of them into one float32 array, `load(folder, lazy=True)`
   lists the files; then one learning-curve trial at n = 512 on the lazy folder (only
   its rows and the evaluation rows are decoded).
2. **Parquet table**: R rows × 32 float32 features and a label, row groups of 100,000;
   `load(table, label=...)` reads and encodes it whole, `load(..., lazy=True)` reads the
   label column; then one trial at n = 20,000 (logistic regression, 20 % evaluation set)
   on the lazy table, which reads its rows a row group at a time.
3. **Neighbours**: `datacurve.auditing._neighbors.nearest` (IVF above its exact-search
   limit) of M random 64-d float32 vectors against themselves, k = 10.

Usage: python bench/large_data.py [--images 20000] [--table-rows 2000000] [--rows 1000000]
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
if kind == "images":
    from datacurve.data import load
    ds = load(args["root"], image_size=(64, 64), lazy=args["lazy"])
    out = {"n": ds.n if not ds.is_lazy else len(ds.items)}
elif kind == "trial":
    from datacurve.curves import run_curve
    from datacurve.data import load
    ds = load(args["root"], image_size=(64, 64), lazy=True)
    run = run_curve(ds, ["cnn:width=8,max_epochs=2"], sizes=[512], seeds=1, eval_folds=1,
                    eval_size=512, store=args["store"], progress=False)
    out = {"failed": run.failed}
elif kind == "table":
    from datacurve.data import load
    ds = load(args["path"], label="label", lazy=args["lazy"])
    out = {"n": len(ds.y)}
elif kind == "table_trial":
    from datacurve.curves import run_curve
    from datacurve.data import load
    ds = load(args["path"], label="label", lazy=True)
    run = run_curve(ds, ["sklearn:LogisticRegression(max_iter=200)"], sizes=[20000],
                    seeds=1, eval_folds=1, store=args["store"], progress=False)
    out = {"failed": run.failed}
elif kind == "neighbours":
    import numpy as np
    from datacurve.auditing._neighbors import nearest
    Z = np.random.default_rng(0).normal(size=(args["rows"], 64)).astype(np.float32)
    t1 = time.perf_counter()
    d, i = nearest(Z, Z, 10)
    out = {"search_s": time.perf_counter() - t1, "shape": list(i.shape)}
else:
    out = {}
out["seconds"] = time.perf_counter() - t0
out["peak_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(out))
"""


def measure(**args: object) -> dict[str, float]:
    done = subprocess.run([sys.executable, "-c", MEASURE, json.dumps(args)],
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def write_images(root: Path, n: int) -> None:
    from PIL import Image

    rng = np.random.default_rng(0)
    for c in ("a", "b"):
        (root / c).mkdir(parents=True)
    for i in range(n):
        pixels = rng.integers(0, 256, size=(64, 64, 3), dtype=np.uint8)
        Image.fromarray(pixels).save(root / ("a" if i % 2 else "b") / f"{i}.png")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--images", type=int, default=20_000)
    ap.add_argument("--table-rows", type=int, default=2_000_000)
    ap.add_argument("--rows", type=int, default=1_000_000)
    args = ap.parse_args()
    base = measure(kind="none")
    print(f"baseline (import datacurve): peak {base['peak_mib']:.0f} MiB")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "images"
        t0 = time.perf_counter()
        write_images(root, args.images)
        print(f"\n{args.images:,} PNG images of 64 × 64 RGB written in "
              f"{time.perf_counter() - t0:.0f} s "
              f"(float32 pixels: {args.images * 3 * 64 * 64 * 4 / 2**20:,.0f} MiB)")
        for lazy in (False, True):
            m = measure(kind="images", root=str(root), lazy=lazy)
            print(f"  load(lazy={lazy!s:5}): {m['seconds']:6.1f} s, peak {m['peak_mib']:6.0f} "
                  f"MiB ({m['peak_mib'] - base['peak_mib']:+.0f} over the baseline)")
        m = measure(kind="trial", root=str(root), store=str(Path(tmp) / "s.sqlite"))
        print(f"  a curve trial at n = 512 on the lazy folder (512 evaluation rows): "
              f"{m['seconds']:.1f} s, peak {m['peak_mib']:.0f} MiB, failed {m['failed']}")
    with tempfile.TemporaryDirectory() as tmp:
        import pyarrow as pa
        import pyarrow.parquet as pq

        path = Path(tmp) / "table.parquet"
        rng = np.random.default_rng(0)
        r = args.table_rows
        cols = {f"x{j}": rng.normal(size=r).astype(np.float32) for j in range(32)}
        cols["label"] = (cols["x0"] + cols["x1"] > 0).astype(np.int64)
        pq.write_table(pa.table(cols), path, row_group_size=100_000)
        del cols
        print(f"\nParquet table: {r:,} rows × 32 float32 features "
              f"({r * 32 * 4 / 2**20:,.0f} MiB of features; file "
              f"{path.stat().st_size / 2**20:,.0f} MiB)")
        for lazy in (False, True):
            m = measure(kind="table", path=str(path), lazy=lazy)
            print(f"  load(lazy={lazy!s:5}): {m['seconds']:6.1f} s, peak {m['peak_mib']:6.0f} "
                  f"MiB ({m['peak_mib'] - base['peak_mib']:+.0f} over the baseline)")
        m = measure(kind="table_trial", path=str(path), store=str(Path(tmp) / "t.sqlite"))
        print(f"  a curve trial at n = 20,000 on the lazy table (its 20 % evaluation set "
              f"read too): {m['seconds']:.1f} s, peak {m['peak_mib']:.0f} MiB, failed "
              f"{m['failed']}")
    m = measure(kind="neighbours", rows=args.rows)
    print(f"\nnearest 10 of {args.rows:,} × 64 float32 vectors (IVF): search "
          f"{m['search_s']:.0f} s, peak {m['peak_mib']:,.0f} MiB (the vectors alone: "
          f"{args.rows * 64 * 4 / 2**20:,.0f} MiB)")


if __name__ == "__main__":
    main()
