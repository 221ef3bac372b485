#include "report/html_report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "report/compare.hpp"
#include "report/equivalents.hpp"
#include "report/html_style.hpp"
#include "report/svg_chart.hpp"
#include "report/units.hpp"

namespace eco2::detail {

namespace {

double value_of(const Sum& s) {
    return s.any ? s.value : std::nan("");
}

std::string run_label(const CompareEntry& e) {
    const GroupTotals& g = e.totals;
    const std::string& name = g.experiment_description.empty() ? g.project_name : g.experiment_description;
    return fmt::format("{}{}{}", name, name.empty() ? "" : " ", g.key.substr(0, 8));
}

// The comparison's numeric parameters (a metric-vs-CO2 chart each): every key with a number in some entry.
std::vector<std::string> numeric_params(const CompareTable& t) {
    std::vector<std::string> keys;
    for (const std::string& k : t.param_keys)
        for (const CompareEntry& e : t.entries)
            if (std::any_of(e.params.begin(), e.params.end(),
                            [&](const CompareParam& p) { return p.key == k && p.number == p.number; })) {
                keys.push_back(k);
                break;
            }
    return keys;
}

const CompareParam* param_of(const CompareEntry& e, const std::string& key) {
    for (const CompareParam& p : e.params)
        if (p.key == key) return &p;
    return nullptr;
}

// The table of compare_runs(): one row per run, the first the baseline.
void compare_table(std::ostream& out, const CompareTable& t, std::span<const ReportRun> runs) {
    out << "<div class=\"table-wrap\"><table class=\"compare\"><thead><tr><th>#</th><th>run</th><th>project</th><th>experiment</th>"
           "<th>epochs</th><th>duration</th><th>CPU</th><th>GPU</th><th>RAM</th><th>energy</th><th>CO2e</th>"
           "<th>intensity (g/kWh)</th><th>energy per item</th>";
    for (const auto& k : t.param_keys) out << "<th>" << xml_escape(k) << "</th>";
    out << "<th>CO2e vs #1</th></tr></thead><tbody>\n";
    const double base = t.entries.empty() ? std::nan("") : value_of(t.entries.front().totals.co2_kg);
    auto energy = [](const Sum& s) { return s.any ? format_energy(s.value) : std::string(); };
    for (std::size_t i = 0; i < t.entries.size(); ++i) {
        const CompareEntry& e = t.entries[i];
        const GroupTotals& g = e.totals;
        const auto run = std::find_if(runs.begin(), runs.end(), [&](const ReportRun& r) { return r.id == g.key; });
        const bool training = run != runs.end() && run->training();
        const double intensity = g.intensity_g_per_kwh();
        out << fmt::format("<tr><td>{}</td><td><a href=\"#run-{}\">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
                           "<td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>",
                           i + 1, xml_escape(g.key), xml_escape(g.key.substr(0, 8)), xml_escape(g.project_name),
                           xml_escape(g.experiment_description), training ? std::to_string(g.rows) : "",
                           g.duration_s.any ? format_duration(g.duration_s.value) : "", energy(g.cpu_j),
                           energy(g.gpu_j), energy(g.ram_j), energy(g.energy_j),
                           g.co2_kg.any ? format_co2(g.co2_kg.value) : "",
                           intensity == intensity ? fmt::format("{:.0f}", intensity) : "",
                           e.energy_per_item_j == e.energy_per_item_j ? format_energy(e.energy_per_item_j) : "");
        for (const auto& k : t.param_keys) {
            const CompareParam* p = param_of(e, k);
            out << "<td>" << (p ? xml_escape(p->shown()) : "") << "</td>";
        }
        out << "<td>" << (i == 0 ? "baseline" : percent_from(value_of(g.co2_kg), base)) << "</td></tr>\n";
    }
    out << "</tbody></table></div>\n";
}

// One chart per numeric parameter (only the options' metric when one is named): the runs' last value against
// their CO2, the Pareto front of compare.hpp marked.
void metric_charts(std::ostream& out, const CompareTable& t, const ReportOptions& o) {
    double max_co2 = 0.0;
    for (const CompareEntry& e : t.entries)
        if (e.totals.co2_kg.any) max_co2 = std::max(max_co2, e.totals.co2_kg.value);
    const ChartUnit cu = chart_unit(Quantity::co2_kg, max_co2);
    for (const auto& m : numeric_params(t)) {
        if (!o.metric.empty() && m != o.metric) continue;
        Trace trace{m, "#6a3d9a", {}, {}, {}};
        std::vector<double> co2, value;
        for (const CompareEntry& e : t.entries) {
            const CompareParam* p = param_of(e, m);
            if (!p || p->number != p->number || !e.totals.co2_kg.any) continue;
            co2.push_back(e.totals.co2_kg.value);
            value.push_back(p->number);
            trace.points.push_back({co2.back() / cu.divisor, p->number});
            trace.labels.push_back(
                fmt::format("{}: {} = {}, {}", run_label(e), m, p->shown(), format_co2(co2.back())));
        }
        if (trace.points.empty()) continue;
        trace.marked = pareto_front(co2, value, o.maximize);
        Chart c{fmt::format("{} against CO2e, per run (larger dots: Pareto front)", m),
                fmt::format("CO2e ({})", cu.name), m, ChartKind::scatter, {std::move(trace)}, {}, 500, 260};
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
    double facility_j = 0.0;
    std::vector<Result> rows;
    for (const ReportRun& r : runs) {
        all.co2_kg += r.total.co2_kg;
        all.duration_s += r.total.duration_s;
        facility_j += r.total.it_joules() * r.total.pue;
        rows.insert(rows.end(), r.rows.begin(), r.rows.end());
    }
    const CompareTable table = compare_runs(rows, o.metric, o.maximize);
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
    compare_table(out, table, runs);
    out << "<div class=\"charts\">";
    metric_charts(out, table, o);
    out << "</div>\n";
    out << "</header>\n";
    for (std::size_t i = 0; i < runs.size(); ++i) write_run_section(out, runs[i], i);
    out << "<footer>Written by eco2. Energy is facility energy (IT energy x PUE) unless marked IT; CO2e is "
           "energy x carbon intensity of each interval. Equivalents are approximate (docs/equivalents.md).</footer>\n"
           "</body></html>\n";
}

}  // namespace eco2::detail
