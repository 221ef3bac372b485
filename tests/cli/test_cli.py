"""End-to-end tests of the `eco2` command: exit codes, signals, records, fixtures, golden help texts.

Run by CTest (label cli) with ECO2_BIN, ECO2_FAKE_NVML and ECO2_FIXTURES set. Set ECO2_UPDATE_GOLDEN=1 to
rewrite the *.expected files after an intended change of the help texts.
"""
import csv
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ECO2 = os.environ.get("ECO2_BIN", "eco2")
FAKE_NVML = os.environ.get("ECO2_FAKE_NVML", "")
FIXTURES = Path(os.environ.get("ECO2_FIXTURES", Path(__file__).parent.parent / "fixtures"))
HERE = Path(__file__).parent


def env(**extra):
    e = {k: v for k, v in os.environ.items() if not k.startswith("ECO2_") or k == "ECO2_BIN"}
    e.update({k: str(v) for k, v in extra.items()})
    return e


def run(args, cwd, **kw):
    return subprocess.run([ECO2, *args], cwd=cwd, capture_output=True, text=True, timeout=60, **kw)


def rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def num(row, col):
    return float(row[col].strip())


# --------------------------------------------------------------------------------------------- exit codes
def test_exit_code_of_the_command_is_returned(tmp_path):
    r = run(["run", "-q", "--", "sh", "-c", "exit 7"], tmp_path, env=env())
    assert r.returncode == 7
    (row,) = rows(tmp_path / "emission.csv")
    assert row["exit_code"] == "7" and row["status"] == "completed"


def test_death_by_signal_is_128_plus_n(tmp_path):
    r = run(["run", "-q", "--", "sh", "-c", "kill -TERM $$"], tmp_path, env=env())
    assert r.returncode == 128 + signal.SIGTERM


def test_command_not_found_is_127(tmp_path):
    r = run(["run", "--", "no-such-command-eco2"], tmp_path, env=env())
    assert r.returncode == 127
    assert "command not found: no-such-command-eco2" in r.stderr


def test_nothing_after_separator_is_a_usage_error(tmp_path):
    r = run(["run", "--"], tmp_path, env=env())
    assert r.returncode == 2 and "no command to run" in r.stderr


def test_unknown_option_is_a_usage_error(tmp_path):
    r = run(["run", "--bogus", "--", "true"], tmp_path, env=env())
    assert r.returncode == 2 and "--bogus" in r.stderr


def test_bad_value_is_a_usage_error_naming_the_option(tmp_path):
    r = run(["run", "--pue", "0.5", "--", "true"], tmp_path, env=env())
    assert r.returncode == 2 and "--pue" in r.stderr


def test_unwritable_output_fails_before_the_command_starts(tmp_path):
    marker = tmp_path / "ran"
    r = run(["run", "-o", str(tmp_path / "no/such/dir/x.csv"), "--", "touch", str(marker)], tmp_path, env=env())
    assert r.returncode == 2
    assert "--output" in r.stderr or "directory" in r.stderr
    assert not marker.exists()


def test_library_messages_show_the_settings_as_flags(tmp_path):
    """The library's messages name settings (output, jsonl); eco2 shows them as its flags."""
    (tmp_path / "a-dir").mkdir()
    r = run(["run", "-o", str(tmp_path / "a-dir") + "/", "--", "true"], tmp_path, env=env())
    assert r.returncode == 2 and "eco2: error:" in r.stderr and "with --output)" in r.stderr, r.stderr
    r = run(["run", "--jsonl", "no/such/dir/t.jsonl", "--", "true"], tmp_path, env=env())
    assert r.returncode == 2 and "writable folder (--jsonl FILE)" in r.stderr, r.stderr
    assert not re.search(r"[\x1d-\x1f]", r.stderr)


def test_output_under_proc_fails_before_the_command_starts(tmp_path):
    """Failed before: root passes access() on /proc, so the command ran untracked and eco2 exited 0."""
    marker = tmp_path / "ran"
    r = run(["run", "-o", "/proc/x.csv", "--", "touch", str(marker)], tmp_path, env=env())
    assert r.returncode == 2, r.stderr
    assert "/proc/x.csv" in r.stderr and "eco2: error:" in r.stderr
    assert not marker.exists()


