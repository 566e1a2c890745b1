#!/usr/bin/env python3
"""PyTorch reference figure for tinyvae's `conv-vae-mnist` preset: test -ELBO after 10 epochs.

Trains the Keras-example convolutional VAE of `pytorch-vae-bench.py` (same model, same loss:
BCE from logits summed over the 784 pixels plus KL) with the preset's settings: the 60,000
MNIST training images in [0, 1], not binarized, shuffled every epoch by a seeded generator,
batches of 128 (the last one of 96), Adam at 1e-3. After each epoch it prints the mean
training loss per sample over that epoch, the mean test -ELBO per sample over the 10,000
test images (one reparameterized draw of z each) and the seconds the epoch's training took
(the evaluation not included).

    python3 scripts/pytorch-conv-vae.py --epochs 10 --threads 1

Needs torch (2.x) and numpy, as the bench does. The figure to compare is the test -ELBO of
the last epoch.
"""

import argparse
import importlib.util
import pathlib
import time

import torch

# The model, the loss and the data reader are the bench's, so that both measure one model.
_spec = importlib.util.spec_from_file_location(
    "pytorch_vae_bench", pathlib.Path(__file__).resolve().parent / "pytorch-vae-bench.py"
)
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)

BATCH = 128
EVALUATION_BATCH = 1000


@torch.no_grad()
def test_elbo(model, x_test: torch.Tensor) -> float:
    """The mean -ELBO per sample of `x_test`, one draw of z per sample."""
    model.eval()
    total = 0.0
    for start in range(0, len(x_test), EVALUATION_BATCH):
        x = x_test[start : start + EVALUATION_BATCH]
        logits, mu, logvar = model(x)
        total += bench.loss_function(logits, x, mu, logvar).item()
    model.train()
    return total / len(x_test)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    shuffle = torch.Generator().manual_seed(args.seed)
    x_train = torch.from_numpy(bench.mnist_images("train"))
    x_test = torch.from_numpy(bench.mnist_images("t10k"))
    model = bench.ConvVae()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

    print(
        f"# torch {torch.__version__}, {torch.backends.cpu.get_cpu_capability()}, "
        f"{args.threads} thread(s), seed {args.seed}, "
        f"{sum(p.numel() for p in model.parameters()):,} parameters"
    )
    print(f"{'epoch':>5} {'train loss':>11} {'test -ELBO':>11} {'s/epoch':>8}")
    for epoch in range(1, args.epochs + 1):
        order = torch.randperm(len(x_train), generator=shuffle)
        total = 0.0
        start = time.perf_counter()
        for first in range(0, len(x_train), BATCH):
            x = x_train[order[first : first + BATCH]]
            optimizer.zero_grad(set_to_none=True)
            logits, mu, logvar = model(x)
            loss = bench.loss_function(logits, x, mu, logvar)
            loss.backward()
            optimizer.step()
            total += loss.item()
        seconds = time.perf_counter() - start
        elbo = test_elbo(model, x_test)
        print(
            f"{epoch:>5} {total / len(x_train):>11.2f} {elbo:>11.2f} {seconds:>8.1f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
