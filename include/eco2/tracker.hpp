#pragma once
/// \file tracker.hpp
/// eco2::Tracker: measure the energy and CO2 of a process tree (or the machine) between start() and stop().

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

namespace eco2 {

/// Where eco2 reads the system from. Defaults come from ECO2_PROC_ROOT, ECO2_SYS_ROOT and
/// ECO2_NVML_LIBRARY, else the real system.
struct SystemPaths {
    std::filesystem::path proc_root;  ///< empty: $ECO2_PROC_ROOT or /proc
    std::filesystem::path sys_root;   ///< empty: $ECO2_SYS_ROOT or /sys
    std::string nvml_library;         ///< empty: $ECO2_NVML_LIBRARY or libnvidia-ml.so.1
};

/// Something the tracker tells its user while running (the library never prints).
struct TrackerEvent {
    enum class Kind {
        prediction,       ///< a training's total was predicted (once)
        budget_warning,   ///< the prediction crosses a budget
        budget_exceeded,  ///< the measurement (or, with stop_on_budget, the prediction) crosses a budget
    };
    Kind kind = Kind::prediction;
    std::string message;  ///< one line, ready to show
    std::optional<Prediction> prediction;
    /// true when the tracker wants the work stopped (stop_on_budget)
    bool stop_requested = false;
};

/// How a Tracker measures and records. Validated by the Tracker constructor (eco2::Error on bad values).
struct TrackerConfig {
    std::string project_name = "default";
    std::string experiment_description = "default";
    /// CSV of records; one row per run. Empty: write no record.
    std::filesystem::path output = "emission.csv";
    /// Keep the per-sample time series beside the CSV (<output>.series/<run id>.csv).
    bool write_series = true;
    double period_s = 1.0;       ///< sampling period, 0.01 .. 3600 s
    double checkpoint_s = 10.0;  ///< how often the record row is rewritten during the run, >= period_s
    Scope scope = Scope::process;
    double pue = 1.0;  ///< power usage effectiveness, >= 1
    /// CPU power of the TDP model (used when RAPL does not measure the CPU), W for all of this machine's CPUs
    /// (on a VM: the share of the vCPUs it has). Wins over the powercap rating and the built-in table. Empty:
    /// powercap rating > table (cpu_name or /proc/cpuinfo) > 100 W. 0.1 .. 100000 W.
    std::optional<double> cpu_tdp_w;
    /// CPU model to look up in eco2's TDP table instead of /proc/cpuinfo's ("EPYC 7763", "Xeon Gold 6248");
    /// eco2::Error(invalid_argument) at start() when the table does not know it. Empty: /proc/cpuinfo's.
    std::string cpu_name;
    /// Shown as the source of cpu_tdp_w / cpu_name in the record ("--cpu-tdp", "ECO2_CPU_TDP"); empty: "set
    /// by the caller".
    std::string cpu_tdp_origin;
    /// Carbon intensity; null: the world average, with a warning in the record.
    std::shared_ptr<const IntensityProvider> intensity;
    /// Electricity price; null: no cost is computed (the cost column stays empty).
    std::shared_ptr<const PriceProvider> price;
    /// Root of the tracked process tree; 0 = the calling process.
    pid_t root_pid = 0;
    /// Count the root's CPU time from the root's own start, not from start(): for a process launched just
    /// before start() (what `eco2 run` does), so that nothing it did before the first sample is missed.
    bool count_from_root_start = false;
    /// A child subreaper's pid (eco2 run: its own, set with PR_SET_CHILD_SUBREAPER), 0: none. Its children
    /// are part of the tree (the root and the orphans reparented to it, double-forked daemons included),
    /// and it is expected to hand the exact rusage of each tree process it reaps to account_reaped().
    pid_t subreaper_pid = 0;
    /// A cgroup v2 directory created for the tree, the root started inside it (eco2 run); empty: none. Its
    /// cpu.stat then gives the tree's CPU time to the microsecond, orphans and daemons included.
    std::filesystem::path cgroup_dir;
    /// memory.stat of a memory cgroup holding only the tree (v2, or v1 with memory_stat_v1); empty: none.
    /// Resident memory then comes from it (anonymous + mapped file pages), else from PSS, else RSS.
    std::filesystem::path memory_stat;
    bool memory_stat_v1 = false;
    SystemPaths paths;
    /// The job this run is a rank of (from the environment: `detect_job`, core/job.hpp); recorded in every
    /// row. With a job_id, the trackers of the job on this node elect one measurer of the node's whole
    /// devices through a lock in job_runtime_dir (docs/scale-out.md); empty job_runtime_dir: no election.
    JobInfo job;
    std::filesystem::path job_runtime_dir;

    // Training (see Tracker::start_training and new_epoch).
    int expected_epochs = 0;  ///< declared length of the training in epochs; 0: unknown (no prediction)
    int predict_after = 1;    ///< epochs measured before the prediction is made, >= 1
    std::optional<double> budget_kwh;  ///< facility energy budget
    std::optional<double> budget_kg;   ///< CO2 budget
    /// When a budget is crossed (by the prediction or the measurement): new_epoch() records the epoch, stops
    /// the tracker with status budget_stopped and throws eco2::Error(budget_exceeded); events say
    /// stop_requested (eco2 run then stops the command).
    bool stop_on_budget = false;
    double efficiency_alpha = 1.0;  ///< exponent of the error rate in the energy-precision ratio
    /// Receives events; called from the sampler thread or from the thread calling new_epoch(). Must not call
    /// back into the Tracker. Exceptions it throws are swallowed.
    std::function<void(const TrackerEvent&)> on_event;
};

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
    /// orphan reparented to the caller as subreaper (see TrackerConfig::subreaper_pid). It replaces that
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

/// Library version, "MAJOR.MINOR.PATCH".
std::string_view version() noexcept;

}  // namespace eco2
