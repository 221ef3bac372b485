#include "carbon/intensity_series.hpp"

#include <gtest/gtest.h>

#include <iomanip>
#include <sstream>

#include "../test_util.hpp"
#include "eco2/error.hpp"
#include "eco2/tracker.hpp"

using namespace eco2;
using carbon::IntensitySeries;
using carbon::parse_timestamp;
using std::chrono::seconds;
using std::chrono::system_clock;

namespace {

system_clock::time_point unix_s(double s) {
    return system_clock::time_point(
        std::chrono::duration_cast<system_clock::duration>(std::chrono::duration<double>(s)));
}

std::string error_of(const std::string& text) {
    try {
        IntensitySeries::parse(text, "grid.csv", "XX");
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Errc::invalid_argument);
        return e.what();
    }
    return "no error";
}

}  // namespace

TEST(Timestamp, Iso8601WithAndWithoutOffsetAndUnixSeconds) {
    const auto t = unix_s(1704067200);  // 2024-01-01T00:00:00Z
    EXPECT_EQ(parse_timestamp("2024-01-01T00:00:00Z"), t);
    EXPECT_EQ(parse_timestamp("2024-01-01T00:00Z"), t);
    EXPECT_EQ(parse_timestamp("2024-01-01 00:00:00"), t);  // no offset: UTC
    EXPECT_EQ(parse_timestamp("2024-01-01"), t);
    EXPECT_EQ(parse_timestamp("2024-01-01T01:00:00+01:00"), t);
    EXPECT_EQ(parse_timestamp("2024-01-01T02:00:00+0200"), t);
    EXPECT_EQ(parse_timestamp("2023-12-31T19:00:00-05"), t);
    EXPECT_EQ(parse_timestamp(" 1704067200 "), t);
    EXPECT_EQ(parse_timestamp("1704067200.5"), t + std::chrono::milliseconds(500));
    EXPECT_EQ(parse_timestamp("2024-01-01T00:00:00.250Z"), t + std::chrono::milliseconds(250));
    EXPECT_EQ(parse_timestamp("2024-02-29T12:00:00Z"), unix_s(1709208000));  // leap day
}

// Failed before: 2300-01-01 overflowed the nanosecond clock and came back as 1715; 9.3e9 unix seconds too.
TEST(Timestamp, BeyondTheClocksRangeIsRefusedNotWrapped) {
    EXPECT_EQ(parse_timestamp("2300-01-01"), std::nullopt);
    EXPECT_EQ(parse_timestamp("2300-01-01T00:00:00Z"), std::nullopt);
    EXPECT_EQ(parse_timestamp("2262-04-12"), std::nullopt);
    EXPECT_EQ(parse_timestamp("9300000000"), std::nullopt);
    EXPECT_EQ(parse_timestamp("1600-01-01"), std::nullopt);
    EXPECT_EQ(parse_timestamp("2262-04-10T23:00:00Z"), unix_s(9223282800));  // still in range
    const std::string err = error_of("timestamp,gCO2/kWh\n2024-01-01,50\n2300-01-01,60\n");
    EXPECT_NE(err.find("2262-04-11"), std::string::npos) << err;
}

TEST(Timestamp, ImpossibleOrOtherTextIsRefused) {
    for (const char* bad :
         {"2023-02-29", "2024-13-01", "2024-01-01T24:00", "2024-01-01T10:60", "2024-1-1", "yesterday", "",
          "2024-01-01T10:00:00+25:00", "2024-01-01T10:00:00Zulu", "1e9", "-5", "17040.", ".5"})
        EXPECT_FALSE(parse_timestamp(bad).has_value()) << bad;
}

