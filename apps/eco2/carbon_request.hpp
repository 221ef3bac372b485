#pragma once
// The CLI's side of the carbon set-up (src/carbon/carbon_setup.hpp): the options become a neutral
// CarbonRequest (the four places a region may be set, the winner of --intensity and --intensity-series by
// precedence level), and the set-up's warnings get the CLI's option names.

#include <string>
#include <vector>

#include "carbon/carbon_setup.hpp"
#include "cli.hpp"

namespace eco2::cli {

/// The request of the options. full_chain: run the location chain to the end even when the value is given
/// (eco2 where shows it).
carbon::CarbonRequest carbon_request(const Options& options, bool full_chain = false);

/// The set-up's warnings as lines for stderr and the records, naming the CLI's options ("set --region ZONE
/// (or ECO2_REGION...)").
std::vector<std::string> carbon_warnings(const carbon::CarbonSetup& setup);

}  // namespace eco2::cli
