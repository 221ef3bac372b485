#pragma once
// The records CSV as a sink: the run's row (one per epoch in training mode) appended at start with room to
// grow, rewritten in place at each checkpoint and written exactly at the end (RecordFile, CsvWriter).

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "writers/sink.hpp"

namespace eco2::detail {

class RecordFile;

class RecordsSink final : public Sink {
public:
    /// Opens the file (RecordFile: header checked, older layouts adopted). Throws eco2::Error(io_error).
    explicit RecordsSink(std::filesystem::path path);
    ~RecordsSink() override;

    std::string_view name() const noexcept override { return "records"; }
    void start(const Result& initial) override;
    void tick(const Tick&) noexcept override {}
    void checkpoint(const Result& row) noexcept override;
    void epoch(const Result& closed, const Result& next) noexcept override;
    void stop(const Result& final_row) noexcept override;
    std::vector<std::string> failure() const override;
    std::uint64_t write_failures() const noexcept override { return m_write_failures; }
    void defer_sync(bool on) noexcept override;

private:
    /// Rewrites the reserved row; false (counted) when it could not be written.
    bool write_row(const Result& row, bool final) noexcept;
    /// Appends a row that later rewrites replace (the run's first row, the next epoch's).
    void append_reserved(const Result& row) noexcept;
    void failed(const std::exception& e) noexcept;

    std::unique_ptr<RecordFile> m_file;
    std::uint64_t m_write_failures = 0;
    std::string m_first_failure;
    bool m_last_failed = false;           // the latest write failed (a full disk)
    std::uint64_t m_epochs_not_written = 0;  // closed epochs whose final row could not be written
};

}  // namespace eco2::detail
