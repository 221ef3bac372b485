#include "report/summary.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include <fmt/format.h>

#include "report/equivalents.hpp"
#include "report/records_reader.hpp"
#include "report/text_table.hpp"
#include "report/units.hpp"

namespace eco2::detail {
namespace {

double facility_j(const Result& r) {
    return r.it_joules() * r.pue;
}

// A component's source without the "; estimated" its label already says.
std::string short_source(const ComponentEnergy& e) {
    std::string s = e.source;
    for (const char* tail : {"; estimated)", "; estimated"}) {
        const std::size_t at = s.rfind(tail);
        if (at != std::string::npos && at + std::strlen(tail) == s.size()) {
            s.erase(at, std::strlen(tail));
            if (tail[std::strlen(tail) - 1] == ')') s += ')';
        }
    }
    return s;
}

std::string percent_diff(double measured, double predicted) {
    if (!(predicted > 0)) return "";
    const double d = (measured - predicted) / predicted * 100.0;
    return fmt::format(" ({}{} %)", d >= 0 ? "+" : "", sig3(d));
}

std::string param_cell(const EpochParam& p) {
    return std::isnan(p.number) ? std::string(p.text) : sig3(p.number);
}

struct EpochLine {
    std::string label;
    double duration_s, energy_j, co2_kg;
    std::optional<double> items;
    std::string params_json, epoch_text;
};

void epoch_table(std::string& out, const RunSummary& s) {
    std::vector<EpochLine> lines;
    double d = 0, e = 0, c = 0, items = 0;
    for (const Result& r : s.epochs) {
        lines.push_back({std::to_string(r.epoch_number), r.duration_s, facility_j(r), r.co2_kg, r.work.items,
                         r.epoch_params_json, r.epoch});
        d += r.duration_s;
        e += facility_j(r);
        c += r.co2_kg;
        items += r.work.items.value_or(0);
    }
    const Result& t = s.total;
    if (t.duration_s - d >= 0.0005) {  // the part after the last mark
        std::optional<double> rest;
        if (t.work.items && *t.work.items - items > 0) rest = *t.work.items - items;
        lines.push_back({fmt::format("{} (partial)", s.epochs.size() + 1), t.duration_s - d,
                         std::max(0.0, facility_j(t) - e), std::max(0.0, t.co2_kg - c), rest, "", ""});
    }
    // The user's metrics: every parameter key, in the order first seen, but the epoch number.
    std::vector<std::string> keys;
    std::vector<EpochParam> params;
    for (const EpochLine& l : lines) {
        epoch_params(l.params_json, l.epoch_text, params);
        for (const EpochParam& p : params)
            if (p.key != "epoch" && p.key != "partial" &&
                std::find(keys.begin(), keys.end(), std::string(p.key)) == keys.end())
                keys.emplace_back(p.key);
    }
    const bool per_item = std::any_of(lines.begin(), lines.end(), [](const EpochLine& l) { return l.items; });
    std::vector<std::string> header{"epoch", "duration", "energy", "CO2e"};
    header.insert(header.end(), keys.begin(), keys.end());
    if (per_item) header.emplace_back("energy/item");
    std::vector<bool> right(header.size(), true);
    right[0] = false;
    TextTable table(header, right);
    for (const EpochLine& l : lines) {
        std::vector<std::string> row{l.label, format_duration(l.duration_s), format_energy(l.energy_j),
                                     format_co2(l.co2_kg)};
        epoch_params(l.params_json, l.epoch_text, params);
        for (const std::string& k : keys) {
            auto it = std::find_if(params.begin(), params.end(), [&](const EpochParam& p) { return p.key == k; });
            row.push_back(it == params.end() ? "-" : param_cell(*it));
        }
        if (per_item)
            row.push_back(l.items && *l.items > 0 ? format_energy(l.energy_j / *l.items) : std::string("-"));
        table.add(std::move(row));
    }
    out += "  epochs\n";
    out += table.str("    ");
}

void prediction_lines(std::string& out, const RunSummary& s) {
    const Prediction& p = *s.total.prediction;
    out += fmt::format("  predicted  after {} of {} epochs: {}, {}, {} CO2e\n", p.after_epochs, p.total_epochs,
                       format_duration(p.duration_s), format_energy(p.energy_kwh * 3.6e6), format_co2(p.co2_kg));
    const auto measured = static_cast<int>(s.epochs.size());
    if (measured != p.total_epochs) {
        out += fmt::format("  measured   {} of {} epochs: the training did not run as declared, no comparison\n",
                           measured, p.total_epochs);
        return;
    }
    const Result& t = s.total;
    out += fmt::format("  measured   {} epochs: {}{}, {}{}, {}{} CO2e\n", measured, format_duration(t.duration_s),
                       percent_diff(t.duration_s, p.duration_s), format_energy(facility_j(t)),
                       percent_diff(facility_j(t), p.energy_kwh * 3.6e6), format_co2(t.co2_kg),
                       percent_diff(t.co2_kg, p.co2_kg));
}

}  // namespace

std::string_view estimated_label(const Result& r) noexcept {
    bool measured = false, modelled = false;
    for (const ComponentEnergy* e : {&r.cpu, &r.gpu, &r.ram}) {
        if (e->joules <= 0) continue;
        (e->estimated ? modelled : measured) = true;
    }
    if (modelled) return measured ? "partly estimated" : "estimated";
    return "";
}

std::string ending_text(const Result& r, int signal) {
    if (signal > 0) {
        const char* abbrev = ::sigabbrev_np(signal);
        return abbrev ? fmt::format("the command was killed by SIG{}", abbrev)
                      : fmt::format("the command was killed by signal {}", signal);
    }
    if (r.status == RunStatus::budget_stopped) return "stopped by the budget";
    if (r.status == RunStatus::interrupted) return "interrupted";
    if (r.exit_code && *r.exit_code != 0) return fmt::format("the command exited with status {}", *r.exit_code);
    return "done";
}

std::string format_summary(const RunSummary& s) {
    const Result& r = s.total;
    std::string out = fmt::format("eco2: {} after {}\n", ending_text(r, s.signal), format_duration(r.duration_s));
    if (out.starts_with("eco2: done after")) out = fmt::format("eco2: done in {}\n", format_duration(r.duration_s));
    const std::string_view label = estimated_label(r);
    const std::string est = label.empty() ? "" : fmt::format(" ({})", label);
    out += fmt::format("  energy   {}{}{}\n", format_energy(facility_j(r)), est,
                       r.pue != 1.0 ? fmt::format(", IT energy x PUE {:g}", r.pue) : "");
    out += fmt::format("  CO2e     {}{} at {}, {}\n", format_co2(r.co2_kg), est, format_intensity(r.intensity_g_per_kwh),
                       r.region);
    if (r.cost) out += fmt::format("  cost     {} {}\n", sig3(*r.cost), r.currency);
    if (std::string eq = format_equivalents(r.co2_kg); !eq.empty()) out += fmt::format("  equals   {}\n", eq);
    // One line per component: its energy, right-aligned, and where it comes from.
    const std::pair<const char*, const ComponentEnergy*> parts[] = {{"cpu", &r.cpu}, {"gpu", &r.gpu}, {"ram", &r.ram}};
    std::size_t width = 0;
    for (const auto& [name, e] : parts) width = std::max(width, text_width(format_energy(e->joules)));
    for (const auto& [name, e] : parts) {
        const std::string energy = format_energy(e->joules);
        out += fmt::format("  {:<8} {}{}  {}{}\n", name, std::string(width - text_width(energy), ' '), energy,
                           short_source(*e), e->estimated ? " (estimated)" : "");
    }
    // The default says so briefly; the record keeps the whole reason (time zone...) in location_source.
    const bool world_default = r.location_source.starts_with("default: world average");
    out += fmt::format("  carbon   {}\n", world_default ? std::string("world average: no region set") : r.location_source);
    if (!s.epochs.empty()) epoch_table(out, s);
    if (r.prediction) prediction_lines(out, s);
    if (!s.record.empty()) out += fmt::format("  record   {} (run {})\n", s.record, r.id);
    if (!s.series.empty()) out += fmt::format("  series   {}\n", s.series);
    for (const auto& w : r.warnings) out += fmt::format("eco2: warning: {}\n", w);
    return out;
}

std::string format_summary(const Result& r, const std::string& record, const std::string& series) {
    return format_summary(RunSummary{r, {}, record, series, 0});
}

}  // namespace eco2::detail
