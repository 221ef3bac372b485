#include "report/result_json.hpp"

#include <cstring>

#include <nlohmann/json.hpp>

#include "report/records_reader.hpp"
#include "writers/csv_writer.hpp"

namespace eco2::detail {
namespace {

using nlohmann::json;

json optional(const std::optional<double>& v) {
    return v ? json(*v) : json(nullptr);
}

json component(const ComponentEnergy& e) {
    return {{"joules", e.joules}, {"source", e.source}, {"estimated", e.estimated}};
}

json figures(const Result& r) {
    std::vector<EpochParam> params;
    epoch_params(r.epoch_params_json, r.epoch, params);
    json p = json::object();
    for (const EpochParam& x : params)
        if (x.key != "epoch") p[std::string(x.key)] = std::isnan(x.number) ? json(std::string(x.text)) : json(x.number);
    return {
        {"duration_s", r.duration_s},
        {"energy_j", r.it_joules() * r.pue},
        {"energy_kwh", r.energy_kwh()},
        {"co2_kg", r.co2_kg},
        {"cpu", component(r.cpu)},
        {"gpu", component(r.gpu)},
        {"ram", component(r.ram)},
        {"items", optional(r.work.items)},
        {"energy_per_item_j", optional(r.energy_per_item_j())},
        {"error_rate", optional(r.work.error_rate)},
        {"energy_precision_ratio", optional(r.energy_precision_ratio())},
        {"flops", optional(r.work.flops)},
        {"params", p},
    };
}

}  // namespace

std::string result_json(const RunSummary& s) {
    const Result& r = s.total;
    json j = figures(r);
    j["id"] = r.id;
    j["project_name"] = r.project_name;
    j["experiment_description"] = r.experiment_description;
    j["start_time"] = format_local_time(r.start_time);
    j["status"] = std::string(to_string(r.status));
    j["ending"] = ending_text(r, s.signal);
    j["exit_code"] = r.exit_code ? json(*r.exit_code) : json(nullptr);
    const char* sig = s.signal > 0 ? ::sigabbrev_np(s.signal) : nullptr;
    j["signal"] = sig ? json(std::string("SIG") + sig) : json(nullptr);
    j["estimated"] = std::string(estimated_label(r));
    j["pue"] = r.pue;
    j["intensity_g_per_kwh"] = r.intensity_g_per_kwh;
    j["region"] = r.region;
    j["location_source"] = r.location_source;
    j["cost"] = optional(r.cost);
    j["currency"] = r.currency;
    j["scope"] = std::string(to_string(r.scope));
    j["host"] = r.host;
    j["samples"] = r.samples;
    j["read_failures"] = r.read_failures;
    j["cpu_time_s"] = r.cpu_time_s;
    j["tree_source"] = r.tree_source;
    j["left_running"] = r.left_running ? json(*r.left_running) : json(nullptr);
    json epochs = json::array();
    for (const Result& e : s.epochs) {
        json x = figures(e);
        x["epoch"] = e.epoch_number;
        epochs.push_back(std::move(x));
    }
    j["epochs"] = std::move(epochs);
    if (r.prediction) {
        const Prediction& p = *r.prediction;
        j["prediction"] = {{"after_epochs", p.after_epochs}, {"total_epochs", p.total_epochs},
                           {"duration_s", p.duration_s},     {"energy_kwh", p.energy_kwh},
                           {"co2_kg", p.co2_kg},             {"cost", optional(p.cost)}};
    } else {
        j["prediction"] = nullptr;
    }
    j["record"] = s.record.empty() ? json(nullptr) : json(s.record);
    j["series"] = s.series.empty() ? json(nullptr) : json(s.series);
    j["warnings"] = r.warnings;
    return j.dump(2) + "\n";
}

}  // namespace eco2::detail
