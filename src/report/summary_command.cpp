#include "report/summary_command.hpp"

#include <cmath>
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

std::string energy_cell(const Sum& s) {
    return s.any ? format_energy(s.value) : "-";
}

std::string count_text(std::size_t n) {
    return std::to_string(n);
}

// Full precision for files, '.' whatever the locale, empty when nothing was added.
std::string full(const Sum& s, double scale = 1.0) {
    return s.any ? fmt::format("{:.10g}", s.value * scale) : std::string();
}

nlohmann::json json_of(const Sum& s, double scale = 1.0) {
    return s.any ? nlohmann::json(s.value * scale) : nlohmann::json(nullptr);
}

nlohmann::json json_of(const GroupTotals& g) {
    const double intensity = g.intensity_g_per_kwh();
    return {
        {"key", g.key},
        {"runs", g.runs},
        {"rows", g.rows},
        {"duration_s", json_of(g.duration_s)},
        {"energy_kwh", json_of(g.energy_j, 1 / 3.6e6)},
        {"cpu_energy_kwh", json_of(g.cpu_j, 1 / 3.6e6)},
        {"gpu_energy_kwh", json_of(g.gpu_j, 1 / 3.6e6)},
        {"ram_energy_kwh", json_of(g.ram_j, 1 / 3.6e6)},
        {"co2_kg", json_of(g.co2_kg)},
        {"cost", json_of(g.cost)},
        {"intensity_g_per_kwh", std::isnan(intensity) ? nlohmann::json(nullptr) : nlohmann::json(intensity)},
        {"items", json_of(g.items)},
        {"estimated_rows", g.estimated_rows},
        {"interrupted_rows", g.interrupted_rows},
        {"ranks", g.ranks},
    };
}

}  // namespace

std::string summary_table(const Grouped& g, GroupBy by) {
    const bool cost = g.total.cost.any;
    std::vector<std::string> header{std::string(to_string(by)), "runs", "rows", "duration", "energy", "cpu",
                                    "gpu", "ram", "CO2e", "intensity"};
    if (cost) header.insert(header.begin() + 9, "cost");
    if (by == GroupBy::job) header.insert(header.begin() + 2, "ranks");
    TextTable table(header, {false, true, true, true, true, true, true, true, true, true, true, true});
    auto row = [&](const GroupTotals& t) {
        std::vector<std::string> cells{t.key.empty() ? "(none)" : t.key,
                                       count_text(t.runs),
                                       count_text(t.rows),
                                       t.duration_s.any ? format_duration(t.duration_s.value) : "-",
                                       energy_cell(t.energy_j),
                                       energy_cell(t.cpu_j),
                                       energy_cell(t.gpu_j),
                                       energy_cell(t.ram_j),
                                       t.co2_kg.any ? format_co2(t.co2_kg.value) : "-",
                                       std::isnan(t.intensity_g_per_kwh()) ? "-"
                                                                           : format_intensity(t.intensity_g_per_kwh())};
        if (cost) cells.insert(cells.begin() + 9, t.cost.any ? sig3(t.cost.value) : "-");
        if (by == GroupBy::job) cells.insert(cells.begin() + 2, t.ranks ? count_text(t.ranks) : "-");
        table.add(std::move(cells));
    };
    for (const GroupTotals& t : g.groups) row(t);
    if (g.groups.size() > 1) {
        table.rule();
        row(g.total);
    }
    std::string out = table.str();
    if (g.total.estimated_rows > 0)
        out += fmt::format("{} of {} rows partly or wholly estimated (a component modelled, not measured)\n",
                           g.total.estimated_rows, g.total.rows);
    if (g.total.interrupted_rows > 0)
        out += fmt::format("{} row{} interrupted (a run killed or still going: its last checkpoint)\n",
                           g.total.interrupted_rows, g.total.interrupted_rows == 1 ? "" : "s");
    return out;
}

std::string summary_json(const Grouped& g, GroupBy by) {
    nlohmann::json groups = nlohmann::json::array();
    for (const GroupTotals& t : g.groups) groups.push_back(json_of(t));
    nlohmann::json doc{{"by", std::string(to_string(by))}, {"groups", groups}, {"total", json_of(g.total)}};
    return doc.dump(2) + "\n";
}

std::string summary_csv(const Grouped& g, GroupBy by) {
    std::ostringstream out;
    out << to_string(by)
        << ",runs,rows,duration(s),power_consumption(kWh),cpu_energy(kWh),gpu_energy(kWh),ram_energy(kWh),"
           "CO2_emissions(kg),cost,intensity(gCO2/kWh),items,estimated_rows,interrupted_rows\n";
    auto row = [&](const GroupTotals& t) {
        CsvWriter::field(out, t.key);
        const double intensity = t.intensity_g_per_kwh();
        out << fmt::format(",{},{},{},{},{},{},{},{},{},{},{},{},{}\n", t.runs, t.rows, full(t.duration_s),
                           full(t.energy_j, 1 / 3.6e6), full(t.cpu_j, 1 / 3.6e6), full(t.gpu_j, 1 / 3.6e6),
                           full(t.ram_j, 1 / 3.6e6), full(t.co2_kg), full(t.cost),
                           std::isnan(intensity) ? std::string() : fmt::format("{:.10g}", intensity), full(t.items),
                           t.estimated_rows, t.interrupted_rows);
    };
    for (const GroupTotals& t : g.groups) row(t);
    row(g.total);
    return out.str();
}

int run_summary(const SummaryRequest& request, std::ostream& out, std::ostream& err) {
    std::vector<std::string> files = request.files;
    if (files.empty()) files.emplace_back("emission.csv");
    Grouped g;
    try {
        g = group_files(files, request.by);
    } catch (const Error& e) {
        err << "eco2: error: " << e.what() << '\n';
        return 2;
    }
    for (const std::string& note : g.notes) err << "eco2: note: " << note << '\n';
    switch (request.format) {
        case SummaryFormat::table:
            if (g.groups.empty()) {
                out << "no rows in " << fmt::format("{}", fmt::join(files, ", ")) << '\n';
                return 0;
            }
            out << summary_table(g, request.by);
            break;
        case SummaryFormat::json: out << summary_json(g, request.by); break;
        case SummaryFormat::csv: out << summary_csv(g, request.by); break;
    }
    return 0;
}

}  // namespace eco2::detail
