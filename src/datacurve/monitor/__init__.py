"""The monitor room: drift between reference and current data, and its history.

`drift` compares a current window with the reference (per column, jointly, through a
model's outputs and through the labels) and returns a `DriftReport`; `add_window`,
`windows`, `history` and `monitor_status` keep those reports in the datacurve store, one
per production window; `recovery` measures, on a labelled current window, how many of its
samples bring the model back to its reference score.
"""

from datacurve.monitor._drift import (
    CORRECTIONS,
    FAMILIES,
    NUMERIC_TESTS,
    DriftReport,
    DriftTest,
    drift,
)
from datacurve.monitor._history import (
    WINDOW_PREFIX,
    MonitorStatus,
    MonitorWindow,
    add_window,
    history,
    monitor_status,
    windows,
)
from datacurve.monitor._recovery import Recovery, recovery

__all__ = [
    "CORRECTIONS",
    "FAMILIES",
    "NUMERIC_TESTS",
    "WINDOW_PREFIX",
    "DriftReport",
    "DriftTest",
    "MonitorStatus",
    "MonitorWindow",
    "Recovery",
    "add_window",
    "drift",
    "history",
    "monitor_status",
    "recovery",
    "windows",
]
