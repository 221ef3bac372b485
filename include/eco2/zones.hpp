#pragma once
/// \file zones.hpp
/// Carbon intensity by electricity zone, from the database compiled into eco2 (data/, see docs/data.md):
/// Electricity Maps yearly averages for ~350 zones (countries and sub-national grids), Ember averages for
/// countries and aggregates that Electricity Maps lacks (WORLD, EU, ...), and country-level marginal
/// intensities. Regions are named by zone key, ISO 3166-1 code or English name, or ISO 3166-2 code.
/// All intensities are gCO2(eq)/kWh. Nothing here reads a file at run time except
/// load_user_intensity_table().

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "eco2/carbon.hpp"

namespace eco2 {

/// Which carbon intensity: the average of the generation mix, or the marginal (operating margin) one.
enum class IntensityKind {
    average,   ///< average of all generation in the zone (default)
    marginal,  ///< plants that respond to extra demand; country-level data only
};

/// "average" or "marginal".
std::string_view to_string(IntensityKind kind) noexcept;

/// One intensity value that a zone has.
struct ZoneValue {
    IntensityKind kind = IntensityKind::average;
    /// Calendar year; empty when the data gives none (Ember) or for a user value that applies to every year.
    std::optional<int> year;
    double g_per_kwh = 0.0;  ///< gCO2eq/kWh, finite and >= 0
    std::string source;  ///< dataset and year, e.g. "Electricity Maps yearly average 2024 (@tgwf/co2 0.19.0)"
    bool from_user = false;  ///< set by ZoneDatabase::with_user_table
};

/// A zone of the database: an Electricity Maps zone, a country only Ember covers, or an Ember aggregate.
struct ZoneInfo {
    std::string key;           ///< "FR", "US-CAL-CISO", "AU-NSW", "WORLD"; unique, upper case
    std::string name;          ///< English name from the data set ("France", "CAISO", "New South Wales")
    std::string display_name;  ///< alternative name where the data has one ("California ISO"), else empty
    std::string country;       ///< ISO 3166-1 alpha-2 of the zone's country; empty for aggregates (WORLD, EU)
    std::string country_name;  ///< English name of that country; empty for aggregates
    std::vector<ZoneValue> values;  ///< average values then marginal ones, each by ascending year

    /// Years that have a value of this kind, ascending (values without a year are not listed).
    std::vector<int> years(IntensityKind kind) const;
};

/// How a region text was understood.
struct ZoneMatch {
    const ZoneInfo* zone = nullptr;  ///< never null; points into the database that resolved it
    std::string via;                 ///< e.g. "zone key", "ISO 3166-1 alpha-3 FRA", "country name France",
                                     ///< "ISO 3166-2 US-CA (California), zone named after it"
};

/// The intensity chosen for a region, year and kind.
struct ZoneIntensity {
    std::string zone;       ///< zone key
    std::string zone_name;  ///< ZoneInfo::name
    IntensityKind kind = IntensityKind::average;
    std::optional<int> year;  ///< year of the value; empty when the value has none
    double g_per_kwh = 0.0;   ///< gCO2eq/kWh
    std::string source;  ///< dataset and year, plus how the region text was resolved when not by zone key
};

/// One row of a user intensity table.
struct UserIntensityRow {
    std::string zone;         ///< region text as written (resolved by ZoneDatabase::with_user_table)
    double g_per_kwh = 0.0;   ///< gCO2eq/kWh, finite and >= 0
    std::optional<int> year;  ///< empty: the value applies to every year
    std::string origin;       ///< "file:line", for messages
};

/// Parses a user intensity table: CSV lines `zone,gCO2/kWh[,year]`, optional header line starting with
/// "zone", blank lines and lines starting with '#' ignored, fields may be double-quoted. Numbers are parsed
/// with std::from_chars (a '.' decimal point whatever the locale). origin names the text in messages.
/// Throws eco2::Error(invalid_argument) naming origin:line for a malformed row, a negative or non-finite
/// intensity or a year outside 1900..2200. Zones are resolved later, by ZoneDatabase::with_user_table.
std::vector<UserIntensityRow> parse_user_intensity_table(std::string_view text, std::string_view origin);

/// Reads and parses a user intensity table file (see parse_user_intensity_table).
/// Throws eco2::Error(io_error) when the file cannot be read, invalid_argument when a row is wrong.
std::vector<UserIntensityRow> load_user_intensity_table(const std::filesystem::path& file);

/// An immutable zone database. Copies share the data; all const members are safe to call concurrently.
class ZoneDatabase {
public:
    /// The database compiled into eco2, built on first use (thread-safe) and never destroyed. The index of
    /// codes and names is built on the first lookup that needs it (a zone key needs none). Throws
    /// Error(internal) only if the compiled-in data is inconsistent (a bug), as may that first lookup.
    static const ZoneDatabase& builtin();

