"""The public surface: every name in each room's __all__ exists, and the contracts of
DESIGN (fit_learning_curve at the top level) are importable."""

from __future__ import annotations

import importlib

import pytest

ROOMS = ["datacurve", "datacurve.data", "datacurve.models", "datacurve.curves",
         "datacurve.fit", "datacurve.diagnosis", "datacurve.auditing", "datacurve.report",
         "datacurve.cli"]


@pytest.mark.parametrize("name", ROOMS)
def test_all_names_exist(name: str) -> None:
    """Every name listed in __all__ is an attribute of the module."""
    module = importlib.import_module(name)
    missing = [n for n in module.__all__ if not hasattr(module, n)]
    assert missing == []


def test_fit_contract_is_at_the_top_level() -> None:
    """`from datacurve import fit_learning_curve` works and returns the documented API."""
    from datacurve import fit_learning_curve

    fit = fit_learning_curve([16, 32, 64, 128], [0.5, 0.6, 0.68, 0.73])
    for attr in ("predict", "interval", "size_for", "asymptote", "size_interval", "gain"):
        assert hasattr(fit, attr)
