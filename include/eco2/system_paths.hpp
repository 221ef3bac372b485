#pragma once
/// \file system_paths.hpp
/// eco2::SystemPaths: where eco2 reads the system from (procfs, sysfs, the NVML library).

#include <filesystem>
#include <string>

namespace eco2 {

/// Where eco2 reads the system from. Defaults come from ECO2_PROC_ROOT, ECO2_SYS_ROOT and
/// ECO2_NVML_LIBRARY, else the real system.
struct SystemPaths {
    std::filesystem::path proc_root;  ///< empty: $ECO2_PROC_ROOT or /proc
    std::filesystem::path sys_root;   ///< empty: $ECO2_SYS_ROOT or /sys
    std::string nvml_library;         ///< empty: $ECO2_NVML_LIBRARY or libnvidia-ml.so.1
};

}  // namespace eco2
