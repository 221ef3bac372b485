#pragma once
// JSON lines of a run's ticks (eco2 run --jsonl FILE, TrackerConfig::output.jsonl): one object per line, a
// "start" line, one "tick" line per sampler tick, a "stop" line (format in docs/records.md). Appended to the
// file, so several runs can share it (each line names its run). Numbers never depend on the locale.

#include <cstdint>
#include <filesystem>
#include <ostream>
#include <string>
#include <string_view>

#include "writers/sink.hpp"

namespace eco2::detail {

/// The "start" line of a run (without newline).
void write_jsonl_start(std::ostream& out, const Result& initial);
/// The "tick" line of a tick of run `run_id` (without newline).
void write_jsonl_tick(std::ostream& out, const Tick& tick, std::string_view run_id);
/// The "stop" line of a run's final row (without newline).
void write_jsonl_stop(std::ostream& out, const Result& final_row);

class JsonlSink final : public Sink {
public:
    /// Opens the file for appending (created 0644 when missing, in an existing folder; never through another
    /// user's link in a sticky directory). Throws eco2::Error(io_error) naming the file and the fix.
    explicit JsonlSink(std::filesystem::path path);
    /// Checks that the file can be opened so, without leaving a new file behind. Throws as the constructor.
    static void check_writable(const std::filesystem::path& path);
    ~JsonlSink() override;
    JsonlSink(const JsonlSink&) = delete;
    JsonlSink& operator=(const JsonlSink&) = delete;

    std::string_view name() const noexcept override { return "JSON lines"; }
    bool wants_processes() const noexcept override { return true; }
    void start(const Result& initial) override;
    void tick(const Tick& tick) noexcept override;
    void checkpoint(const Result&) noexcept override { flush(); }
    void stop(const Result& final_row) noexcept override;
    std::vector<std::string> failure() const override;
    std::uint64_t write_failures() const noexcept override { return m_failed_writes; }

    /// Lines are held and written this many bytes at a time (and at each checkpoint and at stop).
    static constexpr std::size_t HELD_BYTES = 64 * 1024;

private:
    void line(const std::string& text) noexcept;
    void flush() noexcept;

    std::filesystem::path m_path;
    std::string m_run_id;
    int m_fd = -1;
    std::string m_held;            // whole lines not yet written
    std::size_t m_held_lines = 0;
    std::uint64_t m_lost_lines = 0, m_failed_writes = 0;
    int m_first_errno = 0;
};

}  // namespace eco2::detail
