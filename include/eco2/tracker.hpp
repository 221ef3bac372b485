#pragma once
/// \file tracker.hpp
/// eco2::Tracker: measure the energy and CO2 of a process tree (or the machine) between start() and stop().
/// Its configuration is in tracker_config.hpp, its events in tracker_event.hpp.

#include <sys/types.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "eco2/carbon.hpp"
#include "eco2/record.hpp"
#include "eco2/sensor.hpp"
#include "eco2/system_paths.hpp"
#include "eco2/tracker_config.hpp"
#include "eco2/tracker_event.hpp"
#include "eco2/version.hpp"

namespace eco2 {

/// Measures one run. Not copyable; movable. start()/stop()/snapshot() may be called from any thread, but not
/// concurrently with each other on the same Tracker. Several Trackers may run at once (each has its own thread).
class Tracker {
public:
    explicit Tracker(TrackerConfig config);
    ~Tracker();  ///< stops (and records) a running tracker; never throws
    Tracker(Tracker&&) noexcept;
    Tracker& operator=(Tracker&&) noexcept;

    /// Probes the sensors, writes the first record row (interrupted until stop) and starts the sampler thread.
    /// Throws eco2::Error if already running or the output cannot be written (nothing is started then).
    void start();
    /// Takes a last sample, stops the thread, writes the final row and returns the result.
    /// Throws eco2::Error(invalid_state) when not running.
    Result stop();
    /// Like stop() for a wrapped command: records its exit code and final status.
    Result stop(std::optional<int> exit_code, RunStatus status);
    /// Training mode: start() whose rows are epochs. Each new_epoch() closes one row.
    void start_training();
    /// Closes the current epoch (one row: exactly the energy since the previous mark, all components) with
    /// its parameters (eco2AI's form in the epoch column, JSON in epoch_params) and starts the next. Works in
    /// a plain start() too: the run's row becomes epoch 1. Returns the closed epoch's row. Throws
    /// eco2::Error(invalid_state) when not running, Error(budget_exceeded) after recording the epoch when
    /// stop_on_budget and a budget is crossed (the tracker is then stopped).
    Result new_epoch(const EpochParams& params = {});
    /// Records the part after the last mark as a partial epoch and stops. Returns the whole run's totals.
    Result stop_training();
    /// Adds work done in the current epoch (items and FLOPs add up; the error rate is replaced). Throws
    /// eco2::Error: invalid_state when not running, invalid_argument for items or flops < 0 or not finite,
    /// an error rate outside 0..1.
    void report_work(const Work& work);
    /// Hands the tracker the exact CPU time (user + system from wait4(), the process's waited-for
    /// descendants included), in s, of a process of the tree that the caller has just reaped: the root, or an
    /// orphan reparented to the caller as subreaper (see SamplingConfig::subreaper_pid). It replaces that
    /// process's 10 ms clock ticks, and its vanished descendants count as absorbed by it. Call it before
    /// stop() for the root. Thread-safe (taken under the sampler's lock); ignored when not running.
    void account_reaped(pid_t pid, double cpu_seconds) noexcept;
    /// For marks that arrive in a burst (eco2 run's control channel): while on, the rows closed by
    /// new_epoch() are written at once as always but reach the disk (fsync) together when it is turned off,
    /// instead of one fsync per row. A crash of the process loses no row either way.
    void defer_record_sync(bool on) noexcept;
    /// The figures so far, without stopping. Throws eco2::Error(invalid_state) when not running.
    Result snapshot() const;
    bool running() const noexcept;
    /// The result of the last stop: stop(), stop_training(), or the stop made by new_epoch() when a budget was
    /// crossed (whose exception carries no result). Empty before the first stop.
    std::optional<Result> last_result() const;
    /// What each back end reported at start() (empty before).
    std::vector<ProbeReport> sensors() const;
    const TrackerConfig& config() const noexcept;

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

/// Probes every back end as a Tracker with this configuration would, without starting anything.
std::vector<ProbeReport> probe_sensors(const TrackerConfig& config);

}  // namespace eco2
