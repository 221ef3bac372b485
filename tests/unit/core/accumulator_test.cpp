#include "core/accumulator.hpp"

#include <gtest/gtest.h>

#include <cmath>

using namespace eco2;
using namespace eco2::detail;

namespace {

TreeSample at(double t, double tree_cpu = 0, double busy = 0) {
    TreeSample s;
    s.t = t;
    s.tree_cpu_s = tree_cpu;
    s.machine_busy_s = busy;
    return s;
}

Channel counter(Component c, double wrap = 0, Attribution a = Attribution::direct) {
    return {"test.counter.0", c, ChannelKind::energy_counter, wrap, a};
}
Channel power(Component c, Attribution a = Attribution::direct) {
    return {"test.power.0", c, ChannelKind::power, 0, a};
}

}  // namespace

TEST(Accumulator, CounterDeltaHandlesWrap) {
    EXPECT_DOUBLE_EQ(Accumulator::counter_delta(10, 15, 100), 5);
    EXPECT_DOUBLE_EQ(Accumulator::counter_delta(95, 3, 100), 8);  // 95 -> 100 (=0) -> 3
    EXPECT_TRUE(std::isnan(Accumulator::counter_delta(95, 3, 0)));  // backwards with no known range: a reset
}

TEST(Accumulator, CountersAcrossAWrapSumToTheTrueEnergy) {
    Accumulator acc({counter(Component::cpu, 1000)});
    double v = 900;
    acc.begin(at(0), &v);
    v = 990;
    acc.update(at(1), &v);
    v = 40;  // wrapped
    acc.update(at(2), &v);
    v = 100;
    auto added = acc.update(at(3), &v);
    EXPECT_DOUBLE_EQ(added[index_of(Component::cpu)], 60);
    EXPECT_DOUBLE_EQ(acc.totals()[index_of(Component::cpu)], 90 + 50 + 60);
}

TEST(Accumulator, PowerIsIntegratedWithTheTrapezoidRule) {
    Accumulator acc({power(Component::gpu)});
    double w = 100;
    acc.begin(at(0), &w);
    w = 200;
    acc.update(at(2), &w);  // (100+200)/2 * 2
    w = 200;
    acc.update(at(2.5), &w);  // 200 * 0.5
    EXPECT_DOUBLE_EQ(acc.totals()[index_of(Component::gpu)], 300 + 100);
}

TEST(Accumulator, CpuShareAttributesMachineEnergyByTreeCpuTime) {
    Accumulator acc({counter(Component::cpu, 0, Attribution::cpu_share)});
    double e = 0;
    acc.begin(at(0, 0, 0), &e);
    e = 100;  // 100 J while the tree used 1 of 4 busy CPU-seconds
    acc.update(at(1, 1, 4), &e);
    EXPECT_DOUBLE_EQ(acc.totals()[0], 25);
    e = 200;  // tree idle
    acc.update(at(2, 1, 6), &e);
    EXPECT_DOUBLE_EQ(acc.totals()[0], 25);
}

TEST(Accumulator, NeedsTheMachineBusyTimeOnlyForCpuShareChannels) {
    EXPECT_TRUE(Accumulator({counter(Component::cpu, 0, Attribution::cpu_share)}).machine_fields().busy);
    EXPECT_FALSE(Accumulator({counter(Component::cpu, 0, Attribution::cpu_share)}).machine_fields().memory);
    Accumulator direct({counter(Component::cpu), power(Component::ram)});
    EXPECT_FALSE(direct.machine_fields().busy);
    EXPECT_FALSE(direct.machine_fields().memory);
    // Without cpu_share channels the machine fields are not read (NaN) and change nothing.
    double v[2] = {10, 2};
    direct.begin(at(0, 0, std::nan("")), v);
    v[0] = 30;
    auto added = direct.update(at(1, 1, std::nan("")), v);
    EXPECT_DOUBLE_EQ(added[index_of(Component::cpu)], 20);
    EXPECT_DOUBLE_EQ(added[index_of(Component::ram)], 2);
}

TEST(Accumulator, FailedCounterReadIsCountedWhenReadsResume) {
    Accumulator acc({counter(Component::cpu)});
    double e = 10;
    acc.begin(at(0), &e);
    e = std::nan("");
    acc.update(at(1), &e);
    e = 30;
    acc.update(at(2), &e);
    EXPECT_DOUBLE_EQ(acc.totals()[0], 20);
}

TEST(Accumulator, FailedPowerReadLosesOnlyItsIntervals) {
    Accumulator acc({power(Component::gpu)});
    double w = 100;
    acc.begin(at(0), &w);
    w = std::nan("");
    acc.update(at(1), &w);
    w = 100;
    acc.update(at(2), &w);  // no valid previous value: nothing invented
    acc.update(at(3), &w);
    EXPECT_DOUBLE_EQ(acc.totals()[index_of(Component::gpu)], 100);
}

TEST(Accumulator, ProcessListEnergyIsPendingUntilSettled) {
    Accumulator acc({counter(Component::gpu, 0, Attribution::process_list), counter(Component::gpu, 0, Attribution::process_list)});
    double e[2] = {0, 0};
    acc.begin(at(0), e);
    e[0] = 50;
    e[1] = 70;
    auto added = acc.update(at(1), e);
    EXPECT_DOUBLE_EQ(added[index_of(Component::gpu)], 0);
    bool used[2] = {true, false};
    added = acc.settle(used);
    EXPECT_DOUBLE_EQ(added[index_of(Component::gpu)], 50);
    EXPECT_DOUBLE_EQ(acc.totals()[index_of(Component::gpu)], 50);
    EXPECT_DOUBLE_EQ(acc.dropped_joules(), 70);
}

TEST(Accumulator, CounterResetIsIgnoredAndCounted) {
    Accumulator acc({counter(Component::cpu)});
    double e = 1000;
    acc.begin(at(0), &e);
    e = 5;
    acc.update(at(1), &e);
    e = 15;
    acc.update(at(2), &e);
    EXPECT_DOUBLE_EQ(acc.totals()[0], 10);
    EXPECT_EQ(acc.counter_resets(), 1u);
}

TEST(Accumulator, CpuShareWaitsForAFreshTreeSample) {
    Accumulator acc({counter(Component::cpu, 0, Attribution::cpu_share)});
    double e = 0;
    acc.begin(at(0, 0, 0), &e);
    TreeSample stale = at(0.5, 0, 0);  // the tree was not read: its fields are old
    stale.fresh = false;
    e = 60;
    acc.update(stale, &e);
    EXPECT_DOUBLE_EQ(acc.totals()[0], 0);  // waiting: the share of this window is not known yet
    e = 100;  // the window closes: the tree used 1 of 4 busy CPU-seconds over all 100 J
    acc.update(at(1, 1, 4), &e);
    EXPECT_DOUBLE_EQ(acc.totals()[0], 25);
}
