#pragma once
// What the sampler thread sleeps on between ticks: a stop request, or a steady-clock deadline (through
// sys::Clock::wait_until, so a test's clock can jump to the deadline instead).

#include <semaphore.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <ctime>

namespace eco2::sys {

/// A stop request that one thread waits for, until a std::chrono::steady_clock deadline.
///
/// A POSIX semaphore waited on with sem_clockwait(CLOCK_MONOTONIC, the clock of libstdc++'s steady_clock)
/// rather than a std::condition_variable: a wait that times out costs one system call, where
/// pthread_cond_clockwait re-locks its mutex as contended and the unlock after it makes a futex(FUTEX_WAKE)
/// call, about 3.5 µs per tick on the reference VM (0.035 % of a core at 100 Hz). libstdc++ 12's
/// std::binary_semaphore::try_acquire_until is no alternative: it polls with sched_yield and short sleeps.
class StopSignal {
public:
    StopSignal() noexcept { ::sem_init(&m_sem, 0, 0); }
    ~StopSignal() { ::sem_destroy(&m_sem); }
    StopSignal(const StopSignal&) = delete;
    StopSignal& operator=(const StopSignal&) = delete;

    /// Asks the waiter to stop; the wait in progress and every later one return true. Thread-safe.
    void request() noexcept {
        if (!m_requested.exchange(true, std::memory_order_acq_rel)) ::sem_post(&m_sem);
    }
    bool requested() const noexcept { return m_requested.load(std::memory_order_acquire); }
    /// Clears a request before the next run. Not while a thread waits.
    void reset() noexcept {
        while (::sem_trywait(&m_sem) == 0) {
        }
        m_requested.store(false, std::memory_order_release);
    }
    /// Waits until the deadline (returns at once when it has passed). True when stop was requested.
    bool wait_until(std::chrono::steady_clock::time_point deadline) noexcept {
        const auto ns =
            std::chrono::duration_cast<std::chrono::nanoseconds>(deadline.time_since_epoch()).count();
        timespec at{};
        at.tv_sec = static_cast<time_t>(ns / 1'000'000'000);
        at.tv_nsec = static_cast<long>(ns % 1'000'000'000);
        while (!m_requested.load(std::memory_order_acquire)) {
            if (::sem_clockwait(&m_sem, CLOCK_MONOTONIC, &at) == 0) return true;  // the one post of request()
            if (errno != EINTR) break;                                            // ETIMEDOUT
        }
        return m_requested.load(std::memory_order_acquire);
    }

private:
    sem_t m_sem;
    std::atomic<bool> m_requested{false};
};

}  // namespace eco2::sys
