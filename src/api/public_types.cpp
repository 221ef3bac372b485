// The functions of eco2's public value types (include/eco2/sensor.hpp, record.hpp, error.hpp), in one place:
// the names of the enums as records, JSON and messages write them, Result's derived figures, and the settings
// that messages mention.

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

// A mention: START setting [SEPARATOR value] END, control characters that no message text holds.
namespace {
constexpr char MENTION_START = '\x1e', MENTION_VALUE = '\x1f', MENTION_END = '\x1d';

// Calls piece(text) for the text between mentions and setting(name, value) for each mention.
template <class Text, class Setting>
void walk_mentions(std::string_view text, Text piece, Setting setting) {
    for (;;) {
        const auto start = text.find(MENTION_START);
        const auto end = text.find(MENTION_END, start);
        if (start == std::string_view::npos || end == std::string_view::npos) break;
        piece(text.substr(0, start));
        std::string_view inner = text.substr(start + 1, end - start - 1);
        const auto sep = inner.find(MENTION_VALUE);
        setting(inner.substr(0, sep),
                sep == std::string_view::npos ? std::string_view() : inner.substr(sep + 1));
        text.remove_prefix(end + 1);
    }
    piece(text);
}
}  // namespace

std::string mention(std::string_view setting, std::string_view value) {
    std::string out(1, MENTION_START);
    out += setting;
    if (!value.empty()) (out += MENTION_VALUE) += value;
    return out += MENTION_END;
}

std::string spelled(std::string_view text, const SettingNames& names) {
    std::string out;
    walk_mentions(
        text, [&out](std::string_view piece) { out += piece; },
        [&out, &names](std::string_view setting, std::string_view value) {
            std::string own = names ? names(setting, value) : std::string();
            if (own.empty()) {
                own = setting;
                if (!value.empty()) (own += ' ') += value;
            }
            out += own;
        });
    return out;
}

std::vector<std::string> mentioned_settings(std::string_view text) {
    std::vector<std::string> out;
    walk_mentions(
        text, [](std::string_view) {},
        [&out](std::string_view setting, std::string_view) { out.emplace_back(setting); });
    return out;
}

}  // namespace eco2
