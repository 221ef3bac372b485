"""End-to-end tests of `eco2 run`'s process-tree accounting against independent truth.

Truth is what the processes report themselves: each burner appends its own CPU time (getrusage(RUSAGE_SELF)
at its exit) to a file, and the wrapper's getrusage(RUSAGE_CHILDREN) after eco2 has exited (which holds
eco2's own time too, so it is an upper bound). Each test runs with the cgroup source (root here) and with
--cgroup off (the corrected /proc source); the cgroup ones skip where no cgroup can be created.
"""
import csv
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

ECO2 = os.environ.get("ECO2_BIN", "eco2")
PY = sys.executable

# Burns CPU for argv[1] CPU-seconds, then appends its own user+system time to argv[2].
BURN = r"""
import os, resource, sys
goal = float(sys.argv[1])
def used():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime
x = 0
while used() < goal:
    for i in range(20000):
        x += i * i
r = resource.getrusage(resource.RUSAGE_SELF)
with open(sys.argv[2], "a") as f:
    f.write("%.6f\n" % (r.ru_utime + r.ru_stime))
"""


def env(**extra):
    e = {k: v for k, v in os.environ.items() if not k.startswith("ECO2_") or k == "ECO2_BIN"}
    e.update({k: str(v) for k, v in extra.items()})
    return e


def rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def eco2_run(tmp_path, source, command, *opts, timeout=60):
    before = children_cpu()
    start = time.monotonic()
    r = subprocess.run([ECO2, "run", "-q", "--no-series", "--cgroup", "auto" if source == "cgroup" else "off",
                        *opts, "--", *command], cwd=tmp_path, capture_output=True, text=True, timeout=timeout,
                       env=env())
    elapsed = time.monotonic() - start
    assert r.returncode == 0, r.stderr
    (row,) = rows(tmp_path / "emission.csv")
    if source == "cgroup" and not row["tree_source"].startswith("cgroup"):
        pytest.skip("no cgroup can be created here: " + row["tree_source"])
    return row, children_cpu() - before, elapsed


def truth(path):
    return sum(float(x) for x in Path(path).read_text().split())


@pytest.fixture
def burn(tmp_path):
    script = tmp_path / "burn.py"
    script.write_text(BURN)
    return str(script)


SOURCES = ["cgroup", "proc"]


@pytest.mark.parametrize("source", SOURCES)
def test_header_has_the_tree_columns_at_the_end(tmp_path, source):
    row, _, _ = eco2_run(tmp_path, source, ["true"])
    cols = list(row.keys())
    assert cols[-8:-5] == ["tree_source", "left_running", "cpu_time(s)"]
    assert cols[-5:] == ["job_id", "rank", "local_rank", "node_rank", "world_size"]  # appended since
    assert row["left_running"] == "0"
    if source == "proc":
        assert row["tree_source"] == "proc(ticks+wait4)"
    else:
        assert row["tree_source"] == "cgroup(cpu.stat)"


# sh -c 'timeout 60 ./x; echo done': x and timeout end in the same sample interval (was 172-199 %).
@pytest.mark.parametrize("source", SOURCES)
def test_timeout_in_a_shell_is_counted_once(tmp_path, burn, source):
    out = tmp_path / "self.txt"
    row, wrapper, _ = eco2_run(tmp_path, source, ["sh", "-c", f"timeout 60 {PY} {burn} 0.6 {out}; echo done"],
                               "--period", "0.05")
    t = truth(out)
    counted = float(row["cpu_time(s)"])
    assert t * 0.99 <= counted <= min(wrapper, t * 1.03 + 0.03), (counted, t, wrapper)


# Nested shells in a loop, each child short-lived (was 114-168 %).
@pytest.mark.parametrize("source", SOURCES)
def test_nested_shells_in_a_loop(tmp_path, burn, source):
    out = tmp_path / "self.txt"
    inner = f"sh -c \"{PY} {burn} 0.08 {out}; true\""
    row, wrapper, _ = eco2_run(tmp_path, source, ["sh", "-c", f"for i in 1 2 3 4 5; do {inner}; done"],
                               "--period", "0.05")
    t = truth(out)
    counted = float(row["cpu_time(s)"])
    assert t * 0.99 <= counted <= min(wrapper, t * 1.04 + 0.04), (counted, t, wrapper)


