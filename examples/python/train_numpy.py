#!/usr/bin/env python3
"""A small multi-layer perceptron in numpy, trained on synthetic data, with the energy of every epoch.

Two ways to run it:

    python3 examples/python/train_numpy.py --epochs 5 --output emission.csv --region FR
        tracks itself with the eco2 module: one row per epoch in the records file (loss, accuracy, energy
        per item), a prediction of the whole training after the first epoch.

    eco2 run -o emission.csv -- python3 examples/python/train_numpy.py --epochs 5
        eco2 tracks the process; the script only writes one line per mark to the control channel named by
        $ECO2_CONTROL ("work items=... error_rate=... flops=..." then "epoch loss=... accuracy=..."). It
        does not import eco2 then: any program in any language can do the same.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np


def control_mark(line: str) -> None:
    """One mark to `eco2 run`: a single line written at once (the channel is a FIFO)."""
    with open(os.environ["ECO2_CONTROL"], "w") as channel:
        channel.write(line + "\n")


def make_data(samples: int, features: int, classes: int, rng: np.random.Generator):
    """Points in `features` dimensions labelled by a random two-layer teacher: learnable, not linearly."""
    x = rng.standard_normal((samples, features)).astype(np.float32)
    w1 = rng.standard_normal((features, 16)).astype(np.float32)
    w2 = rng.standard_normal((16, classes)).astype(np.float32)
    y = np.argmax(np.tanh(x @ w1) @ w2, axis=1)
    return x, y


class Mlp:
    """features -> hidden (ReLU) -> classes (softmax), trained by minibatch SGD on the cross-entropy."""

    def __init__(self, features: int, hidden: int, classes: int, rng: np.random.Generator) -> None:
        self.w1 = (rng.standard_normal((features, hidden)) * np.sqrt(2.0 / features)).astype(np.float32)
        self.b1 = np.zeros(hidden, np.float32)
        self.w2 = (rng.standard_normal((hidden, classes)) * np.sqrt(1.0 / hidden)).astype(np.float32)
        self.b2 = np.zeros(classes, np.float32)

    def parameters(self) -> int:
        return self.w1.size + self.b1.size + self.w2.size + self.b2.size

    def forward(self, x):
        h = np.maximum(x @ self.w1 + self.b1, 0.0)
        logits = h @ self.w2 + self.b2
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        return h, p

    def step(self, x, y, lr: float) -> float:
        h, p = self.forward(x)
        n = len(y)
        loss = float(-np.log(p[np.arange(n), y] + 1e-12).mean())
        grad = p
        grad[np.arange(n), y] -= 1.0
        grad /= n
        gw2, gb2 = h.T @ grad, grad.sum(axis=0)
        gh = (grad @ self.w2.T) * (h > 0)
        gw1, gb1 = x.T @ gh, gh.sum(axis=0)
        for w, g in ((self.w1, gw1), (self.b1, gb1), (self.w2, gw2), (self.b2, gb2)):
            w -= lr * g
        return loss

    def accuracy(self, x, y) -> float:
        return float((np.argmax(self.forward(x)[1], axis=1) == y).mean())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--samples", type=int, default=20000, help="training samples per epoch")
    ap.add_argument("--hidden", type=int, default=128)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--lr", type=float, default=0.1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--output", default="emission.csv", help="records file (in-process tracking only)")
    ap.add_argument("--region", default=None, help="zone for the carbon intensity, e.g. FR (in-process only)")
    args = ap.parse_args()

    rng = np.random.default_rng(args.seed)
    features, classes = 32, 4
    x, y = make_data(args.samples, features, classes, rng)
    x_test, y_test = make_data(2000, features, classes, np.random.default_rng(args.seed + 1))
    model = Mlp(features, args.hidden, classes, rng)
    # Multiply-adds of one sample: forward 2 x params, backward about twice that.
    flops_per_sample = 6.0 * model.parameters()

    under_eco2_run = "ECO2_CONTROL" in os.environ
    tracker = None
    if not under_eco2_run:
        import eco2

        tracker = eco2.Tracker(
            project_name="train_numpy",
            experiment_description=f"MLP {features}-{args.hidden}-{classes}, {args.samples} samples",
            file_name=args.output,
            measure_period=0.5,
            alpha_2_code=args.region,
            ignore_warnings=args.region is None,
            expected_epochs=args.epochs,
            save_params=False,
            on_event=lambda e: print(f"eco2: {e.message}", file=sys.stderr),
        )
        tracker.start_training()

    for epoch in range(1, args.epochs + 1):
        t0 = time.perf_counter()
        order = rng.permutation(args.samples)
        losses = []
        for start in range(0, args.samples, args.batch):
            batch = order[start : start + args.batch]
            losses.append(model.step(x[batch], y[batch], args.lr))
        loss, acc = float(np.mean(losses)), model.accuracy(x_test, y_test)
        work = dict(items=args.samples, error_rate=round(1.0 - acc, 6), flops=flops_per_sample * args.samples)
        params = {"loss": round(loss, 4), "accuracy": round(acc, 4)}
        line = f"epoch {epoch}: loss {loss:.4f}, accuracy {acc:.3f}, {time.perf_counter() - t0:.2f} s"
        if under_eco2_run:
            control_mark(f"work items={work['items']} error_rate={work['error_rate']} flops={work['flops']:.6g}")
            control_mark("epoch " + " ".join(f"{k}={v}" for k, v in params.items()))
        else:
            tracker.report_work(**work)
            row = tracker.new_epoch(params)
            line += f", {row.it_joules:.2f} J, {row.energy_per_item_j * 1e3:.3f} mJ per sample"
        print(line, flush=True)

    if tracker is not None:
        total = tracker.stop_training()
        print(
            f"total: {total.duration_s:.2f} s, {total.energy_kwh:.3g} kWh, {total.co2_kg:.3g} kg CO2 "
            f"({total.region}, {total.intensity_g_per_kwh:.0f} g/kWh); cpu: {total.cpu.source}"
        )
        print(f"records: {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
