#include "carbon_request.hpp"

#include <fmt/format.h>

#include "command.hpp"

namespace eco2::cli {
namespace {

// The four places a region may be set explicitly, in precedence order, for the location chain.
std::vector<carbon::RegionSetting> region_settings(const Options& o) {
    std::vector<carbon::RegionSetting> out;
    const auto find = [&](Level level) -> const Setting* {
        auto it = o.given.find("region");
        if (it == o.given.end()) return nullptr;
        for (const Setting& s : it->second)
            if (s.level == level) return &s;
        return nullptr;
    };
    const auto add = [&](std::string step, Level level, std::string absent) {
        carbon::RegionSetting r{std::move(step), std::nullopt, {}, std::move(absent)};
        if (const Setting* s = find(level)) {
            r.value = s->value;
            r.origin = s->origin;
        }
        out.push_back(std::move(r));
    };
    add("--region", Level::flag, "not given");
    add("ECO2_REGION", Level::environment, "not set");
    for (Level level : {Level::local_config, Level::user_config}) {
        const ConfigSource* src = nullptr;
        for (const ConfigSource& c : o.config_files)
            if (c.level == level) src = &c;
        const std::string step = level == Level::local_config ? "./eco2.toml" : "user config";
        if (!src)
            add(step, level, "none (no HOME or XDG_CONFIG_HOME)");
        else
            add(step, level,
                src->text ? fmt::format("no region in {}", src->path) : fmt::format("no {}", src->path));
    }
    return out;
}

}  // namespace

carbon::CarbonRequest carbon_request(const Options& o, bool full_chain) {
    carbon::CarbonRequest r;
    r.regions = region_settings(o);
    // cli.cpp already wrote "--cloud aws --region us-east-1" as the region "aws:us-east-1".
    r.year = o.year;
    r.kind = o.marginal ? IntensityKind::marginal : IntensityKind::average;
    // --intensity and --intensity-series: the one given at the higher level wins (a flag over the environment).
    const Setting* fixed = o.intensity ? o.setting("intensity") : nullptr;
    const Setting* series = o.intensity_series.empty() ? nullptr : o.setting("intensity-series");
    if (fixed && (!series || fixed->level > series->level))
        r.intensity = carbon::Given<double>{*o.intensity, fixed->origin};
    else if (series)
        r.intensity_series = carbon::Given<std::string>{o.intensity_series, series->origin};
    if (!o.intensity_table.empty())
        r.user_table = carbon::Given<std::string>{o.intensity_table, o.origin("intensity-table")};
    if (!o.tariff.empty()) r.tariff = carbon::Given<std::string>{o.tariff, o.origin("tariff")};
    r.currency = o.currency;
    r.geolocate = o.geolocate;
    r.geolocate_url = o.geolocate_url;
    r.geolocate_timeout_s = o.geolocate_timeout;
    r.full_chain = full_chain;
    return r;
}

std::vector<std::string> carbon_warnings(const carbon::CarbonSetup& setup) {
    std::vector<std::string> out;
    // Carbon warnings name only the region (carbon_setup.hpp): the note says where the zones are listed.
    const SettingNames names = [](std::string_view setting, std::string_view value) {
        return option_name_and_fallbacks(setting, value, "`eco2 regions` lists the zones");
    };
    for (const carbon::CarbonWarning& w : setup.warnings) out.push_back(carbon::describe(w, names));
    return out;
}

}  // namespace eco2::cli
