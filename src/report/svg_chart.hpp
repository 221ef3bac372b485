#pragma once
// Charts as inline SVG, written by eco2 (no script, no library, no request): line charts of a run's series,
// grouped bars per epoch, scatter plots of a metric against CO2. docs/report.md says why SVG.
// Values arrive in the unit the chart shows (the caller picks J/Wh/kWh, mg/g/kg...; see chart_unit()).

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "report/downsample.hpp"

namespace eco2::detail {

enum class ChartKind { line, bars, scatter };

/// One line, one bar series or one set of scatter points.
struct Trace {
    std::string name;   ///< legend text
    std::string color;  ///< CSS colour, e.g. "#1f77b4"
    std::vector<Point> points;
    std::vector<std::string> labels;  ///< scatter: one label per point (shown on hover), may be empty
    std::vector<bool> marked;         ///< scatter: points drawn as marked (the Pareto front), may be empty
};

struct Chart {
    std::string title;
    std::string x_label, y_label;  ///< with their unit: "time (min)", "energy (Wh)"
    ChartKind kind = ChartKind::line;
    std::vector<Trace> traces;
    std::vector<std::string> categories;  ///< bars: one per x position (point.x = index)
    int width = 720, height = 250;
};

/// Writes `<svg class="chart" ...>` (one element, no XML prolog). Numbers in the C locale's form.
void write_svg(std::ostream& out, const Chart& chart);

/// A unit for values up to `max` of a quantity: the factor to divide by and its name.
struct ChartUnit {
    double divisor = 1.0;
    std::string_view name;
};
enum class Quantity { energy_j, co2_kg, power_w, time_s };
/// Energy from J: J/Wh/kWh/MWh; CO2 from kg: mg/g/kg/t; power from W: mW/W/kW; time from s: s/min/h/d.
ChartUnit chart_unit(Quantity q, double max) noexcept;

/// Text escaped for HTML and SVG (& < > " ').
std::string xml_escape(std::string_view s);

}  // namespace eco2::detail