# (cmd &) and a double-forked daemon: orphans reparented to eco2, the subreaper (was 0 %).
@pytest.mark.parametrize("source", SOURCES)
def test_orphans_are_counted_with_wait_tree(tmp_path, burn, source):
    out = tmp_path / "self.txt"
    script = f"({PY} {burn} 0.3 {out} &); sh -c '({PY} {burn} 0.3 {out} &) ; exit 0'; exit 0"
    row, wrapper, _ = eco2_run(tmp_path, source, ["sh", "-c", script], "--wait-tree", "--period", "0.05")
    t = truth(out)
    assert len(Path(out).read_text().split()) == 2
    counted = float(row["cpu_time(s)"])
    assert t * 0.99 <= counted <= min(wrapper, t * 1.04 + 0.04), (counted, t, wrapper)
    assert row["left_running"] == "0"


@pytest.mark.parametrize("source", SOURCES)
def test_returns_at_once_and_says_what_was_left_running(tmp_path, source):
    row, _, elapsed = eco2_run(tmp_path, source, ["sh", "-c", "sleep 3 >/dev/null 2>&1 & sleep 3 >/dev/null 2>&1 & exit 0"])
    assert elapsed < 2.5
    assert row["left_running"] == "2"
    assert row["status"] == "completed"


# A parent that ignores SIGCHLD: its children are reaped by the kernel and never reach its cutime (was 25-44 %).
@pytest.mark.parametrize("source", SOURCES)
def test_parent_ignoring_sigchld(tmp_path, burn, source):
    out = tmp_path / "self.txt"
    parent = (f"import os, resource, signal, subprocess, time\n"
              f"signal.signal(signal.SIGCHLD, signal.SIG_IGN)\n"
              f"for i in range(3):\n"
              f"    p = subprocess.Popen([{PY!r}, {burn!r}, '0.4', {str(out)!r}])\n"
              f"    while not os.path.exists({str(out)!r}) or len(open({str(out)!r}).read().split()) <= i:\n"
              f"        time.sleep(0.02)\n"
              f"time.sleep(0.2)\n"
              f"r = resource.getrusage(resource.RUSAGE_SELF)\n"
              f"open({str(out)!r}, 'a').write('%f\\n' % (r.ru_utime + r.ru_stime))\n")
    row, wrapper, _ = eco2_run(tmp_path, source, [PY, "-c", parent], "--period", "0.05")
    t = truth(out)
    counted = float(row["cpu_time(s)"])
    if source == "cgroup":
        assert t * 0.995 <= counted <= t * 1.01 + 0.01, (counted, t)
    else:
        # What /proc saw of each child: all but its last moments (up to the 100 ms between tree reads).
        assert t * 0.6 <= counted <= t * 1.01 + 0.01, (counted, t)
        assert "auto-reaped children partly seen" in row["tree_source"]


# A 0.05 s job: ticks would lose up to 20 %; wait4's rusage (or the cgroup) is exact.
@pytest.mark.parametrize("source", SOURCES)
def test_short_job_is_exact(tmp_path, burn, source):
    out = tmp_path / "self.txt"
    row, wrapper, _ = eco2_run(tmp_path, source, [PY, burn, "0.05", str(out)])
    t = truth(out)
    counted = float(row["cpu_time(s)"])
    assert t <= counted <= min(wrapper, t + 0.01), (counted, t, wrapper)
    # CPU energy follows the CPU time (TDP model): the CPU time before the first sample has its energy too.
    if row["cpu_source"].startswith("tdp-model"):
        (tmp_path / "long").mkdir()
        row2, _, _ = eco2_run(tmp_path / "long", source, [PY, burn, "0.5", str(tmp_path / "long.txt")])
        per_s_short = float(row["cpu_energy(kWh)"]) / counted
        per_s_long = float(row2["cpu_energy(kWh)"]) / float(row2["cpu_time(s)"])
        assert per_s_short == pytest.approx(per_s_long, rel=0.01)


def test_unwritable_cgroup_directory_falls_back_to_proc(tmp_path, burn):
    out = tmp_path / "self.txt"
    r = subprocess.run([ECO2, "run", "-q", "--no-series", "--cgroup", str(tmp_path / "not-a-cgroup" / "x"), "--",
                        PY, burn, "0.1", str(out)], cwd=tmp_path, capture_output=True, text=True, timeout=60,
                       env=env())
    assert r.returncode == 0, r.stderr
    assert "cannot create cgroup" in r.stderr and "CPU time from /proc instead" in r.stderr
    (row,) = rows(tmp_path / "emission.csv")
    assert row["tree_source"] == "proc(ticks+wait4)"
    assert float(row["cpu_time(s)"]) >= truth(out)


