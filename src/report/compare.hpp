#pragma once
// `eco2 compare [FILE...] (--runs ID,ID... | --by experiment|project) [--metric NAME [--maximize]]`: runs or
// groups side by side, each against the first (the baseline), with the Pareto front of a metric against CO2
// (docs/summary.md). compare_files() is the library function the HTML report draws its table from.

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "eco2/error.hpp"
#include "report/group.hpp"
#include "report/summary_command.hpp"

namespace eco2::detail {

struct CompareRequest {
    std::vector<std::string> files;  ///< records files; empty: emission.csv; "-": standard input
    std::vector<std::string> runs;   ///< run ids (or unique prefixes), the baseline first; empty: use `by`
    GroupBy by = GroupBy::experiment;
    std::string metric;     ///< an epoch parameter (loss, accuracy...) or error_rate; empty: none
    bool maximize = false;  ///< the metric is better when larger (accuracy)
    SummaryFormat format = SummaryFormat::table;
    /// How the caller names its options in the messages on `err`; empty: neutrally.
    SettingNames names = {};
};

/// An epoch parameter's last value: a number (text empty) or a text (number NaN).
struct CompareParam {
    std::string key;
    double number = std::nan("");
    std::string text;
};

/// One run or group. Energies in J, CO2 in kg; NaN where not known.
struct CompareEntry {
    GroupTotals totals;
    double energy_per_item_j = std::nan("");       ///< facility energy / items
    double energy_precision_ratio = std::nan("");  ///< error_rate^alpha x energy per item (alpha from the file)
    std::vector<CompareParam> params;              ///< the last value of each epoch parameter
    double metric = std::nan("");                  ///< value of the request's metric
    bool pareto = false;                           ///< on the Pareto front of metric vs CO2
};

struct CompareTable {
    std::vector<CompareEntry> entries;  ///< the baseline first
    std::vector<std::string> param_keys;  ///< every parameter name, in the order first seen
    std::string metric;
    bool maximize = false;
    std::string key_name;  ///< "run", "experiment", "project"
};

/// Reads `request.files` and builds the table. Throws eco2::Error(invalid_argument) naming the fix when a run
/// id matches no run or several, the metric is in no entry, or `by` is not experiment, project or run.
CompareTable compare_files(const CompareRequest& request);
/// Percent difference of v from base: "+12.3 %"; "" when either is unknown or base is 0.
std::string percent_from(double v, double base);

std::string compare_text(const CompareTable& t);
std::string compare_json(const CompareTable& t);
std::string compare_csv(const CompareTable& t);

/// Writes the comparison on `out`. Returns 0, or 2 after "eco2: error: ..." on `err`.
int run_compare(const CompareRequest& request, std::ostream& out, std::ostream& err);

}  // namespace eco2::detail
