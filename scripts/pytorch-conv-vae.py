#!/usr/bin/env python3
"""PyTorch reference figure for tinyvae's `conv-vae-mnist` preset: test -ELBO after 10 epochs.

Trains the Keras-example convolutional VAE of `pytorch-vae-bench.py` (same model, same loss:
BCE from logits summed over the 784 pixels plus KL) with the preset's settings: the 60,000
MNIST training images in [0, 1], not binarized, shuffled every epoch by a seeded generator,
batches of 128 (the last one of 96), Adam at 1e-3. After each epoch it prints the mean
training loss per sample over that epoch, the mean test -ELBO per sample over the 10,000
test images (one reparameterized draw of z each), how many of the 16 ReLU units before the
mu and log sigma^2 heads are still live, and the seconds the epoch's training took (the
evaluation not included).

The model starts as the preset does, from Keras's initialization (`--init glorot`). With
PyTorch's default initialization (`--init pytorch`) that 16-unit layer can
die within the first few dozen steps: with no live unit the encoder's output is constant,
its gradient is zero from then on, and the decoder learns the mean image alone (-ELBO about
206). A `live` of 0 marks such a run; its figure is not a reference. Seed 1 is one.

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
def evaluate(model, x_test: torch.Tensor) -> tuple[float, int]:
    """The mean -ELBO per sample of `x_test`, one draw of z per sample, and how many of the
    encoder's 16 ReLU units are live (positive for at least one test image)."""
    model.eval()
    total = 0.0
    live = None
    for start in range(0, len(x_test), EVALUATION_BATCH):
        x = x_test[start : start + EVALUATION_BATCH]
        h = model.encoder(x)
        mu, logvar = model.mu(h), model.logvar(h)
        logits = model.decoder(bench.reparameterize(mu, logvar))
        total += bench.loss_function(logits, x, mu, logvar).item()
        active = (h > 0).any(dim=0)
        live = active if live is None else live | active
    model.train()
    return total / len(x_test), int(live.sum())


def glorot(model: torch.nn.Module) -> None:
    """Keras's initialization, which the preset uses: Glorot-uniform weights, zero biases."""
    for layer in model.modules():
        if isinstance(layer, (torch.nn.Linear, torch.nn.Conv2d, torch.nn.ConvTranspose2d)):
            torch.nn.init.xavier_uniform_(layer.weight)
            torch.nn.init.zeros_(layer.bias)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--init",
        choices=("glorot", "pytorch"),
        default="glorot",
        help="glorot: Keras's (and the preset's) Glorot-uniform weights and zero biases; "
        "pytorch: PyTorch's default",
    )
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    shuffle = torch.Generator().manual_seed(args.seed)
    x_train = torch.from_numpy(bench.mnist_images("train"))
    x_test = torch.from_numpy(bench.mnist_images("t10k"))
    model = bench.ConvVae()
    if args.init == "glorot":
        glorot(model)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

    print(
        f"# torch {torch.__version__}, {torch.backends.cpu.get_cpu_capability()}, "
        f"{args.threads} thread(s), seed {args.seed}, {args.init} initialization, "
        f"{sum(p.numel() for p in model.parameters()):,} parameters"
    )
    print(f"{'epoch':>5} {'train loss':>11} {'test -ELBO':>11} {'live':>5} {'s/epoch':>8}")
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
        elbo, live = evaluate(model, x_test)
        print(
            f"{epoch:>5} {total / len(x_train):>11.2f} {elbo:>11.2f} {live:>5} {seconds:>8.1f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