TEST(IntensitySeries, StepsThroughThePointsAndUsesTheFirstBeforeIt) {
    auto s = IntensitySeries::parse("2024-01-01T00:00Z,100\n2024-01-01T01:00Z,200\n2024-01-01T02:00Z,50\n",
                                    "grid.csv", "XX");
    const auto t0 = unix_s(1704067200);
    EXPECT_DOUBLE_EQ(s->at(t0 - seconds(3600)), 100.0);  // before the first point: the first
    EXPECT_DOUBLE_EQ(s->at(t0), 100.0);
    EXPECT_DOUBLE_EQ(s->at(t0 + seconds(3599)), 100.0);
    EXPECT_DOUBLE_EQ(s->at(t0 + seconds(3600)), 200.0);
    EXPECT_DOUBLE_EQ(s->at(t0 + seconds(7300)), 50.0);
    EXPECT_DOUBLE_EQ(s->at(t0 + seconds(86400 * 10)), 50.0);
    EXPECT_EQ(s->region(), "XX");
    EXPECT_EQ(s->source(),
              "intensity series grid.csv (3 points, 2024-01-01T00:00:00Z to 2024-01-01T02:00:00Z)");
}

TEST(IntensitySeries, HeaderColumnsAreFoundByNamePreferringLifeCycle) {
    const std::string em =
        "Datetime (UTC),Country,Zone Name,Zone Id,Carbon Intensity gCO2eq/kWh (direct),Carbon Intensity "
        "gCO2eq/kWh (LCA)\n"
        "2024-01-01 00:00:00,France,France,FR,20,35\n"
        "2024-01-01 01:00:00,France,France,FR,22,38\n";
    auto s = IntensitySeries::parse(em, "fr.csv", "FR");
    ASSERT_EQ(s->points().size(), 2u);
    EXPECT_DOUBLE_EQ(s->points()[1].g_per_kwh, 38.0);
    EXPECT_EQ(s->points()[1].line, 3u);
    auto plain = IntensitySeries::parse(
        "# grid operator export\ntimestamp,gCO2/kWh\n1704067200,80\n\n1704070800,90\n", "g.csv", "XX");
    EXPECT_DOUBLE_EQ(plain->at(unix_s(1704070800)), 90.0);
}

TEST(IntensitySeries, ErrorsNameFileAndLine) {
    EXPECT_NE(error_of("2024-01-01T00:00Z,100\n2024-02-30T00:00Z,100\n").find("grid.csv:2:"),
              std::string::npos);
    EXPECT_NE(error_of("2024-01-01T00:00Z,100\n2024-01-01T01:00Z,lots\n")
                  .find("grid.csv:2: \"lots\" is not a carbon intensity"),
              std::string::npos);
    EXPECT_NE(error_of("2024-01-01T00:00Z,100\n2024-01-01T01:00Z,-3\n").find("grid.csv:2:"),
              std::string::npos);
    const std::string order = error_of("2024-01-01T01:00Z,100\n2024-01-01T00:00Z,100\n");
    EXPECT_NE(order.find("grid.csv:2:"), std::string::npos) << order;
    EXPECT_NE(order.find("(line 1)"), std::string::npos) << order;
    EXPECT_NE(error_of("2024-01-01T01:00Z,100\n2024-01-01T01:00Z,100\n").find("grid.csv:2:"),
              std::string::npos);
    EXPECT_NE(error_of("2024-01-01T00:00Z,100,7\n").find("grid.csv:1: 3 fields without a header"),
              std::string::npos);
    EXPECT_NE(error_of("when,what\n2024-01-01T00:00Z,1\n").find("grid.csv:1: no timestamp column"),
              std::string::npos);
    EXPECT_NE(error_of("time,price\n2024-01-01T00:00Z,1\n").find("no carbon-intensity column"),
              std::string::npos);
    EXPECT_NE(error_of("").find("no data"), std::string::npos);
    EXPECT_NE(error_of("time,gco2\n").find("a header but no data"), std::string::npos);
}

TEST(IntensitySeries, CoverageWarningsSayWhatWasAssumed) {
    auto s = IntensitySeries::parse("1000,100\n2000,200\n3000,300\n", "g.csv", "XX");
    EXPECT_TRUE(s->coverage_warnings(unix_s(1500), unix_s(3500)).empty());  // within one step of the end
    const auto before = s->coverage_warnings(unix_s(500), unix_s(2500));
    ASSERT_EQ(before.size(), 1u);
    EXPECT_NE(before[0].find("started before the first point"), std::string::npos);
    EXPECT_NE(before[0].find("100 gCO2/kWh"), std::string::npos);
    const auto after = s->coverage_warnings(unix_s(1500), unix_s(5000));
    ASSERT_EQ(after.size(), 1u);
    EXPECT_NE(after[0].find("after the intensity series ends"), std::string::npos);
}

