#!/usr/bin/python3
"""What `eco2 run` adds to a command: CPU time, peak memory and start-up delay (see docs/benchmarks.md).

    bench/overhead.py ECO2_BINARY [--stamp STAMP] [--reps N] [--sleep-reps N] [--parts startup,version,true,sampling,memory]
                      [--periods 1,0.1,0.01] [--trees sleep,tree50] [--env NAME=VALUE]... [--json FILE]

Standard library only. Every process is started with os.posix_spawn and collected with os.wait4, whose
rusage covers the process and the children it reaped: for `eco2 run -- CMD` that is eco2 plus CMD, so eco2's
own share is that minus the bare CMD's.

  start-up    The command is bench/stamp (built by CMake next to the benchmarks), which prints
              CLOCK_MONOTONIC first thing in main(). The delay is that stamp minus time.monotonic_ns() taken
              just before posix_spawn (same clock on Linux). Bare stamp gives the cost of spawning any
              program; eco2 run -- stamp adds eco2's start. Runs alternate, so load changes hit both.
  version     Wall time of `eco2 --version` (spawn to reap): what loading eco2 costs before it does anything.
  noise       Each line ends with how busy the whole machine was meanwhile (all CPUs, any process, from
              /proc/stat): the benchmark alone keeps it low (about 1 % during the sleep runs), so a higher
              figure means other work competed and the line should be rerun.
  CPU         user+system seconds from wait4, eco2 run minus bare command, for `true`, and at --period 1, 0.1
              and 0.01 for `sleep 10` (a 1-process tree) and for `sh` starting 49 `sleep 10` (a 50-process
              tree): the whole run's added CPU as % of one core over the 10 s (what a 10 s job pays), and
              the steady cost of sampling: eco2's own CPU time from 2 s after its start to 1 s before the
              end, read from /proc/<pid>/task/*/schedstat (ns), per second of that window. The latter
              leaves out the fixed cost of a run (start, probe, record, summary) and the warm-up ticks.
  memory      Peak RSS of eco2 itself, two ways. (1) /usr/bin/time -f %M (when installed): GNU time's
              wait4 ru_maxrss of eco2, which is the max of eco2's own peak and that of the children eco2
              reaped (the command, tiny here) -- and of GNU time's own small image, which a child inherits
              in its ru_maxrss because it starts as a copy of its parent. (2) eco2's own VmHWM from
              /proc/<pid>/status, polled every 10 ms; the last value read before eco2 exits is reported.
              Python's own wait4 ru_maxrss is NOT used: a child spawned by this script starts out sharing
              the interpreter's ~13 MiB and the kernel keeps that high-water mark across exec.
              Memory runs are separate from CPU runs, so neither disturbs the other.
"""

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time


def percentile(values, p):
    """Nearest-rank percentile, p in 0..100."""
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, int(round(p / 100.0 * len(ordered) + 0.5)) - 1))
    return ordered[k]


def clean_env():
    # ECO2_* variables would change eco2's options behind the benchmark's back.
    return {k: v for k, v in os.environ.items() if not k.startswith("ECO2_")}


def spawn(argv, stdout=None, env=None):
    """Starts argv[0] (a path) with stdout sent to the fd `stdout` (None: /dev/null); returns the pid."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        actions = [(os.POSIX_SPAWN_DUP2, stdout if stdout is not None else devnull, 1),
                   (os.POSIX_SPAWN_DUP2, devnull, 2)]
        return os.posix_spawn(argv[0], argv, env if env is not None else clean_env(), file_actions=actions)
    finally:
        os.close(devnull)


def run(argv, env=None):
    """Runs to the end; returns (exit status, wall s, cpu s, maxrss KiB)."""
    t0 = time.monotonic()
    pid = spawn(argv, env=env)
    _, status, ru = os.wait4(pid, 0)
    wall = time.monotonic() - t0
    return os.waitstatus_to_exitcode(status), wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss


def task_cpu_ns(pid):
    """{tid: ns on CPU} for every thread of pid, from /proc/<pid>/task/<tid>/schedstat (exact, unlike the
    10 ms clock ticks of /proc/<pid>/stat)."""
    out = {}
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                out[tid] = int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            pass
    return out


def run_window(argv, env, begin_s, end_s):
    """Runs argv to the end; also returns eco2's own CPU time between begin_s and end_s after the start
    (all its threads), so the start, the warm-up ticks and the stop are left out: (exit status, wall s,
    cpu s of eco2 + children, maxrss KiB, window CPU s, window s)."""
    t0 = time.monotonic()
    pid = spawn(argv, env=env)
    time.sleep(max(0.0, t0 + begin_s - time.monotonic()))
    a, ta = task_cpu_ns(pid), time.monotonic()
    time.sleep(max(0.0, t0 + end_s - time.monotonic()))
    b, tb = task_cpu_ns(pid), time.monotonic()
    _, status, ru = os.wait4(pid, 0)
    wall = time.monotonic() - t0
    window_cpu = sum(b[t] - a[t] for t in a if t in b) / 1e9
    return os.waitstatus_to_exitcode(status), wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss, window_cpu, tb - ta


def start_delay_ns(argv, env):
    """Spawns argv (which runs stamp), returns ns from just before the spawn to stamp's main()."""
    r, w = os.pipe()
    t0 = time.monotonic_ns()
    pid = spawn(argv, stdout=w, env=env)
    os.close(w)
    with os.fdopen(r) as f:
        out = f.read()
    _, status, _ = os.wait4(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"overhead.py: {argv} failed with status {status}")
    return int(out.strip().splitlines()[-1]) - t0


