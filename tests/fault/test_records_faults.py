"""Fault injection on the records file (CTest label `fault`): what happens to emission.csv when it is
truncated, deleted, on a full disk, written by many eco2 at once, when eco2 is SIGKILLed at random moments or
stopped and continued. Every test is bounded in time; docs/reliability.md gives the figures and how to run them.

ECO2_FAULT_RUNS (default 30) sets the number of SIGKILL rounds; ECO2_FAULT_SEED the random seed (printed)."""
import csv
import io
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

ECO2 = os.environ.get("ECO2_BIN", "eco2")
FIXTURES = Path(os.environ.get("ECO2_FIXTURES", Path(__file__).parent.parent / "fixtures"))
LONG = "n" * 300  # epoch parameters longer than a row's spare room: rows grow (in place, or the file rewritten)


def env(**extra):
    e = {k: v for k, v in os.environ.items() if not k.startswith("ECO2_")}
    e["PATH"] = str(Path(ECO2).parent) + os.pathsep + e.get("PATH", "")
    e["ECO2_SYS_ROOT"] = str(FIXTURES / "no_rapl" / "sys")  # the TDP model: the same on every machine
    e.update({k: str(v) for k, v in extra.items()})
    return e


def eco2_run(cwd, *cmd, flags=(), timeout=60, **kw):
    return subprocess.run([ECO2, "run", "--intensity", "300", "--period", "0.02", "--checkpoint", "0.05", *flags,
                           "--", *cmd], cwd=cwd, env=env(), capture_output=True, text=True, timeout=timeout, **kw)


def check_whole(path):
    """Parses the records file strictly: header first, no NUL, every row with exactly the header's fields, the
    file ending on a newline. Returns the rows as dicts (padding stripped)."""
    data = Path(path).read_bytes()
    assert b"\0" not in data, "NUL bytes in the records file"
    assert data == b"" or data.endswith(b"\n"), "torn last line"
    text = data.decode()
    table = list(csv.reader(io.StringIO(text, newline="")))
    header = table[0]
    assert header[0] == "id" and "status" in header, header
    out = []
    for n, r in enumerate(table[1:], 2):
        assert len(r) == len(header), f"line {n}: {len(r)} fields for {len(header)}"
        r[-1] = r[-1].rstrip(" ")
        out.append(dict(zip(header, r)))
    return out


def key(row):
    return (row["id"], row["epoch"])


def test_truncated_mid_run_gets_its_header_and_row_back(tmp_path):
    assert eco2_run(tmp_path, "true").returncode == 0
    r = eco2_run(tmp_path, "sh", "-c", "sleep 0.3; : > emission.csv; sleep 0.3")  # copytruncate
    assert r.returncode == 0, r.stderr
    rows = check_whole(tmp_path / "emission.csv")
    assert [x["status"] for x in rows] == ["completed"]  # the earlier row went with the truncation
    assert "was truncated during the run" in r.stderr


def test_deleted_mid_run_comes_back_whole(tmp_path):
    assert eco2_run(tmp_path, "true").returncode == 0
    before = check_whole(tmp_path / "emission.csv")
    r = eco2_run(tmp_path, "sh", "-c", "sleep 0.3; rm emission.csv; sleep 0.3")
    assert r.returncode == 0, r.stderr
    rows = check_whole(tmp_path / "emission.csv")
    assert rows[0] == before[0] and len(rows) == 2 and rows[1]["status"] == "completed"
    assert "was deleted during the run; eco2 restored it whole" in r.stderr


@pytest.fixture
def small_disk():
    """A 1 MiB tmpfs mounted for the test (root only; skipped elsewhere or where mounting is not allowed)."""
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("needs root to mount a small tmpfs")
    where = Path(tempfile.mkdtemp(prefix="eco2-fault-disk-"))
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(where)], capture_output=True,
                       text=True, timeout=10)
    if r.returncode != 0:
        where.rmdir()
        pytest.skip("cannot mount a tmpfs here: " + r.stderr.strip())
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], timeout=10)
        where.rmdir()


