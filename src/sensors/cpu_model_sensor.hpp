#pragma once
// Modelled (estimated) CPU energy, eco2AI's method done with CPU time instead of sampled percentages:
//   P = TDP x CPU time / (wall time x online CPUs)  ->  E = TDP x CPU seconds / online CPUs
// Labelled estimated wherever it is shown.

#include <memory>
#include <optional>
#include <string>

#include "sensors/backend.hpp"
#include "sensors/rapl_sensor.hpp"
#include "sensors/sensor.hpp"
#include "sys/file_reader.hpp"
#include "sys/fs_root.hpp"

namespace eco2::detail {

/// eco2AI's CPU power when the CPU is unknown, W.
inline constexpr double DEFAULT_TDP_W = 100.0;

/// What the machine's CPU is, as far as the TDP model needs it.
struct CpuDescription {
    std::string name;        ///< /proc/cpuinfo model name ("unknown" if none)
    int sockets = 1;
    int online_cpus = 1;     ///< logical CPUs online
    double tdp_w = DEFAULT_TDP_W;  ///< whole machine (all sockets)
    std::string tdp_source;  ///< where tdp_w came from
    bool tdp_known = false;  ///< false when the 100 W default is used
};

/// Reads cpuinfo and the online CPU list, then picks the TDP: the user's TDP > powercap rating > built-in
/// table (the user's CPU name, else cpuinfo's) > 100 W. Throws eco2::Error(invalid_argument) when the user's
/// CPU name is not in the table.
CpuDescription describe_cpu(const sys::FsRoot& fs, const sys::FileReader& reader,
                            const std::optional<PowercapTdp>& powercap, const CpuHint& hint = {});

/// TDP-model CPU sensor: one energy counter, TDP x (tree or machine busy) CPU seconds / online CPUs.
std::unique_ptr<Sensor> make_cpu_model_sensor(const CpuDescription& cpu, Scope scope);

/// The back end: always available; names the CPU for the record, and says when its TDP is a guess.
Discovery discover_cpu_model(const sys::SystemContext& context, const DiscoveryRequest& request);
inline constexpr Backend CPU_MODEL_BACKEND{"cpu-model", Component::cpu, PRIORITY_MODEL, &discover_cpu_model};

}  // namespace eco2::detail
