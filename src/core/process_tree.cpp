#include "core/process_tree.hpp"

#include "core/process_tree_io.hpp"
#include "sys/file_reader.hpp"

#include <dirent.h>
#include <sys/resource.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cmath>
#include <ctime>
#include <cstring>
#include <new>

namespace eco2::detail {
namespace {

// While no pid is allocated the /proc scan is skipped, but never for longer than this (see scan_needed()).
constexpr double MAX_SCAN_SKIP_S = 5.0;

// One identity per /proc entry: a reused pid gets a new procfs inode.
std::uint64_t entry_key(pid_t pid, ino_t ino) noexcept {
    return static_cast<std::uint64_t>(pid) * 0x9E3779B97F4A7C15ull ^ static_cast<std::uint64_t>(ino);
}

bool parse_pid_name(const char* name, pid_t& pid) noexcept {
    if (*name < '1' || *name > '9') return false;
    long v = 0;
    for (const char* p = name; *p != '\0'; ++p) {
        if (*p < '0' || *p > '9') return false;
        v = v * 10 + (*p - '0');
        if (v > 0x7fffffff) return false;
    }
    pid = static_cast<pid_t>(v);
    return true;
}

}  // namespace

ProcessTree::ProcessTree(sys::FsRoot root, Options options)
    : m_root(std::move(root)), m_proc(m_root.proc.string()), m_options(options) {
    if (m_options.root == 0) m_options.root = ::getpid();
    // Tracking ourselves on the live system: the kernel gives our own CPU time (and that of the children we
    // reaped) in ns and µs, not 10 ms ticks.
    m_self = m_options.root == ::getpid() && m_root.proc == sys::FsRoot::live().proc;
    long hz = ::sysconf(_SC_CLK_TCK);
    if (hz > 0) m_hz = static_cast<double>(hz);
    long page = ::sysconf(_SC_PAGESIZE);
    if (page > 0) m_page_bytes = static_cast<double>(page);
    m_tracked.emplace(m_options.root, Tracked{});
    m_order.push_back(m_options.root);
    m_seen = 1;
}

ProcessTree::~ProcessTree() {
    for (auto& [pid, entry] : m_tracked)
        if (entry.fd >= 0) ::close(entry.fd);
    if (m_stat_fd >= 0) ::close(m_stat_fd);
    if (m_cgroup_fd >= 0) ::close(m_cgroup_fd);
    if (m_meminfo_fd >= 0) ::close(m_meminfo_fd);
    if (m_loadavg_fd >= 0) ::close(m_loadavg_fd);
    if (m_memory_fd >= 0) ::close(m_memory_fd);
}

ProbeReport ProcessTree::probe() const {
    ProbeReport r;
    r.backend = "procfs";
    r.channels = {"procfs.tree.cpu", "procfs.tree.rss"};
    auto st = sys::default_reader().read(m_root.proc_stat());
    if (!st.ok()) {
        r.status = ProbeStatus::absent;
        r.reason = m_root.proc_stat().string() + " is not readable (" + std::strerror(st.error) + ")";
        r.fix = "mount procfs, or point ECO2_PROC_ROOT at it";
        return r;
    }
    auto pid = sys::default_reader().read(m_root.pid_dir(m_options.root) / "stat");
    if (!pid.ok() || !sys::parse_pid_stat(pid.text)) {
        r.status = ProbeStatus::failed;
        r.reason = "process " + std::to_string(m_options.root) + " is not readable in " + m_root.proc.string();
        r.fix = "check the pid, and that eco2 sees the same pid namespace as the process";
        return r;
    }
    r.status = ProbeStatus::available;
    r.reason = "CPU time from clock ticks of the process tree (utime+stime+cutime+cstime), " +
               std::to_string(static_cast<int>(m_hz)) + " ticks/s";
    r.used = true;
    return r;
}

double ProcessTree::self_children_seconds() noexcept {
    rusage children{};
    ::getrusage(RUSAGE_CHILDREN, &children);
    return static_cast<double>(children.ru_utime.tv_sec + children.ru_stime.tv_sec) +
           static_cast<double>(children.ru_utime.tv_usec + children.ru_stime.tv_usec) * 1e-6;
}

double ProcessTree::self_cpu_seconds() noexcept {
    timespec ts{};
    ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9 + self_children_seconds();
}

bool ProcessTree::read_stat(pid_t pid, Tracked& entry, sys::PidStat& st, bool keep_open) noexcept {
    char buf[STAT_BUFFER];
    ++m_stat_reads;
    bool keep = false;
    int fd = entry.fd;
    if (fd < 0) {
        char path[PATH_MAX];
        int len = std::snprintf(path, sizeof path, "%s/%d/stat", m_proc.c_str(), static_cast<int>(pid));
        if (len < 0 || static_cast<std::size_t>(len) >= sizeof path) return false;
        fd = ::open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) return false;
        keep = keep_open && m_open_files < m_options.max_open_files;
    }
    ssize_t n = read_head(fd, buf, sizeof buf);
    if (keep) {
        entry.fd = fd;
        ++m_open_files;
    } else if (entry.fd < 0) {
        ::close(fd);
    }
    if (n <= 0) return false;  // ESRCH: the process is gone (the fd stays bound to the dead task)
    auto parsed = sys::parse_pid_stat(std::string_view(buf, static_cast<std::size_t>(n)));
    if (!parsed) return false;
    // A path-based read may land on a new process that reused the pid.
    if (entry.starttime != 0 && parsed->starttime != entry.starttime) return false;
    st = *parsed;
    return true;
}

