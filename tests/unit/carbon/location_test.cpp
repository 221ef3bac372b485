#include "carbon/location.hpp"

#include <gtest/gtest.h>

#include "../test_util.hpp"
#include "eco2/error.hpp"

using namespace eco2;
using namespace eco2::carbon;
using eco2::test::fixture;

namespace {

LocationInputs inputs(std::optional<std::string> tz) {
    LocationInputs in;
    in.settings = {{"--region", std::nullopt, "", "not given"},
                   {"ECO2_REGION", std::nullopt, "", "not set"},
                   {"./eco2.toml", std::nullopt, "", "no eco2.toml"},
                   {"user config", std::nullopt, "", "no config.toml"}};
    in.time_zone.tz = std::move(tz);
    in.time_zone.zoneinfo = fixture("tzdata");
    in.time_zone.localtime = "/nonexistent/localtime";
    in.time_zone.timezone_file = "/nonexistent/timezone";
    return in;
}

const LocationStep& step(const Location& l, const std::string& name) {
    for (const auto& s : l.steps)
        if (s.name == name) return s;
    throw std::runtime_error("no step " + name);
}

const ZoneDatabase& db() {
    return ZoneDatabase::builtin();
}

}  // namespace

TEST(Location, ExplicitSettingsInPrecedenceOrder) {
    auto in = inputs("Europe/Oslo");
    in.settings[1].value = "DE";
    in.settings[1].origin = "environment ECO2_REGION";
    in.settings[2].value = "FR";
    in.settings[2].origin = "eco2.toml:3";
    Location l = resolve_location(in, db());
    EXPECT_EQ(l.zone, "DE");
    EXPECT_EQ(l.source, "environment ECO2_REGION DE");
    EXPECT_EQ(step(l, "--region").status, StepStatus::not_set);
    EXPECT_EQ(step(l, "ECO2_REGION").status, StepStatus::used);
    EXPECT_EQ(step(l, "./eco2.toml").status, StepStatus::not_reached);
    EXPECT_EQ(step(l, "geolocation").status, StepStatus::off);  // off says off, whatever decided
    EXPECT_EQ(step(l, "time zone").status, StepStatus::not_reached);
    EXPECT_EQ(step(l, "world average").status, StepStatus::not_reached);
    EXPECT_EQ(l.steps.size(), 7u);
    EXPECT_NE(step(l, "world average").status, StepStatus::used);
    EXPECT_FALSE(l.guessed);

    in.settings[0].value = "fra";
    in.settings[0].origin = "flag --region";
    l = resolve_location(in, db());
    EXPECT_EQ(l.zone, "FR");
    EXPECT_NE(step(l, "--region").detail.find("alpha-3"), std::string::npos);
}

TEST(Location, AnExplicitRegionThatNamesNothingIsAnErrorNamingItsOrigin) {
    auto in = inputs("Europe/Oslo");
    in.settings[2].value = "Frnace";
    in.settings[2].origin = "eco2.toml:3";
    try {
        resolve_location(in, db());
        FAIL();
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Errc::not_found);
        EXPECT_NE(std::string(e.what()).find("eco2.toml:3"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("France"), std::string::npos) << e.what();
    }
}

TEST(Location, TimeZoneGivesTheCountryOrTheSubnationalZone) {
    Location oslo = resolve_location(inputs("Europe/Oslo"), db());
    EXPECT_EQ(oslo.zone, "NO");
    EXPECT_NE(oslo.source.find("time zone Europe/Oslo"), std::string::npos) << oslo.source;
    EXPECT_EQ(step(oslo, "time zone").status, StepStatus::used);
    EXPECT_TRUE(oslo.guessed);
    EXPECT_NE(step(oslo, "world average").status, StepStatus::used);

    Location sydney = resolve_location(inputs("Australia/Sydney"), db());
    EXPECT_EQ(sydney.zone, "AU-NSW");
    EXPECT_NE(sydney.source.find("New South Wales"), std::string::npos) << sydney.source;
}

// The warning that says how to set the region is the set-up's (carbon_setup_test.cpp, carbon_request_test.cpp).
TEST(Location, NoPlaceGivesTheWorldAverageAndSaysWhy) {
    for (const char* tz : {"UTC", "CET-1CEST", "Antarctica/McMurdo"}) {
        Location l = resolve_location(inputs(tz), db());
        EXPECT_FALSE(l.zone) << tz;
        EXPECT_EQ(step(l, "time zone").status, StepStatus::failed) << tz;
        EXPECT_EQ(step(l, "world average").status, StepStatus::used) << tz;
        EXPECT_NE(l.source.find("default: world average 436.5 gCO2/kWh (no region set; "), std::string::npos)
            << l.source;
    }
}

TEST(Location, GeolocationWhenOnComesBeforeTheTimeZone) {
    auto in = inputs("Europe/Oslo");
    in.geolocate = true;
    in.geolocator = [] { return GeoAnswer{"US", "US-CA", "California", "http://test"}; };
    Location l = resolve_location(in, db());
    EXPECT_EQ(l.zone, "US-CAL-CISO");
    EXPECT_EQ(step(l, "geolocation").status, StepStatus::used);
    EXPECT_EQ(step(l, "time zone").status, StepStatus::not_reached);

    in.geolocator = [] {
        return GeoAnswer{"US", "US-WY", "Wyoming", "http://test"};
    };  // no single zone: country
    EXPECT_EQ(resolve_location(in, db()).zone, "US");
}

TEST(Location, AFailedGeolocationFallsThroughToTheTimeZone) {
    auto in = inputs("Europe/Oslo");
    in.geolocate = true;
    in.geolocator = []() -> GeoAnswer { throw Error(Errc::io_error, "no answer within 2000 ms"); };
    Location l = resolve_location(in, db());
    EXPECT_EQ(l.zone, "NO");
    EXPECT_EQ(step(l, "geolocation").status, StepStatus::failed);
    EXPECT_NE(step(l, "geolocation").detail.find("2000 ms"), std::string::npos);
}

TEST(Location, GeolocationIsNotAskedWhenOffOrWhenARegionIsSet) {
    auto in = inputs("Europe/Oslo");
    int calls = 0;
    in.geolocator = [&] {
        ++calls;
        return GeoAnswer{"FR", std::nullopt, "", "x"};
    };
    resolve_location(in, db());
    in.geolocate = true;
    in.settings[0].value = "DE";
    in.settings[0].origin = "flag --region";
    EXPECT_EQ(resolve_location(in, db()).zone, "DE");
    EXPECT_EQ(calls, 0);
}

TEST(Location, OnlyExplicitSettingsWhenTheValueIsGivenAnyway) {
    auto in = inputs("Europe/Oslo");
    in.use_time_zone = false;
    Location l = resolve_location(in, db());
    EXPECT_FALSE(l.zone);
    EXPECT_NE(step(l, "world average").status, StepStatus::used);
    EXPECT_EQ(step(l, "time zone").status, StepStatus::not_reached);
}
