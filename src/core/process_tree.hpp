#pragma once
// Accounting of a process tree's CPU time and resident memory from procfs.
//
// Tree CPU time = sum over the live tracked processes of utime+stime+cutime+cstime. When a tracked child
// exits and its (tracked) parent reaps it, the child's whole time moves into the parent's cutime/cstime in
// the same instant, so children that live and die between two samples are counted in full. A process
// whose parent is not tracked any more (reparented orphan) keeps its last seen time when it vanishes.
// The result is made monotone, so a transient dip never produces negative energy.

#include <sys/types.h>

#include <cstdint>
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
    /// discover=true scans /proc for new processes, unless no pid was allocated since the scans before (see
    /// scan_needed() in process_tree.cpp); discover=false skips the scan (a new process's time is still counted
    /// in full once it is discovered). Never throws; read failures are logged in failures().
    void sample(double t, bool discover, TreeSample& out) noexcept;

    /// Clock ticks per second used to convert times.
    double ticks_per_second() const noexcept { return m_hz; }
    const FailureLog& failures() const noexcept { return m_failures; }
    /// Processes ever tracked (the root included).
    std::uint64_t processes_seen() const noexcept { return m_seen; }
    /// Directory scans of /proc made so far (for tests and benchmarks).
    std::uint64_t scans() const noexcept { return m_scans; }

private:
    struct Tracked {
        std::uint64_t starttime = 0;
        std::uint64_t last_ticks = 0;  // utime+stime+cutime+cstime at the last successful read
        std::uint64_t rss_pages = 0;
        pid_t ppid = 0;
        int fd = -1;
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
    std::uint64_t m_base_ticks = 0;   // ticks of vanished processes nobody tracked absorbed, plus baseline
    double m_start_s = 0.0;           // subtracted: the tree's time before tracking began
    bool m_self = false;              // the root is this process on the live system (precise clocks)
    static double self_cpu_seconds() noexcept;
    bool m_started = false;
    double m_max_cpu_s = 0.0;
    std::uint64_t m_seen = 0;
    std::size_t m_open_files = 0;
    // Own cgroup v2 (see probe_cgroup): cpu.stat kept open; CPU seconds = usage - start + offset.
    int m_cgroup_fd = -1;
    double m_cgroup_start_s = 0.0, m_cgroup_offset_s = 0.0;
    bool read_cgroup_usage(double& seconds) noexcept;
    std::string m_buffer;
    std::vector<pid_t> m_vanished;
    FailureLog m_failures;
};

}  // namespace eco2::detail
