#pragma once
// The cgroups `eco2 run` makes for the command: a cgroup v2 of its own, whose cpu.stat gives the whole
// tree's CPU time in µs (orphans and daemons included), and, on hybrid machines where the memory controller
// is a v1 hierarchy, a v1 memory cgroup for the tree's resident memory. The command joins them between fork
// and exec. Nothing here is an error: where a cgroup cannot be made, the run uses /proc and says so.

#include <filesystem>
#include <string>
#include <vector>

#include "sys/fs_root.hpp"

namespace eco2::cli {

class RunCgroup {
public:
    /// where: "auto" (a child of eco2's own cgroup v2, where it may create one), "off", or a cgroup v2
    /// directory to create the run's cgroup in. Never throws for a refusal: active() is then false and
    /// note() says why.
    static RunCgroup create(const std::string& where, const sys::FsRoot& fs);

    RunCgroup() = default;
    RunCgroup(RunCgroup&&) noexcept;
    RunCgroup& operator=(RunCgroup&&) = delete;
    RunCgroup(const RunCgroup&) = delete;
    ~RunCgroup();  ///< removes what remove() did not

    bool active() const noexcept { return !m_v2_dir.empty(); }
    /// Why no cgroup is used (empty when active()); worth showing when the user named a directory.
    const std::string& note() const noexcept { return m_note; }
    /// The cgroup v2 directory (under /sys) and the memory.stat to read (v2 or v1; empty: none).
    const std::filesystem::path& cpu_dir() const noexcept { return m_v2_dir; }
    const std::filesystem::path& memory_stat() const noexcept { return m_memory_stat; }
    bool memory_v1() const noexcept { return !m_v1_dir.empty(); }

    /// In the forked child, before exec: joins the cgroups (async-signal-safe). Returns 0 or the errno of
    /// the v2 join (then the parent gives the cgroup up, see give_up()).
    int join_in_child() const noexcept;
    /// The command did not get into the v2 cgroup: remove it and measure from /proc.
    void give_up(int error);

    /// After the measurement: processes still in the cgroups (left running) are moved back to eco2's own
    /// cgroups, which are then removed. Nothing is killed. Returns what the user should know.
    std::vector<std::string> remove();

private:
    std::filesystem::path m_v2_dir, m_v2_home, m_v1_dir, m_v1_home, m_memory_stat;
    int m_v2_procs = -1, m_v1_procs = -1;
    std::string m_note;
};

}  // namespace eco2::cli
