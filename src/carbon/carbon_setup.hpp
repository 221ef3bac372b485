#pragma once
// From a neutral request to the carbon intensity and price a run uses: the user table, the location chain,
// the value precedence (fixed intensity > intensity series > the zone's value > the world average) and the
// tariff. The CLI, the Python module and the C API each fill a CarbonRequest from their own options, so that
// all three offer the same chain; messages name the request's settings, never an interface's option (each
// caller adds its own names when it reports). Reads files (tables, series, tzdata) and may ask a geolocation
// service, all through the context so that tests can substitute them.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "carbon/intensity_series.hpp"
#include "carbon/location.hpp"
#include "carbon/tariff.hpp"
#include "eco2/carbon.hpp"
#include "eco2/error.hpp"
#include "eco2/zones.hpp"

namespace eco2::carbon {

/// A value given to the set-up and where it came from ("flag --intensity", "Tracker(intensity=...)"): the
/// origin goes into messages and the record's location_source.
template <class T>
struct Given {
    T value;
    std::string origin;
};

/// Everything the carbon set-up may be asked. Empty / nullopt fields are not set.
struct CarbonRequest {
    /// The places a region may be set, highest precedence first (an API has one, the CLI four: flag,
    /// environment, ./eco2.toml, user config). A value is a zone key, ISO country or subdivision code, zone
    /// name or cloud region ("FR", "US-CA", "aws:us-east-1").
    std::vector<RegionSetting> regions;
    /// Cloud provider ("aws", "gcp", "azure") of the regions that do not name one: "us-east-1" is then looked
    /// up as "aws:us-east-1". Empty: none.
    std::string cloud;
    std::optional<int> year;  ///< the zone's value of that year; nullopt: the latest
    IntensityKind kind = IntensityKind::average;
    /// A fixed intensity, gCO2/kWh: wins over everything else.
    std::optional<Given<double>> intensity;
    /// A file of timestamped intensities (carbon::IntensitySeries): wins over the zone's value. A caller with
    /// its own precedence between the two (the CLI's flag > environment > config) passes only the winner.
    std::optional<Given<std::string>> intensity_series;
    /// A CSV file of the user's own zone values, looked up before the built-in database.
    std::optional<Given<std::string>> user_table;
    /// Time-of-day tariff bands ("07:00-23:00=0.25,23:00-07:00=0.12") and their currency.
    std::optional<Given<std::string>> tariff;
    std::string currency;
    /// IP geolocation: off by default (it sends a request that reveals the public address to the service).
    bool geolocate = false;
    std::string geolocate_url;       ///< empty: DEFAULT_GEOLOCATE_URL
    double geolocate_timeout_s = 2.0;
    /// Run the location chain to the end even when the value is given (to show every step); otherwise only
    /// the explicit region settings are looked at then.
    bool full_chain = false;
};

/// What setup_carbon() reads from the system.
struct CarbonContext {
    TimeZoneSystem time_zone = TimeZoneSystem::from_environment();
    /// Asks a geolocation service (url, timeout in s); empty: carbon::geolocate.
    std::function<GeoAnswer(const std::string& url, double timeout_s)> geolocate;
};

/// A warning of the set-up: what happened, naming no interface's option, and the request's setting that
/// would avoid it, so that each interface names its own option ("--region", "zone=").
struct CarbonWarning {
    std::string message;  ///< "no region known: world average 436.5 gCO2/kWh used"
    std::string setting;  ///< "region"; empty when no setting helps
    std::string value;    ///< the setting's placeholder in the fix ("ZONE"), as for eco2::mention()
};

/// The outcome: providers for a TrackerConfig and what `eco2 where` shows.
struct CarbonSetup {
    std::shared_ptr<const IntensityProvider> intensity;  ///< never null
    std::shared_ptr<const PriceProvider> price;          ///< null without a tariff
    std::optional<Tariff> tariff;
    std::string currency;
    std::shared_ptr<const IntensitySeries> series;  ///< when the series gives the value
    Location location;                              ///< the zone found and every step of the chain
    std::optional<ZoneIntensity> zone_value;  ///< the zone's database value, when the location found a zone
    std::string value_from;  ///< what gives the value: "intensity 50 gCO2/kWh (flag --intensity)", "zone FR: ..."
    std::vector<CarbonWarning> warnings;  ///< for the summary (world average used...)
};

/// Whether the request names something setup_carbon() could reject (a region, a user table, a series, a year,
/// marginal values, a tariff) or that may take long (geolocation): a caller that starts work before resolving
/// the location does those first, so that a mistake stops it before anything runs.
bool needs_checking(const CarbonRequest& request);

/// Builds the set-up. Throws eco2::Error for a bad region, table, series or tariff (the message names the
/// setting's origin).
CarbonSetup setup_carbon(const CarbonRequest& request, const CarbonContext& context = {});

/// The one fallback when nothing else gives a value: the world average (WORLD_AVERAGE_G_PER_KWH), region
/// "World", and the warning "<why>: world average 436.5 gCO2/kWh used" that says setting the region avoids it.
/// source: the provider's source (location_source); empty: world_average_source(why).
CarbonSetup world_average_setup(const std::string& why, std::string source = {});

/// A warning as one line for an interface: the message, then "; set <names(setting, value)>" when a setting
/// helps and the interface names it (names: the interface's eco2::SettingNames, e.g. "--region ZONE").
std::string describe(const CarbonWarning& warning, const SettingNames& names);

}  // namespace eco2::carbon