    /// A copy of this database in which the user's average values replace the database's: a row with a year
    /// replaces or adds that year, a row without one applies to every year. Every row's zone must resolve
    /// (see resolve()); throws Error(not_found) naming the row's origin and the closest matches otherwise,
    /// and Error(invalid_argument) naming both origins when two rows give the same zone and year.
    ZoneDatabase with_user_table(const std::vector<UserIntensityRow>& rows) const;

    /// Finds the zone a region text names: zone key (FR, US-CAL-CISO, AU-NSW), ISO 3166-1 alpha-2, alpha-3 or
    /// numeric code (250), English country or zone name (France, Quebec), or ISO 3166-2 code (US-CA, CA-QC)
    /// of a subdivision that one zone stands for. Case-insensitive; surrounding blanks ignored. Throws
    /// Error(not_found) when nothing matches, when the region has no data, or when the text is ambiguous;
    /// the message names the closest matches ("did you mean France (FR)?"). Never falls back to a world
    /// average.
    ZoneMatch resolve(std::string_view region) const;

    /// The zone of resolve(region).
    const ZoneInfo& find(std::string_view region) const;

    /// The intensity of a region for a year (the latest year with data by default) and kind.
    /// Marginal values are country-level: a sub-national zone gets its country's value, and source says so.
    /// Throws Error(not_found) as resolve() does, or when the zone has no value of that kind for that year
    /// (the message lists the years it has).
    ZoneIntensity intensity(std::string_view region, std::optional<int> year = std::nullopt,
                            IntensityKind kind = IntensityKind::average) const;

    /// An IntensityProvider giving intensity(region, year, kind) at all times; region() is the zone key and
    /// source() the dataset and year. Throws as intensity() does.
    std::shared_ptr<const IntensityProvider> provider(std::string_view region,
                                                      std::optional<int> year = std::nullopt,
                                                      IntensityKind kind = IntensityKind::average) const;

    /// All zones, sorted by key.
    const std::vector<ZoneInfo>& zones() const noexcept;

    /// Zones for a listing: all zones of a country when text names one (US, USA, United States), else the
    /// zones whose key, name, display name, country code or country name contains text (case-insensitive).
    /// An empty text gives all zones. Sorted by key.
    std::vector<const ZoneInfo*> search(std::string_view text) const;

private:
    struct Impl;
    explicit ZoneDatabase(std::shared_ptr<const Impl> impl);
    std::shared_ptr<const Impl> m_impl;
};

/// ZoneDatabase::builtin().intensity(region, year, kind).
ZoneIntensity zone_intensity(std::string_view region, std::optional<int> year = std::nullopt,
                             IntensityKind kind = IntensityKind::average);

/// ZoneDatabase::builtin().provider(region, year, kind).
std::shared_ptr<const IntensityProvider> zone_intensity_provider(std::string_view region,
                                                                 std::optional<int> year = std::nullopt,
                                                                 IntensityKind kind = IntensityKind::average);

/// Ember's World average from the compiled-in data (zone "WORLD"). eco2's default stays
/// WORLD_AVERAGE_G_PER_KWH (eco2AI's figure); this is offered for comparison and explicit choice.
ZoneIntensity ember_world_intensity();

}  // namespace eco2
