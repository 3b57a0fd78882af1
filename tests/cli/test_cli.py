"""The `datacurve` command: real runs, exports and one-line errors for bad input."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from datacurve import InputError
from datacurve.cli import cli_error
from datacurve.cli._app import main
from tests.conftest import scripted_spec


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Run the CLI in-process; return (exit code, stdout, stderr)."""
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(code: int, err: str, *needles: str) -> None:
    """Exit code 2 and a single stderr line that names every needle."""
    assert code == 2, err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])


@pytest.fixture
def table(tmp_path: Path) -> Path:
    """A small CSV table with a numeric, a categorical and a label column."""
    rng = np.random.default_rng(0)
    n = 200
    y = rng.integers(0, 2, n)
    df = pd.DataFrame({"a": rng.normal(size=n) + y, "color": rng.choice(["red", "blue"], n),
                       "label": np.where(y == 1, "yes", "no")})
    path = tmp_path / "table.csv"
    df.to_csv(path, index=False)
    return path


def test_curve_end_to_end_with_real_training(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    """`datacurve curve digits` trains real models in two workers and reports JSON whose
    accuracy rises with data."""
    store = tmp_path / "s.sqlite"
    code, out, err = run_cli(["curve", "digits", "--model", "mlp:width=32,depth=1",
                              "--model", "sklearn:LogisticRegression(max_iter=300)",
                              "--seeds", "2", "--max-size", "256", "--jobs", "2",
                              "--store", str(store), "--json"], capsys)
    assert code == 0, err
    payload = json.loads(out)
    assert payload["failed"] == 0 and payload["ran"] == payload["plan"]["trials"]
    res = pd.DataFrame(payload["results"])
    assert list(res.columns[:6]) == ["model", "params", "n", "seed", "train_score",
                                     "val_score"]
    for _, part in res.groupby("model"):
        means = part.groupby("n")["val_score"].mean()
        assert means.iloc[-1] > means.iloc[0] + 0.2
        assert means.iloc[-1] > 0.8
    assert (res["params"] > 0).all()


def test_curve_prints_a_table_and_resumes(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str],
                                          table: Path) -> None:
    """The human output is a table; a rerun reuses every trial."""
    store = tmp_path / "s.sqlite"
    args = ["curve", str(table), "--label", "label", "--model",
            "sklearn:LogisticRegression", "--seeds", "2", "--store", str(store), "--quiet"]
    code, out, _ = run_cli(args, capsys)
    assert code == 0 and "Learning curves" in out and "accuracy" in out
    code, out, _ = run_cli(args, capsys)
    assert code == 0 and "0 trials trained" in out


def test_results_export_csv_and_parquet(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                        table: Path) -> None:
    """`datacurve results --out` writes the contract columns to CSV and Parquet."""
    store = tmp_path / "s.sqlite"
    run_cli(["curve", str(table), "--label", "label", "--model", "sklearn:GaussianNB",
             "--seeds", "1", "--store", str(store), "--quiet"], capsys)
    for name in ("r.csv", "r.parquet"):
        code, _, err = run_cli(["results", "--store", str(store), "--out",
                                str(tmp_path / name)], capsys)
        assert code == 0, err
        df = (pd.read_csv if name.endswith("csv") else pd.read_parquet)(tmp_path / name)
        assert list(df.columns[:6]) == ["model", "params", "n", "seed", "train_score",
                                        "val_score"]
        assert len(df) > 3
    code, out, _ = run_cli(["results", "--store", str(store), "--json"], capsys)
    assert code == 0 and json.loads(out)["trials"] == len(df)


def test_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A missing data file is one line naming it."""
    code, _, err = run_cli(["curve", str(tmp_path / "nope.csv"), "--label", "y",
                            "--model", "mlp"], capsys)
    assert_one_line_error(code, err, "nope.csv")


def test_unknown_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An unknown file format is one line naming the file and the formats."""
    path = tmp_path / "data.xyz"
    path.write_text("1,2,3")
    code, _, err = run_cli(["curve", str(path), "--label", "y", "--model", "mlp"], capsys)
    assert_one_line_error(code, err, "data.xyz", "csv")


