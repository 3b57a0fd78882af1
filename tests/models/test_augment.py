"""Augmentation on the fly (datacurve.models._augment): parsing, what each operation
does to a batch, and the torch learners' use of it."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from datacurve import InputError
from datacurve.models import AUGMENTATIONS, CNNLearner, MLPLearner, parse_augmentation


def _apply(text: str, x: torch.Tensor, y: torch.Tensor | None = None, *,
           shape: tuple[int, ...] | None = None, n_classes: int = 0, seed: int = 0,
           zero: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    aug = parse_augmentation(text)
    assert aug is not None
    b = x.shape[0]
    flat = x.reshape(b, -1)
    y = torch.zeros(b, dtype=torch.long) if y is None else y
    return aug.apply(flat, y, shape=shape or tuple(x.shape[1:]),
                     zero=torch.zeros(flat.shape[1]) if zero is None else zero,
                     n_classes=n_classes, rng=np.random.default_rng(seed),
                     gen=torch.Generator().manual_seed(seed))


def test_parse_canonical_and_defaults() -> None:
    aug = parse_augmentation("noise=0.05 + shift")
    assert aug is not None and aug.canonical == "noise=0.05+shift=0.125"
    assert parse_augmentation("mixup+flip").canonical == "flip=0.5+mixup=0.2"  # type: ignore[union-attr]
    assert parse_augmentation(None) is None and parse_augmentation("  ") is None
    assert parse_augmentation("flip+crop").kinds == {"image"}  # type: ignore[union-attr]


@pytest.mark.parametrize(("text", "says"), [
    ("shfit", "did you mean 'shift'"),
    ("noise=abc", "a number for noise"),
    ("noise=-1", "noise in (0, inf]"),
    ("rotate=400", "rotate in (0, 180]"),
    ("shift+shift", "given twice"),
    (3, "operations joined by '+'"),
])
def test_bad_augmentations_are_refused_naming_augment(text: object, says: str) -> None:
    with pytest.raises(InputError) as err:
        parse_augmentation(text)  # type: ignore[arg-type]
    assert err.value.name == "augment" and says in str(err.value)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 6), st.integers(2, 40), st.floats(0.01, 1.0), st.integers(0, 99))
def test_circular_shift_keeps_every_value(b: int, L: int, s: float, seed: int) -> None:
    """A circular shift is a rotation of each example: the same values, in a cyclic
    order."""
    x = torch.randn(b, L, generator=torch.Generator().manual_seed(seed))
    out, _ = _apply(f"shift={s}", x, seed=seed)
    for row, new in zip(x, out, strict=True):
        assert torch.equal(row.sort().values, new.sort().values)
        assert any(torch.equal(row.roll(k), new) for k in range(L))


def test_pad_shift_fills_with_the_mean_and_stretch_of_one_is_identity() -> None:
    x = torch.arange(1, 41, dtype=torch.float32).repeat(64, 1)
    out, _ = _apply("pad_shift=0.25", x)
    shifted = (out != x).any(1)
    assert shifted.any() and ((out == 0).sum(1)[shifted] > 0).all()
    same, _ = _apply("stretch=0.000001", x)
    assert torch.allclose(same, x, atol=1e-3)
    stretched, _ = _apply("stretch=0.5", x)
    assert not torch.allclose(stretched, x) and torch.all(stretched.diff(dim=1) >= -1e-5)


def test_image_operations_keep_shape_and_flip_mirrors() -> None:
    x = torch.randn(16, 3, 8, 8, generator=torch.Generator().manual_seed(1))
    flipped, _ = _apply("flip=1", x)
    assert torch.equal(flipped.reshape(x.shape), x.flip(-1))
    for text in ("crop=0.5", "rotate=30", "translate=0.2", "jitter=0.3",
                 "flip+crop+rotate+translate+jitter"):
        out, _ = _apply(text, x)
        assert out.shape == (16, 3 * 64) and torch.isfinite(out).all()
        assert not torch.allclose(out, x.reshape(16, -1)), text
    # A rotation by a tiny angle leaves a smooth image nearly unchanged.
    grid = torch.linspace(-1, 1, 16)
    smooth = (grid[:, None] + grid[None, :]).expand(4, 1, 16, 16)
    out, _ = _apply("rotate=0.01", smooth)
    inner = out.reshape(4, 16, 16)[:, 2:-2, 2:-2]
    assert torch.allclose(inner, smooth[:, 0, 2:-2, 2:-2], atol=1e-3)


def test_noise_has_the_stated_spread_and_mixup_mixes_labels() -> None:
    x = torch.zeros(2000, 10)
    out, _ = _apply("noise=0.3", x)
    assert out.std().item() == pytest.approx(0.3, rel=0.05)
    x = torch.randn(64, 5, generator=torch.Generator().manual_seed(2))
    y = torch.randint(0, 3, (64,), generator=torch.Generator().manual_seed(3))
    out, target = _apply("mixup=0.4", x, y, n_classes=3)
    assert target.shape == (64, 3) and torch.allclose(target.sum(1), torch.ones(64))
    # Each mixed example is a convex combination of two of the batch.
    lam = target.max(1).values
    assert (lam >= 0.5 - 1e-6).all()
    _, t = _apply("mixup=0.4", x, torch.linspace(0, 1, 64))
    assert t.shape == (64,) and t.min() >= 0 and t.max() <= 1


def test_token_dropout_only_drops_present_tokens() -> None:
    zero = torch.full((50,), -0.5)
    x = zero.repeat(400, 1)
    x[:, :10] = 2.0  # ten present tokens per document
    out, _ = _apply("token_dropout=0.3", x, zero=zero)
    assert torch.equal(out[:, 10:], x[:, 10:])
    dropped = (out[:, :10] == -0.5).float().mean().item()
    assert dropped == pytest.approx(0.3, abs=0.03)


@pytest.mark.parametrize(("learner", "X_shape", "text", "says"), [
    (MLPLearner, (40, 30), "flip", "images"),
    (CNNLearner, (40, 30), "rotate=5", "images"),
    (MLPLearner, (40, 1), "shift", "signals"),
])
def test_learners_refuse_operations_that_do_not_fit_the_examples(
        learner: type, X_shape: tuple[int, int], text: str, says: str) -> None:
    X = np.random.default_rng(0).normal(size=X_shape).astype(np.float32)
    y = np.arange(X_shape[0]) % 2
    with pytest.raises(InputError) as err:
        learner(augment=text, max_epochs=1, device="cpu").fit(X, y)
    assert err.value.name == "augment" and says in str(err.value)
    with pytest.raises(InputError) as err:
        learner(augment="nosie", max_epochs=1).fit(X, y)
    assert err.value.name == "augment"


def test_learner_augments_training_batches_only_and_reproducibly() -> None:
    """The same seed gives the same model (the transformations are drawn from it);
    augmentation changes the trained weights; predictions are never augmented (the
    same input predicts the same twice)."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 32)).astype(np.float32)
    y = (X[:, :16].sum(1) > 0).astype(int)
    kw = {"width": 8, "depth": 1, "max_epochs": 3, "device": "cpu", "random_state": 3}
    a = MLPLearner(augment="noise=0.5+mixup=0.2", **kw).fit(X, y)
    b = MLPLearner(augment="noise=0.5+mixup=0.2", **kw).fit(X, y)
    plain = MLPLearner(**kw).fit(X, y)
    pa, pb = a.predict_proba(X), b.predict_proba(X)
    assert np.array_equal(pa, pb) and np.array_equal(pa, a.predict_proba(X))
    assert not np.allclose(pa, plain.predict_proba(X))
    assert "augment" in a.get_params()
    cnn = CNNLearner(width=4, depth=1, augment="shift=0.2+stretch=0.1+gain=0.1",
                     max_epochs=2, device="cpu").fit(X, y)
    assert cnn.predict(X).shape == (200,)


