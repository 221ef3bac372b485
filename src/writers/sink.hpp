#pragma once
// The output contract: every output of a run (records file, time series, JSON lines, Prometheus...) is a
// Sink fed the same values: the run's Result at start, each sampler Tick, the current row at checkpoints and
// epoch marks, and the final row at stop. The tracker holds the list make_sinks() builds and never names a
// sink. A format is a pure function to a std::ostream (tested on std::ostringstream); its sink is the
// small class that owns the file or socket.
//
// Adding an output: one file pair (src/writers/<name>_sink.{hpp,cpp}) with its options in
// TrackerConfig::output, and one line in make_sinks() (src/writers/sinks.cpp).
//
// Threads: start() runs in Tracker::start() before the sampler thread; tick() and checkpoint() on the
// sampler thread (or on the thread calling new_epoch()/stop()), one call at a time, never under the lock
// snapshot() takes; stop() once, after the last tick. So a sink needs no lock of its own.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/tick.hpp"
#include "eco2/record.hpp"

namespace eco2 {
struct TrackerConfig;
}

namespace eco2::detail {

class Sink {
public:
    virtual ~Sink() = default;
    /// What this output is, for messages ("records", "time series", "JSON lines").
    virtual std::string_view name() const noexcept = 0;
    /// Whether the run may go on without this sink: when an optional sink's start() throws, the tracker
    /// drops it and adds "<name> not written: <reason>" to the run's warnings; a required one's error stops
    /// start() (nothing is started).
    virtual bool optional() const noexcept { return false; }
    /// The run begins: `initial` is its first row (status interrupted: what a reader sees if stop() is never
    /// reached; its id names the run). Throws eco2::Error(io_error) when the output cannot be written.
    virtual void start(const Result& initial) = 0;
    /// One sampler tick (each period and the final one). Must not throw nor block for long.
    virtual void tick(const Tick& tick) noexcept = 0;
    /// The current row, every TrackerConfig::sampling.checkpoint_s (status interrupted). Default: nothing.
    virtual void checkpoint(const Result& row) noexcept { (void)row; }
    /// Training: an epoch was closed (`closed`, status completed) and the next one begun (`next`, status
    /// interrupted). Default: nothing.
    virtual void epoch(const Result& closed, const Result& next) noexcept { (void)closed, (void)next; }
    /// The run's final row (the run, or its last partial epoch in training mode), after the final tick.
    virtual void stop(const Result& final_row) noexcept = 0;
    /// What went wrong while writing, one sentence each for the run's warnings; read after stop(). Empty
    /// when all was written.
    virtual std::vector<std::string> failure() const { return {}; }
    /// Writes that failed so far; they count in the row's read_failures (as sensor read failures do).
    virtual std::uint64_t write_failures() const noexcept { return 0; }
    /// Whether ticks should carry the tree's process count (Tick::processes): listing the processes costs a
    /// little more with eco2 run's cgroup source, so it is done (once a second) only when a sink shows it.
    virtual bool wants_processes() const noexcept { return false; }
    /// For bursts of epoch marks: while on, a sink may delay making its writes durable (fsync) until it is
    /// turned off. Default: nothing.
    virtual void defer_sync(bool on) noexcept { (void)on; }
};

using Sinks = std::vector<std::unique_ptr<Sink>>;

/// Every output the configuration asks for, in order (records first, then the series, ...). Opens what
/// must be checked before anything starts (the records file); throws eco2::Error(io_error) naming the file
/// and the fix.
Sinks make_sinks(const TrackerConfig& config);
/// Checks, before anything starts (eco2 run: before the command), that every output the configuration asks
/// for can be written, leaving no new file behind. Throws eco2::Error(io_error) naming the file and the fix.
/// A sink with a file or an address to check adds one line here.
void check_outputs(const TrackerConfig& config);
/// Gives every sink the run's first row. An optional sink whose start() throws is dropped and its warning
/// ("<name> not written: <reason>") returned; a required one's error clears the list and is rethrown.
std::vector<std::string> start_sinks(Sinks& sinks, const Result& first);
/// The sinks' write failures so far, all together.
std::uint64_t write_failures(const Sinks& sinks) noexcept;

}  // namespace eco2::detail
