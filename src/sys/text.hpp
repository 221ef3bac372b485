#pragma once
// Small text helpers shared by the parsers, the messages and the "did you mean" suggestions: defined once here.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace eco2::sys {

/// `s` without leading and trailing blanks (space, tab, CR, LF).
std::string_view trim(std::string_view s) noexcept;
/// ASCII letters upper-cased / lower-cased; other bytes (UTF-8 included) unchanged, whatever the locale.
std::string upper(std::string_view s);
std::string lower(std::string_view s);
/// The parts with `sep` between them ("a, b, c").
std::string join(const std::vector<std::string>& parts, std::string_view sep);

/// Optimal string alignment distance: Levenshtein plus adjacent transpositions ("Frnace" is 1 from
/// "France"). Case-sensitive; fold case first where it should not count.
std::size_t edit_distance(std::string_view a, std::string_view b);

/// True when `s` is well-formed UTF-8 (no overlong forms, surrogates or code points above U+10FFFF).
bool valid_utf8(std::string_view s) noexcept;

/// `s` made safe to show in a message: control bytes and bytes that are not part of valid UTF-8 become
/// \xNN, at most `max` bytes of `s` are shown ("..." follows when cut).
std::string printable(std::string_view s, std::size_t max = 80);

}  // namespace eco2::sys
