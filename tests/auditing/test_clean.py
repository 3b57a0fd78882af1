"""`clean`: a new dataset version with lineage; pairs keep one representative; the
input never changes. `measure_cleaning`: raw vs cleaned curves on one evaluation set."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from datacurve import InputError
from datacurve.auditing import AuditReport, CheckResult, clean, load_report, measure_cleaning
from datacurve.data import Dataset, make_synthetic


def dataset(n: int = 12) -> Dataset:
    rng = np.random.default_rng(0)
    y = np.arange(n) % 2
    X = rng.normal(size=(n, 3)).astype(np.float32)
    raw = pd.DataFrame({"a": X[:, 0], "b": X[:, 1], "c": X[:, 2],
                        "label": np.array(["no", "yes"])[y]})
    split = np.where(np.arange(n) >= n - 3, "test", "train")
    return Dataset(X, y.astype(np.int64), "classification", name="toy",
                   classes=np.array(["no", "yes"]), raw=raw, split=split,
                   metadata={"label": "label"})


def report(ds: Dataset, **results: CheckResult) -> AuditReport:
    return AuditReport(dict(results), ds.n, ds.name, ds.fingerprint, np.asarray(ds.ids),
                       None)


def flags(n: int, idx: list[int]) -> np.ndarray:
    f = np.zeros(n, dtype=bool)
    f[idx] = True
    return f


def result(name: str, n: int, idx: list[int], pairs: list[tuple[int, int]] | None = None,
           suggested: dict[int, int] | None = None) -> CheckResult:
    scores = np.where(flags(n, idx), 0.1, 1.0)
    sug = None
    if suggested is not None:
        sug = np.full(n, -1)
        for i, v in suggested.items():
            sug[i] = v
    return CheckResult(name, scores, flags(n, idx), 0.5, {},
                       pairs=None if pairs is None else np.array(pairs), suggested=sug)


def test_duplicate_groups_keep_their_first_member() -> None:
    """A group of three duplicates (pairs 1-4, 4-7) and a pair 2-3: 1 and 2 stay."""
    ds = dataset()
    r = report(ds, exact_duplicate=result("exact_duplicate", ds.n, [1, 4, 7, 2, 3],
                                          [(1, 4), (4, 7), (2, 3)]))
    out = clean(ds, r)
    assert out.n == ds.n - 3
    assert set(out.ids.tolist()) == set(range(ds.n)) - {3, 4, 7}
    (entry,) = out.metadata["lineage"]
    assert entry["counts"]["dropped"] == 3 and entry["parent"] == ds.fingerprint
    assert {d["check"] for d in entry["dropped"]} == {"exact_duplicate"}
    assert entry["fingerprint"] == out.fingerprint != ds.fingerprint


def test_leak_drops_the_training_member_only() -> None:
    """A train row (0) leaking into a test row (10): the training twin goes."""
    ds = dataset()
    out = clean(ds, report(ds, leakage=result("leakage", ds.n, [0, 10], [(0, 10)])))
    assert 0 not in out.ids and 10 in out.ids


def test_relabel_uses_the_suggested_label_and_records_it() -> None:
    """Relabelling row 0 from 'no' to 'yes' changes y and the raw table, and says so."""
    ds = dataset()
    r = report(ds, label=result("label", ds.n, [0], suggested={0: 1}))
    out = clean(ds, r, drop=[], relabel=["label"])
    assert out.n == ds.n and out.y[0] == 1 and out.raw is not None
    assert out.raw.loc[0, "label"] == "yes"
    (rec,) = out.metadata["lineage"][0]["relabelled"]
    assert rec == {"index": 0, "id": 0, "check": "label", "score": 0.1, "from": "no",
                   "to": "yes"}


def test_protected_rows_are_never_touched() -> None:
    """Rows in `keep` stay even when flagged."""
    ds = dataset()
    out = clean(ds, report(ds, label=result("label", ds.n, [0, 1, 2])), keep=np.array([1]))
    assert set(out.ids.tolist()) == set(range(ds.n)) - {0, 2}


def test_input_dataset_is_unchanged() -> None:
    """Cleaning returns a new dataset and leaves the input's arrays and table alone."""
    ds = dataset()
    X0, y0, raw0 = ds.X.copy(), ds.y.copy(), ds.raw.copy()  # type: ignore[union-attr]
    clean(ds, report(ds, label=result("label", ds.n, [0], suggested={0: 1})),
          relabel=["label"])
    np.testing.assert_array_equal(ds.X, X0)
    np.testing.assert_array_equal(ds.y, y0)
    pd.testing.assert_frame_equal(ds.raw, raw0)  # type: ignore[arg-type]
    assert "lineage" not in ds.metadata


