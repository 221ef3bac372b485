#include "sys/fs_root.hpp"

#include <cstdlib>

#include "eco2/system_paths.hpp"

namespace eco2::sys {
namespace {

std::filesystem::path pick(const std::filesystem::path& explicit_path, const char* env, const char* live) {
    if (!explicit_path.empty()) return explicit_path;
    if (const char* v = std::getenv(env); v != nullptr && *v != '\0') return v;
    return live;
}

}  // namespace

FsRoot FsRoot::resolve(const SystemPaths& paths) {
    return FsRoot{pick(paths.proc_root, "ECO2_PROC_ROOT", "/proc"), pick(paths.sys_root, "ECO2_SYS_ROOT", "/sys")};
}

FsRoot FsRoot::live() { return FsRoot{"/proc", "/sys"}; }

std::filesystem::path FsRoot::map_sys_mount(std::string_view live_mount_point) const {
    constexpr std::string_view live_sys = "/sys";
    if (live_mount_point.substr(0, live_sys.size()) != live_sys) return {};
    std::string_view rest = live_mount_point.substr(live_sys.size());
    if (!rest.empty() && rest.front() != '/') return {};
    while (!rest.empty() && rest.front() == '/') rest.remove_prefix(1);
    return rest.empty() ? sys : sys / rest;
}

std::string resolve_nvml_library(const std::string& explicit_path) {
    return pick(explicit_path, "ECO2_NVML_LIBRARY", "libnvidia-ml.so.1").string();
}

}  // namespace eco2::sys
