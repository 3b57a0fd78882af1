"""Build the deep-learning learning-curve corpus of issue 16 with datacurve's own runner.

Tasks (each generated locally, nothing downloaded), every one a separate dataset in one
resumable store, ``bench/data/dl_corpus.sqlite``:

- MNIST-1D under six generation settings (the package's own knobs: translation, scale,
  correlated and i.i.d. noise, shear), 20,000 examples each;
- scikit-learn's 8×8 digits as images (1,797 examples: anchors stop at its pool);
- ``make_classification`` at two difficulties (class separation, flipped labels,
  informative features), 20,000 examples each;
- a Gaussian mixture (several clusters per class) and a Gaussian-quantile task
  (classes as nested shells: a boundary no linear model draws), 20,000 examples each;
- a text task: datacurve's generated ``topics`` sentences (4 topics written with
  synonyms), 20,000 of them, as the shipped all-MiniLM-L6-v2 sentence embeddings.

Architecture families (datacurve's built-in torch learners, CPU): MLPs (width 32 with
one hidden layer; widths 16, 64 and 256 with two), deeper MLPs (64 × 4, 128 × 3), an MLP
with strong weight decay, MLPs trained with augmentation (Gaussian noise; noise and
mixup); CNNs of widths 4, 8, 16 and 32, a deep CNN (depth 4), a CNN with strong weight
decay and dropout, CNNs trained with augmentation (noise; shift and noise): 17 models in
8 families × 12 tasks = 204 curves. Each (task, model) pair is one curve: anchors 16 …
16,000 (LCDB's ceil(16·2^(k/2)) and the 16,000 of the pool), 2 seeds, one evaluation set
of 20 % (at most 4,000 rows), train and evaluation scores, fit times and parameter counts
recorded by the runner.

The run is a datacurve store, so a killed or interrupted run resumes where it stopped
(rerun the script). Tasks run in order, cheapest models first, so a partial corpus is
broad rather than deep; ``--families`` and ``--max-size`` restrict a pass (a broad first
pass, then the largest anchors). ``--export`` writes the finished trials to
``bench/data/dl_corpus.csv.gz`` (the results-table columns plus the task and family) for
the extrapolation benchmark.

Between sessions the store is committed packed (``--pack``: checkpointed and gzipped
to ``bench/data/dl_corpus.sqlite.gz``); a fresh clone unpacks it and resumes.

Usage: python bench/make_dl_corpus.py [--jobs 2] [--tasks NAME ...] [--families NAME ...]
       [--max-size N] [--export | --pack]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd

from datacurve.curves import Store, run_curve
from datacurve.data import Dataset, builtin

HERE = Path(__file__).resolve().parent / "data"
STORE = HERE / "dl_corpus.sqlite"
PACKED = HERE / "dl_corpus.sqlite.gz"
"""The store as committed between sessions (gzip of the checkpointed SQLite file)."""
EXPORT = HERE / "dl_corpus.csv.gz"
N = 20_000
SIZES = sorted({int(np.ceil(16 * 2 ** (k / 2))) for k in range(0, 21)} | {16_000})
SIZES = [s for s in SIZES if s <= 16_000]

MODELS: dict[str, tuple[str, ...]] = {
    # family -> specs, cheapest first
    "mlp": ("mlp:width=32,depth=1", "mlp:width=16,depth=2", "mlp:width=64,depth=2",
            "mlp:width=256,depth=2"),
    "mlp-deep": ("mlp:width=64,depth=4", "mlp:width=128,depth=3"),
    "mlp-wd": ("mlp:width=256,depth=2,weight_decay=0.1",),
    "cnn": ("cnn:width=4", "cnn:width=8", "cnn:width=16", "cnn:width=32"),
    "cnn-deep": ("cnn:width=16,depth=4",),
    "cnn-wd": ("cnn:width=16,weight_decay=0.1,dropout=0.3",),
    # augmentation on the fly every epoch (issue 17's `augment=`): operations every task
    # here admits (noise and mixup suit any vector; shift moves a signal or image row)
    "mlp-aug": ("mlp:width=64,depth=2,augment='noise=0.1'",
                "mlp:width=256,depth=2,augment='noise=0.1+mixup=0.2'"),
    "cnn-aug": ("cnn:width=8,augment='noise=0.1'",
                "cnn:width=16,augment='shift=0.1+noise=0.05'"),
}


def family_of(model: str) -> str:
    """The family of a model as the store names it (its canonical spec)."""
    from datacurve.models import parse_spec

    for family, specs in MODELS.items():
        if model in {parse_spec(s).canonical for s in specs}:
            return family
    raise KeyError(model)


def _mnist1d(name: str, **overrides: float) -> Dataset:
    """MNIST-1D with some of the generator's arguments changed (global RNG restored)."""
    from datacurve.data._builtin import _generate_mnist1d

    X, y = _generate_mnist1d(N, 7, **overrides)
    return Dataset(X=X, y=y, task="classification", name=name,
                   classes=np.arange(10, dtype=np.int64),
                   metadata={"generator": "mnist1d.data.make_dataset",
                             "params": {k: float(v) for k, v in overrides.items()}})


