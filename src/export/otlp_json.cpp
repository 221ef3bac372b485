#include "export/otlp_json.hpp"

#include <cmath>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace eco2::metrics {
namespace {

using nlohmann::json;

json attribute(std::string_view key, std::string_view value) {
    return {{"key", key}, {"value", {{"stringValue", value}}}};
}

std::string nanos(double unix_s) {
    return std::to_string(static_cast<std::int64_t>(std::llround(unix_s * 1e9)));
}

// Semantic conventions' hw.type for eco2's components.
std::string_view hw_type(std::string_view component) { return component == "ram" ? "memory" : component; }

json point(const MetricSet& s, json attributes, double value, bool cumulative) {
    json p{{"attributes", std::move(attributes)}, {"timeUnixNano", nanos(s.time_unix_s)}, {"asDouble", value}};
    if (cumulative) p["startTimeUnixNano"] = nanos(s.start_unix_s);
    return p;
}

json sum(std::string_view name, std::string_view unit, std::string_view description, json points) {
    return {{"name", name},
            {"unit", unit},
            {"description", description},
            {"sum", {{"aggregationTemporality", 2}, {"isMonotonic", true}, {"dataPoints", std::move(points)}}}};
}

json gauge(std::string_view name, std::string_view unit, std::string_view description, json points) {
    return {{"name", name}, {"unit", unit}, {"description", description}, {"gauge", {{"dataPoints", std::move(points)}}}};
}

json resource_metrics(const MetricSet& s, std::string_view version) {
    json resource = json::array({attribute("service.name", "eco2"), attribute("host.name", s.host),
                                 attribute("eco2.scope", s.scope)});
    if (s.run) {
        resource.push_back(attribute("eco2.run_id", s.run->run_id));
        resource.push_back(attribute("eco2.project", s.run->project));
        resource.push_back(attribute("eco2.experiment", s.run->experiment));
        resource.push_back(attribute("eco2.job", s.run->job));
        resource.push_back(attribute("eco2.rank", s.run->rank));
    }
    json energy = json::array(), power = json::array();
    for (const auto& d : s.devices) {
        json a = json::array({attribute("hw.id", d.device), attribute("hw.type", hw_type(d.component)),
                              attribute("hw.name", d.component + " " + d.device)});
        energy.push_back(point(s, a, d.joules, true));
        if (d.watts && std::isfinite(*d.watts)) power.push_back(point(s, a, *d.watts, false));
    }
    json metrics = json::array();
    metrics.push_back(sum("hw.energy", "J", "Energy consumed by the component (IT energy, before PUE)", std::move(energy)));
    if (!power.empty())
        metrics.push_back(gauge("hw.power", "W", "Mean power over the last sampling interval", std::move(power)));
    metrics.push_back(sum("eco2.co2.emissions", "g", "CO2 emitted by the facility energy (x PUE)",
                          json::array({point(s, json::array(), s.emissions_g, true)})));
    metrics.push_back(gauge("eco2.carbon.intensity", "g/kWh", "Carbon intensity of the electricity applied",
                            json::array({point(s, json::array(), s.intensity_g_per_kwh, false)})));
    return {{"resource", {{"attributes", std::move(resource)}}},
            {"scopeMetrics", json::array({{{"scope", {{"name", "eco2"}, {"version", version}}},
                                           {"metrics", std::move(metrics)}}})}};
}

}  // namespace

void write_otlp_json(std::ostream& out, const std::vector<MetricSet>& sets, std::string_view version) {
    json all = json::array();
    for (const auto& s : sets) all.push_back(resource_metrics(s, version));
    out << json{{"resourceMetrics", std::move(all)}}.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace eco2::metrics