def test_environment_fallback_and_flag_precedence(tmp_path):
    r = run(["run", "-q", "--project", "flag", "--", "true"], tmp_path, env=env(ECO2_PROJECT="envproj", ECO2_EXPERIMENT="envexp"))
    assert r.returncode == 0
    (row,) = rows(tmp_path / "emission.csv")
    assert row["project_name"] == "flag" and row["experiment_description"] == "envexp"


# --------------------------------------------------------------------------------------------- signals
def test_sigterm_to_eco2_is_forwarded_and_the_run_recorded(tmp_path):
    p = subprocess.Popen([ECO2, "run", "-q", "--", "sh", "-c", 'trap "exit 42" TERM; while :; do sleep 0.05; done'],
                         cwd=tmp_path, env=env(), stderr=subprocess.PIPE, text=True)
    time.sleep(0.5)
    p.send_signal(signal.SIGTERM)
    assert p.wait(timeout=10) == 42
    (row,) = rows(tmp_path / "emission.csv")
    assert row["exit_code"] == "42" and row["status"] == "completed"


def test_sigint_to_eco2_is_forwarded(tmp_path):
    p = subprocess.Popen([ECO2, "run", "-q", "--", "sleep", "30"], cwd=tmp_path, env=env())
    time.sleep(0.3)
    p.send_signal(signal.SIGINT)
    assert p.wait(timeout=10) == 128 + signal.SIGINT


