#include "carbon_setup.hpp"

#include <fmt/format.h>

#include "carbon/geolocate.hpp"
#include "eco2/error.hpp"

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

bool carbon_needs_checking(const Options& o) {
    return o.given.count("region") > 0 || !o.intensity_table.empty() || !o.intensity_series.empty() ||
           o.year.has_value() || o.marginal || !o.tariff.empty() ||
           o.geolocate;  // a request of up to --geolocate-timeout: before the tracker starts, so no energy is missed
}

CarbonSetup setup_carbon(const Options& o, const CarbonContext& ctx, bool full_chain) {
    CarbonSetup out;
    ZoneDatabase db = ZoneDatabase::builtin();
    if (!o.intensity_table.empty()) db = db.with_user_table(load_user_intensity_table(o.intensity_table));
    const IntensityKind kind = o.marginal ? IntensityKind::marginal : IntensityKind::average;

    const Setting* fixed = o.intensity ? o.setting("intensity") : nullptr;
    const Setting* series = o.intensity_series.empty() ? nullptr : o.setting("intensity-series");
    const bool fixed_wins = fixed && (!series || fixed->level > series->level);
    const bool series_wins = series && !fixed_wins;

    carbon::LocationInputs in;
    in.settings = region_settings(o);
    in.geolocate = o.geolocate;
    in.geolocate_service =
        o.geolocate_url.empty() ? std::string(carbon::DEFAULT_GEOLOCATE_URL) : o.geolocate_url;
    in.geolocator = [&ctx, &in, &o]() {
        if (ctx.geolocate) return ctx.geolocate(in.geolocate_service, o.geolocate_timeout);
        return carbon::geolocate(in.geolocate_service,
                                 std::chrono::milliseconds(static_cast<long>(o.geolocate_timeout * 1000.0)));
    };
    in.use_time_zone = full_chain || !(fixed_wins || series_wins);
    in.time_zone = ctx.time_zone;
    out.location = carbon::resolve_location(in, db);

    if (out.location.zone) {
        try {
            out.zone_value = db.intensity(*out.location.zone, o.year, kind);
        } catch (const Error& e) {
            if (!(fixed_wins || series_wins))
                throw Error(e.code(), fmt::format("{}: {}", out.location.source, e.what()));
        }
    }
    // The region column names the zone when an explicit setting gave one, even when the value comes from
    // elsewhere.
    const bool explicit_zone = out.location.zone && !out.location.guessed;
    if (fixed_wins) {
        const std::string region = explicit_zone ? *out.location.zone : "user-supplied";
        out.value_from = fmt::format("--intensity {:g} gCO2/kWh ({})", *o.intensity, fixed->origin);
        out.intensity = fixed_intensity(*o.intensity, region, out.value_from);
    } else if (series_wins) {
        const std::string region = explicit_zone ? *out.location.zone : "user series";
        out.series = carbon::IntensitySeries::load(o.intensity_series, region);
        out.value_from = fmt::format("{} ({})", out.series->source(), series->origin);
        out.intensity = out.series;
    } else if (out.zone_value) {
        out.value_from = fmt::format("zone {}: {}", out.zone_value->zone, out.zone_value->source);
        out.intensity = fixed_intensity(out.zone_value->g_per_kwh, out.zone_value->zone,
                                        fmt::format("{}; {}", out.location.source, out.zone_value->source));
    } else {
        out.value_from = fmt::format("world average {} gCO2/kWh", WORLD_AVERAGE_G_PER_KWH);
        out.intensity = fixed_intensity(WORLD_AVERAGE_G_PER_KWH, "World", out.location.source);
        out.warnings.push_back(out.location.warning);
    }

    if (!o.tariff.empty()) {
        try {
            out.tariff = carbon::Tariff::parse(o.tariff);
        } catch (const Error& e) {
            throw Error(e.code(), fmt::format("{}: {}", o.origin("tariff"), e.what()));
        }
        out.currency = o.currency;
        out.price = carbon::tariff_price(*out.tariff, o.currency);
    }
    return out;
}

}  // namespace eco2::cli
