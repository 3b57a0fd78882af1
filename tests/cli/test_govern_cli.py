"""`datacurve versions`, `lineage`, `card` and `expand`, and `clean --store`, end to end:
a planted table (e-mail addresses in a free-text column, a cluster of exact duplicates,
an under-represented site) cleaned, carded (Markdown and Croissant, validated and read
back by mlcroissant), followed back to its raw source, expanded with SMOTE; a changed
source said; every bad input one line and exit 2."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import re
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from datacurve.cli._app import main
from datacurve.govern import (
    card_paths,
    read_datacard,
    read_records,
    template_text,
    validate_croissant,
)
from tests.cli.test_bad_input_cli import snapshot
from tests.cli.test_cli import assert_one_line_error, run_cli

EMAILS = tuple(f"person{i}.smith@example.com" for i in range(12))
"""The planted addresses: never written in full to a card."""
MISSING = ("no licence stated", "no usage rights stated", "no contact stated")
"""The warnings of the three required datacard fields left empty."""
_EMAIL = re.compile(r"[\w.*+-]+@[\w-]+(?:\.[\w-]+)+")


def planted_frame(n: int = 200, seed: int = 0) -> pd.DataFrame:
    """`n` rows: 3 numeric features that separate the label well, a free-text `note` with
    an e-mail address in 12 rows, a `site` whose 'west' holds 6 rows (3 %), a `label`;
    then 3 more copies of one row (a cluster of 4 exact duplicates)."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    df = pd.DataFrame({"x1": rng.normal(size=n) + 3.0 * y, "x2": rng.normal(size=n) - 2.0 * y,
                       "x3": rng.normal(size=n)})
    notes = np.array(["no remarks today", "called back later", "asked about billing",
                      "happy with the service", "wants a refund soon"],
                     dtype=object)[rng.integers(0, 5, n)]
    for i, address in enumerate(EMAILS):
        notes[10 + 7 * i] = f"please reply to {address} soon"
    site = rng.choice(["north", "south", "east"], n).astype(object)
    site[:6] = "west"
    df["note"], df["site"], df["label"] = notes, site, np.where(y == 1, "yes", "no")
    dup = df.iloc[[n - 50]]  # neither an e-mail row nor a west one
    return pd.concat([df, dup, dup, dup], ignore_index=True)


