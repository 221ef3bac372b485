"""The Python examples run here: train_numpy.py tracked in-process and under `eco2 run` (marks on the control
channel, without the eco2 module), train_torch_gpu.py skipping cleanly without PyTorch or a GPU."""

import os
import subprocess
import sys

import pytest

from conftest import EXAMPLES, read_rows


def run(cmd, cwd, env_extra=None, timeout=300):
    env = dict(os.environ)
    env.update(env_extra or {})
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def check_epoch_rows(rows, epochs, samples):
    assert len(rows) == epochs + 1  # the epochs, then the partial one after the last mark
    assert len({r["id"] for r in rows}) == 1
    for i, r in enumerate(rows[:epochs], start=1):
        assert r["epoch"].startswith(f"epoch: {i}, loss: ") and ", accuracy: " in r["epoch"]
        assert r["items"] == str(samples)
        assert float(r["energy_per_item(J)"]) > 0 and float(r["flop_per_joule"]) > 0
        assert float(r["cpu_energy(kWh)"]) > 0
    assert rows[-1]["epoch"] == f"epoch: {epochs + 1} (partial)"


def test_train_numpy_tracks_itself_per_epoch(env):
    pytest.importorskip("numpy")
    proc = run([sys.executable, str(EXAMPLES / "train_numpy.py"), "--epochs", "3", "--samples", "4000",
                "--output", "np.csv", "--region", "FR"], env)
    assert proc.returncode == 0, proc.stderr
    assert "mJ per sample" in proc.stdout and "prediction after 1 of 3 epochs" in proc.stderr
    rows = read_rows(env / "np.csv")
    check_epoch_rows(rows, 3, 4000)
    assert all(r["project_name"] == "train_numpy" and r["region/country"] == "FR" for r in rows)
    assert not (env / "xdg" / "eco2").exists()  # the example does not change the user's saved defaults


def test_train_numpy_under_eco2_run_writes_marks_without_the_module(env):
    pytest.importorskip("numpy")
    eco2_bin = os.environ.get("ECO2_BIN")
    if not eco2_bin:
        pytest.skip("ECO2_BIN is not set (run through CTest)")
    probe = run([eco2_bin, "run", "-q", "-o", "probe.csv", "--", sys.executable, "-c",
                 "import os, sys; sys.exit(0 if 'ECO2_CONTROL' in os.environ else 3)"], env)
    if probe.returncode == 3:
        pytest.skip("this eco2 run does not hand a control channel (ECO2_CONTROL) to the command yet")
    assert probe.returncode == 0, probe.stderr
    # An eco2 package that fails on import, first on the path: the example must not import eco2 here.
    trap = env / "trap" / "eco2"
    trap.mkdir(parents=True)
    (trap / "__init__.py").write_text("raise ImportError('train_numpy.py imported eco2 under eco2 run')\n")
    proc = run([eco2_bin, "run", "-o", "run.csv", "--period", "0.1", "--intensity", "100", "--", sys.executable,
                str(EXAMPLES / "train_numpy.py"), "--epochs", "3", "--samples", "4000"], env,
               env_extra={"PYTHONPATH": str(env / "trap")})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rows = read_rows(env / "run.csv")
    check_epoch_rows(rows, 3, 4000)


def test_train_torch_gpu_skips_cleanly_without_torch_or_gpu(env):
    proc = run([sys.executable, str(EXAMPLES / "train_torch_gpu.py"), "--epochs", "2", "--samples", "20000",
                "--output", "gpu.csv"], env, timeout=600)
    assert proc.returncode == 0, proc.stderr
    if "skipped" in proc.stdout:
        assert not (env / "gpu.csv").exists()
        return
    rows = read_rows(env / "gpu.csv")  # a machine with PyTorch and a GPU: it trained and recorded
    assert len(rows) == 3 and float(rows[0]["gpu_energy(kWh)"]) >= 0
