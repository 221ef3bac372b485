#pragma once
// The record format: one CSV row per run. The first 13 columns are eco2AI's, same names and order, so
// eco2AI users' notebooks keep working; eco2's own columns follow. Numbers never depend on the locale.

#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "eco2/record.hpp"

namespace eco2::detail {

class CsvWriter {
public:
    /// One column of the record: its header name and how a Result's value is written (without quoting).
    struct Column {
        std::string_view name;
        std::string (*format)(const Result& r);
    };
    /// The record format: every column, in order. Adding a column: one row at the end of the table.
    static std::span<const Column> table() noexcept;
    /// Column names, in order (the table's).
    static const std::vector<std::string_view>& columns();
    /// The header line, without newline.
    static std::string header();
    /// Writes one row for r, without newline. The last column is always a number, so trailing padding
    /// (see RecordFile) keeps its type for CSV readers.
    static void row(std::ostream& out, const Result& r);
    static std::string row(const Result& r);
    /// Appends a field quoted as RFC 4180 requires (only when it holds a comma, quote or line break).
    static void field(std::ostream& out, std::string_view value);
};

/// Python's str() of a float, as eco2AI writes epoch parameters: shortest round-trip digits, "1.0" (never
/// "1"), "0.0001", "1e-05", "1e+16", "inf", "nan".
std::string python_float_text(double v);
/// An epoch parameter's value in the epoch column: integers as integers, floats as Python writes them.
std::string param_text(const std::variant<double, std::int64_t, std::string>& v);

/// "YYYY-MM-DD HH:MM:SS" in local time (eco2AI's start_time form).
std::string format_local_time(std::chrono::system_clock::time_point t);

}  // namespace eco2::detail
