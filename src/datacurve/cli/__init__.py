"""The `datacurve` command line."""

from __future__ import annotations

import sys

from datacurve.cli._app import CLI_NAMES, app, cli_error
from datacurve.cli._app import main as _main

__all__ = ["CLI_NAMES", "app", "cli_error", "main"]


def main() -> None:
    """Console-script entry point."""
    sys.exit(_main())
