#include "carbon/tariff.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <ctime>

#include "../test_util.hpp"
#include "eco2/error.hpp"
#include "eco2/tracker.hpp"

using namespace eco2;
using carbon::Tariff;

namespace {

std::string error_of(const std::string& text) {
    try {
        Tariff::parse(text);
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Errc::invalid_argument);
        return e.what();
    }
    return "no error";
}

int utc_minute(std::chrono::system_clock::time_point t) noexcept {
    const std::time_t tt = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    ::gmtime_r(&tt, &tm);
    return tm.tm_hour * 60 + tm.tm_min;
}

std::chrono::system_clock::time_point utc(int h, int m) {
    return std::chrono::system_clock::time_point{} + std::chrono::hours(24 * 19000 + h) +
           std::chrono::minutes(m);
}

}  // namespace

TEST(Tariff, DayAndNightBandsWrapPastMidnight) {
    const Tariff t = Tariff::parse("07:00-23:00=0.25,23:00-07:00=0.12");
    EXPECT_DOUBLE_EQ(t.price_at_minute(0), 0.12);
    EXPECT_DOUBLE_EQ(t.price_at_minute(6 * 60 + 59), 0.12);
    EXPECT_DOUBLE_EQ(t.price_at_minute(7 * 60), 0.25);
    EXPECT_DOUBLE_EQ(t.price_at_minute(22 * 60 + 59), 0.25);
    EXPECT_DOUBLE_EQ(t.price_at_minute(23 * 60), 0.12);
    EXPECT_DOUBLE_EQ(t.price_at_minute(23 * 60 + 59), 0.12);
    EXPECT_EQ(t.describe(), "07:00-23:00 0.25, 23:00-07:00 0.12");
}

TEST(Tariff, MeanPriceWeighsTheBandsByDuration) {
    const Tariff t = Tariff::parse("07:00-23:00=0.25; 23:00-07:00=0.12");
    EXPECT_NEAR(t.mean_price(0, 24 * 60), (16 * 0.25 + 8 * 0.12) / 24, 1e-12);
    EXPECT_NEAR(t.mean_price(22 * 60, 120), (0.25 + 0.12) / 2, 1e-12);  // 22:00-24:00
    EXPECT_NEAR(t.mean_price(6 * 60, 3 * 24 * 60 + 60),
                (3 * 24 * ((16 * 0.25 + 8 * 0.12) / 24) + 0.12) / (3 * 24 + 1), 1e-12);
}

TEST(Tariff, OnePriceIsTheWholeDayAnd2400EndsABand) {
    EXPECT_DOUBLE_EQ(Tariff::parse("0.2").price_at_minute(700), 0.2);
    const Tariff t = Tariff::parse("00:00-12:00=1, 12:00-24:00=2");
    EXPECT_DOUBLE_EQ(t.price_at_minute(11 * 60 + 59), 1.0);
    EXPECT_DOUBLE_EQ(t.price_at_minute(12 * 60), 2.0);
    EXPECT_DOUBLE_EQ(Tariff::parse("00:00-24:00=3").price_at_minute(0), 3.0);
}

TEST(Tariff, AGapIsAnErrorThatNamesIt) {
    const std::string e = error_of("07:00-23:00=0.25,23:30-07:00=0.12");
    EXPECT_NE(e.find("23:00-23:30 is not covered"), std::string::npos) << e;
}

TEST(Tariff, AnOverlapIsAnErrorThatNamesBothBandsAndTheOverlap) {
    const std::string e = error_of("07:00-23:00=0.25,22:00-07:00=0.12");
    EXPECT_NE(e.find("07:00-23:00 and 22:00-07:00 both cover 22:00-23:00"), std::string::npos) << e;
}

TEST(Tariff, MalformedBandsAreErrors) {
    EXPECT_NE(error_of("07:00-25:00=0.2,25:00-07:00=0.1").find("HH:MM"), std::string::npos);
    EXPECT_NE(error_of("07:00-23:00=,23:00-07:00=0.1").find("not a price"), std::string::npos);
    EXPECT_NE(error_of("07:00-23:00=-1,23:00-07:00=0.1").find("not a price"), std::string::npos);
    EXPECT_NE(error_of("7-23=0.1").find("HH:MM"), std::string::npos);
    EXPECT_NE(error_of("07:00=0.1").find("HH:MM-HH:MM=PRICE"), std::string::npos);
    EXPECT_NE(error_of("07:00-07:00=0.1").find("empty"), std::string::npos);
    EXPECT_NE(error_of("").find("empty"), std::string::npos);
    EXPECT_NE(error_of("cheap").find("not a price"), std::string::npos);
}

TEST(Tariff, ProviderAppliesTheBandOfTheTimeOfDay) {
    auto p = carbon::tariff_price(Tariff::parse("07:00-23:00=0.25,23:00-07:00=0.12"), "EUR", &utc_minute);
    EXPECT_EQ(p->currency(), "EUR");
    EXPECT_DOUBLE_EQ(p->at(utc(6, 59)), 0.12);
    EXPECT_DOUBLE_EQ(p->at(utc(7, 0)), 0.25);
    EXPECT_DOUBLE_EQ(p->at(utc(23, 30)), 0.12);
}

TEST(Tariff, LocalMinuteOfDayFollowsTheTimeZone) {
    const char* old = std::getenv("TZ");
    const std::string saved = old ? old : "";
    ::setenv("TZ", "UTC", 1);
    ::tzset();
    EXPECT_EQ(carbon::local_minute_of_day(utc(13, 45)), 13 * 60 + 45);
    ::setenv("TZ", "XXX-2", 1);  // POSIX rule: two hours east of UTC
    ::tzset();
    EXPECT_EQ(carbon::local_minute_of_day(utc(13, 45)), 15 * 60 + 45);
    if (old)
        ::setenv("TZ", saved.c_str(), 1);
    else
        ::unsetenv("TZ");
    ::tzset();
}

TEST(Tariff, TrackerFillsTheCostColumnWithEnergyTimesPrice) {
    eco2::test::TempDir dir;
    TrackerConfig c;
    c.output.path = dir / "emission.csv";
    c.sampling.period_s = 0.02;
    c.sampling.checkpoint_s = 0.05;
    c.paths.sys_root = eco2::test::fixture("no_rapl") / "sys";
    c.paths.nvml_library = (dir / "no-nvml.so").string();
    c.intensity = fixed_intensity(100.0, "XX", "test");
    c.pue = 1.5;
    c.price = carbon::tariff_price(Tariff::parse("0.3"), "EUR");
    Tracker t(c);
    t.start();
    const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(150);
    volatile double x = 0;
    while (std::chrono::steady_clock::now() < end) x = x + 1.0;
    const Result r = t.stop();
    ASSERT_TRUE(r.cost.has_value());
    EXPECT_GT(*r.cost, 0.0);
    EXPECT_NEAR(*r.cost, r.energy_kwh() * 0.3, 1e-12);
    EXPECT_EQ(r.currency, "EUR");
}
