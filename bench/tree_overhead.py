#!/usr/bin/env python3
"""eco2's own CPU time and peak RSS while it tracks a 50-process tree (sh + 49 x sleep 10) for 10 s, at
--period 1, 0.1 and 0.01, against the same command run bare.   Usage: bench/tree_overhead.py build/bench/eco2"""
import os, subprocess, sys, time
E = sys.argv[1]
cmd = ["sh", "-c", "for i in $(seq 49); do sleep 10 & done; wait"]
def cpu(args):
    p = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, st, ru = os.wait4(p.pid, 0)
    return ru.ru_utime + ru.ru_stime, ru.ru_maxrss
bare, _ = cpu(cmd)
for period in ["1", "0.1", "0.01"]:
    t, rss = cpu([E, "run", "-q", "--period", period, "-o", "r.csv", "--", *cmd])
    print(f"period {period}: eco2 adds {t - bare:.3f} s CPU over 10 s = {100 * (t - bare) / 10:.3f} % of a core; maxrss {rss/1024:.1f} MiB")
