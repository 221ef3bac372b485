// NVML back end through the real dlopen path with the fake libnvidia-ml built from tests/fakes/fake_nvml*.c:
// readings, errors, init/shutdown balance, process lists, and process-scope attribution over time.

#include "nvml_fake_library_fixture.hpp"

#include "core/accumulator.hpp"

namespace {

TEST_F(NvmlFakeLibrary, EnergyCounterDeltaInJoulesAndPowerFallback) {
    auto s = make();
    ASSERT_NE(s, nullptr) << report.reason;
    EXPECT_EQ(report.status, ProbeStatus::available);
    EXPECT_EQ(report.channels, (Ids{"nvml.gpu.0", "nvml.gpu.1"}));
    ASSERT_EQ(s->channels().size(), 2u);
    EXPECT_EQ(s->channels()[0].kind, ChannelKind::energy_counter);
    EXPECT_EQ(s->channels()[1].kind, ChannelKind::power);
    EXPECT_EQ(s->source(), "nvml(energy counter: gpu0; power: gpu1)");
    EXPECT_EQ(s->device_names(), "NVIDIA A100-SXM4-40GB, Tesla P100-PCIE-16GB");

    const auto first = read_all(*s);
    EXPECT_DOUBLE_EQ(first[0], 1000.0);
    EXPECT_DOUBLE_EQ(first[1], 50.0);

    write_file(dir / "gpu0" / "energy_mj", "1250500\n");
    write_file(dir / "gpu1" / "power_mw", "75250\n");
    const auto second = read_all(*s);
    EXPECT_DOUBLE_EQ(second[0] - first[0], 250.5);
    EXPECT_DOUBLE_EQ(second[1], 75.25);
    EXPECT_EQ(s->failures().count(), 0u);
}

TEST_F(NvmlFakeLibrary, InstantPowerFieldThroughTheRealStructLayout) {
    write_file(dir / "gpu1" / "power_instant_mw", "61000\n");
    auto s = make();
    ASSERT_NE(s, nullptr) << report.reason;
    EXPECT_DOUBLE_EQ(read_all(*s)[1], 61.0);  // the field, not power_mw (50 W)
}

TEST_F(NvmlFakeLibrary, ErrorSwitchedOnMidRun) {
    auto s = make();
    ASSERT_NE(s, nullptr) << report.reason;
    EXPECT_FALSE(std::isnan(read_all(*s)[1]));

    write_file(dir / "gpu1" / "error", "15\n");  // NVML_ERROR_GPU_IS_LOST
    auto v = read_all(*s);
    EXPECT_DOUBLE_EQ(v[0], 1000.0);
    EXPECT_TRUE(std::isnan(v[1]));
    EXPECT_EQ(s->failures().count(), 1u);
    EXPECT_EQ(s->failures().first(), "nvml.gpu.1: GPU is lost");

    fs::remove(dir / "gpu1" / "error");
    v = read_all(*s);
    EXPECT_DOUBLE_EQ(v[1], 50.0);
    EXPECT_EQ(s->failures().count(), 1u);
}

TEST_F(NvmlFakeLibrary, InitErrorReportsFailed) {
    write_file(dir / "init_error", "9\n");
    EXPECT_EQ(make(), nullptr);
    EXPECT_EQ(report.status, ProbeStatus::failed);
    EXPECT_THAT(report.reason, HasSubstr("Driver Not Loaded"));
    EXPECT_EQ(init_count(), 0);
}

TEST_F(NvmlFakeLibrary, ShutdownBalancesInit) {
    auto s = make();
    ASSERT_NE(s, nullptr) << report.reason;
    EXPECT_EQ(init_count(), 1);
    s.reset();
    EXPECT_EQ(init_count(), 0);

    EXPECT_EQ(make(Scope::machine, ""), nullptr);  // a probe that finds nothing shuts down too
    EXPECT_EQ(init_count(), 0);
}

TEST_F(NvmlFakeLibrary, ProcessListsOfTheFake) {
    write_file(dir / "gpu0" / "pids", "1\n" + std::to_string(::getpid()) + "\n");
    write_file(dir / "gpu1" / "pids", "1\n");
    auto s = make(Scope::process);
    ASSERT_NE(s, nullptr) << report.reason;
    EXPECT_EQ(s->channels()[0].attribution, Attribution::process_list);
    EXPECT_EQ(s->channels()[1].attribution, Attribution::process_list);

    tree.pids = {::getpid()};
    bool used[2] = {};
    s->slow_update(tree, used);
    EXPECT_TRUE(used[0]);
    EXPECT_FALSE(used[1]);

    write_file(dir / "gpu1" / "graphics_pids", std::to_string(::getpid()) + "\n");
    s->slow_update(tree, used);
    EXPECT_TRUE(used[1]);
}

TEST_F(NvmlFakeLibrary, ListingUnsupportedAtProbeMeansDirect) {
    write_file(dir / "gpu1" / "pids_unsupported", "");
    auto s = make(Scope::process);
    ASSERT_NE(s, nullptr) << report.reason;
    EXPECT_EQ(s->channels()[0].attribution, Attribution::process_list);
    EXPECT_EQ(s->channels()[1].attribution, Attribution::direct);
    EXPECT_THAT(s->source(), HasSubstr("process listing unsupported on gpu1"));
}

TEST_F(NvmlFakeLibrary, CudaVisibleDevicesByUuidPrefix) {
    auto s = make(Scope::machine, "GPU-5d8c9");
    ASSERT_NE(s, nullptr) << report.reason;
    ASSERT_EQ(s->channels().size(), 1u);
    EXPECT_EQ(s->channels()[0].id, "nvml.gpu.1");

    EXPECT_EQ(make(Scope::machine, "GPU-5d8c"), nullptr);  // both fixture UUIDs start so
    EXPECT_EQ(report.status, ProbeStatus::absent);
}

// ------------------------------------------------------------------ process-scope attribution over time

// Drives the fake's timeline with an injected clock (its `clock` file) the way the tracker does: a reading
// every 0.1 s, process lists at the start, every 0.5 s and at the end. Returns the GPU energy attributed, J.
double simulate_run(const fs::path& fdir, Sensor& s, const std::vector<pid_t>& tracked, double until_s,
                    double period_s = 0.1, double check_s = 0.5) {
    auto at = [&](double t) { write_file(fdir / "clock", std::to_string(1000.0 + t) + "\n"); };
    std::vector<double> v(s.channels().size());
    std::unique_ptr<bool[]> used(new bool[s.channels().size()]());
    TreeSample tree;
    tree.pids = tracked;
    at(0);
    s.read(tree, v.data());
    Accumulator acc(s.channels());
    acc.begin(tree, v.data());
    s.slow_update(tree, used.get());
    acc.settle(used.get());
    double last_check = 0;
    const int ticks = static_cast<int>(std::lround(until_s / period_s));
    for (int k = 1; k <= ticks; ++k) {
        const double t = k * period_s;
        at(t);
        tree.t = t;
        s.read(tree, v.data());
        acc.update(tree, v.data());
        if (k == ticks || t - last_check >= check_s - 1e-9) {
            last_check = t;
            s.slow_update(tree, used.get());
            acc.settle(used.get());
        }
    }
    return acc.totals()[index_of(Component::gpu)];
}

// The fake GPU: 30 W idle, 300 W while the tracked process is on it, from `from` to `to` s after the origin.
void gpu_phase(const fs::path& fdir, double from, double to, pid_t pid) {
    write_file(fdir / "gpu0" / "energy_mj", "0\n");
    write_file(fdir / "gpu0" / "pids", std::to_string(pid) + "\n");
    write_file(fdir / "gpu0" / "idle_mw", "30000\n");
    write_file(fdir / "gpu0" / "timeline", std::to_string(from) + " " + std::to_string(to) + " 300000 1\n");
    write_file(fdir / "gpu0" / "timeline_origin", "1000\n");
}

TEST_F(NvmlFakeLibrary, FourSecondGpuPhaseIsCountedWithinFivePercent) {
    gpu_phase(dir, 1.23, 5.23, 4242);
    auto s = make(Scope::process, "0");
    ASSERT_NE(s, nullptr) << report.reason;
    ASSERT_EQ(s->channels()[0].attribution, Attribution::process_list);
    const double gpu_j = simulate_run(dir, *s, {4242}, 8.0);
    // The device's energy during the phase: 4 s x 300 W. Around it, at most one check interval of idle power
    // at each end is counted too (2 x 0.5 s x 30 W = 30 J).
    EXPECT_GE(gpu_j, 1200.0 - 1.0);  // the fake counts whole mJ
    EXPECT_LE(gpu_j, 1200.0 + 30.0 + 1.0);
    EXPECT_NEAR(gpu_j, 1200.0, 0.05 * 1200.0);
}

TEST_F(NvmlFakeLibrary, OneSecondGpuPhaseIsSeenAndItsTailKept) {
    gpu_phase(dir, 2.37, 3.37, 4242);
    auto s = make(Scope::process, "0");
    ASSERT_NE(s, nullptr) << report.reason;
    const double gpu_j = simulate_run(dir, *s, {4242}, 5.0);
    EXPECT_GE(gpu_j, 300.0 - 1.0);
    EXPECT_LE(gpu_j, 300.0 + 30.0 + 1.0);
}

TEST_F(NvmlFakeLibrary, PhaseEndingAtTheRunsEndIsKept) {
    // The command exits (leaves the list and the tree) just before the tracker's final check.
    gpu_phase(dir, 0.5, 4.05, 4242);
    auto s = make(Scope::process, "0");
    ASSERT_NE(s, nullptr) << report.reason;
    const double gpu_j = simulate_run(dir, *s, {4242}, 4.1);
    EXPECT_NEAR(gpu_j, 3.55 * 300.0 + 0.5 * 30.0 + 0.05 * 30.0, 1.0);  // the phase, and idle before it
}

TEST_F(NvmlFakeLibrary, AnotherUsersPhaseIsNotCounted) {
    gpu_phase(dir, 1.0, 5.0, 777);
    auto s = make(Scope::process, "0");
    ASSERT_NE(s, nullptr) << report.reason;
    EXPECT_DOUBLE_EQ(simulate_run(dir, *s, {4242}, 6.0), 0.0);
}

}  // namespace
