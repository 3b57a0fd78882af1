"""The registry through which early rooms reach later ones (imports stay one way)."""

from __future__ import annotations

import pytest

from datacurve import DatacurveError, _hooks, fit_learning_curve


def test_notebook_display_is_rendered_by_the_report_room() -> None:
    """A fitted curve renders as HTML once the report room has registered its renderer
    (``import datacurve`` does); a type without a renderer renders as None."""
    curve = fit_learning_curve([16, 32, 64, 128], [0.5, 0.6, 0.68, 0.73])
    html = curve._repr_html_()
    assert html is not None and "<svg" in html
    assert _hooks.html(object()) is None


def test_a_shortcut_without_its_room_says_so() -> None:
    """Looking up a function no room provided is a DatacurveError that says what to do."""
    with pytest.raises(DatacurveError, match="import datacurve"):
        _hooks.provided("no-such-function")
    assert callable(_hooks.provided("analyze"))