def tiny_frame(n: int = 40, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    return pd.DataFrame({"a": rng.normal(size=n) + 3.0 * y, "b": rng.normal(size=n),
                         "label": np.where(y == 1, "yes", "no")})


def call(args: list[str]) -> tuple[int, str, str]:
    """Run the CLI in-process outside a test's capsys (module fixtures)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(args)
    return code, out.getvalue(), err.getvalue()


def flat(text: str) -> str:
    """Terminal text with its line wrapping undone (rich wraps at the console width)."""
    return " ".join(text.split())


@dataclass
class Planted:
    folder: Path
    raw: Path
    clean: Path
    store: Path
    cleaned: dict[str, Any]  # clean --json
    card: dict[str, Any]  # card --json
    card_err: str


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Planted:
    """The issue's run: clean the planted table (recording both versions), then card the
    cleaned file with the default audit and mlcroissant's validation."""
    folder = tmp_path_factory.mktemp("govern")
    raw, store = folder / "planted.csv", folder / "S.sqlite"
    planted_frame().to_csv(raw, index=False)
    code, out, err = call(["clean", str(raw), "--label", "label", "--group", "site",
                           "--store", str(store), "--json"])
    assert code == 0, err
    cleaned = json.loads(out)
    clean = Path(cleaned["written"])
    assert clean == folder / "planted.clean.csv" and clean.is_file()
    code, out, err = call(["card", str(clean), "--label", "label", "--group", "site",
                           "--store", str(store), "--validate", "--json"])
    assert code == 0, err
    return Planted(folder, raw, clean, store, cleaned, json.loads(out), err)


def _lineage(store: Path, version: str) -> dict[str, Any]:
    code, out, err = call(["lineage", version, "--store", str(store), "--json"])
    assert code == 0, err
    return json.loads(out)


# -- clean --store and versions ------------------------------------------------------------
def test_clean_records_the_parent_and_the_cleaned_version(
        planted: Planted, capsys: pytest.CaptureFixture[str]) -> None:
    """`clean --store` drops the 3 extra copies and records the raw load and the cleaning;
    `versions --json` lists both, with who and when, the cleaning naming its parent and
    the rows it removed by check."""
    counts = planted.cleaned["counts"]
    assert counts["dropped_exact_duplicate"] == 3
    assert planted.cleaned["parent_n"] == 203
    assert planted.cleaned["n"] == 203 - counts["dropped"]
    code, out, err = run_cli(["versions", "--store", str(planted.store), "--json"], capsys)
    assert code == 0, err
    steps = json.loads(out)["versions"]
    assert all(isinstance(s, dict) for s in steps), steps
    load = next(s for s in steps if s["operation"] == "load"
                and Path(s["source"]) == planted.raw.resolve())
    clean = next(s for s in steps if s["operation"] == "clean")
    assert clean["id"] == planted.cleaned["fingerprint"]
    assert clean["parents"] == [load["id"]] and load["parents"] == []
    assert (load["rows"], clean["rows"]) == (203, planted.cleaned["n"])
    assert clean["removed"] == counts["dropped"]
    assert clean["by_check"]["exact_duplicate"] == 3
    assert load["source_sha256"] == hashlib.sha256(planted.raw.read_bytes()).hexdigest()
    for s in (load, clean):
        assert s["user"]
        datetime.strptime(s["time"], "%Y-%m-%dT%H:%M:%S%z")
    # The same versions for people.
    code, out, err = run_cli(["versions", "--store", str(planted.store)], capsys)
    assert code == 0, err
    assert load["id"][:12] in out and clean["id"][:12] in out and "clean" in out


# -- the card ------------------------------------------------------------------------------
def test_card_writes_a_template_and_warns_of_the_required_fields(planted: Planted) -> None:
    """No datacard.yaml beside the data: an (empty) template is written there, and the
    three required fields are warned about (in --json, in its warnings)."""
    card = planted.card
    template = planted.folder / "datacard.yaml"
    assert card["template_written"] is True and Path(card["datacard"]) == template.resolve()
    assert template.read_text(encoding="utf-8") == template_text()
    assert read_datacard(template).missing_required() == [
        "distribution.licence", "distribution.usage_rights", "maintenance.contact"]
    for w in MISSING:
        assert sum(w in x for x in card["warnings"]) == 1, card["warnings"]
    assert "Traceback" not in planted.card_err


def test_card_markdown_states_the_planted_findings(planted: Planted) -> None:
    """The datasheet: the duplicates check and the cleaning that dropped them (by check),
    masked personal data (never a raw address), the under-represented site, and the raw
    source's sha256."""
    md_path = Path(planted.card["markdown"])
    assert md_path == card_paths(planted.clean)[0]
    assert md_path.name == "planted.clean.card.md"  # not the raw table's card
    md = md_path.read_text(encoding="utf-8")
    # Duplicates: the check's row, and the cleaning that removed the 3 copies.
    assert re.search(r"^\| Exact duplicates \| \d+ \|", md, flags=re.M)
    dropped = planted.cleaned["counts"]["dropped"]
    clean_row = next(ln for ln in md.splitlines()
                     if ln.startswith("| 2 |") and "| clean |" in ln)
    assert f"| −{dropped} |" in clean_row and "exact_duplicate (3)" in clean_row
    assert f"`{planted.cleaned['fingerprint'][:12]}`" in clean_row
    # Personal data: masked examples only.
    pii = md.split("#### Personal and sensitive information")[1].split("\n## ")[0]
    assert re.search(r"^\| `note` \| email \| \d+ \| `p\*\*\*@example\.com`", pii, flags=re.M)
    for address in EMAILS:
        assert address not in md
    assert all("***" in m for m in _EMAIL.findall(md)), _EMAIL.findall(md)
    # The site under 5 %.
    west = next(ln for ln in md.splitlines() if ln.startswith("| `site` | `west` |"))
    assert "under-represented" in west
    assert not any("under-represented" in ln for ln in md.splitlines()
                   if ln.startswith("| `site` |") and "`west`" not in ln)
    # The raw source and its digest, unchanged since.
    digest = hashlib.sha256(planted.raw.read_bytes()).hexdigest()
    assert f"`{planted.raw.resolve()}`, sha256 `{digest}` (unchanged since)" in md
    for w in ("no licence is stated", "no usage rights are stated",
              "no maintenance contact is stated"):
        assert f"> **Warning:** {w}" in md


def test_croissant_has_the_same_findings_validates_and_reads_back(planted: Planted) -> None:
    """The Croissant twin: the same findings in its rai: fields, no raw address, valid for
    mlcroissant (no error), and its records are the cleaned file's rows."""
    cr = Path(planted.card["croissant"])
    assert cr == card_paths(planted.clean)[1]
    text = cr.read_text(encoding="utf-8")
    for address in EMAILS:
        assert address not in text
    doc = json.loads(text)
    personal = " ".join(doc["rai:personalSensitiveInformation"])
    assert "Column note:" in personal and "kind email" in personal
    assert "p***@example.com" in personal
    biases = " ".join(doc["rai:dataBiases"])
    assert "Subgroup site=west" in biases and "under-represented" in biases
    assert "site=north" not in biases and "site=south" not in biases
    steps = doc["rai:dataPreprocessingProtocol"]
    clean = next(s for s in steps if s.startswith("Step 2: clean"))
    assert f"removed {planted.cleaned['counts']['dropped']} rows" in clean
    assert "exact_duplicate 3" in clean
    assert any(s.startswith("Exact duplicates:") for s in doc["rai:dataLimitations"])
    digest = hashlib.sha256(planted.raw.read_bytes()).hexdigest()
    assert f"Loaded from planted.csv (203 rows, 6 columns, sha256 {digest})" in \
        doc["rai:dataCollectionRawData"]
    # mlcroissant: no error (a warning that no licence is given is expected).
    problems = validate_croissant(cr)
    assert not [p for p in problems if p.startswith("error:")], problems
    assert planted.card["validation"] == problems
    assert all("license" in p for p in problems), problems
    rows = read_records(cr)
    pd.testing.assert_frame_equal(rows, pd.read_csv(planted.clean), check_dtype=False)


def test_a_filled_datacard_is_not_warned_and_its_licence_is_in_both_files(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """With licence, usage rights and contact given, card warns of nothing (and writes no
    template), mlcroissant reports nothing, and the licence is in both files."""
    data = tmp_path / "tiny.csv"
    tiny_frame().to_csv(data, index=False)
    datacard = tmp_path / "datacard.yaml"
    datacard.write_text("title: Tiny table\ndistribution:\n  licence: CC-BY-4.0\n"
                        "  usage_rights: Research use only.\nmaintenance:\n"
                        "  contact: data-team@example.org\n", encoding="utf-8")
    before = datacard.read_bytes()
    code, out, err = run_cli(["card", str(data), "--label", "label", "--no-audit",
                              "--store", str(tmp_path / "s.sqlite"), "--validate"], capsys)
    assert code == 0, err
    assert "warning" not in err.lower(), err
    assert "mlcroissant: valid, no warnings" in out
    assert datacard.read_bytes() == before
    md = (tmp_path / "tiny.card.md").read_text(encoding="utf-8")
    assert "CC-BY-4.0" in md and "Research use only." in md and "> **Warning:**" not in md
    assert md.startswith("# Tiny table\n")
    doc = json.loads((tmp_path / "tiny.croissant.json").read_text(encoding="utf-8"))
    assert doc["license"] == "CC-BY-4.0"
    assert "Usage rights: Research use only." in doc["rai:dataUseCases"]


def test_the_template_and_the_missing_fields_are_warned_on_stderr(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """For people: the template written and each missing required field, one warning line
    each on stderr; run again, the template is not written again (nor warned of)."""
    data = tmp_path / "tiny.csv"
    tiny_frame().to_csv(data, index=False)
    args = ["card", str(data), "--label", "label", "--no-audit", "--store",
            str(tmp_path / "s.sqlite")]
    code, out, err = run_cli(args, capsys)
    assert code == 0, err
    text = flat(err)
    assert f"warning: wrote a template {tmp_path / 'datacard.yaml'}" in text
    for w in MISSING:
        assert text.count(f"warning: {w}") == 1, err
    assert "Wrote" in out and "Traceback" not in err
    template = (tmp_path / "datacard.yaml").read_bytes()
    code, out, err = run_cli(args, capsys)
    assert code == 0, err
    assert "wrote a template" not in flat(err)
    assert all(f"warning: {w}" in flat(err) for w in MISSING)
    assert (tmp_path / "datacard.yaml").read_bytes() == template


# -- lineage --------------------------------------------------------------------------------
def test_lineage_goes_back_to_the_raw_source(planted: Planted,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    """`lineage <8 characters>` of the cleaned version: raw load → clean; of the card's
    version (the cleaned file read again): raw load → clean → load. Nothing changed."""
    fp = planted.cleaned["fingerprint"]
    chain = _lineage(planted.store, fp[:8])
    assert chain["version"] == fp and chain["complete"] and chain["notes"] == []
    ops = [s["operation"] for s in chain["steps"]]
    assert ops == ["load", "clean"]
    raw = chain["steps"][0]
    assert Path(raw["source"]) == planted.raw.resolve() and raw["source_changed"] is False
    assert chain["steps"][1]["parents"] == [raw["id"]]
    card = _lineage(planted.store, planted.card["version"][:8])
    if planted.card["version"] == fp:  # the cleaned file read again: the same content
        assert card["steps"] == chain["steps"]
    else:  # ... or a load continuing the cleaning's lineage
        assert [s["operation"] for s in card["steps"]] == ["load", "clean", "load"]
        assert card["steps"][2]["parents"] == [fp]
        assert Path(card["steps"][2]["source"]) == planted.clean.resolve()
    code, out, err = run_cli(["lineage", fp[:8], "--store", str(planted.store)], capsys)
    assert code == 0, err
    assert err == "" and "source changed" not in out
    assert f"Lineage of {fp[:12]}" in out and raw["id"][:12] in out


def test_lineage_says_when_the_raw_source_changed(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """Append a row to the raw CSV after cleaning it: `lineage` of the cleaned version
    warns on stderr that the source changed, marks the step, and --json says
    source_changed true."""
    raw, store = tmp_path / "raw.csv", tmp_path / "s.sqlite"
    df = tiny_frame(60)
    pd.concat([df, df.iloc[[5, 5]]], ignore_index=True).to_csv(raw, index=False)
    code, out, err = run_cli(["clean", str(raw), "--label", "label", "--store", str(store),
                              "--json"], capsys)
    assert code == 0, err
    fp = json.loads(out)["fingerprint"]
    with raw.open("a", encoding="utf-8") as f:
        f.write("0.5,0.5,yes\n")
    code, out, err = run_cli(["lineage", fp[:8], "--store", str(store)], capsys)
    assert code == 0, err
    assert f"warning: the source file {raw.resolve()} has changed since version" in flat(err)
    assert re.search(r"\(source\b.*?\bchanged\)", out, flags=re.S)  # in its table cell
    chain = _lineage(store, fp)
    assert chain["steps"][0]["operation"] == "load"
    assert chain["steps"][0]["source_changed"] is True
    assert chain["steps"][1]["source_changed"] is None  # the cleaning read no file
    assert any("has changed" in n for n in chain["notes"])


# -- expand ---------------------------------------------------------------------------------
def test_expand_writes_more_rows_recorded_as_a_synthetic_child(
        planted: Planted, capsys: pytest.CaptureFixture[str]) -> None:
    """`expand --strategy smote` writes the cleaned rows and the synthetic ones and
    records a `synthetic` version whose lineage reaches the raw load through the
    cleaning."""
    out_csv = planted.folder / "x.csv"
    code, out, err = run_cli(["expand", str(planted.clean), "--label", "label", "--strategy",
                              "smote", "--out", str(out_csv), "--store", str(planted.store),
                              "--json"], capsys)
    assert code == 0, err
    rec = json.loads(out)["version"]
    n_clean = len(pd.read_csv(planted.clean))
    written = pd.read_csv(out_csv)
    assert len(written) == rec["rows"] > n_clean
    assert rec["operation"] == "synthetic" and rec["added"] == len(written) - n_clean
    assert "label" in written.columns
    chain = _lineage(planted.store, rec["id"][:8])
    ops = [s["operation"] for s in chain["steps"]]
    assert chain["complete"] and len(ops) >= 3, ops
    first = chain["steps"][0]
    assert first["operation"] == "load" and Path(first["source"]) == planted.raw.resolve()
    assert "clean" in ops and ops[-1] == "synthetic"
    assert ops.index("clean") < ops.index("synthetic")
    assert chain["steps"][-1]["params"] == {"strategy": "smote", "seed": 0}
    # And it is listed among the versions.
    code, out, err = run_cli(["versions", "--store", str(planted.store), "--json"], capsys)
    assert rec["id"] in [s["id"] for s in json.loads(out)["versions"]]


# -- bad input ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def bad_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small table, a store holding its version, an earlier expanded file, and broken
    datacards (each beside its own copy of the table, where card looks by default)."""
    folder = tmp_path_factory.mktemp("govern-bad")
    tiny_frame().to_csv(folder / "tiny.csv", index=False)
    cards = {
        "malformed": "title: x\n  bad: indent\n",
        "unknown": "title: x\ndistribution:\n  licnse: MIT\n",
        "repeated": "distribution:\n  licence: MIT\n  licence: CC0\n",
        "mapping": "title: x\n\nmaintenance:\n  contact:\n    name: Ann\n",
    }
    for name, text in cards.items():
        (folder / name).mkdir()
        shutil.copy(folder / "tiny.csv", folder / name / "tiny.csv")
        (folder / name / "datacard.yaml").write_text(text, encoding="utf-8")
    (folder / "x.csv").write_text("already here\n")
    code, _, err = call(["card", str(folder / "tiny.csv"), "--label", "label", "--no-audit",
                         "--out", str(folder / "cards" / "tiny.card.md"),
                         "--store", str(folder / "s.sqlite")])
    assert code == 0, err
    return folder


BAD = {
    "card-malformed-datacard": (["card", "malformed/tiny.csv", "--label", "label",
                                 "--no-audit", "--store", "s.sqlite"],
                                ("datacard", "datacard.yaml", "line 2")),
    "card-unknown-field": (["card", "unknown/tiny.csv", "--label", "label", "--no-audit",
                            "--store", "s.sqlite"],
                           ("datacard", "'distribution.licnse'", "line 3",
                            "did you mean 'distribution.licence'")),
    "card-repeated-key": (["card", "repeated/tiny.csv", "--label", "label", "--no-audit",
                           "--store", "s.sqlite"],
                          ("datacard", "'distribution.licence'", "line 3", "line 2")),
    "card-mapping-value": (["card", "mapping/tiny.csv", "--label", "label", "--no-audit",
                            "--store", "s.sqlite"],
                           ("datacard", "'maintenance.contact'", "line 5")),
    "card-audit-and-no-audit": (["card", "tiny.csv", "--label", "label", "--audit",
                                 "a.json", "--no-audit", "--store", "s.sqlite"],
                                ("--audit", "--no-audit", "a.json")),
    "lineage-unknown-version": (["lineage", "deadbeef", "--store", "s.sqlite"],
                                ("version id", "'deadbeef'")),
    "lineage-short-prefix": (["lineage", "ab", "--store", "s.sqlite"],
                             ("version id", "'ab'")),
    "lineage-store-missing": (["lineage", "deadbeef", "--store", "missing.sqlite"],
                              ("--store", "missing.sqlite")),
    "versions-store-missing": (["versions", "--store", "missing.sqlite"],
                               ("--store", "missing.sqlite", "no such file")),
    "expand-ensemble": (["expand", "tiny.csv", "--label", "label", "--strategy", "ensemble",
                         "--out", "e.csv", "--store", "s.sqlite"],
                        ("--strategy", "ensemble", "smote")),
    "expand-unknown-strategy": (["expand", "tiny.csv", "--label", "label", "--strategy",
                                 "smoot", "--out", "e.csv", "--store", "s.sqlite"],
                                ("--strategy", "smoot")),
    "expand-out-exists": (["expand", "tiny.csv", "--label", "label", "--strategy", "smote",
                           "--out", "x.csv", "--store", "s.sqlite"],
                          ("--out", "x.csv", "--force")),
}


@pytest.mark.parametrize("case", list(BAD), ids=list(BAD))
def test_bad_input_is_one_line_and_changes_nothing(
        case: str, bad_folder: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    argv, needles = BAD[case]
    monkeypatch.chdir(bad_folder)
    before = snapshot(bad_folder)
    code, _, err = run_cli(argv, capsys)
    assert_one_line_error(code, err, *needles)
    assert snapshot(bad_folder) == before, "a bad input changed the files"


@pytest.mark.parametrize("store", ["notsqlite.sqlite", "afile/s.sqlite"])
@pytest.mark.parametrize("command", ["clean", "card", "expand"])
def test_a_bad_store_is_refused_before_anything_is_written(
        command: str, store: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    tiny_frame().to_csv(tmp_path / "tiny.csv", index=False)
    (tmp_path / "notsqlite.sqlite").write_text("model,n\nm,1\n")
    (tmp_path / "afile").write_text("x")
    argv = {"clean": ["clean", "tiny.csv", "--label", "label"],
            "card": ["card", "tiny.csv", "--label", "label", "--no-audit"],
            "expand": ["expand", "tiny.csv", "--label", "label", "--strategy", "smote",
                       "--out", "e.csv"]}[command]
    monkeypatch.chdir(tmp_path)
    before = snapshot(tmp_path)
    code, _, err = run_cli([*argv, "--store", store], capsys)
    assert_one_line_error(code, err, "--store", store.split("/")[0])
    assert snapshot(tmp_path) == before, "a bad store left files behind"
