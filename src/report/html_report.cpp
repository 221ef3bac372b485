#include "report/html_report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "report/equivalents.hpp"
#include "report/html_style.hpp"
#include "report/svg_chart.hpp"
#include "report/units.hpp"

namespace eco2::detail {

namespace {

std::string percent_diff(double v, double base) {
    if (base == 0.0) return "";
    return fmt::format("{:+.1f} %", (v - base) / base * 100.0);
}

// A run is on the Pareto front of (CO2, metric) when no other run is at least as good on both and better on one.
std::vector<bool> pareto(const std::vector<Point>& pts, bool maximize) {
    std::vector<bool> on(pts.size(), true);
    auto better = [&](double a, double b) { return maximize ? a > b : a < b; };
    for (std::size_t i = 0; i < pts.size(); ++i)
        for (std::size_t j = 0; j < pts.size() && on[i]; ++j) {
            if (i == j) continue;
            const bool no_worse = pts[j].x <= pts[i].x && !better(pts[i].y, pts[j].y);
            const bool strictly = pts[j].x < pts[i].x || better(pts[j].y, pts[i].y);
            if (no_worse && strictly) on[i] = false;
        }
    return on;
}

std::string run_label(const ReportRun& run) {
    const Result& t = run.total;
    std::string name = t.experiment_description.empty() ? t.project_name : t.experiment_description;
    return fmt::format("{}{}{}", name, name.empty() ? "" : " ", run.id.substr(0, 8));
}

void compare_table(std::ostream& out, std::span<const ReportRun> runs, const std::vector<std::string>& metrics) {
    out << "<div class=\"table-wrap\"><table class=\"compare\"><thead><tr><th>#</th><th>run</th><th>project</th><th>experiment</th>"
           "<th>epochs</th><th>duration</th><th>CPU</th><th>GPU</th><th>RAM</th><th>energy</th><th>CO2e</th>"
           "<th>intensity (g/kWh)</th><th>energy per item</th>";
    for (const auto& m : metrics) out << "<th>" << xml_escape(m) << "</th>";
    out << "<th>CO2e vs #1</th></tr></thead><tbody>\n";
    const double base = runs.empty() ? 0.0 : runs.front().total.co2_kg;
    for (std::size_t i = 0; i < runs.size(); ++i) {
        const ReportRun& r = runs[i];
        const Result& t = r.total;
        const auto epi = t.energy_per_item_j();
        out << fmt::format("<tr><td>{}</td><td><a href=\"#run-{}\">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
                           "<td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.0f}</td><td>{}</td>",
                           i + 1, xml_escape(r.id), xml_escape(r.id.substr(0, 8)), xml_escape(t.project_name),
                           xml_escape(t.experiment_description), r.training() ? std::to_string(r.rows.size()) : "",
                           format_duration(t.duration_s), format_energy(t.cpu.joules), format_energy(t.gpu.joules),
                           format_energy(t.ram.joules), format_energy(t.it_joules() * t.pue), format_co2(t.co2_kg),
                           t.intensity_g_per_kwh, epi ? format_energy(*epi) : "");
        const Metrics last = r.last_metrics();
        for (const auto& m : metrics) {
            const auto it = last.find(m);
            out << "<td>" << (it == last.end() ? "" : sig3(it->second)) << "</td>";
        }
        out << "<td>" << (i == 0 ? "baseline" : percent_diff(t.co2_kg, base)) << "</td></tr>\n";
    }
    out << "</tbody></table></div>\n";
}

void metric_charts(std::ostream& out, std::span<const ReportRun> runs, const std::vector<std::string>& metrics,
                   const ReportOptions& o) {
    double max_co2 = 0.0;
    for (const ReportRun& r : runs) max_co2 = std::max(max_co2, r.total.co2_kg);
    const ChartUnit cu = chart_unit(Quantity::co2_kg, max_co2);
    for (const auto& m : metrics) {
        if (!o.metric.empty() && m != o.metric) continue;
        Trace t{m, "#6a3d9a", {}, {}, {}};
        for (const ReportRun& r : runs) {
            const Metrics last = r.last_metrics();
            const auto it = last.find(m);
            if (it == last.end()) continue;
            t.points.push_back({r.total.co2_kg / cu.divisor, it->second});
            t.labels.push_back(fmt::format("{}: {} = {}, {}", run_label(r), m, sig3(it->second),
                                           format_co2(r.total.co2_kg)));
        }
        if (t.points.empty()) continue;
        t.marked = pareto(t.points, o.maximize);
        Chart c{fmt::format("{} against CO2e, per run (larger dots: Pareto front)", m),
                fmt::format("CO2e ({})", cu.name), m, ChartKind::scatter, {std::move(t)}, {}, 500, 260};
        write_svg(out, c);
    }
}

}  // namespace

std::string estimate_label(const Result& t) {
    bool measured = false, modelled = false;
    for (const ComponentEnergy* c : {&t.cpu, &t.gpu, &t.ram}) {
        if (c->joules == 0.0) continue;
        (c->estimated ? modelled : measured) = true;
    }
    return modelled ? (measured ? "partly estimated" : "estimated") : "measured";
}

std::size_t buckets_for(std::size_t runs) noexcept {
    return std::clamp<std::size_t>(40000 / std::max<std::size_t>(runs, 1), 50, 600);
}

void write_html_report(std::ostream& out, std::span<const ReportRun> runs, const ReportOptions& o) {
    out << "<!DOCTYPE html>\n<html lang=\"en\" data-charts=\"0\" data-errors=\"0\"><head><meta charset=\"utf-8\">\n"
           // The page may load nothing: no script, style, font or image from anywhere but itself.
           "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
           "script-src 'unsafe-inline'; img-src data:\">\n"
           "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>"
        << xml_escape(o.title) << "</title>\n<style>" << report_css() << "</style>\n<script>" << report_script()
        << "</script>\n</head>\n<body>\n<header class=\"overview\">\n<h1>" << xml_escape(o.title) << "</h1>\n";
    Result all;
    std::set<std::string> metric_set;
    double facility_j = 0.0;
    for (const ReportRun& r : runs) {
        all.co2_kg += r.total.co2_kg;
        all.duration_s += r.total.duration_s;
        facility_j += r.total.it_joules() * r.total.pue;
        for (const Metrics& m : r.metrics)
            for (const auto& kv : m) metric_set.insert(kv.first);
    }
    const std::vector<std::string> metrics(metric_set.begin(), metric_set.end());
    out << "<p class=\"files\">";
    for (const auto& f : o.files) out << "<code>" << xml_escape(f) << "</code> ";
    if (!o.generated.empty()) out << "· generated " << xml_escape(o.generated);
    out << "</p>\n";
    out << fmt::format("<p class=\"totals\"><b>{}</b> run{} · <b>{}</b> · <b>{}</b> energy · <b>{}</b> CO2e</p>\n",
                       runs.size(), runs.size() == 1 ? "" : "s", format_duration(all.duration_s),
                       format_energy(facility_j), format_co2(all.co2_kg));
    // Amounts below 0.001 of every equivalent are left out: then there is no sentence to write.
    if (const std::string eq = format_equivalents(all.co2_kg); !eq.empty())
        out << "<p class=\"equivalents\">That is " << xml_escape(eq) << ".</p>\n";
    out << "<h2>Runs compared</h2>\n";
    compare_table(out, runs, metrics);
    out << "<div class=\"charts\">";
    metric_charts(out, runs, metrics, o);
    out << "</div>\n";
    out << "</header>\n";
    for (std::size_t i = 0; i < runs.size(); ++i) write_run_section(out, runs[i], i);
    out << "<footer>Written by eco2. Energy is facility energy (IT energy x PUE) unless marked IT; CO2e is "
           "energy x carbon intensity of each interval. Equivalents are approximate (docs/equivalents.md).</footer>\n"
           "</body></html>\n";
}

}  // namespace eco2::detail
