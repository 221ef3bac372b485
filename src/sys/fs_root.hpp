#pragma once
// The one place that knows where procfs and sysfs live. Everything else builds paths from an FsRoot, so
// tests (and containers monitoring a host) can point eco2 at another tree.

#include <filesystem>
#include <string>

namespace eco2::sys {

struct FsRoot {
    std::filesystem::path proc;  ///< procfs root ("/proc" on a live system)
    std::filesystem::path sys;   ///< sysfs root ("/sys" on a live system)

    /// The live system. Roots chosen by the user (SystemPaths, ECO2_PROC_ROOT...) come from
    /// SystemContext::resolve (sys/system_context.hpp), which reads the environment snapshot.
    static FsRoot live();

    std::filesystem::path powercap() const { return sys / "class" / "powercap"; }
    /// DRM devices (GPUs: card0, card1...).
    std::filesystem::path drm() const { return sys / "class" / "drm"; }
    std::filesystem::path cpu_online() const { return sys / "devices" / "system" / "cpu" / "online"; }
    std::filesystem::path cgroup2() const { return sys / "fs" / "cgroup"; }
    std::filesystem::path proc_stat() const { return proc / "stat"; }
    std::filesystem::path meminfo() const { return proc / "meminfo"; }
    std::filesystem::path loadavg() const { return proc / "loadavg"; }
    std::filesystem::path cpuinfo() const { return proc / "cpuinfo"; }
    std::filesystem::path pid_dir(int pid) const { return proc / std::to_string(pid); }
    std::filesystem::path self_mountinfo() const { return proc / "self" / "mountinfo"; }
    std::filesystem::path self_status() const { return proc / "self" / "status"; }
    std::filesystem::path self_pid_ns() const { return proc / "self" / "ns" / "pid"; }
    /// The running program (a symbolic link to it).
    std::filesystem::path self_exe() const { return proc / "self" / "exe"; }
    /// Maps a mount point of the live system ("/sys/fs/cgroup") into this root; empty if outside sysfs.
    std::filesystem::path map_sys_mount(std::string_view live_mount_point) const;
};

}  // namespace eco2::sys
