"""A one-node SLURM on localhost running `srun -n 4 eco2 run ...` (CTest label slurm).

tools/slurm-setup starts munged, slurmctld and slurmd in a temporary directory (127.0.0.1, bounded waits);
srun starts four tasks, each `eco2 run` of a command on two fake GPUs that cannot list their processes. The
rows carry SLURM's job id and ranks, and add up to the GPUs' energy once (the fake's own counter).
"""
import csv
import os
import subprocess
import time
from pathlib import Path

import pytest

from fake_gpus import FAKE_NVML, FIXTURES, IDLE_MW, FakeCounter, clean_env, make_gpus

ECO2 = os.environ.get("ECO2_BIN", "eco2")
SETUP = Path(__file__).resolve().parent.parent.parent / "tools" / "slurm-setup"
DEADLINE_S = 90


@pytest.fixture
def slurm(tmp_path):
    state = tmp_path / "slurm"
    r = subprocess.run([str(SETUP), "start", str(state)], capture_output=True, text=True, timeout=DEADLINE_S)
    if r.returncode == 77:
        pytest.skip(r.stderr.strip())
    assert r.returncode == 0, r.stderr
    try:
        yield state / "slurm.conf"
    finally:
        subprocess.run([str(SETUP), "stop", str(state)], capture_output=True, timeout=60)


@pytest.mark.slurm
@pytest.mark.skipif(not FAKE_NVML, reason="fake NVML library not built")
def test_srun_four_tasks_count_the_node_once(tmp_path, slurm):
    gpus = make_gpus(tmp_path)
    runtime = tmp_path / "xdg"
    runtime.mkdir(mode=0o700)
    counter = FakeCounter(gpus)
    out = tmp_path / "emission.csv"
    e = clean_env(SLURM_CONF=slurm, ECO2_SYS_ROOT=FIXTURES / "no_rapl" / "sys", ECO2_NVML_LIBRARY=FAKE_NVML,
                  FAKE_NVML_DIR=gpus, XDG_RUNTIME_DIR=runtime)
    before, t0 = counter.joules(), time.monotonic()
    r = subprocess.run(["srun", "-n", "4", "--time", "2", ECO2, "run", "-q", "--period", "0.2", "-o", str(out), "--",
                        "sleep", "2"], env=e, cwd=tmp_path, capture_output=True, text=True, timeout=DEADLINE_S)
    after, t1 = counter.joules(), time.monotonic()
    assert r.returncode == 0, r.stderr
    with open(out, newline="") as f:
        rows = sorted(csv.DictReader(f), key=lambda row: int(row["rank"]))
    assert [row["rank"] for row in rows] == ["0", "1", "2", "3"]
    job_ids = {row["job_id"] for row in rows}
    assert len(job_ids) == 1 and job_ids.pop().isdigit()
    for row in rows:
        assert row["local_rank"] == row["rank"] and row["node_rank"] == "0" and row["world_size"].strip() == "4"
        assert row["status"] == "completed" and row["exit_code"] == "0"
    gpu_j = sum(float(row["gpu_energy(kWh)"]) * 3.6e6 for row in rows)
    watts = sum(IDLE_MW) / 1000.0
    truth = after - before  # srun's start-up and the job's clean-up included
    assert truth == pytest.approx(watts * (t1 - t0), rel=0.01)
    # Once (4 x would be ~4 x 2 s x 300 W): all of the ~2 s the ranks ran, never more than the counter.
    assert watts * 1.9 <= gpu_j <= truth + 0.01, (gpu_j, truth, [row["gpu_source"] for row in rows])
    assert sum("measured by this rank" in row["gpu_source"] for row in rows) >= 1
