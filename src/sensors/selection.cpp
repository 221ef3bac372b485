#include "sensors/selection.hpp"

#include <cstddef>
#include <optional>

namespace eco2::detail {

bool adds_up(Component c) noexcept { return c == Component::gpu; }

std::vector<bool> select_offers(const std::vector<OfferKey>& offers) {
    std::vector<bool> chosen(offers.size(), false);
    for (const Component c : {Component::cpu, Component::gpu, Component::ram}) {
        std::optional<std::size_t> best;
        for (std::size_t i = 0; i < offers.size(); ++i) {
            if (offers[i].component != c || !offers[i].usable) continue;
            if (adds_up(c)) {
                chosen[i] = true;
            } else if (!best || offers[i].priority > offers[*best].priority) {
                best = i;
            }
        }
        if (best) chosen[*best] = true;
    }
    return chosen;
}

}  // namespace eco2::detail
