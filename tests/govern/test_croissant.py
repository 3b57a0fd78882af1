"""The Croissant card: valid for mlcroissant, reads back the data, says what was found."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pandas as pd
import pytest

from datacurve._errors import InputError
from datacurve.govern._croissant import (
    croissant,
    read_records,
    validate_croissant,
    write_croissant,
)
from datacurve.govern._facts import CardFacts, ColumnFacts, FileFacts, VersionStep

# The properties Croissant RAI 1.0 defines (docs/croissant_rai.ttl of mlcommons/croissant).
RAI_TERMS = {
    "dataCollection", "dataCollectionType", "dataCollectionMissingData",
    "dataCollectionRawData", "dataCollectionTimeframe", "dataPreprocessingProtocol",
    "dataImputationProtocol", "dataManipulationProtocol", "dataReleaseMaintenancePlan",
    "personalSensitiveInformation", "dataAnnotationProtocol", "dataAnnotationPlatform",
    "dataAnnotationAnalysis", "annotationsPerItem", "annotatorDemographics",
    "machineAnnotationTools", "dataSocialImpact", "dataBiases", "dataLimitations",
    "dataUseCases",
}

HUMAN = {
    "": {"title": "People survey", "description": "Answers of a small survey."},
    "motivation": {"purpose": "Test the card writers", "creators": "Ann Lee; ACME Labs",
                   "funding": "Grant 42"},
    "composition": {"sensitive": "Free-text notes may hold contact details.",
                    "biases": "Mostly one site."},
    "collection": {"process": "Paper forms typed in by hand", "timeframe": "2026-01/2026-06",
                   "consent": "Written consent"},
    "preprocessing": {"labelling": "Self-reported.", "cleaning": "Exact duplicates dropped."},
    "uses": {"intended": "Teaching", "out_of_scope": "Decisions about people",
             "limitations": "Eight rows only.", "impact": "None expected."},
    "distribution": {"licence": "https://spdx.org/licenses/CC-BY-4.0.html",
                     "usage_rights": "", "url": "https://example.org/people",
                     "citation": ""},
    "maintenance": {"contact": "data team", "updates": "Not maintained."},
}

# Without a licence mlcroissant warns that schema.org/license is recommended; the card does
# not invent one, so this warning stays until people state the licence.
LICENCE_WARNING = ('warning: [Metadata(people.csv+clean)] Property '
                   '"https://schema.org/license" is recommended, but does not exist.')


@pytest.fixture
def mlc() -> ModuleType:
    return pytest.importorskip("mlcroissant")


def _errors(messages: list[str]) -> list[str]:
    return [m for m in messages if m.startswith("error:")]


def _assert_same_rows(got: pd.DataFrame, want: pd.DataFrame) -> None:
    """Equal values column by column; int vs float and None vs NaN do not matter."""
    assert list(got.columns) == list(want.columns)
    assert len(got) == len(want)
    for column in want.columns:
        for a, b in zip(got[column].tolist(), want[column].tolist(), strict=True):
            if pd.isna(b):
                assert pd.isna(a), (column, a, b)
            elif isinstance(b, str):
                assert a == b, (column, a, b)
            else:
                assert a == pytest.approx(b), (column, a, b)


def _card(tmp_path: Path, facts: CardFacts, human: Any = None) -> Path:
    return write_croissant(facts, human, tmp_path / "croissant.json")


def _table_facts(tmp_path: Path, df: pd.DataFrame, name: str, fmt: str,
                 dtypes: dict[str, str]) -> CardFacts:
    path = tmp_path / name
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    columns = tuple(ColumnFacts(c, "feature", dtypes[c], int(df[c].isna().sum()),
                                int(df[c].nunique())) for c in df.columns)
    return CardFacts(name=name, version="0123456789abcdef", task="regression",
                     rows=len(df), label=None, columns=columns,
                     files=(FileFacts(name, str(path), digest, path.stat().st_size, fmt),),
                     made="2026-12-01T10:10:00+0000", datacurve_version="0.1.0")


# ---------------------------------------------------------------------------------------
# The document


def test_document_shape(facts: CardFacts) -> None:
    doc = croissant(facts)
    assert doc["@type"] == "sc:Dataset"
    assert doc["@context"]["rai"] == "http://mlcommons.org/croissant/RAI/"
    assert doc["@context"]["cr"] == "http://mlcommons.org/croissant/"
    assert doc["conformsTo"] == ["http://mlcommons.org/croissant/1.0",
                                 "http://mlcommons.org/croissant/RAI/1.0"]
    assert doc["name"] == "people.csv+clean"
    assert "6 rows" in doc["description"] and "classification" in doc["description"]
    assert "'label'" in doc["description"]
    # No licence, URL or creator was stated: none is invented.
    assert not {"license", "url", "creator", "funding"} & doc.keys()
    assert not {"rai:dataCollection", "rai:dataUseCases", "rai:dataSocialImpact"} & doc.keys()
    assert doc["version"] == "2.0.0+ffffffffffffffff"
    assert doc["datePublished"] == "2026-12-01T10:10:00+00:00"
    assert doc["dateModified"] == "2026-12-01T10:05:00+00:00"
    assert "ffffffffffffffff" in doc["citeAs"]
    [file] = doc["distribution"]
    assert file == {"@type": "cr:FileObject", "@id": "people.clean.csv",
                    "name": "people.clean.csv", "contentUrl": "people.clean.csv",
                    "encodingFormat": "text/csv", "sha256": facts.files[0].sha256,
                    "contentSize": f"{facts.files[0].bytes} B"}
    [record_set] = doc["recordSet"]
    fields = record_set["field"]
    assert [f["name"] for f in fields] == ["age", "income", "note", "site", "label"]
    assert [f["dataType"] for f in fields] == ["sc:Integer", "sc:Float", "sc:Text",
                                               "sc:Text", "sc:Text"]
    assert fields[1]["@id"] == "rows/income"
    assert fields[1]["description"] == "feature; 1 missing; 5 distinct values"
    assert fields[1]["source"] == {"fileObject": {"@id": "people.clean.csv"},
                                   "extract": {"column": "income"}}


def test_only_rai_terms_of_the_vocabulary(facts: CardFacts) -> None:
    steps = (*facts.lineage, VersionStep("b" * 16, "people+smote", "augment", {},
                                         ("f" * 16,), 9, 4, added=3))
    doc = croissant(dataclasses.replace(facts, lineage=steps), HUMAN)
    used = {key.removeprefix("rai:") for key in doc if key.startswith("rai:")}
    assert used <= RAI_TERMS, used - RAI_TERMS
    # RAI 1.0 has no hasSyntheticData: generated rows are told in the manipulation protocol.
    assert "rai:hasSyntheticData" not in doc
    assert "added 3 rows" in doc["rai:dataManipulationProtocol"]
    assert "augment" in doc["rai:dataManipulationProtocol"]


def test_human_answers(facts: CardFacts) -> None:
    doc = croissant(facts, HUMAN)
    assert doc["name"] == "People survey"
    assert doc["description"] == "Answers of a small survey."
    assert doc["license"] == "https://spdx.org/licenses/CC-BY-4.0.html"
    assert doc["url"] == "https://example.org/people"
    assert doc["creator"] == [{"@type": "sc:Person", "name": "Ann Lee"},
                              {"@type": "sc:Organization", "name": "ACME Labs"}]
    collection = doc["rai:dataCollection"]
    assert "Paper forms typed in by hand" in collection
    assert "2026-01/2026-06" in collection and "Written consent" in collection
    assert doc["rai:dataCollectionTimeframe"] == ["2026-01", "2026-06"]
    assert doc["rai:dataBiases"][0] == "Mostly one site."
    assert doc["rai:personalSensitiveInformation"][0].startswith("Free-text notes")
    assert doc["rai:dataLimitations"][0] == "Eight rows only."
    assert doc["rai:dataPreprocessingProtocol"][0] == "Exact duplicates dropped."
    assert doc["rai:dataAnnotationProtocol"] == "Self-reported."
    assert doc["rai:dataUseCases"] == ["Teaching.", "Purpose: Test the card writers.",
                                       "Out of scope: Decisions about people."]
    assert doc["rai:dataSocialImpact"] == "None expected."
    assert doc["rai:dataReleaseMaintenancePlan"] == "Not maintained. Contact: data team."
    assert doc["funding"] == {"@type": "sc:Grant", "name": "Grant 42"}


def test_free_text_timeframe_stays_text(facts: CardFacts) -> None:
    human = {"collection": {"timeframe": "spring 2026"}}
    doc = croissant(facts, human)
    assert "rai:dataCollectionTimeframe" not in doc
    assert doc["rai:dataCollection"] == "Timeframe: spring 2026."


def test_planted_findings_in_rai(facts: CardFacts, tmp_path: Path) -> None:
    path = _card(tmp_path, facts)
    text = path.read_text(encoding="utf-8")
    doc = json.loads(text)
    limitations = " ".join(doc["rai:dataLimitations"])
    assert "Exact duplicates: 4 rows flagged (50.0% of all rows)" in limitations
    assert "rows 0 and 3" in limitations
    assert "Train/test leakage: not checked (no split given)" in limitations
    assert ("Learning curve (sklearn:LogisticRegression, accuracy): accuracy 0.67 at 6 "
            "samples") in limitations
    personal = " ".join(doc["rai:personalSensitiveInformation"])
    assert "Column note: 3 values hold personal data of kind email" in personal
    assert "a***@example.com" in personal and "b**@example.org" in personal
    for raw in ("ann.lee@example.com", "bob@example.org"):
        assert raw not in text
    biases = doc["rai:dataBiases"]
    south = [b for b in biases if "site=south" in b]
    assert south and "under-represented" in south[0] and "12.5%" in south[0]
    assert "-0.69" in south[0] and "under-performing" in south[0]
    assert not any("site=north" in b for b in biases)
    assert any("Class imbalance" in b and "1.00" in b for b in biases)
    steps = doc["rai:dataPreprocessingProtocol"]
    assert steps[0].startswith("Step 1: load 'people.csv'")
    assert steps[1].startswith("Step 2: clean 'people.csv+clean'")
    assert "removed 2 rows (by check: exact_duplicate 2)" in steps[1]
    assert "version ffffffffffffffff" in steps[1]
    assert "1 empty cells" not in text and "income 1" in doc["rai:dataCollectionMissingData"]
    assert "people.csv" in doc["rai:dataCollectionRawData"]
    assert str(tmp_path) not in text  # file names only, no local paths


def test_write_is_utf8_pretty(facts: CardFacts, tmp_path: Path) -> None:
    human = {"": {"description": "Données d'enquête"}}
    path = write_croissant(facts, human, tmp_path / "card.json")
    text = path.read_text(encoding="utf-8")
    assert "Données" in text and text.startswith("{\n  ")


# ---------------------------------------------------------------------------------------
# mlcroissant


def test_validates_with_one_licence_warning(facts: CardFacts, tmp_path: Path,
                                            mlc: ModuleType) -> None:
    assert validate_croissant(_card(tmp_path, facts)) == [LICENCE_WARNING]


def test_validates_silently_with_human_answers(facts: CardFacts, tmp_path: Path,
                                               mlc: ModuleType) -> None:
    assert validate_croissant(_card(tmp_path, facts, HUMAN)) == []
    dataset = mlc.Dataset(jsonld=tmp_path / "croissant.json")
    metadata = dataset.metadata
    assert metadata.version == "2.0.0+ffffffffffffffff"
    assert metadata.license == ["https://spdx.org/licenses/CC-BY-4.0.html"]
    assert metadata.date_published.year == 2026
    assert metadata.data_biases[0] == "Mostly one site."
    assert any("site=south" in b for b in metadata.data_biases)
    assert metadata.data_preprocessing_protocol[-1].startswith("Step 2: clean")


def test_read_records_gives_the_cleaned_rows(facts: CardFacts, tmp_path: Path,
                                             cleaned_table: tuple[Path, pd.DataFrame],
                                             mlc: ModuleType) -> None:
    _, df = cleaned_table
    got = read_records(_card(tmp_path, facts))
    _assert_same_rows(got, df)
    assert isinstance(got["note"][0], str)
    assert read_records(tmp_path / "croissant.json", "rows").shape == df.shape
    with pytest.raises(InputError, match="record_set"):
        read_records(tmp_path / "croissant.json", "nope")


def test_parquet_file(tmp_path: Path, cleaned_table: tuple[Path, pd.DataFrame],
                      facts: CardFacts, mlc: ModuleType) -> None:
    _, df = cleaned_table
    path = tmp_path / "people.clean.parquet"
    df.to_parquet(path, index=False)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    parquet = dataclasses.replace(facts, files=(FileFacts(
        path.name, str(path), digest, path.stat().st_size, "application/x-parquet"),))
    card = _card(tmp_path, parquet, HUMAN)
    assert json.loads(card.read_text())["distribution"][0]["encodingFormat"] == (
        "application/x-parquet")
    assert validate_croissant(card) == []
    _assert_same_rows(read_records(card), df)


def test_odd_column_names(tmp_path: Path, mlc: ModuleType) -> None:
    df = pd.DataFrame({"home town": ["Oslo", "Lima", None], "in/out": [1.5, None, 3.0],
                       "n (count)": [1, 2, 3], "in_out": [True, False, True]})
    df.to_csv(tmp_path / "odd.csv", index=False)
    facts = _table_facts(tmp_path, df, "odd.csv", "text/csv",
                         {"home town": "text", "in/out": "float", "n (count)": "integer",
                          "in_out": "boolean"})
    doc = croissant(facts)
    ids = [f["@id"] for f in doc["recordSet"][0]["field"]]
    assert ids == ["rows/home_town", "rows/in_out", "rows/n_count", "rows/in_out_2"]
    assert [f["source"]["extract"]["column"] for f in doc["recordSet"][0]["field"]] == (
        list(df.columns))
    card = _card(tmp_path, facts, {"distribution": {"licence": "MIT"}})
    assert validate_croissant(card) == []
    _assert_same_rows(read_records(card), df)


def test_datetime_column(tmp_path: Path, mlc: ModuleType) -> None:
    df = pd.DataFrame({"when": ["2026-01-02 10:30:00", "2026-03-04 00:00:00"],
                       "rows": [1, 2]})
    df.to_csv(tmp_path / "rows", index=False)  # a file named like the record set
    facts = _table_facts(tmp_path, df, "rows", "text/csv",
                         {"when": "datetime", "rows": "integer"})
    doc = croissant(facts)
    assert doc["recordSet"][0]["field"][0]["dataType"] == "sc:DateTime"
    assert doc["distribution"][0]["@id"] == "rows_2"
    card = _card(tmp_path, facts, {"distribution": {"licence": "MIT"}})
    assert validate_croissant(card) == []
    got = read_records(card)
    assert list(got["when"]) == list(pd.to_datetime(df["when"]))
    assert list(got["rows"]) == [1, 2]


def test_no_files(facts: CardFacts, tmp_path: Path, mlc: ModuleType) -> None:
    bare = dataclasses.replace(facts, files=())
    doc = croissant(bare)
    assert doc["distribution"] == [] and "recordSet" not in doc
    assert validate_croissant(write_croissant(bare, HUMAN, tmp_path / "c.json")) == []


def test_wrong_sha256(facts: CardFacts, tmp_path: Path, mlc: ModuleType) -> None:
    bad = dataclasses.replace(facts.files[0], sha256="0" * 64)
    card = _card(tmp_path, dataclasses.replace(facts, files=(bad,)), HUMAN)
    # mlcroissant does not look at the files while validating ...
    assert validate_croissant(card, check_hashes=False) == []
    # ... only when it reads them; validate_croissant compares the hashes itself.
    [message] = validate_croissant(card)
    assert message.startswith("error: the sha256 of people.clean.csv is ")
    assert "the card says " + "0" * 64 in message
    with pytest.raises(InputError, match=r"Hash of downloaded file .* is not identical"):
        read_records(card)


def test_missing_file_is_reported(facts: CardFacts, tmp_path: Path,
                                  mlc: ModuleType) -> None:
    card = write_croissant(facts, HUMAN, tmp_path / "elsewhere.json")
    (tmp_path / "people.clean.csv").unlink()
    assert validate_croissant(card) == [
        "error: file people.clean.csv of the card is missing next to it"]


def test_errors_are_reported(facts: CardFacts, tmp_path: Path, mlc: ModuleType) -> None:
    doc = croissant(facts, HUMAN)
    doc["distribution"][0].pop("encodingFormat")
    doc["datePublished"] = "December 2026"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    errors = _errors(validate_croissant(path))
    assert any("encodingFormat" in e for e in errors)


def test_non_standard_context_is_reported(facts: CardFacts, tmp_path: Path,
                                          mlc: ModuleType) -> None:
    doc = croissant(facts, HUMAN)
    del doc["@context"]["samplingRate"]
    path = tmp_path / "ctx.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    [message] = validate_croissant(path)
    assert message.startswith("warning: The JSON-LD `@context` is not standard")


def test_no_table(facts: CardFacts, tmp_path: Path, mlc: ModuleType) -> None:
    path = tmp_path / "arrays.npz"
    path.write_bytes(b"not really an npz")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    arrays = dataclasses.replace(facts, columns=(), files=(FileFacts(
        path.name, str(path), digest, path.stat().st_size, "application/x-npz"),))
    doc = croissant(arrays, HUMAN)
    assert "recordSet" not in doc
    assert validate_croissant(write_croissant(arrays, HUMAN, tmp_path / "c.json")) == []


def test_bad_paths(tmp_path: Path, mlc: ModuleType) -> None:
    with pytest.raises(InputError, match="no such file"):
        validate_croissant(tmp_path / "none.json")
    (tmp_path / "x.json").write_text("[1]", encoding="utf-8")
    with pytest.raises(InputError, match="a JSON object"):
        read_records(tmp_path / "x.json")


def test_without_mlcroissant(facts: CardFacts, tmp_path: Path,
                             monkeypatch: pytest.MonkeyPatch) -> None:
    card = _card(tmp_path, facts)
    monkeypatch.setitem(sys.modules, "mlcroissant", None)
    with pytest.raises(InputError, match=r"mlcroissant installed \(pip install"):
        validate_croissant(card)
    with pytest.raises(InputError, match="croissant: expected mlcroissant installed"):
        read_records(card)
