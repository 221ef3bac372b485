#pragma once
/// \file error.hpp
/// Errors thrown by eco2 for misuse and bad configuration. Measurement problems are never thrown: they are
/// reported as sensor statuses and read-failure counts (see sensor.hpp).

#include <stdexcept>
#include <string>

namespace eco2 {

/// What kind of mistake an eco2::Error reports.
enum class Errc {
    invalid_argument,  ///< a value out of range or malformed (period, PUE, intensity, option...)
    io_error,          ///< a file eco2 must write or read could not be used
    invalid_state,     ///< an operation in the wrong state (stop before start...)
    not_found,         ///< a named thing (region, command) does not exist
    budget_exceeded,   ///< an energy / CO2 budget was crossed and the user asked to stop
    internal,          ///< a bug in eco2
};

/// The one exception type eco2 throws. what() names the problem and, where there is one, the fix.
class Error : public std::runtime_error {
public:
    Error(Errc code, const std::string& message) : std::runtime_error(message), m_code(code) {}
    /// The category of the error; stable across versions.
    Errc code() const noexcept { return m_code; }

private:
    Errc m_code;
};

}  // namespace eco2
