"""Shared fixtures of the Python module's tests: an isolated working directory and configuration directory, and a
machine without RAPL or NVML (the fixture tree no_rapl), so that CPU energy is the TDP model: proportional to the
CPU time of the process, which the tests control."""

import csv
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

SOURCE_DIR = Path(os.environ.get("ECO2_SOURCE_DIR", Path(__file__).resolve().parents[2]))
FIXTURES = SOURCE_DIR / "tests" / "fixtures"
EXAMPLES = SOURCE_DIR / "examples" / "python"

# eco2AI's columns, names and order (the first 13 of eco2's records file).
ECO2AI_COLUMNS = [
    "id", "project_name", "experiment_description", "epoch", "start_time", "duration(s)",
    "power_consumption(kWh)", "CO2_emissions(kg)", "CPU_name", "GPU_name", "OS", "region/country", "cost",
]


@pytest.fixture
def env(tmp_path, monkeypatch):
    """cwd and $XDG_CONFIG_HOME in a temporary directory; no RAPL, no NVML."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("ECO2_SYS_ROOT", str(FIXTURES / "no_rapl" / "sys"))
    monkeypatch.setenv("ECO2_NVML_LIBRARY", str(tmp_path / "no-nvml.so"))
    return tmp_path


def read_rows(path):
    with open(path, newline="", encoding="utf-8") as f:
        return [{k: (v.strip() if isinstance(v, str) else v) for k, v in row.items()} for row in csv.DictReader(f)]


def header(path):
    with open(path, newline="", encoding="utf-8") as f:
        return next(csv.reader(f))


def burn_cpu(seconds):
    """Busy for `seconds` of this process's CPU time."""
    end = time.process_time() + seconds
    x = 0
    while time.process_time() < end:
        for i in range(1000):
            x += i * i
    return x


def run_python(code, cwd, timeout=120, env_extra=None, args=()):
    """Runs `code` in a fresh interpreter (the one running the tests) with the test environment; returns the
    CompletedProcess. A hang (deadlock) fails the test at the timeout instead of hanging the suite."""
    env = dict(os.environ)
    env.update(env_extra or {})
    return subprocess.run([sys.executable, "-c", code, *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)
