#include "report/downsample.hpp"

#include <algorithm>
#include <cmath>

namespace eco2::detail {

MinMaxDownsampler::MinMaxDownsampler(std::size_t buckets) : m_buckets(std::max<std::size_t>(buckets, 2)) {}

void MinMaxDownsampler::widen() noexcept {
    const std::size_t n = m_buckets.size();
    for (std::size_t i = 0; i < n; ++i) {
        Bucket merged;
        for (std::size_t j = 2 * i; j < std::min(2 * i + 2, n); ++j) {
            const Bucket& b = m_buckets[j];
            if (!b.used) continue;
            if (!merged.used) {
                merged = b;
                continue;
            }
            if (b.lo.y < merged.lo.y) merged.lo = b.lo;
            if (b.hi.y > merged.hi.y) merged.hi = b.hi;
        }
        m_buckets[i] = merged;
    }
    m_width *= 2.0;
}

void MinMaxDownsampler::add(double x, double y) noexcept {
    if (std::isnan(x) || std::isnan(y)) return;
    if (m_count++ == 0) {
        m_x0 = x;
        m_width = 0.0;
    }
    double offset = std::max(0.0, x - m_x0);
    if (m_width == 0.0 && offset > 0.0) {
        // The first spacing sets the scale: N samples at this spacing fill the buckets one by one.
        m_width = offset;
    }
    std::size_t i = 0;
    if (m_width > 0.0) {
        while (offset >= m_width * static_cast<double>(m_buckets.size())) widen();
        i = std::min(m_buckets.size() - 1, static_cast<std::size_t>(offset / m_width));
    }
    Bucket& b = m_buckets[i];
    const Point p{x, y};
    if (!b.used) {
        b = {true, p, p};
        return;
    }
    if (y < b.lo.y) b.lo = p;
    if (y > b.hi.y) b.hi = p;
}

std::vector<Point> MinMaxDownsampler::points() const {
    std::vector<Point> out;
    for (const Bucket& b : m_buckets) {
        if (!b.used) continue;
        const bool lo_first = b.lo.x <= b.hi.x;
        out.push_back(lo_first ? b.lo : b.hi);
        if (b.lo.x != b.hi.x || b.lo.y != b.hi.y) out.push_back(lo_first ? b.hi : b.lo);
    }
    return out;
}

}  // namespace eco2::detail
