// The library's carbon set-up from a neutral request, as the Python module and the C API call it (the CLI's
// options through it: tests/unit/cli/carbon_request_test.cpp).
#include "carbon/carbon_setup.hpp"

#include <gtest/gtest.h>

#include "../test_util.hpp"
#include "carbon_test_context.hpp"
#include "eco2/error.hpp"

using namespace eco2;
using namespace eco2::carbon;
using eco2::test::TempDir;

namespace {

CarbonContext context(std::optional<std::string> tz) { return eco2::test::carbon_context(std::move(tz)); }

// One place a region may be set, as an API has it.
CarbonRequest with_region(std::optional<std::string> region) {
    CarbonRequest r;
    r.regions.push_back({"zone argument", std::move(region), "zone argument", "not given"});
    return r;
}

const auto now = std::chrono::system_clock::now;

const LocationStep& step(const CarbonSetup& c, const std::string& name) {
    for (const LocationStep& s : c.location.steps)
        if (s.name == name) return s;
    throw std::runtime_error("no step " + name);
}

}  // namespace

TEST(CarbonSetupRequest, ARegionGivesTheZoneValueAndEveryStepIsRecorded) {
    const CarbonSetup c = setup_carbon(with_region("fr"), context("Europe/Oslo"));
    EXPECT_EQ(c.intensity->region(), "FR");
    EXPECT_DOUBLE_EQ(c.intensity->at(now()), zone_intensity("FR").g_per_kwh);
    EXPECT_NE(c.intensity->source().find("zone argument fr"), std::string::npos) << c.intensity->source();
    EXPECT_EQ(step(c, "zone argument").status, StepStatus::used);
    EXPECT_EQ(step(c, "geolocation").status, StepStatus::off);
    EXPECT_EQ(step(c, "time zone").status, StepStatus::not_reached);
    EXPECT_EQ(step(c, "world average").status, StepStatus::not_reached);
    EXPECT_TRUE(c.warnings.empty());
    EXPECT_FALSE(c.price);
}

TEST(CarbonSetupRequest, CloudProviderQualifiesAPlainRegionName) {
    CarbonRequest r = with_region("europe-west4");
    r.cloud = "gcp";
    const CarbonSetup c = setup_carbon(r, context("UTC"));
    ASSERT_TRUE(c.location.zone);
    EXPECT_EQ(*c.location.zone, ZoneDatabase::builtin().resolve("gcp:europe-west4").zone->key);
    // A region that names its provider keeps it.
    r = with_region("aws:us-east-1");
    r.cloud = "gcp";
    EXPECT_EQ(*setup_carbon(r, context("UTC")).location.zone,
              ZoneDatabase::builtin().resolve("aws:us-east-1").zone->key);
}

TEST(CarbonSetupRequest, NothingKnownIsTheOneWorldAverageWithANeutralWarning) {
    const CarbonSetup c = setup_carbon(with_region(std::nullopt), context("UTC"));
    EXPECT_DOUBLE_EQ(c.intensity->at(now()), WORLD_AVERAGE_G_PER_KWH);
    EXPECT_EQ(c.intensity->region(), "World");
    EXPECT_EQ(step(c, "world average").status, StepStatus::used);
    ASSERT_EQ(c.warnings.size(), 1u);
    EXPECT_EQ(c.warnings[0].setting, "region");
    EXPECT_EQ(c.warnings[0].message, "no region known: world average 436.5 gCO2/kWh used");
    EXPECT_EQ(c.warnings[0].value, "ZONE");
    // Each interface names the setting (its SettingNames); without names, or for a setting it has no name
    // for, the message alone.
    const SettingNames names = [](std::string_view s, std::string_view v) {
        return s == "region" ? "zone=" + std::string(v) : std::string();
    };
    EXPECT_EQ(describe(c.warnings[0], names),
              "no region known: world average 436.5 gCO2/kWh used; set zone=ZONE");
    EXPECT_EQ(describe(c.warnings[0], {}), c.warnings[0].message);
    EXPECT_EQ(describe({"x", "cloud", ""}, names), "x");
    // The same fallback as a caller's own (eco2 run when a guessed zone has no value).
    const CarbonSetup f = world_average_setup("zone XX has no value");
    EXPECT_DOUBLE_EQ(f.intensity->at(now()), WORLD_AVERAGE_G_PER_KWH);
    EXPECT_EQ(f.intensity->source(), "default: world average 436.5 gCO2/kWh (zone XX has no value)");
    EXPECT_EQ(f.warnings[0].message, "zone XX has no value: world average 436.5 gCO2/kWh used");
    EXPECT_EQ(world_average_intensity()->source(),
              "default: world average 436.5 gCO2/kWh (no region or intensity set)");
}

