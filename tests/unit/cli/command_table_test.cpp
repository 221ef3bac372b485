// The command table (apps/eco2/command.hpp): what every command and row must satisfy, so that a new one
// added by one file and one line cannot break --help, the fallbacks or the config keys.

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "command.hpp"

using namespace eco2::cli;

TEST(CommandTable, NamesAreUniqueAndEveryCommandRuns) {
    std::set<std::string_view> names;
    for (const CommandSpec* c : commands()) {
        EXPECT_TRUE(names.insert(c->name).second) << c->name;
        EXPECT_FALSE(c->help.empty()) << c->name;
        EXPECT_NE(c->run, nullptr) << c->name;
        EXPECT_EQ(find_command(c->name), c);
    }
    EXPECT_EQ(find_command("no-such-command"), nullptr);
}

TEST(CommandTable, AConfigKeyOrAVariableBelongsToOneRow) {
    // A key shared by two commands must be the same row (a shared group), or the config type could differ.
    std::map<std::string, const OptionRow*> by_key, by_env;
    for (const CommandSpec* c : commands()) {
        if (!c->options) continue;
        for (RowGroup g : c->options())
            for (const OptionRow& r : g) {
                if (r.key) {
                    auto [it, fresh] = by_key.emplace(r.key, &r);
                    EXPECT_TRUE(fresh || it->second == &r) << c->name << ": key " << r.key << " has two rows";
                }
                if (r.env) {
                    EXPECT_EQ(std::string_view(r.env).substr(0, 5), "ECO2_") << r.env;
                    auto [it, fresh] = by_env.emplace(r.env, &r);
                    EXPECT_TRUE(fresh || it->second == &r) << c->name << ": " << r.env << " has two rows";
                }
            }
    }
    EXPECT_GT(by_key.size(), 30u);
}

TEST(CommandTable, HelpShowsEachRowsVariableAndKey) {
    for (const CommandSpec* c : commands()) {
        const Parsed p = parse({std::string(c->name), "--help"});
        ASSERT_TRUE(p.message) << c->name;
        if (!c->options) continue;
        for (RowGroup g : c->options())
            for (const OptionRow& r : g) {
                const std::string flags = r.flags;
                const std::string long_flag = flags.substr(flags.rfind("--"));
                EXPECT_NE(p.message->find(long_flag), std::string::npos) << c->name << " " << long_flag;
                if (r.env) {
                    EXPECT_NE(p.message->find(std::string("env ") + r.env), std::string::npos) << r.env;
                }
                if (r.key) {
                    EXPECT_NE(p.message->find(std::string("config ") + r.key), std::string::npos) << r.key;
                }
            }
    }
}

TEST(CommandTable, SharedRowsAreOneRowInEveryCommand) {
    const auto rows_of = [](std::string_view name) {
        std::map<std::string, const OptionRow*> rows;
        for (RowGroup g : find_command(name)->options())
            for (const OptionRow& r : g) rows.emplace(r.flags, &r);
        return rows;
    };
    const auto run = rows_of("run"), where = rows_of("where"), estimate = rows_of("estimate");
    for (const char* flag : {"--region", "--cloud", "--year", "--intensity", "--intensity-table", "--tariff"}) {
        ASSERT_TRUE(run.count(flag) && where.count(flag) && estimate.count(flag)) << flag;
        EXPECT_EQ(run.at(flag), where.at(flag)) << flag;
        EXPECT_EQ(run.at(flag), estimate.at(flag)) << flag;
    }
    EXPECT_EQ(run.at("--intensity-series"), where.at("--intensity-series"));
    EXPECT_EQ(estimate.count("--intensity-series"), 0u);
}

TEST(CommandTable, ACommandsOwnOptionsAreKeptApart) {
    struct Mine {
        std::string word = "default";
        std::optional<double> number;
    };
    Options o;
    EXPECT_EQ(std::as_const(o).own<Mine>().word, "default");  // nothing bound yet: the defaults
    o.own<Mine>().word = "set";
    o.own<Mine>().number = 2.5;
    const Options copy = o;
    EXPECT_EQ(copy.own<Mine>().word, "set");
    EXPECT_EQ(copy.own<Mine>().number, 2.5);
    o.own<Mine>().word = "changed";
    EXPECT_EQ(copy.own<Mine>().word, "set");  // a copy holds its own values

    // version keeps its --format apart from the listings' (default text there, table here).
    Parsed p = parse({"version", "--format", "json"});
    ASSERT_FALSE(p.error) << *p.error;
    EXPECT_EQ(p.command, Command::version);
    EXPECT_EQ(p.options.format, "table");
    EXPECT_TRUE(parse({"version", "--format", "csv"}).error);
}
