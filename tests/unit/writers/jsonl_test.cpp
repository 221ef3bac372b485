// The JSON-lines sink: its format on a string stream (also under a comma-decimal locale), and a real run
// whose file is parsed line by line and compared with the run's own result.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "../test_util.hpp"
#include "eco2/error.hpp"
#include "writers/jsonl_sink.hpp"
#include "writers/sink.hpp"

using namespace eco2;
using namespace eco2::detail;
using eco2::test::TempDir;
using json = nlohmann::json;

namespace {

Tick sample_tick() {
    Tick t;
    t.index = 3;
    t.t = 2.5;
    t.interval_s = 0.5;
    t.wall = std::chrono::system_clock::time_point(std::chrono::milliseconds(1'700'000'000'250));
    t.interval_j = {10.0, 0.0, 1.25};
    t.total_j = {40.5, 0.0, 3.0};
    t.channels = {ChannelTick{"rapl.package.0", Component::cpu, 40.5, 20.0},
                  ChannelTick{"ram-model.tree.0", Component::ram, 3.0, 2.5}};
    t.co2_kg = 1.5e-6;
    t.intensity_g_per_kwh = 56.5;
    t.tree_cpu_s = 1.25;
    t.tree_rss_bytes = 1048576;
    t.processes = 4;
    return t;
}

std::vector<json> parse_lines(const std::string& text) {
    std::vector<json> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) lines.push_back(json::parse(line));  // throws on bad JSON
    return lines;
}

}  // namespace

TEST(JsonlFormat, TickLineHoldsEveryFigure) {
    std::ostringstream out;
    write_jsonl_tick(out, sample_tick(), "run-1");
    EXPECT_EQ(out.str().find('\n'), std::string::npos);  // one line
    const json j = json::parse(out.str());
    EXPECT_EQ(j["type"], "tick");
    EXPECT_EQ(j["run_id"], "run-1");
    EXPECT_EQ(j["index"], 3);
    EXPECT_DOUBLE_EQ(j["t_s"].get<double>(), 2.5);
    EXPECT_EQ(j["time"], "2023-11-14T22:13:20.250Z");
    EXPECT_DOUBLE_EQ(j["power_w"]["cpu"].get<double>(), 20.0);  // 10 J over 0.5 s
    EXPECT_DOUBLE_EQ(j["power_w"]["ram"].get<double>(), 2.5);
    EXPECT_DOUBLE_EQ(j["energy_j"]["cpu"].get<double>(), 40.5);
    EXPECT_DOUBLE_EQ(j["interval_j"]["ram"].get<double>(), 1.25);
    EXPECT_DOUBLE_EQ(j["co2_kg"].get<double>(), 1.5e-6);
    EXPECT_DOUBLE_EQ(j["intensity_g_per_kwh"].get<double>(), 56.5);
    EXPECT_EQ(j["tree"]["processes"], 4);
    EXPECT_DOUBLE_EQ(j["tree"]["rss_bytes"].get<double>(), 1048576);
    ASSERT_EQ(j["channels"].size(), 2u);
    EXPECT_EQ(j["channels"][0]["id"], "rapl.package.0");
    EXPECT_EQ(j["channels"][1]["component"], "ram");
    EXPECT_DOUBLE_EQ(j["channels"][1]["watts"].get<double>(), 2.5);
}

TEST(JsonlFormat, NumbersIgnoreACommaDecimalLocale) {
    std::string text;
    {
        eco2::test::CommaDecimalLocale comma;
        std::ostringstream out;
        write_jsonl_tick(out, sample_tick(), "run-1");
        text = out.str();
    }
    EXPECT_NE(text.find("\"intensity_g_per_kwh\":56.5"), std::string::npos) << text;
    EXPECT_NE(text.find("\"t_s\":2.5"), std::string::npos) << text;
    EXPECT_DOUBLE_EQ(json::parse(text)["power_w"]["ram"].get<double>(), 2.5);
}