TEST(CarbonSetupRequest, FixedIntensityBeatsTheSeriesWhichBeatsTheZone) {
    TempDir dir;
    eco2::test::write_file(dir / "g.csv", "2000-01-01T00:00Z,77\n");
    CarbonRequest r = with_region("DE");
    r.intensity_series = Given<std::string>{(dir / "g.csv").string(), "intensity_series argument"};
    CarbonSetup c = setup_carbon(r, context("UTC"));
    ASSERT_TRUE(c.series);
    EXPECT_DOUBLE_EQ(c.intensity->at(now()), 77.0);
    EXPECT_EQ(c.intensity->region(), "DE");  // the explicit zone names the series' value
    EXPECT_NE(c.value_from.find("intensity_series argument"), std::string::npos) << c.value_from;
    r.intensity = Given<double>{12.0, "intensity argument"};
    c = setup_carbon(r, context("UTC"));
    EXPECT_FALSE(c.series);
    EXPECT_DOUBLE_EQ(c.intensity->at(now()), 12.0);
    EXPECT_EQ(c.value_from, "intensity 12 gCO2/kWh (intensity argument)");
    ASSERT_TRUE(c.zone_value);  // the zone's own value, for `where`
    EXPECT_DOUBLE_EQ(c.zone_value->g_per_kwh, zone_intensity("DE").g_per_kwh);
}

TEST(CarbonSetupRequest, YearKindTableAndTariff) {
    CarbonRequest r = with_region("FR");
    r.year = 2021;
    r.kind = IntensityKind::marginal;
    EXPECT_DOUBLE_EQ(setup_carbon(r, context("UTC")).intensity->at(now()),
                     zone_intensity("FR", 2021, IntensityKind::marginal).g_per_kwh);
    r.year = 2022;  // a year the zone has no marginal value for: the message says where the zone came from
    try {
        setup_carbon(r, context("UTC"));
        ADD_FAILURE() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(std::string(e.what()).rfind("zone argument FR: no marginal intensity", 0), 0u) << e.what();
    }
    TempDir dir;
    eco2::test::write_file(dir / "t.csv", "zone,gCO2/kWh\nNorway,12.5\n");
    r = with_region(std::nullopt);
    r.user_table = Given<std::string>{(dir / "t.csv").string(), "table argument"};
    r.tariff = Given<std::string>{"0.3", "tariff argument"};
    r.currency = "EUR";
    const CarbonSetup c = setup_carbon(r, context("Europe/Oslo"));
    EXPECT_DOUBLE_EQ(c.intensity->at(now()), 12.5);
    ASSERT_TRUE(c.price);
    EXPECT_DOUBLE_EQ(c.price->at(now()), 0.3);
    EXPECT_EQ(c.price->currency(), "EUR");
}

TEST(CarbonSetupRequest, MistakesNameTheSettingsOriginAndNoOption) {
    const auto message = [](const CarbonRequest& r) {
        try {
            setup_carbon(r, context("UTC"));
        } catch (const Error& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    const std::string unknown = message(with_region("Atlantis"));
    EXPECT_EQ(unknown.rfind("zone argument: ", 0), 0u) << unknown;
    CarbonRequest r = with_region(std::nullopt);
    r.tariff = Given<std::string>{"25:00-01:00=1", "tariff argument"};
    EXPECT_EQ(message(r).rfind("tariff argument: ", 0), 0u) << message(r);
    const std::string spans = message(with_region("Missouri"));
    EXPECT_NE(spans.find("the likely ones"), std::string::npos) << spans;
    for (const std::string& m : {unknown, spans}) EXPECT_EQ(m.find("--"), std::string::npos) << m;
}

TEST(CarbonSetupRequest, OnlyWhatCouldBeRejectedNeedsChecking) {
    EXPECT_FALSE(needs_checking(with_region(std::nullopt)));
    CarbonRequest r = with_region(std::nullopt);
    r.intensity = Given<double>{300.0, "x"};
    EXPECT_FALSE(needs_checking(r));
    EXPECT_TRUE(needs_checking(with_region("FR")));
    r.geolocate = true;
    EXPECT_TRUE(needs_checking(r));
}