def _classification(name: str, **kw: float) -> Dataset:
    from sklearn.datasets import make_classification

    X, y = make_classification(n_samples=N, random_state=3, **kw)  # type: ignore[arg-type]
    return Dataset(X=X.astype(np.float32), y=y.astype(np.int64), task="classification",
                   name=name, metadata={"generator": "sklearn make_classification",
                                        "params": kw})


def _mixture(name: str) -> Dataset:
    """4 classes, each a mixture of 5 Gaussian clusters in 12 dimensions."""
    rng = np.random.default_rng(11)
    centres = rng.normal(0, 2.2, size=(4, 5, 12))
    y = rng.integers(0, 4, N)
    k = rng.integers(0, 5, N)
    X = centres[y, k] + rng.normal(size=(N, 12))
    return Dataset(X=X.astype(np.float32), y=y.astype(np.int64), task="classification",
                   name=name, metadata={"generator": "Gaussian mixture, 4 classes x 5 "
                                        "clusters, 12-D, centre scale 2.2"})


def _quantiles(name: str) -> Dataset:
    from sklearn.datasets import make_gaussian_quantiles

    X, y = make_gaussian_quantiles(n_samples=N, n_features=8, n_classes=4, random_state=5)
    return Dataset(X=X.astype(np.float32), y=y.astype(np.int64), task="classification",
                   name=name, metadata={"generator": "sklearn make_gaussian_quantiles"})


TASKS = {
    "mnist1d-default": lambda: _mnist1d("mnist1d-default"),
    "mnist1d-clean": lambda: _mnist1d("mnist1d-clean", corr_noise_scale=0.05,
                                      iid_noise_scale=0.005),
    "mnist1d-noisy": lambda: _mnist1d("mnist1d-noisy", corr_noise_scale=0.6,
                                      iid_noise_scale=0.08),
    "mnist1d-fixed": lambda: _mnist1d("mnist1d-fixed", max_translation=1, shear_scale=0.0),
    "mnist1d-shifted": lambda: _mnist1d("mnist1d-shifted", max_translation=60,
                                        scale_coeff=0.6),
    "mnist1d-sheared": lambda: _mnist1d("mnist1d-sheared", shear_scale=1.5),
    "digits": lambda: builtin("digits"),
    "clf-easy": lambda: _classification("clf-easy", n_features=20, n_informative=10,
                                        n_classes=3, class_sep=1.0, flip_y=0.02),
    "clf-hard": lambda: _classification("clf-hard", n_features=40, n_informative=8,
                                        n_classes=5, class_sep=0.6, flip_y=0.15),
    "mixture": lambda: _mixture("mixture"),
    "quantiles": lambda: _quantiles("quantiles"),
    "topics-minilm": lambda: _topics("topics-minilm"),
}


