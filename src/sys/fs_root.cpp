#include "sys/fs_root.hpp"

namespace eco2::sys {

FsRoot FsRoot::live() { return FsRoot{"/proc", "/sys"}; }

std::filesystem::path FsRoot::map_sys_mount(std::string_view live_mount_point) const {
    constexpr std::string_view live_sys = "/sys";
    if (live_mount_point.substr(0, live_sys.size()) != live_sys) return {};
    std::string_view rest = live_mount_point.substr(live_sys.size());
    if (!rest.empty() && rest.front() != '/') return {};
    while (!rest.empty() && rest.front() == '/') rest.remove_prefix(1);
    return rest.empty() ? sys : sys / rest;
}

}  // namespace eco2::sys
