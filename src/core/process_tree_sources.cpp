// ProcessTree, part two: the sources beside the per-process /proc walk of process_tree.cpp: the run's cgroup
// (CPU time of the whole tree, its member pids, its memory), the processes' memory, the machine-wide /proc
// counters, and the names of the sources used.

#include <dirent.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstring>
#include <ctime>

#include "core/process_tree.hpp"
#include "core/process_tree_io.hpp"
#include "sys/file_reader.hpp"

namespace eco2::detail {

ProbeReport ProcessTree::probe_cgroup() noexcept {
    ProbeReport r;
    try {
        r.backend = "cgroup";
        const char* own_cgroup_fix =
            "run the job in a cgroup of its own (a container, a Slurm step, `systemd-run --user --scope`) and "
            "track it from inside, to have its CPU time counted by the kernel to the microsecond";
        const sys::FileReader& reader = sys::default_reader();
        std::filesystem::path dir = m_options.own_cgroup;
        std::string shown = dir.string();
        if (dir.empty()) {
            auto cg = reader.read(m_root.pid_dir(m_options.root) / "cgroup");
            auto path = cg.ok() ? sys::parse_cgroup_v2_path(cg.text) : std::nullopt;
            auto mountinfo = reader.read(m_root.self_mountinfo());
            auto mount = mountinfo.ok() ? sys::parse_cgroup2_mount(mountinfo.text) : std::nullopt;
            if (!path || !mount || m_root.map_sys_mount(*mount).empty()) {
                r.status = ProbeStatus::absent;
                r.reason = "no cgroup v2 hierarchy for process " + std::to_string(m_options.root);
                return r;
            }
            if (*path == "/") {
                r.status = ProbeStatus::unsupported;
                r.reason = "the tree is in the root cgroup, shared with the whole machine: CPU time from procfs ticks";
                r.fix = own_cgroup_fix;
                return r;
            }
            shown = *path;
            dir = m_root.map_sys_mount(*mount) / std::filesystem::path(*path).relative_path();
            auto procs = reader.read(dir / "cgroup.procs");
            if (!procs.ok()) {
                r.status = ProbeStatus::failed;
                r.reason = "cannot read " + (dir / "cgroup.procs").string() + ": " + std::strerror(procs.error);
                return r;
            }
            std::string_view list = procs.text;
            while (!list.empty()) {
                std::size_t eol = list.find('\n');
                auto pid = sys::parse_u64(list.substr(0, eol));
                list.remove_prefix(eol == std::string_view::npos ? list.size() : eol + 1);
                if (pid && m_tracked.count(static_cast<pid_t>(*pid)) == 0) {
                    r.status = ProbeStatus::unsupported;
                    r.reason = "cgroup " + *path + " also holds process " + std::to_string(*pid) +
                               ", which is not in the tracked tree: CPU time from procfs ticks";
                    r.fix = own_cgroup_fix;
                    return r;
                }
            }
        }
        int fd = ::open((dir / "cpu.stat").c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            r.status = ProbeStatus::failed;
            r.reason = "cannot open " + (dir / "cpu.stat").string() + ": " + std::strerror(errno);
            return r;
        }
        if (m_cgroup_fd >= 0) ::close(m_cgroup_fd);
        m_cgroup_fd = fd;
        if (!read_cgroup_usage(m_cgroup_start_s)) {
            ::close(m_cgroup_fd);
            m_cgroup_fd = -1;
            r.status = ProbeStatus::failed;
            r.reason = "no usage_usec in " + (dir / "cpu.stat").string();
            return r;
        }
        m_cgroup_offset_s = m_max_cpu_s;  // continue from what the ticks counted so far
        if (!m_options.own_cgroup.empty() && m_options.count_from_root_start) {
            // Created empty for the tree before it started: all its usage is the tree's.
            m_cgroup_start_s = m_cgroup_offset_s = 0.0;
            m_cgroup_dir = dir;
        }
        r.status = ProbeStatus::available;
        r.used = true;
        r.channels = {"cgroup.tree.cpu"};
        r.reason = "the tree has cgroup " + shown + " to itself: CPU time from its cpu.stat (µs, exited processes included)";
    } catch (...) {
        r.status = ProbeStatus::failed;
        r.reason = "out of memory";
    }
    return r;
}

bool ProcessTree::read_cgroup_usage(double& seconds) noexcept {
    char buf[1024];
    ssize_t n = read_head(m_cgroup_fd, buf, sizeof buf);
    if (n <= 0) return false;
    auto usec = sys::parse_cpu_stat_usage_usec(std::string_view(buf, static_cast<std::size_t>(n)));
    if (!usec) return false;
    seconds = static_cast<double>(*usec) * 1e-6;
    return true;
}

void ProcessTree::read_machine(TreeSample& out) noexcept {
    out.machine_busy_s = out.machine_used_bytes = std::nan("");
    if (!m_options.machine.busy && !m_options.machine.memory) return;
    char buf[4096];
    // The path is only built (allocated) to open the file the first time.
    auto head = [&](int& fd, auto path) -> std::string_view {
        if (fd < 0) fd = ::open(path().c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) return {};
        ssize_t n = read_head(fd, buf, sizeof buf);
        return n > 0 ? std::string_view(buf, static_cast<std::size_t>(n)) : std::string_view{};
    };
    // Only the first lines are needed, so a prefix read keeps the cost flat on many-CPU machines.
    if (m_options.machine.busy) {
        auto cpu = sys::parse_proc_stat(head(m_stat_fd, [this] { return m_root.proc_stat(); }));
        if (cpu) {
            out.machine_busy_s = static_cast<double>(cpu->busy) / m_hz;
        } else {
            m_failures.record("cannot read the cpu line of " + m_root.proc_stat().string());
        }
    }
    if (m_options.machine.memory) {
        auto info = sys::parse_meminfo(head(m_meminfo_fd, [this] { return m_root.meminfo(); }));
        if (info) {
            out.machine_used_bytes = static_cast<double>(info->used());
        } else {
            m_failures.record("cannot read MemTotal/MemAvailable in " + m_root.meminfo().string());
        }
    }
}

void ProcessTree::read_memory(double t, TreeSample& out) noexcept {
    if (!read_cgroup_memory(out)) read_process_memory(t, out);
}

// A cgroup holding only the tree: resident memory counted once by the kernel. False: no such cgroup (any more).
bool ProcessTree::read_cgroup_memory(TreeSample& out) noexcept {
    if (m_options.memory_stat.empty()) return false;
    if (m_memory_fd < 0) m_memory_fd = ::open(m_options.memory_stat.c_str(), O_RDONLY | O_CLOEXEC);
    char buf[8192];
    ssize_t n = m_memory_fd >= 0 ? read_head(m_memory_fd, buf, sizeof buf) : -1;
    auto bytes = n > 0 ? sys::parse_memory_stat_resident(std::string_view(buf, static_cast<std::size_t>(n)),
                                                         m_options.memory_stat_v1)
                       : std::nullopt;
    if (bytes) {
        out.tree_rss_bytes = static_cast<double>(*bytes);
        return true;
    }
    m_failures.record("cannot read " + m_options.memory_stat.string() + ": memory from PSS/RSS instead");
    m_options.memory_stat.clear();
    return false;
}

void ProcessTree::read_process_memory(double t, TreeSample& out) noexcept {
    // PSS: shared pages divided among the processes sharing them, so forked workers are not counted
    // again for the parent's pages. smaps_rollup walks the process's mappings: read at a lower rate.
    // ~35 us a process: the interval grows with the tree (1 s per 50 processes) to keep the cost flat. Read
    // sooner when a process joined: a forked worker shares its parent's pages, and its RSS (or the parent's
    // PSS from before the fork) would count them again until the next read.
    const double interval = std::max(m_options.pss_interval_s, 0.02 * static_cast<double>(out.pids.size()));
    bool joined = false;
    for (pid_t pid : out.pids) joined = joined || m_tracked[pid].pss_bytes < 0.0;
    const double since = t - m_last_pss_t;
    const bool pss_due = m_pss_ok && (since >= interval || (joined && since >= 0.1 * interval));
    if (pss_due) m_last_pss_t = t;
    double bytes = 0.0;
    for (pid_t pid : out.pids) {
        Tracked& e = m_tracked[pid];
        if (pss_due) {
            char path[PATH_MAX];
            std::snprintf(path, sizeof path, "%s/%d/smaps_rollup", m_proc.c_str(), static_cast<int>(pid));
            int fd = ::open(path, O_RDONLY | O_CLOEXEC);
            char buf[2048];
            ssize_t n = fd >= 0 ? read_head(fd, buf, sizeof buf) : -1;
            if (fd >= 0) ::close(fd);
            auto pss = n > 0 ? sys::parse_smaps_rollup_pss(std::string_view(buf, static_cast<std::size_t>(n)))
                             : std::nullopt;
            if (pss) {
                e.pss_bytes = static_cast<double>(*pss);
                e.pss_rss_pages = e.rss_pages;
            } else if (fd < 0 && errno != ENOENT && errno != ESRCH) {
                m_pss_ok = false;  // not readable here (old kernel, permissions): RSS from now on
            } else if (e.pss_bytes < 0.0) {
                // Exiting (a zombie has no mappings): its last RSS, so that it does not count as just joined.
                e.pss_bytes = static_cast<double>(e.rss_pages) * m_page_bytes;
                e.pss_rss_pages = e.rss_pages;
            }
        }
        if (!m_pss_ok) {
            bytes += static_cast<double>(e.rss_pages) * m_page_bytes;
        } else {
            // Between reads, what its RSS (read every sample) gained or lost since is added to its PSS: memory
            // a process allocates is its own. Not read yet (found since the last read): its RSS meanwhile.
            const double rss = static_cast<double>(e.rss_pages) * m_page_bytes;
            const double change = (static_cast<double>(e.rss_pages) - static_cast<double>(e.pss_rss_pages)) * m_page_bytes;
            bytes += e.pss_bytes >= 0.0 ? std::max(0.0, e.pss_bytes + change) : rss;
        }
    }
    out.tree_rss_bytes = bytes;
}

std::string ProcessTree::cpu_source() const {
    std::string s;
    if (m_cgroup_fd >= 0) s = "cgroup(cpu.stat)";
    else if (m_options.subreaper != 0 || m_exact_used) s = "proc(ticks+wait4)";
    else if (m_self) s = "proc(ticks+getrusage)";
    else s = "proc(ticks)";
    if (m_auto_reaped && m_cgroup_fd < 0) s.insert(s.size() - 1, "; auto-reaped children partly seen");
    return s;
}

std::string ProcessTree::memory_source() const {
    if (!m_options.memory_stat.empty()) return "cgroup memory";
    return m_pss_ok ? "PSS" : "RSS";
}

// The members of the tree's cgroup (cgroup.procs: one pid a line, each process once; zombies not listed).
bool ProcessTree::read_members(std::vector<pid_t>& pids) noexcept {
    try {
        auto procs = sys::default_reader().read(m_cgroup_dir / "cgroup.procs");
        if (!procs.ok()) {
            m_failures.record("cannot read " + (m_cgroup_dir / "cgroup.procs").string() + ": " +
                              std::strerror(procs.error));
            return false;
        }
        pids.clear();
        std::string_view list = procs.text;
        while (!list.empty()) {
            std::size_t eol = list.find('\n');
            auto pid = sys::parse_u64(list.substr(0, eol));
            list.remove_prefix(eol == std::string_view::npos ? list.size() : eol + 1);
            if (pid && *pid > 0 && *pid <= 0x7fffffff) pids.push_back(static_cast<pid_t>(*pid));
        }
    } catch (const std::bad_alloc&) {
        m_failures.record("out of memory reading the tree's cgroup.procs");
        return false;
    }
    m_cgroup_members = static_cast<int>(pids.size());
    m_root_alive = std::find(pids.begin(), pids.end(), m_options.root) != pids.end();
    return true;
}

void ProcessTree::read_pids(TreeSample& out) noexcept {
    if (!counts_by_cgroup()) return;
    try {
        std::vector<pid_t> pids;
        if (read_members(pids)) out.pids.swap(pids);
    } catch (const std::bad_alloc&) {
        m_failures.record("out of memory reading the tree's cgroup.procs");
    }
}

// Memory from the members' own files when the tree has no memory cgroup: their stat (RSS) and, as
// read_process_memory() paces it, smaps_rollup (PSS). The members come from cgroup.procs, not a /proc scan.
void ProcessTree::walk_members(double t, TreeSample& out) noexcept {
    m_last_walk_t = t;
    if (!read_members(m_members)) {
        out.tree_rss_bytes = m_walk_rss_bytes;
        return;
    }
    std::sort(m_members.begin(), m_members.end());
    for (std::size_t i = 0; i < m_order.size();) {
        if (std::binary_search(m_members.begin(), m_members.end(), m_order[i])) {
            ++i;
        } else {
            forget(m_order[i]);  // erases m_order[i]
        }
    }
    try {
        out.pids.clear();
        for (pid_t pid : m_members) {
            auto [it, inserted] = m_tracked.try_emplace(pid);
            if (inserted) m_order.push_back(pid);
            Tracked& entry = it->second;
            sys::PidStat st;
            if (!read_stat(pid, entry, st, true)) {
                forget(pid);  // exited (or its pid reused) since the list was read: the next walk sees it again
                continue;
            }
            if (entry.starttime == 0) entry.starttime = st.starttime;
            if (st.state != 'Z') entry.rss_pages = st.rss_pages;
            out.pids.push_back(pid);
        }
    } catch (const std::bad_alloc&) {
        m_failures.record("out of memory tracking the tree's cgroup members");
    }
    read_process_memory(t, out);
    m_walk_rss_bytes = out.tree_rss_bytes;
}

void ProcessTree::sample_by_cgroup(double t, TreeSample& out, bool final) noexcept {
    out.t = t;
    double usage = 0.0;
    if (read_cgroup_usage(usage)) {
        m_max_cpu_s = std::max(m_max_cpu_s, m_cgroup_offset_s + (usage - m_cgroup_start_s));
    } else {
        m_failures.record("cannot read the tree's cgroup cpu.stat");
    }
    out.tree_cpu_s = m_max_cpu_s;
    const bool pids_due = final || (m_options.pids_interval_s > 0.0 && t - m_last_pids_t >= m_options.pids_interval_s);
    if (!read_cgroup_memory(out)) {
        // No memory cgroup: per-process figures, at a lower rate (the walk reads cgroup.procs too).
        const double interval =
            std::max(m_options.walk_interval_s, 0.01 * static_cast<double>(std::max(m_cgroup_members, 0)));
        if (final || t - m_last_walk_t >= interval) {
            walk_members(t, out);
            m_last_pids_t = t;
        } else {
            out.tree_rss_bytes = m_walk_rss_bytes;
        }
    }
    if (pids_due && m_last_pids_t != t) {
        m_last_pids_t = t;
        read_pids(out);
    }
    read_machine(out);
}

}  // namespace eco2::detail
