// Library messages name settings, not options (eco2::mention, include/eco2/error.hpp); the CLI names them as
// its flags (option_name, from the command table). Every setting a library message mentions must have a flag.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "command.hpp"
#include "eco2/error.hpp"

using namespace eco2;
using eco2::cli::option_name;

TEST(SettingNames, AMessageIsNeutralUntilAnInterfaceNamesItsSettings) {
    const Error e(Errc::invalid_argument,
                  mention("metric", "f1") + ": no run reported it; or choose another " + mention("output"));
    EXPECT_STREQ(e.what(), "metric f1: no run reported it; or choose another output");
    EXPECT_EQ(e.settings(), (std::vector<std::string>{"metric", "output"}));
    EXPECT_EQ(e.what(option_name), "--metric f1: no run reported it; or choose another --output");
    // A names function that knows one setting leaves the other neutral.
    const SettingNames only_metric = [](std::string_view s, std::string_view v) {
        return s == "metric" ? "metric=" + std::string(v) : std::string();
    };
    EXPECT_EQ(e.what(only_metric), "metric=f1: no run reported it; or choose another output");
    // A message without mentions is what it says.
    const Error plain(Errc::io_error, "cannot read x.csv: No such file or directory");
    EXPECT_TRUE(plain.settings().empty());
    EXPECT_EQ(plain.what(option_name), plain.what());
    EXPECT_EQ(spelled("no mention here", option_name), "no mention here");
}

TEST(SettingNames, EverySettingTheLibraryMentionsIsAFlag) {
    // The settings of the library's messages (grep -rn 'mention(' src) and the flag the CLI shows for each.
    const std::vector<std::pair<const char*, const char*>> expected = {
        {"output", "--output"},     {"jsonl", "--jsonl"}, {"cpu_tdp", "--cpu-tdp"},
        {"cpu_name", "--cpu-name"}, {"runs", "--runs"},   {"embodied_kg", "--embodied-kg"},
        {"format", "--format"},     {"run", "--run"},     {"experiment", "--experiment"},
        {"metric", "--metric"},     {"by", "--by"},
    };
    for (const auto& [setting, flag] : expected) {
        EXPECT_EQ(option_name(setting, ""), flag) << setting;
        EXPECT_EQ(option_name(setting, "W"), std::string(flag) + " W") << setting;
    }
    EXPECT_EQ(option_name("no_such_setting", ""), "");
    EXPECT_EQ(spelled(mention("no_such_setting", "x")), "no_such_setting x");
}

TEST(SettingNames, TheFallbacksComeFromTheSameRow) {
    using eco2::cli::option_name_and_fallbacks;
    // The row's environment variable and config key, then the note.
    EXPECT_EQ(option_name_and_fallbacks("region", "ZONE", "NOTE"),
              "--region ZONE (or ECO2_REGION, or region in eco2.toml; NOTE)");
    EXPECT_EQ(option_name_and_fallbacks("region", ""), "--region (or ECO2_REGION, or region in eco2.toml)");
    // A row with neither: the flag alone, or with the note.
    EXPECT_EQ(option_name_and_fallbacks("metric", "f1"), "--metric f1");
    EXPECT_EQ(option_name_and_fallbacks("metric", "f1", "NOTE"), "--metric f1 (NOTE)");
    EXPECT_EQ(option_name_and_fallbacks("no_such_setting", "x", "NOTE"), "");
}
