#include "run_cgroup.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include "sys/file_reader.hpp"
#include "sys/proc_parse.hpp"

namespace eco2::cli {
namespace {

std::string run_name() { return fmt::format("eco2-run-{}", ::getpid()); }

std::vector<long> members(const std::filesystem::path& dir) {
    std::vector<long> pids;
    auto procs = sys::default_reader().read(dir / "cgroup.procs");
    std::string_view list = procs.ok() ? std::string_view(procs.text) : std::string_view();
    while (!list.empty()) {
        std::size_t eol = list.find('\n');
        if (auto pid = sys::parse_u64(list.substr(0, eol))) pids.push_back(static_cast<long>(*pid));
        list.remove_prefix(eol == std::string_view::npos ? list.size() : eol + 1);
    }
    return pids;
}

bool write_text(const std::filesystem::path& file, const std::string& text) {
    int fd = ::open(file.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return false;
    bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
    ::close(fd);
    return ok;
}

// Empties dir into home (processes left running keep running there), then removes dir. A cgroup whose last
// process has just been reaped may be busy for a moment: retried for up to 0.5 s.
std::size_t empty_and_remove(const std::filesystem::path& dir, const std::filesystem::path& home,
                             std::vector<std::string>& notes) {
    std::size_t moved = 0;
    for (int attempt = 0; attempt < 50; ++attempt) {
        for (long pid : members(dir))
            if (write_text(home / "cgroup.procs", std::to_string(pid))) ++moved;
        if (::rmdir(dir.c_str()) == 0 || errno == ENOENT) return moved;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    notes.push_back(fmt::format("cgroup {} could not be removed ({}): remove it with rmdir once its processes "
                                "have exited",
                                dir.string(), std::strerror(errno)));
    return moved;
}

// Cgroups left by an eco2 run that was killed (SIGKILL leaves no time to clean up): removed when their eco2
// is gone; rmdir refuses those still holding processes.
void remove_stale(const std::filesystem::path& parent) {
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(parent, ec)) {
        const std::string name = entry.path().filename().string();
        constexpr std::string_view prefix = "eco2-run-";
        if (name.compare(0, prefix.size(), prefix) != 0) continue;
        auto pid = sys::parse_u64(std::string_view(name).substr(prefix.size()));
        if (!pid || *pid == static_cast<unsigned long long>(::getpid())) continue;
        if (::kill(static_cast<pid_t>(*pid), 0) != 0 && errno == ESRCH) ::rmdir(entry.path().c_str());
    }
}

}  // namespace

RunCgroup RunCgroup::create(const std::string& where, const sys::FsRoot& fs) {
    RunCgroup cg;
    if (where == "off") {
        cg.m_note = "--cgroup off";
        return cg;
    }
    const sys::FsRoot live = sys::FsRoot::live();
    if (fs.proc != live.proc || fs.sys != live.sys) {
        cg.m_note = "ECO2_PROC_ROOT/ECO2_SYS_ROOT point at another system";
        return cg;
    }
    const sys::FileReader& reader = sys::default_reader();
    auto self_cgroup = reader.read(live.proc / "self" / "cgroup");
    auto mountinfo = reader.read(live.self_mountinfo());
    if (!self_cgroup.ok() || !mountinfo.ok()) {
        cg.m_note = "cannot read /proc/self/cgroup or /proc/self/mountinfo";
        return cg;
    }
    auto v2_path = sys::parse_cgroup_v2_path(self_cgroup.text);
    auto v2_mount = sys::parse_cgroup2_mount(mountinfo.text);
    if (!v2_path || !v2_mount) {
        cg.m_note = "no cgroup v2 hierarchy is mounted";
        return cg;
    }
    const std::filesystem::path home = std::filesystem::path(*v2_mount) / std::filesystem::path(*v2_path).relative_path();
    const std::filesystem::path parent = where.empty() || where == "auto" ? home : std::filesystem::path(where);
    const std::filesystem::path dir = parent / run_name();
    remove_stale(parent);
    if (::mkdir(dir.c_str(), 0755) != 0) {
        cg.m_note = fmt::format("cannot create cgroup {}: {}", dir.string(), std::strerror(errno));
        return cg;
    }
    int procs = ::open((dir / "cgroup.procs").c_str(), O_WRONLY | O_CLOEXEC);
    if (procs < 0 || ::access((dir / "cpu.stat").c_str(), R_OK) != 0) {
        cg.m_note = fmt::format("cgroup {} has no usable cgroup.procs/cpu.stat: {}", dir.string(), std::strerror(errno));
        if (procs >= 0) ::close(procs);
        ::rmdir(dir.c_str());
        return cg;
    }
    cg.m_v2_dir = dir;
    cg.m_v2_home = home;
    cg.m_v2_procs = procs;
    auto controllers = reader.read(dir / "cgroup.controllers");
    if (controllers.ok() && controllers.text.find("memory") != std::string::npos) {
        cg.m_memory_stat = dir / "memory.stat";
        return cg;
    }
    // Hybrid machines: the memory controller is a v1 hierarchy.
    auto v1_path = sys::parse_cgroup_v1_path(self_cgroup.text, "memory");
    auto v1_mount = sys::parse_cgroup1_mount(mountinfo.text, "memory");
    if (!v1_path || !v1_mount) return cg;
    const std::filesystem::path v1_home = std::filesystem::path(*v1_mount) / std::filesystem::path(*v1_path).relative_path();
    const std::filesystem::path v1_dir = v1_home / run_name();
    remove_stale(v1_home);
    if (::mkdir(v1_dir.c_str(), 0755) != 0) return cg;  // CPU from v2 all the same; memory from PSS
    int v1_procs = ::open((v1_dir / "cgroup.procs").c_str(), O_WRONLY | O_CLOEXEC);
    if (v1_procs < 0) {
        ::rmdir(v1_dir.c_str());
        return cg;
    }
    cg.m_v1_dir = v1_dir;
    cg.m_v1_home = v1_home;
    cg.m_v1_procs = v1_procs;
    cg.m_memory_stat = v1_dir / "memory.stat";
    return cg;
}

RunCgroup::RunCgroup(RunCgroup&& o) noexcept
    : m_v2_dir(std::move(o.m_v2_dir)), m_v2_home(std::move(o.m_v2_home)), m_v1_dir(std::move(o.m_v1_dir)),
      m_v1_home(std::move(o.m_v1_home)), m_memory_stat(std::move(o.m_memory_stat)), m_v2_procs(o.m_v2_procs),
      m_v1_procs(o.m_v1_procs), m_note(std::move(o.m_note)) {
    o.m_v2_dir.clear();
    o.m_v1_dir.clear();
    o.m_v2_procs = o.m_v1_procs = -1;
}

RunCgroup::~RunCgroup() {
    try {
        remove();
    } catch (...) {  // a destructor must not throw; at worst an empty cgroup stays behind
    }
}

int RunCgroup::join_in_child() const noexcept {
    // "0" moves the writing process. Only write(2) here: this runs between fork and exec.
    if (m_v1_procs >= 0) (void)::write(m_v1_procs, "0", 1);
    if (m_v2_procs >= 0 && ::write(m_v2_procs, "0", 1) != 1) return errno;
    return 0;
}

void RunCgroup::give_up(int error) {
    m_note = fmt::format("cannot move the command into cgroup {}: {}", m_v2_dir.string(), std::strerror(error));
    remove();
    m_memory_stat.clear();
}

std::vector<std::string> RunCgroup::remove() {
    std::vector<std::string> notes;
    if (m_v2_procs >= 0) ::close(m_v2_procs);
    if (m_v1_procs >= 0) ::close(m_v1_procs);
    m_v2_procs = m_v1_procs = -1;
    if (!m_v2_dir.empty()) {
        if (std::size_t moved = empty_and_remove(m_v2_dir, m_v2_home, notes); moved > 0)
            notes.push_back(fmt::format("{} process{} of the command still running moved from cgroup {} to {}", moved,
                                        moved == 1 ? "" : "es", m_v2_dir.string(), m_v2_home.string()));
        m_v2_dir.clear();
    }
    if (!m_v1_dir.empty()) {
        empty_and_remove(m_v1_dir, m_v1_home, notes);
        m_v1_dir.clear();
    }
    return notes;
}

}  // namespace eco2::cli
