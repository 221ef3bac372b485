#include "eco2/tracker.hpp"

#include <gtest/gtest.h>
#include <sys/resource.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "../test_util.hpp"
#include "eco2/error.hpp"
#include "sys/stop_signal.hpp"

using namespace eco2;
using eco2::test::read_file;
using eco2::test::TempDir;

namespace {

TrackerConfig config_in(const TempDir& dir) { return eco2::test::tracker_config_in(dir, 0.02, 0.05); }
using eco2::test::burn_cpu;

double self_cpu_seconds() {
    rusage ru{};
    ::getrusage(RUSAGE_SELF, &ru);
    return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6;
}

std::size_t count_lines(const std::string& text) { return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')); }

}  // namespace

TEST(Tracker, MeasuresTheCallingProcess) {
    TempDir dir;
    TrackerConfig c = config_in(dir);
    c.intensity = fixed_intensity(100.0, "XX", "test");
    Tracker t(c);
    double cpu_before = self_cpu_seconds();
    t.start();
    burn_cpu(std::chrono::milliseconds(300));
    Result r = t.stop();
    double cpu_used = self_cpu_seconds() - cpu_before;
    EXPECT_EQ(r.status, RunStatus::completed);
    // E = TDP x CPU seconds / online CPUs, with the TDP the source names and the fixture's 2 CPUs.
    double tdp = std::stod(r.cpu.source.substr(r.cpu.source.find('(') + 1));
    EXPECT_NEAR(r.cpu.joules, tdp * cpu_used / 2, tdp * 0.03 / 2) << r.cpu.source;
    EXPECT_GT(r.duration_s, 0.29);
    EXPECT_GT(r.cpu.joules, 0.0);
    // TDP model, 100 W default (the fixture has no cpuinfo of ours: whatever CPU, the TDP is in the source),
    // 2 online CPUs: at most TDP x wall time / 2.
    EXPECT_NE(r.cpu.source.find("tdp-model"), std::string::npos);
    EXPECT_TRUE(r.cpu.estimated);
    EXPECT_GT(r.ram.joules, 0.0);
    EXPECT_EQ(r.gpu.joules, 0.0);
    EXPECT_NE(r.gpu.source.find("none"), std::string::npos);
    EXPECT_NEAR(r.co2_kg, r.energy_kwh() * 100.0 / 1000.0, 1e-15);
    EXPECT_DOUBLE_EQ(r.intensity_g_per_kwh, 100.0);
    EXPECT_EQ(r.region, "XX");
    EXPECT_GT(r.samples, 5u);
    std::string csv = read_file(dir / "emission.csv");
    EXPECT_EQ(count_lines(csv), 2u);
    EXPECT_NE(csv.find(r.id), std::string::npos);
    EXPECT_NE(csv.find(",completed,"), std::string::npos);
    EXPECT_TRUE(std::filesystem::exists(dir / "emission.series" / (r.id + ".csv")));
}

TEST(Tracker, SnapshotWhileRunningAndCheckpointRowOnDisk) {
    TempDir dir;
    Tracker t(config_in(dir));
    EXPECT_THROW(t.snapshot(), Error);
    t.start();
    burn_cpu(std::chrono::milliseconds(200));
    Result s1 = t.snapshot();
    EXPECT_EQ(s1.status, RunStatus::running);
    EXPECT_NE(read_file(dir / "emission.csv").find(",interrupted,"), std::string::npos);
    burn_cpu(std::chrono::milliseconds(100));
    Result s2 = t.snapshot();
    EXPECT_GT(s2.duration_s, s1.duration_s);
    EXPECT_GE(s2.cpu.joules, s1.cpu.joules);
    Result r = t.stop();
    EXPECT_GE(r.cpu.joules, s2.cpu.joules);
}

TEST(Tracker, MisuseIsAnErrorWithACode) {
    TempDir dir;
    Tracker t(config_in(dir));
    EXPECT_THROW(t.stop(), Error);
    t.start();
    try {
        t.start();
        FAIL();
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Errc::invalid_state);
    }
    t.stop();
    EXPECT_FALSE(t.running());
}

TEST(Tracker, BadConfigurationIsRejectedUpFront) {
    TempDir dir;
    TrackerConfig c = config_in(dir);
    c.sampling.period_s = 0.001;
    EXPECT_THROW(Tracker{c}, Error);
    c = config_in(dir);
    c.pue = 0.5;
    try {
        Tracker t(c);
        FAIL();
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Errc::invalid_argument);
        EXPECT_NE(std::string(e.what()).find("PUE"), std::string::npos);
    }
    EXPECT_THROW(fixed_intensity(-1, "x", "y"), Error);
}

