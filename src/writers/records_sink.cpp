#include "writers/records_sink.hpp"

#include <fmt/format.h>

#include "writers/csv_writer.hpp"
#include "writers/record_file.hpp"

namespace eco2::detail {
namespace {

// Longest a numeric record field can grow to; the row is reserved with this much room per field.
constexpr std::size_t NUMERIC_FIELD_ROOM = 24;
// 16 numeric fields, plus room for tree_source to gain "; auto-reaped children partly seen".
constexpr std::size_t NUMERIC_FIELDS = 18;

}  // namespace

RecordsSink::RecordsSink(std::filesystem::path path)
    : m_file(std::make_unique<RecordFile>(std::move(path), CsvWriter::header())) {}

RecordsSink::~RecordsSink() = default;

void RecordsSink::failed(const std::exception& e) noexcept {
    m_last_failed = true;
    if (m_write_failures++ == 0) m_first_failure = e.what();
}

void RecordsSink::append_reserved(const Result& row) noexcept {
    try {
        const std::string text = CsvWriter::row(row);
        m_file->append_reserved(text, text.size() + NUMERIC_FIELDS * NUMERIC_FIELD_ROOM);
    } catch (const std::exception& e) {
        // The file opened, so it is ours to write: a full disk now should not leave the run untracked.
        // The next checkpoint appends the row.
        failed(e);
    }
}

void RecordsSink::start(const Result& initial) { append_reserved(initial); }

bool RecordsSink::write_row(const Result& row, bool final) noexcept {
    try {
        m_file->rewrite(CsvWriter::row(row), final);  // grows the row's room when needed: never refused
        m_last_failed = false;
    } catch (const std::exception& e) {
        failed(e);
    }
    return !m_last_failed;
}

void RecordsSink::checkpoint(const Result& row) noexcept { write_row(row, false); }

void RecordsSink::epoch(const Result& closed, const Result& next) noexcept {
    if (!write_row(closed, true)) ++m_epochs_not_written;
    append_reserved(next);
}

void RecordsSink::stop(const Result& final_row) noexcept { write_row(final_row, true); }

void RecordsSink::defer_sync(bool on) noexcept { m_file->defer_sync(on); }

std::vector<std::string> RecordsSink::failure() const {
    std::vector<std::string> out;
    for (const std::string& n : m_file->notices()) out.push_back("record: " + n);
    if (m_write_failures > 0) {
        std::string lost;
        if (m_epochs_not_written > 0)
            lost = fmt::format("{} closed epoch{} NOT in the file as closed (left as their last checkpoint, "
                               "status interrupted, or missing); ",
                               m_epochs_not_written, m_epochs_not_written == 1 ? " is" : "s are");
        out.push_back(fmt::format("record: {} write{} of {} failed, first: {}; {}{}", m_write_failures,
                                  m_write_failures == 1 ? "" : "s", m_file->path().string(), m_first_failure, lost,
                                  m_last_failed ? "the run's final row is NOT in the file"
                                                : "written again later: the file holds the run's final row"));
    }
    return out;
}

}  // namespace eco2::detail