def _topics(name: str) -> Dataset:
    """The built-in generated text task (4 topics written with synonyms) as MiniLM
    sentence embeddings (384 values per sentence, the shipped encoder, no download); the
    embeddings are cached beside the store as an ``.npy`` keyed by the text's fingerprint.

    Rounded to 3 decimals (their scale is about 0.05): the store knows a dataset by the
    fingerprint of its values, and a CPU with other vector instructions can compute the
    last bits of an embedding differently, which would start the task over."""
    from datacurve.data._builtin import make_topics
    from datacurve.strategies._transfer import text_embeddings

    text = make_topics(N, seed=17, noise=0.3)
    path, _ = text_embeddings(text, HERE / "embeddings")
    X = np.round(np.load(path), 3).astype(np.float32)
    return Dataset(X=X, y=text.y, task="classification", name=name, classes=text.classes,
                   metadata={"generator": "datacurve make_topics(20000, seed=17, "
                             "noise=0.3) -> all-MiniLM-L6-v2 sentence embeddings"})


def digits_images(ds: Dataset) -> Dataset:
    """The digits as (n, 1, 8, 8) images, so the CNNs convolve in 2-D."""
    return Dataset(X=ds.X.reshape(-1, 1, 8, 8).astype(np.float32), y=ds.y,
                   task="classification", name="digits", classes=ds.classes,
                   metadata=ds.metadata)


def pack() -> None:
    """Checkpoint the store into its main file and gzip it to `PACKED` (committed)."""
    import gzip
    import shutil
    import sqlite3

    con = sqlite3.connect(STORE)
    try:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        con.close()
    with STORE.open("rb") as src, gzip.open(PACKED, "wb", compresslevel=9) as dst:
        shutil.copyfileobj(src, dst)


def unpack() -> None:
    """Restore the store from `PACKED` when the working copy is missing (a fresh
    clone): the build resumes from every committed trial."""
    import gzip
    import shutil

    if STORE.exists() or not PACKED.exists():
        return
    tmp = STORE.with_suffix(".sqlite.tmp")
    with gzip.open(PACKED, "rb") as src, tmp.open("wb") as dst:
        shutil.copyfileobj(src, dst)
    tmp.replace(STORE)


def export(store: Path = STORE, out: Path = EXPORT) -> pd.DataFrame:
    """The finished trials with their task and family, written to `out`."""
    with Store(store, readonly=True) as st:  # read-only: a running build is not disturbed
        names = st.datasets().set_index("fingerprint")["name"].to_dict()
        frames = []
        for fingerprint in names:
            table = st.results(dataset=fingerprint)
            table["task_name"] = names[fingerprint]
            frames.append(table)
    df = pd.concat(frames, ignore_index=True)
    df["family"] = df["model"].map(family_of)
    df.to_csv(out, index=False)
    return df


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--tasks", nargs="*", default=list(TASKS))
    parser.add_argument("--families", nargs="*", default=list(MODELS),
                        help="Only these architecture families.")
    parser.add_argument("--max-size", type=int, default=SIZES[-1],
                        help="Only anchors up to this size (a first pass that is broad).")
    parser.add_argument("--export", action="store_true", help="Only export the CSV.")
    parser.add_argument("--pack", action="store_true",
                        help="Only pack the store into dl_corpus.sqlite.gz (to commit).")
    args = parser.parse_args()
    HERE.mkdir(exist_ok=True)
    unpack()
    if args.pack:
        pack()
        print(f"packed {STORE} -> {PACKED} ({PACKED.stat().st_size / 1e6:.1f} MB)")
        return
    if args.export:
        df = export()
        curves = df.groupby(["task_name", "model"]).ngroups
        print(f"{len(df)} trials, {curves} curves, "
              f"{df['fit_time'].sum() / 3600:.2f} CPU-hours of training -> {EXPORT}")
        return
    specs = [s for family in args.families for s in MODELS[family]]
    for task in args.tasks:
        t0 = time.perf_counter()
        ds = TASKS[task]()
        if task == "digits":
            ds = digits_images(ds)
        eval_size = min(0.2, 4000 / ds.n)
        run = run_curve(ds, specs, sizes=[s for s in SIZES
                               if s <= min(args.max_size, ds.n - round(eval_size * ds.n))],
                        seeds=2, eval_size=eval_size, eval_folds=1, jobs=args.jobs,
                        store=STORE, progress=True)
        print(f"{task}: {run.ran} trials ran, {run.cached} reused, {run.failed} failed, "
              f"{time.perf_counter() - t0:.0f} s", flush=True)


if __name__ == "__main__":
    main()
