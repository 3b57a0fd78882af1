"""A labelling loop from Python, with a scripted labeller standing in for your team.

scikit-learn's digits become a table where only a few rows have a label; each round the
loop hands out a batch (`LabellingLoop.next`), the "labeller" fills in the true labels in
the batch file, the file is imported, and `status` says where the loop stands, until it
says the next batch would gain less than the held-out noise. Everything lives in the store:
stop the script at any point and run it again, it carries on where it was.

Usage: python examples/labelling_loop.py [--dir DIR] [--labelled 150] [--batch 50]
                                         [--rounds 12] [--holdout 300] [--model SPEC]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.datasets import load_digits

from datacurve.active import LabellingLoop


def make_pool(path: Path, labelled: int, seed: int = 0) -> np.ndarray:
    """digits as a CSV where `labelled` random rows have their label; the true labels."""
    X, y = load_digits(return_X_y=True)
    table = pd.DataFrame(X, columns=[f"pixel{i}" for i in range(X.shape[1])])
    known = pd.Series(pd.NA, index=table.index, dtype="Int64")
    rows = np.random.default_rng(seed).choice(len(y), size=labelled, replace=False)
    known[rows] = y[rows]
    table.assign(digit=known).to_csv(path, index=False)
    return y


def main(argv: list[str] | None = None) -> LabellingLoop:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--dir", type=Path, default=Path("labelling-loop"))
    p.add_argument("--labelled", type=int, default=150)
    p.add_argument("--batch", type=int, default=50)
    p.add_argument("--rounds", type=int, default=12)
    p.add_argument("--holdout", type=int, default=300, help="Random held-out rows.")
    p.add_argument("--model", default="sklearn:LogisticRegression(max_iter=500)")
    a = p.parse_args(argv)
    a.dir.mkdir(parents=True, exist_ok=True)
    pool, store = a.dir / "digits-pool.csv", a.dir / "loop.sqlite"
    truth = load_digits().target
    if store.exists():
        loop = LabellingLoop.open(store)
    else:
        make_pool(pool, a.labelled)
        loop = LabellingLoop.init(pool, label="digit", model=a.model, store=store,
                                  batch=a.batch, target=0.95)

    def label(out: Path) -> None:
        """Your team's work: fill in the label column of the batch file."""
        filled = pd.read_csv(out)
        filled["digit"] = truth[filled["row"].to_numpy()]
        filled.to_csv(out, index=False)

    held = a.dir / "held-out.csv"
    if not held.exists():
        # A random batch for the held-out set first: a few rows measure accuracy too
        # coarsely to tell whether the next batch still helps.
        loop.next(a.holdout, holdout=True, out=held)
        label(held)
        loop.import_labels(held)
    for _ in range(a.rounds):
        done = len(list(a.dir.glob("batch-*.csv")))
        out = a.dir / f"batch-{done + 1:03d}.csv"
        batch = loop.next(out=out)
        label(out)
        got = loop.import_labels(out)
        st = loop.status()
        score = f"{st.score:.3f} ± {st.score_se:.3f}" if np.isfinite(st.score) else "–"
        print(f"{out.name}: {got.added} labels ({batch.strategy}); {st.labels} for training,"
              f" held-out accuracy {score}"
              + ("" if st.stop is None else
                 f"; next {st.batch} predicted {st.next_gain:+.4f} → "
                 + ("stop" if st.stop else "keep labelling")))
        if st.stop:
            break
    return loop


if __name__ == "__main__":
    main()
