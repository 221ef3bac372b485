"""Issue 11 (hardening): bounded waits and hostile input at eco2's edges. Each test failed before its fix."""
import csv
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ECO2 = os.environ.get("ECO2_BIN", "eco2")
FIXTURES = Path(os.environ.get("ECO2_FIXTURES", Path(__file__).parent.parent / "fixtures"))


def env(tmp_path, **extra):
    e = {k: v for k, v in os.environ.items() if not k.startswith("ECO2_")}
    e["PATH"] = str(Path(ECO2).parent) + os.pathsep + e.get("PATH", "")
    e["HOME"] = str(tmp_path)  # no user config file
    e["TMPDIR"] = str(tmp_path)  # the control directory lands here
    e["ECO2_SYS_ROOT"] = str(FIXTURES / "no_rapl" / "sys")
    e.update({k: str(v) for k, v in extra.items()})
    return e


def rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


# ------------------------------------------------------------------------------------- budget stop grace
# SIGTERM ignored from the first instant (an ignored signal stays ignored across exec): the budget is crossed
# within the first ticks, possibly before a program could install a handler of its own.
IGNORES_TERM = 'trap "" TERM; exec sleep 60'


def test_grace_kill_comes_on_time_when_the_command_ignores_sigterm(tmp_path):
    """The wait loop slept up to 60 s with a timeout computed before the budget was crossed."""
    t0 = time.monotonic()
    r = subprocess.run([ECO2, "run", "--intensity", "300", "--period", "0.1", "--budget-kg", "1e-15",
                        "--stop-on-budget", "--grace", "2", "--", "sh", "-c", IGNORES_TERM],
                       cwd=tmp_path, env=env(tmp_path), capture_output=True, text=True, timeout=50)
    took = time.monotonic() - t0
    assert r.returncode == 128 + signal.SIGKILL, r.stderr
    assert "sent SIGKILL" in r.stderr
    # budget crossed within the first ticks (<= ~0.5 s), SIGKILL 2 s after SIGTERM; slack for a loaded machine
    assert took < 8, (took, r.stderr)
    assert rows(tmp_path / "emission.csv")[-1]["status"] == "budget_stopped"


# ------------------------------------------------------------------------------------- geolocation deadline
class Trickler:
    """A loopback server sending a valid HTTP answer one byte every `every` seconds (at most ~30 s)."""

    def __init__(self, every):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(4)
        self.sock.settimeout(0.2)
        self.every = every
        self.quit = threading.Event()
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}/json"

    def serve(self):
        body = b'{"country_code":"DE","region_code":"BY"}'
        answer = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
        deadline = time.monotonic() + 30
        while not self.quit.is_set() and time.monotonic() < deadline:
            try:
                conn, _ = self.sock.accept()
            except socket.timeout:
                continue
            with conn:
                try:
                    conn.recv(4096)
                    for i in range(len(answer)):
                        if self.quit.is_set() or time.monotonic() > deadline:
                            break
                        conn.sendall(answer[i:i + 1])
                        time.sleep(self.every)
                except OSError:
                    pass

    def close(self):
        self.quit.set()
        self.thread.join(5)
        self.sock.close()


def test_a_trickling_geolocation_server_cannot_hold_eco2_run_past_its_timeout(tmp_path):
    """--geolocate-timeout bounded each read: one byte every 0.5 s held eco2 run for over 120 s."""
    server = Trickler(0.2)  # the answer alone takes ~16 s at this pace
    try:
        t0 = time.monotonic()
        r = subprocess.run([ECO2, "run", "-q", "--geolocate", "--geolocate-url", server.url, "--geolocate-timeout",
                            "1", "--", "true"], cwd=tmp_path, env=env(tmp_path, TZ="UTC"), capture_output=True,
                           text=True, timeout=60)
        took = time.monotonic() - t0
    finally:
        server.close()
    assert r.returncode == 0, r.stderr
    assert took < 5, (took, r.stderr)


# ------------------------------------------------------------------------------------- control channel
def test_eco2_mark_writes_only_to_a_fifo(tmp_path):
    victim = tmp_path / "notes.txt"
    victim.write_text("precious\n")
    r = subprocess.run([ECO2, "mark", "epoch", "--param", "loss=1"], cwd=tmp_path,
                       env=env(tmp_path, ECO2_CONTROL=victim), capture_output=True, text=True, timeout=20)
    assert r.returncode == 2
    assert "not a FIFO" in r.stderr
    assert victim.read_text() == "precious\n"


