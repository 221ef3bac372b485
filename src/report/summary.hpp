#pragma once
// The short human summary printed at the end of `eco2 run` (on stderr).

#include <string>

#include "eco2/record.hpp"

namespace eco2::detail {

/// Multi-line summary: duration, kWh per component with source (estimated ones marked), kg CO2,
/// intensity and where it came from, warnings. `record` and `series` name the files, empty if none.
std::string format_summary(const Result& r, const std::string& record, const std::string& series);

}  // namespace eco2::detail
