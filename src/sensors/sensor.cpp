#include "sensors/sensor.hpp"

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

}  // namespace eco2::detail