def test_every_operation_is_documented_with_its_modalities() -> None:
    kinds = {"signal", "image", "table", "text"}
    for name, op in AUGMENTATIONS.items():
        assert op.what and set(op.modalities) <= kinds, name
        assert parse_augmentation(name) is not None


def test_torch_learner_augments_a_users_module() -> None:
    """TorchLearner(augment=...) transforms every training batch in the input's own
    units (mixup hands the default loss class probabilities); the augmentation is part
    of its identity; validation and evaluation batches are not augmented (the same input
    gives the same outputs), and a bad operation is refused at construction."""
    from torch import nn

    from datacurve.models import RowAccess, TorchLearner

    rng = np.random.default_rng(0)
    X = rng.normal(3.0, 2.0, size=(300, 16)).astype(np.float32)
    y = (X[:, :8].sum(1) > 24).astype(np.int64)

    def net() -> nn.Module:
        return nn.Sequential(nn.Linear(16, 8), nn.ReLU(), nn.Linear(8, 2))

    plain = TorchLearner(net, epochs=3, device="cpu", name="net")
    aug = TorchLearner(net, epochs=3, device="cpu", name="net",
                       augment="noise=0.3+mixup=0.2")
    assert aug.augment == "noise=0.3+mixup=0.2" and aug.identity() != plain.identity()
    access = RowAccess(y=y, X=X)
    train, evaluation = np.arange(200), np.arange(200, 300)
    outs = [learner.run(access, train, evaluation, seed=1, task="classification",
                        n_classes=2, metric=None) for learner in (aug, aug, plain)]
    assert np.array_equal(outs[0].eval_outputs, outs[1].eval_outputs)
    assert not np.allclose(outs[0].eval_outputs, outs[2].eval_outputs)
    assert np.allclose(outs[0].eval_outputs.sum(1), 1.0)
    with pytest.raises(InputError) as err:
        TorchLearner(net, augment="flip+nosie")
    assert err.value.name == "augment"
