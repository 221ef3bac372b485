"""The Jupyter extension in a real IPython kernel (Debian's python3-ipykernel, started by jupyter_client on
loopback, as a notebook starts it): `%load_ext eco2` and a `%%eco2` cell print a readable result whose CPU energy is
the cell's own CPU time under the TDP model, and the cell's variables live in the kernel's namespace.
Bounded: the kernel gets 60 s to start and each cell 60 s to run."""

import json
import re
import sys

import pytest

jupyter_client = pytest.importorskip("jupyter_client", reason="python3-jupyter-client is not installed")
pytest.importorskip("ipykernel", reason="python3-ipykernel is not installed (tools/install-deps)")

TIMEOUT_S = 60


def execute(client, code):
    """Runs code in the kernel; returns (stdout text, the reply's status, the error text if any)."""
    msg_id = client.execute(code)
    out, error = [], ""
    while True:
        msg = client.get_iopub_msg(timeout=TIMEOUT_S)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        kind, content = msg["msg_type"], msg["content"]
        if kind == "stream" and content["name"] == "stdout":
            out.append(content["text"])
        elif kind == "error":
            error = "\n".join(content["traceback"])
        elif kind == "status" and content["execution_state"] == "idle":
            break
    reply = client.get_shell_msg(timeout=TIMEOUT_S)
    return "".join(out), reply["content"]["status"], error


@pytest.fixture
def kernel(env, monkeypatch):
    from jupyter_client.manager import KernelManager

    # A kernel spec of the interpreter running the tests (the one the module is built for; Debian's own spec
    # says "python3", which may be another one first on PATH). The kernel inherits the test environment (no
    # RAPL, no NVML, PYTHONPATH to the built module).
    spec = env / "jupyter" / "kernels" / "eco2-test"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "eco2 test", "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(env / "jupyter"))
    km = KernelManager(kernel_name="eco2-test", ip="127.0.0.1")
    km.start_kernel(cwd=str(env))
    client = km.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=TIMEOUT_S)
        yield client
    finally:
        client.stop_channels()
        km.shutdown_kernel(now=True)


def test_cell_magic_in_a_kernel(kernel):
    out, status, error = execute(kernel, "%load_ext eco2")
    assert status == "ok", error
    cell = """%%eco2 --region FR --cpu-tdp 40
import time
_end = time.process_time() + 0.3
kernel_x = 0
while time.process_time() < _end:
    kernel_x += sum(i * i for i in range(1000))
"""
    out, status, error = execute(kernel, cell)
    assert status == "ok", error
    lines = [line for line in out.splitlines() if line.startswith("eco2") or "cpu " in line]
    assert any(line.startswith("eco2: ") and "CO2eq" in line and "FR at" in line for line in lines), out
    assert "e-0" not in out and "e+0" not in out, "readable numbers, no e-notation: " + out
    # 40 W x 0.3 CPU seconds / 2 online CPUs (fixture no_rapl) = 6 J, and a little for the kernel itself.
    joules = float(re.search(r"cpu ([0-9.]+) J", out).group(1))
    assert 6 * 0.8 <= joules <= 6 * 1.6, out
    out, status, error = execute(kernel, "print(kernel_x > 0)")
    assert status == "ok" and out.strip() == "True", "the cell ran in the kernel's namespace"
