#pragma once
// The explicit, ordered list of back ends, best source first:
//   CPU: RAPL packages > TDP model (powercap rating > built-in table > 100 W)
//   RAM: RAPL dram (machine scope only) > 0.375 W/GiB model
//   GPU: NVML
// No self-registration: adding a back end means adding it here.

#include <memory>
#include <string>
#include <vector>

#include "sensors/model_sensors.hpp"
#include "sensors/nvml_sensor.hpp"
#include "sensors/sensor.hpp"
#include "sys/file_reader.hpp"
#include "sys/fs_root.hpp"

namespace eco2::detail {

struct SensorSet {
    std::vector<std::unique_ptr<Sensor>> sensors;  ///< the ones to sample
    std::vector<ProbeReport> reports;              ///< every back end, used or not
    Sensor* cpu = nullptr;                         ///< the sensor giving each component (may be null)
    Sensor* gpu = nullptr;
    Sensor* ram = nullptr;
    std::string cpu_name;
};

SensorSet build_sensors(const sys::FsRoot& fs, const sys::FileReader& reader, Scope scope,
                        const NvmlOptions& nvml, const CpuHint& cpu_hint = {});

/// The machine-wide TreeSample fields the set's sensors read. The tracker reads what these and the
/// accumulator (Accumulator::machine_fields) need, and nothing more.
MachineFields machine_fields(const SensorSet& set) noexcept;

}  // namespace eco2::detail
