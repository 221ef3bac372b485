#include "export/metrics_sink.hpp"

#include <exception>

namespace eco2::metrics {

void MetricsSink::start(const Result& initial) {
    m_identity = initial;
    detail::Tick none;
    none.wall = initial.start_time;
    m_latest = metric_set_of(m_identity, none, m_node);
    on_start(m_latest);
}

void MetricsSink::tick(const detail::Tick& tick) noexcept {
    if (!tick.final && !tick_wanted()) return;
    try {
        m_latest = metric_set_of(m_identity, tick, m_node);
    } catch (const std::exception&) {
        return;  // out of memory: this tick is not exported, the next one may be
    }
    on_tick(m_latest);
}

void MetricsSink::checkpoint(const Result&) noexcept { on_checkpoint(m_latest); }

void MetricsSink::stop(const Result&) noexcept {
    // The final row is the last epoch's in training mode: the counters are the run's, from the final tick.
    m_latest.finished = true;
    on_stop(m_latest);
}

void PublishingSink::on_checkpoint(const MetricSet& set) noexcept {
    if (m_publisher) m_publisher->offer(set);
}

void PublishingSink::on_stop(const MetricSet& set) noexcept {
    if (m_publisher) m_warnings = m_publisher->finish(set);
    m_publisher.reset();
}

}  // namespace eco2::metrics