# --------------------------------------------------------------------------------------------- energy
def test_short_cpu_bound_job_gets_correct_tdp_model_energy(tmp_path):
    # The job prints its own CPU time last (CLOCK_PROCESS_CPUTIME_ID: since eco2 forked it, start-up included).
    job = ("import sys, time\nt=time.time()\nwhile time.time()-t<0.2: pass\n"
           "open(sys.argv[1], 'w').write(repr(time.process_time()))\n")
    own = tmp_path / "own_cpu_s"
    p = subprocess.Popen([ECO2, "run", "-q", "--", sys.executable, "-c", job, str(own)], cwd=tmp_path,
                         env=env(ECO2_SYS_ROOT=FIXTURES / "no_rapl"))
    _, status, ru = os.wait4(p.pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    # eco2's own CPU time plus the job's (reaped by eco2): the job alone is a little less.
    eco2_and_job_s = ru.ru_utime + ru.ru_stime
    (row,) = rows(tmp_path / "emission.csv")
    m = re.search(r"tdp-model\(([\d.]+) W.*/ (\d+) CPUs", row["cpu_source"])
    assert m, row["cpu_source"]
    tdp, cpus = float(m.group(1)), int(m.group(2))
    assert cpus == 2  # from the fixture's online list
    series = rows(tmp_path / "emission.series" / (row["id"] + ".csv"))
    tree_cpu_s = num(row, "cpu_time(s)")  # full precision; the series keeps 4 decimals
    assert float(series[-1]["tree_cpu_s"]) == pytest.approx(tree_cpu_s, abs=1e-4)
    assert 0.05 <= tree_cpu_s <= eco2_and_job_s + 0.02  # ticks are 10 ms
    # the job's whole CPU time, as the job reports it (eco2's own, which varies with the build and the load,
    # e.g. 0.3 s under ASan on a busy machine, stays out); 0.01 s: a clock tick of /proc where no cgroup is made
    job_own_s = float(own.read_text())
    assert tree_cpu_s >= job_own_s - 0.01, (tree_cpu_s, job_own_s, eco2_and_job_s)
    cpu_j = num(row, "cpu_energy(kWh)") * 3.6e6
    assert cpu_j > 0
    assert cpu_j == pytest.approx(tdp * tree_cpu_s / cpus, rel=1e-6)
    assert row["estimated"] == "true" and "estimated" in row["cpu_source"]


def _copy_fixtures(tmp_path):
    sysroot = tmp_path / "host"
    shutil.copytree(FIXTURES / "rapl_2socket_dram", sysroot)
    gpus = tmp_path / "gpus"
    shutil.copytree(FIXTURES / "nvml_two_gpus", gpus)
    return sysroot / "sys" / "class" / "powercap", gpus


@pytest.mark.skipif(not FAKE_NVML, reason="fake NVML library not built")
def test_machine_scope_reports_fixture_counter_deltas_across_a_wrap(tmp_path):
    pc, gpus = _copy_fixtures(tmp_path)
    rd = lambda p: int(p.read_text().strip())
    pkg0, pkg1 = rd(pc / "intel-rapl:0/energy_uj"), rd(pc / "intel-rapl:1/energy_uj")
    dram0, dram1 = rd(pc / "intel-rapl:0:0/energy_uj"), rd(pc / "intel-rapl:1:0/energy_uj")
    wrap = rd(pc / "intel-rapl:0/max_energy_range_uj")
    gpu0 = rd(gpus / "gpu0/energy_mj")
    (gpus / "gpu1/power_mw").write_text("50000\n")  # 50 W, sampled
    new = {"intel-rapl:0/energy_uj": 2_500_000, "intel-rapl:1/energy_uj": pkg1 + 40_000_000,
           "intel-rapl:0:0/energy_uj": dram0 + 3_000_000, "intel-rapl:1:0/energy_uj": dram1 + 1_000_000}
    script = "sleep 0.4; " + "; ".join(f"echo {v} > '{pc / k}'" for k, v in new.items())
    script += f"; echo {gpu0 + 123_456} > '{gpus / 'gpu0/energy_mj'}'; sleep 0.4"
    r = run(["run", "--scope", "machine", "--period", "0.05", "--", "sh", "-c", script], tmp_path,
            env=env(ECO2_SYS_ROOT=tmp_path / "host" / "sys", ECO2_NVML_LIBRARY=FAKE_NVML, FAKE_NVML_DIR=gpus))
    assert r.returncode == 0, r.stderr
    (row,) = rows(tmp_path / "emission.csv")
    cpu_j = num(row, "cpu_energy(kWh)") * 3.6e6
    ram_j = num(row, "ram_energy(kWh)") * 3.6e6
    gpu_j = num(row, "gpu_energy(kWh)") * 3.6e6
    expected_cpu = ((wrap - pkg0) + 2_500_000 + 40_000_000) / 1e6  # package-0 wrapped
    assert cpu_j == pytest.approx(expected_cpu, rel=1e-7)
    assert ram_j == pytest.approx(4.0, rel=1e-7)  # measured DRAM, not the model
    assert row["cpu_source"].startswith("rapl(") and row["ram_source"].startswith("rapl(")
    assert row["scope"] == "machine" and row["estimated"] == "false"
    duration = num(row, "duration(s)")
    # gpu0: the counter delta exactly; gpu1: 50 W integrated over the sampled time (<= duration)
    gpu1_j = gpu_j - 123.456
    assert 50 * (duration - 0.15) <= gpu1_j <= 50 * (duration + 0.0005), (gpu_j, duration)  # 3 decimals
    assert "nvml" in row["gpu_source"]


@pytest.mark.skipif(not FAKE_NVML, reason="fake NVML library not built")
def test_gpu_error_mid_run_keeps_the_run_going(tmp_path):
    _, gpus = _copy_fixtures(tmp_path)
    script = f"sleep 0.3; echo 15 > '{gpus / 'gpu1/error'}'; sleep 0.3"
    r = run(["run", "--scope", "machine", "--period", "0.05", "--", "sh", "-c", script], tmp_path,
            env=env(ECO2_SYS_ROOT=FIXTURES / "no_rapl" / "sys", ECO2_NVML_LIBRARY=FAKE_NVML, FAKE_NVML_DIR=gpus))
    assert r.returncode == 0
    (row,) = rows(tmp_path / "emission.csv")
    assert int(row["read_failures"]) > 0
    assert "nvml" in r.stderr and "warning" in r.stderr


def _four_second_gpu_phase(tmp_path):
    """The fake's gpu0 at 300 W for 4 s from 1 s after the origin the command writes (30 W idle otherwise), and
    the head of a Python command: put(name, text) writes a file of the fake atomically."""
    _, gpus = _copy_fixtures(tmp_path)
    g = gpus / "gpu0"
    (g / "energy_mj").write_text("0\n")
    (g / "idle_mw").write_text("30000\n")
    (g / "timeline").write_text("1 5 300000 1\n")
    head = (
        "import os, time\n"
        "def put(name, text):\n"
        f"    tmp = os.path.join({str(g)!r}, name + '.tmp')\n"
        "    open(tmp, 'w').write(text)\n"
        f"    os.replace(tmp, os.path.join({str(g)!r}, name))\n")
    return gpus, head


@pytest.mark.skipif(not FAKE_NVML, reason="fake NVML library not built")
def test_process_scope_counts_a_four_second_gpu_phase(tmp_path):
    """The command is on gpu0 for 4 s at 300 W (the fake's timeline, from the command's own clock), then
    leaves it; the GPU idles at 30 W otherwise. The phase's energy is recorded, within 5 %."""
    gpus, head = _four_second_gpu_phase(tmp_path)
    script = (
        head +
        "put('pids', str(os.getpid()))\n"
        "put('timeline_origin', repr(time.monotonic()))\n"
        "time.sleep(6)\n")
    r = run(["run", "--period", "1", "--", sys.executable, "-c", script], tmp_path,
            env=env(ECO2_SYS_ROOT=FIXTURES / "no_rapl" / "sys", ECO2_NVML_LIBRARY=FAKE_NVML, FAKE_NVML_DIR=gpus,
                    CUDA_VISIBLE_DEVICES="0"))
    assert r.returncode == 0, r.stderr
    (row,) = rows(tmp_path / "emission.csv")
    gpu_j = num(row, "gpu_energy(kWh)") * 3.6e6
    # 4 s x 300 W, none of it lost; plus one check interval (0.5 s, longer on a loaded machine) of idle power
    # at each end of the phase.
    assert gpu_j == pytest.approx(1200, rel=0.05), (gpu_j, row["gpu_source"])
    assert gpu_j >= 1200 - 1, gpu_j
    assert row["scope"] == "process" and row["gpu_source"].startswith("nvml(energy counter: gpu0")


@pytest.mark.skipif(not FAKE_NVML, reason="fake NVML library not built")
@pytest.mark.skipif(os.geteuid() != 0, reason="the run's own cgroup needs root here")
def test_process_scope_gpu_phase_with_the_cgroup_source(tmp_path):
    """The same 4 s phase with the cgroup source (the live system's roots, so that eco2 run makes its cgroup),
    which reads no process per tick: the GPU process lists still get the tree's pids, from cgroup.procs."""
    gpus, head = _four_second_gpu_phase(tmp_path)
    script = (
        head +
        "time.sleep(0.3)\n"
        # A child started after the first process-list check (made from /proc) is on the GPU: only
        # cgroup.procs shows it to eco2.
        "if os.fork() == 0:\n"
        "    put('pids', str(os.getpid()))\n"
        "    put('timeline_origin', repr(time.monotonic()))\n"
        "    time.sleep(6)\n"
        "    os._exit(0)\n"
        "os.wait()\n")
    # --no-series: no other reason to list the processes than the GPU checks.
    r = run(["run", "--period", "1", "--no-series", "--", sys.executable, "-c", script], tmp_path,
            env=env(ECO2_NVML_LIBRARY=FAKE_NVML, FAKE_NVML_DIR=gpus, CUDA_VISIBLE_DEVICES="0"))
    assert r.returncode == 0, r.stderr
    (row,) = rows(tmp_path / "emission.csv")
    if row["tree_source"] != "cgroup(cpu.stat)":
        pytest.skip(f"no cgroup source here: {row['tree_source']} ({r.stderr.strip()})")
    gpu_j = num(row, "gpu_energy(kWh)") * 3.6e6
    assert gpu_j == pytest.approx(1200, rel=0.05), (gpu_j, row["gpu_source"])
    assert row["scope"] == "process" and row["gpu_source"].startswith("nvml(energy counter: gpu0")


@pytest.mark.skipif(not FAKE_NVML, reason="fake NVML library not built")
def test_mig_uuid_is_measured_on_its_parent_gpu(tmp_path):
    _, gpus = _copy_fixtures(tmp_path)
    (gpus / "gpu0" / "max_mig").write_text("7\n")
    (gpus / "gpu0" / "mig2").mkdir()
    (gpus / "gpu0" / "mig2" / "uuid").write_text("MIG-c7384736-a75d-5afc-978f-d2f1294409fd\n")
    (gpus / "gpu0" / "mig2" / "ci_slices").write_text("1\n")
    r = run(["sensors", "--format", "json"], tmp_path,
            env=env(ECO2_SYS_ROOT=FIXTURES / "no_rapl" / "sys", ECO2_NVML_LIBRARY=FAKE_NVML, FAKE_NVML_DIR=gpus,
                    CUDA_VISIBLE_DEVICES="MIG-c7384736-a75d-5afc-978f-d2f1294409fd"))
    assert r.returncode == 0, r.stderr
    by = {s["backend"]: s for s in json.loads(r.stdout)["sensors"]}
    assert by["nvml"]["channels"] == ["nvml.gpu.0"], by["nvml"]
    assert "MIG 1/7 of the GPU" in by["nvml"]["reason"], by["nvml"]


# --------------------------------------------------------------------------------------------- records
def test_kill_9_leaves_an_interrupted_row_and_other_rows_intact(tmp_path):
    first = run(["run", "-q", "--", "true"], tmp_path, env=env())
    assert first.returncode == 0
    before = (tmp_path / "emission.csv").read_text()
    p = subprocess.Popen([ECO2, "run", "-q", "--period", "0.05", "--checkpoint", "0.2", "--", "sleep", "30"],
                         cwd=tmp_path, env=env(), start_new_session=True)
    time.sleep(1.2)
    os.kill(p.pid, signal.SIGKILL)
    p.wait()
    os.killpg(p.pid, signal.SIGKILL)  # the orphaned sleep
    text = (tmp_path / "emission.csv").read_text()
    assert text.startswith(before)
    a, b = rows(tmp_path / "emission.csv")
    assert a["status"] == "completed"
    assert b["status"] == "interrupted" and b["exit_code"] == ""
    assert 0.6 <= num(b, "duration(s)") <= 1.3  # at most one checkpoint interval lost
    assert int(b["samples"].strip()) > 5


def test_concurrent_runs_on_one_file_keep_every_row_whole(tmp_path):
    procs = [subprocess.Popen([ECO2, "run", "-q", "--period", "0.02", "--checkpoint", "0.02", "--project", f"p{i}",
                               "--", "sleep", "0.6"], cwd=tmp_path, env=env()) for i in range(5)]
    assert [p.wait(timeout=30) for p in procs] == [0] * 5
    got = rows(tmp_path / "emission.csv")
    assert sorted(r["project_name"] for r in got) == [f"p{i}" for i in range(5)]
    assert len({r["id"] for r in got}) == 5
    assert all(r["status"] == "completed" and None not in r for r in got)
    try:
        import pandas as pd
    except ImportError:
        return
    df = pd.read_csv(tmp_path / "emission.csv")
    assert len(df) == 5 and df["samples"].dtype.kind == "i" and df["duration(s)"].dtype.kind == "f"


ECO2AI_COLUMNS = ["id", "project_name", "experiment_description", "epoch", "start_time", "duration(s)",
                  "power_consumption(kWh)", "CO2_emissions(kg)", "CPU_name", "GPU_name", "OS", "region/country",
                  "cost"]


def test_an_eco2ai_emission_csv_is_adopted_with_its_rows_intact(tmp_path):
    """Failed before: eco2AI's 13-column file was refused ("header is not this version")."""
    old = [["5d0c3f36-0000-4000-8000-000000000001", "proj", "training", "epoch: 1, loss: 1.0",
            "2024-05-01 10:00:00", "12.345678", "0.0012345", "0.00053891",
            "Intel Xeon Gold 6248/1 device(s), TDP:150.0", "0 device(s)", "Linux", "FR", "nan"],
           ["5d0c3f36-0000-4000-8000-000000000002", "proj", "inference", "N/A", "2024-05-01 11:00:00", "3.5",
            "0.0001", "4.4e-05", "Intel Xeon Gold 6248/1 device(s), TDP:150.0", "0 device(s)", "Linux", "FR",
            "nan"]]
    with open(tmp_path / "emission.csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(ECO2AI_COLUMNS)
        w.writerows(old)
    r = run(["run", "--", "true"], tmp_path, env=env())
    assert r.returncode == 0, r.stderr
    assert "eco2AI's 13 columns" in r.stderr
    got = rows(tmp_path / "emission.csv")
    assert len(got) == 3
    for row, values in zip(got, old):
        assert [row[c] for c in ECO2AI_COLUMNS] == values
        assert row["status"] == "" and row["samples"] == ""
    assert got[2]["status"] == "completed"
    assert not list(tmp_path.glob(".emission.csv.eco2-*"))  # no temporary file left


def test_series_file_is_documented_format(tmp_path):
    r = run(["run", "-q", "--period", "0.05", "--", "sleep", "0.3"], tmp_path, env=env())
    assert r.returncode == 0
    (row,) = rows(tmp_path / "emission.csv")
    series = rows(tmp_path / "emission.series" / (row["id"] + ".csv"))
    assert list(series[0].keys()) == ["t_s", "cpu_w", "gpu_w", "ram_w", "cpu_j", "gpu_j", "ram_j", "co2_kg",
                                      "intensity_g_per_kwh", "tree_cpu_s", "tree_rss_bytes", "processes"]
    assert len(series) >= 5
    ts = [float(s["t_s"]) for s in series]
    assert ts == sorted(ts)


def test_other_csv_is_refused_and_left_alone(tmp_path):
    (tmp_path / "emission.csv").write_text("a,b\n1,2\n")
    r = run(["run", "--", "true"], tmp_path, env=env())
    assert r.returncode == 2 and "header" in r.stderr
    assert (tmp_path / "emission.csv").read_text() == "a,b\n1,2\n"


# --------------------------------------------------------------------------------------------- sensors
@pytest.mark.skipif(not FAKE_NVML, reason="fake NVML library not built")
def test_sensors_json_with_fixtures(tmp_path):
    _, gpus = _copy_fixtures(tmp_path)
    r = run(["sensors", "--format", "json"], tmp_path,
            env=env(ECO2_SYS_ROOT=tmp_path / "host" / "sys", ECO2_NVML_LIBRARY=FAKE_NVML, FAKE_NVML_DIR=gpus))
    assert r.returncode == 0, r.stderr
    by = {s["backend"]: s for s in json.loads(r.stdout)["sensors"]}
    assert by["rapl"]["status"] == "available" and by["rapl"]["used"]
    assert by["cpu-model"]["used"] is False
    assert by["nvml"]["status"] == "available" and by["nvml"]["channels"] == ["nvml.gpu.0", "nvml.gpu.1"]


def test_sensors_without_hardware_say_why_and_how(tmp_path):
    r = run(["sensors", "--format", "json"], tmp_path,
            env=env(ECO2_SYS_ROOT=FIXTURES / "no_rapl" / "sys", ECO2_NVML_LIBRARY=tmp_path / "none.so"))
    by = {s["backend"]: s for s in json.loads(r.stdout)["sensors"]}
    assert by["rapl"]["status"] == "absent" and by["rapl"]["fix"]
    assert by["nvml"]["status"] == "absent" and "ECO2_NVML_LIBRARY" in by["nvml"]["fix"]
    assert by["cpu-model"]["used"] and by["procfs"]["status"] == "available"


# --------------------------------------------------------------------------------------------- golden
@pytest.mark.parametrize("name,args", [("help", ["--help"]), ("run_help", ["run", "--help"]),
                                       ("sensors_help", ["sensors", "--help"]), ("mark_help", ["mark", "--help"]),
                                       ("summary_help", ["summary", "--help"]), ("compare_help", ["compare", "--help"])])
def test_help_texts_match_golden_files(tmp_path, name, args):
    r = run(args, tmp_path, env=env())
    assert r.returncode == 0
    golden = HERE / f"{name}.expected"
    if os.environ.get("ECO2_UPDATE_GOLDEN"):
        golden.write_text(r.stdout)
    assert r.stdout == golden.read_text()


def test_version(tmp_path):
    r = run(["version"], tmp_path, env=env())
    assert r.returncode == 0 and re.fullmatch(r"eco2 \d+\.\d+\.\d+\n", r.stdout)


def test_version_command_table_and_json_name_the_compiled_back_ends(tmp_path):
    plain = run(["version"], tmp_path, env=env()).stdout.split()[1]
    r = run(["version", "--format", "json"], tmp_path, env=env())
    assert r.returncode == 0, r.stderr
    v = json.loads(r.stdout)
    assert v["version"] == plain and v["build"]["compiler"]
    names = [b["name"] for b in v["backends"]]
    # every compiled-in back end is one `eco2 sensors` reports on
    probed = {s["backend"] for s in json.loads(run(["sensors", "--format", "json"], tmp_path, env=env()).stdout)["sensors"]}
    assert names and set(names) <= probed, (names, probed)
    table = run(["version", "--format", "table"], tmp_path, env=env()).stdout
    assert table.startswith(f"version      {plain}\n") and all(n in table for n in names)
    bad = run(["version", "--format", "csv"], tmp_path, env=env())
    assert bad.returncode == 2 and "eco2: error:" in bad.stderr
