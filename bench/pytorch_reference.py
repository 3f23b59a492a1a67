"""The lesson's `wide` and `wide-deep` models trained by PyTorch on one thread (batch 128, Adam,
categorical cross-entropy), for bench/kernels.bench.mjs to compare against.

Prints one JSON line: {"torch": version, "wide": samples_per_s, "wide-deep": samples_per_s}.
Usage: python3 bench/pytorch_reference.py [--steps N] [--warmup N] [--rounds N] [--models wide,wide-deep]
"""
import argparse
import json
import time

import torch
from torch import nn

MODELS = {
    "wide": [(250, 0.0)],
    "wide-deep": [(500, 0.2), (250, 0.2), (250, 0.2), (250, 0.2), (250, 0.2)],
}


def build(hidden):
    layers, width = [], 784
    for units, rate in hidden:
        layers += [nn.Linear(width, units), nn.ReLU()]
        if rate > 0:
            layers.append(nn.Dropout(rate))
        width = units
    layers.append(nn.Linear(width, 10))  # softmax is fused into the loss
    return nn.Sequential(*layers)


def samples_per_second(model, x, y, steps, warmup, batch):
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-7)
    loss_fn = nn.CrossEntropyLoss()
    model.train()
    order = torch.randperm(x.shape[0])

    def step(i):
        idx = order[i * batch:(i + 1) * batch]
        optimizer.zero_grad(set_to_none=True)
        logits = model(x[idx])
        loss = loss_fn(logits, y[idx])
        loss.backward()
        optimizer.step()
        return loss.item()  # one readback per step, as fit's progress logs do

    for i in range(warmup):
        step(i % steps)
    start = time.perf_counter()
    for i in range(steps):
        step(i)
    return steps * batch / (time.perf_counter() - start)


def one_thread_args(parser, steps, warmup):
    """Parses the timing options every PyTorch reference takes, then fixes one thread and the seed."""
    parser.add_argument("--steps", type=int, default=steps)
    parser.add_argument("--warmup", type=int, default=warmup)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    return args


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", default="wide,wide-deep")
    args = one_thread_args(parser, 200, 20)
    batch = 128
    x = torch.rand(args.steps * batch, 784)
    y = torch.argmax(x @ torch.randn(784, 10), dim=1)
    result = {"torch": torch.__version__}
    for name in args.models.split(","):
        best = 0.0
        for _ in range(args.rounds):
            best = max(best, samples_per_second(build(MODELS[name]), x, y, args.steps, args.warmup, batch))
        result[name] = round(best, 1)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
