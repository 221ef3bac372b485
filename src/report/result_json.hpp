#pragma once
// The run's result as JSON, for scripts (`eco2 run --result FILE`, `--result -` for stdout): every figure of
// the summary at full precision, in SI units named in the keys (docs/records.md, "The result as JSON").

#include <string>

#include "report/summary.hpp"

namespace eco2::detail {

/// One JSON object, indented, ended by '\n'. Numbers that are not known are null.
std::string result_json(const RunSummary& s);

}  // namespace eco2::detail
