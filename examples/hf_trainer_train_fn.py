"""Your own trainer, datacurve's curves: a Hugging Face `Trainer` inside a `train_fn`.

datacurve picks the nested training subsets, the seeds and the evaluation rows, stores
and resumes the trials, and fits the curves; the Hugging Face Trainer does the training,
exactly as it would in your project. Nothing is downloaded: the model is a tiny BERT
built from a config, and the data are token sequences made here (the label says whether
"good" tokens outnumber "bad" ones), so this runs on a laptop CPU in about a minute.

Usage: python examples/hf_trainer_train_fn.py [--n 1500] [--sizes 64,128,256,512,1024]
                                               [--seeds 2] [--epochs 10]
                                               [--store hf_trainer.sqlite]
"""

from __future__ import annotations

import argparse
import tempfile
from typing import Any

import numpy as np
import torch

from datacurve import FunctionLearner, run_curve

VOCAB, LENGTH = 40, 24
GOOD, BAD = (5, 6, 7), (8, 9, 10)


def make_sequences(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Token ids of shape (n, LENGTH) and labels of shape (n,)."""
    rng = np.random.default_rng(seed)
    ids = rng.integers(11, VOCAB, size=(n, LENGTH))
    label = rng.integers(0, 2, size=n)
    k = rng.integers(1, 4, size=n)  # how many sentiment tokens
    for i in range(n):  # a data generator, not a hot path
        pos = rng.choice(LENGTH, size=2 * k[i], replace=False)
        major, minor = (GOOD, BAD) if label[i] else (BAD, GOOD)
        ids[i, pos[: k[i] + 1]] = rng.choice(major, size=k[i] + 1)
        ids[i, pos[k[i] + 1:]] = rng.choice(minor, size=k[i] - 1)
    return ids, label


class TokenData(torch.utils.data.Dataset):  # type: ignore[type-arg]
    """Rows of the token matrix as the Trainer expects them."""

    def __init__(self, ids: np.ndarray, labels: np.ndarray) -> None:
        self.ids, self.labels = torch.from_numpy(ids), torch.from_numpy(labels)

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        return {"input_ids": self.ids[i], "attention_mask": torch.ones(LENGTH, dtype=torch.long),
                "labels": self.labels[i]}


def make_train_fn(ids: np.ndarray, labels: np.ndarray, epochs: int = 10) -> Any:
    """A `train_fn(train_indices, eval_indices, seed, hidden=...)` closing over the data."""
    from transformers import (
        BertConfig,
        BertForSequenceClassification,
        PrinterCallback,
        Trainer,
        TrainingArguments,
    )

    def accuracy(trainer: Trainer, rows: np.ndarray) -> float:
        pred = trainer.predict(TokenData(ids[rows], labels[rows])).predictions
        return float(np.mean(np.argmax(pred, axis=1) == labels[rows]))

    def train_fn(train: np.ndarray, evaluation: np.ndarray, seed: int,
                 hidden: int = 32) -> dict[str, float]:
        torch.manual_seed(seed)
        config = BertConfig(vocab_size=VOCAB, hidden_size=hidden, num_hidden_layers=1,
                            num_attention_heads=2, intermediate_size=2 * hidden,
                            max_position_embeddings=LENGTH, num_labels=2)
        model = BertForSequenceClassification(config)
        with tempfile.TemporaryDirectory() as out:
            args = TrainingArguments(
                output_dir=out, num_train_epochs=epochs, per_device_train_batch_size=16,
                learning_rate=1e-3, seed=seed, report_to="none", save_strategy="no",
                logging_strategy="no", disable_tqdm=True, use_cpu=True)
            trainer = Trainer(model=model, args=args,
                              train_dataset=TokenData(ids[train], labels[train]))
            trainer.remove_callback(PrinterCallback)  # datacurve draws the progress
            result = trainer.train()
            return {"train_score": accuracy(trainer, train),
                    "val_score": accuracy(trainer, evaluation),
                    "params": int(model.num_parameters()),
                    "seconds": float(result.metrics["train_runtime"])}

    return train_fn


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1500)
    parser.add_argument("--sizes", default="64,128,256,512,1024")
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--store", default="hf_trainer.sqlite")
    args = parser.parse_args(argv)
    ids, labels = make_sequences(args.n)
    learner = FunctionLearner(make_train_fn(ids, labels, args.epochs), name="tiny-bert")
    run = run_curve((ids.astype(np.float32), labels), learner,
                    sizes=[int(s) for s in args.sizes.split(",")], seeds=args.seeds,
                    store=args.store)
    print(run.summary()[["model", "n", "params", "val_mean", "val_std", "train_mean"]]
          .to_string(index=False))
    if run.failed:
        print(run.describe_failures())


if __name__ == "__main__":
    main()
