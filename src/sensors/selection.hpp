#pragma once
// The selection policy: which of the sensors the back ends offer are sampled. Kept apart from discovery so
// that it is one rule, tested on its own:
//   - CPU and RAM: the usable offer of the highest priority (a counter over a model); ties: the earlier back end.
//   - GPU: every usable offer adds up (NVML and amdgpu measure different devices).

#include <vector>

#include "eco2/sensor.hpp"

namespace eco2::detail {

/// What the policy needs to know of an offer.
struct OfferKey {
    Component component = Component::cpu;
    int priority = 0;
    bool usable = true;
};

/// Whether several offers of `c` are summed rather than one chosen.
bool adds_up(Component c) noexcept;

/// chosen[i]: whether offers[i] is used.
std::vector<bool> select_offers(const std::vector<OfferKey>& offers);

}  // namespace eco2::detail
