#pragma once
// The back-end contract. A back end is a name, the component it measures, a priority and a discover function
// run once on the SystemContext. Discovery reports what it found (absence is data) and offers sensors; the
// selection policy (sensors/selection.hpp) then decides which offers are sampled. The back ends are listed
// once, in order, in sensors/registry.cpp; adding one adds a file pair and a line there.

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "eco2/sensor.hpp"
#include "sensors/sensor.hpp"
#include "sys/system_context.hpp"

namespace eco2::detail {

/// What the user says about the CPU (TrackerConfig::cpu_tdp_w, cpu_name, cpu_tdp_origin).
struct CpuHint {
    std::optional<double> tdp_w;  ///< whole machine, W
    std::string name;             ///< model to look up in the table instead of cpuinfo's
    std::string origin;           ///< "--cpu-tdp", "ECO2_CPU_TDP"...
};

/// The caller's choices discovery needs; everything about the machine comes from the SystemContext.
struct DiscoveryRequest {
    Scope scope = Scope::process;
    CpuHint cpu;
};

/// A sensor a back end offers for one component.
struct Offer {
    std::unique_ptr<Sensor> sensor;
    Component component = Component::cpu;
    /// Said in the report of each source this one displaces, after "not used: " (e.g. "RAPL measures the CPU").
    std::string measures;
    /// Non-empty: the sensor works but is not to be used here (e.g. machine-wide DRAM in process scope); the
    /// report of the source used instead says this.
    std::string unusable;
};

/// What one back end's discovery found.
struct Discovery {
    ProbeReport report;         ///< always filled: status, reason, fix, channels
    std::vector<Offer> offers;  ///< empty when the back end has nothing to measure
    std::string cpu_name;       ///< the CPU's model name, from the back end that reads it (for the record)
};

/// One back end. Discovery never throws for absent or broken hardware (that is the report's status); it
/// throws eco2::Error only for bad user input (an unknown --cpu-name) and std::bad_alloc.
struct Backend {
    std::string_view name;  ///< the report's backend name ("rapl", "nvml"...)
    Component component;    ///< what it measures (its offers may add another: RAPL's DRAM domains)
    /// Within a component, the best usable offer wins (counters 100 > models 10); ties: the earlier in the list.
    /// GPU offers add up instead (several GPU back ends measure different devices).
    int priority;
    Discovery (*discover)(const sys::SystemContext& context, const DiscoveryRequest& request);
};

/// Priorities of the built-in back ends.
inline constexpr int PRIORITY_COUNTER = 100;  ///< hardware energy counters and power readings
inline constexpr int PRIORITY_MODEL = 10;     ///< estimates (TDP x CPU time, W per GiB)

}  // namespace eco2::detail
