#pragma once
// Pure parsers for procfs/sysfs text. No I/O: each takes the file content.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace eco2::sys {

/// Fields of /proc/<pid>/stat that eco2 uses (times in clock ticks, rss in pages).
struct PidStat {
    int pid = 0;
    char state = '?';
    int ppid = 0;
    std::uint64_t utime = 0, stime = 0;    // the process itself (all threads)
    std::uint64_t cutime = 0, cstime = 0;  // its children that it has waited for
    std::uint64_t starttime = 0;           // ticks after boot; tells pid reuse apart
    std::uint64_t rss_pages = 0;
    std::uint64_t total_ticks() const noexcept { return utime + stime + cutime + cstime; }
};
/// Parses one /proc/<pid>/stat line; the command name may contain spaces and parentheses.
std::optional<PidStat> parse_pid_stat(std::string_view text) noexcept;

/// The aggregate "cpu" line of /proc/stat, in clock ticks.
struct CpuTimes {
    std::uint64_t busy = 0;   // user+nice+system+irq+softirq (guest is inside user); steal is not busy
    std::uint64_t idle = 0;   // idle+iowait
    std::uint64_t steal = 0;  // the 8th field: time the hypervisor gave this machine's CPUs to others
    std::uint64_t total() const noexcept { return busy + idle + steal; }
};
std::optional<CpuTimes> parse_proc_stat(std::string_view text) noexcept;

/// /proc/meminfo, bytes.
struct MemInfo {
    std::uint64_t total = 0;
    std::uint64_t available = 0;
    std::uint64_t used() const noexcept { return total > available ? total - available : 0; }
};
std::optional<MemInfo> parse_meminfo(std::string_view text) noexcept;

/// /proc/cpuinfo summary.
struct CpuInfo {
    std::string model_name;  // first "model name" (x86) or "Model"/"cpu model" elsewhere; empty if none
    int logical = 0;         // "processor" entries
    int sockets = 0;         // distinct "physical id" values; 1 when the file has none
};
CpuInfo parse_cpuinfo(std::string_view text);

/// Number of CPUs in a kernel cpu list such as "0-3,8,10-11"; nullopt when malformed.
std::optional<int> parse_cpu_list_count(std::string_view text) noexcept;

/// The cgroup v2 path from /proc/<pid>/cgroup ("0::/path"); nullopt when the process is not in a v2 hierarchy.
std::optional<std::string> parse_cgroup_v2_path(std::string_view text);

/// Mount point of the cgroup v2 hierarchy from a /proc/<pid>/mountinfo; nullopt when none is mounted.
std::optional<std::string> parse_cgroup2_mount(std::string_view mountinfo);

/// The path of a cgroup v1 hierarchy holding `controller` from /proc/<pid>/cgroup ("4:memory:/path");
/// nullopt when that controller is not mounted as v1.
std::optional<std::string> parse_cgroup_v1_path(std::string_view text, std::string_view controller);

/// Mount point of the cgroup v1 hierarchy of `controller` ("... - cgroup cgroup rw,memory"); nullopt: none.
std::optional<std::string> parse_cgroup1_mount(std::string_view mountinfo, std::string_view controller);

/// usage_usec from a cgroup v2 cpu.stat.
std::optional<std::uint64_t> parse_cpu_stat_usage_usec(std::string_view text) noexcept;

/// Pss of a /proc/<pid>/smaps_rollup ("Pss:  1234 kB"), bytes.
std::optional<std::uint64_t> parse_smaps_rollup_pss(std::string_view text) noexcept;

/// Resident memory of a memory cgroup from its memory.stat, bytes, each page counted once: anonymous
/// memory plus mapped file pages (shared memory mapped included), page cache that no process maps left out.
/// v2: anon + file_mapped; v1 (hierarchical totals): total_rss + total_mapped_file. nullopt: fields missing.
std::optional<std::uint64_t> parse_memory_stat_resident(std::string_view text, bool v1) noexcept;

/// The last field of /proc/loadavg ("0.20 0.18 0.12 1/80 11206"): the pid most recently allocated in the
/// reader's pid namespace.
std::optional<std::uint64_t> parse_loadavg_last_pid(std::string_view text) noexcept;

/// How many pids the "NSpid:" line of a /proc/<pid>/status lists: one per pid namespace from the one procfs
/// was mounted for down to the process's own. nullopt when the line is missing (kernels before 4.1).
std::optional<int> parse_status_nspid_count(std::string_view text) noexcept;

}  // namespace eco2::sys
