#pragma once
// The one interface every measurement back end implements. Discovery (probe, in each back end's factory)
// is separate from sampling (read, called many times): channels are fixed once a sensor is built.

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "eco2/sensor.hpp"

namespace eco2::detail {

/// What a channel's value means.
enum class ChannelKind {
    energy_counter,  ///< cumulative energy in J, monotone except for a wrap at Channel::wrap_j
    power,           ///< instantaneous power in W; integrated over time (trapezoid)
};

/// How a channel's energy is attributed to the tracked process tree.
enum class Attribution {
    direct,        ///< already the tree's (or the machine's, in machine scope) energy
    cpu_share,     ///< machine-wide energy: multiplied by tree CPU time / busy CPU time of the window between
                   ///< two fresh tree samples (energy read in between waits for the window to close)
    process_list,  ///< device energy that counts only while a tracked process uses the device
                   ///< (decided by Sensor::slow_update; see Accumulator)
};

struct Channel {
    std::string id;  ///< "<backend>.<domain>.<index>", e.g. "rapl.package.0", "nvml.gpu.1"
    Component component = Component::cpu;
    ChannelKind kind = ChannelKind::energy_counter;
    double wrap_j = 0.0;  ///< counter range in J (0: never wraps)
    Attribution attribution = Attribution::direct;
};

/// What the process-tree sampler saw at one instant; handed to every sensor read.
struct TreeSample {
    double t = 0.0;                  ///< steady-clock time, s
    double tree_cpu_s = 0.0;         ///< cumulative CPU time of the tracked tree, s (monotone)
    double machine_busy_s = 0.0;     ///< cumulative busy CPU time of all CPUs, s (NaN: not read)
    double tree_rss_bytes = 0.0;     ///< resident memory of the live tree
    double machine_used_bytes = 0.0; ///< MemTotal - MemAvailable (NaN: not read, see MachineFields)
    /// Live tracked processes. With the cgroup source of eco2 run (ProcessTree::counts_by_cgroup()), the
    /// cgroup's members as of their last read: the tracker reads them before each process-list check.
    std::vector<pid_t> pids;
    /// Whether the tree fields above were read at t. The tree is read at most every 100 ms (reading 50
    /// processes' stat files costs ~0.2 ms); between reads they keep their last values and only t moves.
    bool fresh = true;
};

/// The machine-wide fields of TreeSample that something uses. ProcessTree reads only those: each is one more
/// procfs read per tree sample (/proc/stat, /proc/meminfo); in process scope without RAPL nothing uses them.
struct MachineFields {
    bool busy = false;    ///< machine_busy_s
    bool memory = false;  ///< machine_used_bytes
};
inline MachineFields operator|(MachineFields a, MachineFields b) noexcept {
    return {a.busy || b.busy, a.memory || b.memory};
}

/// Counts read failures of a sensor; keeps the first message. Thread-safe.
class FailureLog {
public:
    void record(const std::string& message) noexcept;
    std::uint64_t count() const noexcept { return m_count.load(std::memory_order_relaxed); }
    std::string first() const;

private:
    std::atomic<std::uint64_t> m_count{0};
    mutable std::mutex m_mutex;
    std::string m_first;
};

class Sensor {
public:
    virtual ~Sensor() = default;
    /// Back-end name ("rapl", "nvml", ...).
    virtual std::string_view backend() const noexcept = 0;
    /// The channels this sensor provides, fixed after construction.
    virtual const std::vector<Channel>& channels() const noexcept = 0;
    /// Reads every channel into values[0..channels().size()): J for counters, W for power; NaN when the read
    /// failed (counted in failures()). Called from the sampler thread only. Must not throw.
    virtual void read(const TreeSample& tree, double* values) noexcept = 0;
    /// Low-rate work (NVML process lists, at least every 0.5 s and at the start and end of a run). For each
    /// process_list channel, sets used[i] to whether a tracked process is on that device now (the accumulator
    /// counts an interval between two checks when either end saw one). Called from the sampler thread only.
    virtual void slow_update(const TreeSample& tree, bool* used) noexcept { (void)tree; (void)used; }
    /// The machine-wide TreeSample fields read() uses (none by default). Fixed after construction.
    virtual MachineFields machine_fields() const noexcept { return {}; }
    /// Where the component's energy comes from, for the record (e.g. "rapl(package-0,package-1)").
    virtual std::string source() const = 0;
    /// Whether the figures are modelled rather than read from hardware counters.
    virtual bool estimated() const noexcept = 0;
    /// Device / CPU names for the record (CPU_name, GPU_name columns); empty when not applicable.
    virtual std::string device_names() const { return {}; }
    const FailureLog& failures() const noexcept { return m_failures; }

protected:
    FailureLog m_failures;
};

/// Device names for the record: "A100" for one, "A100 x2" for several of one model, else "A100, P100".
std::string summarize_device_names(const std::vector<std::string>& names);

}  // namespace eco2::detail
