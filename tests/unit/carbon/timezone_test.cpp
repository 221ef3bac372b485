#include "carbon/timezone.hpp"

#include <gtest/gtest.h>

#include "../test_util.hpp"

using namespace eco2::carbon;
using eco2::test::fixture;
using eco2::test::TempDir;

namespace {

TimeZoneSystem with_tz(std::optional<std::string> tz, const TempDir& dir) {
    TimeZoneSystem s;
    s.tz = std::move(tz);
    s.zoneinfo = fixture("tzdata");
    s.localtime = dir / "etc/localtime";
    s.timezone_file = dir / "etc/timezone";
    return s;
}

std::optional<TimeZonePlace> place(const std::string& name, std::string* why = nullptr) {
    std::string why_not;
    auto p = place_of_time_zone(name, fixture("tzdata"), why_not);
    if (why) *why = why_not;
    return p;
}

}  // namespace

TEST(TimeZone, TzVariableWinsInItsUsualForms) {
    TempDir dir;
    EXPECT_EQ(detect_time_zone(with_tz("Europe/Oslo", dir)).name, "Europe/Oslo");
    EXPECT_EQ(detect_time_zone(with_tz(":Europe/Oslo", dir)).name, "Europe/Oslo");
    const auto path = detect_time_zone(with_tz((fixture("tzdata") / "Australia/Sydney").string(), dir));
    EXPECT_EQ(path.name, "Australia/Sydney");
    EXPECT_EQ(detect_time_zone(with_tz("/usr/share/zoneinfo/posix/Asia/Tokyo", dir)).name, "Asia/Tokyo");
    const auto rule = detect_time_zone(with_tz("CET-1CEST", dir));
    EXPECT_FALSE(rule.name);
    EXPECT_NE(rule.why_not.find("POSIX rule"), std::string::npos);
    const auto empty = detect_time_zone(with_tz("", dir));
    EXPECT_FALSE(empty.name);
    EXPECT_NE(empty.why_not.find("UTC"), std::string::npos);
    EXPECT_EQ(detect_time_zone(with_tz("Europe/Oslo", dir)).from, "TZ=Europe/Oslo");
}

TEST(TimeZone, LocaltimeLinkThenTimezoneFile) {
    TempDir dir;
    std::filesystem::create_directories(dir / "etc");
    std::filesystem::create_symlink("../usr/share/zoneinfo/Australia/Sydney", dir / "etc/localtime");
    const auto linked = detect_time_zone(with_tz(std::nullopt, dir));
    EXPECT_EQ(linked.name, "Australia/Sydney");
    EXPECT_NE(linked.from.find("-> ../usr/share/zoneinfo/Australia/Sydney"), std::string::npos)
        << linked.from;

    std::filesystem::remove(dir / "etc/localtime");
    eco2::test::write_file(dir / "etc/localtime", "TZif...");  // a copy, not a link: names nothing
    eco2::test::write_file(dir / "etc/timezone", "Europe/Oslo\n");
    const auto file = detect_time_zone(with_tz(std::nullopt, dir));
    EXPECT_EQ(file.name, "Europe/Oslo");
    EXPECT_EQ(file.from, (dir / "etc/timezone").string());

    std::filesystem::remove(dir / "etc/timezone");
    const auto none = detect_time_zone(with_tz(std::nullopt, dir));
    EXPECT_FALSE(none.name);
    EXPECT_NE(none.why_not.find("TZ is not set"), std::string::npos);
}

TEST(TimeZone, ParsesBothTableFormats) {
    const auto rows = parse_zone_tab(
        "# comment\nDE,DK,NO\t+5230+01322\tEurope/Berlin\tmost of Germany\n"
        "NO\t+5955+01045\tEurope/Oslo\nbroken line\n");
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[0].countries, (std::vector<std::string>{"DE", "DK", "NO"}));
    EXPECT_EQ(rows[0].comment, "most of Germany");
    EXPECT_EQ(rows[0].line, 2u);
    EXPECT_EQ(rows[1].time_zone, "Europe/Oslo");
    EXPECT_EQ(rows[1].comment, "");
}