// The last pid allocated in eco2's pid namespace, from /proc/loadavg; nullopt when it cannot be used.
std::optional<std::uint64_t> ProcessTree::read_last_pid() noexcept {
    if (m_last_pid_state == LastPid::untried) {
        m_last_pid_state = LastPid::unusable;
        // loadavg counts the pids of the reader's namespace, the scan lists those of the procfs mount's:
        // they are the same namespace when the mount's view of us has one pid (one "NSpid" entry).
        try {
            auto status = sys::default_reader().read(m_root.self_status());
            auto levels = status.ok() ? sys::parse_status_nspid_count(status.text) : std::nullopt;
            if (levels == 1) {
                m_loadavg_fd = ::open(m_root.loadavg().c_str(), O_RDONLY | O_CLOEXEC);
                if (m_loadavg_fd >= 0) m_last_pid_state = LastPid::usable;
            }
        } catch (const std::bad_alloc&) {  // stays unusable: every check scans
        }
    }
    if (m_last_pid_state != LastPid::usable) return std::nullopt;
    char buf[256];
    ssize_t n = read_head(m_loadavg_fd, buf, sizeof buf);
    if (n <= 0) return std::nullopt;
    return sys::parse_loadavg_last_pid(std::string_view(buf, static_cast<std::size_t>(n)));
}

// Whether a /proc scan can find a process it has not seen. Every new process (and thread) takes a pid from
// the allocator of its pid namespace and of each namespace above, and /proc/loadavg's last field is the last
// pid that eco2's namespace handed out: while it stays put nothing was created, and the scan is skipped (the
// scan is most of the sampler's cost on a quiet machine at 100 Hz). Why no process is missed:
// - A pid is allocated a moment before its process shows in /proc (alloc_pid() comes before attach_pid() in
//   the kernel's copy_process()), so the scan made when the number moved may miss a process being forked.
//   The check after a change therefore scans again. (A process not shown yet has not run yet either.)
// - Pids are handed out cyclically, from 300 to pid_max (32768 by default, more on large machines) and round
//   again, skipping pids in use. The number comes back to the same value only if every free pid of the
//   range was allocated between two checks (about 0.25 s apart); besides, a privileged process may set
//   ns_last_pid by hand. Against both, a full scan is made at least every MAX_SCAN_SKIP_S: at worst a
//   process is found that much later, and a process found late has its CPU time counted from its start
//   all the same (only its memory before it was found is missed).
// - loadavg is read in eco2's own pid namespace; when procfs is another namespace's (a host's /proc seen from
//   a container) or loadavg cannot be read, every check scans.
bool ProcessTree::scan_needed(double t) noexcept {
    // Read before the scan: a process created during the scan moves the number for the next check.
    std::optional<std::uint64_t> last = read_last_pid();
    const bool changed = !last || !m_checked_last_pid || *last != *m_checked_last_pid;
    const bool needed = !m_started || changed || m_confirm_scan || t - m_last_scan_t >= MAX_SCAN_SKIP_S;
    m_confirm_scan = changed;
    m_checked_last_pid = last;
    return needed;
}

