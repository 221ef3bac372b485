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

/// The GPUs CUDA_VISIBLE_DEVICES makes visible, following CUDA's rules.
struct VisibleDevices {
    std::vector<unsigned int>
        indices;             ///< NVML indices in list order, each once (a repeat is not counted twice)
    std::string stopped_at;  ///< the first entry that matched no GPU (it and later ones are ignored)
    /// MIG entries, each with the NVML index of its parent GPU; the parent is in `indices` only when it is
    /// also named whole.
    struct Mig {
        unsigned int parent = 0;
        std::string id;  ///< the entry as written ("MIG-<uuid>" or "MIG-GPU-<uuid>/<gi>/<ci>")
    };
    std::vector<Mig> mig;
};

/// What CUDA_VISIBLE_DEVICES entries are matched against.
struct CudaDeviceMap {
    std::vector<std::string> uuids;  ///< uuids[i]: the UUID of NVML index i, empty when unknown
    /// CUDA ordinal -> NVML index, for index entries (CUDA_DEVICE_ORDER); empty: the NVML (PCI bus) order.
    std::vector<unsigned int> cuda_order;
    /// A MIG entry -> the NVML index of its parent GPU; nullopt (or no function): the entry matches nothing.
    std::function<std::optional<unsigned int>(std::string_view)> mig_parent;
};

/// Parses a CUDA_VISIBLE_DEVICES value against the machine's GPUs (`uuids[i]` is the UUID of NVML index i,
/// empty when unknown). Entries are comma-separated, surrounding blanks ignored: a decimal index, or "GPU-"
/// followed by a full UUID or a prefix that matches exactly one GPU. The first entry that is none of these (a
/// bad index, -1, an unknown or ambiguous UUID, a MIG-... id this overload cannot resolve, an empty entry)
/// ends the list, as in CUDA. An empty value selects no GPU. Indices are taken as NVML indices (CUDA's order
/// with CUDA_DEVICE_ORDER=PCI_BUS_ID; see the CudaDeviceMap overload for FASTEST_FIRST); UUIDs are exact.
VisibleDevices parse_cuda_visible_devices(std::string_view value, const std::vector<std::string>& uuids);
/// Same, with CUDA's device order for indices and MIG entries ("MIG-..." ids, resolved by map.mig_parent).
VisibleDevices parse_cuda_visible_devices(std::string_view value, const CudaDeviceMap& map);

/// CUDA ordinal -> NVML index under CUDA_DEVICE_ORDER `order` (nullopt: CUDA's default FASTEST_FIRST).
/// PCI_BUS_ID is NVML's order (identity). FASTEST_FIRST is estimated: GPUs by descending CUDA cores x max SM
/// clock, ties (identical GPUs) in PCI bus order; `score[i]` is that product for NVML index i, 0 when
/// unknown, and any unknown score falls back to the PCI bus order. Sets `note` when the result may differ
/// from CUDA's.
std::vector<unsigned int> cuda_device_order(const std::optional<std::string>& order,
                                            const std::vector<double>& score, std::string& note);

}  // namespace eco2::detail
