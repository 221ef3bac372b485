#include "core/sampler.hpp"

#include <algorithm>

namespace eco2::detail {

void Sampler::reset(std::shared_ptr<const sys::Clock> clock, double period_s, bool process_lists) noexcept {
    m_clock = clock ? std::move(clock) : sys::real_clock();
    m_period = period_s;
    m_process_lists = process_lists;
    m_slow_every = process_lists ? PROCESS_LIST_INTERVAL_S : std::max(MIN_SLOW_INTERVAL_S, SLOW_EVERY_PERIODS * period_s);
    m_last_slow = m_last_tree = m_last_discovery = 0;
    m_t0 = m_clock->steady_now();
}

void Sampler::start() {
    m_stop.reset();
    m_thread = std::thread([this] { loop(); });
}

void Sampler::stop() noexcept {
    m_stop.request();
    if (m_thread.joinable()) m_thread.join();
}

TickPlan Sampler::plan(bool final, bool check_only) noexcept {
    TickPlan p;
    p.t = now();
    p.final = final;
    p.check_only = check_only;
    // The tree (its processes' stat files; /proc/stat and meminfo when used) is read at most every 100 ms,
    // and new processes looked for at most every 250 ms (a /proc scan only when a pid was allocated since:
    // ProcessTree::scan_needed): a 50-process tree costs ~0.4 ms per read with cold caches (~7.5 us a
    // stat file on the reference VM). CPU time is a counter, so nothing is lost.
    p.tree = final || m_period >= TREE_INTERVAL_S || p.t - m_last_tree >= TREE_INTERVAL_S;
    if (p.tree) {
        p.discover = final || p.t - m_last_discovery >= DISCOVERY_INTERVAL_S;
        if (p.discover) m_last_discovery = p.t;
        m_last_tree = p.t;
    }
    // The sampler wakes at last_slow + slow_every for the check; 1 ms of slack for the clock's rounding.
    p.slow = final || check_only || p.t - m_last_slow >= m_slow_every - 1e-3;
    if (p.slow) m_last_slow = p.t;
    return p;
}

void Sampler::loop() noexcept {
    const auto period = span(m_period);
    // Warm-up: the first ticks come at 10, 20, 40... ms until the period is reached, so a run shorter
    // than one period still gets samples of its memory and power (CPU time is a counter and needs none).
    auto step = std::min(period, std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                     std::chrono::milliseconds(10)));
    auto next = m_t0 + step;
    double next_check = m_slow_every;  // seconds after t0
    while (true) {
        // Process-list checks between periods when the period is longer than their interval.
        auto wake = next;
        if (m_process_lists) wake = std::min(wake, m_t0 + span(next_check));
        if (m_clock->wait_until(wake, m_stop)) break;
        const bool period_tick = m_clock->steady_now() >= next;
        {
            std::lock_guard tick_lock(m_tick_mutex);
            m_tick(!period_tick);
            next_check = m_last_slow + m_slow_every;
        }
        if (!period_tick) continue;
        step = std::min(period, step * 2);
        next += step;
        const auto n = m_clock->steady_now();
        if (next <= n) next = n + period;  // fell behind (suspended, overloaded): skip, do not burst
    }
}

}  // namespace eco2::detail
