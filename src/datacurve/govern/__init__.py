"""The govern room: every dataset version recorded, lineage you can follow, and dataset
cards (a Markdown datasheet and Croissant JSON-LD) written from what was measured."""

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

__all__ = [
    "CardFacts",
    "ClassShare",
    "ColumnFacts",
    "CurveFacts",
    "FileFacts",
    "Finding",
    "PiiFinding",
    "SubgroupFacts",
    "VersionStep",
]
