"""The records of a simulated job at internet scale: N nodes x G GPUs x R ranks, one records file per node.

Each node has its own energy counters (G NVML GPU counters in mJ, two RAPL packages in µJ, at random values). The node's trackers write their rows as eco2 does under the node measurer
election (docs/scale-out.md): each rank's CPU energy is its share (by CPU time) of the packages' energy; the
GPUs (that cannot list processes) are recorded by the node's measurer, on one node in ten handed over to
another rank in the middle. Rows are built from a template row that a real `eco2 run` wrote (same header, same
formats: energies in kWh with 10 significant digits). Each file also holds a row of another job and one of no
job, which the job's total must leave out.

Usage as a script: simulate.py OUT_DIR [NODES GPUS RANKS]; prints the truth as JSON.
"""
import csv
import json
import random
import subprocess
import sys
import uuid
from pathlib import Path

def template(eco2, work):
    """The header and one row of a real eco2 run (the formats the simulation copies)."""
    out = Path(work) / "template.csv"
    r = subprocess.run([eco2, "run", "-q", "-o", str(out), "--", "true"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    with open(out, newline="") as f:
        reader = csv.DictReader(f)
        row = next(reader)
        return reader.fieldnames, row


def kwh(joules):
    return f"{joules / 3.6e6:.10g}"


def simulate(out_dir, eco2, nodes=1000, gpus=8, ranks=8, seed=10):
    """Writes out_dir/node-NNNN.csv; returns the truth from the node counters (J) and the rows written."""
    rng = random.Random(seed)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    header, base = template(eco2, out_dir)
    truth = {"gpu_j": 0.0, "cpu_j": 0.0, "ram_j": 0.0, "rows": 0, "files": []}
    world = nodes * ranks
    for node in range(nodes):
        # The node's counters at the job's start and end.
        gpu_delta_j = 0.0
        for _ in range(gpus):
            start_mj = rng.randrange(10**9, 10**12)
            end_mj = start_mj + rng.randrange(1_000_000, 3_000_000)  # 1-3 MJ per GPU: a few hours at 300 W
            gpu_delta_j += (end_mj - start_mj) / 1000.0
        cpu_delta_j = 0.0
        for _ in range(2):  # two RAPL packages, µJ
            start_uj = rng.randrange(0, 10**11)
            end_uj = start_uj + rng.randrange(10**11, 2 * 10**11)  # 100-200 kJ per package
            cpu_delta_j += (end_uj - start_uj) / 1e6
        truth["gpu_j"] += gpu_delta_j
        truth["cpu_j"] += cpu_delta_j
        # Ranks' CPU time shares of the packages; the measurer records the GPUs (split at a hand-over).
        weights = [rng.uniform(0.5, 1.5) for _ in range(ranks)]
        gpu_of = [0.0] * ranks
        if node % 10 == 3:
            k = rng.randrange(1, ranks)
            f = rng.uniform(0.1, 0.9)
            gpu_of[0], gpu_of[k] = gpu_delta_j * f, gpu_delta_j * (1 - f)
        else:
            gpu_of[0] = gpu_delta_j
        host = f"node-{node:04d}"
        path = out_dir / f"{host}.csv"
        with open(path, "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=header, lineterminator="\n")
            w.writeheader()
            for local in range(ranks):
                cpu_j = cpu_delta_j * weights[local] / sum(weights)
                ram_j = rng.uniform(1e4, 5e4)
                truth["ram_j"] += ram_j
                w.writerow(row(base, host, cpu_j, gpu_of[local], ram_j, "sim-job", node * ranks + local, local, node,
                               world))
                truth["rows"] += 1
            w.writerow(row(base, host, 5e5, 7e5, 1e3, "other-job", 0, 0, 0, 1))  # another job on the node
            w.writerow(row(base, host, 3e5, 0.0, 1e3, "", None, None, None, None))  # a run outside any job
        truth["files"].append(str(path))
    return truth


def row(base, host, cpu_j, gpu_j, ram_j, job, rank, local, node, world):
    r = dict(base)
    it = cpu_j + gpu_j + ram_j
    opt = lambda v: "" if v is None else str(v)
    r.update({
        "id": str(uuid.uuid4()), "host": host, "duration(s)": "14400.000", "power_consumption(kWh)": kwh(it),
        "CO2_emissions(kg)": f"{it / 3.6e6 * 0.475:.10g}", "cpu_energy(kWh)": kwh(cpu_j),
        "gpu_energy(kWh)": kwh(gpu_j), "ram_energy(kWh)": kwh(ram_j), "pue": "1", "intensity(gCO2/kWh)": "475",
        "status": "completed", "exit_code": "0", "job_id": job, "rank": opt(rank), "local_rank": opt(local),
        "node_rank": opt(node), "world_size": opt(world if world is not None else 1),
    })
    return r


if __name__ == "__main__":
    args = sys.argv[1:]
    sizes = [int(a) for a in args[1:4]] or [1000, 8, 8]
    t = simulate(args[0], "eco2", *sizes)
    t.pop("files")
    print(json.dumps(t))
