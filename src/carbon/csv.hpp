#pragma once
// A small RFC 4180 CSV reader for the compiled-in data and user tables: no I/O, byte-exact fields.

#include <cstddef>
#include <deque>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace eco2::carbon {

/// The records of a CSV text, each field a view. Fields may be double-quoted ("" is a quote inside); quoted
/// fields may hold commas and line breaks. "\r\n" ends a record like "\n". Blank lines give no record.
/// A field views the text unless it had to be unescaped (""), in which case it views a copy the table keeps:
/// fields stay valid while both the text and the table live (moving the table keeps them valid; it cannot be
/// copied).
class CsvTable {
public:
    /// Throws eco2::Error(invalid_argument) "<origin>:<line>: ..." on an unterminated quote or text after a
    /// closing quote.
    CsvTable(std::string_view text, std::string_view origin);
    CsvTable(CsvTable&&) = default;
    CsvTable& operator=(CsvTable&&) = default;
    CsvTable(const CsvTable&) = delete;
    CsvTable& operator=(const CsvTable&) = delete;

    std::size_t size() const noexcept { return m_records.size(); }
    /// The line record i starts on (1-based).
    std::size_t line(std::size_t i) const { return m_records[i].line; }
    std::span<const std::string_view> fields(std::size_t i) const {
        return std::span(m_fields).subspan(m_records[i].first, m_records[i].count);
    }

private:
    struct Record {
        std::size_t line, first, count;
    };
    std::vector<Record> m_records;
    std::vector<std::string_view> m_fields;  // all records' fields, one after the other
    std::deque<std::string> m_unescaped;     // a deque never moves its elements: fields may view them
};

/// One record and the line it starts on (1-based).
struct CsvRecord {
    std::size_t line = 0;
    std::vector<std::string> fields;
};

/// The records of text (see CsvTable) as strings. Throws as CsvTable does.
std::vector<CsvRecord> parse_csv(std::string_view text, std::string_view origin);

}  // namespace eco2::carbon
