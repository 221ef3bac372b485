#!/usr/bin/python3
"""The table of docs/accuracy.md: counted / true CPU time per launch pattern and tree source, N runs each.

    bench/accuracy.py [--eco2 BUILD/eco2] [--helpers DIR] [--reps N] [--patterns a,b] [--sources cgroup,proc]
                      [--ram] [--long] [--json FILE]

The patterns, the way each source is forced and the truth are those of the accuracy suite
(tests/accuracy/patterns.py): truth is the CPU time the programs report themselves (getrusage at exit; for a
pattern under acc_wrap, the wrapper's RUSAGE_SELF + RUSAGE_CHILDREN plus what orphans report), never eco2's
figure. Build first: cmake --build --preset dev --target eco2 eco2_accuracy_helpers (and eco2_python for the
Python API row). Each line ends with how busy the machine's CPUs were meanwhile: CPU-time ratios do not depend
on load the way timings do, but the proc source's losses grow with how late its reads come.
"""
import argparse
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def cpu_times():
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return sum(v) - v[3] - v[4], sum(v)


def busy_pct(since):
    now = cpu_times()
    return 100.0 * (now[0] - since[0]) / max(1, now[1] - since[1])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--eco2", default=str(ROOT / "build" / "dev" / "eco2"), help="eco2 binary (default build/dev)")
    ap.add_argument("--helpers", help="folder of acc_burn, acc_wrap, acc_mem (default: next to eco2)")
    ap.add_argument("--reps", type=int, default=5, help="runs per pattern and source (default 5)")
    ap.add_argument("--patterns", help="comma-separated pattern names (default: all)")
    ap.add_argument("--sources", default="cgroup,proc", help="default cgroup,proc")
    ap.add_argument("--ram", action="store_true", help="also the 1 GiB parent with 3 forked readers")
    ap.add_argument("--long", action="store_true", help="also the 60 s job (one run per source)")
    ap.add_argument("--json", help="also write every run's figures here")
    args = ap.parse_args()

    os.environ["ECO2_BIN"] = os.path.abspath(args.eco2)
    if args.helpers:
        os.environ["ECO2_ACC_HELPERS"] = os.path.abspath(args.helpers)
    sys.path.insert(0, str(ROOT / "tests" / "accuracy"))
    import patterns as P  # after the environment: it reads ECO2_BIN and ECO2_ACC_HELPERS

    if not (P.HELPERS / "acc_burn").exists():
        sys.exit(f"accuracy.py: no helpers in {P.HELPERS}: build the target eco2_accuracy_helpers or pass --helpers")
    chosen = P.PATTERNS if not args.patterns else [P.BY_NAME[n] for n in args.patterns.split(",")]
    if args.long:
        chosen = chosen + [P.LONG_JOB]
    sources = args.sources.split(",")
    results = {"load_before": open("/proc/loadavg").read().strip(), "eco2": args.eco2, "runs": []}
    print(f"load before: {results['load_before']}; {os.cpu_count()} CPUs; {args.reps} runs per cell")
    print("| pattern | " + " | ".join(f"{s}: counted / true" for s in sources) + " |")
    print("|---|" + "---:|" * len(sources))
    with tempfile.TemporaryDirectory(prefix="eco2_accuracy_") as tmp:
        for pat in chosen:
            cells = []
            since = cpu_times()
            for s in sources:
                if pat.python_api and s != "proc":
                    cells.append("n/a (in-process)")
                    continue
                ratios, notes = [], set()
                for i in range(1 if pat is P.LONG_JOB else args.reps):
                    o = pat.run(s, Path(tmp) / f"{pat.name}_{s}_{i}")
                    results["runs"].append({"pattern": pat.name, "source": s, "counted": o.counted, "true": o.true,
                                            "tree_source": o.tree_source, "returncode": o.returncode,
                                            "reports": len(o.reports), "expected_reports": pat.reports})
                    if o.returncode != 0:
                        notes.add(f"exit {o.returncode}: " + (o.stderr.strip().splitlines() or [""])[-1][:80])
                    if o.tree_source and not o.tree_source.startswith(s):
                        notes.add(f"used {o.tree_source}")
                    elif "auto-reaped" in o.tree_source:
                        notes.add(o.tree_source)
                    if not o.tree_source:
                        notes.add("no tree_source")
                    if o.ratio is not None:
                        ratios.append(100 * o.ratio)
                if ratios:
                    lo, hi = min(ratios), max(ratios)
                    cell = f"{lo:.2f} %" if len(ratios) == 1 else \
                        f"{lo:.2f}-{hi:.2f} % (median {statistics.median(ratios):.2f})"
                else:
                    cell = "no figure"
                cells.append(cell + (f" [{'; '.join(sorted(notes))}]" if notes else ""))
            print(f"| {pat.label} | " + " | ".join(cells) + f" |   <!-- busy {busy_pct(since):.0f} % -->",
                  flush=True)
        if args.ram:
            since = cpu_times()
            cells = []
            for s in sources:
                ratios = []
                for i in range(args.reps):
                    a = P.ram_run(s, Path(tmp) / f"ram_{s}_{i}_alone", readers=0)
                    b = P.ram_run(s, Path(tmp) / f"ram_{s}_{i}_shared", readers=3)
                    try:
                        ratios.append(100 * (float(b.row["ram_energy(kWh)"]) / float(b.row["duration(s)"]))
                                      / (float(a.row["ram_energy(kWh)"]) / float(a.row["duration(s)"])))
                    except (KeyError, ValueError, ZeroDivisionError):
                        pass
                    src = b.row.get("ram_source", "?")
                cells.append(f"{min(ratios):.1f}-{max(ratios):.1f} % [{src}]" if ratios else "no figure")
            print("| RAM energy per second, 1 GiB parent + 3 forked readers / parent alone | " + " | ".join(cells)
                  + f" |   <!-- busy {busy_pct(since):.0f} % -->")
    results["load_after"] = open("/proc/loadavg").read().strip()
    print(f"load after: {results['load_after']}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
