// MIG devices named by CUDA_VISIBLE_DEVICES: their parent GPU and their share of its energy.

#include <algorithm>
#include <charconv>

#include "sensors/nvml_gpu.hpp"

namespace eco2::detail::nvml {
namespace {

std::string uuid_of(const NvmlApi& api, NvmlDevice d) {
    char buf[NVML_DEVICE_UUID_BUFFER] = {};
    if (api.device_get_uuid == nullptr || api.device_get_uuid(d, buf, sizeof buf) != NVML_SUCCESS) return {};
    return buf;
}

std::optional<unsigned int> exact_index(const std::vector<std::string>& uuids, std::string_view uuid) {
    for (unsigned int i = 0; i < uuids.size(); ++i) {
        if (!uuid.empty() && uuids[i] == uuid) return i;
    }
    return std::nullopt;
}

// Calls f on each MIG device of `parent` until it returns true.
template <typename F>
void for_each_mig(const NvmlApi& api, NvmlDevice parent, F f) {
    if (api.device_get_max_mig_device_count == nullptr ||
        api.device_get_mig_device_handle_by_index == nullptr)
        return;
    unsigned int slots = 0;
    if (api.device_get_max_mig_device_count(parent, &slots) != NVML_SUCCESS) return;
    for (unsigned int k = 0; k < slots; ++k) {
        NvmlDevice m = nullptr;
        // Empty slots answer NVML_ERROR_NOT_FOUND.
        if (api.device_get_mig_device_handle_by_index(parent, k, &m) == NVML_SUCCESS && m != nullptr && f(m))
            return;
    }
}


}  // namespace

// Resolves a MIG entry of CUDA_VISIBLE_DEVICES to its parent GPU (and the MIG device, where found).
std::optional<MigSlice> resolve_mig(const NvmlApi& api, const std::vector<NvmlDevice>& handles,
                                    const std::vector<NvmlReturn>& handle_rc,
                                    const std::vector<std::string>& uuids, std::string_view id) {
    if (id.size() <= 4 || id.substr(0, 4) != "MIG-") return std::nullopt;
    MigSlice out;
    out.id = std::string(id);
    if (id.substr(0, 8) == "MIG-GPU-") {
        // Before R470: MIG-GPU-<GPU UUID>/<GPU instance id>/<compute instance id>.
        const std::size_t slash = id.find('/');
        if (slash == std::string_view::npos) return std::nullopt;
        const std::optional<unsigned int> parent = exact_index(uuids, id.substr(4, slash - 4));
        if (!parent || handle_rc[*parent] != NVML_SUCCESS) return std::nullopt;
        out.parent = *parent;
        const std::string_view ids = id.substr(slash + 1);
        const std::size_t slash2 = ids.find('/');
        unsigned int gi = 0, ci = 0;
        const bool parsed =
            slash2 != std::string_view::npos && all_digits(ids.substr(0, slash2)) &&
            all_digits(ids.substr(slash2 + 1)) &&
            std::from_chars(ids.data(), ids.data() + slash2, gi).ec == std::errc() &&
            std::from_chars(ids.data() + slash2 + 1, ids.data() + ids.size(), ci).ec == std::errc();
        if (parsed && api.device_get_gpu_instance_id != nullptr &&
            api.device_get_compute_instance_id != nullptr) {
            for_each_mig(api, handles[*parent], [&](NvmlDevice m) {
                unsigned int g = 0, c = 0;
                if (api.device_get_gpu_instance_id(m, &g) == NVML_SUCCESS &&
                    api.device_get_compute_instance_id(m, &c) == NVML_SUCCESS && g == gi && c == ci) {
                    out.handle = m;
                    return true;
                }
                return false;
            });
        }
        return out;
    }
    // R470 and later: MIG-<UUID>, the MIG device's own UUID. NVML finds it directly, else among each GPU's
    // MIG devices.
    const std::string key(id);
    if (api.device_get_handle_by_uuid != nullptr &&
        api.device_get_device_handle_from_mig_device_handle != nullptr) {
        NvmlDevice m = nullptr, parent = nullptr;
        if (api.device_get_handle_by_uuid(key.c_str(), &m) == NVML_SUCCESS &&
            api.device_get_device_handle_from_mig_device_handle(m, &parent) == NVML_SUCCESS) {
            for (unsigned int i = 0; i < handles.size(); ++i) {
                if (handle_rc[i] == NVML_SUCCESS && handles[i] == parent) {
                    out.parent = i;
                    out.handle = m;
                    return out;
                }
            }
            if (const auto i = exact_index(uuids, uuid_of(api, parent))) {
                out.parent = *i;
                out.handle = m;
                return out;
            }
        }
    }
    for (unsigned int i = 0; i < handles.size(); ++i) {
        if (handle_rc[i] != NVML_SUCCESS) continue;
        for_each_mig(api, handles[i], [&](NvmlDevice m) {
            if (uuid_of(api, m) != key) return false;
            out.parent = i;
            out.handle = m;
            return true;
        });
        if (out.handle != nullptr) return out;
    }
    return std::nullopt;
}

// A GPU of which only MIG slices are visible: sets g.share (the slices' compute-instance slices over the
// GPU's MIG slots, at most 1) and g.slices (listed instead of the GPU). Returns the record's words for it.
std::string mig_share(const NvmlApi& api, Gpu& g, const std::vector<MigSlice>& mig) {
    unsigned int slots = 0;
    bool known = api.device_get_max_mig_device_count != nullptr &&
                 api.device_get_max_mig_device_count(g.device, &slots) == NVML_SUCCESS && slots > 0;
    unsigned int slices = 0;
    for (const MigSlice& m : mig) {
        if (m.parent != g.index) continue;
        if (m.handle == nullptr) {
            known = false;
            continue;
        }
        if (std::find(g.slices.begin(), g.slices.end(), m.handle) != g.slices.end()) continue;  // a repeat
        g.slices.push_back(m.handle);
        NvmlDeviceAttributes a{};
        if (api.device_get_attributes != nullptr && api.device_get_attributes(m.handle, &a) == NVML_SUCCESS &&
            a.computeInstanceSliceCount > 0) {
            slices += a.computeInstanceSliceCount;
        } else {
            known = false;
        }
    }
    if (!known) {
        // Without the slice sizes (or the MIG device itself) the whole GPU is counted, listed on the GPU.
        g.share = 1.0;
        g.slices.clear();
        return "MIG slice share unknown: whole GPU counted";
    }
    g.share = std::min(1.0, static_cast<double>(slices) / static_cast<double>(slots));
    return "MIG " + std::to_string(std::min(slices, slots)) + "/" + std::to_string(slots) +
           " of the GPU (compute slices / MIG slots)";
}


}  // namespace eco2::detail::nvml
