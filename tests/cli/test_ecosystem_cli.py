"""`eco2` for newcomers (issue 12): your own CPU power (--cpu-tdp, --cpu-name), cloud regions, a CLI that
corrects you, current accelerators in `eco2 estimate`. The CPU figure is checked against the CPU time the
command reports for itself."""
import re
import csv
import json
import os
import subprocess
import sys
from pathlib import Path

from readable import e_notation

ECO2 = os.environ.get("ECO2_BIN", "eco2")
FIXTURES = Path(os.environ.get("ECO2_FIXTURES", Path(__file__).parent.parent / "fixtures"))
NO_RAPL = FIXTURES / "no_rapl" / "sys"  # no RAPL, 2 online CPUs: the TDP model is used

# Busy for 0.4 s of its own CPU time, then prints that CPU time (user + system, from the kernel via os.times).
BURN = ("import os, time\nend = time.process_time() + 0.4\nwhile time.process_time() < end: pass\n"
        "t = os.times(); print(t.user + t.system)")


def env(tmp_path, **extra):
    e = {k: v for k, v in os.environ.items() if not k.startswith("ECO2_")}
    e.update(ECO2_SYS_ROOT=str(NO_RAPL), ECO2_NVML_LIBRARY=str(tmp_path / "none.so"), TZ="UTC")
    e.update({k: str(v) for k, v in extra.items()})
    return e


def eco2(args, tmp_path, **extra):
    return subprocess.run([ECO2, *args], cwd=tmp_path, capture_output=True, text=True, timeout=60,
                          env=env(tmp_path, **extra))


def rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def test_run_cpu_tdp_205_records_205_w_as_the_source(tmp_path):
    r = eco2(["run", "-q", "--cpu-tdp", "205", "--", sys.executable, "-c", BURN], tmp_path)
    assert r.returncode == 0, r.stderr
    cpu_s = float(r.stdout)
    (row,) = rows(tmp_path / "emission.csv")
    assert row["cpu_source"].startswith("tdp-model(205 W, --cpu-tdp;"), row["cpu_source"]
    # 205 W x the command's CPU time / 2 online CPUs (the interpreter's start-up counts too: a little more)
    joules = float(row["cpu_energy(kWh)"]) * 3.6e6
    assert 205 * cpu_s / 2 * 0.9 <= joules <= 205 * cpu_s / 2 * 1.25, (joules, cpu_s)


def test_cpu_tdp_from_the_environment_and_cpu_name_from_the_table(tmp_path):
    r = eco2(["run", "-q", "--", "true"], tmp_path, ECO2_CPU_TDP="150")
    assert r.returncode == 0, r.stderr
    assert rows(tmp_path / "emission.csv")[0]["cpu_source"].startswith("tdp-model(150 W, ECO2_CPU_TDP;")
    r = eco2(["run", "-q", "-o", "b.csv", "--cpu-name", "EPYC 7763", "--", "true"], tmp_path)
    assert r.returncode == 0, r.stderr
    assert "--cpu-name \"EPYC 7763\": table epyc 7763 280 W" in rows(tmp_path / "b.csv")[0]["cpu_source"]
    r = eco2(["run", "--cpu-name", "EPYC 9999X", "--", "true"], tmp_path)
    assert r.returncode == 2 and "--cpu-tdp W" in r.stderr, r.stderr


def test_sensors_say_how_to_set_an_unknown_cpus_power(tmp_path):
    r = eco2(["sensors", "--format", "json"], tmp_path, ECO2_PROC_ROOT=FIXTURES / "no_rapl" / "proc")
    by = {s["backend"]: s for s in json.loads(r.stdout)["sensors"]}
    assert "--cpu-tdp W" in by["cpu-model"]["fix"] and "--cpu-name" in by["cpu-model"]["fix"]
    r = eco2(["sensors", "--format", "json", "--cpu-tdp", "95"], tmp_path)
    by = {s["backend"]: s for s in json.loads(r.stdout)["sensors"]}
    assert by["cpu-model"]["reason"].startswith("TDP 95 W from --cpu-tdp") and not by["cpu-model"]["fix"]


