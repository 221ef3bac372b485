#pragma once
// Internals of the NVML back end shared by its files: how one GPU is read (nvml_sensor.cpp), probed
// (nvml_probe.cpp) and narrowed to MIG slices (nvml_mig.cpp). Not for use outside src/sensors/nvml_*.

#include <optional>
#include <string>
#include <vector>

#include "sensors/nvml_api.hpp"
#include "sensors/nvml_sensor.hpp"

namespace eco2::detail::nvml {

/// How a GPU's channel is read; fixed at probe.
enum class Reading {
    energy_counter,  ///< nvmlDeviceGetTotalEnergyConsumption, mJ
    power_field,     ///< nvmlDeviceGetFieldValues(NVML_FI_DEV_POWER_INSTANT), mW
    power_usage,     ///< nvmlDeviceGetPowerUsage, mW
};

struct Gpu {
    unsigned int index = 0;
    NvmlDevice device = nullptr;
    std::string name;
    Reading reading = Reading::energy_counter;
    bool list_compute = false;       // process scope: list compute processes in slow_update
    bool list_graphics = false;      // process scope: list graphics processes too
    double share = 1.0;              // MIG: the selected slices' share of the GPU's energy (<= 1)
    std::vector<NvmlDevice> slices;  // MIG: the selected MIG devices, listed instead of the GPU
};

// A MIG device named by CUDA_VISIBLE_DEVICES, resolved to its parent GPU.
struct MigSlice {
    unsigned int parent = 0;
    NvmlDevice handle = nullptr;  // null when the MIG device itself could not be found (share unknown)
    std::string id;
};

inline std::string gpu_label(unsigned int index) { return "gpu" + std::to_string(index); }

/// One reading of a GPU in SI units (J or W); `out` is written only on success. Allocation-free.
NvmlReturn read_gpu(const NvmlApi& api, const Gpu& gpu, double& out) noexcept;

// Whether a process-list function answers on this device. Asking with an empty buffer is the documented way
// to get the count: NVML_SUCCESS (no process) or NVML_ERROR_INSUFFICIENT_SIZE (some) both mean it works.
template <typename Info>
NvmlReturn probe_listing(NvmlReturn (*fn)(NvmlDevice, unsigned int*, Info*), NvmlDevice device) noexcept {
    if (fn == nullptr) return NVML_ERROR_FUNCTION_NOT_FOUND;
    unsigned int count = 0;
    const NvmlReturn rc = fn(device, &count, nullptr);
    return rc == NVML_ERROR_INSUFFICIENT_SIZE ? NVML_SUCCESS : rc;
}

// Lists processes into `buffer`, growing it when NVML asks for more room (processes may start between the two

/// The sensor over the probed GPUs. `library` (when the probe opened one) is closed after the destructor's
/// nvmlShutdown.
std::unique_ptr<Sensor> make_sensor(NvmlApi api, std::optional<NvmlLibrary> library, std::vector<Gpu> gpus,
                                    std::string source, NvmlOptions::PidMapping pids);

/// Resolves a MIG entry of CUDA_VISIBLE_DEVICES to its parent GPU (and the MIG device, where found).
std::optional<MigSlice> resolve_mig(const NvmlApi& api, const std::vector<NvmlDevice>& handles,
                                    const std::vector<NvmlReturn>& handle_rc,
                                    const std::vector<std::string>& uuids, std::string_view id);

/// A GPU of which only MIG slices are visible: sets g.share (the slices' compute-instance slices over the
/// GPU's MIG slots, at most 1) and g.slices (listed instead of the GPU). Returns the record's words for it.
std::string mig_share(const NvmlApi& api, Gpu& g, const std::vector<MigSlice>& mig);

}  // namespace eco2::detail::nvml
