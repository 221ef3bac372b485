#pragma once
// Accounting of a process tree's CPU time and resident memory from procfs.
//
// Tree CPU time = sum over the live tracked processes of utime+stime+cutime+cstime. When a tracked child
// exits and its (tracked) parent reaps it, the child's whole time moves into the parent's cutime/cstime in
// the same instant, so children that live and die between two samples are counted in full. The processes
// that vanished since the last sample are resolved from the top down (see sample() in the .cpp): one is
// absorbed when the chain of its vanished ancestors reaches a live tracked process or one whose exact
// rusage eco2 got from wait4() (account_reaped()); its time is then owed by that absorber until the
// absorber's counters show it, so children a parent never reaps (SIGCHLD ignored: auto-reaped) keep their
// last seen time. A process nobody tracked absorbed keeps its last seen time. The result is made
// monotone, so a transient dip never produces negative energy.

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "sensors/sensor.hpp"
#include "sys/fs_root.hpp"
#include "sys/proc_parse.hpp"

namespace eco2::detail {

class ProcessTree {
public:
    struct Options {
        pid_t root = 0;
        /// Count the root's CPU time from its start (a process eco2 has just launched) rather than from
        /// the first sample (a process that was already running, e.g. the caller of Tracker::start()).
        bool count_from_root_start = false;
        /// How many stat files are kept open between samples (the rest are opened per read).
        std::size_t max_open_files = 256;
        /// The machine-wide figures sample() reads (/proc/stat, /proc/meminfo); those left out are NaN.
        MachineFields machine{true, true};
        /// A child subreaper (eco2 run's own pid; 0: none): its children are part of the tree (the root and
        /// the orphans reparented to it, double-forked daemons included), and a vanished process that nobody
        /// tracked absorbed waits up to a second for its exact rusage from account_reaped().
        pid_t subreaper = 0;
        /// A cgroup v2 directory created for the tree (eco2 run), as a path under the FsRoot's sysfs; empty:
        /// none. probe_cgroup() uses its cpu.stat without checking its members (none but the tree can be in
        /// it); with count_from_root_start its whole usage counts.
        std::filesystem::path own_cgroup{};
        /// memory.stat of a memory cgroup holding only the tree (v2, or v1 on hybrid machines); empty: none.
        /// Resident memory is then read from it; else PSS from smaps_rollup, else RSS.
        std::filesystem::path memory_stat{};
        bool memory_stat_v1 = false;
        /// How often smaps_rollup (PSS) is read per process, at least (the interval grows by 1 s per 50
        /// processes; a process joining brings the read forward); in between the last values are reused.
        double pss_interval_s = 1.0;
        /// With the cgroup source of own_cgroup (counts_by_cgroup()): how often sample() refreshes
        /// TreeSample::pids from the cgroup's cgroup.procs, s; 0: only at the final sample and on read_pids().
        double pids_interval_s = 0.0;
        /// With that source but no memory_stat: the per-process reads for memory (stat for RSS, smaps_rollup
        /// for PSS) are made at least this far apart, s, and 1 s more per 100 processes; in between the last
        /// figure holds.
        double walk_interval_s = 1.0;
    };

    ProcessTree(sys::FsRoot root, Options options);
    ~ProcessTree();
    ProcessTree(const ProcessTree&) = delete;
    ProcessTree& operator=(const ProcessTree&) = delete;

    /// Probe: is procfs readable, and does the root process exist?
    ProbeReport probe() const;
    /// Whether the tree has a cgroup v2 of its own (every process in it belongs to the tree), whose
    /// cpu.stat then gives the tree's CPU time in µs, exited descendants included. Call after a sample.
    /// Available: sample() uses it from the next sample on.
    ProbeReport probe_cgroup() noexcept;

