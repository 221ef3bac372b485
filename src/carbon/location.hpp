#pragma once
// Which electricity zone eco2 uses, offline first, each step recorded: explicit settings in precedence order
// (API argument or --region, ECO2_REGION, ./eco2.toml, the user's config file), then IP geolocation when it
// is turned on, then the system time zone, then the world average with a warning that says how to set the
// region.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "carbon/timezone.hpp"
#include "eco2/zones.hpp"

namespace eco2::carbon {

/// One place where a region may be set explicitly.
struct RegionSetting {
    std::string step;                  ///< the caller's name: "--region", "ECO2_REGION", "zone argument"
    std::optional<std::string> value;  ///< the region text, when set there
    std::string origin;  ///< where exactly: "flag --region", "environment ECO2_REGION", "eco2.toml:3"
    std::string absent;  ///< why it is not set: "not given", "not set", "no such file"...
};

/// What an IP geolocation service answered (data only: codes and a name, checked).
struct GeoAnswer {
    std::string country;  ///< ISO 3166-1 alpha-2
    std::optional<std::string>
        subdivision;          ///< ISO 3166-2 code ("US-CA") when the service gave a region code
    std::string region_name;  ///< as the service wrote it, for messages
    std::string service;      ///< the URL asked
};

/// Asks a geolocation service; throws eco2::Error with the reason on failure (timeout, bad answer...).
using Geolocator = std::function<GeoAnswer()>;

/// Everything the resolution looks at.
struct LocationInputs {
    std::vector<RegionSetting> settings;  ///< highest precedence first
    bool geolocate = false;               ///< ask geolocator (off by default: it sends a request)
    std::string geolocate_service;        ///< URL, for messages
    Geolocator geolocator;
    bool use_time_zone = true;  ///< false: explicit settings only (when the value is given anyway)
    TimeZoneSystem time_zone;
};

enum class StepStatus {
    used,         ///< this step chose the zone
    not_set,      ///< nothing there
    failed,       ///< something there that gave no zone (the detail says why); resolution went on
    off,          ///< turned off (geolocation)
    not_reached,  ///< an earlier step decided
};
std::string_view to_string(StepStatus s) noexcept;

struct LocationStep {
    std::string name;  ///< "--region", "ECO2_REGION", "./eco2.toml", "user config", "geolocation", "time
                       ///< zone", "world average"
    StepStatus status = StepStatus::not_set;
    std::string detail;
};

/// The outcome.
struct Location {
    std::optional<std::string> zone;  ///< zone key; empty: the world average
    std::string region_text;          ///< what was looked up ("fr", "NO", "AU-NSW")
    bool guessed = false;             ///< the zone comes from geolocation or the time zone, not a setting
    std::string source;  ///< how, for location_source: "flag --region fr", "time zone Europe/Oslo
                         ///< (TZ) -> NO (tzdata zone.tab)"
    std::vector<LocationStep> steps;  ///< every step, in order (the last one used: the world average)
};

/// Runs the chain. An explicit setting that names no zone is an error (eco2::Error(not_found) naming its
/// origin and the closest matches): eco2 never falls back silently. Geolocation and the time zone are
/// guesses: when they fail the chain goes on, and the step says why.
Location resolve_location(const LocationInputs& inputs, const ZoneDatabase& db);

}  // namespace eco2::carbon
