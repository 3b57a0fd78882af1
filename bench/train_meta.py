"""Train the meta-learned extrapolation shipped as src/datacurve/fit/meta_lcdb.npz and
src/datacurve/fit/meta_lcdb_train.npz.

Builds the meta-training table from bench/data/lcdb_curves_dev.csv.gz (LCDB 1.0, MIT,
Copyright 2021 Felix Mohr) and, with ``--corpus-weight W``, from the deep-learning corpus
of issue 16 (bench/data/dl_corpus.csv.gz, made locally by bench/make_dl_corpus.py; its
rows weighted W times an LCDB row; W = 8 measured best in bench/extrapolation.py
--corpus-cv, but that joint model is not shipped yet: see README), trains
one monotone quantile ensemble per quantile on all of it, twice: on the validation-curve
features alone (meta_lcdb.npz) and with the train-score features added
(meta_lcdb_train.npz, used when train scores are recorded); exports the trees to flat
arrays and checks the NumPy evaluator against scikit-learn. How well this generalises to
unseen datasets is measured by bench/extrapolation.py, which retrains both per dataset
fold (and, with --corpus-cv, per fold of corpus tasks and families).

Usage: python bench/train_meta.py [--jobs 2] [--corpus-weight W]
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
from datacurve.fit._meta import META_FILE, META_TRAIN_FILE, feature_names

FIT_DIR = Path(__file__).resolve().parents[1] / "src" / "datacurve" / "fit"
CORPUS_WEIGHT = 0.0
"""Default weight of a corpus row against an LCDB row: 0, the shipped files are trained on
LCDB alone. The joint model (8: the best of 1, 4, 8 and 16 on held-out corpus tasks and
families) extrapolates neural networks better but moved LCDB's own regression guards
(tests/fit/test_lcdb_regression.py); see README, Benchmarks → Extrapolation."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--corpus-weight", type=float, default=CORPUS_WEIGHT,
                        help="weight of a corpus row (0: LCDB alone)")
    args = parser.parse_args()
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
    for with_train, name in ((False, META_FILE), (True, META_TRAIN_FILE)):
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