    /// Samples the tree (and /proc/stat, /proc/meminfo as Options::machine says) at steady time t.
    /// With counts_by_cgroup(), a sample reads only the cgroup's cpu.stat and memory.stat (kept open), whatever
    /// the tree's size: no /proc scan, no per-process file; out.pids is refreshed from cgroup.procs only as
    /// Options::pids_interval_s says, at the final sample and on read_pids(). Without a memory cgroup the
    /// members' stat and smaps_rollup are read every Options::walk_interval_s (or more) for the memory.
    /// discover=true scans /proc for new processes, unless no pid was allocated since the scans before (see
    /// scan_needed() in process_tree.cpp); discover=false skips the scan (a new process's time is still counted
    /// in full once it is discovered). Never throws; read failures are logged in failures().
    /// final=true (the last sample of a run): processes still waiting for their rusage keep their ticks.
    void sample(double t, bool discover, TreeSample& out, bool final = false) noexcept;

    /// Whether the tree's CPU time (and, with Options::memory_stat, its memory) comes from the cgroup made for
    /// it (Options::own_cgroup, probed available): then the kernel counts every process, orphans and
    /// auto-reaped children included, and the per-process bookkeeping is not needed. False until probe_cgroup().
    bool counts_by_cgroup() const noexcept { return !m_cgroup_dir.empty() && m_cgroup_fd >= 0; }
    /// Brings out.pids up to date for a caller that needs the processes (GPU process lists): with
    /// counts_by_cgroup(), the members listed in cgroup.procs now; else a no-op (sample() keeps them current).
    /// Never throws; a failed read keeps the last list and is logged in failures().
    void read_pids(TreeSample& out) noexcept;

    /// The exact CPU time (user+system, its waited-for descendants included, from wait4()) of a tree process
    /// the caller has just reaped, s. Replaces that process's ticks, and makes it an absorbing ancestor of
    /// its vanished descendants; a pid never tracked (a short-lived orphan) has its time added. Not
    /// thread-safe: call between samples (the Tracker forwards under its tick lock).
    void account_reaped(pid_t pid, double cpu_seconds) noexcept;

    /// Where the CPU time comes from, for the record: "cgroup(cpu.stat)", "proc(ticks+wait4)",
    /// "proc(ticks+getrusage)" (the root is this process), "proc(ticks)"; "; auto-reaped children partly seen"
    /// is appended once children were seen that their parent did not reap (SIGCHLD ignored).
    std::string cpu_source() const;
    /// Where resident memory comes from: "cgroup memory", "PSS" or "RSS".
    std::string memory_source() const;
    /// Live tracked processes at the last sample, the root excluded; with counts_by_cgroup(), the cgroup's
    /// members other than the root at the last read of cgroup.procs (the final sample reads it).
    int others_alive() const noexcept;
    /// Whether the root was alive (or a zombie) at the last sample; with counts_by_cgroup(), whether it was
    /// listed in cgroup.procs at its last read (a zombie is not).
    bool root_alive() const noexcept { return m_root_alive; }

    /// Clock ticks per second used to convert times.
    double ticks_per_second() const noexcept { return m_hz; }
    const FailureLog& failures() const noexcept { return m_failures; }
    /// Processes ever tracked (the root included).
    std::uint64_t processes_seen() const noexcept { return m_seen; }
    /// Directory scans of /proc made so far (for tests and benchmarks).
    std::uint64_t scans() const noexcept { return m_scans; }
    /// Per-process stat files read so far (for tests and benchmarks).
    std::uint64_t stat_reads() const noexcept { return m_stat_reads; }

private:
    struct Tracked {
        std::uint64_t starttime = 0;
        std::uint64_t last_ticks = 0;  // utime+stime+cutime+cstime at the last successful read
        std::uint64_t child_ticks = 0; // cutime+cstime at the last successful read
        std::uint64_t rss_pages = 0;
        double pss_bytes = -1.0;       // last smaps_rollup Pss (< 0: not read yet)
        std::uint64_t pss_rss_pages = 0;  // rss_pages when it was read
        double growth_s = 0.0;         // cutime+cstime growth at this sample's read
        double debt_s = 0.0;           // vanished descendants resolved to it at this sample
        double owed_s = 0.0;           // their time not yet seen in its counters (see sample())
        double owed_since = 0.0;
        double gone_t = 0.0;           // awaiting: when it vanished
        double exact_s = -1.0;         // wait4 rusage from account_reaped (< 0: none)
        pid_t ppid = 0;
        int fd = -1;
        bool gone = false;             // vanished, counted with its last time until its rusage arrives
    };
    struct Candidate {
        pid_t pid;
        std::uint64_t key;
        sys::PidStat st;
    };
    bool read_stat(pid_t pid, Tracked& entry, sys::PidStat& st, bool keep_open) noexcept;
    void discover(double t) noexcept;
    bool scan_needed(double t) noexcept;
    std::optional<std::uint64_t> read_last_pid() noexcept;
    void read_machine(TreeSample& out) noexcept;

