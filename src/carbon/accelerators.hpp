#pragma once
// Board power of common ML accelerators, for `eco2 estimate` (planning before a run). Each row cites the
// vendor datasheet its figure was typed from: the maximum board power / TDP, the figure such calculators use
// (the real draw is usually lower, which --usage accounts for).

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace eco2::carbon {

struct Accelerator {
    std::string_view key;      ///< lower case, e.g. "a100-sxm"
    std::string_view name;     ///< "NVIDIA A100 SXM4 (40/80 GB)"
    std::string_view aliases;  ///< '|'-separated other spellings, lower case ("a100|a100-sxm4")
    double watts = 0.0;        ///< maximum board power / TDP, W
    std::string_view source;   ///< the datasheet
};

std::span<const Accelerator> accelerator_table() noexcept;

/// The accelerator a name designates: key or alias, case-insensitive, ignoring "nvidia", "amd", "instinct",
/// "tesla", "geforce", blanks, '-' and '_' ("NVIDIA A100-SXM4-80GB" finds a100-sxm). nullopt when none.
std::optional<Accelerator> find_accelerator(std::string_view name);

/// Keys of the closest table entries, for "did you mean" messages.
std::vector<std::string> closest_accelerators(std::string_view name);

}  // namespace eco2::carbon
