#pragma once
// AMD GPUs through the amdgpu driver's hwmon files: <sys>/class/drm/card<N>/device/hwmon/hwmon<M>/ whose `name`
// is "amdgpu". One channel per card, "amdgpu.gpu.<N>", best reading first:
//   energy1_input   cumulative energy, µJ (hwmon ABI; where the driver offers it)  -> energy counter
//   power1_average  average socket power, µW (most dGPUs)                        -> power, integrated
//   power1_input    instantaneous socket power, µW (newer kernels and APUs)      -> power, integrated
// amdgpu has no per-process energy: a card's whole energy counts in both scopes, and the report says so.
// It adds up with NVML in the GPU component (sensors/selection.hpp). See docs/gpu.md.

#include <filesystem>
#include <string>
#include <vector>

#include "sensors/backend.hpp"

namespace eco2::detail {

/// One amdgpu card found under the DRM class directory.
struct AmdgpuCard {
    unsigned int index = 0;           ///< N of card<N>
    std::filesystem::path hwmon;      ///< its amdgpu hwmon directory
    std::string name;                 ///< device/product_name, else "AMD GPU"
};

/// The cards whose hwmon is amdgpu's, by card number. Never throws for a missing or odd tree.
std::vector<AmdgpuCard> list_amdgpu_cards(const sys::FsRoot& fs, const sys::FileReader& reader);

/// The back end: absent (no amdgpu hwmon, with the reason), permission denied / failed (files unreadable), or
/// available with one channel per readable card.
Discovery discover_amdgpu(const sys::SystemContext& context, const DiscoveryRequest& request);
inline constexpr Backend AMDGPU_BACKEND{"amdgpu", Component::gpu, PRIORITY_COUNTER, &discover_amdgpu};

}  // namespace eco2::detail
