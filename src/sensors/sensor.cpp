#include "sensors/sensor.hpp"

#include <algorithm>

#include "eco2/error.hpp"

namespace eco2 {

std::string_view to_string(Component c) noexcept {
    switch (c) {
        case Component::cpu: return "cpu";
        case Component::gpu: return "gpu";
        case Component::ram: return "ram";
    }
    return "?";
}

std::string_view to_string(Scope s) noexcept { return s == Scope::process ? "process" : "machine"; }

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

Scope parse_scope(std::string_view text) {
    if (text == "process") return Scope::process;
    if (text == "machine") return Scope::machine;
    throw Error(Errc::invalid_argument,
                "unknown scope '" + std::string(text) + "': use 'process' (the tracked command) or 'machine'");
}

}  // namespace eco2

namespace eco2::detail {

void FailureLog::record(const std::string& message) noexcept {
    if (m_count.fetch_add(1, std::memory_order_relaxed) == 0) {
        try {
            std::lock_guard lock(m_mutex);
            m_first = message;
        } catch (...) {  // allocation failure: the count still says a read failed
        }
    }
}

std::string FailureLog::first() const {
    std::lock_guard lock(m_mutex);
    return m_first;
}

std::string summarize_device_names(const std::vector<std::string>& names) {
    if (names.empty()) return {};
    const bool same = std::all_of(names.begin(), names.end(), [&](const std::string& n) { return n == names.front(); });
    if (same) return names.size() == 1 ? names.front() : names.front() + " x" + std::to_string(names.size());
    std::string out;
    for (const std::string& n : names) {
        if (!out.empty()) out += ", ";
        out += n;
    }
    return out;
}

}  // namespace eco2::detail
