#pragma once
// The human summary printed at the end of `eco2 run` (on stderr): readable units (report/units.hpp), how the
// command ended, the sources on their own lines, and after a training the per-epoch table and the prediction
// against the measurement.

#include <span>
#include <string>

#include "eco2/record.hpp"

namespace eco2::detail {

/// What the summary is made from. `total` is the whole run (Tracker::stop()); `epochs` the rows closed by
/// epoch marks, in order (empty outside training); the part after the last mark is total minus their sum.
struct RunSummary {
    const Result& total;
    std::span<const Result> epochs;
    std::string record;  ///< records file, empty if none
    std::string series;  ///< time series file, empty if none
    int signal = 0;      ///< the signal that killed the command (eco2 run), 0 if it exited
};

/// Multi-line summary, each line ended by '\n'; warnings last ("eco2: warning: ...").
std::string format_summary(const RunSummary& s);
/// The same without epochs nor signal.
std::string format_summary(const Result& r, const std::string& record, const std::string& series);

/// "estimated" when every non-zero component is modelled, "partly estimated" when some is measured and some
/// modelled, "" when all are measured.
std::string_view estimated_label(const Result& r) noexcept;
/// How the command ended: "done", "the command exited with status 3", "the command was killed by SIGKILL",
/// "stopped by the budget".
std::string ending_text(const Result& r, int signal);

}  // namespace eco2::detail
