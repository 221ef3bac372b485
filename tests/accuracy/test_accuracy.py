"""eco2's CPU time per launch pattern and tree source against the programs' own reports (issue 7, "done when").
See patterns.py for the patterns and the truth, docs/accuracy.md for the measured table."""
from pathlib import Path

import pytest

from patterns import (BY_NAME, HELPERS, LONG_JOB, PATTERNS, PYTHONPATH, REFERENCE_JOB, SOURCES, TOLERANCE,
                      Pattern, cgroup_refusal, ram_run)

pytestmark = pytest.mark.skipif(not (HELPERS / "acc_burn").exists(),
                                reason=f"no accuracy helpers in {HELPERS}: build eco2_accuracy_helpers")

# Children auto-reaped by a parent that ignores SIGCHLD: no /proc reader sees their last moments, and their
# rusage reaches nobody (issue 7's one exception, for the proc source). eco2 keeps what it saw: each child may
# lose at most the time since the last tree read (eco2 reads the tree at most every 100 ms) plus a clock tick.
AUTO_REAPED_LOSS_PER_CHILD_S = 0.11

# What the truth cannot see: the exit of the process whose own report is the truth (the top acc_wrap, or a
# lone program), after its last getrusage. The kernel (and so eco2) counts it. Measured on this 2-core VM
# (25 runs of job_0.05 with the cgroup source, 3 builds running beside): 0.0-0.25 ms, once 0.79 ms. 1 % of a
# 0.05 s job, twice the relative band; so the upper bound allows it once, as a fixed 1 ms, not as a wider band.
TRUTH_UNSEEN_EXIT_S = 0.001


_REFUSAL = []


def need(source):
    """The cgroup source is tested where a cgroup can be made (as root here); elsewhere its tests skip, saying
    why, and the proc source's run as everywhere."""
    if source == "cgroup":
        if not _REFUSAL:
            _REFUSAL.append(cgroup_refusal())
        if _REFUSAL[0]:
            pytest.skip(f"no cgroup source here: {_REFUSAL[0]}")


def check_source(o, source):
    """The source the record names must be the one the test asks for (else the test measures something else)."""
    if source == "cgroup":
        return o.tree_source.startswith("cgroup")
    return o.tree_source.startswith("proc")


def assert_within(o, source, lo=None, hi=None):
    lo = TOLERANCE[source][0] if lo is None else lo
    hi = TOLERANCE[source][1] if hi is None else hi
    problems = []
    if o.returncode != 0:
        problems.append(f"eco2 exited with {o.returncode}")
    if len(o.reports) != o.expected_reports:
        problems.append(f"{len(o.reports)} helper reports, not {o.expected_reports}: the truth is incomplete")
    if not check_source(o, source):
        problems.append(f"the record's tree_source is {o.tree_source or 'missing'!r}, not the {source} source")
    if o.ratio is None:
        problems.append("no CPU figure in the record")
    elif not (lo <= o.ratio and o.counted <= hi * o.true + TRUTH_UNSEEN_EXIT_S):
        problems.append(f"counted/true {100 * o.ratio:.2f} % is outside {100 * lo:.1f}-{100 * hi:.1f} % "
                        f"(above: + {1e3 * TRUTH_UNSEEN_EXIT_S:g} ms for the unseen exit)")
    assert not problems, "; ".join(problems) + "\n" + o.describe()


EXACT = [p for p in PATTERNS if p.name not in ("ignore_sigchld", "python_api")]


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("pattern", [p.name for p in EXACT])
def test_pattern_counted_within_tolerance(pattern, source, tmp_path):
    need(source)
    assert_within(BY_NAME[pattern].run(source, tmp_path), source)


def test_ignore_sigchld_cgroup_is_exact(tmp_path):
    need("cgroup")
    assert_within(BY_NAME["ignore_sigchld"].run("cgroup", tmp_path), "cgroup")


def test_ignore_sigchld_proc_keeps_what_it_saw_and_says_so(tmp_path):
    """The documented exception: the proc source may miss the last moments of auto-reaped children, never
    count more than there was, and says so in tree_source."""
    o = BY_NAME["ignore_sigchld"].run("proc", tmp_path)
    children = [r for r in o.reports if r["counted_by_parent"] == "0"]
    lo = 1 - AUTO_REAPED_LOSS_PER_CHILD_S * len(children) / max(o.true, 1e-9)
    assert_within(o, "proc", lo=lo)
    assert "auto-reaped" in o.tree_source, o.describe()


def test_python_api_subprocess_shell(tmp_path):
    """The Python API tracking its own process (the corrected /proc logic: no cgroup of its own)."""
    if not (Path(PYTHONPATH) / "eco2" / "__init__.py").exists():
        pytest.skip(f"the Python module is not built in {PYTHONPATH}")
    o = BY_NAME["python_api"].run("proc", tmp_path)
    assert_within(o, "proc")


