#pragma once
// A small RFC 4180 CSV reader for the compiled-in data and user tables: no I/O, byte-exact fields.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace eco2::carbon {

/// One record and the line it starts on (1-based).
struct CsvRecord {
    std::size_t line = 0;
    std::vector<std::string> fields;
};

/// Splits text into records. Fields may be double-quoted ("" is a quote inside); quoted fields may hold
/// commas and line breaks. "\r\n" ends a record like "\n". Blank lines give no record. Throws
/// eco2::Error(invalid_argument) "<origin>:<line>: ..." on an unterminated quote or text after a closing
/// quote.
std::vector<CsvRecord> parse_csv(std::string_view text, std::string_view origin);

}  // namespace eco2::carbon
