#include "report/card.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "eco2/error.hpp"
#include "report/html_report.hpp"
#include "report/units.hpp"

namespace eco2::detail {
namespace {

// A YAML double-quoted scalar: JSON's string escapes are valid YAML.
std::string yaml_string(const std::string& s) { return nlohmann::json(s).dump(); }

std::string hardware(const Result& t) {
    if (t.gpu_name.empty()) return t.cpu_name;
    return t.cpu_name.empty() ? t.gpu_name : t.gpu_name + "; " + t.cpu_name;
}

std::string sources(const Result& t) {
    return fmt::format("cpu: {}; gpu: {}; ram: {}", t.cpu.source, t.gpu.source, t.ram.source);
}

void write_hf(std::ostream& out, const CardSubject& s, const CardOptions& o) {
    const Result& t = s.total;
    out << "co2_eq_emissions:\n";
    // Fixed notation with at least 6 significant digits, so a small run's grams are not rounded to 0.
    const double g = t.co2_kg * 1e3;
    const int decimals = g > 0 ? std::clamp(5 - static_cast<int>(std::floor(std::log10(g))), 6, 15) : 6;
    out << fmt::format("  emissions: {:.{}f}\n", g, decimals);
    out << "  source: " << yaml_string(fmt::format("{} ({}; {})", o.tool, estimate_label(t), sources(t))) << "\n";
    out << "  training_type: " << yaml_string(o.training_type) << "\n";
    out << "  geographical_location: " << yaml_string(t.region) << "\n";
    out << "  hardware_used: " << yaml_string(hardware(t)) << "\n";
    // Context a reader of the card may want, as comments (not part of the Hub's schema).
    out << fmt::format("# {}: {} energy, {} CO2e, {} at {:.0f} gCO2/kWh ({})\n", s.what,
                       format_energy(t.it_joules() * t.pue), format_co2(t.co2_kg), format_duration(t.duration_s),
                       t.intensity_g_per_kwh, t.location_source);
}

void write_sci(std::ostream& out, const CardSubject& s, const CardOptions& o) {
    const SciTerms k = sci_terms(s, o);
    const Result& t = s.total;
    out << fmt::format("SCI (ISO/IEC 21031:2024) of {}\n", s.what);
    out << "  SCI = (E x I + M) / R\n";
    out << fmt::format("  E  energy               {:.6f} kWh  (facility energy: IT energy x PUE {}; {})\n", k.e_kwh, t.pue,
                       estimate_label(t));
    out << fmt::format("  I  carbon intensity     {:.3f} gCO2e/kWh  ({}; {})\n", k.i_g_per_kwh, t.region, t.location_source);
    out << fmt::format("  M  embodied emissions   {:.3f} gCO2e  ({})\n", k.m_g,
                       spelled(k.m_given ? mention("embodied_kg")
                                         : "not given, taken as 0: state the hardware's share with " +
                                               mention("embodied_kg"),
                               o.names));
    out << fmt::format("  R  functional unit      {:.0f} {}{}  ({})\n", k.r, k.r_unit, k.r == 1 ? "" : "s",
                       k.r_unit == "item" ? "the work reported" : "no work reported: per run");
    out << fmt::format("  E x I                   {:.6f} gCO2e  (operational)\n", k.e_kwh * k.i_g_per_kwh);
    out << fmt::format("  SCI                     {:.9f} gCO2e per {}\n", k.sci_g(), k.r_unit);
}

nlohmann::json result_json(const Result& r) {
    nlohmann::json j{{"id", r.id},
                     {"project_name", r.project_name},
                     {"experiment_description", r.experiment_description},
                     {"epoch", r.epoch},
                     {"start_time_utc", fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", fmt::gmtime(std::chrono::system_clock::to_time_t(r.start_time)))},
                     {"duration_s", r.duration_s},
                     {"energy_kwh", r.energy_kwh()},
                     {"co2_kg", r.co2_kg},
                     {"intensity_g_per_kwh", r.intensity_g_per_kwh},
                     {"pue", r.pue},
                     {"region", r.region},
                     {"location_source", r.location_source},
                     {"status", std::string(to_string(r.status))},
                     {"estimated", r.estimated()},
                     {"host", r.host},
                     {"cpu_name", r.cpu_name},
                     {"gpu_name", r.gpu_name}};
    for (auto [name, c] : {std::pair{"cpu", &r.cpu}, {"gpu", &r.gpu}, {"ram", &r.ram}})
        j[name] = {{"energy_j", c->joules}, {"source", c->source}, {"estimated", c->estimated}};
    j["cost"] = r.cost ? nlohmann::json(*r.cost) : nlohmann::json();
    j["items"] = r.work.items ? nlohmann::json(*r.work.items) : nlohmann::json();
    if (!r.epoch_params_json.empty()) j["epoch_params"] = nlohmann::json::parse(r.epoch_params_json, nullptr, false);
    return j;
}

void write_json(std::ostream& out, const CardSubject& s, const CardOptions& o) {
    const SciTerms k = sci_terms(s, o);
    const Result& t = s.total;
    nlohmann::json j{{"subject", s.what}, {"runs", s.runs}, {"total", result_json(t)}};
    j["hf"] = {{"emissions", t.co2_kg * 1e3},
               {"source", fmt::format("{} ({}; {})", o.tool, estimate_label(t), sources(t))},
               {"training_type", o.training_type},
               {"geographical_location", t.region},
               {"hardware_used", hardware(t)}};
    j["sci"] = {{"formula", "(E x I + M) / R"}, {"E_kwh", k.e_kwh},       {"I_g_per_kwh", k.i_g_per_kwh},
                {"M_g", k.m_g},                 {"M_given", k.m_given},   {"R", k.r},
                {"R_unit", k.r_unit},           {"sci_g_per_unit", k.sci_g()}};
    nlohmann::json rows = nlohmann::json::array();
    for (const ReportRun& run : s.parts)
        for (const Result& r : run.rows) rows.push_back(result_json(r));
    j["rows"] = std::move(rows);
    out << j.dump(2) << "\n";
}

}  // namespace

SciTerms sci_terms(const CardSubject& s, const CardOptions& o) {
    SciTerms k;
    const Result& t = s.total;
    k.e_kwh = t.energy_kwh();
    // eco2's CO2 is the sum over intervals of energy x intensity, so the energy-weighted mean makes E x I exact.
    k.i_g_per_kwh = k.e_kwh > 0 ? t.co2_kg * 1e3 / k.e_kwh : t.intensity_g_per_kwh;
    if (o.embodied_kg) {
        if (*o.embodied_kg < 0)
            throw Error(Errc::invalid_argument,
                        fmt::format("{} is negative: give the hardware's embodied "
                                    "emissions share for this work in kg CO2e (>= 0)",
                                    mention("embodied_kg", fmt::format("{}", *o.embodied_kg))));
        k.m_g = *o.embodied_kg * 1e3;
        k.m_given = true;
    }
    if (t.work.items && *t.work.items > 0) {
        k.r = *t.work.items;
        k.r_unit = "item";
    } else {
        k.r = static_cast<double>(std::max<std::size_t>(s.runs, 1));
        k.r_unit = "run";
    }
    return k;
}

void write_card(std::ostream& out, const CardSubject& s, const CardOptions& o) {
    switch (o.format) {
        case CardFormat::hf: write_hf(out, s, o); break;
        case CardFormat::sci: write_sci(out, s, o); break;
        case CardFormat::json: write_json(out, s, o); break;
    }
}

CardFormat parse_card_format(const std::string& name) {
    if (name == "hf") return CardFormat::hf;
    if (name == "sci") return CardFormat::sci;
    if (name == "json") return CardFormat::json;
    throw Error(Errc::invalid_argument,
                fmt::format("{}: unknown card format; choose hf, sci or json", mention("format", name)));
}

}  // namespace eco2::detail
