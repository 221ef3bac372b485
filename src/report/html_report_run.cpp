// One run's section of the HTML report: facts and sources, charts over time from the series, per-epoch charts.

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "report/equivalents.hpp"
#include "report/html_report.hpp"
#include "report/units.hpp"
#include "report/svg_chart.hpp"
#include "writers/csv_writer.hpp"

namespace eco2::detail {
namespace {

constexpr const char* CPU_COLOR = "#1f77b4";
constexpr const char* GPU_COLOR = "#2ca02c";
constexpr const char* RAM_COLOR = "#ff7f0e";
constexpr const char* CO2_COLOR = "#7f7f7f";
constexpr const char* INTENSITY_COLOR = "#8c564b";
constexpr const char* METRIC_COLOR = "#6a3d9a";

std::vector<Point> scaled(const std::vector<Point>& pts, double x_div, double y_div, double y_mul = 1.0) {
    std::vector<Point> out;
    out.reserve(pts.size());
    for (const Point& p : pts) out.push_back({p.x / x_div, p.y * y_mul / y_div});
    return out;
}

std::string badge(const std::string& label) {
    const char* cls = label == "measured" ? "measured" : label == "estimated" ? "estimated" : "partly";
    return fmt::format("<span class=\"badge {}\">{}</span>", cls, label);
}

void facts(std::ostream& out, const ReportRun& run) {
    const Result& t = run.total;
    auto row = [&](std::string_view k, const std::string& v) {
        if (!v.empty()) out << "<tr><th>" << k << "</th><td>" << xml_escape(v) << "</td></tr>";
    };
    out << "<table class=\"facts\">";
    row("project", t.project_name);
    row("experiment", t.experiment_description);
    row("run id", run.id);
    row("records", run.file);
    row("started", format_local_time(t.start_time));
    row("status", fmt::format("{}{}", to_string(t.status), t.exit_code ? fmt::format(", exit code {}", *t.exit_code) : ""));
    row("host", t.host);
    row("hardware", t.gpu_name.empty() ? t.cpu_name : t.cpu_name + "; " + t.gpu_name);
    row("scope", std::string(to_string(t.scope)));
    row("carbon intensity", fmt::format("{:.0f} gCO2/kWh, {}", t.intensity_g_per_kwh, t.region));
    row("location source", t.location_source);
    if (t.pue != 1.0) row("PUE", fmt::format("{}", t.pue));
    if (t.cost) row("cost", fmt::format("{:.2f} {}", *t.cost, t.currency));
    if (const std::string eq = format_equivalents(t.co2_kg); !eq.empty()) row("equivalents", eq);
    if (!run.series_note.empty()) row("series", run.series_note);
    out << "</table>\n<table class=\"facts\"><tr><th>component</th><th>energy (IT)</th><th></th><th>source</th></tr>";
    for (auto [name, c] : {std::pair{"CPU", &t.cpu}, {"GPU", &t.gpu}, {"RAM", &t.ram}})
        out << fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", name, format_energy(c->joules),
                           c->joules == 0.0 && !c->estimated ? "" : badge(c->estimated ? "estimated" : "measured"),
                           xml_escape(c->source));
    out << "</table>\n";
}

void series_charts(std::ostream& out, const ReportRun& run) {
    if (!run.series || run.series->samples == 0) return;
    const SeriesData& s = *run.series;
    const double pue = run.total.pue;
    const ChartUnit tu = chart_unit(Quantity::time_s, s.t_end_s);
    const std::string x = fmt::format("time ({})", tu.name);
    const ChartUnit pu = chart_unit(Quantity::power_w, s.max_power_w);
    Chart power{"Power per component", x, fmt::format("power ({})", pu.name), ChartKind::line, {}, {}, 500, 240};
    power.traces.push_back({"CPU", CPU_COLOR, scaled(s.cpu_w.points(), tu.divisor, pu.divisor), {}, {}});
    if (s.has_gpu) power.traces.push_back({"GPU", GPU_COLOR, scaled(s.gpu_w.points(), tu.divisor, pu.divisor), {}, {}});
    power.traces.push_back({"RAM", RAM_COLOR, scaled(s.ram_w.points(), tu.divisor, pu.divisor), {}, {}});
    write_svg(out, power);

    const ChartUnit eu = chart_unit(Quantity::energy_j, s.energy_j_end * pue);
    Chart energy{pue == 1.0 ? "Cumulative energy" : fmt::format("Cumulative energy (IT x PUE {})", pue), x,
                 fmt::format("energy ({})", eu.name), ChartKind::line, {}, {}, 500, 240};
    energy.traces.push_back({"energy", CPU_COLOR, scaled(s.energy_j.points(), tu.divisor, eu.divisor, pue), {}, {}});
    write_svg(out, energy);

    const ChartUnit cu = chart_unit(Quantity::co2_kg, s.co2_kg_end);
    Chart co2{"Cumulative CO2e", x, fmt::format("CO2e ({})", cu.name), ChartKind::line, {}, {}, 500, 240};
    co2.traces.push_back({"CO2e", CO2_COLOR, scaled(s.co2_kg.points(), tu.divisor, cu.divisor), {}, {}});
    write_svg(out, co2);

    if (s.intensity_varied()) {
        Chart in{"Carbon intensity", x, "intensity (gCO2/kWh)", ChartKind::line, {}, {}, 500, 240};
        in.traces.push_back({"intensity", INTENSITY_COLOR, scaled(s.intensity.points(), tu.divisor, 1.0), {}, {}});
        write_svg(out, in);
    }
}

void epoch_charts(std::ostream& out, const ReportRun& run) {
    std::vector<std::string> cats;
    double max_j = 0.0, max_kg = 0.0, cum = 0.0;
    for (const Result& r : run.rows) {
        cats.push_back(r.partial_epoch ? fmt::format("{}*", r.epoch_number) : std::to_string(r.epoch_number));
        max_j = std::max({max_j, r.cpu.joules, r.gpu.joules, r.ram.joules});
        max_kg = std::max(max_kg, r.co2_kg);
        cum += r.co2_kg;
    }
    const bool partial = std::any_of(run.rows.begin(), run.rows.end(), [](const Result& r) { return r.partial_epoch; });
    const std::string epoch_axis = partial ? "epoch (* partial)" : "epoch";
    const ChartUnit eu = chart_unit(Quantity::energy_j, max_j), cu = chart_unit(Quantity::co2_kg, max_kg);
    const ChartUnit cumu = chart_unit(Quantity::co2_kg, cum);
    Chart energy{"Energy per epoch (IT)", epoch_axis, fmt::format("energy ({})", eu.name), ChartKind::bars, {}, cats, 500, 240};
    Chart co2{"CO2e per epoch", epoch_axis, fmt::format("CO2e ({})", cu.name), ChartKind::bars, {}, cats, 500, 240};
    Chart cumulative{"Cumulative CO2e per epoch", "epoch", fmt::format("CO2e ({})", cumu.name), ChartKind::line, {}, {}, 500, 240};
    Trace cpu{"CPU", CPU_COLOR, {}, {}, {}}, gpu{"GPU", GPU_COLOR, {}, {}, {}}, ram{"RAM", RAM_COLOR, {}, {}, {}};
    Trace c{"CO2e", CO2_COLOR, {}, {}, {}}, cc{"cumulative CO2e", CO2_COLOR, {{0.0, 0.0}}, {}, {}};
    std::map<std::string, Trace> per_metric;  // metric -> points (cumulative CO2, value)
    cum = 0.0;
    for (std::size_t i = 0; i < run.rows.size(); ++i) {
        const Result& r = run.rows[i];
        const double x = static_cast<double>(i);
        cpu.points.push_back({x, r.cpu.joules / eu.divisor});
        gpu.points.push_back({x, r.gpu.joules / eu.divisor});
        ram.points.push_back({x, r.ram.joules / eu.divisor});
        c.points.push_back({x, r.co2_kg / cu.divisor});
        cum += r.co2_kg;
        cc.points.push_back({static_cast<double>(r.epoch_number), cum / cumu.divisor});
        for (const auto& [k, v] : run.metrics[i]) {
            Trace& t = per_metric.try_emplace(k, Trace{k, METRIC_COLOR, {}, {}, {}}).first->second;
            t.points.push_back({cum / cumu.divisor, v});
        }
    }
    energy.traces = {cpu};
    if (run.total.gpu.joules > 0) energy.traces.push_back(gpu);
    energy.traces.push_back(ram);
    co2.traces = {c};
    cumulative.traces = {cc};
    write_svg(out, energy);
    write_svg(out, co2);
    write_svg(out, cumulative);
    for (auto& [k, t] : per_metric) {
        Chart m{fmt::format("{} against cumulative CO2e", k), fmt::format("cumulative CO2e ({})", cumu.name), k,
                ChartKind::scatter, {t}, {}, 500, 240};
        write_svg(out, m);
    }
}

void epoch_table(std::ostream& out, const ReportRun& run) {
    std::set<std::string> names;
    for (const Metrics& m : run.metrics)
        for (const auto& kv : m) names.insert(kv.first);
    out << "<div class=\"table-wrap\"><table class=\"epochs\"><thead><tr><th>epoch</th><th>duration</th><th>energy</th>"
           "<th>CO2e</th><th>items</th><th>energy per item</th>";
    for (const auto& n : names) out << "<th>" << xml_escape(n) << "</th>";
    out << "</tr></thead><tbody>\n";
    for (std::size_t i = 0; i < run.rows.size(); ++i) {
        const Result& r = run.rows[i];
        const auto epi = r.energy_per_item_j();
        out << fmt::format("<tr><td>{}{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>", r.epoch_number,
                           r.partial_epoch ? " (partial)" : "", format_duration(r.duration_s),
                           format_energy(r.it_joules() * r.pue), format_co2(r.co2_kg),
                           r.work.items ? sig3(*r.work.items) : "", epi ? format_energy(*epi) : "");
        for (const auto& n : names) {
            const auto it = run.metrics[i].find(n);
            out << "<td>" << (it == run.metrics[i].end() ? "" : sig3(it->second)) << "</td>";
        }
        out << "</tr>\n";
    }
    out << "</tbody></table></div>\n";
}

}  // namespace

void write_run_section(std::ostream& out, const ReportRun& run, std::size_t index) {
    const Result& t = run.total;
    const std::string name = t.experiment_description.empty() ? t.project_name : t.experiment_description;
    out << fmt::format("<section class=\"run\" id=\"run-{}\">\n<h2>Run {}: {} <code>{}</code> {}</h2>\n", xml_escape(run.id),
                       index + 1, xml_escape(name), xml_escape(run.id), badge(estimate_label(t)));
    out << fmt::format("<p class=\"totals\"><b>{}</b> · <b>{}</b> energy · <b>{}</b> CO2e{}</p>\n",
                       format_duration(t.duration_s), format_energy(t.it_joules() * t.pue), format_co2(t.co2_kg),
                       run.training() ? fmt::format(" · {} epochs", run.rows.size()) : "");
    facts(out, run);
    out << "<div class=\"charts\">\n";
    series_charts(out, run);
    if (run.training()) epoch_charts(out, run);
    out << "</div>\n";
    if (run.training()) epoch_table(out, run);
    out << "</section>\n";
}

}  // namespace eco2::detail
