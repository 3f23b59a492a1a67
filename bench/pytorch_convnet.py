"""The Keras "Simple MNIST convnet" trained by PyTorch on one thread, for bench/conv.bench.mjs.

Conv2D 32 3x3 relu -> MaxPool 2 -> Conv2D 64 3x3 relu -> MaxPool 2 -> Flatten -> Dropout 0.5 ->
Dense 10 (softmax fused into the loss), batch 128, Adam (lr 1e-3, eps 1e-7), on real MNIST read
from the IDX files in --mnist (the first 5000 training images held out, as @fnn/data does).

Prints one JSON line: {"torch", "steady", "epoch", "epoch_seconds", "test_accuracy"} where steady
is samples/s over --steps steps after --warmup (best of --rounds), epoch is samples/s over one
shuffled epoch of a fresh model, and test_accuracy is that model's on the 10,000 test images.
"""
import argparse
import json
import os
import time

import numpy as np
import torch
from torch import nn

from pytorch_reference import one_thread_args


def read_idx(path):
    with open(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def load(folder, images, labels):
    x = read_idx(os.path.join(folder, images)).astype(np.float32) / 255.0
    y = read_idx(os.path.join(folder, labels)).astype(np.int64)
    return torch.from_numpy(x).unsqueeze(1), torch.from_numpy(y)


def build():
    return nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Dropout(0.5), nn.Linear(1600, 10),
    )


def trainer(model):
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-7)
    loss_fn = nn.CrossEntropyLoss()
    model.train()

    def step(xb, yb):
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(xb), yb)
        loss.backward()
        optimizer.step()
        return loss.item()  # one readback per step, as fit's progress logs do

    return step


def steady(x, y, steps, warmup, batch):
    step = trainer(build())
    for i in range(warmup):
        step(x[i * batch:(i + 1) * batch], y[i * batch:(i + 1) * batch])
    start = time.perf_counter()
    for i in range(steps):
        step(x[i * batch:(i + 1) * batch], y[i * batch:(i + 1) * batch])
    return steps * batch / (time.perf_counter() - start)


def epoch(x, y, x_test, y_test, batch):
    model = build()
    step = trainer(model)
    start = time.perf_counter()
    order = torch.randperm(x.shape[0])
    for i in range(0, x.shape[0], batch):
        idx = order[i:i + batch]
        step(x[idx], y[idx])
    seconds = time.perf_counter() - start
    model.eval()
    with torch.no_grad():
        correct = sum(int((model(x_test[i:i + 1000]).argmax(1) == y_test[i:i + 1000]).sum())
                      for i in range(0, x_test.shape[0], 1000))
    return x.shape[0] / seconds, seconds, correct / x_test.shape[0]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--mnist", required=True)
    parser.add_argument("--no-epoch", action="store_true")
    args = one_thread_args(parser, 100, 10)
    batch = 128
    x, y = load(args.mnist, "train-images-idx3-ubyte", "train-labels-idx1-ubyte")
    x, y = x[5000:], y[5000:]
    result = {"torch": torch.__version__}
    result["steady"] = round(max(steady(x, y, args.steps, args.warmup, batch) for _ in range(args.rounds)), 1)
    if not args.no_epoch:
        x_test, y_test = load(args.mnist, "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
        samples, seconds, accuracy = epoch(x, y, x_test, y_test, batch)
        result.update(epoch=round(samples, 1), epoch_seconds=round(seconds, 2), test_accuracy=accuracy)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
