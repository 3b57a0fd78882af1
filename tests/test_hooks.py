"""The registry through which early rooms reach later ones (imports stay one way)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from datacurve import DatacurveError, _hooks, fit_learning_curve


def test_notebook_display_is_rendered_by_the_report_room() -> None:
    """A fitted curve renders as HTML through the report room's renderer; a type
    without a renderer renders as None."""
    curve = fit_learning_curve([16, 32, 64, 128], [0.5, 0.6, 0.68, 0.73])
    html = curve._repr_html_()
    assert html is not None and "<svg" in html
    assert _hooks.html(object()) is None


def test_a_shortcut_without_its_room_says_so() -> None:
    """Looking up a function no room provides is a DatacurveError naming it."""
    with pytest.raises(DatacurveError, match="no-such-function"):
        _hooks.provided("no-such-function")
    assert callable(_hooks.provided("analyze"))


def test_shortcuts_import_their_room_when_called() -> None:
    """In a fresh interpreter that imported only the fit room, the notebook display
    and `CurveRun.fit`'s analysis import the room that provides them on first use."""
    code = (
        "import sys\n"
        "from datacurve.fit import fit_learning_curve\n"
        "assert 'datacurve.report' not in sys.modules\n"
        "c = fit_learning_curve([16, 32, 64, 128], [0.5, 0.6, 0.68, 0.73])\n"
        "assert '<svg' in c._repr_html_()\n"
        "from datacurve import _hooks\n"
        "assert callable(_hooks.provided('analyze'))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
