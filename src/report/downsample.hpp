#pragma once
// Downsampling a long time series for drawing only (totals are never taken from it): the time axis is cut
// into at most N buckets of equal width and each bucket keeps its lowest and highest sample, so peaks and dips
// stay visible at any zoom a chart can show (one bucket per pixel column or less). Streaming: memory is fixed
// by N whatever the number of samples; when a sample falls past the last bucket, the width doubles and
// neighbouring buckets merge.

#include <cstddef>
#include <vector>

namespace eco2::detail {

/// A point of a chart, in the units the chart shows.
struct Point {
    double x = 0.0, y = 0.0;
};

class MinMaxDownsampler {
public:
    /// `buckets` >= 2: the most points kept is 2 x buckets.
    explicit MinMaxDownsampler(std::size_t buckets = 800);
    /// One sample; x must not decrease (a smaller x joins the current bucket). NaN samples are skipped.
    void add(double x, double y) noexcept;
    /// The points kept, in x order: per bucket its minimum and maximum (one point when they coincide).
    std::vector<Point> points() const;
    /// Samples added (NaN excluded).
    std::size_t count() const noexcept { return m_count; }

private:
    struct Bucket {
        bool used = false;
        Point lo, hi;
    };
    void widen() noexcept;

    std::vector<Bucket> m_buckets;
    double m_x0 = 0.0, m_width = 0.0;
    std::size_t m_count = 0;
};

}  // namespace eco2::detail
