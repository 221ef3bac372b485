"""Ranks of one job whose trackers are the APIs' (no `eco2 run`): the library detects the job from the
environment (docs/scale-out.md) and its ranks elect one measurer of the node's devices.

Four Python processes using eco2.Tracker, then four C programs using the C API (examples/c/track.c), each
with torchrun's variables of one job (static rendezvous, no run id: the job is named by its rendezvous), on
two fake GPUs that cannot list their processes: the rows carry the job and ranks, and their GPU energy adds
up to the fake driver's own counter once (read by this test through ctypes), not four times.
Run by CTest (label scale) with ECO2_BIN, ECO2_FAKE_NVML, ECO2_FIXTURES, ECO2_PYTHONPATH, ECO2_PYTHON_EXE and
ECO2_TRACK_C set.
"""
import os
import subprocess
import sys

import pytest

from fake_gpus import FAKE_NVML
from test_ranks import run_ranks

PYTHONPATH = os.environ.get("ECO2_PYTHONPATH", "")
PYTHON = os.environ.get("ECO2_PYTHON_EXE") or sys.executable
TRACK_C = os.environ.get("ECO2_TRACK_C", "")
JOB = "torchrun:127.0.0.1:29517"

WORKER = """
import sys, time
import eco2
out, seconds = sys.argv[1], float(sys.argv[2])
t = eco2.Tracker(project_name="ranks", file_name=out, measure_period=0.2, intensity=100.0,
                 ignore_warnings=True, save_params=False)
t.start()
time.sleep(seconds)
t.stop()
"""


def torchrun_env(rank):
    """What torchrun --nproc_per_node 4 (no --rdzv_id) gives worker `rank`."""
    return dict(RANK=rank, LOCAL_RANK=rank, WORLD_SIZE=4, LOCAL_WORLD_SIZE=4, GROUP_RANK=0, ROLE_RANK=rank,
                TORCHELASTIC_RUN_ID="none", MASTER_ADDR="127.0.0.1", MASTER_PORT=29517)


def python_rank(rank, env, out, seconds, extra):
    env = dict(env, PYTHONPATH=PYTHONPATH)
    return subprocess.Popen([PYTHON, "-c", WORKER, str(out), str(seconds)], env=env, cwd=out.parent,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def c_rank(rank, env, out, epochs, extra):
    return subprocess.Popen([TRACK_C, str(out), str(epochs), "FR"], env=env, cwd=out.parent,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def check_job_columns(rows):
    for r in rows:
        assert r["job_id"] == JOB, r["job_id"]
        assert r["world_size"].strip() == "4" and r["node_rank"] == "0" and r["local_rank"] == r["rank"]
        assert "process listing unsupported" in r["gpu_source"], r["gpu_source"]


@pytest.mark.skipif(not FAKE_NVML, reason="fake NVML library not built")
@pytest.mark.skipif(not PYTHONPATH, reason="the eco2 Python module is not built")
def test_four_python_trackers_count_the_node_gpus_once(tmp_path):
    sleeps = [1.0, 2.5, 2.5, 2.5]  # rank 0, the first measurer, leaves first: another rank takes over
    rows, gpu_j, truth, watts, since_lock = run_ranks(tmp_path, sleeps, worker=python_rank, job_env=torchrun_env)
    print(f"4 Python ranks: rows {sum(gpu_j):.1f} J, {gpu_j}; fake counter {truth:.1f} J "
          f"({since_lock:.1f} J since rank 0 held the lock)", file=sys.stderr)
    assert [r["rank"] for r in rows] == ["0", "1", "2", "3"]
    check_job_columns(rows)
    assert all(r["status"] == "completed" for r in rows)
    # Once: at most the counter's advance over the whole job (never 4x), at least its advance from when rank 0
    # held the lock but the last rank's exit (its final reading to the interpreter's end, < 0.5 s here).
    assert sum(gpu_j) <= truth + 0.01, (gpu_j, truth)
    assert sum(gpu_j) >= since_lock - watts * 0.5, (gpu_j, since_lock)
    assert rows[0]["gpu_source"].endswith("measured by this rank"), rows[0]["gpu_source"]
    assert any("measured by this rank from" in r["gpu_source"] for r in rows[1:]), [r["gpu_source"] for r in rows]


@pytest.mark.skipif(not FAKE_NVML, reason="fake NVML library not built")
@pytest.mark.skipif(not TRACK_C, reason="the C example is not built")
def test_four_c_trackers_count_the_node_gpus_once(tmp_path):
    epochs = [1, 4, 4, 4]  # epochs of 0.2 s of CPU each: rank 0 leaves first
    rows, gpu_j, truth, watts, since_lock = run_ranks(tmp_path, epochs, worker=c_rank, job_env=torchrun_env)
    print(f"4 C ranks: {len(rows)} rows {sum(gpu_j):.1f} J; fake counter {truth:.1f} J "
          f"({since_lock:.1f} J since rank 0 held the lock)", file=sys.stderr)
    # One row per epoch and the partial one, per rank.
    assert sorted(int(r["rank"]) for r in rows) == [0] * 2 + [1] * 5 + [2] * 5 + [3] * 5
    check_job_columns(rows)
    assert sum(gpu_j) <= truth + 0.01, (gpu_j, truth)
    assert sum(gpu_j) >= since_lock - watts * 0.5, (gpu_j, since_lock)
