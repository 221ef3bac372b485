#!/usr/bin/python3
"""Tick cost of `eco2 run` by tree size and tree source (docs/benchmarks.md, section 4).

    bench/tree_cost.py ECO2_BINARY [--sizes 1,50,1000] [--sources cgroup,proc] [--period 0.01] [--window 5]
                       [--reps 3] [--proc-args "--cgroup off"] [--cgroup-args ""] [--json FILE]

For each tree size N and source: `eco2 run --period P [source args] -- sh -c '<start N-1 x sleep>; wait'` (N = 1:
`sleep` alone), waits until eco2's tree holds N processes and one more second has passed (the spawning and
eco2's discovery of them are left out), then measures eco2's own CPU time, all its threads, from
/proc/<pid>/task/*/schedstat (ns), over --window seconds: the steady cost of sampling that tree, as % of one
core and per tick. The sleeping processes are then killed, eco2 ends and is reaped. Each line ends with how busy
all CPUs were meanwhile (the benchmark alone: about 1 %); a higher figure means other work competed.
The source switches are those of the accuracy suite (tests/accuracy/patterns.py): the cgroup source is eco2
run's default where it can create a cgroup (root here), the proc source is forced with --proc-args.
"""
import argparse
import json
import os
import signal
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from overhead import busy_pct, clean_env, cpu_times, load_line, spawn, task_cpu_ns  # noqa: E402


def children_map():
    """{ppid: [pid, ...]} of every process now."""
    kids = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                s = f.read()
        except OSError:
            continue
        ppid = int(s[s.rindex(")") + 2:].split()[1])
        kids.setdefault(ppid, []).append(int(d))
    return kids


def descendants(pid):
    kids, out, todo = children_map(), [], [pid]
    while todo:
        p = todo.pop()
        for c in kids.get(p, []):
            out.append(c)
            todo.append(c)
    return out


def measure(eco2, size, source_args, period, window, records):
    sleep_s = 3600  # killed at the end
    cmd = ["/bin/sleep", str(sleep_s)] if size == 1 else [
        "/bin/sh", "-c", f"i=0; while [ $i -lt {size - 1} ]; do /bin/sleep {sleep_s} & i=$((i+1)); done; wait"]
    pid = spawn([eco2, "run", "-q", "--period", period, "-o", records, *source_args, "--", *cmd])
    deadline = time.monotonic() + 120
    while len(descendants(pid)) < size:
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGTERM)
            sys.exit(f"tree_cost.py: the tree of {size} did not form within 120 s")
        time.sleep(0.2)
    time.sleep(1.0)
    since = cpu_times()
    a, ta = task_cpu_ns(pid), time.monotonic()
    time.sleep(window)
    b, tb = task_cpu_ns(pid), time.monotonic()
    busy = busy_pct(since)
    for p in descendants(pid):
        try:
            os.kill(p, signal.SIGTERM)
        except ProcessLookupError:
            pass
    _, status, _ = os.wait4(pid, 0)
    cpu = sum(b[t] - a[t] for t in a if t in b) / 1e9
    return {"core_pct": 100.0 * cpu / (tb - ta), "us_per_tick": 1e6 * cpu / (tb - ta) * float(period),
            "busy_pct": busy, "exit": os.waitstatus_to_exitcode(status)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("eco2")
    ap.add_argument("--sizes", default="1,50,1000")
    ap.add_argument("--sources", default="cgroup,proc")
    ap.add_argument("--period", default="0.01", help="sampling period, s (default 0.01: 100 Hz)")
    ap.add_argument("--window", type=float, default=5.0, help="seconds measured (default 5)")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--proc-args", default=os.environ.get("ECO2_ACC_PROC_ARGS", "--cgroup off"))
    ap.add_argument("--cgroup-args", default=os.environ.get("ECO2_ACC_CGROUP_ARGS", ""))
    ap.add_argument("--json")
    args = ap.parse_args()
    eco2 = os.path.abspath(args.eco2)
    records = f"/tmp/eco2_tree_cost_{os.getpid()}.csv"
    sargs = {"cgroup": args.cgroup_args.split(), "proc": args.proc_args.split()}
    results = {"load_before": load_line(), "period": args.period, "runs": []}
    print(f"load before: {results['load_before']}; --period {args.period}; {args.window:g} s windows; "
          f"{args.reps} runs each")
    try:
        for source in args.sources.split(","):
            for size in [int(s) for s in args.sizes.split(",")]:
                runs = [measure(eco2, size, sargs[source], args.period, args.window, records)
                        for _ in range(args.reps)]
                results["runs"].append({"source": source, "size": size, "runs": runs})
                pct = [r["core_pct"] for r in runs]
                print(f"{source:6} tree of {size:5}: {statistics.median(pct):.3f} % of one core (runs "
                      f"{min(pct):.3f}-{max(pct):.3f}) = {statistics.median(r['us_per_tick'] for r in runs):.0f} "
                      f"us/tick [machine busy {max(r['busy_pct'] for r in runs):.1f} %]", flush=True)
    finally:
        if os.path.exists(records):
            os.unlink(records)
    results["load_after"] = load_line()
    print(f"load after: {results['load_after']}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