void ProcessTree::discover(double t) noexcept {
    if (!scan_needed(t)) return;
    DIR* dir = ::opendir(m_proc.c_str());
    if (dir == nullptr) {
        m_failures.record("cannot list " + m_proc + ": " + std::strerror(errno));
        return;
    }
    ++m_scans;
    m_last_scan_t = t;
    m_candidates.clear();
    m_foreign_next.clear();
    while (dirent* de = ::readdir(dir)) {
        pid_t pid = 0;
        if (!parse_pid_name(de->d_name, pid)) continue;
        if (m_tracked.count(pid) != 0) continue;
        std::uint64_t key = entry_key(pid, de->d_ino);
        if (std::binary_search(m_foreign.begin(), m_foreign.end(), key)) {
            m_foreign_next.push_back(key);
            continue;
        }
        Tracked probe_entry;
        sys::PidStat st;
        if (read_stat(pid, probe_entry, st, false)) m_candidates.push_back({pid, key, st});
    }
    ::closedir(dir);
    // Parents may be listed after their children: grow the tree until nothing more joins.
    bool grew = true;
    while (grew) {
        grew = false;
        for (auto& c : m_candidates) {
            if (c.pid == 0) continue;
            // The subreaper's children are the tree's orphans (eco2 run's only child is the root).
            if (m_tracked.count(c.st.ppid) == 0 && (m_options.subreaper == 0 || c.st.ppid != m_options.subreaper))
                continue;
            Tracked entry;
            entry.starttime = c.st.starttime;
            entry.ppid = c.st.ppid;
            entry.child_ticks = c.st.cutime + c.st.cstime;
            // A process discovered after the first sample was born after tracking began (the first scan
            // is complete), so all of its time belongs to the run.
            entry.last_ticks = c.st.total_ticks();
            entry.rss_pages = c.st.rss_pages;
            m_tracked.emplace(c.pid, entry);
            m_order.push_back(c.pid);
            ++m_seen;
            c.pid = 0;
            grew = true;
        }
    }
    for (const auto& c : m_candidates)
        if (c.pid != 0) m_foreign_next.push_back(c.key);
    std::sort(m_foreign_next.begin(), m_foreign_next.end());
    m_foreign.swap(m_foreign_next);
}

void ProcessTree::forget(pid_t pid) noexcept {
    auto it = m_tracked.find(pid);
    if (it == m_tracked.end()) return;
    if (it->second.fd >= 0) {
        ::close(it->second.fd);
        --m_open_files;
    }
    m_tracked.erase(it);
    m_order.erase(std::remove(m_order.begin(), m_order.end(), pid), m_order.end());
}

void ProcessTree::account_reaped(pid_t pid, double cpu_seconds) noexcept {
    // The cgroup's cpu.stat already holds every exited member's time.
    if (!(cpu_seconds >= 0.0) || counts_by_cgroup()) return;
    m_exact_used = true;
    if (auto it = m_tracked.find(pid); it != m_tracked.end()) {
        it->second.exact_s = cpu_seconds;  // used when the sample sees it gone (now or already)
        return;
    }
    // Resolved earlier with its last ticks (its rusage came too late): counted already.
    if (auto r = std::find(m_resolved.begin(), m_resolved.end(), pid); r != m_resolved.end()) {
        m_resolved.erase(r);
        return;
    }
    // A process of the tree that lived and died between two scans: its whole time, exactly.
    m_base_s += cpu_seconds;
}