TEST(TimeZone, CountryFromZoneTabFirst) {
    const auto oslo = place("Europe/Oslo");
    ASSERT_TRUE(oslo);
    EXPECT_EQ(oslo->country, "NO");
    EXPECT_EQ(oslo->table, "zone.tab");
    EXPECT_FALSE(oslo->subdivision.zone);
}

TEST(TimeZone, Zone1970GivesItsFirstCountryAndIgnoresSharedComments) {
    const auto berlin = place("Europe/Berlin");
    ASSERT_TRUE(berlin);
    EXPECT_EQ(berlin->country, "DE");
    EXPECT_EQ(berlin->table, "zone1970.tab");
    EXPECT_EQ(berlin->comment, "");  // the row names several countries: its comment is not about one of them
}

TEST(TimeZone, CommentPinsASubnationalZone) {
    const auto sydney = place("Australia/Sydney");
    ASSERT_TRUE(sydney);
    EXPECT_EQ(sydney->subdivision.code, "AU-NSW");
    EXPECT_EQ(sydney->subdivision.zone, "AU-NSW");
    EXPECT_EQ(place("Australia/Perth")->subdivision.zone, "AU-WA");
    EXPECT_EQ(place("America/Vancouver")->subdivision.zone, "CA-BC");  // a code token
    EXPECT_EQ(place("America/Edmonton")->subdivision.zone, "CA-AB");   // BC(E), NT(E), SK(W) are parts
    EXPECT_EQ(place("Pacific/Honolulu")->subdivision.zone, "US-HI");
}

TEST(TimeZone, SeveralOrNoSubdivisionsGiveTheCountry) {
    const auto toronto = place("America/Toronto");
    ASSERT_TRUE(toronto);
    EXPECT_EQ(toronto->country, "CA");
    EXPECT_FALSE(toronto->subdivision.zone);
    EXPECT_NE(toronto->subdivision.note.find("CA-ON"), std::string::npos) << toronto->subdivision.note;
    EXPECT_NE(toronto->subdivision.note.find("CA-QC"), std::string::npos);
    EXPECT_FALSE(place("America/Boise")->subdivision.zone);        // ID (south); OR (east): two parts
    EXPECT_FALSE(place("America/Los_Angeles")->subdivision.zone);  // "Pacific" names no state
    EXPECT_FALSE(place("Australia/Lord_Howe")->subdivision.zone);
}

TEST(TimeZone, LinksAreFollowedToTheirTableName) {
    const auto pacific = place("US/Pacific");
    ASSERT_TRUE(pacific);
    EXPECT_EQ(pacific->time_zone, "America/Los_Angeles");
    EXPECT_EQ(pacific->country, "US");
}

TEST(TimeZone, UtcNamesNoCountry) {
    std::string why;
    EXPECT_FALSE(place("UTC", &why));
    EXPECT_NE(why.find("UTC"), std::string::npos);
    EXPECT_NE(why.find("names no country"), std::string::npos);
    EXPECT_FALSE(place("Etc/GMT+3", &why));
}

TEST(TimeZone, MissingTablesSayHowToFix) {
    TempDir empty;
    std::string why;
    EXPECT_FALSE(place_of_time_zone("Europe/Oslo", empty.path(), why));
    EXPECT_NE(why.find("TZDIR"), std::string::npos);
}

TEST(TimeZone, SubdivisionMatchingOnComments) {
    EXPECT_EQ(subdivision_in_comment("AU", "Victoria").zone, "AU-VIC");
    EXPECT_EQ(subdivision_in_comment("US", "MST - AZ (except Navajo)").code, "US-AZ");
    EXPECT_EQ(subdivision_in_comment("US", "MST - AZ (except Navajo)").zone, "US-SW-AZPS");
    EXPECT_FALSE(subdivision_in_comment("US", "Eastern (most areas)").code);
    EXPECT_FALSE(subdivision_in_comment("CA", "Atlantic - NS (most areas); PE").code);  // two whole provinces
    // Words only: "Western Australia" is not "Australia"; lower-case "on" is not Ontario's code.
    EXPECT_FALSE(subdivision_in_comment("CA", "based on the Eastern time").code);
}
