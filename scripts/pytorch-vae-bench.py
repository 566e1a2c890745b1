#!/usr/bin/env python3
"""PyTorch reference for `tinyvae bench`: the same two VAEs, the same data, the same batch.

vae-mnist is the PyTorch examples VAE (784-400-20, ReLU, Bernoulli decoder, BCE summed plus
KL, Adam 1e-3, batch 128); vae-digits is 64-32-2 on the 8x8 digits at batch 32. Pixels are
in [0, 1], not binarized, as in `tinyvae bench`. Prints one line per (preset, threads) in the
same columns as `tinyvae bench`, so both can be run one after the other and compared.

    python3 scripts/pytorch-vae-bench.py --seconds 5

Needs torch (2.x) and numpy (`pip install torch numpy`; the PyPI build runs on CPU). Run it beside `tinyvae bench` in one session: throughput on a
shared machine drifts, so only ratios measured side by side mean anything.
"""

import argparse
import gzip
import pathlib
import struct
import time

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

DATA = pathlib.Path(__file__).resolve().parent.parent / "data"


def mnist_train() -> np.ndarray:
    with gzip.open(DATA / "mnist" / "train-images-idx3-ubyte.gz", "rb") as f:
        magic, count, rows, cols = struct.unpack(">IIII", f.read(16))
        assert magic == 2051, "not an IDX image file"
        pixels = np.frombuffer(f.read(), dtype=np.uint8)
    return pixels.reshape(count, rows * cols).astype(np.float32) / 255.0


def digits() -> np.ndarray:
    with gzip.open(DATA / "digits" / "digits.csv.gz", "rt") as f:
        rows = np.loadtxt(f, delimiter=",", dtype=np.float32)
    return rows[:, :64] / 16.0


class Vae(nn.Module):
    def __init__(self, inputs: int, hidden: int, latent: int):
        super().__init__()
        self.fc1 = nn.Linear(inputs, hidden)
        self.fc21 = nn.Linear(hidden, latent)
        self.fc22 = nn.Linear(hidden, latent)
        self.fc3 = nn.Linear(latent, hidden)
        self.fc4 = nn.Linear(hidden, inputs)

    def forward(self, x):
        h = F.relu(self.fc1(x))
        mu, logvar = self.fc21(h), self.fc22(h)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
        logits = self.fc4(F.relu(self.fc3(z)))
        return logits, mu, logvar


def loss_function(logits, x, mu, logvar):
    # BCE from logits is the numerically safe form of the examples' sigmoid + BCE.
    bce = F.binary_cross_entropy_with_logits(logits, x, reduction="sum")
    kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return bce + kld


def measure(data: np.ndarray, shape, batch: int, seconds: float, threads: int) -> float:
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    model = Vae(*shape)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    x_all = torch.from_numpy(data)
    steps_per_epoch = len(data) // batch

    def step(index: int):
        start = (index % steps_per_epoch) * batch
        x = x_all[start : start + batch]
        optimizer.zero_grad(set_to_none=True)
        logits, mu, logvar = model(x)
        loss_function(logits, x, mu, logvar).backward()
        optimizer.step()

    warm_up = time.perf_counter()
    index = 0
    while time.perf_counter() - warm_up < 0.5:
        step(index)
        index += 1
    start = time.perf_counter()
    steps = 0
    while time.perf_counter() - start < seconds:
        step(index + steps)
        steps += 1
    return steps * batch / (time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    presets = [
        ("vae-mnist", mnist_train(), (784, 400, 20), 128),
        ("vae-digits", digits(), (64, 32, 2), 32),
    ]
    print(f"# torch {torch.__version__}, {torch.backends.cpu.get_cpu_capability()}")
    print(f"{'preset':<14} {'threads':>7} {'batch':>9} {'samples/s':>14} {'vs 1 thr':>10}")
    for name, data, shape, batch in presets:
        single = None
        for threads in (1, 2):
            rate = measure(data, shape, batch, args.seconds, threads)
            single = single or rate
            print(f"{name:<14} {threads:>7} {batch:>9} {rate:>14.0f} {rate / single:>9.2f}×")


if __name__ == "__main__":
    main()
