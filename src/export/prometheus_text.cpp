#include "export/prometheus_text.hpp"

#include <charconv>
#include <cmath>
#include <utility>

namespace eco2::metrics {
namespace {

using Labels = std::vector<std::pair<std::string_view, std::string_view>>;

void sample(std::ostream& out, std::string_view name, const Labels& labels, double value) {
    out << name;
    if (!labels.empty()) {
        out << '{';
        bool first = true;
        for (const auto& [k, v] : labels) {
            if (!first) out << ',';
            first = false;
            out << k << "=\"" << escape_label_value(v) << '"';
        }
        out << '}';
    }
    out << ' ' << prometheus_number(value) << '\n';
}

void family(std::ostream& out, std::string_view name, std::string_view type, std::string_view help) {
    out << "# HELP " << name << ' ' << help << '\n' << "# TYPE " << name << ' ' << type << '\n';
}

// The labels that say whose figure it is: the scope, and the run id for a run's.
Labels owner(const MetricSet& s) {
    Labels l{{"scope", s.scope}};
    if (s.run) l.emplace_back("run_id", s.run->run_id);
    return l;
}

Labels device_labels(const MetricSet& s, const DeviceEnergy& d) {
    Labels l{{"component", d.component}, {"device", d.device}};
    for (const auto& kv : owner(s)) l.push_back(kv);
    return l;
}

}  // namespace

std::string escape_label_value(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (char c : value) {
        if (c == '\\') out += "\\\\";
        else if (c == '"') out += "\\\"";
        else if (c == '\n') out += "\\n";
        else out += c;
    }
    return out;
}

std::string prometheus_number(double value) {
    if (std::isnan(value)) return "NaN";
    if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
    char buf[32];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
    return ec == std::errc() ? std::string(buf, end) : std::string("NaN");
}

void write_prometheus_text(std::ostream& out, const std::vector<MetricSet>& sets) {
    family(out, "eco2_energy_joules_total", "counter",
           "Energy used since the start of the run (or of the agent), IT energy before PUE, in joules.");
    for (const auto& s : sets)
        for (const auto& d : s.devices) sample(out, "eco2_energy_joules_total", device_labels(s, d), d.joules);
    family(out, "eco2_power_watts", "gauge", "Mean power over the last sampling interval, in watts.");
    for (const auto& s : sets)
        for (const auto& d : s.devices)
            if (d.watts) sample(out, "eco2_power_watts", device_labels(s, d), *d.watts);
    family(out, "eco2_emissions_grams_total", "counter",
           "CO2 emitted by the energy used (facility energy, x PUE), in grams.");
    for (const auto& s : sets) sample(out, "eco2_emissions_grams_total", owner(s), s.emissions_g);
    family(out, "eco2_carbon_intensity_grams_per_kwh", "gauge",
           "Carbon intensity of the electricity applied, in grams of CO2 per kWh.");
    for (const auto& s : sets) sample(out, "eco2_carbon_intensity_grams_per_kwh", owner(s), s.intensity_g_per_kwh);
    family(out, "eco2_run_info", "gauge", "A run measured by eco2 (always 1): its project, experiment, job and rank.");
    for (const auto& s : sets) {
        if (!s.run) continue;
        const RunLabels& r = *s.run;
        sample(out, "eco2_run_info",
               {{"run_id", r.run_id}, {"project", r.project}, {"experiment", r.experiment}, {"job", r.job},
                {"rank", r.rank}, {"host", r.host}},
               1.0);
    }
}

}  // namespace eco2::metrics
