#!/usr/bin/env python3
"""PyTorch reference for `tinyvae bench`: the same VAEs, the same data, the same batch.

vae-mnist is the PyTorch examples VAE (784-400-20, ReLU, Bernoulli decoder, BCE summed plus
KL, Adam 1e-3, batch 128); vae-digits is 64-32-2 on the 8x8 digits at batch 32.
conv-vae-mnist is the Keras VAE example on MNIST at batch 128, with the same loss and
optimizer as vae-mnist:

    encoder  1x28x28 -> conv 32, 3x3, stride 2 -> conv 64, 3x3, stride 2 (ReLU after each)
             -> flatten 64*7*7 = 3136 (channel-major) -> dense 16 ReLU -> mu, log sigma^2 (2 each)
    decoder  2 -> dense 3136 ReLU -> 64x7x7 -> transposed conv 64 then 32, 3x3, stride 2
             (ReLU after each) -> transposed conv 1, 3x3, stride 1 -> 784 logits

Keras's padding="same" is padding=1 here (with output_padding=1 on the stride-2 transposed
convolutions): the sizes are the same, 28 -> 14 -> 7 and 7 -> 14 -> 28, but for a stride-2
layer on an even size Keras pads one row and one column, on the bottom and right only, where
PyTorch pads one on every side, so their windows sit one pixel apart. Same shapes and
parameter counts, then, but weights do not carry over between the two unchanged.

Pixels are in [0, 1], not binarized, as in `tinyvae bench`. Prints one line per (preset,
threads) in the same columns as `tinyvae bench`, so both can be run one after the other and
compared.

    python3 scripts/pytorch-vae-bench.py --seconds 5
    python3 scripts/pytorch-vae-bench.py --presets conv-vae-mnist

Needs torch (2.x) and numpy (`pip install torch numpy`; the PyPI build runs on CPU). Run it
beside `tinyvae bench` in one session: throughput on a shared machine drifts, so only ratios
measured side by side mean anything.
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


def mnist_images(split: str = "train") -> np.ndarray:
    """The MNIST images of `split` ("train" or "t10k"), one flat row of 784 in [0, 1] each."""
    with gzip.open(DATA / "mnist" / f"{split}-images-idx3-ubyte.gz", "rb") as f:
        magic, count, rows, cols = struct.unpack(">IIII", f.read(16))
        assert magic == 2051, "not an IDX image file"
        pixels = np.frombuffer(f.read(), dtype=np.uint8)
    return pixels.reshape(count, rows * cols).astype(np.float32) / 255.0


def digits() -> np.ndarray:
    with gzip.open(DATA / "digits" / "digits.csv.gz", "rt") as f:
        rows = np.loadtxt(f, delimiter=",", dtype=np.float32)
    return rows[:, :64] / 16.0


def reparameterize(mu, logvar):
    return mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)


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
        logits = self.fc4(F.relu(self.fc3(reparameterize(mu, logvar))))
        return logits, mu, logvar


class ConvVae(nn.Module):
    """The Keras VAE example on 28x28 images, taking and returning flat rows of 784."""

    def __init__(self, latent: int = 2):
        super().__init__()
        self.encoder = nn.Sequential(
            nn.Unflatten(1, (1, 28, 28)),
            nn.Conv2d(1, 32, 3, stride=2, padding=1),
            nn.ReLU(),
            nn.Conv2d(32, 64, 3, stride=2, padding=1),
            nn.ReLU(),
            nn.Flatten(),
            nn.Linear(64 * 7 * 7, 16),
            nn.ReLU(),
        )
        self.mu = nn.Linear(16, latent)
        self.logvar = nn.Linear(16, latent)
        self.decoder = nn.Sequential(
            nn.Linear(latent, 64 * 7 * 7),
            nn.ReLU(),
            nn.Unflatten(1, (64, 7, 7)),
            nn.ConvTranspose2d(64, 64, 3, stride=2, padding=1, output_padding=1),
            nn.ReLU(),
            nn.ConvTranspose2d(64, 32, 3, stride=2, padding=1, output_padding=1),
            nn.ReLU(),
            nn.ConvTranspose2d(32, 1, 3, stride=1, padding=1),
            nn.Flatten(),
        )

    def forward(self, x):
        h = self.encoder(x)
        mu, logvar = self.mu(h), self.logvar(h)
        return self.decoder(reparameterize(mu, logvar)), mu, logvar

    def parameter_counts(self) -> tuple[int, int]:
        """The encoder's parameters (with the mu and log sigma^2 heads) and the decoder's."""

        def count(*modules):
            return sum(p.numel() for m in modules for p in m.parameters())

        return count(self.encoder, self.mu, self.logvar), count(self.decoder)


# name -> (data, model, batch); the data is loaded only for the presets that run.
PRESETS = {
    "vae-mnist": (mnist_images, lambda: Vae(784, 400, 20), 128),
    "vae-digits": (digits, lambda: Vae(64, 32, 2), 32),
    "conv-vae-mnist": (mnist_images, ConvVae, 128),
}


def loss_function(logits, x, mu, logvar):
    # BCE from logits is the numerically safe form of the examples' sigmoid + BCE.
    bce = F.binary_cross_entropy_with_logits(logits, x, reduction="sum")
    kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return bce + kld


def measure(data: np.ndarray, make_model, batch: int, seconds: float, threads: int) -> float:
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    model = make_model()
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
    parser.add_argument(
        "--presets",
        default=",".join(PRESETS),
        help=f"comma-separated, of {', '.join(PRESETS)} (default: all)",
    )
    args = parser.parse_args()
    names = [name.strip() for name in args.presets.split(",") if name.strip()]
    unknown = [name for name in names if name not in PRESETS]
    if unknown or not names:
        parser.error(f"unknown presets {unknown}; choose from {', '.join(PRESETS)}")

    print(f"# torch {torch.__version__}, {torch.backends.cpu.get_cpu_capability()}")
    if "conv-vae-mnist" in names:
        encoder, decoder = ConvVae().parameter_counts()
        print(
            f"# conv-vae-mnist: {encoder + decoder:,} parameters "
            f"(encoder {encoder:,} with the heads, decoder {decoder:,})"
        )
    print(f"{'preset':<14} {'threads':>7} {'batch':>9} {'samples/s':>14} {'vs 1 thr':>10}")
    loaded = {}
    for name in names:
        load, make_model, batch = PRESETS[name]
        if load not in loaded:
            loaded[load] = load()
        data = loaded[load]
        single = None
        for threads in (1, 2):
            rate = measure(data, make_model, batch, args.seconds, threads)
            single = single or rate
            print(f"{name:<14} {threads:>7} {batch:>9} {rate:>14.0f} {rate / single:>9.2f}×")


if __name__ == "__main__":
    main()
