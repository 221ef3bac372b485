// The CLI's options through the library's carbon set-up: what `eco2 run`, `where` and `estimate` get.
#include "carbon_request.hpp"

#include <gtest/gtest.h>

#include "../test_util.hpp"
#include "../carbon/carbon_test_context.hpp"
#include "eco2/error.hpp"

using namespace eco2;
using namespace eco2::cli;
using carbon::CarbonContext;
using carbon::CarbonSetup;
using eco2::test::TempDir;

namespace {

CarbonContext context(std::optional<std::string> tz) { return eco2::test::carbon_context(std::move(tz)); }

Options options(std::vector<std::string> args, std::map<std::string, std::string> env = {},
                std::optional<std::string> local = std::nullopt) {
    args.insert(args.begin(), "where");
    Inputs in;
    in.environment = std::move(env);
    in.config_files = {{"/proj/eco2.toml", std::move(local), Level::local_config}};
    Parsed p = parse(args, in);
    EXPECT_FALSE(p.error) << p.error.value_or("");
    return p.options;
}

const auto now = std::chrono::system_clock::now;

CarbonSetup setup(const Options& o, const CarbonContext& ctx, bool full_chain = false) {
    return carbon::setup_carbon(carbon_request(o, full_chain), ctx);
}

bool needs_checking(const Options& o) { return carbon::needs_checking(carbon_request(o)); }

}  // namespace

TEST(CarbonSetup, RegionFromTheConfigFileGivesTheDatabaseValueAndSaysWhere) {
    const CarbonSetup c = setup(options({}, {}, "\nregion = \"fr\"\n"), context("Europe/Oslo"));
    const ZoneIntensity fr = zone_intensity("FR");
    EXPECT_DOUBLE_EQ(c.intensity->at(now()), fr.g_per_kwh);
    EXPECT_EQ(c.intensity->region(), "FR");
    EXPECT_NE(c.intensity->source().find("/proj/eco2.toml:2 fr"), std::string::npos) << c.intensity->source();
    EXPECT_NE(c.intensity->source().find(fr.source), std::string::npos);
    EXPECT_TRUE(c.warnings.empty());
}

TEST(CarbonSetup, YearAndMarginalReachTheDatabase) {
    const CarbonSetup y = setup(options({"--region", "FR", "--year", "2022"}), context("UTC"));
    EXPECT_DOUBLE_EQ(y.intensity->at(now()), zone_intensity("FR", 2022).g_per_kwh);
    const CarbonSetup m = setup(options({"--region", "FR", "--marginal"}), context("UTC"));
    EXPECT_DOUBLE_EQ(m.intensity->at(now()),
                     zone_intensity("FR", std::nullopt, IntensityKind::marginal).g_per_kwh);
    EXPECT_THROW(setup(options({"--region", "FR", "--year", "1990"}), context("UTC")), Error);
}

TEST(CarbonSetup, TimeZoneWhenNothingIsSetAndWorldAverageWithAWarningWhenItNamesNoPlace) {
    const CarbonSetup oslo = setup(options({}), context("Europe/Oslo"));
    EXPECT_EQ(oslo.intensity->region(), "NO");
    EXPECT_DOUBLE_EQ(oslo.intensity->at(now()), zone_intensity("NO").g_per_kwh);
    EXPECT_NE(oslo.intensity->source().find("time zone Europe/Oslo"), std::string::npos);
    const CarbonSetup utc = setup(options({}), context("UTC"));
    EXPECT_DOUBLE_EQ(utc.intensity->at(now()), WORLD_AVERAGE_G_PER_KWH);
    EXPECT_EQ(utc.intensity->region(), "World");
    ASSERT_EQ(utc.warnings.size(), 1u);
    // The library's warning names the setting; the CLI's line names its options.
    EXPECT_EQ(utc.warnings[0].setting, "region");
    EXPECT_EQ(utc.warnings[0].message.find("--"), std::string::npos) << utc.warnings[0].message;
    const std::vector<std::string> lines = carbon_warnings(utc);
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_EQ(lines[0],
              "no region known: world average 436.5 gCO2/kWh used; set --region ZONE (or ECO2_REGION, or "
              "region in eco2.toml; `eco2 regions` lists the zones)");
}

