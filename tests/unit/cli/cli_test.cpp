#include "cli.hpp"

#include <gtest/gtest.h>

using namespace eco2;
using namespace eco2::cli;

namespace {

Inputs with(std::map<std::string, std::string> env, std::optional<std::string> local = std::nullopt,
            std::optional<std::string> user = std::nullopt) {
    Inputs in;
    in.environment = std::move(env);
    in.config_files = {{"/proj/eco2.toml", std::move(local), Level::local_config},
                       {"/home/u/.config/eco2/config.toml", std::move(user), Level::user_config}};
    return in;
}

Parsed run(std::vector<std::string> args, const Inputs& in = {}) {
    args.insert(args.begin(), "run");
    args.push_back("--");
    args.push_back("true");
    return parse(args, in);
}

std::string error(const Parsed& p) {
    EXPECT_EQ(p.exit_code, 2);
    return p.error.value_or("no error");
}

}  // namespace

TEST(Cli, RunOptionsAndTheCommand) {
    Parsed p = parse({"run", "--pue", "1.4", "-p", "x", "--region", "FR", "--", "python3", "-c", "1"});
    ASSERT_FALSE(p.error) << *p.error;
    EXPECT_EQ(p.command, Command::run);
    EXPECT_DOUBLE_EQ(p.options.pue, 1.4);
    EXPECT_EQ(p.options.project, "x");
    EXPECT_EQ(p.options.region, "FR");
    EXPECT_EQ(p.options.command, (std::vector<std::string>{"python3", "-c", "1"}));
    EXPECT_EQ(p.options.origin("pue"), "flag --pue");
    EXPECT_EQ(p.options.origin("period"), "default");
}

TEST(Cli, PrecedenceFlagEnvironmentLocalFileUserFileDefault) {
    const std::string local = "pue = 1.3\nperiod = 0.5\n";
    const std::string user = "pue = 1.2\nperiod = 2\ncheckpoint = 30\nproject = \"mine\"\n";
    Inputs in = with({{"ECO2_PUE", "1.4"}, {"ECO2_PERIOD", "0.25"}}, local, user);
    Parsed p = run({"--pue", "1.5"}, in);
    ASSERT_FALSE(p.error) << *p.error;
    EXPECT_DOUBLE_EQ(p.options.pue, 1.5);          // flag
    EXPECT_DOUBLE_EQ(p.options.period, 0.25);      // environment over both files
    EXPECT_DOUBLE_EQ(p.options.checkpoint, 30.0);  // user file
    EXPECT_EQ(p.options.project, "mine");
    EXPECT_EQ(p.options.experiment, "default");  // default
    const auto& pue = p.options.given.at("pue");
    ASSERT_EQ(pue.size(), 4u);
    EXPECT_EQ(pue[0].origin, "flag --pue");
    EXPECT_EQ(pue[1].origin, "environment ECO2_PUE");
    EXPECT_EQ(pue[2].origin, "/proj/eco2.toml:1");
    EXPECT_EQ(pue[3].origin, "/home/u/.config/eco2/config.toml:1");

    p = run({}, with({}, local, user));
    EXPECT_DOUBLE_EQ(p.options.pue, 1.3);  // ./eco2.toml over the user's file
    EXPECT_EQ(p.options.origin("pue"), "/proj/eco2.toml:1");
    p = run({}, with({}, std::nullopt, user));
    EXPECT_DOUBLE_EQ(p.options.pue, 1.2);
    p = run({}, with({}));
    EXPECT_DOUBLE_EQ(p.options.pue, 1.0);
}

TEST(Cli, EveryRunOptionHasAConfigKey) {
    const std::string local =
        "project = \"p\"\nexperiment = \"e\"\nregion = \"FR\"\npue = 1.1\nperiod = 0.5\ncheckpoint = 20\n"
        "output = \"runs.csv\"\nscope = \"machine\"\nintensity = 56\nyear = 2023\nmarginal = true\n"
        "intensity-table = \"t.csv\"\ngeolocate = true\ngeolocate-url = \"http://127.0.0.1:1/\"\n"
        "geolocate-timeout = 1\nno-series = true\nquiet = true\n"
        "[pricing]\ncurrency = \"EUR\"\ntariff = \"0.2\"\n";
    Parsed p = run({}, with({}, local));
    ASSERT_FALSE(p.error) << *p.error;
    const Options& o = p.options;
    EXPECT_EQ(o.project, "p");
    EXPECT_EQ(o.experiment, "e");
    EXPECT_EQ(o.region, "FR");
    EXPECT_DOUBLE_EQ(o.pue, 1.1);
    EXPECT_DOUBLE_EQ(o.period, 0.5);
    EXPECT_DOUBLE_EQ(o.checkpoint, 20);
    EXPECT_EQ(o.output, "runs.csv");
    EXPECT_EQ(o.scope, Scope::machine);
    EXPECT_EQ(o.intensity, 56.0);
    EXPECT_EQ(o.year, 2023);
    EXPECT_TRUE(o.marginal);
    EXPECT_EQ(o.intensity_table, "/proj/t.csv");  // relative to the file that names it
    EXPECT_TRUE(o.geolocate);
    EXPECT_EQ(o.geolocate_url, "http://127.0.0.1:1/");
    EXPECT_DOUBLE_EQ(o.geolocate_timeout, 1.0);
    EXPECT_FALSE(o.series);
    EXPECT_TRUE(o.quiet);
    EXPECT_EQ(o.currency, "EUR");
    EXPECT_EQ(o.tariff, "0.2");
    EXPECT_EQ(o.origin("currency"), "/proj/eco2.toml:19");
}

