#pragma once
// The election of ONE measurer of a node's devices among the trackers of one job on that node.
//
// Each rank of a job runs its own tracker; each measures its own process tree (CPU time, RAM, the per-process
// shares of RAPL and of GPUs that list their processes). What is a whole device's energy, attributed to no
// process (a GPU that cannot list its processes, everything in machine scope), would be counted once per
// rank. Those "node channels" are counted only by the holder of an flock() on <runtime dir>/job-<id>.lock.
// The lock frees itself when its holder exits or dies; the others try it at each tick and the first to get it
// measures from then on. So the hand-over loses nothing and counts nothing twice, the measurer writes into
// the lock file, each time its record row is written, the node channels' counter readings that row holds; its
// successor counts from those readings (when they are newer than its own start), so the job's rows on a node
// add up to the node's device energy once, even across a SIGKILL of the measurer (docs/scale-out.md).

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/accumulator.hpp"
#include "eco2/record.hpp"
#include "sensors/sensor.hpp"

namespace eco2::detail {

/// Whether a channel is a node channel: a whole device's energy that no process attribution splits (machine
/// scope: every channel of a device back end; process scope: rapl./nvml. channels attributed directly).
bool is_node_channel(const Channel& channel, Scope scope) noexcept;

/// What the previous measurer recorded last: the time (steady clock, s since its epoch: CLOCK_MONOTONIC,
/// the same for every process of the machine) and the node channels' readings then.
struct Handover {
    double t = 0.0;
    int pid = 0;
    std::map<std::string, double, std::less<>> readings;
};

/// Parses a lock file's content (see NodeLock::record); nullopt when it holds no complete record.
std::optional<Handover> parse_handover(std::string_view text);
/// The lock file's content for a record.
std::string format_handover(const Handover& h);

/// The lock file and the flock on it. Not thread-safe (the tracker's tick lock serialises its use).
class NodeLock {
public:
    /// Opens (creates, 0600) the lock file without taking the lock. Throws eco2::Error(io_error) with the
    /// fix when it cannot be opened.
    explicit NodeLock(std::filesystem::path file);
    ~NodeLock();  ///< releases the lock (the record stays for a successor)
    NodeLock(const NodeLock&) = delete;
    NodeLock& operator=(const NodeLock&) = delete;

    /// Tries to take the lock without waiting. True when held (now or before).
    bool try_acquire() noexcept;
    bool held() const noexcept { return m_held; }
    /// The record found in the file when the lock was taken (the previous measurer's last one), if any.
    const std::optional<Handover>& previous() const noexcept { return m_previous; }
    /// Replaces the file's record (holder only; ignored otherwise). A failed write is ignored: the successor
    /// then counts from an older record or its own start.
    void record(const Handover& h) noexcept;
    const std::filesystem::path& path() const noexcept { return m_path; }

private:
    std::filesystem::path m_path;
    int m_fd = -1;
    bool m_held = false;
    std::optional<Handover> m_previous;
};

/// A tracker's side of the election: which of its channels are node channels, whether it measures them now,
/// and the hand-over. Used under the tracker's tick lock.
class NodeShare {
public:
    /// Null when the run is in no job (empty job_id) or has no node channel. Throws eco2::Error(io_error)
    /// when the lock file cannot be opened (the tracker then counts everything and says so).
    static std::unique_ptr<NodeShare> make(const JobInfo& job, const std::filesystem::path& runtime_dir,
                                           const std::vector<Channel>& channels, Scope scope);
    /// After acc.begin(values): takes the lock if it is free; else the node channels are skipped.
    void start(Accumulator& acc, const double* values) noexcept;
    /// Before each update: a tracker that is not the measurer tries the lock; when it gets it, its node
    /// counters continue from the previous measurer's last record (when newer than this tracker's start),
    /// else from this tracker's own first readings.
    void poll(Accumulator& acc) noexcept;
    /// After a record row was written with the energy of the readings `values` (the last update's).
    void recorded(const double* values) noexcept;
    bool measurer() const noexcept { return m_lock.held(); }
    /// Appends, to the sources of the components that have node channels, who measured the node's devices.
    void describe(Result& r) const;
    const std::filesystem::path& lock_path() const noexcept { return m_lock.path(); }

    NodeShare(std::filesystem::path lock_file, std::vector<bool> node, std::vector<Channel> channels);

private:
    static double clock_now() noexcept;
    NodeLock m_lock;
    std::vector<bool> m_node;
    std::vector<Channel> m_channels;
    std::vector<double> m_first;              // this tracker's first readings
    double m_start = 0.0, m_acquired = -1.0;  // steady clock, s
};

}  // namespace eco2::detail
