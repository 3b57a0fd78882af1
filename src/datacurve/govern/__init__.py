"""The govern room: every dataset version recorded, lineage you can follow, and dataset
cards (a Markdown datasheet and Croissant JSON-LD) written from what was measured.

Versions are recorded by the rooms that make datasets (`datacurve.data.version_chain`)
into the store; `versions` and `lineage` read them back; `card_facts` gathers what was
measured about a version, `read_datacard` what people wrote about it in
``datacard.yaml``, and `write_card` writes both as a datasheet after Gebru et al. and as
Croissant 1.0 JSON-LD with its Responsible-AI fields.
"""

from datacurve.govern._card import (
    ENCODINGS,
    TITLES,
    CardFiles,
    card_facts,
    card_paths,
    cards_of,
    write_card,
)
from datacurve.govern._croissant import (
    CROISSANT_CONTEXT,
    croissant,
    read_records,
    validate_croissant,
    write_croissant,
)
from datacurve.govern._datacard import (
    DATACARD_NAME,
    DATACARD_SECTIONS,
    REQUIRED,
    Datacard,
    read_datacard,
    template_text,
    write_template,
)
from datacurve.govern._facts import (
    CardFacts,
    ClassShare,
    ColumnFacts,
    CurveFacts,
    FileFacts,
    Finding,
    PiiFinding,
    SubgroupFacts,
    VersionStep,
)
from datacurve.govern._lineage import (
    Lineage,
    derived,
    lineage,
    lineage_of_dataset,
    record,
    records_of,
    resolve_version,
    step_of,
    versions,
)
from datacurve.govern._markdown import NOT_STATED, datasheet_markdown

__all__ = [
    "CROISSANT_CONTEXT",
    "DATACARD_NAME",
    "DATACARD_SECTIONS",
    "ENCODINGS",
    "NOT_STATED",
    "REQUIRED",
    "TITLES",
    "CardFacts",
    "CardFiles",
    "ClassShare",
    "ColumnFacts",
    "CurveFacts",
    "Datacard",
    "FileFacts",
    "Finding",
    "Lineage",
    "PiiFinding",
    "SubgroupFacts",
    "VersionStep",
    "card_facts",
    "card_paths",
    "cards_of",
    "croissant",
    "datasheet_markdown",
    "derived",
    "lineage",
    "lineage_of_dataset",
    "read_datacard",
    "read_records",
    "record",
    "records_of",
    "resolve_version",
    "step_of",
    "template_text",
    "validate_croissant",
    "versions",
    "write_card",
    "write_croissant",
    "write_template",
]
