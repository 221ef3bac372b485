#include "report/records_runs.hpp"

#include <fmt/format.h>

#include <cmath>
#include <ctime>
#include <iostream>
#include <nlohmann/json.hpp>

#include "eco2/error.hpp"

namespace eco2::detail {
namespace {

double or_zero(double v) { return std::isnan(v) ? 0.0 : v; }
std::optional<double> opt(double v) { return std::isnan(v) ? std::nullopt : std::optional(v); }

std::chrono::system_clock::time_point local_time(std::string_view s) {
    std::tm tm{};
    const std::string text(s);
    if (!strptime(text.c_str(), "%Y-%m-%d %H:%M:%S", &tm)) return {};
    tm.tm_isdst = -1;
    return std::chrono::system_clock::from_time_t(std::mktime(&tm));
}

RunStatus status_of(std::string_view s) {
    if (s == "completed") return RunStatus::completed;
    if (s == "budget_stopped") return RunStatus::budget_stopped;
    return RunStatus::interrupted;
}

}  // namespace

Result result_from_row(const RecordRow& row) {
    Result r;
    r.id = row.id;
    r.project_name = row.project_name;
    r.experiment_description = row.experiment_description;
    r.epoch = row.epoch.empty() ? "N/A" : std::string(row.epoch);
    r.start_time = local_time(row.start_time);
    r.duration_s = or_zero(row.duration_s);
    r.pue = std::isnan(row.pue) || row.pue <= 0 ? 1.0 : row.pue;
    auto component = [](ComponentEnergy& c, double j, std::string_view source) {
        c.joules = or_zero(j);
        c.source = source;
        c.estimated = source.find("estimated") != std::string_view::npos;
    };
    component(r.cpu, row.cpu_j, row.cpu_source);
    component(r.gpu, row.gpu_j, row.gpu_source);
    component(r.ram, row.ram_j, row.ram_source);
    if (std::isnan(row.cpu_j) && std::isnan(row.gpu_j) && std::isnan(row.ram_j) && !std::isnan(row.energy_j)) {
        r.cpu.joules = row.energy_j / r.pue;
        r.cpu.source = "total only (a file without per-component energy, e.g. eco2AI's)";
        r.cpu.estimated = row.is_estimated();
    }
    r.co2_kg = or_zero(row.co2_kg);
    r.intensity_g_per_kwh = std::isnan(row.intensity_g_per_kwh)
                                ? (r.energy_kwh() > 0 ? r.co2_kg * 1e3 / r.energy_kwh() : 0.0)
                                : row.intensity_g_per_kwh;
    r.region = row.region;
    r.location_source = row.location_source;
    r.cost = opt(row.cost);
    r.cpu_name = row.cpu_name;
    r.gpu_name = row.gpu_name;
    r.os = row.os;
    r.host = row.host;
    r.scope = row.scope == "machine" ? Scope::machine : Scope::process;
    r.status = status_of(row.status);
    if (!std::isnan(row.exit_code)) r.exit_code = static_cast<int>(row.exit_code);
    r.samples = static_cast<std::uint64_t>(or_zero(row.samples));
    r.read_failures = static_cast<std::uint64_t>(or_zero(row.read_failures));
    r.epoch_number = epoch_number(row);
    r.work.items = opt(row.items);
    r.work.error_rate = opt(row.error_rate);
    r.work.flops = opt(row.flops);
    r.tree_source = row.tree_source;
    r.cpu_time_s = or_zero(row.cpu_time_s);
    std::vector<EpochParam> params;
    epoch_params(row, params);
    nlohmann::json j = nlohmann::json::object();
    for (const EpochParam& p : params) {
        if (p.key == "partial") r.partial_epoch = true;
        if (std::isnan(p.number))
            j[std::string(p.key)] = std::string(p.text);
        else
            j[std::string(p.key)] = p.number;
    }
    if (!params.empty()) r.epoch_params_json = j.dump();
    if (row.epoch.find("partial") != std::string_view::npos) r.partial_epoch = true;
    return r;
}

std::vector<ReportRun> load_runs(const std::vector<std::string>& files, const std::vector<std::string>& run_ids,
                                 std::vector<std::string>* notes) {
    std::vector<ReportRun> runs;
    for (const std::string& file : files) {
        std::vector<Result> rows;
        auto read = [&](RecordsReader& reader) {
            if (notes && reader.layout() != RecordLayout::current)
                notes->push_back(fmt::format("{}: in {} layout", file,
                                             reader.layout() == RecordLayout::eco2ai ? "eco2AI's 13-column" : "another eco2's"));
            RecordRow row;
            while (reader.next(row)) rows.push_back(result_from_row(row));
        };
        if (file == "-") {
            RecordsReader reader(std::cin, "standard input");
            read(reader);
        } else {
            RecordsReader reader{std::filesystem::path(file)};
            read(reader);
        }
        auto grouped = group_runs(rows, file);
        runs.insert(runs.end(), std::make_move_iterator(grouped.begin()), std::make_move_iterator(grouped.end()));
    }
    if (run_ids.empty()) return runs;
    std::vector<ReportRun> chosen;
    for (const std::string& want : run_ids) {
        std::vector<std::size_t> hits;
        for (std::size_t i = 0; i < runs.size(); ++i)
            if (runs[i].id.starts_with(want)) hits.push_back(i);
        if (hits.size() != 1)
            throw Error(
                Errc::invalid_argument,
                fmt::format("{}: {} in {}; give a run id (or a prefix of one) from the records' id column",
                            mention("runs", want), hits.empty() ? "no such run" : "several runs start so",
                            fmt::join(files, ", ")));
        chosen.push_back(runs[hits.front()]);
    }
    return chosen;
}

}  // namespace eco2::detail
