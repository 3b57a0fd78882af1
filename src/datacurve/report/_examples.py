"""How one example of a dataset looks in a report: an image thumbnail (a ``data:`` URI),
a sparkline for a 1-D sequence, a text snippet, or a table row. Everything from the data
is escaped."""

from __future__ import annotations

import base64
import html
import io
from typing import Any

import numpy as np

from datacurve.data import Dataset

__all__ = ["example_html"]

_SNIPPET = 160
_ROW_COLUMNS = 8


def _esc(x: object) -> str:
    return html.escape(str(x), quote=True)


def _thumbnail(x: np.ndarray) -> str:
    from PIL import Image

    a = np.asarray(x, dtype=np.float64)
    if a.ndim == 3:  # channels first
        a = a[0] if a.shape[0] == 1 else np.moveaxis(a[:3], 0, -1)
    lo, hi = float(np.nanmin(a)), float(np.nanmax(a))
    a = (a - lo) / (hi - lo) if hi > lo else np.zeros_like(a)
    img = Image.fromarray(np.nan_to_num(a * 255).astype(np.uint8))
    scale = max(1, 56 // max(img.size))
    img = img.resize((img.size[0] * scale, img.size[1] * scale), Image.Resampling.NEAREST)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return (f'<img class="dc-thumb" alt="example" width="{img.size[0]}" '
            f'height="{img.size[1]}" src="data:image/png;base64,{data}">')


def _sparkline(x: np.ndarray) -> str:
    v = np.nan_to_num(np.asarray(x, dtype=np.float64).ravel())
    w, h = 120.0, 28.0
    lo, hi = float(v.min()), float(v.max())
    y = (v - lo) / (hi - lo) if hi > lo else np.full_like(v, 0.5)
    xs = np.linspace(1, w - 1, v.size)
    ys = (h - 2) - y * (h - 4)
    pts = " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(xs, ys, strict=True))
    return (f'<svg class="dc-spark" width="{w:.0f}" height="{h:.0f}" viewBox="0 0 {w:.0f} '
            f'{h:.0f}" role="img"><polyline fill="none" stroke="#1f77b4" stroke-width="1.2" '
            f'points="{pts}"/></svg>')


def _row(ds: Dataset, i: int) -> str:
    assert ds.raw is not None
    row = ds.raw.iloc[i]
    label = ds.metadata.get("label")
    cols = [c for c in ds.raw.columns if c != label][:_ROW_COLUMNS]
    cells = "".join(f"<span><b>{_esc(c)}</b>={_esc(_short(row[c], 40))}</span> "
                    for c in cols)
    more = len(ds.raw.columns) - len(cols) - (1 if label in ds.raw.columns else 0)
    return f'<span class="dc-row">{cells}{"…" if more > 0 else ""}</span>'


def _short(v: Any, k: int) -> str:
    s = f"{v:.4g}" if isinstance(v, float | np.floating) else str(v)
    return s if len(s) <= k else s[: k - 1] + "…"


def example_html(ds: Dataset, i: int) -> str:
    """One example of `ds` (row index `i`) as an HTML fragment.

    Parameters
    ----------
    ds : Dataset
    i : int

    Returns
    -------
    str
        Escaped HTML.
    """
    if not 0 <= i < ds.n:
        return ""
    kind = ds.modality
    if kind == "text":
        assert ds.raw is not None
        text = str(ds.raw[ds.metadata["text_column"]].iloc[i])
        return f'<span class="dc-snippet">{_esc(_short(text, _SNIPPET))}</span>'
    if kind == "table":
        return _row(ds, i)
    x = ds.X[i]
    if hasattr(x, "toarray"):
        x = x.toarray()
    x = np.asarray(x)
    if kind == "image":
        return _thumbnail(x)
    if kind == "sequence":
        return _sparkline(x)
    vals = ", ".join(f"{v:.3g}" for v in x.ravel()[:_ROW_COLUMNS])
    return f'<span class="dc-row">[{_esc(vals)}{", …" if x.size > _ROW_COLUMNS else ""}]</span>'