def vmhwm_kib(argv, env, interval_s=0.01):
    """Runs argv, polling its own VmHWM; returns the last value read before it exited (KiB)."""
    pid = spawn(argv, env=env)
    last = [0]
    done = threading.Event()

    def poll():
        path = f"/proc/{pid}/status"
        while not done.is_set():
            try:
                with open(path) as f:
                    for line in f:
                        if line.startswith("VmHWM:"):
                            last[0] = max(last[0], int(line.split()[1]))
            except OSError:
                pass
            time.sleep(interval_s)

    t = threading.Thread(target=poll)
    t.start()
    os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT)  # exited, not reaped yet: status has no mm any more
    done.set()
    t.join()
    os.wait4(pid, 0)
    return last[0]


def samples_of_last_record(records):
    """The `samples` column of the last row of eco2's records CSV (ticks the sampler made)."""
    import csv
    with open(records, newline="") as f:
        rows = list(csv.DictReader(f))
    return int(rows[-1]["samples"].strip())


def cpu_times():
    """(busy, total) clock ticks of all CPUs, from the first line of /proc/stat."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    idle = v[3] + v[4]  # idle + iowait
    return sum(v) - idle, sum(v)


def busy_pct(since):
    """Percent of all CPUs' time that was busy since the cpu_times() snapshot `since` (any process)."""
    now = cpu_times()
    return 100.0 * (now[0] - since[0]) / max(1, now[1] - since[1])


