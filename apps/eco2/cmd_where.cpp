// `eco2 where`: the zone, carbon intensity and price eco2 would use here, and why: every step of the location
// chain (flag, environment, config files, geolocation, time zone, world average) with what it found.

#include <fmt/format.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "carbon_setup.hpp"
#include "command.hpp"
#include "shared_options.hpp"

namespace eco2::cli {
namespace {

int run(const Options& o) {
    const CarbonSetup c = setup_carbon(o, CarbonContext{}, /*full_chain=*/true);
    const auto now = std::chrono::system_clock::now();
    const double g = c.intensity->at(now);

    if (o.format == "json") {
        nlohmann::json steps = nlohmann::json::array();
        for (const auto& s : c.location.steps)
            steps.push_back({{"step", s.name},
                             {"status", std::string(carbon::to_string(s.status))},
                             {"detail", s.detail}});
        nlohmann::json out{{"zone", c.location.zone ? nlohmann::json(*c.location.zone) : nlohmann::json()},
                           {"region", c.intensity->region()},
                           {"g_co2_per_kwh", g},
                           {"location_source", c.intensity->source()},
                           {"value_from", c.value_from},
                           {"steps", steps},
                           {"warnings", c.warnings}};
        if (c.zone_value)
            out["zone_value"] = {
                {"zone", c.zone_value->zone},
                {"year", c.zone_value->year ? nlohmann::json(*c.zone_value->year) : nlohmann::json()},
                {"g_co2_per_kwh", c.zone_value->g_per_kwh},
                {"source", c.zone_value->source}};
        if (c.tariff)
            out["price"] = {
                {"tariff", c.tariff->describe()}, {"currency", c.currency}, {"now", c.price->at(now)}};
        std::puts(out.dump(2).c_str());
        return 0;
    }

    std::string out = fmt::format("eco2 would use {:g} gCO2/kWh, region {}\n", g, c.intensity->region());
    out += fmt::format("  value from      {}\n", c.value_from);
    out += fmt::format("  location_source {}\n", c.intensity->source());
    if (c.tariff)
        out += fmt::format("  price           {} {}/kWh by local time ({:g} now)\n", c.tariff->describe(),
                           c.currency, c.price->at(now));
    out += "\nlocation, highest precedence first:\n";
    int n = 0;
    for (const auto& s : c.location.steps)
        out += fmt::format("  {}. {:<14} {:<12} {}\n", ++n, s.name, carbon::to_string(s.status), s.detail);
    if (c.location.zone && c.zone_value && c.zone_value->zone != c.intensity->region())
        out += fmt::format("  (the zone's own value would be {:g} gCO2/kWh: {})\n", c.zone_value->g_per_kwh,
                           c.zone_value->source);
    std::fputs(out.c_str(), stdout);
    for (const std::string& w : c.warnings) std::fprintf(stderr, "eco2: warning: %s\n", w.c_str());
    return 0;
}

std::vector<RowGroup> options() {
    std::vector<RowGroup> groups = shared::location(true);
    groups.push_back(shared::price());
    groups.push_back(shared::format());
    return groups;
}

std::string check(Options& o) {
    return shared::check_location(o, "where");
}

}  // namespace

/// `eco2 where`: the zone and intensity eco2 would use, and each step of the resolution; returns 0.
extern const CommandSpec where_command{.name = "where",
                                       .help = "which zone and intensity eco2 would use here, and why",
                                       .options = options,
                                       .check = check,
                                       .run = run};

}  // namespace eco2::cli
