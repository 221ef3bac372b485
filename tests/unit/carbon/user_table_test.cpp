#include <gtest/gtest.h>

#include <clocale>
#include <filesystem>
#include <fstream>
#include <string>

#include "eco2/error.hpp"
#include "eco2/zones.hpp"

using namespace eco2;

namespace {

// The message of the eco2::Error with the given code that parsing text throws.
std::string parse_error(std::string_view text, Errc code = Errc::invalid_argument) {
    try {
        parse_user_intensity_table(text, "my.csv");
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), code) << e.what();
        return e.what();
    }
    ADD_FAILURE() << "no error for: " << text;
    return {};
}

}  // namespace

TEST(UserTable, ParsesRowsWithAndWithoutYear) {
    const auto rows = parse_user_intensity_table(
        "zone,g_per_kwh,year\n# my data centres\n\nFR, 21.5 ,2024\n\"US-CAL-CISO\",180\r\nDE,0\n", "t.csv");
    ASSERT_EQ(rows.size(), 3u);
    EXPECT_EQ(rows[0].zone, "FR");
    EXPECT_DOUBLE_EQ(rows[0].g_per_kwh, 21.5);
    ASSERT_TRUE(rows[0].year);
    EXPECT_EQ(*rows[0].year, 2024);
    EXPECT_EQ(rows[0].origin, "t.csv:4");
    EXPECT_EQ(rows[1].zone, "US-CAL-CISO");
    EXPECT_FALSE(rows[1].year);
    EXPECT_EQ(rows[1].origin, "t.csv:5");
    EXPECT_DOUBLE_EQ(rows[2].g_per_kwh, 0.0);
}

TEST(UserTable, NumbersIgnoreTheLocale) {
    const char* old = std::setlocale(LC_NUMERIC, nullptr);
    const std::string saved = old ? old : "C";
    if (!std::setlocale(LC_NUMERIC, "de_DE.UTF-8") && !std::setlocale(LC_NUMERIC, "fr_FR.UTF-8"))
        GTEST_SKIP() << "no comma-decimal locale installed";
    const auto rows = parse_user_intensity_table("FR,56.25\n", "t.csv");
    std::setlocale(LC_NUMERIC, saved.c_str());
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_DOUBLE_EQ(rows[0].g_per_kwh, 56.25);
}

TEST(UserTable, ErrorsNameFileAndLine) {
    EXPECT_NE(parse_error("FR,56\nDE,abc\n").find("my.csv:2: intensity \"abc\" is not a number"),
              std::string::npos);
    EXPECT_NE(parse_error("FR,56,2024\nDE,-3\n").find("my.csv:2: intensity -3 must be finite and >= 0"),
              std::string::npos);
    EXPECT_NE(parse_error("FR,inf\n").find("my.csv:1:"), std::string::npos);
    EXPECT_NE(parse_error("FR,nan\n").find("my.csv:1:"), std::string::npos);
    EXPECT_NE(parse_error("FR,56,1850\n").find("my.csv:1: year \"1850\""), std::string::npos);
    EXPECT_NE(parse_error("FR,56,20x4\n").find("year \"20x4\""), std::string::npos);
    EXPECT_NE(parse_error("FR\n").find("my.csv:1: 1 fields"), std::string::npos);
    EXPECT_NE(parse_error("FR,1,2024,extra\n").find("4 fields"), std::string::npos);
    EXPECT_NE(parse_error(",56\n").find("empty zone"), std::string::npos);
    EXPECT_NE(parse_error("FR,56\n\"DE,12\n").find("my.csv:2: unterminated quoted field"), std::string::npos);
    EXPECT_NE(parse_error("FR,56,\n").find("year \"\""), std::string::npos);
    EXPECT_NE(parse_error("FR,5,6\n").find("year \"6\""), std::string::npos);  // a decimal comma, not a year
}

TEST(UserTable, LoadReportsUnreadableFile) {
    try {
        load_user_intensity_table("/nonexistent/eco2/intensity.csv");
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Errc::io_error);
        EXPECT_NE(std::string(e.what()).find("/nonexistent/eco2/intensity.csv"), std::string::npos);
    }
}

TEST(UserTable, LoadsAFileAndNamesItInErrors) {
    const auto dir = std::filesystem::temp_directory_path() / "eco2_user_table_test";
    std::filesystem::create_directories(dir);
    const auto file = dir / "table.csv";
    std::ofstream(file) << "zone,gCO2/kWh\nFR,40\nSE,oops\n";
    try {
        load_user_intensity_table(file);
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find(file.string() + ":3:"), std::string::npos) << e.what();
    }
    std::ofstream(file) << "FR,40\n";
    EXPECT_EQ(load_user_intensity_table(file).size(), 1u);
    std::filesystem::remove_all(dir);
}

TEST(UserTable, OverridesTheDatabase) {
    const auto rows = parse_user_intensity_table("France,12.5,2024\nUS-CA,99\nRU,300,2030\n", "t.csv");
    const ZoneDatabase mine = ZoneDatabase::builtin().with_user_table(rows);

    const ZoneIntensity fr2024 = mine.intensity("FR", 2024);
    EXPECT_DOUBLE_EQ(fr2024.g_per_kwh, 12.5);
    EXPECT_EQ(fr2024.source, "user table t.csv:1");
    // Other years keep the database's values.
    EXPECT_DOUBLE_EQ(mine.intensity("FR", 2023).g_per_kwh,
                     ZoneDatabase::builtin().intensity("FR", 2023).g_per_kwh);
    // A row without a year applies to every year.
    EXPECT_DOUBLE_EQ(mine.intensity("US-CAL-CISO").g_per_kwh, 99.0);
    EXPECT_DOUBLE_EQ(mine.intensity("US-CAL-CISO", 2021).g_per_kwh, 99.0);
    // A new year becomes the latest.
    const ZoneIntensity ru = mine.intensity("RU");
    ASSERT_TRUE(ru.year);
    EXPECT_EQ(*ru.year, 2030);
    // Marginal values and the built-in database are untouched.
    EXPECT_DOUBLE_EQ(
        mine.intensity("FR", std::nullopt, IntensityKind::marginal).g_per_kwh,
        ZoneDatabase::builtin().intensity("FR", std::nullopt, IntensityKind::marginal).g_per_kwh);
    EXPECT_NE(ZoneDatabase::builtin().intensity("FR", 2024).g_per_kwh, 12.5);
    EXPECT_EQ(mine.provider("FR", 2024)->source(), "user table t.csv:1");
}

TEST(UserTable, UnknownOrRepeatedZonesAreErrors) {
    try {
        ZoneDatabase::builtin().with_user_table(parse_user_intensity_table("FR,1\nFrnace,2\n", "t.csv"));
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Errc::not_found);
        EXPECT_EQ(std::string(e.what()), "t.csv:2: unknown region \"Frnace\": did you mean France (FR)?");
    }
    try {
        ZoneDatabase::builtin().with_user_table(
            parse_user_intensity_table("FR,1,2024\nfra,2,2024\n", "t.csv"));
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Errc::invalid_argument);
        EXPECT_EQ(std::string(e.what()), "t.csv:2: FR for 2024 is already given at t.csv:1");
    }
}
