// The sampler's cadences on a fake clock: time moves only when the sampler waits, so these tests never sleep
// and their figures are exact.
#include "core/sampler.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <vector>

using namespace eco2::detail;
using namespace std::chrono;

namespace {

// The one clock contract (sys::Clock, as the SystemContext hands it down), faked: jumps to each deadline at
// once; stops after `wakes` waits. `lag_at`: at that wake, time jumps that much further (the machine was
// suspended). Used from one thread only, so its state is mutable behind the const interface.
class FakeClock final : public eco2::sys::Clock {
public:
    explicit FakeClock(int wakes) : m_wakes_left(wakes) {}
    steady_clock::time_point steady_now() const noexcept override { return m_now; }
    bool wait_until(steady_clock::time_point deadline, eco2::sys::StopSignal& stop) const noexcept override {
        if (stop.requested() || m_wakes_left-- <= 0) return true;
        if (deadline > m_now) m_now = deadline;
        if (++m_wakes == lag_at) m_now += lag;
        return false;
    }

    int lag_at = -1;
    steady_clock::duration lag{};

private:
    mutable steady_clock::time_point m_now{seconds(1000)};
    mutable int m_wakes_left;
    mutable int m_wakes = 0;
};

struct Ticks {
    std::vector<TickPlan> plans;
    std::vector<double> period_ticks() const {
        std::vector<double> t;
        for (const auto& p : plans)
            if (!p.check_only) t.push_back(p.t);
        return t;
    }
};

Ticks run(double period_s, bool process_lists, int wakes, std::shared_ptr<FakeClock> clock = nullptr) {
    if (!clock) clock = std::make_shared<FakeClock>(wakes);
    std::mutex lock;
    Ticks r;
    Sampler* self = nullptr;
    Sampler sampler(lock, [&](bool check_only) { r.plans.push_back(self->plan(false, check_only)); });
    self = &sampler;
    sampler.reset(clock, period_s, process_lists);
    sampler.loop();  // on this thread: returns when the clock says stop
    return r;
}

}  // namespace

TEST(Sampler, WarmUpDoublesTheIntervalUntilThePeriodThenKeepsIt) {
    const auto t = run(0.1, false, 7).period_ticks();
    const std::vector<double> expected{0.01, 0.03, 0.07, 0.15, 0.25, 0.35, 0.45};
    ASSERT_EQ(t.size(), expected.size());
    for (std::size_t i = 0; i < t.size(); ++i) EXPECT_NEAR(t[i], expected[i], 1e-9) << i;
}

TEST(Sampler, AtHundredHertzTheTreeIsReadEvery100msAndScannedEvery250ms) {
    const Ticks r = run(0.01, false, 100);  // 1 s of ticks
    ASSERT_EQ(r.plans.size(), 100u);
    EXPECT_NEAR(r.plans.back().t, 1.0, 1e-9);
    std::vector<double> tree, scans, slow;
    for (const auto& p : r.plans) {
        EXPECT_FALSE(p.check_only);
        if (p.tree) tree.push_back(p.t);
        if (p.discover) scans.push_back(p.t);
        if (p.slow) slow.push_back(p.t);
        EXPECT_TRUE(!p.discover || p.tree);  // a scan is part of a tree read
    }
    // A read once the last is 100 ms old: at the first tick after, never later than one period.
    double previous = 0;
    for (double x : tree) {
        EXPECT_GE(x - previous, 0.1 - 1e-9);
        EXPECT_LE(x - previous, 0.11 + 1e-9);
        previous = x;
    }
    EXPECT_GE(tree.size(), 9u);
    EXPECT_LE(tree.size(), 10u);
    previous = 0;
    for (double x : scans) {
        EXPECT_GE(x - previous, 0.25 - 1e-9);
        EXPECT_LE(x - previous, 0.35 + 1e-9);  // at the first tree read after 250 ms
        previous = x;
    }
    EXPECT_EQ(scans.size(), 3u);
    // Slow work: every max(1 s, 5 periods) = 1 s.
    ASSERT_EQ(slow.size(), 1u);
    EXPECT_NEAR(slow[0], 1.0, 2e-3);
}

TEST(Sampler, AtOneHertzEveryTickReadsTheTree) {
    const Ticks r = run(1.0, false, 12);
    for (const auto& p : r.plans) EXPECT_TRUE(p.tree) << p.t;
}

TEST(Sampler, ProcessListsAreCheckedEveryHalfSecondBetweenLongPeriods) {
    const Ticks r = run(2.0, true, 40);
    const auto t = r.period_ticks();
    // Warm-up 10, 20, 40 ... 1280 ms, then the 2 s period.
    const std::vector<double> expected{0.01, 0.03, 0.07, 0.15, 0.31, 0.63, 1.27, 2.55, 4.55, 6.55};
    ASSERT_GE(t.size(), expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i) EXPECT_NEAR(t[i], expected[i], 1e-9) << i;
    double last_slow = 0;
    std::size_t checks = 0;
    for (const auto& p : r.plans) {
        if (p.check_only) {
            ++checks;
            EXPECT_TRUE(p.slow);
        }
        if (p.slow) {
            EXPECT_LE(p.t - last_slow, Sampler::PROCESS_LIST_INTERVAL_S + 1e-6) << p.t;
            last_slow = p.t;
        }
    }
    EXPECT_GT(checks, 10u);
}

TEST(Sampler, ATickThatFellBehindSkipsAheadInsteadOfBursting) {
    auto clock = std::make_shared<FakeClock>(12);
    clock->lag_at = 6;  // the 6th wake-up (due at 0.35 s) comes 10 s late
    clock->lag = seconds(10);
    const auto t = run(0.1, false, 12, clock).period_ticks();
    ASSERT_EQ(t.size(), 12u);
    EXPECT_NEAR(t[5], 10.35, 1e-9);
    // After the late tick, one period apart: no catch-up burst of the ~100 missed ticks.
    for (std::size_t i = 6; i < t.size(); ++i) EXPECT_NEAR(t[i] - t[i - 1], 0.1, 1e-9) << i;
}

TEST(Sampler, FinalPlansReadEverything) {
    std::mutex lock;
    Sampler sampler(lock, [](bool) {});
    sampler.reset(std::make_shared<FakeClock>(0), 0.01, false);
    const TickPlan p = sampler.plan(true, false);
    EXPECT_TRUE(p.tree && p.discover && p.slow && p.final);
}

TEST(Sampler, StopEndsTheThreadAtOnce) {
    std::mutex lock;
    int ticks = 0;
    Sampler sampler(lock, [&](bool) { ++ticks; });
    sampler.reset(eco2::sys::real_clock(), 3600.0, false);  // the first tick would come after 10 ms, the next after an hour
    sampler.start();
    const auto begin = steady_clock::now();
    while (true) {
        {
            std::lock_guard l(lock);
            if (ticks > 0) break;
        }
        ASSERT_LT(steady_clock::now() - begin, seconds(10)) << "no first tick";
        std::this_thread::yield();
    }
    sampler.stop();  // returns although the next deadline is an hour away
    EXPECT_LT(steady_clock::now() - begin, seconds(10));
    EXPECT_EQ(ticks, 1);
}
