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

/// What the user says about the CPU (TrackerConfig::cpu_tdp_w, cpu_name, cpu_tdp_origin).
struct CpuHint {
    std::optional<double> tdp_w;  ///< whole machine, W
    std::string name;             ///< model to look up in the table instead of cpuinfo's
    std::string origin;           ///< "--cpu-tdp", "ECO2_CPU_TDP"...
};

/// Reads cpuinfo and the online CPU list, then picks the TDP: the user's TDP > powercap rating > built-in
/// table (the user's CPU name, else cpuinfo's) > 100 W. Throws eco2::Error(invalid_argument) when the user's
/// CPU name is not in the table.
CpuDescription describe_cpu(const sys::FsRoot& fs, const sys::FileReader& reader,
                            const std::optional<PowercapTdp>& powercap, const CpuHint& hint = {});

/// TDP-model CPU sensor: one energy counter, TDP x (tree or machine busy) CPU seconds / online CPUs.
std::unique_ptr<Sensor> make_cpu_model_sensor(const CpuDescription& cpu, Scope scope);

/// RAM model: one power channel, 0.375 W/GiB x (tree resident memory, or machine used memory).
std::unique_ptr<Sensor> make_ram_model_sensor(Scope scope);

}  // namespace eco2::detail
