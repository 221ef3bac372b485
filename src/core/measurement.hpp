#pragma once
// What a tick reads: the tracked process tree, every sensor's channels and the accumulator that turns them
// into energy per component. Built once per run by open() (discovery), read by the tracker's tick under
// its tick lock. No thread, no clock of its own.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/accumulator.hpp"
#include "core/job_lock.hpp"
#include "core/process_tree.hpp"
#include "core/sampler.hpp"
#include "sensors/registry.hpp"
#include "sys/fs_root.hpp"
#include "sys/system_context.hpp"

namespace eco2 {
struct TrackerConfig;
struct Result;
}  // namespace eco2

namespace eco2::detail {

class Measurement {
public:
    /// Discovers the sensors and the tree (the one discovery: see discover_sensors). Throws eco2::Error on
    /// bad configuration (--cpu-name unknown). `list_processes`: keep the tree's process list fresh once a
    /// second (a sink shows the count).
    void discover(const TrackerConfig& cfg, bool list_processes);
    /// The baseline sample, at t = 0 (right after the sampler's time zero). Reports: procfs, cgroup, then
    /// the back ends'.
    void baseline(bool count_from_root_start);

    /// One tick as planned: reads the tree when due, every sensor, and the process lists when due.
    /// Returns the energy attributed by this tick. Never throws.
    ComponentJoules read(const TickPlan& plan) noexcept;

    /// Whether a channel counts only while a tracked process is on its device (process lists).
    bool process_lists() const noexcept { return m_process_lists; }
    const Accumulator& accumulator() const noexcept { return *m_acc; }
    const TreeSample& sample() const noexcept { return m_sample; }
    const std::vector<Channel>& channels() const noexcept { return m_acc->channels(); }
    const std::vector<ProbeReport>& reports() const noexcept { return m_sensors.reports; }
    /// The system context of the run (roots, environment snapshot...), built by discover().
    const sys::SystemContext& context() const { return m_context.value(); }
    /// Read failures of the tree and every sensor so far.
    std::uint64_t failure_count() const noexcept;
    /// Component sources, names and the tree's description into the run's first row.
    void describe(Result& r, Scope scope) const;
    /// The tree's sources and what was left running, from its last sample.
    void describe_tree(Result& r, Scope scope) const;
    /// After baseline(): with a job id, joins the election of the node's measurer (core/job_lock.hpp).
    /// Returns a warning when the node lock cannot be used (this tracker then counts the node's devices).
    std::string join_job(const JobInfo& job, const std::filesystem::path& runtime_dir, Scope scope);
    /// After the sinks wrote the rows (start, checkpoint, epoch, stop): the measurer's hand-over record.
    void rows_written() noexcept {
        if (m_node) m_node->recorded(m_values.data());
    }
    /// Who measured the node's devices, in the sources (final row); then frees the lock (stop).
    void describe_job(Result& r) const {
        if (m_node) m_node->describe(r);
    }
    void leave_job() noexcept { m_node.reset(); }
    /// One warning per source that failed reads, and for counters that went backwards.
    void collect_warnings(std::vector<std::string>& warnings) const;
    void account_reaped(pid_t pid, double cpu_seconds) noexcept {
        if (m_tree) m_tree->account_reaped(pid, cpu_seconds);
    }

private:
    void read_sensors() noexcept;
    void check_process_lists() noexcept;

    std::optional<sys::SystemContext> m_context;  // outlives the sensors, which may keep its reader
    sys::FsRoot m_fs;
    std::unique_ptr<ProcessTree> m_tree;
    SensorSet m_sensors;
    std::vector<std::size_t> m_offsets;  // first channel of each sensor
    std::vector<double> m_values;
    std::unique_ptr<bool[]> m_used;
    std::unique_ptr<Accumulator> m_acc;
    std::unique_ptr<NodeShare> m_node;  // the job's election of the node's measurer (none outside a job)
    TreeSample m_sample;
    bool m_process_lists = false;
};

/// The back ends a tracker with this configuration uses (the one discovery, for start() and
/// probe_sensors()).
SensorSet discover_sensors(const sys::SystemContext& context, const TrackerConfig& cfg);

}  // namespace eco2::detail
