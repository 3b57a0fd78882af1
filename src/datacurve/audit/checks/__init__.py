"""The built-in checks; importing this package registers them. One check per module."""

from datacurve.audit.checks._imbalance import ClassImbalance

__all__ = ["ClassImbalance"]
