#include "carbon/carbon_setup.hpp"

#include <fmt/format.h>

#include "carbon/geolocate.hpp"
#include "eco2/error.hpp"

namespace eco2::carbon {
namespace {

// "us-east-1" with cloud "aws" is "aws:us-east-1"; a region that names its provider stays as it is.
std::vector<RegionSetting> with_cloud(std::vector<RegionSetting> regions, const std::string& cloud) {
    if (cloud.empty()) return regions;
    for (RegionSetting& r : regions)
        if (r.value && r.value->find(':') == std::string::npos) r.value = cloud + ":" + *r.value;
    return regions;
}

}  // namespace

bool needs_checking(const CarbonRequest& r) {
    bool region = false;
    for (const RegionSetting& s : r.regions) region = region || s.value.has_value();
    return region || r.user_table || r.intensity_series || r.year.has_value() ||
           r.kind != IntensityKind::average || r.tariff ||
           r.geolocate;  // a request of up to the timeout: before the work starts, so no energy is missed
}

CarbonSetup world_average_setup(const std::string& why, std::string source) {
    CarbonSetup out;
    out.value_from = fmt::format("world average {} gCO2/kWh", WORLD_AVERAGE_G_PER_KWH);
    out.intensity = world_average_intensity(source.empty() ? world_average_source(why) : std::move(source));
    out.warnings.push_back(
        {fmt::format("{}: world average {} gCO2/kWh used", why, WORLD_AVERAGE_G_PER_KWH), "region", "ZONE"});
    return out;
}

std::string describe(const CarbonWarning& w, const SettingNames& names) {
    const std::string how = w.setting.empty() || !names ? std::string() : names(w.setting, w.value);
    return how.empty() ? w.message : fmt::format("{}; set {}", w.message, how);
}

CarbonSetup setup_carbon(const CarbonRequest& r, const CarbonContext& ctx) {
    ZoneDatabase db = ZoneDatabase::builtin();
    if (r.user_table) db = db.with_user_table(load_user_intensity_table(r.user_table->value));

    LocationInputs in;
    in.settings = with_cloud(r.regions, r.cloud);
    in.geolocate = r.geolocate;
    in.geolocate_service = r.geolocate_url.empty() ? std::string(DEFAULT_GEOLOCATE_URL) : r.geolocate_url;
    in.geolocator = [&ctx, &in, &r]() {
        if (ctx.geolocate) return ctx.geolocate(in.geolocate_service, r.geolocate_timeout_s);
        return geolocate(in.geolocate_service,
                         std::chrono::milliseconds(static_cast<long>(r.geolocate_timeout_s * 1000.0)));
    };
    const bool given = r.intensity || r.intensity_series;
    in.use_time_zone = r.full_chain || !given;
    in.time_zone = ctx.time_zone;
    Location location = resolve_location(in, db);

    std::optional<ZoneIntensity> zone_value;
    if (location.zone) {
        try {
            zone_value = db.intensity(*location.zone, r.year, r.kind);
        } catch (const Error& e) {
            if (!given) throw Error(e.code(), fmt::format("{}: {}", location.source, e.what()));
        }
    }

    CarbonSetup out;
    if (!given && !zone_value) out = world_average_setup("no region known", location.source);
    // The region column names the zone when an explicit setting gave one, even when the value comes from
    // elsewhere.
    const bool explicit_zone = location.zone && !location.guessed;
    if (r.intensity) {
        const std::string region = explicit_zone ? *location.zone : "user-supplied";
        out.value_from = fmt::format("intensity {:g} gCO2/kWh ({})", r.intensity->value, r.intensity->origin);
        out.intensity = fixed_intensity(r.intensity->value, region, out.value_from);
    } else if (r.intensity_series) {
        const std::string region = explicit_zone ? *location.zone : "user series";
        out.series = IntensitySeries::load(r.intensity_series->value, region);
        out.value_from = fmt::format("{} ({})", out.series->source(), r.intensity_series->origin);
        out.intensity = out.series;
    } else if (zone_value) {
        out.value_from = fmt::format("zone {}: {}", zone_value->zone, zone_value->source);
        out.intensity = fixed_intensity(zone_value->g_per_kwh, zone_value->zone,
                                        fmt::format("{}; {}", location.source, zone_value->source));
    }
    out.location = std::move(location);
    out.zone_value = std::move(zone_value);

    if (r.tariff) {
        try {
            out.tariff = Tariff::parse(r.tariff->value);
        } catch (const Error& e) {
            throw Error(e.code(), fmt::format("{}: {}", r.tariff->origin, e.what()));
        }
        out.currency = r.currency;
        out.price = tariff_price(*out.tariff, r.currency);
    }
    return out;
}

}  // namespace eco2::carbon
