#pragma once
// Intel/AMD RAPL energy counters through the powercap sysfs interface.
//
// Zones: every top-level "package-N" zone, and its "dram" sub-zone when present. "core" and "uncore"
// sub-zones sit inside their package and are skipped (no double counting); so is "psys" (the platform
// domain contains the packages) and the intel-rapl-mmio duplicate of the package counter.

#include <memory>
#include <optional>
#include <string>

#include "sensors/backend.hpp"
#include "sensors/sensor.hpp"
#include "sys/file_reader.hpp"
#include "sys/fs_root.hpp"

namespace eco2::detail {

/// CPU power rating read from powercap (readable without privileges, unlike energy_uj).
struct PowercapTdp {
    double watts = 0.0;  ///< sum over packages
    int packages = 0;
    std::string source;  ///< e.g. "powercap constraint_0_max_power_uw (2 packages)"
};

struct RaplProbe {
    std::unique_ptr<Sensor> package;  ///< CPU packages (null when unusable)
    std::unique_ptr<Sensor> dram;     ///< DRAM domains (null when absent or unusable)
    ProbeReport report;
    std::optional<PowercapTdp> tdp;
};

/// Probes powercap under fs.powercap(). Scope::process gives channels Attribution::cpu_share.
RaplProbe probe_rapl(const sys::FsRoot& fs, const sys::FileReader& reader, Scope scope);

/// TDP from the package zones' long-term constraint, if any is readable.
std::optional<PowercapTdp> read_powercap_tdp(const sys::FsRoot& fs, const sys::FileReader& reader);

/// The back end: offers the packages for the CPU and the DRAM domains for RAM (usable in machine scope only:
/// DRAM energy is machine-wide and RAPL has no per-process share of it).
Discovery discover_rapl(const sys::SystemContext& context, const DiscoveryRequest& request);
inline constexpr Backend RAPL_BACKEND{"rapl", Component::cpu, PRIORITY_COUNTER, &discover_rapl};

}  // namespace eco2::detail
