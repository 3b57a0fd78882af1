"""Count how the installed ``datacurve`` command answers every bad input of the table in
``tests/cli/bad_inputs.py``: tracebacks, silent exits (code 0), errors of more than one
line, other exit codes, and runs that changed a file. Each case runs as a subprocess in
a fresh copy of the inputs, as a user meets the tool.

Usage: python bench/bad_inputs.py
Target: every case one line naming the input, exit code 2, files untouched (0 tracebacks,
0 silent exits).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.cli.bad_inputs import CASES, make_files
from tests.cli.test_bad_input_cli import snapshot


def command() -> list[str]:
    script = Path(sys.executable).with_name("datacurve")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "datacurve"]


def main() -> None:
    counts: Counter[str] = Counter()
    with tempfile.TemporaryDirectory() as tmp:
        template = Path(tmp) / "template"
        template.mkdir()
        here = Path.cwd()
        os.chdir(template)
        try:
            make_files(template)
        finally:
            os.chdir(here)
        for case in CASES:
            folder = Path(tmp) / case.id
            shutil.copytree(template, folder)
            before = snapshot(folder)
            done = subprocess.run([*command(), *case.argv], cwd=folder, capture_output=True,
                                  text=True, timeout=600)
            lines = [ln for ln in done.stderr.splitlines() if ln.strip()]
            if "Traceback" in done.stderr:
                outcome = "traceback"
            elif done.returncode == 0:
                outcome = "silent exit 0"
            elif done.returncode != 2:
                outcome = f"exit {done.returncode}"
            elif len(lines) != 1:
                outcome = "more than one line"
            elif not all(n in lines[0] for n in case.needles):
                outcome = "line does not name the input"
            else:
                outcome = "one line, exit 2"
            if snapshot(folder) != before:
                counts["changed a file"] += 1
                print(f"{case.id}: changed a file")
            counts[outcome] += 1
            if outcome != "one line, exit 2":
                print(f"{case.id}: {outcome}: {(lines or [''])[-1][:160]}")
            shutil.rmtree(folder)
    print(f"\n{len(CASES)} bad inputs through `datacurve`:")
    for outcome in ("one line, exit 2", "traceback", "silent exit 0", "more than one line",
                    "line does not name the input", "changed a file"):
        print(f"  {outcome:30s} {counts.pop(outcome, 0)}")
    for outcome, count in counts.items():
        print(f"  {outcome:30s} {count}")


if __name__ == "__main__":
    main()
