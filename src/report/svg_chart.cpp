#include "report/svg_chart.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

namespace eco2::detail {
namespace {

constexpr double LEFT = 64, RIGHT = 16, BOTTOM = 42;

struct Range {
    double lo = std::numeric_limits<double>::infinity(), hi = -std::numeric_limits<double>::infinity();
    void add(double v) {
        if (!std::isfinite(v)) return;
        lo = std::min(lo, v);
        hi = std::max(hi, v);
    }
    bool empty() const { return lo > hi; }
};

// Tick step of 1, 2 or 5 x 10^k giving about `n` ticks over the range.
double nice_step(double span, int n) {
    const double raw = span / n;
    const double mag = std::pow(10.0, std::floor(std::log10(raw)));
    for (double m : {1.0, 2.0, 5.0})
        if (raw <= m * mag) return m * mag;
    return 10.0 * mag;
}

// Ticks in fixed-point notation with as many decimals as the step needs: never e-notation.
std::string tick_text(double v, double step) {
    const int decimals = std::clamp(static_cast<int>(-std::floor(std::log10(step) + 1e-9)), 0, 9);
    if (std::fabs(v) < step * 1e-6) return "0";
    return fmt::format("{:.{}f}", v, decimals);
}

struct Scale {
    double lo, hi, px_lo, px_hi;
    double operator()(double v) const { return hi == lo ? (px_lo + px_hi) / 2 : px_lo + (v - lo) / (hi - lo) * (px_hi - px_lo); }
};

// Widens [lo, hi] to whole ticks (0 kept in view for quantities that start at 0).
Range padded(Range r, bool from_zero, double& step) {
    if (r.empty()) r = {0.0, 1.0};
    if (from_zero) r.lo = std::min(r.lo, 0.0);
    if (r.hi - r.lo <= 0) {
        const double pad = r.hi == 0 ? 1.0 : std::fabs(r.hi) * 0.1;
        r.lo -= pad;
        r.hi += pad;
    }
    step = nice_step(r.hi - r.lo, 5);
    return {std::floor(r.lo / step + 1e-9) * step, std::ceil(r.hi / step - 1e-9) * step};
}

void axis_ticks(std::ostream& out, const Range& r, double step, const Scale& s, bool vertical, double at) {
    for (double v = r.lo; v <= r.hi + step * 1e-6; v += step) {
        const double p = s(v);
        const std::string t = tick_text(v, step);
        if (vertical)
            out << fmt::format("<line class=\"grid\" x1=\"{:.1f}\" x2=\"{:.1f}\" y1=\"{:.1f}\" y2=\"{:.1f}\"/>"
                               "<text class=\"tick\" x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>",
                               LEFT, at, p, p, LEFT - 4, p + 4, t);
        else
            out << fmt::format("<text class=\"tick\" x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{}</text>", p,
                               at + 14, t);
    }
}

}  // namespace

std::string xml_escape(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (char c : s) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&#39;"; break;
            default: out += c;
        }
    }
    return out;
}

ChartUnit chart_unit(Quantity q, double max) noexcept {
    struct U {
        double d;
        std::string_view n;
    };
    static constexpr std::array<U, 4> energy{{{1, "J"}, {3.6e3, "Wh"}, {3.6e6, "kWh"}, {3.6e9, "MWh"}}};
    static constexpr std::array<U, 4> co2{{{1e-6, "mg"}, {1e-3, "g"}, {1, "kg"}, {1e3, "t"}}};
    static constexpr std::array<U, 4> power{{{1e-3, "mW"}, {1, "W"}, {1e3, "kW"}, {1e6, "MW"}}};
    static constexpr std::array<U, 4> time{{{1, "s"}, {60, "min"}, {3600, "h"}, {86400, "d"}}};
    const auto& units = q == Quantity::energy_j ? energy : q == Quantity::co2_kg ? co2 : q == Quantity::power_w ? power : time;
    // The largest unit in which the maximum is still >= 1 (time: >= 2 of it, so 90 s stays in s).
    const double at_least = q == Quantity::time_s ? 2.0 : 1.0;
    U pick = units[0];
    for (const U& u : units)
        if (std::fabs(max) / u.d >= at_least) pick = u;
    return {pick.d, pick.n};
}