// The processes that vanished at this sample (m_vanished), resolved from the top down. Each has a state:
// - exact: its wait4() rusage arrived (account_reaped): that replaces its ticks;
// - awaiting: nobody tracked absorbed it but the subreaper may have reaped it: counted with its last ticks
//   for up to AWAIT_RUSAGE_S, waiting for the rusage;
// - chained: walk up through its vanished ancestors (ppid as last seen); the first that is live, exact or
//   awaiting absorbs it. Its time is then a debt of that absorber, paid as the absorber's cutime+cstime
//   grows (a parent that reaps a child gets the child's whole time in the same instant). What stays unpaid
//   (children auto-reaped by a parent ignoring SIGCHLD, whose time never reaches the parent) is counted.
// - none: the chain ends at an untracked process: its last seen time is kept.
// A process's unpaid debt moves with it: to its absorber's debt, or to the base.
void ProcessTree::settle_vanished(double t, bool final) noexcept {
    constexpr double AWAIT_RUSAGE_S = 1.0;
    const double eps = 0.5 / m_hz;
    auto to_base = [&](const Tracked& e, double own_s) {
        if (e.owed_s > eps) m_auto_reaped = true;
        m_base_s += own_s + e.owed_s;
    };
    auto vanished_now = [&](pid_t pid) {
        return std::find(m_vanished.begin(), m_vanished.end(), pid) != m_vanished.end();
    };
    // The first ancestor that is live or gone (awaiting or exact), walking through the vanished ones;
    // nullptr when the chain leaves the tree. Depth is bounded by the number of vanished processes.
    auto absorber_of = [&](pid_t pid) -> Tracked* {
        pid_t p = m_tracked.find(pid)->second.ppid;
        for (std::size_t depth = 0; depth <= m_vanished.size(); ++depth) {
            auto it = m_tracked.find(p);
            if (it == m_tracked.end() || it->first == pid) return nullptr;
            if (it->second.gone || !vanished_now(p)) return &it->second;
            p = it->second.ppid;
        }
        return nullptr;
    };
    // Exact first: a process whose rusage arrived absorbs its vanished descendants.
    for (pid_t pid : m_vanished) {
        Tracked& e = m_tracked.find(pid)->second;
        if (pid == m_options.root) m_root_alive = false;
        if (e.exact_s >= 0.0) {
            e.gone = true;
            e.gone_t = t;
        }
    }
    // Tops (the chain leaves the tree): with a subreaper, most likely its orphans, reaped by it: awaiting.
    if (m_options.subreaper != 0 && !final) {
        for (pid_t pid : m_vanished) {
            Tracked& e = m_tracked.find(pid)->second;
            // Only the top of a chain (its parent not tracked): those below it chain to it.
            if (!e.gone && m_tracked.count(e.ppid) == 0) {
                e.gone = true;
                e.gone_t = t;
            }
        }
    }
    // Chained: the absorber owes their time until its counters show it.
    m_chained.clear();
    for (pid_t pid : m_vanished) {
        Tracked& e = m_tracked.find(pid)->second;
        if (e.gone) continue;
        const double last_s = static_cast<double>(e.last_ticks) / m_hz;
        if (Tracked* a = absorber_of(pid)) {
            a->debt_s += last_s + e.owed_s;
        } else {
            to_base(e, last_s);
        }
        m_chained.push_back(pid);
    }
    for (pid_t pid : m_chained) forget(pid);
    // Gone ones: finalized once their rusage is there (its growth since the last read pays their debts
    // first), or given up on with their last ticks.
    for (std::size_t i = 0; i < m_order.size();) {
        const pid_t pid = m_order[i];
        Tracked& e = m_tracked.find(pid)->second;
        if (!e.gone) {
            ++i;
            continue;
        }
        e.owed_s += e.debt_s;
        e.debt_s = 0.0;
        const double last_s = static_cast<double>(e.last_ticks) / m_hz;
        if (e.exact_s >= 0.0) {
            e.owed_s = std::max(0.0, e.owed_s - std::max(0.0, e.exact_s - last_s));
            to_base(e, e.exact_s);
        } else if (final || t - e.gone_t >= AWAIT_RUSAGE_S) {
            to_base(e, last_s);
            if (m_resolved.size() < 4096) m_resolved.push_back(pid);
        } else {
            ++i;
            continue;
        }
        forget(pid);  // erases m_order[i]
    }
}