def our_cgroup_dirs():
    """Where eco2 run, started by us, makes its cgroups: inside ours in the v2 and the v1 memory hierarchies."""
    mounts = {}
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        fields, _, after = line.partition(" - ")
        fstype, _, opts = (after.split(" ") + ["", "", ""])[:3]
        if fstype == "cgroup2":
            mounts["v2"] = fields.split()[4]
        elif fstype == "cgroup" and "memory" in opts.split(","):
            mounts["memory"] = fields.split()[4]
    dirs = []
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        key = "v2" if controllers == "" else "memory" if "memory" in controllers.split(",") else None
        if key in mounts:
            dirs.append(Path(mounts[key] + path))
    return dirs


def test_cgroup_is_removed_and_leftovers_moved_out(tmp_path):
    # (A cgroup of an eco2 killed by another test may still hold its command: only new ones count.)
    before = {p for d in our_cgroup_dirs() for p in d.glob("eco2-run-*")}
    row, _, _ = eco2_run(tmp_path, "cgroup", ["sh", "-c", "sleep 2 >/dev/null 2>&1 & exit 0"])
    assert row["left_running"] == "1"
    leftovers = {p for d in our_cgroup_dirs() for p in d.glob("eco2-run-*")} - before
    assert leftovers == set(), leftovers


def test_wait_tree_waits_for_what_was_left_and_ctrl_c_stops_waiting(tmp_path):
    cmd = [ECO2, "run", "-q", "--no-series", "--wait-tree", "--", "sh", "-c",
           "sleep 0.6 >/dev/null 2>&1 & sleep 30 >/dev/null 2>&1 & echo $! > pid; exit 0"]
    start = time.monotonic()
    p = subprocess.Popen(cmd, cwd=tmp_path, env=env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    time.sleep(1.2)
    assert p.poll() is None  # still waiting for the sleep 30
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=10)
    elapsed = time.monotonic() - start
    sleeper = int((tmp_path / "pid").read_text())
    try:
        os.kill(sleeper, 0)  # not killed: it keeps running
        alive = True
    finally:
        try:
            os.kill(sleeper, signal.SIGKILL)
        except ProcessLookupError:
            pass
    assert alive
    assert p.returncode == 0, err
    assert elapsed < 5
    (row,) = rows(tmp_path / "emission.csv")
    assert row["left_running"] == "1"  # the sleep 0.6 had exited, the sleep 30 was still there


MEM = r"""
import os, sys, time
n = int(sys.argv[1])
buf = bytearray(256 << 20)
for i in range(0, len(buf), 4096):
    buf[i] = 1
kids = []
for k in range(n):
    pid = os.fork()
    if pid == 0:
        end = time.time() + 2.5
        while time.time() < end:
            sum(buf[j] for j in range(0, len(buf), 1 << 20))
            time.sleep(0.05)
        os._exit(0)
    kids.append(pid)
if n == 0:
    time.sleep(2.5)
for p in kids:
    os.waitpid(p, 0)
"""


# A parent with forked readers of its memory (DataLoader workers, pools): its pages count once (was 3.5-4x).
@pytest.mark.parametrize("source", SOURCES)
def test_forked_readers_do_not_multiply_the_ram(tmp_path, source):
    script = tmp_path / "mem.py"
    script.write_text(MEM)
    per_s = []
    for n in (0, 3):
        d = tmp_path / str(n)
        d.mkdir()
        row, _, _ = eco2_run(d, source, [PY, str(script), str(n)], "--period", "0.1")
        per_s.append(float(row["ram_energy(kWh)"]) / float(row["duration(s)"]))
        assert ("cgroup memory" if source == "cgroup" else "PSS") in row["ram_source"]
    assert per_s[1] == pytest.approx(per_s[0], rel=0.10), per_s


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("setpriv"), reason="needs root to become another user")
def test_without_permission_to_make_a_cgroup_the_run_uses_proc_silently():
    nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
    if subprocess.run([*nobody, ECO2, "version"], capture_output=True, timeout=30).returncode != 0:
        pytest.skip("user nobody cannot run " + ECO2)
    with tempfile.TemporaryDirectory(dir="/tmp") as d:  # pytest's tmp_path is root's alone
        work = Path(d)
        work.chmod(0o777)
        (work / "burn.py").write_text(BURN)
        out = work / "self.txt"
        r = subprocess.run([*nobody, ECO2, "run", "-q",
                            "--no-series", "--", PY, str(work / "burn.py"), "0.1", str(out)], cwd=work,
                           capture_output=True, text=True, timeout=60, env=env())
        assert r.returncode == 0, r.stderr
        assert "cgroup" not in r.stderr  # auto: a refusal is no news
        (row,) = rows(work / "emission.csv")
        assert row["tree_source"] == "proc(ticks+wait4)"
        assert truth(out) <= float(row["cpu_time(s)"]) <= truth(out) + 0.01