def test_lineage_accumulates_over_versions() -> None:
    """A cleaned dataset cleaned again carries both entries, parent to child."""
    ds = dataset()
    once = clean(ds, report(ds, label=result("label", ds.n, [0])))
    twice = clean(once, report(once, label=result("label", once.n, [0])))
    a, b = twice.metadata["lineage"]
    assert a["fingerprint"] == b["parent"] == once.fingerprint


@pytest.mark.parametrize(("kwargs", "name"), [
    ({"drop": ["outlier"]}, "drop"), ({"relabel": ["exact_duplicate"]}, "relabel"),
    ({"drop": ["class_imbalance"]}, "drop"),
])
def test_bad_cleaning_requests_name_the_argument(kwargs: dict[str, object],
                                                 name: str) -> None:
    ds = dataset()
    r = report(ds, exact_duplicate=result("exact_duplicate", ds.n, [1, 2], [(1, 2)]),
               class_imbalance=result("class_imbalance", ds.n, [0]))
    with pytest.raises(InputError) as info:
        clean(ds, r, **kwargs)  # type: ignore[arg-type]
    assert info.value.name == name


def test_report_of_another_dataset_is_refused() -> None:
    ds = dataset()
    other = dataset(14)
    with pytest.raises(InputError) as info:
        clean(ds, report(other))
    assert info.value.name == "report"


def test_report_round_trips_through_json(tmp_path: object) -> None:
    """save → load_report gives the same flags, scores, pairs and suggestions."""
    from pathlib import Path

    ds = dataset()
    r = report(ds, label=result("label", ds.n, [0], suggested={0: 1}),
               exact_duplicate=result("exact_duplicate", ds.n, [1, 2], [(1, 2)]))
    back = load_report(r.save(Path(str(tmp_path)) / "r.json"))
    for name in r.results:
        np.testing.assert_array_equal(back.results[name].flags, r.results[name].flags)
        np.testing.assert_allclose(back.results[name].scores, r.results[name].scores)
    np.testing.assert_array_equal(back.results["exact_duplicate"].pairs, [[1, 2]])
    assert back.results["label"].suggested is not None
    assert back.results["label"].suggested[0] == 1
    assert clean(ds, back).n == clean(ds, r).n


def test_cleaning_planted_label_noise_is_worth_samples(tmp_path: object) -> None:
    """Synthetic data with 25 % planted flips, cleaned by dropping exactly the planted
    rows: the cleaned curve beats the raw one on the same evaluation set, and the gain
    is worth more raw samples."""
    from pathlib import Path

    ds = make_synthetic(n_samples=1500, n_classes=3, n_features=8, class_sep=1.5,
                        label_noise=0.25, seed=2)
    noisy = np.asarray(ds.metadata["noisy_indices"])
    r = report(ds, label=result("label", ds.n, noisy.tolist()))
    v = measure_cleaning(ds, r, model="sklearn:KNeighborsClassifier(n_neighbors=1)",
                         seeds=2, sizes=[50, 100, 200, 400, 800],
                         store=Path(str(tmp_path)) / "m.sqlite")
    assert v.dropped > 0 and v.n == 800
    assert v.gain > 0.03
    assert v.equivalent_samples > 0 and v.multiplier > 1.0
    assert set(v.results["version"]) == {"raw", "clean"}
