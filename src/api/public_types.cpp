// The functions of eco2's public value types (include/eco2/sensor.hpp, record.hpp), in one place: the names
// of the enums as records, JSON and messages write them, and Result's derived figures.

#include <cmath>
#include <string>

#include "eco2/error.hpp"
#include "eco2/record.hpp"
#include "eco2/sensor.hpp"

namespace eco2 {

std::string_view to_string(Component c) noexcept {
    switch (c) {
        case Component::cpu: return "cpu";
        case Component::gpu: return "gpu";
        case Component::ram: return "ram";
    }
    return "?";
}

std::string_view to_string(Scope s) noexcept {
    return s == Scope::process ? "process" : "machine";
}

std::string_view to_string(ProbeStatus s) noexcept {
    switch (s) {
        case ProbeStatus::available: return "available";
        case ProbeStatus::absent: return "absent";
        case ProbeStatus::permission_denied: return "permission denied";
        case ProbeStatus::unsupported: return "unsupported";
        case ProbeStatus::failed: return "failed";
    }
    return "?";
}

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

Scope parse_scope(std::string_view text) {
    if (text == "process") return Scope::process;
    if (text == "machine") return Scope::machine;
    throw Error(Errc::invalid_argument,
                "unknown scope '" + std::string(text) + "': use 'process' (the tracked command) or 'machine'");
}

}  // namespace eco2
