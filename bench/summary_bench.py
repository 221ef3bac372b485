#!/usr/bin/python3
"""`eco2 summary` against pandas on the same records file (docs/benchmarks.md, "eco2 summary").

Writes a records file of N rows (default 1,000,000) in this eco2's layout (its header is taken from a real
`eco2 run`), with what real files hold: runs of 1 to 10 epoch rows sharing an id, quoted fields with commas
and "" (epoch parameters as JSON, location sources), sources of 40 to 110 characters. Then times, side by side
and in turn (so that both see the same page cache and machine load):

  eco2 summary FILE --by project --format csv
  pandas.read_csv(FILE) + groupby("project_name")[duration, energy, CO2, cost].sum()   (eco2AI's summary())

and checks that both give the same totals. Prints one line per repeat (wall time and CPU time: on a shared
machine the CPU time is the steadier figure) and the ratios of the medians.

  /usr/bin/python3 bench/summary_bench.py --eco2 build/dev/eco2 [--rows 1000000] [--repeat 3] [--file F]
"""

import argparse
import csv
import io
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid


def header_of(eco2):
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "h.csv")
        subprocess.run([eco2, "run", "-q", "--no-series", "-o", out, "--", "true"], check=True)
        with open(out, newline="") as f:
            return next(csv.reader(f))


def write_file(path, columns, rows, seed=1):
    rnd = random.Random(seed)
    projects = [f"project-{i}" for i in range(20)]
    experiments = [f"experiment {i}, lr sweep" for i in range(50)]
    sources = {
        "cpu_source": "rapl(package-0+package-1; process share by CPU time)",
        "gpu_source": "nvml(energy counter: gpu0+gpu1+gpu2+gpu3)",
        "ram_source": "ram-model(0.375 W/GiB x cgroup memory; estimated)",
        "location_source": "flag --region FR; Electricity Maps yearly average 2025 (@tgwf/co2 0.19.0)",
    }
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(columns)
        n = 0
        while n < rows:
            run = str(uuid.UUID(int=rnd.getrandbits(128), version=4))
            project, experiment = rnd.choice(projects), rnd.choice(experiments)
            epochs = rnd.randint(1, 10)
            for e in range(1, epochs + 1):
                if n >= rows:
                    break
                cpu, gpu, ram = rnd.uniform(1e-4, 1e-2), rnd.uniform(0, 5e-2), rnd.uniform(1e-6, 1e-4)
                kwh = (cpu + gpu + ram) * 1.2
                loss = round(1.0 / (e + rnd.random()), 6)
                row = {
                    "id": run, "project_name": project, "experiment_description": experiment,
                    "epoch": f"epoch: {e}, loss: {loss}", "start_time": "2026-12-01 10:00:00",
                    "duration(s)": f"{rnd.uniform(1, 600):.3f}", "power_consumption(kWh)": f"{kwh:.10g}",
                    "CO2_emissions(kg)": f"{kwh * 0.056:.10g}", "CPU_name": "AMD EPYC 7763 64-Core Processor",
                    "GPU_name": "NVIDIA A100-SXM4-80GB x4", "OS": "Linux-6.1.0-13-amd64-x86_64-with-glibc2.36",
                    "region/country": "FR", "cost": f"{kwh * 0.25:.10g}",
                    "cpu_energy(kWh)": f"{cpu:.10g}", "gpu_energy(kWh)": f"{gpu:.10g}", "ram_energy(kWh)": f"{ram:.10g}",
                    "intensity(gCO2/kWh)": "56", "pue": "1.2", "scope": "process", "host": f"node{n % 8}",
                    "estimated": "true", "epoch_params": json.dumps({"epoch": e, "loss": loss}, separators=(",", ":")),
                    "items": "50000", "status": "completed", "exit_code": "0", "read_failures": "0",
                    "samples": str(rnd.randint(10, 6000)), "tree_source": "cgroup(cpu.stat)",
                    "cpu_time(s)": f"{rnd.uniform(1, 1000):.17g}", **sources,
                }
                w.writerow([row.get(c, "") for c in columns])
                n += 1


SUMMED = ["duration(s)", "power_consumption(kWh)", "CO2_emissions(kg)", "cost"]


def cpu_of(usage):
    return usage.ru_utime + usage.ru_stime


def time_eco2(eco2, path):
    c = cpu_of(resource.getrusage(resource.RUSAGE_CHILDREN))
    t = time.perf_counter()
    out = subprocess.run([eco2, "summary", path, "--by", "project", "--format", "csv"], check=True,
                         capture_output=True, text=True).stdout
    elapsed = time.perf_counter() - t, cpu_of(resource.getrusage(resource.RUSAGE_CHILDREN)) - c
    totals = {r["project"]: [float(r[c] or 0) for c in SUMMED] for r in csv.DictReader(io.StringIO(out))}
    return elapsed, totals


def time_pandas(path):
    import pandas as pd

    c = cpu_of(resource.getrusage(resource.RUSAGE_SELF))
    t = time.perf_counter()
    df = pd.read_csv(path)
    g = df.groupby("project_name")[SUMMED].sum()
    elapsed = time.perf_counter() - t, cpu_of(resource.getrusage(resource.RUSAGE_SELF)) - c
    return elapsed, {p: list(v) for p, v in zip(g.index, g.values.tolist())}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--eco2", required=True)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--file", help="records file to use (written if missing)")
    args = ap.parse_args()
    path = args.file or os.path.join(tempfile.gettempdir(), f"eco2-summary-bench-{args.rows}.csv")
    if not os.path.exists(path):
        t = time.perf_counter()
        write_file(path, header_of(args.eco2), args.rows)
        print(f"wrote {path}: {args.rows} rows, {os.path.getsize(path) / 2**20:.0f} MiB in "
              f"{time.perf_counter() - t:.0f} s", flush=True)
    ours, theirs = [], []
    for i in range(args.repeat):
        e, e_totals = time_eco2(args.eco2, path)
        p, p_totals = time_pandas(path)
        ours.append(e)
        theirs.append(p)
        print(f"repeat {i + 1}: eco2 summary {e[0]:.3f} s ({e[1]:.3f} s CPU), pandas read_csv+groupby {p[0]:.3f} s "
              f"({p[1]:.3f} s CPU)", flush=True)
    for project, sums in p_totals.items():
        got = e_totals[project]
        for a, b, c in zip(got, sums, SUMMED):
            if abs(a - b) > 1e-9 * max(1.0, abs(b)):
                sys.exit(f"totals differ for {project} {c}: eco2 {a!r}, pandas {b!r}")
    if set(e_totals) - {"all"} != set(p_totals):
        sys.exit(f"groups differ: eco2 {sorted(e_totals)}, pandas {sorted(p_totals)}")
    wall = statistics.median(e for e, _ in ours), statistics.median(p for p, _ in theirs)
    cpu = statistics.median(e for _, e in ours), statistics.median(p for _, p in theirs)
    print(f"median wall: eco2 {wall[0]:.3f} s, pandas {wall[1]:.3f} s, ratio {wall[0] / wall[1]:.3f} (target <= 0.25)")
    print(f"median CPU:  eco2 {cpu[0]:.3f} s, pandas {cpu[1]:.3f} s, ratio {cpu[0] / cpu[1]:.3f}")
    print(f"totals agree for {len(p_totals)} projects")


if __name__ == "__main__":
    main()