void write_svg(std::ostream& out, const Chart& c) {
    const double w = c.width, h = c.height;
    // A second line under the title holds the legend when there are several traces.
    const double TOP = c.traces.size() > 1 ? 46 : 30;
    const bool bars = c.kind == ChartKind::bars;
    Range xr, yr;
    for (const Trace& t : c.traces)
        for (const Point& p : t.points) {
            xr.add(p.x);
            yr.add(p.y);
        }
    if (bars) xr = {-0.5, std::max(0.5, static_cast<double>(c.categories.size()) - 0.5)};
    double xstep = 1.0, ystep = 1.0;
    const Range y = padded(yr, c.kind != ChartKind::scatter, ystep);
    const Range x = bars ? xr : padded(xr, c.kind == ChartKind::line, xstep);
    const Scale sx{x.lo, x.hi, LEFT, w - RIGHT}, sy{y.lo, y.hi, h - BOTTOM, TOP};

    const char* kind = bars ? "bars" : c.kind == ChartKind::scatter ? "scatter" : "line";
    out << fmt::format("<svg class=\"chart\" data-kind=\"{}\" viewBox=\"0 0 {} {}\" "
                       "width=\"{}\" height=\"{}\" role=\"img\" aria-label=\"{}\">",
                       kind, c.width, c.height, c.width, c.height, xml_escape(c.title));
    out << "<title>" << xml_escape(c.title) << "</title>";
    out << fmt::format("<text class=\"title\" x=\"{:.1f}\" y=\"16\">{}</text>", LEFT, xml_escape(c.title));
    axis_ticks(out, y, ystep, sy, true, w - RIGHT);
    if (bars) {
        // At most ~24 category labels, evenly spaced, so 1,000 epochs stay legible.
        const std::size_t every = std::max<std::size_t>(1, (c.categories.size() + 23) / 24);
        for (std::size_t i = 0; i < c.categories.size(); i += every)
            out << fmt::format("<text class=\"tick\" x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{}</text>",
                               sx(static_cast<double>(i)), h - BOTTOM + 14, xml_escape(c.categories[i]));
    } else {
        axis_ticks(out, x, xstep, sx, false, h - BOTTOM);
    }
    out << fmt::format("<line class=\"axis\" x1=\"{0:.1f}\" x2=\"{0:.1f}\" y1=\"{1:.1f}\" y2=\"{2:.1f}\"/>", LEFT, TOP,
                       h - BOTTOM);
    out << fmt::format("<line class=\"axis\" x1=\"{0:.1f}\" x2=\"{1:.1f}\" y1=\"{2:.1f}\" y2=\"{2:.1f}\"/>", LEFT, w - RIGHT,
                       sy(std::clamp(0.0, y.lo, y.hi)));
    out << fmt::format("<text class=\"label\" x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{}</text>",
                       (LEFT + w - RIGHT) / 2, h - 6, xml_escape(c.x_label));
    out << fmt::format("<text class=\"label\" transform=\"translate(12 {:.1f}) rotate(-90)\" text-anchor=\"middle\">{}</text>",
                       (TOP + h - BOTTOM) / 2, xml_escape(c.y_label));

    const std::size_t n = c.traces.size();
    const double slot = (sx(1.0) - sx(0.0)) * 0.8;
    for (std::size_t k = 0; k < n; ++k) {
        const Trace& t = c.traces[k];
        out << fmt::format("<g class=\"trace\" data-name=\"{}\" fill=\"{}\" stroke=\"{}\">", xml_escape(t.name), t.color,
                           t.color);
        if (c.kind == ChartKind::line) {
            out << "<polyline fill=\"none\" points=\"";
            for (const Point& p : t.points) out << fmt::format("{:.1f},{:.1f} ", sx(p.x), sy(p.y));
            out << "\"/>";
        } else if (bars) {
            const double bw = std::max(0.5, slot / static_cast<double>(n));
            for (const Point& p : t.points) {
                const double x0 = sx(p.x) - slot / 2 + bw * static_cast<double>(k), y0 = sy(std::max(0.0, y.lo));
                const double y1 = sy(p.y);
                out << fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" stroke=\"none\"/>", x0,
                                   std::min(y0, y1), bw, std::fabs(y0 - y1));
            }
        } else {
            for (std::size_t i = 0; i < t.points.size(); ++i) {
                const bool mark = i < t.marked.size() && t.marked[i];
                out << fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"{}\"{}>", sx(t.points[i].x), sy(t.points[i].y),
                                   mark ? 5 : 3.5, mark ? " class=\"pareto\"" : "");
                if (i < t.labels.size()) out << "<title>" << xml_escape(t.labels[i]) << "</title>";
                out << "</circle>";
            }
        }
        out << "</g>";
    }
    // Legend under the title, left to right; a single trace is named by the title.
    double lx = LEFT;
    for (std::size_t k = 0; n > 1 && k < n; ++k) {
        const Trace& t = c.traces[k];
        out << fmt::format("<rect x=\"{:.1f}\" y=\"24\" width=\"10\" height=\"10\" fill=\"{}\"/>"
                           "<text class=\"legend\" x=\"{:.1f}\" y=\"33\">{}</text>",
                           lx, t.color, lx + 14, xml_escape(t.name));
        lx += 30.0 + 7.0 * static_cast<double>(t.name.size());
    }
    out << "</svg>";
}

}  // namespace eco2::detail
