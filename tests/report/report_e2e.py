"""Helpers of the report's end-to-end tests: the eco2 binary, its environment, the training script (conftest.py
makes the records with them)."""
import os
import subprocess
from pathlib import Path

ECO2 = os.environ.get("ECO2_BIN", "eco2")
FIXTURES = Path(os.environ.get("ECO2_FIXTURES", Path(__file__).parent.parent / "fixtures"))

# Four epochs of CPU work, each closed by `eco2 mark epoch` with a loss and an accuracy.
TRAIN = """
import subprocess, sys, time
scale = float(sys.argv[1])
for e in range(1, 5):
    start = time.process_time()
    x = 0
    while time.process_time() - start < 0.15 * scale:
        x += sum(i * i for i in range(1000))
    subprocess.run(["eco2", "mark", "work", "--items", "1000"], check=True)
    subprocess.run(["eco2", "mark", "epoch", "--param", f"loss={1 / (e * scale):.3f}",
                    "--param", f"accuracy={1 - 0.5 / (e * scale):.3f}"], check=True)
"""


def env(tmp_path):
    e = {k: v for k, v in os.environ.items() if not k.startswith("ECO2_")}
    e["PATH"] = str(Path(ECO2).parent) + os.pathsep + e.get("PATH", "")
    e["HOME"] = str(tmp_path)
    e["ECO2_SYS_ROOT"] = str(FIXTURES / "no_rapl" / "sys")  # the TDP model, whatever the machine
    return e


def eco2(args, tmp_path, **kw):
    return subprocess.run([ECO2, *args], env=env(tmp_path), capture_output=True, text=True, timeout=60, **kw)
