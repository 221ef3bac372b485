// The functions of the public record types (include/eco2/record.hpp).
#include "eco2/record.hpp"

#include <cmath>

namespace eco2 {

std::string_view to_string(RunStatus s) noexcept {
    switch (s) {
        case RunStatus::running: return "running";
        case RunStatus::interrupted: return "interrupted";
        case RunStatus::completed: return "completed";
        case RunStatus::budget_stopped: return "budget_stopped";
    }
    return "?";
}

std::optional<double> Result::energy_precision_ratio() const noexcept {
    auto epi = energy_per_item_j();
    if (!epi || !work.error_rate) return std::nullopt;
    return std::pow(*work.error_rate, efficiency_alpha) * *epi;
}

}  // namespace eco2
