#!/usr/bin/env python3
"""A small PyTorch model trained on a GPU with synthetic data, with the energy (GPU, CPU, RAM) of every epoch.

    python3 examples/python/train_torch_gpu.py --epochs 5 --output emission.csv --region FR
    eco2 run -o emission.csv -- python3 examples/python/train_torch_gpu.py --epochs 5

Without PyTorch or without a CUDA GPU it says so and exits with status 0 (nothing to measure). Like
train_numpy.py, it writes marks to $ECO2_CONTROL under `eco2 run` instead of importing eco2.
"""

from __future__ import annotations

import argparse
import os
import sys
import time


def control_mark(line: str) -> None:
    """One mark to `eco2 run`: a single line written at once (the channel is a FIFO)."""
    with open(os.environ["ECO2_CONTROL"], "w") as channel:
        channel.write(line + "\n")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--samples", type=int, default=200_000, help="training samples per epoch")
    ap.add_argument("--width", type=int, default=2048)
    ap.add_argument("--batch", type=int, default=4096)
    ap.add_argument("--output", default="emission.csv", help="records file (in-process tracking only)")
    ap.add_argument("--region", default=None, help="zone for the carbon intensity, e.g. FR (in-process only)")
    args = ap.parse_args()

    try:
        import torch
    except ImportError:
        print("train_torch_gpu: skipped: PyTorch is not installed (pip install torch, or use a GPU image)")
        return 0
    if not torch.cuda.is_available():
        print("train_torch_gpu: skipped: no CUDA GPU is available to PyTorch")
        return 0

    device = torch.device("cuda")
    torch.manual_seed(0)
    features, classes = 256, 10
    x = torch.randn(args.samples, features, device=device)
    teacher = torch.randn(features, classes, device=device)
    y = torch.argmax(torch.tanh(x @ teacher), dim=1)
    model = torch.nn.Sequential(
        torch.nn.Linear(features, args.width),
        torch.nn.ReLU(),
        torch.nn.Linear(args.width, args.width),
        torch.nn.ReLU(),
        torch.nn.Linear(args.width, classes),
    ).to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    loss_fn = torch.nn.CrossEntropyLoss()
    flops_per_sample = 6.0 * sum(p.numel() for p in model.parameters())

    under_eco2_run = "ECO2_CONTROL" in os.environ
    tracker = None
    if not under_eco2_run:
        import eco2

        tracker = eco2.Tracker(
            project_name="train_torch_gpu",
            experiment_description=f"MLP {features}-{args.width}-{args.width}-{classes} on {torch.cuda.get_device_name()}",
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
        correct, total_loss, batches = 0, 0.0, 0
        for start in range(0, args.samples, args.batch):
            xb, yb = x[start : start + args.batch], y[start : start + args.batch]
            optimizer.zero_grad(set_to_none=True)
            out = model(xb)
            loss = loss_fn(out, yb)
            loss.backward()
            optimizer.step()
            total_loss += loss.item()
            correct += int((out.argmax(dim=1) == yb).sum().item())
            batches += 1
        torch.cuda.synchronize()  # the epoch's GPU work is done before its mark
        acc = correct / args.samples
        params = {"loss": round(total_loss / batches, 4), "accuracy": round(acc, 4)}
        work = dict(items=args.samples, error_rate=round(1 - acc, 6), flops=flops_per_sample * args.samples)
        line = f"epoch {epoch}: loss {params['loss']}, accuracy {acc:.3f}, {time.perf_counter() - t0:.2f} s"
        if under_eco2_run:
            control_mark(f"work items={work['items']} error_rate={work['error_rate']} flops={work['flops']:.6g}")
            control_mark("epoch " + " ".join(f"{k}={v}" for k, v in params.items()))
        else:
            tracker.report_work(**work)
            row = tracker.new_epoch(params)
            line += f", gpu {row.gpu.joules:.1f} J, cpu {row.cpu.joules:.1f} J, {row.flop_per_joule:.3g} FLOP/J"
        print(line, flush=True)

    if tracker is not None:
        total = tracker.stop_training()
        print(f"total: {total.duration_s:.2f} s, {total.energy_kwh:.3g} kWh, {total.co2_kg:.3g} kg CO2")
        print(f"  gpu: {total.gpu.joules:.1f} J  {total.gpu.source}")
        print(f"  cpu: {total.cpu.joules:.1f} J  {total.cpu.source}")
        print(f"records: {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