int ProcessTree::others_alive() const noexcept {
    if (counts_by_cgroup()) return std::max(0, m_cgroup_members - (m_root_alive ? 1 : 0));
    int n = 0;
    for (const auto& [pid, e] : m_tracked)
        if (!e.gone && pid != m_options.root) ++n;
    return n;
}

void ProcessTree::sample(double t, bool discover_new, TreeSample& out, bool final) noexcept {
    if (counts_by_cgroup()) {
        sample_by_cgroup(t, out, final);
        return;
    }
    out.t = t;
    if (discover_new || !m_started) discover(t);
    out.pids.clear();
    m_vanished.clear();
    std::uint64_t rss_pages = 0;
    const double self_children_s = m_self ? self_children_seconds() : 0.0;
    // Parents before children: a child reaped between the two reads then shows in neither (a transient
    // dip, held by the monotone maximum) rather than in both (an excess the maximum would keep).
    for (std::size_t i = 0; i < m_order.size(); ++i) {
        pid_t pid = m_order[i];
        Tracked& entry = m_tracked[pid];
        entry.growth_s = 0.0;
        entry.debt_s = 0.0;
        if (entry.gone) continue;
        sys::PidStat st;
        if (read_stat(pid, entry, st, true)) {
            if (entry.starttime == 0) entry.starttime = st.starttime;
            const std::uint64_t child = st.cutime + st.cstime;
            if (pid == m_options.root && m_self) {
                entry.growth_s = std::max(0.0, self_children_s - m_self_children_s);
            } else if (child > entry.child_ticks) {
                entry.growth_s = static_cast<double>(child - entry.child_ticks) / m_hz;
            }
            entry.child_ticks = child;
            entry.last_ticks = st.total_ticks();
            entry.ppid = st.ppid;
            // A zombie has freed its memory but was using it until it exited: hold the last value.
            if (st.state != 'Z') entry.rss_pages = st.rss_pages;
            rss_pages += entry.rss_pages;
            out.pids.push_back(pid);
        } else {
            m_vanished.push_back(pid);
        }
    }
    m_self_children_s = self_children_s;
    settle_vanished(t, final);
    // Debts resolved to live (or awaiting) absorbers at this sample, paid by what their counters grew.
    for (auto& [pid, e] : m_tracked) {
        if (e.gone) continue;  // awaiting its rusage: its debts are settled with it (settle_vanished)
        const double before = e.owed_s;
        e.owed_s = std::max(0.0, e.owed_s + e.debt_s - e.growth_s);
        e.debt_s = e.growth_s = 0.0;
        if (e.owed_s <= 0.5 / m_hz) {
            e.owed_since = t;
        } else {
            if (before <= 0.5 / m_hz) e.owed_since = t;
            // Still unpaid after a while: the parent did not reap them (SIGCHLD ignored).
            if (t - e.owed_since >= 0.5 || final) m_auto_reaped = true;
        }
    }
    double sum_s = m_base_s;
    for (const auto& [pid, entry] : m_tracked) {
        sum_s += entry.owed_s;
        if (pid == m_options.root && m_self) continue;
        sum_s += static_cast<double>(entry.last_ticks) / m_hz;
    }
    if (m_self) sum_s += self_cpu_seconds();
    const double now_s = sum_s;
    if (!m_started) {
        m_started = true;
        m_start_s = m_options.count_from_root_start ? 0.0 : now_s;
    }
    double cpu_s = std::max(0.0, now_s - m_start_s);
    if (m_cgroup_fd >= 0) {
        double usage = 0.0;
        if (read_cgroup_usage(usage)) cpu_s = m_cgroup_offset_s + (usage - m_cgroup_start_s);
        else m_failures.record("cannot read the tree's cgroup cpu.stat");
    }
    m_max_cpu_s = std::max(m_max_cpu_s, cpu_s);
    out.tree_cpu_s = m_max_cpu_s;
    out.tree_rss_bytes = static_cast<double>(rss_pages) * m_page_bytes;
    read_memory(t, out);
    read_machine(out);
}

}  // namespace eco2::detail
