"""The bad-input table: every malformed input a hostile or careless user has given the
command line (issue 15's probe and README's "Bad input" list), each with the words its
one-line error must contain.

Used by ``tests/cli/test_bad_input_cli.py`` (in-process, every case) and by
``bench/bad_inputs.py`` (the installed console script, counting tracebacks and silent
exits). `make_files` writes the inputs the cases name into a folder.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["CASES", "BadInput", "make_files"]


@dataclass(frozen=True)
class BadInput:
    """One bad invocation: its arguments and what the error line must name."""

    id: str
    argv: tuple[str, ...]
    needles: tuple[str, ...]


MODEL = ("-m", "sklearn:LogisticRegression(max_iter=200)")
CURVE_BASE = ("curve", "wine.csv", "--label", "target", *MODEL, "--quiet")
CURVE = (*CURVE_BASE, "--sizes", "16,32", "--seeds", "1")


def _results_rows(sizes: tuple[int, ...] = (16, 32, 64, 128)) -> pd.DataFrame:
    rows = [{"model": "m", "params": 10, "n": n, "seed": s, "train_score": 0.99,
             "val_score": 0.6 + 0.05 * np.log2(n / 16) + 0.01 * s}
            for n in sizes for s in range(3)]
    return pd.DataFrame(rows)


def make_files(folder: Path) -> None:
    """Write every input the cases name into `folder`: real tables (wine, diabetes), a good store
    and results file, and their broken variants."""
    from sklearn.datasets import load_diabetes, load_wine

    from datacurve.cli._app import main

    wine = load_wine(as_frame=True).frame
    wine.to_csv(folder / "wine.csv", index=False)
    load_diabetes(as_frame=True).frame.to_csv(folder / "diabetes.csv", index=False)
    wine.iloc[:0].to_csv(folder / "header_only.csv", index=False)
    (folder / "empty.csv").write_bytes(b"")
    (folder / "afile").write_text("x")
    (folder / "adir").mkdir()
    (folder / "[bold]x.csv").write_text("a,b\n1,2\n")
    good = _results_rows()
    good.to_csv(folder / "good.csv", index=False)
    bad = good.copy()
    bad.loc[0, "val_score"] = 1.7
    bad.to_csv(folder / "out_of_range.csv", index=False)
    good[good["n"] == 64].to_csv(folder / "single_size.csv", index=False)
    bad = good.copy()
    bad.loc[bad["n"] == 16, "n"] = -16
    bad.to_csv(folder / "negative_size.csv", index=False)
    bad = good.astype({"val_score": object})
    bad.loc[3, "val_score"] = "abc"
    bad.to_csv(folder / "text_score.csv", index=False)
    good.drop(columns=["val_score"]).to_csv(folder / "no_val_score.csv", index=False)
    (folder / "list.json").write_text("[1, 2, 3]")
    # A good store, then a truncated and a corrupted copy of it.
    code = main(["curve", "wine.csv", "--label", "target", *MODEL, "--sizes", "16,32,64",
                 "--seeds", "2", "--store", str(folder / "good.sqlite"), "--quiet"]) \
        if Path.cwd() == folder else None
    if code is None:
        raise RuntimeError("make_files must run with the folder as working directory")
    if code != 0:
        raise RuntimeError(f"the good store could not be made (exit {code})")
    data = (folder / "good.sqlite").read_bytes()
    (folder / "truncated.sqlite").write_bytes(data[:3000])
    corrupt = bytearray(data)
    page = int.from_bytes(data[16:18], "big")
    for start in range(page, len(data), page):  # every page after the header's
        corrupt[start:start + 16] = b"\xff" * 16
    (folder / "corrupt.sqlite").write_bytes(bytes(corrupt))
    (folder / "notsqlite.sqlite").write_text("model,n\nm,1\n")
    con = sqlite3.connect(folder / "other.sqlite")
    con.execute("CREATE TABLE t (x)")
    con.commit()
    con.close()
    # A labelling loop on wine with every third row labelled, and label files gone wrong.
    pool = wine.astype({"target": "Int64"})
    pool.loc[pool.index % 3 != 0, "target"] = pd.NA
    pool.to_csv(folder / "pool.csv", index=False)
    code = main(["active", "init", "pool.csv", "--label", "target", *MODEL, "--store",
                 "loop.sqlite"])
    if code != 0:
        raise RuntimeError(f"the labelling loop could not be made (exit {code})")
    batch = wine.iloc[[1, 2, 4]].assign(target=[0, 0, 0])
    batch.insert(0, "row", [1, 2, 4])
    batch.assign(target=[0, 7, 0]).to_csv(folder / "labels_unknown_class.csv", index=False)
    batch.assign(row=[1, 2, 9999]).to_csv(folder / "labels_unknown_id.csv", index=False)
    batch.assign(note="x").to_csv(folder / "labels_other_columns.csv", index=False)
    batch.assign(row=[1, 1, 4]).to_csv(folder / "labels_duplicate_id.csv", index=False)
    batch.assign(row=[0, 2, 4], target=[1, 0, 0]).to_csv(folder / "labels_relabel.csv",
                                                    index=False)
    # Monitoring windows: one with a column gone and one new, one with a number column
    # turned to text.
    wine.drop(columns=["alcohol"]).assign(colour=1.0).to_csv(folder / "other_schema.csv",
                                                            index=False)
    wine.assign(magnesium="high").to_csv(folder / "text_numbers.csv", index=False)
    # Human parts of a dataset card gone wrong: not YAML, and a misspelt field.
    (folder / "malformed_datacard.yaml").write_text("title: x\n  bad: indent\n")
    (folder / "unknown_datacard.yaml").write_text("title: x\ndistribution:\n  licnse: MIT\n")


CASES: tuple[BadInput, ...] = (
    # -- stores that are not (whole) datacurve stores, for every command -------------
    *(BadInput(f"{cmd}-{store}", tuple(argv), ("store", store))
      for store in ("truncated.sqlite", "corrupt.sqlite", "notsqlite.sqlite", "other.sqlite")
      for cmd, argv in (
          ("results", ("results", "--store", store)),
          ("fit", ("fit", store)),
          ("plan", ("plan", store, "--target", "0.9")),
          ("diagnose", ("diagnose", "--store", store)),
          ("report", ("report", store, "--out", "rep")),
          ("curve", (*CURVE, "--store", store)),
          ("versions", ("versions", "--store", store)),
          ("lineage", ("lineage", "abcd", "--store", store)),
      )),
    BadInput("results-store-dir", ("results", "--store", "adir"), ("store", "adir")),
    BadInput("results-store-missing", ("results", "--store", "nope.sqlite"),
             ("store", "nope.sqlite")),
    BadInput("fit-missing", ("fit", "nope.csv"), ("nope.csv",)),
    # -- an output path under a file ---------------------------------------------------
    BadInput("curve-store-under-file", (*CURVE, "--store", "afile/s.sqlite"),
             ("--store", "afile")),
    BadInput("results-out-under-file",
             ("results", "--store", "good.sqlite", "--out", "afile/r.csv"), ("--out", "afile")),
    BadInput("report-out-under-file", ("report", "good.sqlite", "--out", "afile/rep"),
             ("--out", "afile")),
    BadInput("audit-out-under-file",
             ("audit", "wine.csv", "--label", "target", "--out", "afile/a.json"),
             ("--out", "afile")),
    BadInput("clean-out-under-file",
             ("clean", "wine.csv", "--label", "target", "--out", "afile/c.csv"),
             ("--out", "afile")),
    BadInput("report-out-is-file", ("report", "good.sqlite", "--out", "wine.csv"),
             ("--out", "wine.csv")),
    BadInput("results-out-unknown-format",
             ("results", "--store", "good.sqlite", "--out", "r.xlsx"), ("--out", "r.xlsx")),
    # -- results tables the analysis must refuse, on every analysis command --------------
    *(BadInput(f"{cmd}-{name}", (cmd, f"{name}.csv", *extra), needles)
      for name, needles in (
          ("out_of_range", ("val_score", "1.7")),
          ("single_size", ("sizes", "got 1")),
          ("negative_size", ("n", "-16")),
          ("text_score", ("val_score", "abc")),
          ("no_val_score", ("val_score",)),
      )
      for cmd, extra in (("fit", ()), ("plan", ("--target", "0.9")), ("diagnose", ()),
                         ("report", ("--out", "rep")))),
    BadInput("fit-json-list", ("fit", "list.json"), ("list.json",)),
    BadInput("report-negative-cost",
             ("report", "good.csv", "--out", "rep", "--cost-per-sample", "-1"),
             ("--cost-per-sample", "-1")),
    BadInput("plan-negative-cost", ("plan", "good.csv", "--target", "0.9",
                                    "--cost-per-sample", "-1"), ("--cost-per-sample", "-1")),
    BadInput("plan-target-out-of-range", ("plan", "good.csv", "--target", "2"),
             ("--target", "2")),
    BadInput("plan-level-out-of-range", ("plan", "good.csv", "--target", "0.9",
                                         "--level", "1.5"), ("--level", "1.5")),
    BadInput("fit-unknown-model", ("fit", "good.csv", "--model", "mm"), ("--model", "mm")),
    BadInput("fit-unknown-metric", ("fit", "good.csv", "--metric", "acuracy"),
             ("--metric", "acuracy")),
    BadInput("fit-unknown-dataset", ("fit", "good.sqlite", "--dataset", "nosuch"),
             ("--dataset", "nosuch")),
    BadInput("fit-source-and-store", ("fit", "good.csv", "--store", "good.sqlite"),
             ("good.csv", "good.sqlite")),
    # -- curve's flags --------------------------------------------------------------------
    BadInput("curve-jobs-0", (*CURVE, "--store", "new.sqlite", "--jobs", "0"),
             ("--jobs", "0")),
    BadInput("curve-seeds-0", (*CURVE_BASE, "--sizes", "16", "--seeds", "0",
                               "--store", "new.sqlite"), ("--seeds", "0")),
    BadInput("curve-sizes-negative", (*CURVE_BASE, "--sizes", "16,-5", "--store",
                                      "new.sqlite"), ("--sizes", "-5")),
    BadInput("curve-sizes-text", (*CURVE_BASE, "--sizes", "abc", "--store", "new.sqlite"),
             ("--sizes", "abc")),
    BadInput("curve-eval-size-1.0", (*CURVE, "--store", "new.sqlite", "--eval-size", "1.0"),
             ("--eval-size", "1.0")),
    BadInput("curve-eval-size-0", (*CURVE, "--store", "new.sqlite", "--eval-size", "0"),
             ("--eval-size", "0")),
    BadInput("curve-eval-size-negative",
             (*CURVE, "--store", "new.sqlite", "--eval-size", "-3"), ("--eval-size", "-3")),
    BadInput("curve-eval-size-too-many",
             (*CURVE, "--store", "new.sqlite", "--eval-size", "5000"), ("--eval-size", "5000")),
    BadInput("curve-budget-text", (*CURVE, "--store", "new.sqlite", "--budget", "lots"),
             ("--budget", "15%", "'lots'")),
    BadInput("curve-budget-negative", (*CURVE, "--store", "new.sqlite", "--budget", "-5%"),
             ("--budget", "positive", "'-5%'")),
    BadInput("curve-budget-and-seconds", (*CURVE, "--store", "new.sqlite", "--budget", "15%",
                                          "--budget-seconds", "10"),
             ("--budget", "not both")),
    BadInput("curve-until-width-ratio", (*CURVE, "--store", "new.sqlite", "--until-width",
                                         "0.5", "--target", "0.9"),
             ("--until-width", "ratio above 1", "0.5")),
    BadInput("curve-target-without-budget", (*CURVE, "--store", "new.sqlite", "--target",
                                             "0.9"),
             ("--target", "without a budget")),
    BadInput("curve-budget-target-range", (*CURVE, "--store", "new.sqlite", "--budget", "15%",
                                           "--target", "1.5"),
             ("--target", "within [0, 1]", "1.5")),
    BadInput("curve-lazy-table", (*CURVE, "--store", "new.sqlite", "--lazy"),
             ("--lazy", "an image folder")),
    BadInput("curve-eval-folds-0", (*CURVE, "--store", "new.sqlite", "--eval-folds", "0"),
             ("--eval-folds", "0")),
    BadInput("curve-unknown-label",
             ("curve", "wine.csv", "--label", "targt", *MODEL, "--store", "new.sqlite"),
             ("--label", "targt", "target")),
    BadInput("curve-unknown-metric", (*CURVE, "--store", "new.sqlite", "--metric", "acc"),
             ("--metric", "acc")),
    BadInput("curve-unknown-model",
             ("curve", "wine.csv", "--label", "target", "-m", "sklearn:LogistcRegression",
              "--store", "new.sqlite"), ("--model", "LogisticRegression")),
    BadInput("curve-stdlib-callable",
             ("curve", "wine.csv", "--label", "target", "-m", 'shutil:rmtree(path="adir")',
              "--store", "new.sqlite"), ("--model", "shutil")),
    BadInput("curve-missing-data", ("curve", "nope.csv", "--label", "target", *MODEL,
                                    "--store", "new.sqlite"), ("nope.csv",)),
    BadInput("curve-empty-data", ("curve", "empty.csv", "--label", "target", *MODEL,
                                  "--store", "new.sqlite"), ("empty.csv",)),
    BadInput("curve-header-only", ("curve", "header_only.csv", "--label", "target", *MODEL,
                                   "--store", "new.sqlite"), ("header_only.csv",)),
    BadInput("curve-markup-name", ("curve", "[bold]x.csv", "--label", "zz", *MODEL,
                                   "--store", "new.sqlite"), ("[bold]x.csv", "--label")),
    BadInput("curve-bad-sweep", (*CURVE, "--store", "new.sqlite", "--sweep", "width"),
             ("--sweep", "width")),
    BadInput("curve-unknown-task", (*CURVE, "--store", "new.sqlite", "--task", "ranking"),
             ("--task", "ranking")),
    # -- audit and clean ------------------------------------------------------------------
    BadInput("audit-worst-negative",
             ("audit", "wine.csv", "--label", "target", "--worst", "-1"), ("--worst", "-1")),
    BadInput("audit-unknown-check",
             ("audit", "wine.csv", "--label", "target", "--checks", "labl"),
             ("--checks", "labl")),
    BadInput("audit-unknown-label", ("audit", "wine.csv", "--label", "targt"),
             ("--label", "targt")),
    BadInput("audit-missing-data", ("audit", "nope.csv", "--label", "target"),
             ("nope.csv",)),
    BadInput("audit-seeds-0", ("audit", "wine.csv", "--label", "target", "--measure",
                               "--seeds", "0", "--store", "new.sqlite"), ("--seeds", "0")),
    BadInput("clean-a-directory", ("clean", ".", "--label", "target"), (".: expected", "images")),
    BadInput("clean-out-is-data",
             ("clean", "wine.csv", "--label", "target", "--out", "wine.csv", "--force"),
             ("--out", "wine.csv")),
    BadInput("clean-unknown-check",
             ("clean", "wine.csv", "--label", "target", "--drop", "labl"), ("--drop", "labl")),
    BadInput("clean-missing-report",
             ("clean", "wine.csv", "--label", "target", "--report", "nope.json"),
             ("--report", "nope.json")),
    # -- strategies ------------------------------------------------------------------------
    BadInput("strategies-unknown", ("strategies", "wine.csv", "--label", "target", *MODEL,
                                    "-s", "ensembel:k=3", "--store", "new.sqlite"),
             ("--strategy", "ensemble")),
    BadInput("strategies-noise-k-0", ("strategies", "wine.csv", "--label", "target", *MODEL,
                                      "-s", "noise:k=0", "--store", "new.sqlite"),
             ("--strategy", "k of at least 1")),
    BadInput("strategies-flip-on-table", ("strategies", "wine.csv", "--label", "target",
                                          *MODEL, "-s", "augment:flip", "--store",
                                          "new.sqlite"),
             ("--strategy", "suit table data", "flip")),
    BadInput("strategies-augment-unknown-op", ("strategies", "wine.csv", "--label", "target",
                                               "-m", "mlp", "-s", "augment:shfit",
                                               "--store", "new.sqlite"),
             ("augment", "did you mean 'shift'")),
    BadInput("strategies-selftrain-empty-pool", ("strategies", "wine.csv", "--label",
                                                 "target", *MODEL, "-s", "selftrain",
                                                 "--sizes", "142", "--store", "new.sqlite"),
             ("--strategy", "unlabelled pool is empty")),
    BadInput("strategies-transfer-no-source", ("strategies", "mnist1d:n=300", "-m", "cnn",
                                               "-s", "transfer", "--store", "new.sqlite"),
             ("source", "a source dataset to pretrain on")),
    BadInput("strategies-transfer-other-shape", ("strategies", "mnist1d:n=300", "-m", "cnn",
                                                 "-s", "transfer", "--source", "digits",
                                                 "--store", "new.sqlite"),
             ("source", "examples of shape (40,)")),
    BadInput("strategies-smote-regression", ("strategies", "diabetes.csv", "--label",
                                             "target", "-m", "sklearn:Ridge()", "-s",
                                             "smote", "--store", "new.sqlite"),
             ("--strategy", "a classification task for smote")),
    # -- search ----------------------------------------------------------------------------
    BadInput("search-one-model", ("search", "wine.csv", "--label", "target", "-m", "mlp",
                                  "--sweep", "width=4", "--sizes", "16,32,64", "--store",
                                  "new.sqlite"),
             ("--sweep", "at least 2 different models")),
    BadInput("search-one-seed", ("search", "wine.csv", "--label", "target", "-m", "mlp",
                                 "--sweep", "width=4,8", "--sizes", "16,32,64", "--seeds",
                                 "1", "--store", "new.sqlite"),
             ("--seeds", "2 or more")),
    BadInput("search-one-size", ("search", "wine.csv", "--label", "target", "-m", "mlp",
                                 "--sweep", "width=4,8", "--sizes", "32", "--store",
                                 "new.sqlite"),
             ("--sizes", "2 or more training sizes")),
    # -- active learning ------------------------------------------------------------------
    BadInput("active-simulate-regression", ("active", "simulate", "diabetes.csv", "--label",
                                            "target", *MODEL, "--store", "new.sqlite",
                                            "--quiet"),
             ("DATA", "a classification task")),
    BadInput("active-init-regression", ("active", "init", "diabetes.csv", "--label",
                                        "target", *MODEL, "--store", "new.sqlite"),
             ("--label", "regression target")),
    BadInput("active-init-no-label", ("active", "init", "pool.csv", "--label", "targt",
                                      *MODEL, "--store", "new.sqlite"),
             ("--label", "targt")),
    BadInput("active-init-same-name", ("active", "init", "pool.csv", "--label", "target",
                                       *MODEL, "--store", "loop.sqlite"),
             ("--name", "'default'")),
    BadInput("active-next-too-many", ("active", "next", "-k", "9999", "--store",
                                      "loop.sqlite"), ("-k", "9999")),
    BadInput("active-next-out-exists", ("active", "next", "--out", "wine.csv", "--store",
                                        "loop.sqlite"), ("--out", "never overwritten")),
    BadInput("active-next-no-loop", ("active", "next", "--store", "good.sqlite"),
             ("--store", "no loop")),
    BadInput("active-status-missing", ("active", "status", "--store", "nope.sqlite"),
             ("--store", "nope.sqlite")),
    BadInput("active-import-unknown-class", ("active", "import", "labels_unknown_class.csv",
                                             "--store", "loop.sqlite"),
             ("labels_unknown_class.csv", "'7'")),
    BadInput("active-import-unknown-id", ("active", "import", "labels_unknown_id.csv",
                                          "--store", "loop.sqlite"),
             ("labels_unknown_id.csv", "9999")),
    BadInput("active-import-other-columns", ("active", "import",
                                             "labels_other_columns.csv", "--store",
                                             "loop.sqlite"),
             ("labels_other_columns.csv", "unknown 'note'")),
    BadInput("active-import-duplicate-id", ("active", "import", "labels_duplicate_id.csv",
                                            "--store", "loop.sqlite"),
             ("labels_duplicate_id.csv", "repeated")),
    BadInput("active-import-relabel", ("active", "import", "labels_relabel.csv", "--store",
                                       "loop.sqlite"),
             ("labels_relabel.csv", "already recorded")),
    # -- demo ----------------------------------------------------------------------------
    BadInput("demo-seeds-0", ("demo", "--seeds", "0", "--store", "new.sqlite"),
             ("--seeds", "0")),
    BadInput("demo-store-under-file", ("demo", "--store", "afile/d.sqlite"),
             ("--store", "afile")),
    BadInput("drift-other-schema", ("drift", "wine.csv", "other_schema.csv",
                                     "--no-multivariate"),
             ("other_schema.csv", "missing: alcohol", "not in the reference: colour")),
    BadInput("drift-text-numbers", ("drift", "wine.csv", "text_numbers.csv",
                                    "--no-multivariate"),
             ("text_numbers.csv", "text in magnesium")),
    BadInput("drift-missing-file", ("drift", "wine.csv", "nope.csv"), ("nope.csv",
                                                                      "no such file")),
    BadInput("drift-bad-test", ("drift", "wine.csv", "wine.csv", "--test", "t"),
             ("--test", "cvm, ks, ad", "'t'")),
    BadInput("drift-bad-correction", ("drift", "wine.csv", "wine.csv", "--correction",
                                      "holm"), ("--correction", "bh, bonferroni")),
    BadInput("drift-bad-alpha", ("drift", "wine.csv", "wine.csv", "--alpha", "5"),
             ("--alpha", "(0, 1)")),
    BadInput("drift-unknown-feature", ("drift", "wine.csv", "wine.csv", "--feature", "zz"),
             ("--feature", "missing: zz")),
    BadInput("drift-model-without-label", ("drift", "wine.csv", "wine.csv", *MODEL,
                                           "--no-multivariate"),
             ("--model", "reference labels")),
    BadInput("drift-rows-exists", ("drift", "wine.csv", "wine.csv", "--drifted-rows",
                                   "wine.csv"), ("--drifted-rows", "never overwritten")),
    BadInput("monitor-add-bad-name", ("monitor", "add", "wine.csv", "wine.csv", "--name",
                                      "a/b", "--store", "mon.sqlite", "--no-multivariate"),
             ("--name", "window name", "'a/b'")),
    BadInput("monitor-status-no-store", ("monitor", "status", "--store", "none.sqlite"),
             ("--store", "no such file")),
    BadInput("monitor-recover-no-target", ("monitor", "recover", "wine.csv", "--label",
                                           "target", *MODEL, "--store", "rec.sqlite"),
             ("--target", "neither")),
    # -- versions, lineage, card and expand -----------------------------------------------
    BadInput("versions-store-missing", ("versions", "--store", "nope.sqlite"),
             ("--store", "nope.sqlite", "no such file")),
    BadInput("lineage-store-missing", ("lineage", "abcd", "--store", "nope.sqlite"),
             ("--store", "nope.sqlite")),
    BadInput("lineage-unknown-version", ("lineage", "deadbeef", "--store", "good.sqlite"),
             ("version id", "'deadbeef'")),
    BadInput("card-datacard-malformed", ("card", "wine.csv", "--label", "target",
                                         "--no-audit", "--datacard",
                                         "malformed_datacard.yaml", "--store", "new.sqlite"),
             ("datacard", "malformed_datacard.yaml", "line 2")),
    BadInput("card-datacard-unknown-field", ("card", "wine.csv", "--label", "target",
                                             "--no-audit", "--datacard",
                                             "unknown_datacard.yaml", "--store",
                                             "new.sqlite"),
             ("datacard", "'distribution.licnse'", "line 3", "'distribution.licence'")),
    BadInput("card-audit-and-no-audit", ("card", "wine.csv", "--label", "target", "--audit",
                                         "audit.json", "--no-audit", "--store",
                                         "new.sqlite"),
             ("--audit", "--no-audit")),
    BadInput("card-out-under-file", ("card", "wine.csv", "--label", "target", "--no-audit",
                                     "--out", "afile/w.card.md", "--store", "new.sqlite"),
             ("--out", "afile")),
    BadInput("expand-ensemble", ("expand", "wine.csv", "--label", "target", "--strategy",
                                 "ensemble", "--out", "e.csv", "--store", "new.sqlite"),
             ("--strategy", "ensemble", "adds examples")),
    BadInput("expand-out-exists", ("expand", "wine.csv", "--label", "target", "--strategy",
                                   "smote", "--out", "good.csv", "--store", "new.sqlite"),
             ("--out", "good.csv", "--force")),
    BadInput("expand-out-under-file", ("expand", "wine.csv", "--label", "target",
                                       "--strategy", "smote", "--out", "afile/e.csv",
                                       "--store", "new.sqlite"),
             ("--out", "afile")),
    BadInput("expand-smote-regression", ("expand", "diabetes.csv", "--label", "target",
                                         "--strategy", "smote", "--out", "e.csv", "--store",
                                         "new.sqlite"),
             ("--strategy", "a classification task for smote")),
)