def fill(disk):
    """Fills the disk: the last page of emission.csv is first padded by a row (so the next row needs a new
    page), then a filler file takes every free block."""
    path = disk / "emission.csv"
    rows = check_whole(path)
    header = path.read_text().split("\n", 1)[0].split(",")
    line = io.StringIO()
    csv.writer(line, lineterminator="\n").writerow([rows[0][c] for c in header])
    size = path.stat().st_size
    pad = 4096 - (size + len(line.getvalue())) % 4096 - 16
    extra = dict(rows[0], project_name="p" * max(pad, 0))
    with open(path, "a", newline="") as f:
        csv.writer(f, lineterminator="\n").writerow([extra[c] for c in header])
    fd = os.open(disk / "filler", os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        while os.write(fd, b"\0" * 4096) > 0:
            pass
    except OSError:
        pass
    finally:
        os.close(fd)
    return path.read_text()


def test_full_disk_keeps_every_row_whole_and_writes_the_row_when_space_returns(small_disk):
    assert eco2_run(small_disk, "true", flags=["--no-series"]).returncode == 0
    before = fill(small_disk)
    r = eco2_run(small_disk, "sh", "-c", "sleep 0.4; rm filler; sleep 0.4", flags=["--no-series"])
    assert r.returncode == 0, r.stderr
    assert (small_disk / "emission.csv").read_text().startswith(before)
    rows = check_whole(small_disk / "emission.csv")
    assert len(rows) == 3 and rows[2]["status"] == "completed"
    assert "No space left on device" in r.stderr and "the file holds the run's final row" in r.stderr


def test_full_disk_throughout_says_the_row_is_lost_and_tears_nothing(small_disk):
    assert eco2_run(small_disk, "true").returncode == 0
    before = fill(small_disk)
    r = eco2_run(small_disk, "sh", "-c", "sleep 0.3; exit 3")
    assert r.returncode == 3, r.stderr  # the command's fate is untouched
    assert (small_disk / "emission.csv").read_text() == before
    check_whole(small_disk / "emission.csv")
    assert "the run's final row is NOT in the file" in r.stderr
    for series in (small_disk / "emission.series").glob("*.csv"):  # whole rows only
        text = series.read_text()
        assert text == "" or text.endswith("\n")
        assert all(line.count(",") == 11 for line in text.splitlines())


def test_new_records_file_on_a_full_disk_is_tracked_and_says_the_row_is_lost(small_disk):
    fd = os.open(small_disk / "filler", os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        while os.write(fd, b"\0" * 4096) > 0:
            pass
    except OSError:
        pass
    finally:
        os.close(fd)
    r = eco2_run(small_disk, "sh", "-c", "exit 5", flags=["--no-series"])
    assert r.returncode == 5, r.stderr
    assert "the run's final row is NOT in the file" in r.stderr
    assert (small_disk / "emission.csv").read_bytes() == b""  # no half header


def training_cmd(marks=3):
    return ["sh", "-c", f"for i in $(seq {marks}); do eco2 mark epoch --param note={LONG}$i --param loss=1.0; "
                        "sleep 0.05; done; sleep 0.05"]


def test_epochs_on_a_full_disk_are_counted_as_not_written(small_disk):
    assert eco2_run(small_disk, "true", flags=["--no-series"]).returncode == 0
    before = fill(small_disk)
    r = eco2_run(small_disk, *training_cmd(3), flags=["--no-series"])
    assert r.returncode == 0, r.stderr
    assert (small_disk / "emission.csv").read_text() == before
    assert "3 closed epochs are NOT in the file" in r.stderr and "final row is NOT in the file" in r.stderr


def test_sigkill_at_random_moments_never_loses_an_earlier_row(tmp_path):
    """Two eco2 write one file; one is SIGKILLed at a random moment. Every row completed before must survive
    byte for byte, the survivor's rows must all be completed, and the file must parse whole after each kill."""
    runs = int(os.environ.get("ECO2_FAULT_RUNS", "30"))
    seed = int(os.environ.get("ECO2_FAULT_SEED", str(random.randrange(1 << 30))))
    print(f"seed {seed}, {runs} runs")
    rnd = random.Random(seed)
    path = tmp_path / "emission.csv"
    done = {}
    interrupted = 0
    for i in range(runs):
        base = [ECO2, "run", "-q", "--intensity", "300", "--period", "0.01", "--checkpoint", "0.02", "--project"]
        victim = subprocess.Popen(base + [f"victim{i}", "--", *training_cmd()], cwd=tmp_path, env=env(),
                                  start_new_session=True)
        survivor = subprocess.Popen(base + [f"survivor{i}", "--", *training_cmd()], cwd=tmp_path, env=env(),
                                    start_new_session=True)
        time.sleep(rnd.uniform(0.0, 0.5))
        os.killpg(victim.pid, signal.SIGKILL)
        victim.wait(timeout=10)
        assert survivor.wait(timeout=30) == 0
        rows = check_whole(path)
        got = {key(r): r for r in rows}
        for k, r in done.items():
            assert got.get(k) == r, f"round {i} (seed {seed}): row {k} lost or changed"
        mine = [r for r in rows if r["project_name"] == f"survivor{i}"]
        assert [r["status"] for r in mine] == ["completed"] * 4, f"round {i} (seed {seed})"
        assert all(r["epoch"].startswith(f"epoch: {n}, note: {LONG}{n}, loss: 1.0") for n, r in enumerate(mine[:3], 1))
        interrupted += sum(r["status"] == "interrupted" for r in rows if r["project_name"] == f"victim{i}")
        done = {key(r): r for r in rows if r["status"] == "completed"}
    leftovers = list(tmp_path.glob(".emission.csv.eco2-*"))
    print(f"{runs} kills, {interrupted} rows left interrupted, {len(done)} completed rows kept, "
          f"{len(leftovers)} temporary files left by kills during a rewrite")


def test_concurrent_writers_with_growing_rows_keep_every_row(tmp_path):
    n = 8
    procs = [subprocess.Popen([ECO2, "run", "-q", "--intensity", "300", "--period", "0.01", "--checkpoint", "0.01",
                               "--project", f"w{i}", "--", *training_cmd(4)], cwd=tmp_path, env=env())
             for i in range(n)]
    assert [p.wait(timeout=60) for p in procs] == [0] * n
    rows = check_whole(tmp_path / "emission.csv")
    assert len(rows) == n * 5
    for i in range(n):
        mine = [r for r in rows if r["project_name"] == f"w{i}"]
        assert [r["status"] for r in mine] == ["completed"] * 5
        assert [r["epoch"].split(", loss")[0] for r in mine[:4]] == [f"epoch: {e}, note: {LONG}{e}" for e in range(1, 5)]
    assert not list(tmp_path.glob(".emission.csv.eco2-*"))


def test_sigstop_and_sigcont_of_eco2(tmp_path):
    """A stopped eco2 holds no lock between writes: another eco2 writes the same file meanwhile. Continued, it
    records the run, including the time it was stopped."""
    p = subprocess.Popen([ECO2, "run", "-q", "--intensity", "300", "--period", "0.02", "--checkpoint", "0.05",
                          "--", "sleep", "0.8"], cwd=tmp_path, env=env())
    time.sleep(0.3)
    os.kill(p.pid, signal.SIGSTOP)
    try:
        t0 = time.monotonic()
        other = eco2_run(tmp_path, "true", timeout=20)
        assert other.returncode == 0, other.stderr
        assert time.monotonic() - t0 < 10
        time.sleep(1.0)  # the command ends while eco2 is stopped
    finally:
        os.kill(p.pid, signal.SIGCONT)
    t1 = time.monotonic()
    assert p.wait(timeout=20) == 0
    print(f"eco2 ended {time.monotonic() - t1:.3f} s after SIGCONT")
    rows = check_whole(tmp_path / "emission.csv")
    assert len(rows) == 2 and all(r["status"] == "completed" for r in rows)
    assert max(float(r["duration(s)"]) for r in rows) >= 1.2
