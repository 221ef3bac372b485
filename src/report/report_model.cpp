#include "report/report_model.hpp"

#include <fmt/format.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "eco2/error.hpp"
#include "writers/series_writer.hpp"

namespace eco2::detail {

Metrics parse_metrics(const std::string& epoch_params_json) {
    Metrics m;
    if (epoch_params_json.empty()) return m;
    const auto j = nlohmann::json::parse(epoch_params_json, nullptr, false);
    if (!j.is_object()) return m;
    for (const auto& [k, v] : j.items())
        if (v.is_number() && k != "epoch" && k != "partial") m[k] = v.get<double>();
    return m;
}

Metrics ReportRun::last_metrics() const {
    Metrics out;
    for (const Metrics& m : metrics)
        for (const auto& [k, v] : m) out[k] = v;
    return out;
}

Result sum_rows(std::span<const Result> rows) {
    Result t;
    if (rows.empty()) return t;
    t = rows.back();
    t.start_time = rows.front().start_time;
    t.duration_s = t.co2_kg = t.cpu_time_s = 0.0;
    t.cpu.joules = t.gpu.joules = t.ram.joules = 0.0;
    t.samples = t.read_failures = 0;
    t.cost.reset();
    t.work.items.reset();
    t.work.flops.reset();
    double weighted = 0.0, facility_j = 0.0;
    for (const Result& r : rows) {
        t.duration_s += r.duration_s;
        t.co2_kg += r.co2_kg;
        t.cpu_time_s += r.cpu_time_s;
        t.samples += r.samples;
        t.read_failures += r.read_failures;
        for (auto [sum, part] : {std::pair{&t.cpu, &r.cpu}, {&t.gpu, &r.gpu}, {&t.ram, &r.ram}}) {
            sum->joules += part->joules;
            sum->estimated = sum->estimated || part->estimated;
        }
        if (r.cost) t.cost = t.cost.value_or(0.0) + *r.cost;
        if (r.work.items) t.work.items = t.work.items.value_or(0.0) + *r.work.items;
        if (r.work.flops) t.work.flops = t.work.flops.value_or(0.0) + *r.work.flops;
        const double j = r.it_joules() * r.pue;
        weighted += j * r.intensity_g_per_kwh;
        facility_j += j;
    }
    if (facility_j > 0) t.intensity_g_per_kwh = weighted / facility_j;
    return t;
}

std::vector<ReportRun> group_runs(std::span<const Result> rows, const std::string& file) {
    std::vector<ReportRun> runs;
    std::unordered_map<std::string, std::size_t> at;
    for (const Result& r : rows) {
        auto [it, fresh] = at.try_emplace(r.id, runs.size());
        if (fresh) {
            runs.emplace_back();
            runs.back().id = r.id;
            runs.back().file = file;
        }
        ReportRun& run = runs[it->second];
        run.rows.push_back(r);
        run.metrics.push_back(parse_metrics(r.epoch_params_json));
    }
    for (ReportRun& run : runs) run.total = sum_rows(run.rows);
    return runs;
}

void attach_series(std::vector<ReportRun>& runs, std::size_t buckets) {
    for (ReportRun& run : runs) {
        const auto path = SeriesWriter::path_for(run.file, run.id);
        std::ifstream in(path);
        if (!in) {
            run.series_note =
                fmt::format("no time series ({} not found; was the run recorded without it?)", path.string());
            continue;
        }
        try {
            run.series.emplace(read_series(in, path.string(), buckets));
            if (run.series->bad_rows)
                run.series_note = fmt::format("{} malformed rows of {} skipped", run.series->bad_rows, path.string());
        } catch (const Error& e) {
            run.series_note = e.what();
        }
    }
}

}  // namespace eco2::detail
