#include "report/summary.hpp"

#include <fmt/format.h>

#include "report/equivalents.hpp"

namespace eco2::detail {

std::string format_summary(const Result& r, const std::string& record, const std::string& series) {
    std::string out = fmt::format("eco2: {} in {:.3f} s", r.status == RunStatus::completed ? "done" : to_string(r.status),
                                  r.duration_s);
    if (r.exit_code) out += fmt::format(", exit code {}", *r.exit_code);
    out += '\n';
    out += fmt::format("  energy  {:.6g} kWh{}{} -> {:.6g} kg CO2{}\n", r.energy_kwh(),
                       r.pue != 1.0 ? fmt::format(" (IT energy x PUE {:g})", r.pue) : "",
                       r.estimated() ? " (partly estimated)" : "", r.co2_kg, r.estimated() ? " (estimated)" : "");
    // The default says so briefly; the record keeps the whole reason (time zone...) in location_source.
    const bool world_default = r.location_source.starts_with("default: world average");
    out += fmt::format("  carbon  {:.6g} gCO2/kWh, {} ({})\n", r.intensity_g_per_kwh, r.region,
                       world_default ? std::string("world average: no region set") : r.location_source);
    if (r.cost) out += fmt::format("  cost    {:.6g} {}\n", *r.cost, r.currency);
    out += fmt::format("  equals  {}\n", format_equivalents(r.co2_kg));
    auto line = [&](const char* name, const ComponentEnergy& e) {
        out += fmt::format("  {:<6}  {:.6g} kWh{}  {}\n", name, e.kwh(), e.estimated ? " (estimated)" : "", e.source);
    };
    line("cpu", r.cpu);
    line("gpu", r.gpu);
    line("ram", r.ram);
    if (!record.empty()) out += fmt::format("  record  {} (run {})\n", record, r.id);
    if (!series.empty()) out += fmt::format("  series  {}\n", series);
    for (const auto& w : r.warnings) out += fmt::format("eco2: warning: {}\n", w);
    return out;
}

}  // namespace eco2::detail
