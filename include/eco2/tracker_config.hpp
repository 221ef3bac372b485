#pragma once
/// \file tracker_config.hpp
/// eco2::TrackerConfig: how a Tracker measures (sampling), where it writes (output), training mode.

#include <sys/types.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "eco2/carbon.hpp"
#include "eco2/record.hpp"
#include "eco2/sensor.hpp"
#include "eco2/system_paths.hpp"
#include "eco2/tracker_event.hpp"

namespace eco2 {

/// How the tracker samples: period, scope and what the tracked tree is (TrackerConfig::sampling).
struct SamplingConfig {
    double period_s = 1.0;       ///< sampling period, 0.01 .. 3600 s
    double checkpoint_s = 10.0;  ///< how often the sinks get a checkpoint (the record row rewritten), >= period_s
    Scope scope = Scope::process;
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
};

/// Where the run is written (TrackerConfig::output): each output is a sink built from these options
/// (src/writers/sinks.cpp). A sink's options go here, one member each.
struct OutputConfig {
    /// CSV of records; one row per run (per epoch in training mode). Empty: write no record.
    std::filesystem::path path = "emission.csv";
    /// Keep the per-sample time series beside the CSV (<path>.series/<run id>.csv); needs a records path.
    bool write_series = true;
    /// JSON lines of the sampler's ticks, one object per line (docs/records.md); empty: none.
    std::filesystem::path jsonl;
    /// Serve the run's metrics (Prometheus text) on "HOST:PORT" while it runs; empty: none (docs/exporters.md).
    std::string listen;
    /// Pushgateway URL: the run's metrics are pushed at checkpoints and at the end; empty: none.
    std::string push_url;
    /// Delete the run's Pushgateway group after the final push.
    bool push_delete = false;
    /// OTLP/HTTP collector URL (JSON to <url>/v1/metrics) at checkpoints and at the end; empty: none.
    std::string otlp_url;
    /// Send the run's metrics to the node's eco2 agent when one runs (a non-blocking datagram every 10 s at most).
    bool agent = true;
    /// The agent's socket; empty: the first that exists of ECO2_AGENT_SOCKET, $ECO2_RUNTIME_DIR/agent.sock,
    /// /run/eco2/agent.sock, $XDG_RUNTIME_DIR/eco2/agent.sock, /tmp/eco2-<uid>/agent.sock.
    std::filesystem::path agent_socket;
    /// eco2 agent's own tracker: its metrics are the node's, sent without run labels.
    bool agent_node = false;
};

/// Training mode: epochs, prediction and budgets (TrackerConfig::training; see Tracker::start_training).
struct TrainingConfig {
    int expected_epochs = 0;  ///< declared length of the training in epochs; 0: unknown (no prediction)
    int predict_after = 1;    ///< epochs measured before the prediction is made, >= 1
    std::optional<double> budget_kwh;  ///< facility energy budget
    std::optional<double> budget_kg;   ///< CO2 budget
    /// When a budget is crossed (by the prediction or the measurement): new_epoch() records the epoch, stops
    /// the tracker with status budget_stopped and throws eco2::Error(budget_exceeded); events say
    /// stop_requested (eco2 run then stops the command).
    bool stop_on_budget = false;
    double efficiency_alpha = 1.0;  ///< exponent of the error rate in the energy-precision ratio
};

/// How a Tracker measures and records. Validated by the Tracker constructor (eco2::Error on bad values).
struct TrackerConfig {
    std::string project_name = "default";
    std::string experiment_description = "default";
    SamplingConfig sampling;
    OutputConfig output;
    TrainingConfig training;
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
    /// Where the system is read from (procfs, sysfs, NVML).
    SystemPaths paths;
    /// The job this run is a rank of; recorded in every row. With a job_id, the trackers of the job on this
    /// node elect one measurer of the node's whole devices through a lock in job_runtime_dir
    /// (docs/scale-out.md); empty job_runtime_dir: no election. Left empty (no job_id, source or rank), start()
    /// detects both from its environment snapshot (torchrun, SLURM, MPI: core/job.hpp) unless detect_job is
    /// false; a job set here wins, with the job_runtime_dir set here.
    JobInfo job;
    std::filesystem::path job_runtime_dir;
    bool detect_job = true;
    /// Receives events; called from the sampler thread or from the thread calling new_epoch(). Must not call
    /// back into the Tracker. Exceptions it throws are swallowed.
    std::function<void(const TrackerEvent&)> on_event;
};

}  // namespace eco2
