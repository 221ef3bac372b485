#pragma once
// Option rows shared by several commands: each group is defined once and named in the option lists of the
// commands that show it (--help order is the order of the list).

#include <string>
#include <vector>

#include "command.hpp"

namespace eco2::cli::shared {

RowGroup scope();      ///< --scope (run, sensors)
RowGroup pue();        ///< --pue (run, estimate)
RowGroup otlp();       ///< --otlp URL (run, agent)
RowGroup cpu();        ///< --cpu-tdp, --cpu-name (run, sensors)
RowGroup format();     ///< --format table|json (sensors, where, estimate, version)
RowGroup zone();       ///< --cloud, --year, --marginal (run, where, estimate, regions)
RowGroup table();      ///< --intensity-table (run, where, estimate, regions)
RowGroup price();      ///< --tariff, --currency (run, where, estimate)
/// Where the electricity comes from: --region, zone(), --intensity, [--intensity-series], table(),
/// --geolocate, --geolocate-url, --geolocate-timeout (run and where with the series, estimate without).
std::vector<RowGroup> location(bool with_series);

/// The checks of location() and price(): --cloud aws --region us-east-1 becomes the region "aws:us-east-1"
/// (wherever each was given); --intensity and --intensity-series given at the same level is an error.
/// Returns an error message or "".
std::string check_location(Options& o, std::string_view command);

}  // namespace eco2::cli::shared