TEST(Tracker, DestructorStopsAndRecords) {
    TempDir dir;
    {
        Tracker t(config_in(dir));
        t.start();
        burn_cpu(std::chrono::milliseconds(50));
    }
    std::string csv = read_file(dir / "emission.csv");
    EXPECT_EQ(count_lines(csv), 2u);
    EXPECT_NE(csv.find(",completed,"), std::string::npos);
}

TEST(Tracker, SeveralTrackersCoexistOnOneFile) {
    TempDir dir;
    TrackerConfig a = config_in(dir), b = config_in(dir);
    a.project_name = "first";
    b.project_name = "second";
    b.sampling.scope = Scope::machine;
    Tracker ta(a), tb(b);
    ta.start();
    tb.start();
    burn_cpu(std::chrono::milliseconds(150));
    Result rb = tb.stop();
    burn_cpu(std::chrono::milliseconds(50));
    Result ra = ta.stop();
    EXPECT_NE(ra.id, rb.id);
    EXPECT_GT(ra.duration_s, rb.duration_s);
    EXPECT_EQ(rb.scope, Scope::machine);
    std::string csv = read_file(dir / "emission.csv");
    EXPECT_EQ(count_lines(csv), 3u);
    EXPECT_NE(csv.find("first"), std::string::npos);
    EXPECT_NE(csv.find("second"), std::string::npos);
}

TEST(Tracker, NoOutputWritesNothing) {
    TempDir dir;
    TrackerConfig c = config_in(dir);
    c.output.path.clear();
    Tracker t(c);
    t.start();
    Result r = t.stop();
    EXPECT_FALSE(r.id.empty());
    EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

TEST(Tracker, WorldAverageByDefaultWithAWarning) {
    TempDir dir;
    Tracker t(config_in(dir));
    t.start();
    Result r = t.stop();
    EXPECT_DOUBLE_EQ(r.intensity_g_per_kwh, WORLD_AVERAGE_G_PER_KWH);
    EXPECT_NE(r.location_source.find("world average"), std::string::npos);
    bool warned = false;
    for (const auto& w : r.warnings) warned = warned || w.find("world average") != std::string::npos;
    EXPECT_TRUE(warned);
}

TEST(Tracker, ProbeSensorsListsEveryBackEnd) {
    TempDir dir;
    auto reports = probe_sensors(config_in(dir));
    std::vector<std::string> names;
    for (const auto& r : reports) names.push_back(r.backend);
    EXPECT_EQ(names, (std::vector<std::string>{"procfs", "cgroup", "rapl", "cpu-model", "ram-model", "nvml", "amdgpu"}));
}

namespace {
class FlatPrice final : public PriceProvider {
public:
    double at(std::chrono::system_clock::time_point) const noexcept override { return 0.25; }
    std::string currency() const override { return "EUR"; }
};
}  // namespace

TEST(Tracker, CostIsFacilityEnergyTimesPrice) {
    TempDir dir;
    TrackerConfig c = config_in(dir);
    c.pue = 1.2;
    c.price = std::make_shared<FlatPrice>();
    Tracker t(c);
    t.start();
    burn_cpu(std::chrono::milliseconds(100));
    Result r = t.stop();
    ASSERT_TRUE(r.cost);
    EXPECT_EQ(r.currency, "EUR");
    EXPECT_GT(*r.cost, 0.0);
    EXPECT_NEAR(*r.cost, r.energy_kwh() * 0.25, 1e-15);
    Tracker no_price(config_in(dir));
    no_price.start();
    EXPECT_FALSE(no_price.stop().cost);
}

// What the sampler sleeps on: the deadline, or a stop request that ends a wait in progress.
TEST(StopSignal, WaitsUntilTheDeadlineOrTheRequest) {
    using steady = std::chrono::steady_clock;
    eco2::sys::StopSignal stop;
    EXPECT_FALSE(stop.wait_until(steady::now() - std::chrono::seconds(1)));  // a past deadline: at once
    auto t = steady::now();
    EXPECT_FALSE(stop.wait_until(t + std::chrono::milliseconds(20)));
    EXPECT_GE(steady::now() - t, std::chrono::milliseconds(20));
    std::thread requester([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        stop.request();
    });
    t = steady::now();
    EXPECT_TRUE(stop.wait_until(t + std::chrono::seconds(60)));
    EXPECT_LT(steady::now() - t, std::chrono::seconds(30));
    requester.join();
    EXPECT_TRUE(stop.requested());
    EXPECT_TRUE(stop.wait_until(steady::now() + std::chrono::seconds(60)));  // stays requested
    stop.reset();
    EXPECT_FALSE(stop.requested());
    EXPECT_FALSE(stop.wait_until(steady::now() + std::chrono::milliseconds(1)));
    stop.request();  // before the wait
    stop.request();
    EXPECT_TRUE(stop.wait_until(steady::now() + std::chrono::seconds(60)));
    stop.reset();
    EXPECT_FALSE(stop.wait_until(steady::now()));  // the second request posted nothing more
}
