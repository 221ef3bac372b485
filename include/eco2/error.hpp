#pragma once
/// \file error.hpp
/// Errors thrown by eco2 for misuse and bad configuration. Measurement problems are never thrown: they are
/// reported as sensor statuses and read-failure counts (see sensor.hpp).
///
/// Messages name no interface's option: a message that says which setting fixes it mentions the setting by
/// its neutral name (mention(): the config-file key, "output", "cpu_tdp"; for an option with none, its long
/// name with '_': "embodied_kg"). what() shows a mention neutrally ("output", "metric f1"); each interface
/// writes it as its own option with spelled() (the CLI: "--output", "--metric f1"; Python: file_name=...).

#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

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

/// A setting named in a message: its neutral name and, when the message shows one, its value or a
/// placeholder ("f1", "W"). The text it returns is a mark for spelled(), not for display.
std::string mention(std::string_view setting, std::string_view value = {});

/// How an interface writes a mentioned setting (the neutral name, the value or ""): the CLI
/// ("metric", "f1") -> "--metric f1". An empty function, or one that returns "", leaves it neutral.
using SettingNames = std::function<std::string(std::string_view setting, std::string_view value)>;

/// `text` with each mention() written by `names`; neutrally ("output", "metric f1") without them.
std::string spelled(std::string_view text, const SettingNames& names = {});
/// The settings `text` mentions, in order.
std::vector<std::string> mentioned_settings(std::string_view text);

/// The one exception type eco2 throws. what() names the problem and, where there is one, the fix; a fix
/// that is a setting is a mention() in the message, shown neutrally by what().
class Error : public std::runtime_error {
public:
    Error(Errc code, const std::string& message)
        : std::runtime_error(spelled(message)), m_code(code), m_message(message) {}
    /// The category of the error; stable across versions.
    Errc code() const noexcept { return m_code; }
    /// The settings that would fix it, by neutral name ("output"), in the order the message names them;
    /// empty when none does.
    std::vector<std::string> settings() const { return mentioned_settings(m_message); }
    /// The message with its settings as an interface names them (names: see SettingNames).
    std::string what(const SettingNames& names) const { return spelled(m_message, names); }
    using std::runtime_error::what;

private:
    Errc m_code;
    std::string m_message;  // with its mentions
};

}  // namespace eco2
