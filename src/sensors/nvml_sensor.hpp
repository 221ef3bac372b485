#pragma once
// NVIDIA GPUs through NVML: one channel per visible GPU, "nvml.gpu.<NVML index>". The total-energy counter
// (Volta and newer) is preferred; older GPUs fall back to sampled power (the instantaneous-power field, else
// nvmlDeviceGetPowerUsage), which the accumulator integrates.
//
// In process scope a GPU's energy counts only while a tracked process has a context on it (process lists,
// read at the slow rate). Where a GPU cannot list its processes, all of its energy counts (every visible GPU
// is assumed to be the job's), and the report says so.

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "eco2/sensor.hpp"
#include "sensors/nvml_api.hpp"
#include "sensors/sensor.hpp"

namespace eco2::detail {

/// How to find and filter NVIDIA GPUs.
struct NvmlOptions {
    /// Library to dlopen (name or path). Empty, or "libnvidia-ml.so.1": that name, then "libnvidia-ml.so".
    /// The caller resolves ECO2_NVML_LIBRARY (sys::resolve_nvml_library); this back end reads no environment.
    std::string library;
    Scope scope = Scope::process;
    /// Value of CUDA_VISIBLE_DEVICES, nullopt when unset (all GPUs). Applied in both scopes; pass nullopt to
    /// count every GPU of the machine.
    std::optional<std::string> cuda_visible_devices;
};

/// Probes NVML through dlopen and builds the GPU sensor. Returns nullptr when there is nothing to measure,
/// with `report` saying why: absent (no library: fix names the driver and ECO2_NVML_LIBRARY; or no visible
/// GPU), failed (nvmlInit or device enumeration failed, with NVML's error string), unsupported (GPUs seen,
/// none readable). Otherwise `report` is available and lists the channels. Throws only std::bad_alloc.
std::unique_ptr<Sensor> make_nvml_sensor(const NvmlOptions& options, ProbeReport& report);

/// Same, with the function table injected (tests). The table must stay valid for the sensor's life; the
/// sensor calls api.shutdown() on destruction and, when the probe fails after a successful api.init(), before
/// returning.
std::unique_ptr<Sensor> make_nvml_sensor(NvmlApi api, const NvmlOptions& options, ProbeReport& report);

/// The GPUs CUDA_VISIBLE_DEVICES makes visible, following CUDA's rules.
struct VisibleDevices {
    std::vector<unsigned int>
        indices;             ///< NVML indices in list order, each once (a repeat is not counted twice)
    std::string stopped_at;  ///< the first entry that matched no GPU (it and later ones are ignored)
};

/// Parses a CUDA_VISIBLE_DEVICES value against the machine's GPUs (`uuids[i]` is the UUID of NVML index i,
/// empty when unknown). Entries are comma-separated, surrounding blanks ignored: a decimal index, or "GPU-"
/// followed by a full UUID or a prefix that matches exactly one GPU. The first entry that is none of these (a
/// bad index, -1, an unknown or ambiguous UUID, a MIG-... id, an empty entry) ends the list, as in CUDA. An
/// empty value selects no GPU. Indices are taken as NVML indices, which match CUDA's numbering reliably only
/// with CUDA_DEVICE_ORDER=PCI_BUS_ID (CUDA's default order, FASTEST_FIRST, may put a faster GPU first on a
/// machine of mixed GPUs); UUIDs are exact.
VisibleDevices parse_cuda_visible_devices(std::string_view value, const std::vector<std::string>& uuids);

}  // namespace eco2::detail
