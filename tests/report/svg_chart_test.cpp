#include "report/svg_chart.hpp"

#include <gtest/gtest.h>

#include <locale>
#include <regex>
#include <sstream>

namespace eco2::detail {
namespace {

std::string svg(const Chart& c) {
    std::ostringstream out;
    write_svg(out, c);
    return out.str();
}

std::size_t count(const std::string& s, const std::string& what) {
    std::size_t n = 0;
    for (auto p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
    return n;
}

Chart line_chart() {
    Chart c{"Power <CPU & GPU>", "time (s)", "power (W)", ChartKind::line, {}, {}, 720, 250};
    c.traces.push_back({"CPU", "#1f77b4", {{0, 10}, {1, 20}, {2, 15}}, {}, {}});
    c.traces.push_back({"GPU", "#2ca02c", {{0, 100}, {1, 250}, {2, 240}}, {}, {}});
    return c;
}

}  // namespace

TEST(SvgChart, LineChartHasOnePolylinePerTraceWithEveryPoint) {
    const std::string s = svg(line_chart());
    EXPECT_EQ(s.rfind("<svg class=\"chart\" data-kind=\"line\"", 0), 0u);
    EXPECT_EQ(count(s, "<polyline"), 2u);
    EXPECT_EQ(count(s, "data-name=\"CPU\""), 1u);
    EXPECT_NE(s.find("Power &lt;CPU &amp; GPU&gt;"), std::string::npos);  // escaped
    EXPECT_EQ(s.find("<CPU"), std::string::npos);
    // The GPU trace's highest point (250 W) is at the top of the plot area, its lowest x at the left axis.
    EXPECT_NE(s.find("64.0,"), std::string::npos);
    EXPECT_EQ(s.substr(s.size() - 6), "</svg>");
}

TEST(SvgChart, TicksNeverUseENotation) {
    Chart c = line_chart();
    c.traces = {{"tiny", "#000", {{0, 0.00012}, {1, 0.00034}}, {}, {}}};
    const std::string s = svg(c);
    EXPECT_FALSE(std::regex_search(s, std::regex("[0-9]e[-+][0-9]"))) << s;
    EXPECT_NE(s.find(">0.0004<"), std::string::npos) << s;  // ticks of 0.0001 up past the top value
}

TEST(SvgChart, BarsAreOneRectPerPointAndCategoryLabels) {
    Chart c{"Energy per epoch", "epoch", "energy (Wh)", ChartKind::bars, {}, {"1", "2", "3"}, 720, 250};
    c.traces.push_back({"CPU", "#1f77b4", {{0, 1}, {1, 2}, {2, 3}}, {}, {}});
    c.traces.push_back({"GPU", "#2ca02c", {{0, 4}, {1, 5}, {2, 6}}, {}, {}});
    const std::string s = svg(c);
    EXPECT_EQ(count(s, "<rect x="), 6u + 2u);  // six bars and two legend swatches
    EXPECT_EQ(count(s, "text-anchor=\"middle\">2</text>"), 1u);
}

TEST(SvgChart, ScatterMarksTheParetoPointsAndLabelsThem) {
    Chart c{"loss vs CO2", "CO2e (g)", "loss", ChartKind::scatter, {}, {}, 720, 250};
    c.traces.push_back({"loss", "#6a3d9a", {{1, 0.5}, {2, 0.3}, {3, 0.4}}, {"a", "b", "c"}, {true, true, false}});
    const std::string s = svg(c);
    EXPECT_EQ(count(s, "<circle"), 3u);
    EXPECT_EQ(count(s, "class=\"pareto\""), 2u);
    EXPECT_NE(s.find("<title>c</title>"), std::string::npos);
}

struct CommaDecimal : std::numpunct<char> {
    char do_decimal_point() const override { return ','; }
    char do_thousands_sep() const override { return '.'; }
    std::string do_grouping() const override { return "\3"; }
};

TEST(SvgChart, SameTextUnderACommaDecimalLocale) {
    const std::string before = svg(line_chart());
    std::locale previous = std::locale::global(std::locale(std::locale::classic(), new CommaDecimal));
    std::ostringstream out;
    out.imbue(std::locale());
    write_svg(out, line_chart());
    std::locale::global(previous);
    EXPECT_EQ(before, out.str());
}

TEST(ChartUnit, PicksTheLargestUnitKeepingValuesAboveOne) {
    EXPECT_EQ(chart_unit(Quantity::energy_j, 500).name, "J");
    EXPECT_EQ(chart_unit(Quantity::energy_j, 7200).name, "Wh");
    EXPECT_EQ(chart_unit(Quantity::energy_j, 3.6e7).name, "kWh");
    EXPECT_EQ(chart_unit(Quantity::co2_kg, 0.0005).name, "mg");
    EXPECT_EQ(chart_unit(Quantity::co2_kg, 0.02).name, "g");
    EXPECT_EQ(chart_unit(Quantity::time_s, 90).name, "s");
    EXPECT_EQ(chart_unit(Quantity::time_s, 7200).name, "h");
    EXPECT_EQ(chart_unit(Quantity::power_w, 0.5).name, "mW");
}

}  // namespace eco2::detail
