#pragma once
// `eco2 report`: one self-contained HTML file (styles, charts and its one small script inline; no request to
// any network) over the runs of records files. docs/report.md describes it.

#include <cstddef>
#include <ostream>
#include <span>
#include <string>
#include <vector>

#include "report/report_model.hpp"

namespace eco2::detail {

struct ReportOptions {
    std::string title = "eco2 report";
    std::vector<std::string> files;  ///< shown in the header
    std::string generated;           ///< when, shown in the header (empty: not shown, for golden tests)
    std::string metric;              ///< the metric of the runs' metric-vs-CO2 chart; empty: every metric found
    bool maximize = false;           ///< the metric is better higher (accuracy) rather than lower (loss)
};

/// Series buckets per column for `runs` runs: fewer per run as runs grow, so a report of 1,000 runs stays a
/// few MB (between 50 and 600 buckets: 600 is about one per pixel column of a chart).
std::size_t buckets_for(std::size_t runs) noexcept;

/// Writes the whole page. Runs are drawn in the order given; their series, when attached, give the over-time
/// charts. Numbers do not depend on the locale.
void write_html_report(std::ostream& out, std::span<const ReportRun> runs, const ReportOptions& options);

/// One section per run (facts, sources, charts over time, per-epoch charts and table). html_report_run.cpp.
void write_run_section(std::ostream& out, const ReportRun& run, std::size_t index);

/// "measured", "partly estimated" (something measured, something modelled) or "estimated" (every non-zero
/// part modelled).
std::string estimate_label(const Result& total);

}  // namespace eco2::detail
