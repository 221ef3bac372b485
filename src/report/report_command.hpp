#pragma once
// `eco2 report` and `eco2 card`: the commands' logic apart from their option parsing (docs/report.md), tested
// on string streams; the CLI and Python call these.

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "report/card.hpp"

namespace eco2::detail {

struct ReportRequest {
    std::vector<std::string> files;  ///< records files; empty: emission.csv; "-": standard input
    std::vector<std::string> runs;   ///< run ids (or prefixes) to show; empty: all
    std::string output = "report.html";  ///< "-": the page on `out`
    std::string metric;              ///< the metric of the runs' chart; empty: each one found
    bool maximize = false;
    /// How the caller names its options in the messages on `err`; empty: neutrally.
    SettingNames names = {};
};

/// Writes the report to request.output (or `out`) and one line on `err` naming it with its size. Returns 0, or
/// 2 after "eco2: error: ..." on `err` (a file missing or not records, an unknown run, no run at all, an output
/// that cannot be written: then no file is left half-written).
int run_report(const ReportRequest& request, std::ostream& out, std::ostream& err);

struct CardRequest {
    std::string file;        ///< records file; empty: emission.csv; "-": standard input
    std::string run;         ///< a run id or prefix; empty with no experiment: the file's last run
    std::string experiment;  ///< every run of this experiment, taken together
    CardOptions options;     ///< options.names also names the options in the messages on `err`
};

/// Writes the card on `out`; says which run it is about on `err` when it was not named. Returns 0 or 2 as
/// run_report does (a run and an experiment both given, or neither matching).
int run_card(const CardRequest& request, std::ostream& out, std::ostream& err);

}  // namespace eco2::detail
