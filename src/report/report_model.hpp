#pragma once
// What the HTML report and the card are drawn from: the rows of a records file grouped into runs (a training's
// epoch rows share the run id), each with its totals, its epochs' metrics and, when found, its time series.

#include <cstddef>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "eco2/record.hpp"
#include "report/series_reader.hpp"

namespace eco2::detail {

/// Numeric parameters of one epoch row (from epoch_params: loss, accuracy...; "epoch" and "partial" left out).
using Metrics = std::map<std::string, double>;

struct ReportRun {
    std::string id;
    std::vector<Result> rows;       ///< in file order: one row, or one per epoch
    std::vector<Metrics> metrics;   ///< one per row
    Result total;                   ///< the rows summed (energies, CO2, duration, cost, items); text from the last
    std::string file;               ///< the records file it came from
    std::optional<SeriesData> series;
    std::string series_note;        ///< why there is no series, or rows skipped in it; empty when all is well
    bool training() const noexcept { return rows.size() > 1 || (!rows.empty() && rows.front().epoch_number > 0); }
    /// The last value of each metric over the epochs.
    Metrics last_metrics() const;
};

/// The numeric members of an epoch_params JSON object, without "epoch" and "partial". Empty for "" or bad JSON.
Metrics parse_metrics(const std::string& epoch_params_json);

/// Sum of rows: energies, CO2, duration, cost, items and flops add up; the intensity is the energy-weighted
/// mean; text fields, status and prediction come from the last row; estimated if any row's part is.
Result sum_rows(std::span<const Result> rows);

/// Rows grouped by run id, runs in order of first appearance, `file` set on each.
std::vector<ReportRun> group_runs(std::span<const Result> rows, const std::string& file);

/// Reads the series of each run from <records stem>.series/<id>.csv when it exists (buckets per column for
/// drawing). A missing or unreadable series is noted on the run, never an error.
void attach_series(std::vector<ReportRun>& runs, std::size_t buckets);

}  // namespace eco2::detail
