#include "sensors/sensor.hpp"

#include <algorithm>

#include "eco2/error.hpp"

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
