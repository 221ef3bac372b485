#include "export/metric_set.hpp"

#include <chrono>
#include <cmath>

#include <nlohmann/json.hpp>

#include "eco2/error.hpp"

namespace eco2::metrics {
namespace {

double unix_seconds(std::chrono::system_clock::time_point t) {
    return std::chrono::duration<double>(t.time_since_epoch()).count();
}

// "rapl(package-0+package-1)" -> "rapl": the back end, when no tick named the devices.
std::string source_name(const std::string& source) {
    std::string name = source.substr(0, source.find('('));
    while (!name.empty() && name.back() == ' ') name.pop_back();
    return name;
}

std::string text_of(const nlohmann::json& j, const char* key) {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

double number_of(const nlohmann::json& j, const char* key) {
    auto it = j.find(key);
    if (it == j.end() || !it->is_number())
        throw Error(Errc::invalid_argument, std::string("metric set: no number \"") + key + "\"");
    return it->get<double>();
}

}  // namespace

MetricSet metric_set_of(const Result& identity, const detail::Tick& tick, bool node, const std::string& job,
                        const std::string& rank) {
    MetricSet s;
    s.scope = std::string(to_string(identity.scope));
    s.host = identity.host;
    if (!node) {
        // The run's job and rank (detected from torchrun, SLURM, MPI: Result::job) unless the caller names them.
        const std::string job_label = !job.empty() ? job : identity.job.job_id;
        const std::string rank_label =
            !rank.empty() ? rank : (identity.job.rank ? std::to_string(*identity.job.rank) : std::string());
        s.run = RunLabels{identity.id, identity.project_name, identity.experiment_description, job_label, rank_label,
                          identity.host};
    }
    for (const auto& c : tick.channels)
        s.devices.push_back(DeviceEnergy{std::string(to_string(c.component)), c.id, c.joules,
                                         tick.interval_s > 0 ? std::optional<double>(c.watts) : std::nullopt});
    if (tick.channels.empty()) {
        const std::pair<Component, const ComponentEnergy*> parts[] = {
            {Component::cpu, &identity.cpu}, {Component::gpu, &identity.gpu}, {Component::ram, &identity.ram}};
        for (const auto& [c, e] : parts) {
            const std::string name = source_name(e->source);
            if (name.empty() || name == "none") continue;  // no sensor for this component
            s.devices.push_back(DeviceEnergy{std::string(to_string(c)), name, tick.total_j[detail::index_of(c)],
                                             tick.interval_s > 0 ? std::optional<double>(tick.watts(c)) : std::nullopt});
        }
    }
    s.emissions_g = tick.co2_kg * 1000.0;
    s.intensity_g_per_kwh = tick.intensity_g_per_kwh;
    s.start_unix_s = unix_seconds(identity.start_time);
    s.time_unix_s = unix_seconds(tick.wall);
    return s;
}

MetricSet metric_set_of(const Result& r, bool node) {
    detail::Tick tick;
    tick.total_j = {r.cpu.joules, r.gpu.joules, r.ram.joules};
    tick.co2_kg = r.co2_kg;
    tick.intensity_g_per_kwh = r.intensity_g_per_kwh;
    tick.wall = r.start_time + std::chrono::duration_cast<std::chrono::system_clock::duration>(
                                   std::chrono::duration<double>(r.duration_s));
    MetricSet s = metric_set_of(r, tick, node);
    s.finished = r.status != RunStatus::running && r.status != RunStatus::interrupted;
    return s;
}

nlohmann::json to_json(const MetricSet& s) {
    nlohmann::json devices = nlohmann::json::array();
    for (const auto& d : s.devices) {
        nlohmann::json e{{"component", d.component}, {"device", d.device}, {"joules", d.joules}};
        if (d.watts && std::isfinite(*d.watts)) e["watts"] = *d.watts;
        devices.push_back(std::move(e));
    }
    nlohmann::json j{{"scope", s.scope},           {"host", s.host},
                     {"devices", std::move(devices)}, {"emissions_g", s.emissions_g},
                     {"intensity", s.intensity_g_per_kwh}, {"start", s.start_unix_s},
                     {"time", s.time_unix_s},      {"finished", s.finished}};
    if (s.run)
        j["run"] = {{"run_id", s.run->run_id}, {"project", s.run->project}, {"experiment", s.run->experiment},
                    {"job", s.run->job},       {"rank", s.run->rank},       {"host", s.run->host}};
    return j;
}

MetricSet metric_set_from_json(const nlohmann::json& j) {
    if (!j.is_object()) throw Error(Errc::invalid_argument, "metric set: not a JSON object");
    MetricSet s;
    s.scope = text_of(j, "scope");
    if (s.scope != "process" && s.scope != "machine")
        throw Error(Errc::invalid_argument, "metric set: scope is neither \"process\" nor \"machine\"");
    s.host = text_of(j, "host");
    auto devices = j.find("devices");
    if (devices == j.end() || !devices->is_array()) throw Error(Errc::invalid_argument, "metric set: no devices");
    for (const auto& d : *devices) {
        if (!d.is_object()) throw Error(Errc::invalid_argument, "metric set: a device is not an object");
        DeviceEnergy e{text_of(d, "component"), text_of(d, "device"), number_of(d, "joules"), {}};
        if (d.contains("watts")) e.watts = number_of(d, "watts");
        s.devices.push_back(std::move(e));
    }
    s.emissions_g = number_of(j, "emissions_g");
    s.intensity_g_per_kwh = number_of(j, "intensity");
    s.start_unix_s = number_of(j, "start");
    s.time_unix_s = number_of(j, "time");
    auto finished = j.find("finished");
    s.finished = finished != j.end() && finished->is_boolean() && finished->get<bool>();
    if (auto run = j.find("run"); run != j.end()) {
        if (!run->is_object()) throw Error(Errc::invalid_argument, "metric set: run is not an object");
        s.run = RunLabels{text_of(*run, "run_id"), text_of(*run, "project"), text_of(*run, "experiment"),
                          text_of(*run, "job"),    text_of(*run, "rank"),    text_of(*run, "host")};
        if (s.run->run_id.empty()) throw Error(Errc::invalid_argument, "metric set: a run without run_id");
    }
    return s;
}

}  // namespace eco2::metrics