    sys::FsRoot m_root;
    std::string m_proc;  // m_root.proc as a string, for building paths without allocating
    Options m_options;
    double m_hz = 100.0;
    double m_page_bytes = 4096.0;
    std::unordered_map<pid_t, Tracked> m_tracked;
    std::vector<pid_t> m_order;  // tracked pids, parents before children (read in this order)
    void forget(pid_t pid) noexcept;
    void settle_vanished(double t, bool final) noexcept;
    void read_memory(double t, TreeSample& out) noexcept;
    bool read_cgroup_memory(TreeSample& out) noexcept;
    void read_process_memory(double t, TreeSample& out) noexcept;
    // The cgroup source (counts_by_cgroup()): the sample, the members from cgroup.procs, the memory walk.
    void sample_by_cgroup(double t, TreeSample& out, bool final) noexcept;
    bool read_members(std::vector<pid_t>& pids) noexcept;
    void walk_members(double t, TreeSample& out) noexcept;
    std::vector<pid_t> m_members;
    double m_last_pids_t = 0.0, m_last_walk_t = -1e9, m_walk_rss_bytes = 0.0;
    std::uint64_t m_stat_reads = 0;
    std::vector<pid_t> m_resolved;  // reaped without an exact rusage in time (a late one is ignored)
    double m_self_children_s = 0.0;
    bool m_root_alive = true, m_auto_reaped = false, m_exact_used = false;
    int m_cgroup_members = -1;
    std::filesystem::path m_cgroup_dir;  // own cgroup (Options::own_cgroup) once probed
    int m_memory_fd = -1;
    bool m_pss_ok = true;
    double m_last_pss_t = -1e9;
    // Processes known not to be ours, keyed by pid and the inode of their /proc entry (a reused pid gets a
    // new inode), so the directory scan does not re-read their stat. Sorted; reused from scan to scan.
    std::vector<std::uint64_t> m_foreign, m_foreign_next;
    std::vector<Candidate> m_candidates;
    // Scan skipping (see scan_needed()): /proc/loadavg kept open; its last pid at the previous check.
    enum class LastPid { untried, usable, unusable };
    LastPid m_last_pid_state = LastPid::untried;
    int m_loadavg_fd = -1;
    std::optional<std::uint64_t> m_checked_last_pid;
    bool m_confirm_scan = false;
    double m_last_scan_t = 0.0;
    std::uint64_t m_scans = 0;
    int m_stat_fd = -1, m_meminfo_fd = -1;
    double m_base_s = 0.0;            // vanished processes nobody tracked absorbed (and their unpaid debts)
    double m_start_s = 0.0;           // subtracted: the tree's time before tracking began
    bool m_self = false;              // the root is this process on the live system (precise clocks)
    static double self_cpu_seconds() noexcept;
    static double self_children_seconds() noexcept;
    bool m_started = false;
    double m_max_cpu_s = 0.0;
    std::uint64_t m_seen = 0;
    std::size_t m_open_files = 0;
    // Own cgroup v2 (see probe_cgroup): cpu.stat kept open; CPU seconds = usage - start + offset.
    int m_cgroup_fd = -1;
    double m_cgroup_start_s = 0.0, m_cgroup_offset_s = 0.0;
    bool read_cgroup_usage(double& seconds) noexcept;
    std::string m_buffer;
    std::vector<pid_t> m_vanished, m_chained;
    FailureLog m_failures;
};

}  // namespace eco2::detail