def test_a_newline_in_a_param_cannot_inject_a_second_mark(tmp_path):
    script = ('eco2 mark epoch --param "loss=1\nepoch injected=1"; echo "rc=$?" >&2; '
              'eco2 mark epoch --param loss=2')
    r = subprocess.run([ECO2, "run", "--intensity", "300", "--", "sh", "-c", script], cwd=tmp_path,
                       env=env(tmp_path), capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert "rc=2" in r.stderr and "control character" in r.stderr
    got = rows(tmp_path / "emission.csv")
    assert [x["epoch"] for x in got] == ["epoch: 1, loss: 2", "epoch: 2 (partial)"]


GARBAGE = r"""
import os
with open(os.environ["ECO2_CONTROL"], "w") as f:
    for i in range(2000):
        f.write("garbage \x01\xff line %d\n" % i)
    f.write("work flops=-5\nwork error_rate=7\nwork items=3 error_rate=0.25\n")
    f.write('{"mark": {"x": 1}}\n')
    f.write('{"mark": "epoch", "params": {"note": "a\\u0000b"}}\n')
    f.write("epoch loss=0.5\n")
"""


def test_bad_control_lines_are_refused_counted_and_do_not_flood_stderr(tmp_path):
    r = subprocess.run([ECO2, "run", "-q", "--intensity", "300", "--", sys.executable, "-c", GARBAGE],
                       cwd=tmp_path, env=env(tmp_path), capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    lines = r.stderr.splitlines()
    assert len(lines) < 20, r.stderr[:2000]  # was 11,702 lines for 2,000 bad lines
    assert "2004 bad lines ignored in all" in r.stderr, r.stderr
    got = rows(tmp_path / "emission.csv")
    assert [x["epoch"] for x in got] == ["epoch: 1, loss: 0.5", "epoch: 2 (partial)"]
    assert got[0]["items"] == "3" and got[0]["error_rate"] == "0.25"  # -5 and 7 were not recorded
    assert "\0" not in (tmp_path / "emission.csv").read_text()


def test_a_control_directory_left_by_sigkill_is_removed_by_the_next_run(tmp_path):
    run = subprocess.Popen([ECO2, "run", "-q", "--intensity", "300", "--", "sleep", "30"], cwd=tmp_path,
                           env=env(tmp_path), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            left = list(tmp_path.glob("eco2-control-*"))
            if left:
                break
            time.sleep(0.05)
        assert left, "no control directory"
    finally:
        children = []
        for task in Path(f"/proc/{run.pid}/task").glob("*"):
            try:
                children += [int(c) for c in (task / "children").read_text().split()]
            except OSError:
                pass
        run.kill()
        run.wait(10)
        for c in children:  # the sleep, orphaned by the SIGKILL
            try:
                os.kill(c, signal.SIGKILL)
            except ProcessLookupError:
                pass
    assert all(d.exists() for d in left)  # SIGKILL: nothing could clean up
    r = subprocess.run([ECO2, "run", "-q", "--intensity", "300", "--", "true"], cwd=tmp_path, env=env(tmp_path),
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert not any(d.exists() for d in left)
    assert not list(tmp_path.glob("eco2-control-*"))


# ------------------------------------------------------------------------------------- fake trees
def test_a_fifo_or_an_endless_file_in_a_fake_tree_does_not_hang_eco2_sensors(tmp_path):
    host = tmp_path / "host"
    shutil.copytree(FIXTURES / "rapl_2socket_dram", host)
    zone = host / "sys" / "class" / "powercap" / "intel-rapl:0"
    (zone / "energy_uj").unlink()
    os.mkfifo(zone / "energy_uj")
    other = host / "sys" / "class" / "powercap" / "intel-rapl:1" / "energy_uj"
    other.unlink()
    other.symlink_to("/dev/zero")
    t0 = time.monotonic()
    r = subprocess.run([ECO2, "sensors"], cwd=tmp_path, env=env(tmp_path, ECO2_SYS_ROOT=host / "sys"),
                       capture_output=True, text=True, timeout=30)
    assert time.monotonic() - t0 < 10
    assert r.returncode in (0, 1), r.stderr
    assert "Invalid argument" in r.stdout + r.stderr
