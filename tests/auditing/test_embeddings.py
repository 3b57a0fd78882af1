"""`AuditContext.embeddings`: columns sharing one scale (pixels, signals) are kept as
they are, tables are standardised column by column, wide data is reduced by PCA."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.datasets import load_digits

from datacurve.auditing._context import EMBED_DIM, context_from, shares_one_scale


def digits() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's digits as an (n, 64) float array, pixels 0-16, and labels."""
    X, y = load_digits(return_X_y=True)
    return X.astype(np.float64), y


def pairwise(Z: np.ndarray) -> np.ndarray:
    """(m, m) Euclidean distances between the rows of Z."""
    return np.sqrt(np.maximum(((Z[:, None, :] - Z[None, :, :]) ** 2).sum(-1), 0.0))


def test_flattened_pixels_keep_their_distances() -> None:
    """Digits as (n, 64): embeddings are the pixels centred, not standardised."""
    X, y = digits()
    Z = context_from(X, y).embeddings()
    np.testing.assert_allclose(pairwise(Z[:50]), pairwise(X[:50]), rtol=1e-4, atol=1e-3)


def test_images_share_one_scale() -> None:
    """Channels-first images (n, 1, 8, 8) are compared on their pixel values."""
    X, y = digits()
    images = (X / 16.0).reshape(-1, 1, 8, 8)
    Z = context_from(images, y).embeddings()
    np.testing.assert_allclose(pairwise(Z[:50]), pairwise(X[:50] / 16.0), atol=1e-4)


def test_table_is_standardised() -> None:
    """A DataFrame (a table with column names) is standardised even on one range."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": rng.uniform(0, 16, 300), "b": rng.uniform(0, 1, 300),
                          "label": rng.integers(0, 2, 300)})
    Z = context_from(frame, "label").embeddings()
    np.testing.assert_allclose(Z.std(axis=0), 1.0, rtol=1e-3)


def test_array_with_column_in_other_units_is_standardised() -> None:
    """A bare 2-D array with one much wider column (an income beside ages) is a table."""
    rng = np.random.default_rng(0)
    X = np.column_stack([rng.uniform(18, 90, 300), rng.uniform(15, 45, 300),
                         rng.uniform(0, 200_000, 300)])
    Z = context_from(X, rng.integers(0, 2, 300)).embeddings()
    np.testing.assert_allclose(Z.std(axis=0), 1.0, rtol=1e-3)


def test_shared_range_rule() -> None:
    """Pixels with a blank border and standard-normal columns share one scale; a column
    on another offset (a year) or other units does not; a table never does."""
    X, _ = digits()
    rng = np.random.default_rng(0)
    normal = rng.normal(size=(500, 20))
    year = np.column_stack([rng.integers(1990, 2024, 500), rng.integers(0, 10, (500, 4))])
    assert shares_one_scale(X, 2) and shares_one_scale(normal, 2)
    assert not shares_one_scale(year.astype(float), 2)
    assert not shares_one_scale(X, 2, tabular=True)
    assert shares_one_scale(year.astype(float), 4)            # images: by their shape


def test_wide_pixels_are_reduced_by_pca() -> None:
    """More than 256 pixel columns are reduced to `EMBED_DIM` dimensions."""
    rng = np.random.default_rng(0)
    X = rng.uniform(0, 1, (400, 300))
    Z = context_from(X, rng.integers(0, 2, 400)).embeddings()
    assert Z.shape == (400, EMBED_DIM) and Z.dtype == np.float32


def test_wide_data_with_few_rows_keeps_as_many_components_as_rows() -> None:
    """300 pixel columns and 40 rows (an image folder of 40 images): PCA keeps at most 40
    components instead of failing (issue 15: a traceback under 64 images)."""
    rng = np.random.default_rng(0)
    X = rng.uniform(0, 1, (40, 300))
    Z = context_from(X, rng.integers(0, 2, 40)).embeddings()
    assert Z.shape[0] == 40 and 1 <= Z.shape[1] <= 40 and np.isfinite(Z).all()


def test_audit_of_a_small_image_folder_runs(tmp_path) -> None:
    """`datacurve audit` of a folder of 30 images of 20×20 pixels (400 columns) prints
    its table and exits 0."""
    from PIL import Image

    from datacurve.cli._app import main

    rng = np.random.default_rng(1)
    for label in ("cat", "dog"):
        (tmp_path / label).mkdir()
        for i in range(15):
            pixels = rng.integers(0, 255, (20, 20), dtype=np.uint8)
            Image.fromarray(pixels).save(tmp_path / label / f"{i}.png")
    assert main(["audit", str(tmp_path), "--checks", "near_duplicate,outlier"]) == 0