TEST(IntensitySeries, LoadReadsAFileAndReportsAMissingOne) {
    test::TempDir dir;
    test::write_file(dir / "g.csv", "2024-01-01T00:00Z,42\n");
    EXPECT_DOUBLE_EQ(IntensitySeries::load(dir / "g.csv", "XX")->at(system_clock::now()), 42.0);
    try {
        IntensitySeries::load(dir / "missing.csv", "XX");
        FAIL();
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Errc::io_error);
        EXPECT_NE(std::string(e.what()).find("missing.csv"), std::string::npos);
    }
}

// The tracker applies the series per sample interval: the CO2 is the sum over intervals of energy x the
// intensity at that time, not the mean intensity x the energy.
TEST(IntensitySeries, TrackerComputesCo2PerSampleInterval) {
    test::TempDir dir;
    const auto now = system_clock::now();
    const auto switch_at = now + std::chrono::milliseconds(300);
    std::ostringstream csv;
    csv << std::fixed << std::setprecision(6);
    csv << "unix_time,gCO2/kWh\n"
        << std::chrono::duration<double>((now - std::chrono::hours(1)).time_since_epoch()).count() << ",100\n"
        << std::chrono::duration<double>(switch_at.time_since_epoch()).count() << ",900\n";
    auto series = IntensitySeries::parse(csv.str(), "test.csv", "XX");

    TrackerConfig c;
    c.output.path = dir / "emission.csv";
    c.sampling.period_s = 0.02;
    c.sampling.checkpoint_s = 0.05;
    c.paths.sys_root = test::fixture("no_rapl") / "sys";
    c.paths.nvml_library = (dir / "no-nvml.so").string();
    c.intensity = series;
    Tracker t(c);
    t.start();
    const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(700);
    volatile double x = 0;
    while (std::chrono::steady_clock::now() < end) x = x + 1.0;
    const Result r = t.stop();

    // Recompute from the per-interval series file: sum of delta energy x intensity of the interval.
    std::istringstream rows(test::read_file(dir / "emission.series" / (r.id + ".csv")));
    std::string line;
    std::getline(rows, line);  // header
    double previous_j = 0.0, co2_kg = 0.0, low_j = 0.0, high_j = 0.0;
    while (std::getline(rows, line)) {
        std::vector<double> f;
        std::stringstream ss(line);
        std::string cell;
        while (std::getline(ss, cell, ',')) f.push_back(std::stod(cell));
        // t_s, cpu_w, gpu_w, ram_w, cpu_j, gpu_j, ram_j, co2_kg, intensity, ...
        const double joules = f[4] + f[5] + f[6];
        const double g = f[8];
        ASSERT_TRUE(g == 100.0 || g == 900.0) << line;
        co2_kg += (joules - previous_j) / 3.6e6 * g / 1000.0;
        (g == 100.0 ? low_j : high_j) += joules - previous_j;
        previous_j = joules;
    }
    EXPECT_GT(low_j, 0.0);
    EXPECT_GT(high_j, 0.0);
    EXPECT_NEAR(r.co2_kg, co2_kg, co2_kg * 1e-3);
    // Not the flat-mean shortcut: the mean applied is the energy-weighted one.
    EXPECT_NEAR(r.intensity_g_per_kwh, (100.0 * low_j + 900.0 * high_j) / (low_j + high_j), 5.0);
    EXPECT_GT(r.intensity_g_per_kwh, 100.0);
    EXPECT_LT(r.intensity_g_per_kwh, 900.0);
    EXPECT_EQ(r.region, "XX");
    EXPECT_NE(r.location_source.find("intensity series test.csv"), std::string::npos);
}
