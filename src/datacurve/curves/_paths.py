"""Where a store lives by default (a module of its own: the CLI names it before it
imports anything heavy)."""

from __future__ import annotations

from pathlib import Path

__all__ = ["DEFAULT_STORE"]

DEFAULT_STORE = Path(".datacurve") / "store.sqlite"
"""The store every command reads and writes unless told otherwise."""
