#include "sensors/rapl_sensor.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "../test_util.hpp"
#include "context_util.hpp"
#include "core/accumulator.hpp"
#include "sensors/registry.hpp"

using namespace eco2;
using namespace eco2::detail;
using eco2::test::roots;
using eco2::test::TempDir;
using eco2::test::write_file;

namespace {


// Simulates the root-only energy_uj of kernels patched for CVE-2020-8694 (chmod does not stop root).
class DenyEnergyReader final : public sys::FileReader {
public:
    sys::ReadResult read(const std::filesystem::path& p) const noexcept override {
        if (p.filename() == "energy_uj") {
            sys::ReadResult r;
            r.status = sys::ReadStatus::permission_denied;
            r.error = EACCES;
            return r;
        }
        return sys::FileReader::read(p);
    }
};

}  // namespace

TEST(Rapl, TwoSocketsWithDramSkipsNestedAndPlatformZones) {
    RaplProbe p = probe_rapl(roots(eco2::test::fixture("rapl_2socket_dram")), sys::default_reader(), Scope::machine);
    ASSERT_EQ(p.report.status, ProbeStatus::available) << p.report.reason;
    EXPECT_EQ(p.report.channels,
              (std::vector<std::string>{"rapl.package.0", "rapl.package.1", "rapl.dram.0", "rapl.dram.1"}));
    ASSERT_TRUE(p.package);
    ASSERT_TRUE(p.dram);
    double v[2];
    p.package->read(TreeSample{}, v);
    EXPECT_DOUBLE_EQ(v[0], 262143.0);  // µJ -> J
    EXPECT_DOUBLE_EQ(v[1], 1.0);
    EXPECT_DOUBLE_EQ(p.package->channels()[0].wrap_j, 262143.328850);
    EXPECT_EQ(p.package->channels()[0].attribution, Attribution::direct);
    p.dram->read(TreeSample{}, v);
    EXPECT_DOUBLE_EQ(v[0], 5.0);
    EXPECT_DOUBLE_EQ(v[1], 7.0);
    ASSERT_TRUE(p.tdp);
    EXPECT_DOUBLE_EQ(p.tdp->watts, 300.0);
    EXPECT_EQ(p.tdp->packages, 2);
}

TEST(Rapl, ProcessScopeAttributesByCpuShare) {
    RaplProbe p = probe_rapl(roots(eco2::test::fixture("rapl_2socket_dram")), sys::default_reader(), Scope::process);
    ASSERT_TRUE(p.package);
    EXPECT_EQ(p.package->channels()[0].attribution, Attribution::cpu_share);
    EXPECT_NE(p.package->source().find("process share"), std::string::npos);
}

// Which machine-wide figures (/proc/stat, /proc/meminfo) the tracker reads with each set of sensors.
TEST(Rapl, MachineFiguresNeededByEachScope) {
    auto needs = [](const char* fixture, Scope scope) {
        SensorSet set = discover_sensors(eco2::test::context_at(eco2::test::fixture(fixture)),
                                         DiscoveryRequest{scope, {}});
        std::vector<Channel> channels;
        for (const auto& s : set.sensors)
            channels.insert(channels.end(), s->channels().begin(), s->channels().end());
        MachineFields f = machine_fields(set) | Accumulator(channels).machine_fields();
        return std::pair(f.busy, f.memory);
    };
    // Process scope: the TDP model uses the tree's CPU time, RAPL's process share the machine's busy time.
    EXPECT_EQ(needs("no_rapl", Scope::process), std::pair(false, false));
    EXPECT_EQ(needs("rapl_2socket_dram", Scope::process), std::pair(true, false));
    // Machine scope: the models use the machine's figures; RAPL (packages and DRAM) uses none.
    EXPECT_EQ(needs("no_rapl", Scope::machine), std::pair(true, true));
    EXPECT_EQ(needs("rapl_2socket_dram", Scope::machine), std::pair(false, false));
}

TEST(Rapl, PermissionDeniedSaysHowToFixAndKeepsTheTdp) {
    DenyEnergyReader deny;
    RaplProbe p = probe_rapl(roots(eco2::test::fixture("rapl_2socket_dram")), deny, Scope::process);
    EXPECT_EQ(p.report.status, ProbeStatus::permission_denied);
    EXPECT_FALSE(p.package);
    EXPECT_NE(p.report.fix.find("chmod"), std::string::npos);
    EXPECT_NE(p.report.fix.find("root"), std::string::npos);
    ASSERT_TRUE(p.tdp);  // constraint_0_max_power_uw is world-readable
    EXPECT_DOUBLE_EQ(p.tdp->watts, 300.0);
}

