#pragma once
// Small text helpers shared by the parsers and the "did you mean" suggestions.

#include <cstddef>
#include <string>
#include <string_view>

namespace eco2::sys {

/// Optimal string alignment distance: Levenshtein plus adjacent transpositions ("Frnace" is 1 from
/// "France"). Case-sensitive; fold case first where it should not count.
std::size_t edit_distance(std::string_view a, std::string_view b);

/// True when `s` is well-formed UTF-8 (no overlong forms, surrogates or code points above U+10FFFF).
bool valid_utf8(std::string_view s) noexcept;

/// `s` made safe to show in a message: control bytes and bytes that are not part of valid UTF-8 become
/// \xNN, at most `max` bytes of `s` are shown ("..." follows when cut).
std::string printable(std::string_view s, std::size_t max = 80);

}  // namespace eco2::sys
