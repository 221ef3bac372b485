#pragma once
// Discovery, written once: every back end of the list (registry.cpp, in order) is probed on the
// SystemContext, then the selection policy (selection.hpp) picks what is sampled. Tracker::start() and
// probe_sensors() (`eco2 sensors`) both call discover_sensors().

#include <array>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "sensors/backend.hpp"
#include "sensors/sensor.hpp"
#include "sys/system_context.hpp"

namespace eco2::detail {

struct SensorSet {
    std::vector<std::unique_ptr<Sensor>> sensors;  ///< the ones to sample, in list order
    std::vector<ProbeReport> reports;              ///< every back end, used or not, in list order
    /// The best sensor giving each component (may be null); with GPUs the first of those that add up.
    Sensor* cpu = nullptr;
    Sensor* gpu = nullptr;
    Sensor* ram = nullptr;
    /// Every sensor used for each component (index_of(Component)), in list order.
    std::array<std::vector<Sensor*>, 3> used;
    /// The record's source of a component nothing measures: "none (nvml: absent)" (set at discovery).
    std::array<std::string, 3> none_source;
    std::string cpu_name;
};

/// The back ends compiled into this build, best source first (the explicit list; build options remove entries).
std::span<const Backend> backends() noexcept;

/// Probes every back end of `list` and selects the sensors to sample. Throws eco2::Error only on bad user
/// input (an unknown CPU name), never for missing hardware.
SensorSet discover_sensors(std::span<const Backend> list, const sys::SystemContext& context,
                           const DiscoveryRequest& request);
/// Same with backends().
SensorSet discover_sensors(const sys::SystemContext& context, const DiscoveryRequest& request);

/// The machine-wide TreeSample fields the set's sensors read. The tracker reads what these and the
/// accumulator (Accumulator::machine_fields) need, and nothing more.
MachineFields machine_fields(const SensorSet& set) noexcept;

/// The record's words for one component.
struct ComponentSource {
    std::string source;   ///< the used sensors' sources joined by " + "; none: "none (<back end>: <status>)"
    bool estimated = false;  ///< any used sensor is modelled
    std::string devices;  ///< device names joined by ", " (GPU_name, CPU_name)
};
ComponentSource describe_component(const SensorSet& set, Component c);

}  // namespace eco2::detail
