#include "carbon/location.hpp"

#include <fmt/format.h>

#include "eco2/carbon.hpp"
#include "eco2/error.hpp"

namespace eco2::carbon {

std::string_view to_string(StepStatus s) noexcept {
    switch (s) {
        case StepStatus::used:
            return "used";
        case StepStatus::not_set:
            return "-";
        case StepStatus::failed:
            return "no zone";
        case StepStatus::off:
            return "off";
        case StepStatus::not_reached:
            return "skipped";
    }
    return "?";
}

namespace {

// A zone from a guess (geolocation, time zone): the sub-national zone if one was pinned, else the country's.
// Returns nullopt and a reason when the database has neither.
std::optional<std::string> zone_for(const ZoneDatabase& db, const std::optional<std::string>& sub_zone,
                                    const std::string& country, std::string& why_not) {
    if (sub_zone) {
        try {
            return db.resolve(*sub_zone).zone->key;
        } catch (const Error&) {
            // fall back to the country
        }
    }
    try {
        return db.resolve(country).zone->key;
    } catch (const Error& e) {
        why_not = e.what();
        return std::nullopt;
    }
}

}  // namespace

Location resolve_location(const LocationInputs& in, const ZoneDatabase& db) {
    Location out;
    bool decided = false;
    const auto add = [&](std::string name, StepStatus status, std::string detail) {
        out.steps.push_back({std::move(name),
                             decided && status != StepStatus::used && status != StepStatus::off
                                 ? StepStatus::not_reached
                                 : status,
                             std::move(detail)});
    };

    for (const RegionSetting& s : in.settings) {
        if (decided) {
            add(s.step, StepStatus::not_reached,
                s.value ? fmt::format("{} (overridden)", *s.value) : s.absent);
            continue;
        }
        if (!s.value) {
            add(s.step, StepStatus::not_set, s.absent);
            continue;
        }
        ZoneMatch m;
        try {
            m = db.resolve(*s.value);
        } catch (const Error& e) {
            throw Error(e.code(), fmt::format("{}: {}", s.origin, e.what()));
        }
        out.zone = m.zone->key;
        out.region_text = *s.value;
        out.source = fmt::format("{} {}", s.origin, *s.value);
        // A cloud region's zone is eco2's reading of where the provider says the region is: the record says
        // why.
        if (m.via.find(" -> zone ") != std::string::npos) out.source += ": " + m.via;
        add(s.step, StepStatus::used,
            fmt::format("{} -> {} ({}){}", *s.value, m.zone->key, m.zone->name,
                        m.via == "zone key" ? std::string() : fmt::format(", {}", m.via)));
        decided = true;
    }

    // Geolocation: asked only when turned on and nothing explicit decided.
    if (!in.geolocate) {
        add("geolocation", StepStatus::off, "off (turned on, it asks an IP geolocation service)");
    } else if (decided || !in.use_time_zone) {
        add("geolocation", StepStatus::not_reached, "not asked");
    } else {
        try {
            const GeoAnswer a = in.geolocator();
            std::string why_not;
            const auto zone = zone_for(db, a.subdivision, a.country, why_not);
            const std::string what =
                fmt::format("{} answered {}{}", a.service, a.country,
                            a.region_name.empty() ? std::string() : ", " + a.region_name);
            if (zone) {
                out.zone = *zone;
                out.region_text = *zone;
                out.source = fmt::format("IP geolocation ({}) -> {}", what, *zone);
                out.guessed = true;
                add("geolocation", StepStatus::used, fmt::format("{} -> {}", what, *zone));
                decided = true;
            } else {
                add("geolocation", StepStatus::failed, fmt::format("{}: {}", what, why_not));
            }
        } catch (const std::exception& e) {
            add("geolocation", StepStatus::failed, fmt::format("failed: {}", e.what()));
        }
    }

    // The system time zone.
    std::string tz_trouble;
    if (decided || !in.use_time_zone) {
        add("time zone", StepStatus::not_reached,
            decided ? "not needed" : "not used (the intensity is given)");
    } else {
        const TimeZoneSetting setting = detect_time_zone(in.time_zone);
        if (!setting.name) {
            tz_trouble = setting.why_not;
            add("time zone", StepStatus::failed, setting.why_not);
        } else {
            std::string why_not;
            const auto place = place_of_time_zone(*setting.name, in.time_zone.zoneinfo, why_not);
            const std::string from = setting.from.starts_with("TZ=") ? "TZ" : setting.from;
            if (!place) {
                tz_trouble = fmt::format("{} ({})", why_not, setting.from);
                add("time zone", StepStatus::failed, tz_trouble);
            } else {
                const auto zone = zone_for(db, place->subdivision.zone, place->country, why_not);
                if (!zone) {
                    tz_trouble = fmt::format("time zone {} ({}) is in {}: {}", *setting.name, from,
                                             place->country, why_not);
                    add("time zone", StepStatus::failed, tz_trouble);
                } else {
                    std::string how = fmt::format("tzdata {}", place->table);
                    if (place->subdivision.zone && *zone == *place->subdivision.zone)
                        how += fmt::format(" \"{}\" -> {} {}", place->comment, *place->subdivision.code,
                                           place->subdivision.name);
                    const std::string link = place->time_zone == *setting.name
                                                 ? std::string()
                                                 : fmt::format(" (= {})", place->time_zone);
                    out.zone = *zone;
                    out.region_text = *zone;
                    out.source =
                        fmt::format("time zone {}{} ({}) -> {} ({})", *setting.name, link, from, *zone, how);
                    out.guessed = true;
                    std::string detail =
                        fmt::format("{}{} from {} -> {} ({})", *setting.name, link, setting.from, *zone, how);
                    if (!place->subdivision.zone && !place->subdivision.note.empty())
                        detail += fmt::format("; the country's zone: {}", place->subdivision.note);
                    add("time zone", StepStatus::used, detail);
                    decided = true;
                }
            }
        }
    }

    if (decided) {
        add("world average", StepStatus::not_reached, "not needed");
        return out;
    }
    if (!in.use_time_zone) {
        add("world average", StepStatus::not_reached, "no region: the intensity is given");
        return out;
    }
    out.source = world_average_source(tz_trouble.empty() ? "no region set" : "no region set; " + tz_trouble);
    add("world average", StepStatus::used,
        fmt::format("{} gCO2/kWh (eco2AI's figure)", WORLD_AVERAGE_G_PER_KWH));
    return out;
}

}  // namespace eco2::carbon