TEST(Rapl, NoPowercapIsAbsent) {
    RaplProbe p = probe_rapl(roots(eco2::test::fixture("no_rapl")), sys::default_reader(), Scope::process);
    EXPECT_EQ(p.report.status, ProbeStatus::absent);
    EXPECT_FALSE(p.package);
    EXPECT_FALSE(p.tdp);
    EXPECT_FALSE(p.report.fix.empty());
}

TEST(Rapl, WrapAroundDuringARunGivesTheTrueDelta) {
    TempDir dir("rapl_2socket_dram");
    RaplProbe p = probe_rapl(roots(dir.path()), sys::default_reader(), Scope::machine);
    ASSERT_TRUE(p.package);
    Accumulator acc(p.package->channels());
    double v[2];
    TreeSample t;
    p.package->read(t, v);
    acc.begin(t, v);
    // package-0 starts 328850 µJ below its range and wraps to 1,000,000 µJ; package-1 gains 2 J.
    write_file(dir / "sys/class/powercap/intel-rapl:0/energy_uj", "1000000\n");
    write_file(dir / "sys/class/powercap/intel-rapl:1/energy_uj", "3000000\n");
    t.t = 1;
    p.package->read(t, v);
    acc.update(t, v);
    EXPECT_NEAR(acc.totals()[index_of(Component::cpu)], 0.328850 + 1.0 + 2.0, 1e-9);
}

TEST(Rapl, ReadFailureMidRunIsNaNAndCounted) {
    TempDir dir("rapl_2socket_dram");
    RaplProbe p = probe_rapl(roots(dir.path()), sys::default_reader(), Scope::machine);
    ASSERT_TRUE(p.package);
    std::filesystem::remove(dir / "sys/class/powercap/intel-rapl:1/energy_uj");
    double v[2];
    p.package->read(TreeSample{}, v);
    EXPECT_FALSE(std::isnan(v[0]));
    EXPECT_TRUE(std::isnan(v[1]));
    EXPECT_EQ(p.package->failures().count(), 1u);
    EXPECT_NE(p.package->failures().first().find("intel-rapl:1"), std::string::npos);
}

// Process scope with a fake tree: a child runs on one CPU for 1 s unseen, and its whole time appears in the
// parent's cutime when it is reaped. The tree's share of the packages' energy keeps that second.
TEST(Rapl, ProcessShareKeepsCpuTimeThatArrivesLate) {
    TempDir dir("rapl_2socket_dram");
    RaplProbe p = probe_rapl(roots(dir.path()), sys::default_reader(), Scope::process);
    ASSERT_TRUE(p.package);
    ASSERT_EQ(p.package->channels().size(), 2u);
    const auto pc = dir / "sys/class/powercap";
    const std::uint64_t wrap_uj = 262143328850;
    std::uint64_t uj[2] = {262143000000, 1000000};  // package-0 wraps during the run
    const std::filesystem::path files[2] = {pc / "intel-rapl:0/energy_uj", pc / "intel-rapl:1/energy_uj"};

    Accumulator acc(p.package->channels());
    double v[2];
    TreeSample tree;
    tree.t = 0;
    tree.tree_cpu_s = 0;
    tree.machine_busy_s = 100;
    p.package->read(tree, v);
    acc.begin(tree, v);
    // 30 windows of 0.1 s: the machine is busy on 2 CPUs throughout (0.2 busy s a window) and the
    // packages draw 30 W + 10 W. The tree: its child on one CPU from 0 to 1 s, unseen until its reap at
    // 1 s; then the parent on one CPU until 3 s.
    for (int k = 1; k <= 30; ++k) {
        uj[0] = (uj[0] + 3'000'000) % wrap_uj;
        uj[1] += 1'000'000;
        for (int i = 0; i < 2; ++i) write_file(files[i], std::to_string(uj[i]) + "\n");
        tree.t = 0.1 * k;
        tree.machine_busy_s = 100 + 0.2 * k;
        tree.tree_cpu_s = k < 10 ? 0.0 : 0.1 * k;
        p.package->read(tree, v);
        acc.update(tree, v);
    }
    // Truth: the tree used 3 of the 6 busy CPU-seconds of a flat 40 W for 3 s: 60 J. Clamping the share of
    // the reap window to 1 gave 44 J (0.8 s lost).
    EXPECT_NEAR(acc.totals()[index_of(Component::cpu)], 60.0, 1e-6);
    EXPECT_NEAR(acc.late_cpu_carried_s(), 0.0, 1e-12);
    EXPECT_EQ(acc.counter_resets(), 0u);
}
