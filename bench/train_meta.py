"""Train the meta-learned extrapolations shipped in src/datacurve/fit/: meta_lcdb*.npz
(every learner but neural networks) and meta_dl*.npz (neural networks).

``--kind classical`` (the default) builds the meta-training table from
bench/data/lcdb_curves_dev.csv.gz (LCDB 1.0, MIT, Copyright 2021 Felix Mohr) alone and
writes meta_lcdb.npz and meta_lcdb_train.npz. ``--kind network`` adds the deep-learning
corpus of issue 16 (bench/data/dl_corpus.csv.gz, made locally by
bench/make_dl_corpus.py), its rows weighted 8 times an LCDB row (``--corpus-weight``; 8 the
best of 1, 4, 8 and 16 on held-out corpus tasks and families in bench/extrapolation.py
--corpus-cv), and writes meta_dl.npz and meta_dl_train.npz, which `fit_learning_curve`
uses for networks. Each is one monotone quantile ensemble per quantile, trained twice: on
the validation-curve features alone and with the train-score features added (used when
train scores are recorded); the trees are exported to flat arrays and the NumPy evaluator
is checked against scikit-learn. How well this generalises to unseen datasets is measured
by bench/extrapolation.py, which retrains both per dataset fold (and, with --corpus-cv,
per fold of corpus tasks and families).

Usage: python bench/train_meta.py [--jobs 2] [--kind classical|network] [--corpus-weight W]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pandas as pd
import sklearn

from _metalearn import (
    QUANTILES,
    build_corpus_table,
    build_table,
    check_export,
    export,
    train,
    training_rows,
)
from datacurve.fit._meta import (
    META_FILE,
    META_NETWORK_FILE,
    META_NETWORK_TRAIN_FILE,
    META_TRAIN_FILE,
    feature_names,
)

FIT_DIR = Path(__file__).resolve().parents[1] / "src" / "datacurve" / "fit"
CORPUS_WEIGHT = {"classical": 0.0, "network": 8.0}
"""Default weight of a corpus row against an LCDB row, by kind: the classical files are
trained on LCDB alone (the joint model moved LCDB's own regression guards,
tests/fit/test_lcdb_regression.py); the network files weight the corpus 8 (the best of 1,
4, 8 and 16 on held-out corpus tasks and families). See README, Benchmarks →
Extrapolation."""
FILES = {"classical": (META_FILE, META_TRAIN_FILE),
         "network": (META_NETWORK_FILE, META_NETWORK_TRAIN_FILE)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--kind", choices=list(FILES), default="classical",
                        help="which shipped pair to write")
    parser.add_argument("--corpus-weight", type=float, default=None,
                        help="weight of a corpus row (0: LCDB alone; default by kind)")
    args = parser.parse_args()
    if args.corpus_weight is None:
        args.corpus_weight = CORPUS_WEIGHT[args.kind]
    lcdb = build_table(jobs=args.jobs)
    table = lcdb  # unweighted: the shipped files, reproducibly
    corpus_note = ""
    if args.corpus_weight > 0:
        corpus = build_corpus_table(jobs=args.jobs)
        table = pd.concat([lcdb.assign(weight=1.0),
                           corpus[lcdb.columns].assign(weight=args.corpus_weight)],
                          ignore_index=True)
        curves = corpus.groupby(["task", "learner"]).ngroups
        corpus_note = (f" + datacurve deep-learning corpus ({curves} curves of "
                       f"{corpus['task'].nunique()} tasks, rows weighted "
                       f"{args.corpus_weight:g})")
    for with_train, name in zip((False, True), FILES[args.kind], strict=True):
        out = FIT_DIR / name
        t0 = time.perf_counter()
        models = train(table, with_train=with_train)
        used = training_rows(table, with_train)
        info = (f"LCDB 1.0 dev curves (MIT, Copyright 2021 Felix Mohr){corpus_note}; "
                f"{len(used)} rows; "
                f"features {'with' if with_train else 'without'} train scores; "
                f"scikit-learn {sklearn.__version__}; quantiles {QUANTILES}")
        ens = export(models, info=info, with_train=with_train)
        diff = check_export(ens, models, used[feature_names(with_train)].to_numpy()[:5000])
        assert diff < 1e-9, f"exported trees disagree with scikit-learn by {diff}"
        ens.save(str(out))
        print(f"{name}: trained {len(models)} ensembles in {time.perf_counter() - t0:.0f} s; "
              f"{ens.value.size:,} nodes; export max diff {diff:.1e}; "
              f"wrote {out} ({out.stat().st_size / 1024:.0f} KiB)")


if __name__ == "__main__":
    main()
