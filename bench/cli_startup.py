"""How long the `datacurve` command takes before it does any work.

A new user types ``datacurve --help`` and ``datacurve results`` many times a day; both
must answer at once. The command is run as a subprocess (the installed console script),
each case five times, interleaved with two baselines in the same run: a bare Python
start (``python -c pass``) and ``python -c "import pandas"`` (what reading a store
needs at least). The store read by ``results`` holds 4 models × 10 sizes × 3 seeds of
synthetic trials (written here with `Store.put`, no training).

Usage: python bench/cli_startup.py [--repeats 5]
Targets: ``datacurve --help`` under 0.5 s, ``datacurve results`` under 1 s (medians).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from datacurve.curves import Store, TrialResult


def command() -> list[str]:
    """The installed console script beside this interpreter (else ``python -m``)."""
    script = Path(sys.executable).with_name("datacurve")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "datacurve"]


def make_store(path: Path) -> None:
    """A store of 120 finished trials of one dataset (no training)."""
    with Store(path) as st:
        st.add_dataset("f" * 16, "bench", "classification", {"rows": 2000})
        for m, model in enumerate(["mlp:width=16", "mlp:width=64", "cnn:width=8",
                                   "sklearn:LogisticRegression"]):
            for i, n in enumerate(2 ** k for k in range(4, 14)):
                for seed in range(3):
                    score = 0.9 - 0.5 * n ** -0.4 - 0.01 * m + 0.002 * seed
                    st.put(TrialResult(f"{model}-{n}-{seed}", model, n, seed, "ok",
                                       params=1000 * (m + 1),
                                       train_scores={"accuracy": min(score + 0.05, 1.0)},
                                       val_scores={"accuracy": score},
                                       fit_time=0.01 * (i + 1)),
                           dataset="f" * 16, eval_split="e", task="classification",
                           n_eval=500)


def timed(args: list[str], cwd: Path) -> float:
    t0 = time.perf_counter()
    subprocess.run(args, cwd=cwd, check=True, capture_output=True)
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        make_store(folder / "s.sqlite")
        cases = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "python -c 'import pandas'": [sys.executable, "-c", "import pandas"],
            "datacurve --help": [*command(), "--help"],
            "datacurve --version": [*command(), "--version"],
            "datacurve results": [*command(), "results", "--store", "s.sqlite"],
        }
        times: dict[str, list[float]] = {name: [] for name in cases}
        timed(cases["datacurve --help"], folder)  # warm the file cache once
        for _ in range(args.repeats):
            for name, argv in cases.items():
                times[name].append(timed(argv, folder))
    base = statistics.median(times["python -c pass"])
    print(f"{'case':28s} {'median s':>9s} {'best s':>7s} {'over bare python':>17s}")
    for name, ts in times.items():
        med = statistics.median(ts)
        print(f"{name:28s} {med:9.3f} {min(ts):7.3f} {med - base:+16.3f} s")
    print("targets: datacurve --help < 0.5 s, datacurve results < 1 s (medians)")


if __name__ == "__main__":
    main()
