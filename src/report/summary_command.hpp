#pragma once
// `eco2 summary [FILE...] [--by project|experiment|run|epoch|host|job] [--format table|json|csv]`: totals per
// group of one or more records files (docs/summary.md). The command's logic, apart from its option parsing, so
// that it is tested on string streams.

#include <ostream>
#include <string>
#include <vector>

#include "report/group.hpp"

namespace eco2::detail {

enum class SummaryFormat { table, json, csv };

struct SummaryRequest {
    std::vector<std::string> files;  ///< records files; empty: emission.csv; "-": standard input
    GroupBy by = GroupBy::project;
    SummaryFormat format = SummaryFormat::table;
};

/// Writes the summary on `out` (data) and notes on `err` (an eco2AI file, skipped columns). Returns 0, or 2
/// after "eco2: error: ..." on `err` when a file cannot be read or is no records file (nothing on `out` then).
int run_summary(const SummaryRequest& request, std::ostream& out, std::ostream& err);

/// The formats, for tests and for the library (Python's eco2.summary).
std::string summary_table(const Grouped& g, GroupBy by);
std::string summary_json(const Grouped& g, GroupBy by);
std::string summary_csv(const Grouped& g, GroupBy by);

}  // namespace eco2::detail
