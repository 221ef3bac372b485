#include "export/publisher.hpp"

#include <algorithm>

namespace eco2::metrics {

Publisher::Publisher(Push push, std::function<std::optional<std::string>()> after_last)
    : m_push(std::move(push)), m_after_last(std::move(after_last)), m_thread([this] { loop(); }) {}

Publisher::~Publisher() {
    {
        std::lock_guard lock(m_mutex);
        m_stop = true;
        m_pending.reset();
    }
    m_cv.notify_all();
    if (m_thread.joinable()) m_thread.join();
}

void Publisher::offer(MetricSet set) noexcept {
    {
        std::lock_guard lock(m_mutex);
        if (m_stop) return;
        m_pending = std::move(set);
    }
    m_cv.notify_all();
}

void Publisher::note(std::optional<std::string> warning) {
    if (!warning) return;
    std::lock_guard lock(m_mutex);
    if (std::find(m_warnings.begin(), m_warnings.end(), *warning) == m_warnings.end())
        m_warnings.push_back(std::move(*warning));
}

void Publisher::loop() {
    std::unique_lock lock(m_mutex);
    for (;;) {
        m_cv.wait(lock, [this] { return m_stop || m_pending.has_value(); });
        if (m_stop) return;
        MetricSet set = std::move(*m_pending);
        m_pending.reset();
        lock.unlock();
        std::optional<std::string> warning;
        try {
            warning = m_push(set);
        } catch (const std::exception& e) {
            warning = e.what();
        }
        note(std::move(warning));
        lock.lock();
    }
}

std::vector<std::string> Publisher::finish(const MetricSet& final_set) noexcept {
    {
        std::lock_guard lock(m_mutex);
        m_stop = true;
        m_pending.reset();
    }
    m_cv.notify_all();
    if (m_thread.joinable()) m_thread.join();  // a push in flight ends within its own deadline
    try {
        note(m_push(final_set));
        if (m_after_last) note(m_after_last());
    } catch (const std::exception& e) {
        note(std::string(e.what()));
    }
    std::lock_guard lock(m_mutex);
    return m_warnings;
}

}  // namespace eco2::metrics
