#pragma once
// From options to the carbon intensity and price a run, `eco2 where` or `eco2 estimate` uses: the user table,
// the location chain, the value precedence (--intensity > --intensity-series > the zone's value > the world
// average) and the tariff. Reads files (tables, series, tzdata) and may ask a geolocation service, all
// through the context so tests can substitute them.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "carbon/intensity_series.hpp"
#include "carbon/location.hpp"
#include "carbon/tariff.hpp"
#include "cli.hpp"
#include "eco2/carbon.hpp"
#include "eco2/zones.hpp"

namespace eco2::cli {

/// What setup_carbon() reads from the system.
struct CarbonContext {
    carbon::TimeZoneSystem time_zone = carbon::TimeZoneSystem::from_environment();
    /// Asks a geolocation service (url, timeout in s); default: carbon::geolocate.
    std::function<carbon::GeoAnswer(const std::string& url, double timeout_s)> geolocate;
};

struct CarbonSetup {
    std::shared_ptr<const IntensityProvider> intensity;  ///< never null
    std::shared_ptr<const PriceProvider> price;          ///< null without a tariff
    std::optional<carbon::Tariff> tariff;
    std::string currency;
    std::shared_ptr<const carbon::IntensitySeries> series;  ///< when the series gives the value
    carbon::Location location;
    std::optional<ZoneIntensity> zone_value;  ///< the zone's database value, when the location found a zone
    std::string value_from;                   ///< what gives the value: "--intensity (flag --intensity)", ...
    std::vector<std::string> warnings;        ///< for the summary (world average used...)
};

/// Whether the options name something setup_carbon() could reject: a region (at any level), a user table, an
/// intensity series, a year, marginal values or a tariff; or that may take long (--geolocate). `eco2 run` does
/// those before it starts the command, so that a mistake stops it first; without them it starts the command at
/// once and resolves the location (time zone) and the value while the command runs.
bool carbon_needs_checking(const Options& options);

/// Builds the setup. full_chain: run the location chain to the end even when the value is given (eco2 where
/// shows it); otherwise only explicit region settings are looked at then. Throws eco2::Error for a bad
/// region, table, series or tariff (the message names where it came from).
CarbonSetup setup_carbon(const Options& options, const CarbonContext& context, bool full_chain = false);

}  // namespace eco2::cli