TEST(Cli, TariffAsATomlTable) {
    Parsed p = run({}, with({},
                            "[pricing]\ncurrency = \"EUR\"\n[pricing.tariff]\n\"07:00-23:00\" = "
                            "0.25\n\"23:00-07:00\" = 0.12\n"));
    ASSERT_FALSE(p.error) << *p.error;
    EXPECT_EQ(p.options.tariff, "07:00-23:00=0.25,23:00-07:00=0.12");
    p = run({}, with({}, "[pricing.tariff]\n\"07:00-23:00\" = 0.25\n\"23:30-07:00\" = 0.12\n"));
    const std::string e = error(p);
    EXPECT_NE(e.find("/proj/eco2.toml:2"), std::string::npos) << e;
    EXPECT_NE(e.find("23:00-23:30 is not covered"), std::string::npos) << e;
}

TEST(Cli, ConfigMistakesNameFileAndLine) {
    std::string e = error(run({}, with({}, "pue = 1.2\npue_factor = 2\n")));
    EXPECT_NE(e.find("/proj/eco2.toml:2: unknown key \"pue_factor\""), std::string::npos) << e;
    EXPECT_NE(e.find("did you mean \"pue\""), std::string::npos) << e;
    e = error(run({}, with({}, "\n\npue = \"high\"\n")));
    EXPECT_NE(e.find("/proj/eco2.toml:3: pue must be a number"), std::string::npos) << e;
    e = error(run({}, with({}, "pue = 0.5\n")));
    EXPECT_NE(e.find("/proj/eco2.toml:1"), std::string::npos) << e;
    EXPECT_NE(e.find("--pue"), std::string::npos) << e;
    e = error(run({}, with({}, "region = [\"FR\"]\n")));
    EXPECT_NE(e.find("/proj/eco2.toml:1: region: arrays"), std::string::npos) << e;
    e = error(run({}, with({}, std::nullopt, "project = \"a\"\nperiod = \n")));
    EXPECT_NE(e.find("/home/u/.config/eco2/config.toml:2:"), std::string::npos)
        << e;  // TOML syntax, with column
    e = error(run({}, with({}, "[pricing]\ncurrency = 3\n")));
    EXPECT_NE(e.find("/proj/eco2.toml:2: pricing.currency must be a string"), std::string::npos) << e;
    // A mistake in a file is an error even when a flag gives the same option.
    EXPECT_TRUE(run({"--pue", "1.2"}, with({}, "bogus = 1\n")).error);
}

TEST(Cli, EnvironmentMistakesNameTheVariable) {
    const std::string e = error(run({}, with({{"ECO2_PUE", "0.5"}})));
    EXPECT_NE(e.find("ECO2_PUE=0.5"), std::string::npos) << e;
    EXPECT_NE(error(run({}, with({{"ECO2_TARIFF", "07:00-08:00=1"}}))).find("ECO2_TARIFF"),
              std::string::npos);
    Parsed empty = run({}, with({{"ECO2_PUE", ""}}));  // an empty variable is not set
    EXPECT_FALSE(empty.error);
}

TEST(Cli, BooleanFallbacks) {
    Parsed p = run({}, with({{"ECO2_MARGINAL", "1"}, {"ECO2_GEOLOCATE", "no"}}));
    ASSERT_FALSE(p.error) << *p.error;
    EXPECT_TRUE(p.options.marginal);
    EXPECT_FALSE(p.options.geolocate);
    p = run({}, with({}, "no-series = false\n"));
    EXPECT_TRUE(p.options.series);
    EXPECT_FALSE(run({"--no-series"}).options.series);
}

