#!/usr/bin/python3
"""How many epoch marks per second `eco2 run` records through its control channel, and that none is lost.

    bench/marks_bench.py ECO2_BINARY [--marks N] [--reps R] [--dir DIR]

A writer (python3, started by eco2 run) opens $ECO2_CONTROL once and writes N lines `epoch i=<k>` as fast as
the pipe takes them (blocking writes: it waits when eco2 falls behind). The rate is N over the time from the
writer's first write (CLOCK_MONOTONIC, which it records) to eco2's exit, so it includes eco2 closing the run.
Then the records file must hold N epoch rows, numbered 1..N, each with its own i, plus the partial one.
DIR (default: a temporary directory next to the working directory, so on the same disk as a real records
file rather than on a tmpfs) holds the records file: fsync costs what that disk costs. Standard library only.
"""
import argparse
import csv
import os
import statistics
import subprocess
import sys
import tempfile
import time

WRITER = r"""
import os, sys, time
n = int(sys.argv[1])
lines = "".join("epoch i=%d\n" % k for k in range(1, n + 1)).encode()
with open(sys.argv[2], "w") as stamp:
    stamp.write(repr(time.monotonic()))
fd = os.open(os.environ["ECO2_CONTROL"], os.O_WRONLY)
view = memoryview(lines)
while view:
    # at most PIPE_BUF bytes per write, cut at a newline: lines never straddle two writes
    chunk = bytes(view[:4096])
    cut = chunk.rfind(b"\n") + 1
    written = os.write(fd, chunk[:cut])
    view = view[written:]
os.close(fd)
"""


def one_run(eco2, marks, work):
    out = os.path.join(work, "emission.csv")
    if os.path.exists(out):
        os.unlink(out)
    stamp = os.path.join(work, "stamp")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ECO2_")}
    r = subprocess.run([eco2, "run", "-q", "--intensity", "300", "--period", "1", "-o", out, "--",
                        sys.executable, "-c", WRITER, str(marks), stamp], env=env, capture_output=True, text=True,
                       timeout=600)
    end = time.monotonic()
    if r.returncode != 0:
        sys.exit(f"eco2 run failed ({r.returncode}): {r.stderr}")
    with open(stamp) as f:
        start = float(f.read())
    with open(out, newline="") as f:
        rows = list(csv.DictReader(f))
    epochs = [x for x in rows if "(partial)" not in x["epoch"]]
    want = [f"epoch: {k}, i: {k}" for k in range(1, marks + 1)]
    lost = len(want) - len(epochs)
    if [x["epoch"] for x in epochs] != want:
        bad = next((k for k, (a, b) in enumerate(zip(epochs, want)) if a["epoch"] != b), len(epochs))
        sys.exit(f"marks lost or out of order: {len(epochs)} rows for {marks} marks, first difference at row "
                 f"{bad + 1}; stderr: {r.stderr[:500]}")
    return marks / (end - start), lost, r.stderr


def busy():
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return sum(v), v[3] + v[4]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("eco2")
    ap.add_argument("--marks", type=int, default=20000)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--dir", default=None)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory(dir=a.dir or os.getcwd(), prefix="eco2-marks-") as work:
        rates = []
        t0, i0 = busy()
        for _ in range(a.reps):
            rate, lost, _ = one_run(a.eco2, a.marks, work)
            rates.append(rate)
            print(f"  {a.marks} marks: {rate:,.0f} marks/s, {lost} lost", flush=True)
        t1, i1 = busy()
    print(f"marks/s over {a.reps} runs of {a.marks}: median {statistics.median(rates):,.0f}, "
          f"min {min(rates):,.0f}, max {max(rates):,.0f}; all marks recorded; "
          f"machine busy {100 * (1 - (i1 - i0) / (t1 - t0)):.0f} % of all CPUs meanwhile")


if __name__ == "__main__":
    main()
