#!/usr/bin/python3
"""Size and time of `eco2 report` on large inputs (docs/benchmarks.md, "Report"):
  - 1,000 runs: one real run recorded by `eco2 run`, its row and series copied under 1,000 new run ids;
  - one run whose series has 100,000 samples (synthetic values in the series' own columns).
Usage: bench/report_scale.py [--eco2 build/dev/eco2] [--repeat 3] [--python]
Prints, per case: median wall time of `eco2 report`, its peak RSS, and the report's size."""
import argparse
import csv
import math
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def record_one_run(eco2, d):
    env = dict(os.environ, ECO2_SYS_ROOT=str(ROOT / "tests/fixtures/no_rapl/sys"))
    script = "for e in 1 2; do i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; eco2 mark epoch --param loss=0.$e; done"
    env["PATH"] = str(Path(eco2).resolve().parent) + os.pathsep + env["PATH"]
    subprocess.run([eco2, "run", "--region", "FR", "--period", "0.05", "--output", str(d / "one.csv"), "--",
                    "sh", "-c", script], env=env, check=True, capture_output=True, timeout=120)
    with open(d / "one.csv", newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def many_runs(d, header, rows, n):
    src_series = next((d / "one.series").glob("*.csv"))
    out = d / "many.csv"
    (d / "many.series").mkdir()
    with open(out, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        for _ in range(n):
            rid = str(uuid.uuid4())
            for r in rows:
                w.writerow([rid] + r[1:])
            shutil.copy(src_series, d / "many.series" / f"{rid}.csv")
    return out


def long_series(d, header, rows, samples):
    out = d / "long.csv"
    with open(out, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
    src = next((d / "one.series").glob("*.csv"))
    cols = src.read_text().splitlines()[0]
    (d / "long.series").mkdir()
    names = cols.split(",")
    j = {"cpu_j": 0.0, "gpu_j": 0.0, "ram_j": 0.0}
    co2 = 0.0
    with open(d / "long.series" / f"{rows[0][0]}.csv", "w") as f:
        f.write(cols + "\n")
        for i in range(1, samples + 1):
            cpu = 60 + 30 * math.sin(i / 500) + (200 if i == 73_123 else 0)
            v = {"t_s": i * 0.1, "cpu_w": cpu, "gpu_w": 0.0, "ram_w": 3.0, "intensity_g_per_kwh": 56.0,
                 "tree_cpu_s": i * 0.1, "tree_rss_bytes": 1e8, "processes": 1}
            j["cpu_j"] += cpu * 0.1
            j["ram_j"] += 0.3
            co2 += (cpu + 3) * 0.1 / 3.6e6 * 0.056
            v.update(j)
            v["co2_kg"] = co2
            f.write(",".join(f"{v.get(n, 0)}" for n in names) + "\n")
    return out


def measure(eco2, records, out, repeat, python):
    cmd = [eco2, "report", str(records), "-o", str(out)]
    if python:  # eco2.report() in Python: the same library code, for when the command is not built
        cmd = [sys.executable, "-c", "import eco2, sys; eco2.report(sys.argv[1], output=sys.argv[2])", str(records),
               str(out)]
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True, timeout=600)
        times.append(time.perf_counter() - t0)
    rss_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return statistics.median(times), rss_mib, out.stat().st_size


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--eco2", default=str(ROOT / "build/dev/eco2"))
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--runs", type=int, default=1000)
    p.add_argument("--samples", type=int, default=100_000)
    p.add_argument("--python", action="store_true", help="time eco2.report() (PYTHONPATH=build/dev/python)")
    a = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        header, rows = record_one_run(a.eco2, d)
        many = many_runs(d, header, rows, a.runs)
        t, rss, size = measure(a.eco2, many, d / "many.html", a.repeat, a.python)
        print(f"{a.runs} runs ({a.runs * len(rows)} rows): {t:.2f} s, peak RSS <= {rss:.0f} MiB, "
              f"{size / 2**20:.2f} MiB")
        long = long_series(d, header, rows, a.samples)
        t, rss, size = measure(a.eco2, long, d / "long.html", a.repeat, a.python)
        print(f"1 run, series of {a.samples} samples: {t:.2f} s, peak RSS <= {rss:.0f} MiB (max over both cases), "
              f"{size / 2**10:.0f} KiB")


if __name__ == "__main__":
    sys.exit(main())
