#pragma once
// CUDA_VISIBLE_DEVICES and CUDA_DEVICE_ORDER, read as CUDA reads them: which NVML GPUs (and MIG slices) a job
// sees. Pure functions of the variables' values and of what NVML says about the GPUs.

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace eco2::detail {

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

/// Whether `s` is a non-empty run of decimal digits.
bool all_digits(std::string_view s) noexcept;

/// Whether a CUDA_VISIBLE_DEVICES value has an index entry (the only kind CUDA_DEVICE_ORDER affects).
bool has_index_entry(std::string_view value) noexcept;

}  // namespace eco2::detail
