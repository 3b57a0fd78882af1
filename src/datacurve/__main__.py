"""``python -m datacurve``."""

from datacurve.cli import main

main()