def test_missing_label_column(table: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A label column that is not in the table is named with the columns there are."""
    code, _, err = run_cli(["curve", str(table), "--label", "price", "--model", "mlp"],
                           capsys)
    assert_one_line_error(code, err, "price", "label")


def test_nan_labels(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Empty labels are refused with the column named, and the file is unchanged."""
    path = tmp_path / "t.csv"
    path.write_text("a,label\n1,x\n2,\n3,y\n" + "".join(f"{i},x\n" for i in range(40)))
    before = path.read_bytes()
    code, _, err = run_cli(["curve", str(path), "--label", "label", "--model", "mlp"],
                           capsys)
    assert_one_line_error(code, err, "label")
    assert path.read_bytes() == before


def test_single_class(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A label column with one class is refused."""
    path = tmp_path / "t.csv"
    path.write_text("a,label\n" + "".join(f"{i},x\n" for i in range(40)))
    code, _, err = run_cli(["curve", str(path), "--label", "label", "--model", "mlp"],
                           capsys)
    assert_one_line_error(code, err, "class")


def test_too_few_examples(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Fewer examples than the smallest anchor is refused with both numbers."""
    path = tmp_path / "t.csv"
    path.write_text("a,label\n" + "".join(f"{i},{'xy'[i % 2]}\n" for i in range(12)))
    code, _, err = run_cli(["curve", str(path), "--label", "label", "--model",
                            "sklearn:GaussianNB", "--store", str(tmp_path / "s.sqlite")],
                           capsys)
    assert_one_line_error(code, err, "16")


def test_unreadable_image_among_readable_ones(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    """A corrupt image in an image folder is named."""
    root = tmp_path / "images"
    for cls in ("cat", "dog"):
        (root / cls).mkdir(parents=True)
        for i in range(10):
            Image.new("L", (12, 12), color=i * 20).save(root / cls / f"{i}.png")
    (root / "dog" / "broken.png").write_bytes(b"not an image at all")
    code, _, err = run_cli(["curve", str(root), "--model", "mlp"], capsys)
    assert_one_line_error(code, err, "broken.png")


def test_unknown_model_spec(table: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An unknown model spec is one line naming --model and the spec."""
    code, _, err = run_cli(["curve", str(table), "--label", "label", "--model",
                            "transformer:width=3"], capsys)
    assert_one_line_error(code, err, "--model", "transformer")


def test_store_that_is_not_a_datacurve_store(tmp_path: Path, table: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    """A store path holding another SQLite database is refused and left unchanged."""
    path = tmp_path / "app.db"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE users (name)")
    con.commit()
    con.close()
    before = path.read_bytes()
    code, _, err = run_cli(["curve", str(table), "--label", "label", "--model",
                            "sklearn:GaussianNB", "--store", str(path)], capsys)
    assert_one_line_error(code, err, "--store", "app.db")
    assert path.read_bytes() == before
    code, _, err = run_cli(["results", "--store", str(path)], capsys)
    assert_one_line_error(code, err, "app.db")


def test_missing_required_option_is_one_line(table: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    """Forgetting --model is a one-line usage error with exit code 2."""
    code, _, err = run_cli(["curve", str(table), "--label", "label"], capsys)
    assert_one_line_error(code, err, "--model")


def test_scripted_learner_through_the_cli(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    """An import-path spec (the scripted learner) runs through the CLI on an .npz file."""
    from tests.conftest import scripted_dataset

    ds = scripted_dataset(300)
    np.savez(tmp_path / "d.npz", X=ds.X, y=ds.y)
    code, out, err = run_cli(["curve", str(tmp_path / "d.npz"), "--model", scripted_spec(),
                              "--seeds", "1", "--store", str(tmp_path / "s.sqlite"),
                              "--json"], capsys)
    assert code == 0, err
    assert json.loads(out)["failed"] == 0


@pytest.mark.parametrize(("library", "flag"), [
    (InputError("spec", "a model spec", "'foo'"), "--model: expected a model spec"),
    (InputError("compute_budget", "a sweep", "none"), "--compute-budget: expected a sweep"),
    (InputError("budget", "cost_per_sample as well", "a budget alone"),
     "--budget: expected --cost-per-sample as well"),
    (InputError("source", "an existing store", "'x'"), "SOURCE: expected an existing store"),
    (InputError("weird.csv", "a table", "bytes"), "weird.csv: expected a table"),
])
def test_library_errors_are_told_in_the_cli_flags(library: InputError, flag: str) -> None:
    """The library names its Python parameters; the CLI says its own flag (and other
    parameter names in the message), and leaves other names (files, columns) alone."""
    assert str(cli_error(library)).startswith(flag)


def test_a_bad_spec_names_the_model_flag(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    """`parse_spec` says `spec`; on the command line the same error names --model."""
    code, _, err = run_cli(["curve", "digits", "-m", "nosuchmodel",
                            "--store", str(tmp_path / "s.sqlite")], capsys)
    assert_one_line_error(code, err, "--model", "nosuchmodel")


def test_names_with_markup_are_printed_as_they_are(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """Model names that look like Rich markup ('[/old]', '[bold]') come out literally in
    fit, plan and diagnose tables, never styled and never a crash."""
    rows = [{"model": name, "params": p, "n": n, "seed": s, "train_score": 1.0,
             "val_score": top - 1.0 / n ** 0.5 + 0.001 * s, "metric": "accuracy",
             "status": "ok", "fit_time": 1e-3 * n}
            for name, p, top in (("m [/old]", 10, 0.9), ("[bold]x", 20, 0.95))
            for n in (32, 64, 128, 256, 512) for s in range(2)]
    path = tmp_path / "r.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    for args in (["fit", str(path)], ["plan", str(path), "--target", "0.9"],
                 ["diagnose", str(path)]):
        code, out, err = run_cli(args, capsys)
        assert code == 0, err
        flat = "".join(out.split())
        assert "m[/old]" in flat and "[bold]x" in flat, args