TEST(Cli, IntensityAndSeriesAtTheSameLevelMustBeOne) {
    std::string e = error(run({"--intensity", "56", "--intensity-series", "g.csv"}));
    EXPECT_NE(e.find("choose one"), std::string::npos);
    Parsed p = run({"--intensity-series", "g.csv"}, with({{"ECO2_INTENSITY", "56"}}));
    ASSERT_FALSE(p.error) << *p.error;
    EXPECT_EQ(p.options.setting("intensity")->level, Level::environment);
    EXPECT_EQ(p.options.setting("intensity-series")->level, Level::flag);
}

TEST(Cli, RegionsWhereEstimate) {
    Parsed p = parse({"regions", "FRA", "--format", "csv", "--year", "2023"});
    ASSERT_FALSE(p.error) << *p.error;
    EXPECT_EQ(p.command, Command::regions);
    EXPECT_EQ(p.options.query, "FRA");
    EXPECT_EQ(p.options.format, "csv");
    EXPECT_EQ(p.options.year, 2023);
    EXPECT_TRUE(parse({"regions", "--format", "xml"}).error);

    p = parse({"where", "--format", "json"}, with({{"ECO2_REGION", "DE"}}));
    ASSERT_FALSE(p.error) << *p.error;
    EXPECT_EQ(p.command, Command::where);
    EXPECT_EQ(p.options.region, "DE");
    EXPECT_TRUE(parse({"where", "--", "x"}).error);

    p = parse({"estimate", "--gpu", "A100", "--gpus", "4", "--hours", "2.5", "--usage", "0.6"});
    ASSERT_FALSE(p.error) << *p.error;
    EXPECT_EQ(p.options.gpus, 4);
    EXPECT_EQ(p.options.hours, 2.5);
    EXPECT_DOUBLE_EQ(p.options.usage, 0.6);
    p = parse({"estimate", "--energy", "1.37kWh", "--intensity", "240"});
    ASSERT_FALSE(p.error) << *p.error;
    EXPECT_DOUBLE_EQ(*p.options.energy_kwh, 1.37);
    EXPECT_NE(error(parse({"estimate", "--energy", "1.37kW"})).find("not an energy"), std::string::npos);
    EXPECT_NE(error(parse({"estimate"})).find("nothing to estimate"), std::string::npos);
    EXPECT_NE(error(parse({"estimate", "--gpu", "T4"})).find("nothing to estimate"), std::string::npos);
    EXPECT_NE(
        error(parse({"estimate", "--energy", "1", "--hours", "2", "--gpu", "T4"})).find("either --energy"),
        std::string::npos);
    EXPECT_TRUE(parse({"estimate", "--hours", "1", "--gpu", "T4", "--usage", "1.5"}).error);
    EXPECT_TRUE(parse({"estimate", "--energy", "1", "--start", "25:00"}).error);
}

TEST(Cli, OptionsOfOtherCommandsAreRefused) {
    EXPECT_TRUE(parse({"regions", "--pue", "1.2"}).error);
    EXPECT_TRUE(parse({"where", "--project", "x"}).error);
    EXPECT_TRUE(parse({"sensors", "--region", "FR"}).error);
}

TEST(Cli, HelpShowsEnvironmentAndConfigKeysFromTheTable) {
    Parsed p = parse({"run", "--help"});
    ASSERT_TRUE(p.message);
    EXPECT_NE(p.message->find("[env ECO2_REGION; config region]"), std::string::npos);
    EXPECT_NE(p.message->find("[env ECO2_TARIFF; config pricing.tariff]"), std::string::npos);
    EXPECT_NE(p.message->find("[config no-series]"), std::string::npos);
    p = parse({"estimate", "--help"});
    EXPECT_NE(p.message->find("--cpu-watts-per-core"), std::string::npos);
    EXPECT_EQ(p.message->find("--project"), std::string::npos);
}

TEST(Cli, ConfigLocationsFollowXdg) {
    auto l = config_locations({{"HOME", "/home/u"}});
    ASSERT_EQ(l.size(), 2u);
    EXPECT_EQ(l[0].path, "eco2.toml");
    EXPECT_EQ(l[0].level, Level::local_config);
    EXPECT_EQ(l[1].path, "/home/u/.config/eco2/config.toml");
    l = config_locations({{"HOME", "/home/u"}, {"XDG_CONFIG_HOME", "/xdg"}});
    EXPECT_EQ(l[1].path, "/xdg/eco2/config.toml");
    l = config_locations({{"HOME", "/home/u"}, {"XDG_CONFIG_HOME", "relative"}});  // not absolute: ignored
    EXPECT_EQ(l[1].path, "/home/u/.config/eco2/config.toml");
    EXPECT_EQ(config_locations({}).size(), 1u);
}

