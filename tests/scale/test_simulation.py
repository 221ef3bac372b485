"""At internet scale, by simulation: 1,000 nodes x 8 GPUs x 8 ranks (64,000 rows in 1,000 files, as eco2
writes them: simulate.py), merged by `eco2 summary --by job --format csv`. The job's total must equal the sum
of the node counters within 0.1 %, leave out the other jobs' rows, and come back within a bounded time
(measured: docs/scale-out.md)."""
import csv
import io
import os
import subprocess
import sys
import time

import pytest

from simulate import simulate

ECO2 = os.environ.get("ECO2_BIN", "eco2")
NODES, GPUS, RANKS = 1000, 8, 8


def test_summary_by_job_merges_a_thousand_nodes(tmp_path):
    truth = simulate(tmp_path / "records", ECO2, NODES, GPUS, RANKS)
    assert truth["rows"] == NODES * RANKS
    t0 = time.monotonic()
    r = subprocess.run([ECO2, "summary", "--by", "job", "--format", "csv", *truth["files"]], capture_output=True,
                       text=True, timeout=120)
    elapsed = time.monotonic() - t0
    assert r.returncode == 0, r.stderr
    groups = {g["job"]: g for g in csv.DictReader(io.StringIO(r.stdout))}
    job = groups["sim-job"]
    assert int(job["rows"]) == NODES * RANKS and int(job["runs"]) == NODES * RANKS
    j = lambda col: float(job[col]) * 3.6e6
    # The issue asks for 0.1 %; only the rows' 10-digit kWh differ from the counters, so 1e-6 holds.
    assert j("gpu_energy(kWh)") == pytest.approx(truth["gpu_j"], rel=1e-6)
    assert j("cpu_energy(kWh)") == pytest.approx(truth["cpu_j"], rel=1e-6)
    node_counters = truth["gpu_j"] + truth["cpu_j"] + truth["ram_j"]
    assert j("power_consumption(kWh)") == pytest.approx(node_counters, rel=1e-6)
    assert int(groups["other-job"]["rows"]) == NODES
    print(f"eco2 summary --by job over {NODES} files, {truth['rows'] + 2 * NODES} rows: {elapsed:.2f} s",
          file=sys.stderr)
    assert elapsed < 60  # a deadline, not the speed target (docs/scale-out.md has the measured time)
