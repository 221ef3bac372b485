#include "report/compare.hpp"

#include <algorithm>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "eco2/error.hpp"
#include "report/text_table.hpp"
#include "report/units.hpp"
#include "writers/csv_writer.hpp"

namespace eco2::detail {
namespace {

bool known(double v) {
    return v == v;
}

double value_of(const Sum& s) {
    return s.any ? s.value : std::nan("");
}

// The entries named by the runs setting, in the order given: an id or a prefix matching exactly one run.
std::vector<GroupTotals> pick_runs(std::vector<GroupTotals> all, const std::vector<std::string>& ids) {
    std::vector<GroupTotals> out;
    for (const std::string& id : ids) {
        std::vector<std::size_t> hits;
        for (std::size_t i = 0; i < all.size(); ++i)
            if (all[i].key == id) hits = {i};
        if (hits.empty())
            for (std::size_t i = 0; i < all.size(); ++i)
                if (all[i].key.starts_with(id)) hits.push_back(i);
        if (hits.empty())
            throw Error(Errc::invalid_argument,
                        fmt::format("no run '{}' in the records (a summary by run lists the run ids)", id));
        if (hits.size() > 1)
            throw Error(Errc::invalid_argument, fmt::format("'{}' starts {} run ids ({}, {}...): give more of it", id,
                                                            hits.size(), all[hits[0]].key, all[hits[1]].key));
        out.push_back(all[hits[0]]);
    }
    return out;
}

CompareEntry entry_of(GroupTotals g, const std::string& metric) {
    CompareEntry e;
    if (g.items.any && g.items.value > 0 && g.energy_j.any) e.energy_per_item_j = g.energy_j.value / g.items.value;
    // The ratio's exponent alpha is the one the run used (--alpha): recovered from its last row, 1 without one.
    double alpha = 1.0;
    if (known(g.last_energy_precision_ratio) && known(g.last_energy_per_item_j) && known(g.last_error_rate) &&
        g.last_error_rate > 0 && g.last_error_rate != 1 && g.last_energy_per_item_j > 0 &&
        g.last_energy_precision_ratio > 0)
        alpha = std::log(g.last_energy_precision_ratio / g.last_energy_per_item_j) / std::log(g.last_error_rate);
    if (known(g.last_error_rate) && known(e.energy_per_item_j))
        e.energy_precision_ratio = std::pow(g.last_error_rate, alpha) * e.energy_per_item_j;
    std::vector<EpochParam> params;
    epoch_params(g.last_epoch_params, g.last_epoch, params);
    for (const EpochParam& p : params)
        if (p.key != "epoch" && p.key != "partial")
            e.params.push_back({std::string(p.key), p.number, std::string(p.text)});
    if (metric == "error_rate") e.metric = g.last_error_rate;
    for (const CompareParam& p : e.params)
        if (p.key == metric) e.metric = p.number;
    e.totals = std::move(g);
    return e;
}

// On the front when no other entry is as good on both CO2 and the metric and better on one.
void mark_pareto(std::vector<CompareEntry>& entries, bool maximize) {
    auto better = [&](double a, double b) { return maximize ? a > b : a < b; };
    for (CompareEntry& e : entries) {
        if (!known(e.metric) || !e.totals.co2_kg.any) continue;
        e.pareto = std::none_of(entries.begin(), entries.end(), [&](const CompareEntry& o) {
            if (&o == &e || !known(o.metric) || !o.totals.co2_kg.any) return false;
            const double co2 = o.totals.co2_kg.value, mine = e.totals.co2_kg.value;
            const bool no_worse = co2 <= mine && !better(e.metric, o.metric);
            return no_worse && (co2 < mine || better(o.metric, e.metric));
        });
    }
}

std::string param_text(const CompareParam& p) {
    return known(p.number) ? sig3(p.number) : p.text;
}

const CompareParam* find_param(const CompareEntry& e, const std::string& key) {
    for (const CompareParam& p : e.params)
        if (p.key == key) return &p;
    return nullptr;
}

std::string label_of(const CompareTable& t, const CompareEntry& e) {
    if (t.key_name != "run") return e.totals.key.empty() ? "(none)" : e.totals.key;
    // A run: its id's first 8 characters (enough to name it to --runs) and its experiment.
    std::string label = e.totals.key.substr(0, 8);
    if (!e.totals.experiment_description.empty()) label += " " + e.totals.experiment_description;
    return label;
}

}  // namespace

std::string percent_from(double v, double base) {
    if (!known(v) || !known(base) || base == 0) return "";
    const double d = (v - base) / std::fabs(base) * 100.0;
    return fmt::format("{}{} %", d >= 0 ? "+" : "", sig3(d));
}

CompareTable compare_files(const CompareRequest& request) {
    std::vector<std::string> files = request.files;
    if (files.empty()) files.emplace_back("emission.csv");
    CompareTable t;
    t.metric = request.metric;
    t.maximize = request.maximize;
    const GroupBy by = request.runs.empty() ? request.by : GroupBy::run;
    if (by != GroupBy::run && by != GroupBy::experiment && by != GroupBy::project)
        throw Error(Errc::invalid_argument,
                    fmt::format("{}: compare by experiment or project, or name runs with {}",
                                mention("by", to_string(by)), mention("runs", "ID,ID")));
    t.key_name = std::string(to_string(by));
    Grouped g = group_files(files, by, true);
    std::vector<GroupTotals> chosen = request.runs.empty() ? std::move(g.groups) : pick_runs(std::move(g.groups), request.runs);
    for (GroupTotals& x : chosen) t.entries.push_back(entry_of(std::move(x), request.metric));
    for (const CompareEntry& e : t.entries)
        for (const CompareParam& p : e.params)
            if (std::find(t.param_keys.begin(), t.param_keys.end(), p.key) == t.param_keys.end())
                t.param_keys.push_back(p.key);
    if (!t.metric.empty()) {
        if (std::none_of(t.entries.begin(), t.entries.end(), [](const CompareEntry& e) { return known(e.metric); }))
            throw Error(Errc::invalid_argument,
                        fmt::format("{}: no run reported it as a number (the epoch parameters are: {})",
                                    mention("metric", t.metric),
                                    t.param_keys.empty() ? "none"
                                                         : fmt::format("{}", fmt::join(t.param_keys, ", "))));
        mark_pareto(t.entries, t.maximize);
    }
    return t;
}

std::string compare_text(const CompareTable& t) {
    if (t.entries.empty()) return "nothing to compare: no rows\n";
    std::vector<std::string> header{t.key_name, "runs", "duration", "energy", "cpu", "gpu", "ram", "CO2e",
                                    "intensity", "energy/item", "energy-precision"};
    header.insert(header.end(), t.param_keys.begin(), t.param_keys.end());
    if (!t.metric.empty()) header.emplace_back("pareto");
    std::vector<bool> right(header.size(), true);
    right[0] = false;
    TextTable table(header, right);
    const CompareEntry& base = t.entries.front();
    // A cell with its difference from the baseline, for all but the baseline.
    auto with_diff = [&](const CompareEntry& e, std::string text, double v, double b) {
        if (&e == &base || text == "-") return text;
        const std::string d = percent_from(v, b);
        return d.empty() ? text : fmt::format("{} ({})", text, d);
    };
    auto energy = [](double v) { return known(v) ? format_energy(v) : std::string("-"); };
    for (const CompareEntry& e : t.entries) {
        const GroupTotals& g = e.totals;
        const double intensity = g.intensity_g_per_kwh();
        std::vector<std::string> row{
            label_of(t, e),
            std::to_string(g.runs),
            with_diff(e, g.duration_s.any ? format_duration(g.duration_s.value) : "-", value_of(g.duration_s),
                      value_of(base.totals.duration_s)),
            with_diff(e, energy(value_of(g.energy_j)), value_of(g.energy_j), value_of(base.totals.energy_j)),
            energy(value_of(g.cpu_j)),
            energy(value_of(g.gpu_j)),
            energy(value_of(g.ram_j)),
            with_diff(e, g.co2_kg.any ? format_co2(g.co2_kg.value) : "-", value_of(g.co2_kg),
                      value_of(base.totals.co2_kg)),
            known(intensity) ? format_intensity(intensity) : "-",
            with_diff(e, energy(e.energy_per_item_j), e.energy_per_item_j, base.energy_per_item_j),
            with_diff(e, known(e.energy_precision_ratio) ? format_energy(e.energy_precision_ratio) : "-",
                      e.energy_precision_ratio, base.energy_precision_ratio),
        };
        for (const std::string& k : t.param_keys) {
            const CompareParam* p = find_param(e, k);
            const CompareParam* b = find_param(base, k);
            row.push_back(p ? with_diff(e, param_text(*p), p->number, b ? b->number : std::nan("")) : "-");
        }
        if (!t.metric.empty()) row.emplace_back(e.pareto ? "*" : "");
        table.add(std::move(row));
    }
    std::string out = table.str();
    out += fmt::format("differences in % from the first {} (the baseline)", t.key_name);
    if (!t.metric.empty())
        out += fmt::format("; * on the Pareto front of {} ({}) against CO2e", t.metric,
                           t.maximize ? "higher is better" : "lower is better");
    return out + "\n";
}

std::string compare_json(const CompareTable& t) {
    using nlohmann::json;
    auto num = [](double v) { return known(v) ? json(v) : json(nullptr); };
    json entries = json::array();
    for (const CompareEntry& e : t.entries) {
        const GroupTotals& g = e.totals;
        const CompareEntry& base = t.entries.front();
        json params = json::object();
        for (const CompareParam& p : e.params) params[p.key] = known(p.number) ? json(p.number) : json(p.text);
        entries.push_back({
            {"key", g.key},
            {"project_name", g.project_name},
            {"experiment_description", g.experiment_description},
            {"runs", g.runs},
            {"rows", g.rows},
            {"duration_s", num(value_of(g.duration_s))},
            {"energy_kwh", num(value_of(g.energy_j) / 3.6e6)},
            {"cpu_energy_kwh", num(value_of(g.cpu_j) / 3.6e6)},
            {"gpu_energy_kwh", num(value_of(g.gpu_j) / 3.6e6)},
            {"ram_energy_kwh", num(value_of(g.ram_j) / 3.6e6)},
            {"co2_kg", num(value_of(g.co2_kg))},
            {"intensity_g_per_kwh", num(g.intensity_g_per_kwh())},
            {"energy_per_item_j", num(e.energy_per_item_j)},
            {"energy_precision_ratio", num(e.energy_precision_ratio)},
            {"params", params},
            {"metric", num(e.metric)},
            {"pareto", e.pareto},
            {"co2_vs_baseline_percent",
             num(base.totals.co2_kg.value ? (value_of(g.co2_kg) - base.totals.co2_kg.value) / base.totals.co2_kg.value * 100
                                          : std::nan(""))},
            {"energy_vs_baseline_percent",
             num(base.totals.energy_j.value
                     ? (value_of(g.energy_j) - base.totals.energy_j.value) / base.totals.energy_j.value * 100
                     : std::nan(""))},
        });
    }
    json doc{{"by", t.key_name}, {"metric", t.metric.empty() ? json(nullptr) : json(t.metric)},
             {"maximize", t.maximize}, {"entries", entries}};
    return doc.dump(2) + "\n";
}

std::string compare_csv(const CompareTable& t) {
    std::ostringstream out;
    out << t.key_name
        << ",runs,duration(s),power_consumption(kWh),cpu_energy(kWh),gpu_energy(kWh),ram_energy(kWh),CO2_emissions(kg),"
           "intensity(gCO2/kWh),energy_per_item(J),energy_precision_ratio";
    for (const std::string& k : t.param_keys) {
        out << ',';
        CsvWriter::field(out, k);
    }
    out << ",pareto\n";
    auto f = [](double v) { return known(v) ? fmt::format("{:.10g}", v) : std::string(); };
    for (const CompareEntry& e : t.entries) {
        const GroupTotals& g = e.totals;
        CsvWriter::field(out, g.key);
        out << fmt::format(",{},{},{},{},{},{},{},{},{},{}", g.runs, f(value_of(g.duration_s)),
                           f(value_of(g.energy_j) / 3.6e6), f(value_of(g.cpu_j) / 3.6e6), f(value_of(g.gpu_j) / 3.6e6),
                           f(value_of(g.ram_j) / 3.6e6), f(value_of(g.co2_kg)), f(g.intensity_g_per_kwh()),
                           f(e.energy_per_item_j), f(e.energy_precision_ratio));
        for (const std::string& k : t.param_keys) {
            out << ',';
            const CompareParam* p = find_param(e, k);
            if (p) CsvWriter::field(out, known(p->number) ? fmt::format("{:.10g}", p->number) : p->text);
        }
        out << ',' << (e.pareto ? "true" : "false") << '\n';
    }
    return out.str();
}

int run_compare(const CompareRequest& request, std::ostream& out, std::ostream& err) {
    CompareTable t;
    try {
        t = compare_files(request);
    } catch (const Error& e) {
        err << "eco2: error: " << e.what(request.names) << '\n';
        return 2;
    }
    switch (request.format) {
        case SummaryFormat::table: out << compare_text(t); break;
        case SummaryFormat::json: out << compare_json(t); break;
        case SummaryFormat::csv: out << compare_csv(t); break;
    }
    return 0;
}

}  // namespace eco2::detail
