#pragma once
// The runs of records files, for the report and the card: rows streamed by the records reader
// (records_reader.hpp) into eco2::Result values, grouped by run id.

#include <string>
#include <vector>

#include "report/records_reader.hpp"
#include "report/report_model.hpp"

namespace eco2::detail {

/// A records row as a Result: energies in J (an eco2AI file, without per-component columns, has its facility
/// energy as the CPU's, with the source saying so), a component estimated when its source says "estimated",
/// epoch parameters as a JSON object whatever the file's form.
Result result_from_row(const RecordRow& row);

/// The runs of `files` ("-": standard input), in order of first appearance; only `run_ids` when not empty (a
/// run id or a unique prefix of one). `notes` gets one line per file in another layout. Throws eco2::Error
/// (invalid_argument) naming an id that matches no run or several, and as RecordsReader does.
std::vector<ReportRun> load_runs(const std::vector<std::string>& files, const std::vector<std::string>& run_ids,
                                 std::vector<std::string>* notes = nullptr);

}  // namespace eco2::detail
