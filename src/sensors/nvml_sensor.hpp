#pragma once
// NVIDIA GPUs through NVML: one channel per visible GPU, "nvml.gpu.<NVML index>". The total-energy counter
// (Volta and newer) is preferred; older GPUs fall back to sampled power (the instantaneous-power field, else
// nvmlDeviceGetPowerUsage), which the accumulator integrates.
//
// In process scope a GPU's energy counts only while a tracked process has a context on it (process lists,
// checked at least every 0.5 s; see Accumulator::settle). Where a GPU cannot list its processes, all of its
// energy counts (every visible GPU is assumed to be the job's), and the report says so.
//
// MIG: a CUDA_VISIBLE_DEVICES entry naming a MIG device counts on its parent GPU's channel (one channel per
// physical GPU, never more than the GPU's energy), scaled by the slices' share of the GPU (compute-instance
// slices / MIG slots), and only while a tracked process is on one of those slices. See docs/gpu.md.

#include <sys/types.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "eco2/sensor.hpp"
#include "sensors/backend.hpp"
#include "sensors/cuda_visible_devices.hpp"
#include "sensors/nvml_api.hpp"
#include "sensors/sensor.hpp"

namespace eco2::detail {

/// How to find and filter NVIDIA GPUs.
struct NvmlOptions {
    /// Library to dlopen (name or path). Empty, or "libnvidia-ml.so.1": that name, then "libnvidia-ml.so".
    /// discover_nvml takes it from the SystemContext (ECO2_NVML_LIBRARY resolved there).
    std::string library;
    Scope scope = Scope::process;
    /// Value of CUDA_VISIBLE_DEVICES, nullopt when unset (all GPUs). Applied in both scopes; pass nullopt to
    /// count every GPU of the machine.
    std::optional<std::string> cuda_visible_devices;
    /// Value of CUDA_DEVICE_ORDER (nullopt: unset, CUDA's default FASTEST_FIRST). Matters only for indices in
    /// cuda_visible_devices.
    std::optional<std::string> cuda_device_order;
    /// How NVML's pids (those of the initial pid namespace) are matched to the tree's; see PidMapping.
    struct PidMapping {
        enum class Kind {
            same,          ///< eco2 is in the initial pid namespace: NVML's pids are the tree's
            nspid,         ///< the procfs shows outer namespaces: match any NSpid entry of a tracked pid
            unresolvable,  ///< a container's own procfs: host pids cannot be matched (any process counts)
        };
        Kind kind = Kind::same;
        /// Kind::nspid: the NSpid entries of a tracked pid, outermost first (empty when unreadable).
        std::function<std::vector<pid_t>(pid_t)> nspid;
    } pids;
};

/// What eco2's procfs says about pid namespaces, for NvmlOptions::pids: `ns_link` is the target of
/// /proc/self/ns/pid (empty when unreadable: taken as the initial namespace), `self_nspid_count` the number
/// of entries of the NSpid line of /proc/self/status (nullopt when missing).
NvmlOptions::PidMapping::Kind pid_mapping_kind(std::string_view ns_link, std::optional<int> self_nspid_count);

/// All pids of an NSpid line of a /proc/<pid>/status, outermost first; empty when the line is missing.
std::vector<pid_t> parse_status_nspid(std::string_view status);

/// Probes NVML through dlopen and builds the GPU sensor. Returns nullptr when there is nothing to measure,
/// with `report` saying why: absent (no library: fix names the driver and ECO2_NVML_LIBRARY; or no visible
/// GPU), failed (nvmlInit or device enumeration failed, with NVML's error string), unsupported (GPUs seen,
/// none readable). Otherwise `report` is available and lists the channels. Throws only std::bad_alloc.
std::unique_ptr<Sensor> make_nvml_sensor(const NvmlOptions& options, ProbeReport& report);

/// Same, with the function table injected (tests). The table must stay valid for the sensor's life; the
/// sensor calls api.shutdown() on destruction and, when the probe fails after a successful api.init(), before
/// returning.
std::unique_ptr<Sensor> make_nvml_sensor(NvmlApi api, const NvmlOptions& options, ProbeReport& report);

/// The NVML options of a run on `context`: its library, CUDA_VISIBLE_DEVICES (process scope only: the machine
/// scope counts every GPU) and CUDA_DEVICE_ORDER from the environment snapshot, and in process scope how NVML's
/// pids map to the tree's (from the procfs's pid namespace).
NvmlOptions nvml_options(const sys::SystemContext& context, Scope scope);

/// The back end: NVIDIA GPUs, one channel per visible GPU.
Discovery discover_nvml(const sys::SystemContext& context, const DiscoveryRequest& request);
inline constexpr Backend NVML_BACKEND{"nvml", Component::gpu, PRIORITY_COUNTER, &discover_nvml};

}  // namespace eco2::detail
