"""The contracts of DESIGN that other code relies on, at the top level (the room-by-room
``__all__`` checks live in tests/test_architecture.py)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd


def test_fit_contract_is_at_the_top_level() -> None:
    """`from datacurve import fit_learning_curve` works and returns the documented API."""
    from datacurve import fit_learning_curve

    fit = fit_learning_curve([16, 32, 64, 128], [0.5, 0.6, 0.68, 0.73])
    for attr in ("predict", "interval", "size_for", "asymptote", "size_interval", "gain"):
        assert hasattr(fit, attr)
    assert isinstance(fit.predict(256), float)
    assert fit.predict(np.array([256, 512])).shape == (2,)
    lo, hi = fit.interval(512, level=0.8)
    assert lo <= fit.predict(512) <= hi
    assert fit.size_for(0.99) == math.inf or fit.size_for(0.99) > 128


def test_diagnose_contract_takes_the_documented_table() -> None:
    """`diagnose(results, model=...)` with exactly DESIGN's six columns."""
    from datacurve import diagnose

    rows = [{"model": m, "params": p, "n": n, "seed": s,
             "train_score": 1.0 - 0.5 * n ** -0.3,
             "val_score": top - 2.0 * n ** -0.5 + 0.002 * s}
            for m, p, top in (("small", 100, 0.8), ("big", 1000, 0.95))
            for n in (64, 128, 256, 512, 1024) for s in range(2)]
    d = diagnose(pd.DataFrame(rows), model="small")
    assert d.bottleneck in ("data", "model_capacity", "label_noise", "variance",
                            "saturated")
    assert d.recommendations and all(hasattr(r, a) for r in d.recommendations
                                     for a in ("action", "expected_gain", "evidence"))


def test_audit_contract_is_the_function() -> None:
    """`from datacurve import audit; audit(X, y)` runs the audit (DESIGN's call)."""
    from datacurve import audit

    X = np.random.default_rng(0).normal(size=(80, 4))
    y = (X[:, 0] > 0).astype(int)
    r = audit(np.vstack([X, X[:3]]), np.r_[y, y[:3]], checks=["exact_duplicate"])
    assert set(r.flagged("exact_duplicate")) == {0, 1, 2, 80, 81, 82}
    assert {"index", "check", "score"} <= set(r.issues.columns)
