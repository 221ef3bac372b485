"""eco2 run --jsonl FILE: JSON lines of the samples, parsed here with Python's json and compared with the
records row the same run wrote (label cli)."""

import csv
import json
import os
import subprocess
import sys

ECO2 = os.environ.get("ECO2_BIN", "eco2")
BUSY = "import time\nend = time.process_time() + 0.4\nwhile time.process_time() < end: pass\n"


def eco2(args, cwd):
    e = {k: v for k, v in os.environ.items() if not k.startswith("ECO2_") or k == "ECO2_BIN"}
    return subprocess.run([ECO2, *args], cwd=cwd, env=e, capture_output=True, text=True, timeout=60)


def test_jsonl_lines_parse_and_agree_with_the_record(tmp_path):
    r = eco2(["run", "-q", "--period", "0.05", "--intensity", "100", "-o", "r.csv", "--jsonl", "ticks.jsonl",
              "--", sys.executable, "-c", BUSY], tmp_path)
    assert r.returncode == 0, r.stderr
    lines = [json.loads(line) for line in (tmp_path / "ticks.jsonl").read_text().splitlines()]
    with open(tmp_path / "r.csv", newline="") as f:
        row = list(csv.DictReader(f))[0]
    start, ticks, stop = lines[0], lines[1:-1], lines[-1]
    assert start["type"] == "start" and stop["type"] == "stop"
    assert start["run_id"] == row["id"] == stop["run_id"]
    assert [t["type"] for t in ticks] == ["tick"] * len(ticks)
    assert [t["index"] for t in ticks] == list(range(1, len(ticks) + 1))
    assert len(ticks) == int(row["samples"])
    assert all(b["t_s"] > a["t_s"] for a, b in zip(ticks, ticks[1:]))
    last = ticks[-1]
    assert last["final"] is True
    # The record keeps 10 significant digits of kWh.
    cpu_kwh = float(row["cpu_energy(kWh)"])
    assert cpu_kwh > 0
    assert abs(last["energy_j"]["cpu"] / 3.6e6 - cpu_kwh) <= 1e-9 * cpu_kwh
    assert abs(stop["co2_kg"] - float(row["CO2_emissions(kg)"])) <= 1e-9 * stop["co2_kg"]
    assert stop["status"] == row["status"] == "completed"
    assert abs(sum(c["joules"] for c in last["channels"]) - sum(last["energy_j"].values())) < 1e-9


def test_jsonl_appends_runs_to_the_same_file(tmp_path):
    for _ in range(2):
        r = eco2(["run", "-q", "--jsonl", "all.jsonl", "-o", "", "--", "true"], tmp_path)
        assert r.returncode == 0, r.stderr
    lines = [json.loads(line) for line in (tmp_path / "all.jsonl").read_text().splitlines()]
    starts = [x["run_id"] for x in lines if x["type"] == "start"]
    assert len(starts) == 2 and starts[0] != starts[1]


def test_jsonl_in_a_missing_folder_is_an_error_before_the_command_runs(tmp_path):
    r = eco2(["run", "--jsonl", "no/such/dir/t.jsonl", "--", "touch", "ran"], tmp_path)
    assert r.returncode == 2
    assert r.stderr.startswith("eco2: error:") and "no/such/dir/t.jsonl" in r.stderr, r.stderr
    assert not (tmp_path / "ran").exists()
