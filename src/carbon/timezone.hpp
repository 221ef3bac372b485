#pragma once
// Where the machine is, from its time zone, offline: the zone name (TZ, else the /etc/localtime link, else
// /etc/timezone), mapped to a country with tzdata's zone.tab / zone1970.tab read at run time, and to a
// sub-national electricity zone when the table's comment names one ISO 3166-2 subdivision that a zone stands
// for (Australia/Sydney "New South Wales (most areas)" -> AU-NSW). The subdivision names come from the
// compiled-in data/subdivisions.csv; nothing here is typed in by hand.

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace eco2::carbon {

/// Where the time-zone settings are read from. Tests point these at fixture trees.
struct TimeZoneSystem {
    std::optional<std::string> tz;                           ///< the TZ variable; nullopt when unset
    std::filesystem::path zoneinfo = "/usr/share/zoneinfo";  ///< tzdata's directory (zone.tab...)
    std::filesystem::path localtime = "/etc/localtime";      ///< usually a link into zoneinfo
    std::filesystem::path timezone_file = "/etc/timezone";   ///< Debian's name of the zone
    /// The running system: TZ from the environment, TZDIR (glibc's override of the tzdata directory) when
    /// set, the standard paths otherwise.
    static TimeZoneSystem from_environment();
};

/// The time zone the system is set to, and where that was read.
struct TimeZoneSetting {
    std::optional<std::string> name;  ///< "Europe/Oslo", "UTC"; nullopt when none could be read
    std::string
        from;  ///< "TZ=Europe/Oslo", "/etc/localtime -> /usr/share/zoneinfo/Europe/Oslo", "/etc/timezone"
    std::string why_not;  ///< when name is empty: why ("TZ=CET-1 is a rule, not a place", ...)
};

/// Reads the time-zone setting: TZ (":Europe/Oslo" and paths into zoneinfo accepted; a POSIX rule such as
/// "CET-1CEST" names no place), else the target of the localtime link, else the timezone file.
TimeZoneSetting detect_time_zone(const TimeZoneSystem& system);

/// One row of zone.tab (one country) or zone1970.tab (countries, most populous first).
struct ZoneTabRow {
    std::vector<std::string> countries;  ///< ISO 3166-1 alpha-2
    std::string time_zone;               ///< "Australia/Sydney"
    std::string comment;                 ///< "New South Wales (most areas)"; may be empty
    std::size_t line = 0;
};

/// Parses zone.tab or zone1970.tab text (tab-separated; '#' comments). Malformed lines are skipped.
std::vector<ZoneTabRow> parse_zone_tab(std::string_view text);

/// The ISO 3166-2 subdivision that a zone.tab comment names for a country, and the electricity zone that
/// stands for it. Names match as whole words (case-insensitive), codes as upper-case tokens ("BC" in "Pacific
/// - BC (most areas)"). When several match, those without a partial qualifier ("BC(E)", "ID (south)") are
/// preferred; still several: none.
struct SubdivisionGuess {
    std::optional<std::string> code;  ///< "AU-NSW"
    std::string name;                 ///< "New South Wales"
    std::optional<std::string> zone;  ///< zone key, when one zone stands for the subdivision
    std::string note;                 ///< why there is no zone (none named, several named, no single zone)
};
SubdivisionGuess subdivision_in_comment(std::string_view country, std::string_view comment);

/// A country (and maybe a sub-national zone) for a time zone.
struct TimeZonePlace {
    std::string
        time_zone;        ///< the name found in the table (links followed: US/Pacific -> America/Los_Angeles)
    std::string country;  ///< ISO 3166-1 alpha-2
    std::string table;    ///< "zone.tab" or "zone1970.tab"
    std::string comment;
    SubdivisionGuess subdivision;
};

/// Maps a time-zone name to a place with the tables under zoneinfo: zone.tab first (one country per zone),
/// then zone1970.tab (the first, most populous, country; its comment is used only when it lists one country).
/// A name in neither table that is a link inside zoneinfo is followed. Returns nullopt with why_not set when
/// the zone names no country (UTC, Etc/GMT+3) or the tables cannot be read.
std::optional<TimeZonePlace> place_of_time_zone(std::string_view name, const std::filesystem::path& zoneinfo,
                                                std::string& why_not);

}  // namespace eco2::carbon