TEST(CarbonSetup, IntensityOverridesTheValueAndKeepsAnExplicitRegionName) {
    CarbonSetup c = setup(options({"--intensity", "240", "--region", "DE"}), context("Europe/Oslo"));
    EXPECT_DOUBLE_EQ(c.intensity->at(now()), 240.0);
    EXPECT_EQ(c.intensity->region(), "DE");
    EXPECT_NE(c.intensity->source().find("intensity 240 gCO2/kWh (flag --intensity)"), std::string::npos)
        << c.intensity->source();
    // A zone guessed from the time zone does not name the region of a value given by hand.
    c = setup(options({"--intensity", "240"}), context("Europe/Oslo"), /*full_chain=*/true);
    EXPECT_EQ(c.location.zone, "NO");
    EXPECT_EQ(c.intensity->region(), "user-supplied");
    c = setup(options({}, {{"ECO2_INTENSITY", "56"}}), context("UTC"));
    EXPECT_DOUBLE_EQ(c.intensity->at(now()), 56.0);
    EXPECT_EQ(c.intensity->region(), "user-supplied");
    EXPECT_TRUE(c.warnings.empty());  // no world-average warning: the value is given
}

TEST(CarbonSetup, SeriesGivesTheValueUnlessAHigherLevelIntensityDoes) {
    TempDir dir;
    eco2::test::write_file(dir / "g.csv", "2000-01-01T00:00Z,77\n");
    const std::string series = (dir / "g.csv").string();
    CarbonSetup c =
        setup(options({"--intensity-series", series}, {{"ECO2_INTENSITY", "56"}}), context("UTC"));
    ASSERT_TRUE(c.series);
    EXPECT_DOUBLE_EQ(c.intensity->at(now()), 77.0);
    EXPECT_EQ(c.intensity->region(), "user series");
    c = setup(options({"--intensity", "56"}, {{"ECO2_INTENSITY_SERIES", series}}), context("UTC"));
    EXPECT_FALSE(c.series);
    EXPECT_DOUBLE_EQ(c.intensity->at(now()), 56.0);
    EXPECT_THROW(setup(options({"--intensity-series", (dir / "none.csv").string()}), context("UTC")),
                 Error);
}

TEST(CarbonSetup, UserTableOverridesTheDatabase) {
    TempDir dir;
    eco2::test::write_file(dir / "t.csv", "zone,gCO2/kWh\nNorway,12.5\n");
    const CarbonSetup c =
        setup(options({"--intensity-table", (dir / "t.csv").string()}), context("Europe/Oslo"));
    EXPECT_DOUBLE_EQ(c.intensity->at(now()), 12.5);
    EXPECT_NE(c.intensity->source().find("user table"), std::string::npos);
}

TEST(CarbonSetup, TariffBecomesAPriceProvider) {
    const CarbonSetup c = setup(options({"--tariff", "0.3", "--currency", "EUR"}), context("UTC"));
    ASSERT_TRUE(c.price);
    EXPECT_DOUBLE_EQ(c.price->at(now()), 0.3);
    EXPECT_EQ(c.price->currency(), "EUR");
    EXPECT_FALSE(setup(options({}), context("UTC")).price);
}

TEST(CarbonSetup, GeolocationFailureFallsBackOffline) {
    const CarbonSetup c = setup(options({"--geolocate"}), context("Europe/Oslo"));
    EXPECT_EQ(c.intensity->region(), "NO");
    bool failed_step = false;
    for (const auto& s : c.location.steps)
        failed_step =
            failed_step || (s.name == "geolocation" && s.detail.find("no network") != std::string::npos);
    EXPECT_TRUE(failed_step);
}

// eco2 run checks before starting the command exactly what setup() could reject.
TEST(CarbonSetup, OnlyWhatCouldBeWrongIsCheckedBeforeTheCommandStarts) {
    EXPECT_FALSE(needs_checking(options({})));
    EXPECT_FALSE(needs_checking(options({"--intensity", "300"})));
    EXPECT_TRUE(needs_checking(options({"--geolocate"})));  // slow: done before the tracker starts
    EXPECT_TRUE(needs_checking(options({"--region", "FR"})));
    EXPECT_TRUE(needs_checking(options({}, {{"ECO2_REGION", "FR"}})));
    EXPECT_TRUE(needs_checking(options({}, {}, "region = \"FR\"\n")));
    EXPECT_TRUE(needs_checking(options({"--year", "2023"})));
    EXPECT_TRUE(needs_checking(options({"--marginal"})));
    EXPECT_TRUE(needs_checking(options({"--intensity-table", "t.csv"})));
    EXPECT_TRUE(needs_checking(options({"--intensity-series", "s.csv"})));
    EXPECT_TRUE(needs_checking(options({"--tariff", "00:00-24:00=0.2"})));
    // What these options could not reject does not need the check: without them no setup throws.
    EXPECT_NO_THROW(setup(options({"--geolocate"}), context("Antarctica/Troll")));
    EXPECT_NO_THROW(setup(options({}), context("Nowhere/Unknown")));
}
