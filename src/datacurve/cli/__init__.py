"""The `datacurve` command line."""

from __future__ import annotations

import sys

from datacurve.cli._app import app
from datacurve.cli._app import main as _main

__all__ = ["app", "main"]


def main() -> None:
    """Console-script entry point."""
    sys.exit(_main())
