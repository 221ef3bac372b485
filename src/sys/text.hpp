#pragma once
// Small text helpers shared by the parsers and the "did you mean" suggestions.

#include <cstddef>
#include <string_view>

namespace eco2::sys {

/// Optimal string alignment distance: Levenshtein plus adjacent transpositions ("Frnace" is 1 from
/// "France"). Case-sensitive; fold case first where it should not count.
std::size_t edit_distance(std::string_view a, std::string_view b);

}  // namespace eco2::sys
