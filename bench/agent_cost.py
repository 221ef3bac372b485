#!/usr/bin/python3
"""What `eco2 agent` costs a node: its CPU time while Prometheus scrapes it every second (docs/benchmarks.md).

    bench/agent_cost.py ECO2_BINARY [--seconds N] [--scrape S] [--period S] [--runs K] [--json FILE]

Starts `eco2 agent --listen 127.0.0.1:0` (its socket in a temporary directory), waits --warmup seconds, then
GETs /metrics every --scrape seconds for --seconds seconds, the way a Prometheus scrape does (one connection
per scrape). The agent's CPU time over that window is read two ways: utime+stime from /proc/<pid>/stat
(clock ticks, 10 ms; threads that ended included) and the sum of /proc/<pid>/task/*/schedstat (ns, the
threads alive at each end). The cost is that CPU time per second of wall time, as a % of one core.
--runs K starts K `eco2 run -- sleep` that register with the agent meanwhile (their own CPU is not counted).
Standard library only.
"""

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request


def stat_cpu_s(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def schedstat_cpu_s(pid):
    total = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            total += int(open(f"/proc/{pid}/task/{tid}/schedstat").read().split()[0])
        except OSError:
            pass
    return total / 1e9


def machine_busy(before, after):
    """Share of all CPUs busy between two /proc/stat readings."""
    idle = (after[3] + after[4]) - (before[3] + before[4])
    total = sum(after) - sum(before)
    return 1 - idle / total if total else 0.0


def proc_stat():
    return [int(x) for x in open("/proc/stat").readline().split()[1:]]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("eco2")
    ap.add_argument("--seconds", type=float, default=120)
    ap.add_argument("--scrape", type=float, default=1.0, help="seconds between scrapes; 0: none")
    ap.add_argument("--period", type=float, default=None, help="the agent's --period (default: its own)")
    ap.add_argument("--warmup", type=float, default=3)
    ap.add_argument("--runs", type=int, default=0)
    ap.add_argument("--json")
    a = ap.parse_args()
    a.eco2 = os.path.abspath(a.eco2)

    tmp = tempfile.mkdtemp(prefix="eco2-agent-bench-")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ECO2_")}
    env["ECO2_AGENT_SOCKET"] = os.path.join(tmp, "agent.sock")
    args = [a.eco2, "agent", "--listen", "127.0.0.1:0"] + (["--period", str(a.period)] if a.period else [])
    log = open(os.path.join(tmp, "agent.log"), "w+")
    agent = subprocess.Popen(args, env=env, stdout=log, stderr=subprocess.STDOUT)
    runs = []
    try:
        deadline = time.monotonic() + 20
        port = None
        while port is None and time.monotonic() < deadline:
            log.seek(0)
            m = re.search(r"serving http://127\.0\.0\.1:(\d+)/metrics", log.read())
            port = m and m.group(1)
            time.sleep(0.05)
        if port is None:
            sys.exit("the agent did not start: " + open(log.name).read())
        url = f"http://127.0.0.1:{port}/metrics"
        for i in range(a.runs):
            runs.append(subprocess.Popen([a.eco2, "run", "-q", "--", "sleep", str(a.seconds + a.warmup + 10)],
                                         env=env, cwd=tmp, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        time.sleep(a.warmup)
        size = len(urllib.request.urlopen(url, timeout=2).read())
        cpu0, sched0, wall0, busy0 = stat_cpu_s(agent.pid), schedstat_cpu_s(agent.pid), time.monotonic(), proc_stat()
        scrapes = 0
        next_scrape = wall0
        end = wall0 + a.seconds
        while time.monotonic() < end:
            if a.scrape > 0:
                urllib.request.urlopen(url, timeout=2).read()
                scrapes += 1
                next_scrape += a.scrape
            else:
                next_scrape = end  # --scrape 0: no scrape, the agent's cost alone
            time.sleep(max(0.0, min(next_scrape, end) - time.monotonic()))
        cpu1, sched1, wall1, busy1 = stat_cpu_s(agent.pid), schedstat_cpu_s(agent.pid), time.monotonic(), proc_stat()
        last = urllib.request.urlopen(url, timeout=2).read().decode()
    finally:
        for r in runs:
            r.send_signal(signal.SIGTERM)
        agent.send_signal(signal.SIGTERM)
        rc = agent.wait(timeout=10)
        for r in runs:
            r.wait(timeout=10)
    wall = wall1 - wall0
    result = {
        "seconds": round(wall, 2),
        "scrapes": scrapes,
        "scrape_interval_s": a.scrape,
        "registered_runs": last.count("eco2_run_info{"),
        "exposition_bytes": size,
        "cpu_stat_s": round(cpu1 - cpu0, 4),
        "cpu_schedstat_s": round(sched1 - sched0, 6),
        "core_percent_stat": round(100 * (cpu1 - cpu0) / wall, 4),
        "core_percent_schedstat": round(100 * (sched1 - sched0) / wall, 4),
        "cpu_per_second_us": round(1e6 * (sched1 - sched0) / wall, 1),
        "machine_busy_percent": round(100 * machine_busy(busy0, busy1), 1),
        "agent_exit": rc,
    }
    print(json.dumps(result, indent=2))
    if a.json:
        json.dump(result, open(a.json, "w"), indent=2)


if __name__ == "__main__":
    main()
