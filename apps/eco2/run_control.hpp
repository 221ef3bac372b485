#pragma once
// What `eco2 run` does while the command runs besides waiting: it reads marks from the control channel
// (epochs, work) and applies them to the tracker, and it stops the command when a budget is crossed.

#include <pthread.h>
#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <thread>

#include "control/control.hpp"
#include "eco2/tracker.hpp"

namespace eco2::cli {

class RunControl {
public:
    /// fifo may be null (no control channel). Nothing runs until start(). Construct it on the thread that
    /// runs the waiting loop (sigtimedwait on SIGCHLD): a budget stop wakes that thread with a SIGCHLD of its
    /// own, so that the grace period is counted from the stop, not from a wait begun before it.
    RunControl(detail::ControlFifo* fifo, bool stop_on_budget, double grace_s);
    ~RunControl();
    RunControl(const RunControl&) = delete;
    RunControl& operator=(const RunControl&) = delete;

    /// The tracker's event handler: prints events on stderr and, with stop_on_budget, sends SIGTERM to the
    /// command when the prediction or the measurement crosses a budget. Safe from any thread.
    void on_event(const TrackerEvent& event) noexcept;
    /// Starts reading marks for `tracker` (the command is `child`).
    void start(Tracker& tracker, pid_t child);
    /// Applies the marks still waiting in the channel, then stops reading.
    void stop() noexcept;
    /// The command is about to be reaped: no signal is sent to its pid from now on (it may be reused).
    void forget_child() noexcept;
    /// Called by the waiting loop: SIGKILL after the grace period of a budget stop. Returns how long the
    /// loop may wait before calling again (a long time when no stop is pending).
    std::chrono::milliseconds poll_budget_stop() noexcept;
    bool budget_stopped() const noexcept { return m_budget_stop.load(); }

private:
    void loop();
    void apply(std::string_view line) noexcept;

    detail::ControlFifo* m_fifo;
    bool m_stop_on_budget;
    std::chrono::duration<double> m_grace;
    Tracker* m_tracker = nullptr;
    pid_t m_child = 0;
    pthread_t m_waiter;
    std::atomic<bool> m_budget_stop{false}, m_killed{false}, m_quit{false};
    std::chrono::steady_clock::time_point m_stop_time{};
    std::mutex m_mutex;  // m_stop_time, stderr lines
    static constexpr int BAD_LINES_SHOWN = 5;
    std::uint64_t m_bad_lines = 0;  // m_mutex
    int m_wake[2] = {-1, -1};
    std::thread m_thread;
};

}  // namespace eco2::cli
