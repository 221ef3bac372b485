"""`eco2 summary`, `eco2 compare` and `eco2 run --result` on records that real `eco2 run`s wrote: two experiments
of 4 epochs each (epoch marks with loss and accuracy, work reported), checked against the rows themselves."""
import csv
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from readable import e_notation

ECO2 = os.environ.get("ECO2_BIN", "eco2")
FIXTURES = Path(os.environ.get("ECO2_FIXTURES", Path(__file__).parent.parent / "fixtures"))

# Each epoch spins for `cpu` s of CPU time, reports 100 items and marks the epoch with its loss and accuracy.
TRAIN = """
import os, sys, time
cpu, base = float(sys.argv[1]), float(sys.argv[2])
for e in range(1, 5):
    start = time.process_time()
    while time.process_time() - start < cpu:
        pass
    with open(os.environ["ECO2_CONTROL"], "w") as f:
        f.write('{"mark": "work", "items": 100}\\n')
    with open(os.environ["ECO2_CONTROL"], "w") as f:
        f.write(f"epoch loss={1.0 / e:.3f} accuracy={base + 0.05 * e:.2f}\\n")
"""


def env(tmp_path):
    e = {k: v for k, v in os.environ.items() if not k.startswith("ECO2_")}
    e["HOME"] = str(tmp_path)
    e["ECO2_SYS_ROOT"] = str(FIXTURES / "no_rapl" / "sys")  # the TDP model: energy follows CPU time
    return e


def eco2(args, tmp_path, timeout=120):
    return subprocess.run([ECO2, *args], cwd=tmp_path, env=env(tmp_path), capture_output=True, text=True,
                          timeout=timeout)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    d = tmp_path_factory.mktemp("records")
    (d / "train.py").write_text(TRAIN)
    summaries = {}
    for name, cpu, base in (("small", "0.05", "0.60"), ("large", "0.15", "0.70")):
        r = eco2(["run", "-o", "runs.csv", "--region", "FR", "--experiment", name, "--epochs", "4", "--",
                  sys.executable, "train.py", cpu, base], d)
        assert r.returncode == 0, r.stderr
        summaries[name] = r.stderr
    with open(d / "runs.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    return d, rows, summaries


def test_the_end_of_run_summary_after_a_training(runs):
    _, _, summaries = runs
    s = summaries["large"]
    assert "  epochs\n" in s and "accuracy" in s and "energy/item" in s, s
    assert re.search(r"^    4 .* 0\.900 ", s, re.M), s
    assert "  predicted  after 1 of 4 epochs:" in s and re.search(r"  measured   4 epochs: .*%", s), s
    assert not e_notation(s), s


def test_summary_by_experiment_json_sums_the_rows(runs):
    d, rows, _ = runs
    r = eco2(["summary", "runs.csv", "--by", "experiment", "--format", "json"], d)
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    groups = {g["key"]: g for g in doc["groups"]}
    assert set(groups) == {"small", "large"}
    for name, g in groups.items():
        mine = [x for x in rows if x["experiment_description"] == name]
        assert g["runs"] == 1 and g["rows"] == len(mine) >= 4
        assert g["co2_kg"] == pytest.approx(sum(float(x["CO2_emissions(kg)"]) for x in mine), rel=1e-9)
        assert g["energy_kwh"] == pytest.approx(sum(float(x["power_consumption(kWh)"]) for x in mine), rel=1e-9)
        assert g["cpu_energy_kwh"] == pytest.approx(sum(float(x["cpu_energy(kWh)"]) for x in mine), rel=1e-9)
    assert doc["total"]["runs"] == 2
    table = eco2(["summary", "runs.csv", "--by", "epoch"], d).stdout
    assert table.startswith("epoch") and re.search(r"^1 +2 +2 ", table, re.M), table
    assert not e_notation(table), table


def test_compare_by_experiment_marks_the_pareto_front(runs):
    d, _, _ = runs
    r = eco2(["compare", "runs.csv", "--by", "experiment", "--metric", "accuracy", "--maximize"], d)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].startswith("experiment") and "pareto" in lines[0]
    # sorted by name: large is the baseline; both are on the front (large: more accurate; small: less CO2)
    assert lines[1].startswith("large") and lines[2].startswith("small") and "%" in lines[2]
    assert lines[1].rstrip().endswith("*") and lines[2].rstrip().endswith("*"), r.stdout
    assert not e_notation(r.stdout), r.stdout
    bad = eco2(["compare", "runs.csv", "--metric", "f1"], d)
    assert bad.returncode == 2 and "eco2: error: --metric f1: no run reported it" in bad.stderr


def test_summary_of_a_file_that_is_not_records(tmp_path):
    (tmp_path / "x.csv").write_text("name,value\na,1\n")
    r = eco2(["summary", "x.csv"], tmp_path)
    assert r.returncode == 2 and "eco2: error: x.csv is not a records file" in r.stderr and r.stdout == ""


def test_result_json_names_a_killed_command(tmp_path):
    r = eco2(["run", "--no-series", "--result", "-", "--", "sh", "-c", "kill -9 $$"], tmp_path)
    assert r.returncode == 137
    j = json.loads(r.stdout)
    assert j["signal"] == "SIGKILL" and j["exit_code"] == 137 and j["status"] == "completed"
    assert "the command was killed by SIGKILL after" in r.stderr
    r = eco2(["run", "--no-series", "--result", "r.json", "--", "sh", "-c", "exit 3"], tmp_path)
    assert r.returncode == 3 and r.stdout == ""
    j = json.loads((tmp_path / "r.json").read_text())
    assert j["exit_code"] == 3 and j["signal"] is None and j["ending"] == "the command exited with status 3"
    with open(tmp_path / "emission.csv", newline="") as f:
        last = list(csv.DictReader(f))[-1]
    assert last["id"] == j["id"] and float(last["CO2_emissions(kg)"]) == pytest.approx(j["co2_kg"], rel=1e-9)
