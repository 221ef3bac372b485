#pragma once
/// \file version.hpp
/// eco2::version(): the library's version.

#include <string_view>

namespace eco2 {

/// Library version, "MAJOR.MINOR.PATCH" (the project version of the build). Never throws; thread-safe.
std::string_view version() noexcept;

}  // namespace eco2
