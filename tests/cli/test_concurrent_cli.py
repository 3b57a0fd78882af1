"""Two `datacurve curve` commands write one new store at once while `datacurve results`
reads it, all through the installed console script: nobody is refused or locked out,
every reader sees a growing table, and both curves land whole."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import scripted_dataset, scripted_spec
from tests.curves.test_crash_loop import datacurve_command


@pytest.mark.slow
def test_two_writers_and_a_reader_share_a_new_store(tmp_path: Path) -> None:
    ds = scripted_dataset(900)
    data = tmp_path / "d.npz"
    np.savez(data, X=ds.X, y=ds.y)
    store = tmp_path / "shared.sqlite"
    specs = [scripted_spec(sleep_per_sample=0.0002),
             scripted_spec(sleep_per_sample=0.0002, asymptote=0.8)]
    writers = [subprocess.Popen(
        [*datacurve_command(), "curve", str(data), "--model", spec, "--seeds", "2",
         "--eval-folds", "1", "--store", str(store), "--json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for spec in specs]
    seen: list[int] = []
    try:
        while any(w.poll() is None for w in writers):
            if store.exists():
                shown = subprocess.run([*datacurve_command(), "results", "--store",
                                        str(store), "--all", "--json"],
                                       capture_output=True, text=True, timeout=120)
                assert shown.returncode == 0, shown.stderr
                seen.append(json.loads(shown.stdout)["trials"])
            time.sleep(0.2)
        outputs = [w.communicate(timeout=120) for w in writers]
    finally:
        for w in writers:
            if w.poll() is None:
                w.kill()
                w.wait()
    for w, (out, err) in zip(writers, outputs, strict=True):
        assert w.returncode == 0, err
        payload = json.loads(out)
        assert payload["failed"] == 0 and payload["ran"] == payload["plan"]["trials"]
    assert seen == sorted(seen), "a reader saw trials disappear"
    assert len(seen) >= 2, "the reader should have read while the writers ran"
    total = sum(json.loads(out)["plan"]["trials"] for out, _ in outputs)
    con = sqlite3.connect(store.resolve().as_uri() + "?mode=ro", uri=True)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert con.execute("SELECT COUNT(*) FROM trials WHERE status = 'ok'"
                           ).fetchone()[0] == total
    finally:
        con.close()
