"""Ranks of one job on one node count the node's devices once (docs/scale-out.md).

Four concurrent `eco2 run` ranks of one job share two fake GPUs that cannot list their processes (the case
where each rank would otherwise count the whole GPUs: four times the energy). Their rows must add up to the
GPUs' energy once, compared with the fake driver's own energy counter read by this test through ctypes.
Run by CTest (label scale) with ECO2_BIN, ECO2_FAKE_NVML and ECO2_FIXTURES set.
"""
import csv
import fcntl
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fake_gpus import FAKE_NVML, FIXTURES, IDLE_MW, FakeCounter, clean_env, make_gpus

ECO2 = os.environ.get("ECO2_BIN", "eco2")
DEADLINE_S = 60


def lock_held(path):
    """True when another process holds the flock on path (the node measurer's lock)."""
    if not path.exists():
        return False
    with open(path, "rb") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(f, fcntl.LOCK_UN)
        return False


def eco2_run_rank(rank, env, out, seconds, extra):
    """A rank as `eco2 run -- sleep SECONDS`."""
    return subprocess.Popen([ECO2, "run", "-q", "--period", "0.2", *extra, "-o", str(out), "--", "sleep",
                             str(seconds)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def run_ranks(tmp_path, sleeps, kill_rank0_after=None, rank0_args=(), worker=eco2_run_rank, job_env=None):
    """Starts rank 0, waits until it holds the node lock, starts ranks 1-3; optionally SIGKILLs rank 0's eco2
    `kill_rank0_after` s after the others started. `worker(rank, env, out, seconds, extra)` starts a rank
    (default: eco2 run); `job_env` names the job (default ECO2_JOB_ID=job-4 and torchrun's ranks). Returns the
    rows by rank, their GPU energy (J), the fake's counter advance over the whole job (J), the GPUs' power (W)
    and the counter's advance from when rank 0 held the lock (J)."""
    gpus = make_gpus(tmp_path)
    runtime = tmp_path / "xdg"
    runtime.mkdir(mode=0o700)
    counter = FakeCounter(gpus)
    out = tmp_path / "emission.csv"

    def start(rank):
        job = job_env(rank) if job_env else dict(ECO2_JOB_ID="job-4", RANK=rank, LOCAL_RANK=rank, WORLD_SIZE=4,
                                                 GROUP_RANK=0)
        e = clean_env(ECO2_SYS_ROOT=FIXTURES / "no_rapl" / "sys", ECO2_NVML_LIBRARY=FAKE_NVML,
                      FAKE_NVML_DIR=gpus, XDG_RUNTIME_DIR=runtime, **job)
        return worker(rank, e, out, sleeps[rank], list(rank0_args) if rank == 0 else [])

    before = counter.joules()
    t_before = time.monotonic()
    procs = [start(0)]
    deadline = time.monotonic() + 20
    # rank 0 is the node's measurer before the others start
    while not any(lock_held(lock) for lock in (runtime / "eco2").glob("job-*.lock")):
        assert time.monotonic() < deadline, "rank 0 never took the node lock"
        assert procs[0].poll() is None, procs[0].communicate()
        time.sleep(0.01)
    at_lock = counter.joules()
    procs += [start(r) for r in (1, 2, 3)]
    if kill_rank0_after is not None:
        time.sleep(kill_rank0_after)
        procs[0].kill()  # eco2 itself (its command keeps running until its sleep ends)
    if kill_rank0_after is not None:
        # Its command still holds the pipes until its sleep ends: wait for eco2 only.
        assert procs.pop(0).wait(timeout=DEADLINE_S) == -9
    for p in procs:
        _, err = p.communicate(timeout=DEADLINE_S)
        assert p.returncode == 0, err
    after = counter.joules()
    t_after = time.monotonic()
    with open(out, newline="") as f:
        rows = sorted(csv.DictReader(f), key=lambda r: int(r["rank"]))
    watts = sum(IDLE_MW) / 1000.0
    truth = after - before  # the fake's counter over the whole job, start-up of the first rank included
    assert truth == pytest.approx(watts * (t_after - t_before), rel=0.01)  # the fake's counter is sane
    return rows, [float(r["gpu_energy(kWh)"]) * 3.6e6 for r in rows], truth, watts, after - at_lock


@pytest.mark.skipif(not FAKE_NVML, reason="fake NVML library not built")
def test_four_ranks_count_the_node_gpus_once(tmp_path):
    sleeps = [1.0, 2.5, 2.5, 2.5]  # rank 0, the first measurer, leaves first: another rank takes over
    rows, gpu_j, truth, watts, _ = run_ranks(tmp_path, sleeps)
    assert [r["rank"] for r in rows] == ["0", "1", "2", "3"]
    for r in rows:
        assert r["job_id"] == "job-4" and r["world_size"].strip() == "4" and r["node_rank"] == "0"
        assert r["local_rank"] == r["rank"] and r["status"] == "completed"
        assert "process listing unsupported" in r["gpu_source"], r["gpu_source"]
    # Once: at most the counter's advance (never 4x), at least all of it but the ranks' start-up and exit
    # (the time before rank 0's first reading and after the last rank's final one, < 0.5 s here).
    print(f"4 ranks: rows {sum(gpu_j):.1f} J, {gpu_j}; fake counter {truth:.1f} J", file=sys.stderr)
    assert sum(gpu_j) <= truth + 0.01, (gpu_j, truth)
    assert sum(gpu_j) >= truth - watts * 0.5, (gpu_j, truth)
    # Who measured: rank 0 from its start, then a successor from the hand-over (and, when that one leaves before
    # the last, the next); the ranks that never measured recorded no GPU energy.
    assert rows[0]["gpu_source"].endswith("measured by this rank"), rows[0]["gpu_source"]
    successors = [r for r in rows[1:] if "measured by this rank from" in r["gpu_source"]]
    assert 1 <= len(successors) <= 3, [r["gpu_source"] for r in rows]
    idle = [j for r, j in zip(rows[1:], gpu_j[1:]) if "measured by another rank" in r["gpu_source"]]
    assert len(idle) + len(successors) == 3 and idle == [0.0] * len(idle)
    # Rank 0 measured its ~1 s of 300 W.
    # (duration(s) also holds the tracker's start-up before its first reading: up to ~0.1 s here)
    assert gpu_j[0] == pytest.approx(watts * float(rows[0]["duration(s)"]), abs=watts * 0.1)


@pytest.mark.skipif(not FAKE_NVML, reason="fake NVML library not built")
def test_a_killed_measurer_hands_over_from_its_last_checkpoint(tmp_path):
    """Rank 0 (checkpoint every 1 s) is killed with SIGKILL ~0.9 s after its last checkpoint: its row keeps that
    checkpoint (interrupted), and its successor counts from the readings that checkpoint held, so the ~0.9 s
    in between (~270 J) is neither lost nor counted twice."""
    rows, gpu_j, truth, watts, _ = run_ranks(tmp_path, [3, 2.5, 2.5, 2.5], kill_rank0_after=1.8,
                                          rank0_args=("--checkpoint", "1"))
    print(f"killed measurer: rows {sum(gpu_j):.1f} J, {gpu_j}; fake counter {truth:.1f} J", file=sys.stderr)
    assert rows[0]["status"] == "interrupted" and rows[0]["exit_code"] == ""
    assert [r["status"] for r in rows[1:]] == ["completed"] * 3
    assert sum(gpu_j) <= truth + 0.01, (gpu_j, truth)
    assert sum(gpu_j) >= truth - watts * 0.3, (gpu_j, truth)  # start-up only; the gap would be ~0.9 s
    assert sum("measured by this rank from" in r["gpu_source"] for r in rows[1:]) >= 1


def has_summary():
    return subprocess.run([ECO2, "summary", "--help"], capture_output=True, timeout=30).returncode == 0


@pytest.mark.skipif(not FAKE_NVML, reason="fake NVML library not built")
@pytest.mark.skipif(not has_summary(), reason="this eco2 has no summary command yet")
def test_summary_by_job_merges_the_files_of_two_nodes(tmp_path):
    """Two "nodes" (each its own runtime directory, so its own election, and its own records file) of one job,
    two ranks each, on the same fake GPUs: each node's measurer records them, so the job's total from
    `eco2 summary --by job` over both files is twice the fake counter's advance (each node's GPUs once)."""
    gpus = make_gpus(tmp_path)
    counter = FakeCounter(gpus)
    procs, files = [], []
    before = counter.joules()
    for node in (0, 1):
        runtime = tmp_path / f"xdg{node}"
        runtime.mkdir(mode=0o700)
        files.append(tmp_path / f"node{node}.csv")
        for local in (0, 1):
            e = clean_env(ECO2_SYS_ROOT=FIXTURES / "no_rapl" / "sys", ECO2_NVML_LIBRARY=FAKE_NVML,
                          FAKE_NVML_DIR=gpus, XDG_RUNTIME_DIR=runtime, ECO2_JOB_ID="job-2x2",
                          RANK=node * 2 + local, LOCAL_RANK=local, WORLD_SIZE=4, GROUP_RANK=node)
            procs.append(subprocess.Popen([ECO2, "run", "-q", "--period", "0.2", "-o", str(files[-1]), "--",
                                           "sleep", "1.5"], env=e, stderr=subprocess.PIPE, text=True))
    for p in procs:
        _, err = p.communicate(timeout=DEADLINE_S)
        assert p.returncode == 0, err
    truth = 2 * (counter.joules() - before)
    r = subprocess.run([ECO2, "summary", "--by", "job", "--format", "csv", *map(str, files)], capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    (job,) = [g for g in csv.DictReader(r.stdout.splitlines()) if g["job"] == "job-2x2"]
    assert int(job["rows"]) == 4
    gpu_j = float(job["gpu_energy(kWh)"]) * 3.6e6
    rows_j = sum(float(row["gpu_energy(kWh)"]) * 3.6e6 for f in files for row in csv.DictReader(open(f)))
    assert gpu_j == pytest.approx(rows_j, rel=1e-6)  # the summary adds every row of both files
    watts = sum(IDLE_MW) / 1000.0
    assert truth - 2 * watts * 0.5 <= gpu_j <= truth + 0.01, (gpu_j, truth)


def test_a_bad_rank_is_a_warning_of_the_run(tmp_path):
    """eco2 run's job comes from the tracker's detection: a bad value is one of the run's warnings (the summary,
    --result's JSON), and the next source is used."""
    runtime = tmp_path / "xdg"
    runtime.mkdir(mode=0o700)
    out = tmp_path / "emission.csv"
    e = clean_env(ECO2_SYS_ROOT=FIXTURES / "no_rapl" / "sys", ECO2_NVML_LIBRARY=tmp_path / "none.so",
                  XDG_RUNTIME_DIR=runtime, ECO2_JOB_ID="job-w", RANK="x", SLURM_PROCID=2)
    result = tmp_path / "result.json"
    r = subprocess.run([ECO2, "run", "-o", str(out), "--result", str(result), "--", "true"], env=e,
                       capture_output=True, text=True, timeout=DEADLINE_S)
    assert r.returncode == 0, r.stderr
    assert "eco2: warning: RANK=x ignored: not a non-negative integer" in r.stderr
    assert "RANK=x ignored: not a non-negative integer" in json.loads(result.read_text())["warnings"]
    with open(out, newline="") as f:
        (row,) = csv.DictReader(f)
    assert row["job_id"] == "job-w" and row["rank"] == "2"