TEST(Cli, UnknownCommandsAndOptionsSuggestTheNearest) {
    EXPECT_NE(error(parse({"runn", "--", "true"})).find("unknown command 'runn': did you mean 'eco2 run'?"),
              std::string::npos);
    EXPECT_NE(error(run({"--regoin", "FR"})).find("unknown option '--regoin': did you mean '--region'?"),
              std::string::npos)
        << error(run({"--regoin", "FR"}));
    EXPECT_NE(error(parse({"run", "--regoin", "FR", "true"})).find("did you mean '--region'?"),
              std::string::npos);
    EXPECT_NE(error(parse({"regions", "--formt", "json"})).find("did you mean '--format'?"),
              std::string::npos);
    EXPECT_NE(error(parse({"estimate", "--gpuz", "2"})).find("unknown option '--gpuz'"), std::string::npos);
}

TEST(Cli, NumberErrorsSayNotANumberOrTheRangeInPlainDigits) {
    const std::string pue = error(run({}, with({{"ECO2_PUE", "abc"}})));
    EXPECT_NE(pue.find("ECO2_PUE=abc: --pue: \"abc\" is not a number: give a number from 1 to 10"),
              std::string::npos)
        << pue;
    const std::string intensity = error(run({"--intensity", "-3"}));
    EXPECT_NE(intensity.find("-3 is out of range: give a number >= 0"), std::string::npos) << intensity;
    EXPECT_EQ(intensity.find("e+"), std::string::npos) << intensity;
    EXPECT_LT(intensity.size(), 120u) << intensity;
    EXPECT_NE(error(run({"--epochs", "2.5"})).find("2.5 is not a whole number"), std::string::npos);
    EXPECT_NE(error(parse({"estimate", "--gpu", "H200", "--gpus", "0", "--hours", "1"}))
                  .find("0 is out of range: give a whole number from 1 to 1000000"),
              std::string::npos);
}

TEST(Cli, CpuTdpAndCpuNameWithTheirOrigin) {
    Parsed p = run({"--cpu-tdp", "205"});
    ASSERT_FALSE(p.error) << *p.error;
    EXPECT_EQ(p.options.cpu_tdp, 205.0);
    EXPECT_EQ(p.options.cpu_origin(), "--cpu-tdp");
    p = run({}, with({{"ECO2_CPU_TDP", "150"}}));
    EXPECT_EQ(p.options.cpu_tdp, 150.0);
    EXPECT_EQ(p.options.cpu_origin(), "ECO2_CPU_TDP");
    p = run({}, with({}, "cpu_tdp = 90\n"));
    EXPECT_EQ(p.options.cpu_tdp, 90.0);
    EXPECT_EQ(p.options.cpu_origin(), "config cpu_tdp (/proj/eco2.toml:1)");
    p = run({"--cpu-name", "EPYC 7763"});
    EXPECT_EQ(p.options.cpu_name, "EPYC 7763");
    EXPECT_EQ(p.options.cpu_origin(), "--cpu-name");
    EXPECT_NE(error(run({"--cpu-tdp", "0"})).find("out of range"), std::string::npos);
}

TEST(Cli, CloudQualifiesTheRegion) {
    Parsed p = run({"--cloud", "aws", "--region", "us-east-1"});
    ASSERT_FALSE(p.error) << *p.error;
    EXPECT_EQ(p.options.region, "aws:us-east-1");
    EXPECT_EQ(p.options.given.at("region").front().value, "aws:us-east-1");
    p = parse({"regions", "--cloud", "gcp", "europe-west4"});
    ASSERT_FALSE(p.error) << *p.error;
    EXPECT_EQ(p.options.query, "gcp:europe-west4");
    EXPECT_NE(error(run({"--cloud", "aws"})).find("--cloud aws needs --region NAME"), std::string::npos);
    EXPECT_NE(error(run({"--cloud", "ibm", "--region", "x"})).find("ibm"), std::string::npos);
}

TEST(Cli, EstimateListNeedsNothingElse) {
    Parsed p = parse({"estimate", "--list"});
    ASSERT_FALSE(p.error) << *p.error;
    EXPECT_TRUE(p.options.list);
}

TEST(Cli, UnknownTopLevelOptionSuggestsTheNearest) {
    EXPECT_NE(error(parse({"--verison"})).find("did you mean '--version'?"), std::string::npos)
        << error(parse({"--verison"}));
}
