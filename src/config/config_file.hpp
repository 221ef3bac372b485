#pragma once
// eco2's configuration files (TOML, read with tomlplusplus): $XDG_CONFIG_HOME/eco2/config.toml (else
// ~/.config/eco2/config.toml) and ./eco2.toml. This reads one file's text into flat, typed entries with their
// line numbers; which keys exist and what they mean is the CLI's option table (apps/eco2/cli.cpp).

#include <cstddef>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace eco2::config {

enum class ValueType { string, integer, floating, boolean, table };
std::string_view to_string(ValueType t) noexcept;

/// One key = value of a file. Tables become dotted keys: `[pricing]` + `currency = "EUR"` is
/// "pricing.currency".
struct ConfigEntry {
    std::string key;
    ValueType type = ValueType::string;
    /// The value as text: strings as written, numbers in C locale form, booleans "true"/"false", a map-key
    /// table as "k=v,k=v" (see parse_config).
    std::string text;
    std::size_t line = 0;
};

struct ConfigFile {
    std::string path;  ///< as shown in messages
    std::vector<ConfigEntry> entries;
    /// "path:line".
    std::string where(const ConfigEntry& e) const;
};

/// Parses TOML text. A table found at one of map_keys (e.g. "pricing.tariff") becomes a single entry of type
/// table whose text is "k=v,k=v" in key order, its values numbers. Throws eco2::Error(invalid_argument)
/// "path:line:column: ..." for a syntax error, and "path:line: ..." for arrays, dates and times, or a map
/// table holding something other than numbers.
ConfigFile parse_config(std::string_view text, std::string path,
                        const std::vector<std::string>& map_keys = {});

/// The user's config file for an environment: $XDG_CONFIG_HOME/eco2/config.toml when XDG_CONFIG_HOME is an
/// absolute path, else $HOME/.config/eco2/config.toml; empty when neither is set.
std::filesystem::path user_config_path(const std::map<std::string, std::string>& environment);

/// The project's config file: eco2.toml in the working directory.
inline constexpr const char* LOCAL_CONFIG_NAME = "eco2.toml";

}  // namespace eco2::config