def test_cloud_regions_resolve_plain_and_with_cloud(tmp_path):
    r = eco2(["regions", "us-east-1"], tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("us-east-1 -> US-MIDA-PJM (PJM Interconnection), AWS region us-east-1")
    r = eco2(["run", "-q", "--cloud", "gcp", "--region", "europe-west4", "--", "true"], tmp_path)
    assert r.returncode == 0, r.stderr
    (row,) = rows(tmp_path / "emission.csv")
    assert row["region/country"] == "NL"
    assert "Google Cloud region europe-west4 (Eemshaven, Netherlands, Europe) -> zone NL" in row["location_source"]
    r = eco2(["where", "--region", "westeurope"], tmp_path)
    assert r.returncode == 0 and "NL" in r.stdout
    r = eco2(["regions", "--cloud", "aws", "us-east-7"], tmp_path)
    assert r.returncode != 0 and "did you mean us-east-1" in r.stderr


def test_cli_corrects_you(tmp_path):
    r = eco2(["run", "--regoin", "FR", "--", "true"], tmp_path)
    assert r.returncode == 2 and "did you mean '--region'?" in r.stderr, r.stderr
    r = eco2(["runn", "--", "true"], tmp_path)
    assert r.returncode == 2 and "did you mean 'eco2 run'?" in r.stderr
    r = eco2(["run", "--", "true"], tmp_path, ECO2_PUE="abc")
    assert r.returncode == 2 and '"abc" is not a number' in r.stderr
    r = eco2(["run", "--intensity", "-3", "--", "true"], tmp_path)
    assert r.returncode == 2 and "-3 is out of range: give a number >= 0" in r.stderr and "e+" not in r.stderr


def test_estimate_knows_current_accelerators_lists_them_and_refuses_zero(tmp_path):
    r = eco2(["estimate", "--list", "--format", "json"], tmp_path)
    assert r.returncode == 0, r.stderr
    table = {a["gpu"]: a for a in json.loads(r.stdout)["accelerators"]}
    for key in ("h100-nvl", "h100-sxm", "h100-pcie", "h200", "b200", "gb200", "l4", "l40s", "a40",
                "rtx-6000-ada", "mi250x", "mi300x", "gaudi2", "gaudi3"):
        assert key in table and table[key]["watts"] > 0 and table[key]["source"], key
    r = eco2(["estimate", "--gpu", "H200", "--gpus", "8", "--hours", "1", "--region", "FR", "--format", "json"],
             tmp_path)
    assert r.returncode == 0, r.stderr
    assert abs(json.loads(r.stdout)["kwh"] - 8 * 0.7) < 1e-9
    r = eco2(["estimate", "--gpu", "H200", "--gpus", "0", "--hours", "1"], tmp_path)
    assert r.returncode == 2 and "out of range" in r.stderr


def test_first_run_in_utc_says_the_region_used_and_how_to_set_it_in_one_line(tmp_path):
    r = eco2(["run", "--", "true"], tmp_path)
    assert r.returncode == 0
    warnings = [l for l in r.stderr.splitlines() if l.startswith("eco2: warning:")]
    assert len(warnings) == 1 and "world average" in warnings[0] and "--region" in warnings[0]
    assert len(warnings[0]) < 160, warnings[0]
    # 436.5 is the run's energy-weighted mean intensity, recomputed: 3 digits may round either way
    assert re.search(r" at 43[67] gCO2/kWh, World\n", r.stderr) and "  carbon   world average: no region set\n" in r.stderr
    assert not e_notation(r.stderr), r.stderr  # no e-notation for people


def test_us_states_spanning_zones_get_the_best_zone_or_a_short_list(tmp_path):
    r = eco2(["run", "-q", "--region", "Virginia", "--", "true"], tmp_path)
    assert r.returncode == 0, r.stderr
    (row,) = rows(tmp_path / "emission.csv")
    assert row["region/country"] == "US-MIDA-PJM"
    assert "the best single zone: most of Virginia" in row["location_source"]
    r = eco2(["regions", "Missouri"], tmp_path)
    assert r.returncode != 0 and "the likely ones: US-MIDW-MISO" in r.stderr and r.stderr.count("US-") < 8