def energy_per_true_cpu_s(o):
    """CPU energy (kWh) per true CPU second; asserts the run is one to compare (eco2 ran, right source)."""
    assert o.returncode == 0 and o.row.get("cpu_energy(kWh)") and o.true > 0, o.describe()
    if not o.row.get("cpu_source", "").startswith("tdp-model"):
        pytest.skip(f"CPU energy is not the TDP model here ({o.row.get('cpu_source')!r}): with RAPL it is the "
                    "package's, not proportional to the tree's CPU time")
    return float(o.row["cpu_energy(kWh)"]) / o.true


@pytest.mark.parametrize("source", SOURCES)
def test_short_jobs_energy_per_cpu_second_as_a_long_job(source, tmp_path):
    """A 0.05 s and a 0.2 s job get the same CPU energy per true CPU second as a long job (3 s here; the 60 s
    job in the slow test), within 1 %."""
    need(source)
    ref = REFERENCE_JOB.run(source, tmp_path / "ref")
    ref_per_s = energy_per_true_cpu_s(ref)
    runs = {name: BY_NAME[name].run(source, tmp_path / name) for name in ("job_0.05", "job_0.2")}
    rel = {name: energy_per_true_cpu_s(o) / ref_per_s for name, o in runs.items()}
    bad = {k: f"{100 * v:.2f} %" for k, v in rel.items() if not abs(v - 1) <= 0.01}
    assert not bad, (f"energy per true CPU second, % of the 3 s job's: {bad}\n{ref.describe()}\n"
                     + "\n".join(o.describe() for o in runs.values()))
    assert all(check_source(o, source) for o in [ref, *runs.values()]), "\n".join(
        o.describe() for o in [ref, *runs.values()])


@pytest.mark.parametrize("source", SOURCES)
def test_ram_of_forked_readers_not_double_counted(source, tmp_path):
    """A 1 GiB parent with 3 forked readers of its pages (acc_mem: 3 s) records RAM energy within 10 % of the
    parent alone. Compared per second of run (mean RAM power): the runs' lengths differ by up to 15 % with the
    machine's load (forking 1 GiB of page tables, the readers' passes), which would skew energies that are
    right; over the same length, the same figure."""
    need(source)
    alone = ram_run(source, tmp_path / "alone", readers=0)
    shared = ram_run(source, tmp_path / "shared", readers=3)
    for o in (alone, shared):
        assert o.returncode == 0 and o.row and check_source(o, source), o.describe()
    def mean_w(o):
        return float(o.row["ram_energy(kWh)"]) * 3.6e6 / float(o.row["duration(s)"])
    assert mean_w(alone) > 0.2, alone.describe()  # 0.375 W/GiB x 1 GiB for most of the run (after the writing)
    assert abs(mean_w(shared) / mean_w(alone) - 1) <= 0.10, (
        f"mean RAM power with 3 readers {mean_w(shared):.4f} W / alone {mean_w(alone):.4f} W = "
        f"{mean_w(shared) / mean_w(alone):.3f} (ram_source {shared.row.get('ram_source')!r})"
        f"\n{alone.describe()}\n{shared.describe()}")


@pytest.mark.parametrize("source", SOURCES)
def test_left_running_reported_without_wait_tree(source, tmp_path):
    """Without --wait-tree, eco2 returns when the command does (like time) and records the daemon left running."""
    need(source)
    p = Pattern("daemon_no_wait", "", lambda t: ["acc_burn", "--daemon", "1"], 2)
    o = p.run(source, tmp_path)  # returns once the daemon has reported too, so that it disturbs no other test
    assert o.returncode == 0, o.describe()
    assert o.row.get("left_running") == "1", o.describe()
    assert o.wall_s < 0.7, o.describe()  # the daemon burns 1 s of CPU; eco2 must not have waited for it


@pytest.mark.slow
def test_60s_job_both_sources_and_short_jobs_per_cpu_second(tmp_path):
    """The 60 s job (15 s of CPU spread over 60 s), cgroup and proc at once, within tolerance; and the short
    jobs get the same energy per true CPU second as it, within 1 %."""
    import concurrent.futures
    sources = [s for s in SOURCES if s != "cgroup" or not cgroup_refusal()]
    with concurrent.futures.ThreadPoolExecutor(2) as ex:
        futures = {s: ex.submit(LONG_JOB.run, s, tmp_path / s) for s in sources}
        outcomes = {s: f.result() for s, f in futures.items()}
    failures = []
    for s, o in outcomes.items():
        try:
            assert_within(o, s)
        except AssertionError as e:
            failures.append(str(e))
        ref = energy_per_true_cpu_s(o)
        for name in ("job_0.05", "job_0.2"):
            short = BY_NAME[name].run(s, tmp_path / f"{s}_{name}")
            r = energy_per_true_cpu_s(short) / ref
            if not abs(r - 1) <= 0.01:
                failures.append(f"{name} [{s}]: energy per true CPU second {100 * r:.2f} % of the 60 s job's")
    assert not failures, "\n".join(failures)
