#pragma once
// The sampler: the tracker's one thread and its cadences. It decides WHEN things are read; the tracker's
// tick function does the reading. Time and sleep come from the run's sys::Clock (the SystemContext's), so
// the cadences are unit-tested with a fake clock that never sleeps (tests/unit/core/sampler_test.cpp).
//
// Cadences (all in s since start):
// - period ticks: warm-up at 10, 20, 40... ms intervals until the period is reached (a run shorter than one
//   period still gets samples of its memory and power), then every period; a tick that fell behind
//   (suspended, overloaded) skips to now + period, never bursts;
// - the tree is read at most every TREE_INTERVAL_S, new processes looked for at most every
//   DISCOVERY_INTERVAL_S (CPU time is a counter: nothing is lost);
// - slow work (NVML process lists) every slow_every_s: PROCESS_LIST_INTERVAL_S when a channel counts only
//   while a tracked process is on its device (the sampler then wakes between periods for it: check-only
//   ticks), else max(MIN_SLOW_INTERVAL_S, SLOW_EVERY_PERIODS x period).

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "sys/stop_signal.hpp"
#include "sys/system_context.hpp"

namespace eco2::detail {

/// What one tick reads, decided by Sampler::plan().
struct TickPlan {
    double t = 0.0;         ///< s since start
    bool tree = false;      ///< read the tree now (else only t moves)
    bool discover = false;  ///< look for new processes of the tree
    bool slow = false;      ///< do the slow work (process lists) now
    bool final = false;     ///< a full fresh sample (stop, epoch mark)
    bool check_only = false;  ///< between periods, for the process lists only (not a sample)
};

class Sampler {
public:
    static constexpr double TREE_INTERVAL_S = 0.1;
    static constexpr double DISCOVERY_INTERVAL_S = 0.25;
    static constexpr double MIN_SLOW_INTERVAL_S = 1.0;
    static constexpr double SLOW_EVERY_PERIODS = 5.0;
    /// Where a GPU's energy counts only while a tracked process is on it, its process list is checked this
    /// often whatever the period, and at the start and end of the run: a phase of 0.5 s or more is always
    /// seen, and the energy attributed around a phase's ends is off by at most one interval's worth.
    static constexpr double PROCESS_LIST_INTERVAL_S = 0.5;

    /// `tick` is called from the thread with the lock held, with check_only; it calls plan() itself.
    Sampler(std::mutex& tick_mutex, std::function<void(bool check_only)> tick)
        : m_tick_mutex(tick_mutex), m_tick(std::move(tick)) {}
    ~Sampler() { stop(); }
    Sampler(const Sampler&) = delete;
    Sampler& operator=(const Sampler&) = delete;

    /// Sets the clock (the run's SystemContext's; null: the real one), the cadences and time zero (now).
    /// Not while running.
    void reset(std::shared_ptr<const sys::Clock> clock, double period_s, bool process_lists) noexcept;
    /// Starts the thread.
    void start();
    /// Asks the thread to stop and joins it. Idempotent.
    void stop() noexcept;
    /// What a tick at this instant reads; records it (caller holds the tick lock). final: everything.
    TickPlan plan(bool final, bool check_only) noexcept;
    /// Seconds since reset().
    double now() const noexcept { return seconds(m_clock->steady_now()); }
    double slow_every_s() const noexcept { return m_slow_every; }

    /// The thread's body (public for tests: runs until the clock's wait reports a stop).
    void loop() noexcept;

private:
    double seconds(std::chrono::steady_clock::time_point t) const noexcept {
        return std::chrono::duration<double>(t - m_t0).count();
    }
    static std::chrono::steady_clock::duration span(double s) noexcept {
        return std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(s));
    }

    std::shared_ptr<const sys::Clock> m_clock = sys::real_clock();
    sys::StopSignal m_stop;
    std::mutex& m_tick_mutex;
    std::function<void(bool)> m_tick;
    std::thread m_thread;
    std::chrono::steady_clock::time_point m_t0{};
    double m_period = 1.0;
    double m_slow_every = MIN_SLOW_INTERVAL_S;
    bool m_process_lists = false;
    // Under the tick lock.
    double m_last_slow = 0, m_last_tree = 0, m_last_discovery = 0;
};

}  // namespace eco2::detail
