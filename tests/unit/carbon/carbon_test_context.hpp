#pragma once
// The system the carbon set-up's tests give it: a time zone over the tests' tzdata fixture, and no network.

#include <optional>
#include <string>

#include "../test_util.hpp"
#include "carbon/carbon_setup.hpp"
#include "eco2/error.hpp"

namespace eco2::test {

inline carbon::CarbonContext carbon_context(std::optional<std::string> tz) {
    carbon::CarbonContext c;
    c.time_zone.tz = std::move(tz);
    c.time_zone.zoneinfo = fixture("tzdata");
    c.time_zone.localtime = "/nonexistent/localtime";
    c.time_zone.timezone_file = "/nonexistent/timezone";
    c.geolocate = [](const std::string&, double) -> carbon::GeoAnswer {
        throw Error(Errc::io_error, "the test allows no network");
    };
    return c;
}

}  // namespace eco2::test
