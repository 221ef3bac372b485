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

TEST(Accumulator, ProcessListIntervalCountsWhenEitherEndSawTheProcess) {
    Accumulator acc({counter(Component::gpu, 0, Attribution::process_list)});
    double e = 0;
    bool absent = false, present = true;
    acc.begin(at(0), &e);
    acc.settle(&absent);  // the check at the start
    e = 10;               // idle, nobody of ours on it
    acc.update(at(1), &e);
    EXPECT_DOUBLE_EQ(acc.settle(&absent)[index_of(Component::gpu)], 0);
    e = 110;  // the process appeared during this interval
    acc.update(at(2), &e);
    EXPECT_DOUBLE_EQ(acc.settle(&present)[index_of(Component::gpu)], 100);
    e = 310;
    acc.update(at(3), &e);
    EXPECT_DOUBLE_EQ(acc.settle(&present)[index_of(Component::gpu)], 200);
    e = 400;  // it left during this interval: the tail after the last sighting is kept
    acc.update(at(4), &e);
    EXPECT_DOUBLE_EQ(acc.settle(&absent)[index_of(Component::gpu)], 90);
    e = 420;
    acc.update(at(5), &e);
    EXPECT_DOUBLE_EQ(acc.settle(&absent)[index_of(Component::gpu)], 0);
    EXPECT_DOUBLE_EQ(acc.totals()[index_of(Component::gpu)], 390);
    EXPECT_DOUBLE_EQ(acc.dropped_joules(), 30);
}

// A reaped child's whole CPU time shows in its parent's cutime at once, after the busy time it was spent in:
// the share of that window would exceed 1. The excess claims the energy left unattributed before.
TEST(Accumulator, LateTreeCpuTimeClaimsTheEnergyOfTheWindowsItWasSpentIn) {
    Accumulator acc({counter(Component::cpu, 0, Attribution::cpu_share)});
    double e = 0;
    acc.begin(at(0, 0, 0), &e);
    // Window 1: 4 busy CPU-seconds, 100 J; the tree's child used 2 of them, unseen.
    e = 100;
    acc.update(at(1, 0, 4), &e);
    EXPECT_DOUBLE_EQ(acc.totals()[0], 0);
    // Window 2: 2 busy CPU-seconds, 50 J; the tree used 1 of them, and the reaped child's 2 s arrive: 3 s
    // of tree time against 2 busy seconds. Clamping the share to 1 would give 50 J and lose 1 s.
    e = 150;
    acc.update(at(2, 3, 6), &e);
    // Truth, at a flat 25 J per busy second: 2 s in window 1 and 1 s in window 2, 75 J.
    EXPECT_NEAR(acc.totals()[0], 75.0, 1e-9);
    EXPECT_DOUBLE_EQ(acc.late_cpu_carried_s(), 0.0);
}

TEST(Accumulator, LateTreeCpuTimeBeyondTheBusyTimeIsNotClampedAway) {
    Accumulator acc({counter(Component::cpu, 0, Attribution::cpu_share)});
    double e = 0;
    acc.begin(at(0, 0, 0), &e);
    // The tree's processes ran but were not seen (discovered late): 2 busy seconds, 50 J, none counted.
    e = 50;
    acc.update(at(0.25, 0, 2), &e);
    // Discovery: 2 s of tree time in a window of 0.5 busy seconds (10 J). Clamping the share to 1 would
    // give 10 J and lose 1.5 s; the pool holds the 50 J of the window before.
    e = 60;
    acc.update(at(0.5, 2, 2.5), &e);
    // All 2 s are counted: 0.5 s of this window (10 J) + 1.5 s at the pool's 25 J per busy second. (The
    // truth, 2 s spent in the first window, is 50 J: when the late time was spent is not known, only that
    // it was before.)
    EXPECT_NEAR(acc.totals()[0], 10 + 1.5 * 25, 1e-9);
    EXPECT_DOUBLE_EQ(acc.late_cpu_carried_s(), 0.0);
}

TEST(Accumulator, LateTreeCpuTimeWithoutAPoolIsCarriedForward) {
    Accumulator acc({counter(Component::cpu, 0, Attribution::cpu_share)});
    double e = 0;
    acc.begin(at(0, 0, 0), &e);
    e = 10;  // 1 busy second, but 3 s of tree time (an exact rusage replacing ticks, say)
    acc.update(at(1, 3, 1), &e);
    EXPECT_DOUBLE_EQ(acc.totals()[0], 10);
    EXPECT_DOUBLE_EQ(acc.late_cpu_carried_s(), 2.0);
    e = 50;  // 4 busy seconds, the tree idle: the 2 carried seconds (decayed) take their share
    acc.update(at(2, 3, 5), &e);
    const double carried = 2.0 * std::exp(-1.0 / Accumulator::LATE_CPU_TIME_CONSTANT_S);
    EXPECT_NEAR(acc.totals()[0], 10 + 40 * carried / 4, 1e-9);
    EXPECT_DOUBLE_EQ(acc.late_cpu_carried_s(), 0.0);
}