def load_line():
    with open("/proc/loadavg") as f:
        return f.read().strip()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("eco2", help="path of the eco2 binary")
    ap.add_argument("--stamp", help="path of the stamp helper (default: bench/stamp in the eco2 binary's "
                                    "build folder)")
    ap.add_argument("--reps", type=int, default=50, help="runs of each start-up / `true` case (default 50)")
    ap.add_argument("--sleep-reps", type=int, default=3,
                    help="runs of each sampling case, bare and under eco2 (default 3)")
    ap.add_argument("--sleep", type=float, default=10.0, help="seconds the sleep command lasts (default 10)")
    ap.add_argument("--parts", default="startup,version,true,sampling,memory",
                    help="comma-separated parts to run (default: startup,version,true,sampling,memory)")
    ap.add_argument("--periods", default="1,0.1,0.01", help="sampling periods, s (default: 1,0.1,0.01)")
    ap.add_argument("--trees", default="sleep,tree50", help="sampled commands: sleep, tree50 (default: both)")
    ap.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                    help="set this in the environment of every run (ECO2_* are otherwise removed); repeatable")
    ap.add_argument("--json", help="also write the results here")
    args = ap.parse_args()

    eco2 = os.path.abspath(args.eco2)
    stamp = args.stamp or os.path.join(os.path.dirname(eco2), "bench", "stamp")
    parts, periods, trees = args.parts.split(","), args.periods.split(","), args.trees.split(",")
    if "startup" in parts and not os.access(stamp, os.X_OK):
        sys.exit(f"overhead.py: no stamp helper at {stamp}: build the benchmarks or pass --stamp")
    true_bin, sleep_bin = shutil.which("true"), shutil.which("sleep")
    env = clean_env()
    env.update(e.split("=", 1) for e in args.env)
    tmp = tempfile.mkdtemp(prefix="eco2_overhead_")
    records = os.path.join(tmp, "records.csv")
    results = {"load_before": load_line(), "cpus": os.cpu_count(), "env": args.env}

    def eco2_run(cmd, *opts):
        return [eco2, "run", "--output", records, *opts, "--", *cmd]

    def sleep_cmd_for(seconds):
        return [sleep_bin, f"{seconds:g}"]

    def tree_cmd_for(seconds):
        # The 50-process tree of tick_bench, for real: sh and 49 sleeping children.
        return ["/bin/sh", "-c", f"i=0; while [ $i -lt 49 ]; do {sleep_bin} {seconds:g} & i=$((i+1)); done; wait"]

    def startup():
        start_delay_ns([stamp], env)  # warm the page cache for both binaries
        start_delay_ns(eco2_run([stamp]), env)
        bare, wrapped = [], []
        since = cpu_times()
        for _ in range(args.reps):  # alternating, so a change of load hits both
            bare.append(start_delay_ns([stamp], env) / 1e6)
            wrapped.append(start_delay_ns(eco2_run([stamp]), env) / 1e6)
        added = [w - b for w, b in zip(wrapped, bare)]
        return {
            "bare": {"median": statistics.median(bare), "p95": percentile(bare, 95)},
            "eco2": {"median": statistics.median(wrapped), "p95": percentile(wrapped, 95)},
            "added": {"median": statistics.median(added), "p95": percentile(added, 95)},
            "machine_busy_pct": busy_pct(since),
        }

    def version_case():
        # Loading eco2 alone (dynamic linking, static initialisers, exit), without running anything.
        walls = [run([eco2, "--version"], env)[1] * 1e3 for _ in range(args.reps)]
        return {"median_ms": statistics.median(walls), "p95_ms": percentile(walls, 95)}

    def true_case():
        since = cpu_times()
        bare = [run([true_bin], env) for _ in range(args.reps)]
        wrapped = [run(eco2_run([true_bin]), env) for _ in range(args.reps)]
        for rc, *_ in bare + wrapped:
            if rc != 0:
                sys.exit(f"overhead.py: a `true` run exited with {rc}")
        cpu_b = statistics.median(x[2] for x in bare)
        return {
            "bare_cpu_s": cpu_b, "added_cpu_s": statistics.median(x[2] for x in wrapped) - cpu_b,
            "added_cpu_s_min": min(x[2] for x in wrapped) - cpu_b,
            "added_cpu_s_max": max(x[2] for x in wrapped) - cpu_b,
            "machine_busy_pct": busy_pct(since),
        }

    # Sampling cost. The whole run's added CPU over S seconds (what a job of S seconds pays: start, warm-up
    # ticks at 10, 20, 40 ms..., stop and summary included), and the steady cost of sampling: eco2's own
    # CPU time (schedstat of its threads) from 2 s after the start to 1 s before the end, per second.
    def sampling_case(make_cmd, period):
        since = cpu_times()
        cmd = make_cmd(args.sleep)
        bare, wrapped = [], []
        for _ in range(args.sleep_reps):
            bare.append(run(cmd, env))
            wrapped.append(run_window(eco2_run(cmd, "--period", period), env, 2.0, args.sleep - 1.0)
                           + (samples_of_last_record(records),))
        for rc, *_ in bare + wrapped:
            if rc != 0:
                sys.exit(f"overhead.py: {cmd} exited with {rc}")
        cpu_b = statistics.median(x[2] for x in bare)
        cpu_w = statistics.median(x[2] for x in wrapped)
        steady = [x[4] / x[5] for x in wrapped]  # CPU s per s
        rate = 1.0 / float(period)
        return {
            "bare_cpu_s": cpu_b, "eco2_cpu_s": cpu_w, "added_cpu_s": cpu_w - cpu_b,
            "added_core_pct": 100.0 * (cpu_w - cpu_b) / args.sleep,
            "samples": statistics.median(x[6] for x in wrapped),
            "steady_core_pct": 100.0 * statistics.median(steady),
            "steady_core_pct_min": 100.0 * min(steady), "steady_core_pct_max": 100.0 * max(steady),
            "us_per_tick": 1e6 * statistics.median(steady) / rate,
            "machine_busy_pct": busy_pct(since),
        }

    def memory():
        sleep_cmd = sleep_cmd_for(args.sleep)
        m = {}
        # GNU time's %M: the max over eco2 and what it reaped.
        if os.access("/usr/bin/time", os.X_OK):
            out = os.path.join(tmp, "time.out")

            def maxrss(argv):
                rc = run(["/usr/bin/time", "-f", "%M", "-o", out, *argv], env)[0]
                if rc != 0:
                    sys.exit(f"overhead.py: {argv} failed under /usr/bin/time")
                with open(out) as f:
                    return int(f.read().split()[-1])

            m["time_maxrss_kib"] = {
                "bare_true": max(maxrss([true_bin]) for _ in range(5)),
                "true": max(maxrss(eco2_run([true_bin])) for _ in range(5)),
                "bare_sleep": maxrss(sleep_cmd),
                "sleep_period_1": maxrss(eco2_run(sleep_cmd, "--period", "1")),
                "sleep_period_0.01": maxrss(eco2_run(sleep_cmd, "--period", "0.01")),
            }
        # eco2's own VmHWM, polled.
        m["vmhwm_kib"] = {
            "true": max(vmhwm_kib(eco2_run([true_bin]), env) for _ in range(5)),
            "sleep_period_1": vmhwm_kib(eco2_run(sleep_cmd, "--period", "1"), env),
            "sleep_period_0.01": vmhwm_kib(eco2_run(sleep_cmd, "--period", "0.01"), env),
        }
        return m

    commands = {"sleep": (sleep_cmd_for, f"sleep {args.sleep:g}"),
                "tree50": (tree_cmd_for, f"sh + 49 x sleep {args.sleep:g}")}
    try:
        if "startup" in parts:
            results["startup_ms"] = startup()
        if "version" in parts:
            results["version"] = version_case()
        if "true" in parts:
            results["true"] = true_case()
        if "sampling" in parts:
            for name in trees:
                results[name] = {p: sampling_case(commands[name][0], p) for p in periods}
        if "memory" in parts:
            results.update(memory())
        results["load_after"] = load_line()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    print(f"load before: {results['load_before']}   after: {results['load_after']}"
          + (f"   env: {' '.join(args.env)}" if args.env else ""))
    if "startup_ms" in results:
        s = results["startup_ms"]
        print(f"start-up delay (ms, {args.reps} runs)  bare stamp: median {s['bare']['median']:.3f} "
              f"p95 {s['bare']['p95']:.3f} | eco2 run -- stamp: median {s['eco2']['median']:.3f} "
              f"p95 {s['eco2']['p95']:.3f} | added: median {s['added']['median']:.3f} p95 {s['added']['p95']:.3f} "
              f"[machine busy {s['machine_busy_pct']:.0f} %]")
    if "version" in results:
        v = results["version"]
        print(f"eco2 --version ({args.reps} runs): wall {v['median_ms']:.2f} ms median, p95 {v['p95_ms']:.2f} ms")
    if "true" in results:
        t = results["true"]
        print(f"eco2 run -- true ({args.reps} runs): added CPU {1e3 * t['added_cpu_s']:.2f} ms (median; min "
              f"{1e3 * t['added_cpu_s_min']:.2f}, max {1e3 * t['added_cpu_s_max']:.2f}) "
              f"[machine busy {t['machine_busy_pct']:.0f} %]")
    for name in trees:
        for period, c in results.get(name, {}).items():
            print(f"eco2 run --period {period} -- {commands[name][1]} ({args.sleep_reps} runs): whole run adds "
                  f"{1e3 * c['added_cpu_s']:.1f} ms CPU = {c['added_core_pct']:.3f} % of one core; steady "
                  f"sampling {c['steady_core_pct']:.3f} % (runs {c['steady_core_pct_min']:.3f} to "
                  f"{c['steady_core_pct_max']:.3f}) = {c['us_per_tick']:.0f} us/tick "
                  f"[machine busy {c['machine_busy_pct']:.1f} %]")
    if "time_maxrss_kib" in results:
        m = results["time_maxrss_kib"]
        print(f"peak RSS, /usr/bin/time %M: eco2 run -- true {m['true']} KiB (bare true {m['bare_true']} KiB); "
              f"--period 1 -- sleep {m['sleep_period_1']} KiB, --period 0.01 -- sleep {m['sleep_period_0.01']} KiB "
              f"(bare sleep {m['bare_sleep']} KiB)")
    if "vmhwm_kib" in results:
        v = results["vmhwm_kib"]
        print(f"eco2 VmHWM (polled every 10 ms): run -- true {v['true']} KiB, --period 1 -- sleep "
              f"{v['sleep_period_1']} KiB, --period 0.01 -- sleep {v['sleep_period_0.01']} KiB")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
