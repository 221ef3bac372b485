#!/bin/sh
# Runs the benchmarks of docs/benchmarks.md and keeps their outputs, with the machine's load around each.
#   bench/run_all.sh [BUILD_DIR [RESULTS_DIR]]     (defaults: build/bench, BUILD_DIR/results)
#   ECO2_BENCH_ONLY="tick checkpoint overhead"     the parts to run (default: all three)
# Build first:
#   cmake -S . -B build/bench -DCMAKE_BUILD_TYPE=Release -DECO2_BUILD_TESTS=OFF && cmake --build build/bench -j2
# Figures are only worth keeping from a quiet machine: each part ends with how busy all CPUs were meanwhile
# (a single-threaded benchmark alone on 2 CPUs shows about 50 %; overhead.py's sleep runs about 1 %).
set -eu
build=${1:-build/bench}
out=${2:-$build/results}
only=${ECO2_BENCH_ONLY:-tick checkpoint overhead}
here=$(dirname "$0")
mkdir -p "$out"

want() {
    case " $only " in *" $1 "*) return 0 ;; *) return 1 ;; esac
}

machine() {
    echo "cpu:$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-) (family $(grep -m1 'cpu family' /proc/cpuinfo |
        cut -d: -f2 | tr -d ' '), model $(grep -m1 '^model[[:space:]]' /proc/cpuinfo | cut -d: -f2 | tr -d ' ')), $(nproc) CPUs"
    echo "kernel: $(uname -r)"
    echo "processes: $(ls /proc | grep -c '^[0-9]')"
    if rev=$(git -C "$here" rev-parse --short HEAD 2>/dev/null); then
        git -C "$here" diff --quiet HEAD -- 2>/dev/null || rev="$rev + uncommitted changes"
    else
        rev="not a git checkout"
    fi
    echo "eco2: $("$build/eco2" --version 2>&1), source: $rev"
}

snapshot() { head -1 /proc/stat; }
# Busy share of all CPUs (any process) since the snapshot $1.
busy_since() {
    printf '%s\n%s\n' "$1" "$(snapshot)" | awk '{t = 0; for (i = 2; i <= NF; i++) t += $i; tot[NR] = t;
        idle[NR] = $5 + $6} END {printf "%.0f %%", 100 * (1 - (idle[2] - idle[1]) / (tot[2] - tot[1]))}'
}

# bench_program NAME ARGS...: runs build/bench/NAME with Google Benchmark's repetitions.
bench_program() {
    name=$1
    shift
    machine
    echo "load before: $(cat /proc/loadavg)"
    s=$(snapshot)
    "$build/bench/$name" --benchmark_repetitions=5 --benchmark_report_aggregates_only=true "$@"
    echo "load after: $(cat /proc/loadavg); all CPUs busy meanwhile: $(busy_since "$s")"
}

if want tick; then
    bench_program eco2_tick_bench --benchmark_min_time=0.5 2>&1 | tee "$out/tick_bench.txt"
fi
if want checkpoint; then
    bench_program eco2_checkpoint_bench 2>&1 | tee "$out/checkpoint_bench.txt"
fi
if want overhead; then
    machine | tee "$out/overhead.txt"
    /usr/bin/python3 "$here/overhead.py" "$build/eco2" --json "$out/overhead.json" 2>&1 | tee -a "$out/overhead.txt"
fi
