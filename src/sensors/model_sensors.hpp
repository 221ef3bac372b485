#pragma once
// Modelled (estimated) energy, eco2AI's method done with CPU time instead of sampled percentages:
//   CPU: P = TDP x CPU time / (wall time x online CPUs)  ->  E = TDP x CPU seconds / online CPUs
//   RAM: P = 0.375 W per GiB of resident memory
// Both are labelled estimated wherever they are shown.

#include <memory>
#include <optional>
#include <string>

#include "sensors/rapl_sensor.hpp"
#include "sensors/sensor.hpp"
#include "sys/file_reader.hpp"
#include "sys/fs_root.hpp"

namespace eco2::detail {

/// eco2AI's CPU power when the CPU is unknown, W.
inline constexpr double DEFAULT_TDP_W = 100.0;
/// eco2AI's RAM power per GiB of resident memory, W/GiB.
inline constexpr double RAM_W_PER_GIB = 0.375;

/// What the machine's CPU is, as far as the TDP model needs it.
struct CpuDescription {
    std::string name;        ///< /proc/cpuinfo model name ("unknown" if none)
    int sockets = 1;
    int online_cpus = 1;     ///< logical CPUs online
    double tdp_w = DEFAULT_TDP_W;  ///< whole machine (all sockets)
    std::string tdp_source;  ///< where tdp_w came from
    bool tdp_known = false;  ///< false when the 100 W default is used
};

/// Reads cpuinfo and the online CPU list, then picks the TDP: powercap rating > built-in table > 100 W.
CpuDescription describe_cpu(const sys::FsRoot& fs, const sys::FileReader& reader,
                            const std::optional<PowercapTdp>& powercap);

/// TDP-model CPU sensor: one energy counter, TDP x (tree or machine busy) CPU seconds / online CPUs.
std::unique_ptr<Sensor> make_cpu_model_sensor(const CpuDescription& cpu, Scope scope);

/// RAM model: one power channel, 0.375 W/GiB x (tree resident memory, or machine used memory).
std::unique_ptr<Sensor> make_ram_model_sensor(Scope scope);

}  // namespace eco2::detail