TEST(JsonlFormat, StartAndStopLines) {
    Result r;
    r.id = "run-2";
    r.project_name = "p, \"quoted\"";
    r.status = RunStatus::completed;
    r.cpu.joules = 3.6e6;
    r.co2_kg = 0.25;
    r.exit_code = 3;
    std::ostringstream start, stop;
    write_jsonl_start(start, r);
    write_jsonl_stop(stop, r);
    const json s = json::parse(start.str()), e = json::parse(stop.str());
    EXPECT_EQ(s["type"], "start");
    EXPECT_EQ(s["project_name"], "p, \"quoted\"");
    EXPECT_EQ(e["type"], "stop");
    EXPECT_EQ(e["status"], "completed");
    EXPECT_DOUBLE_EQ(e["energy_kwh"].get<double>(), 1.0);
    EXPECT_EQ(e["exit_code"], 3);
}

// A real run: every line parses, one tick line per sample, and the last tick's totals are the run's.
TEST(JsonlSink, ARunWritesOneParsableLinePerTickMatchingTheResult) {
    TempDir dir;
    TrackerConfig c = eco2::test::tracker_config_in(dir, 0.02, 0.05);
    c.output.jsonl = dir / "run.jsonl";
    c.intensity = fixed_intensity(100.0, "XX", "test");
    Tracker t(c);
    t.start();
    eco2::test::burn_cpu(std::chrono::milliseconds(200));
    const Result r = t.stop();
    const auto lines = parse_lines(eco2::test::read_file(c.output.jsonl));
    ASSERT_GE(lines.size(), 3u);
    EXPECT_EQ(lines.front()["type"], "start");
    EXPECT_EQ(lines.front()["run_id"], r.id);
    EXPECT_EQ(lines.back()["type"], "stop");
    EXPECT_EQ(lines.back()["status"], "completed");
    std::size_t ticks = 0;
    double previous_t = 0;
    for (std::size_t i = 1; i + 1 < lines.size(); ++i) {
        const json& k = lines[i];
        ASSERT_EQ(k["type"], "tick");
        EXPECT_EQ(k["index"], ++ticks);
        EXPECT_GT(k["t_s"].get<double>(), previous_t);
        previous_t = k["t_s"].get<double>();
        double channel_sum = 0;
        for (const json& ch : k["channels"]) channel_sum += ch["joules"].get<double>();
        const json& e = k["energy_j"];
        EXPECT_NEAR(channel_sum, e["cpu"].get<double>() + e["gpu"].get<double>() + e["ram"].get<double>(), 1e-9);
    }
    EXPECT_EQ(ticks, r.samples);
    const json& last = lines[lines.size() - 2];
    EXPECT_TRUE(last["final"].get<bool>());
    EXPECT_DOUBLE_EQ(last["energy_j"]["cpu"].get<double>(), r.cpu.joules);
    EXPECT_DOUBLE_EQ(last["energy_j"]["ram"].get<double>(), r.ram.joules);
    EXPECT_DOUBLE_EQ(last["co2_kg"].get<double>(), r.co2_kg);
    EXPECT_DOUBLE_EQ(lines.back()["co2_kg"].get<double>(), r.co2_kg);
    EXPECT_GT(r.cpu.joules, 0.0);
}

TEST(JsonlSink, AFileThatCannotBeOpenedStopsStartAndNamesIt) {
    TempDir dir;
    TrackerConfig c = eco2::test::tracker_config_in(dir, 0.02, 0.05);
    c.output.jsonl = "/proc/eco2-no-such-dir/run.jsonl";
    Tracker t(c);
    try {
        t.start();
        FAIL() << "start() accepted an unwritable JSON-lines file";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("/proc/eco2-no-such-dir"), std::string::npos) << e.what();
        EXPECT_EQ(e.settings(), std::vector<std::string>{"jsonl"});  // the CLI shows it as --jsonl FILE
    }
    EXPECT_FALSE(t.running());
    // Nothing was started: the records file (opened first) holds no row of this run.
    EXPECT_EQ(eco2::test::read_file(dir / "emission.csv").find("interrupted"), std::string::npos);
}

TEST(JsonlSink, CheckOutputsLeavesNoFileAndRefusesAMissingFolder) {
    TempDir dir;
    TrackerConfig c = eco2::test::tracker_config_in(dir, 0.02, 0.05);
    c.output.jsonl = dir / "new.jsonl";
    detail::check_outputs(c);
    EXPECT_FALSE(std::filesystem::exists(dir / "new.jsonl"));
    EXPECT_FALSE(std::filesystem::exists(dir / "emission.csv"));
    c.output.jsonl = dir / "missing" / "x.jsonl";
    EXPECT_THROW(detail::check_outputs(c), Error);
}
