#include "report/downsample.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

namespace eco2::detail {

TEST(MinMaxDownsampler, KeepsFewPointsAndEveryExtremeOf100kSamples) {
    MinMaxDownsampler d(400);
    double lo = 1e9, hi = -1e9;
    for (int i = 0; i < 100000; ++i) {
        double y = 50.0 + 10.0 * std::sin(i * 0.01);
        if (i == 73123) y = 400.0;  // one spike
        if (i == 12345) y = -5.0;   // one dip
        lo = std::min(lo, y);
        hi = std::max(hi, y);
        d.add(i * 0.1, y);
    }
    const auto pts = d.points();
    EXPECT_EQ(d.count(), 100000u);
    EXPECT_LE(pts.size(), 800u);
    EXPECT_GE(pts.size(), 400u);  // the buckets are used, not collapsed into a few
    EXPECT_TRUE(std::is_sorted(pts.begin(), pts.end(), [](auto a, auto b) { return a.x < b.x; }));
    auto [mn, mx] = std::minmax_element(pts.begin(), pts.end(), [](auto a, auto b) { return a.y < b.y; });
    EXPECT_EQ(mn->y, lo);
    EXPECT_DOUBLE_EQ(mn->x, 12345 * 0.1);
    EXPECT_EQ(mx->y, hi);
    EXPECT_DOUBLE_EQ(mx->x, 73123 * 0.1);
    EXPECT_DOUBLE_EQ(pts.front().x, 0.0);
    EXPECT_NEAR(pts.back().x, 99999 * 0.1, 1e-6);
}

TEST(MinMaxDownsampler, FewSamplesAreKeptAsTheyAre) {
    MinMaxDownsampler d(100);
    for (int i = 0; i < 10; ++i) d.add(i, i * i);
    d.add(10, std::nan(""));
    const auto pts = d.points();
    ASSERT_EQ(pts.size(), 10u);
    for (int i = 0; i < 10; ++i) EXPECT_EQ(pts[i].y, i * i);
    EXPECT_EQ(d.count(), 10u);
}

TEST(MinMaxDownsampler, SamplesAtOneTimeShareABucket) {
    MinMaxDownsampler d(10);
    d.add(5, 1);
    d.add(5, 3);
    d.add(5, 2);
    const auto pts = d.points();
    ASSERT_EQ(pts.size(), 2u);
    EXPECT_EQ(pts[0].y + pts[1].y, 4);
}

}  // namespace eco2::detail
