// `eco2 regions [QUERY]`: the electricity zones of the database, their carbon intensity by year and source.
// A query that names a region (code, alpha-3, numeric code, name) shows what it resolves to, with the zones
// of its country; one that names nothing is an error that suggests the closest names.

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "command.hpp"
#include "shared_options.hpp"
#include "eco2/error.hpp"
#include "eco2/zones.hpp"

namespace eco2::cli {
namespace {

std::string years_text(const ZoneInfo& z, IntensityKind kind) {
    const std::vector<int> years = z.years(kind);
    if (years.empty()) return "-";
    bool consecutive = true;
    for (std::size_t i = 1; i < years.size(); ++i) consecutive = consecutive && years[i] == years[i - 1] + 1;
    if (years.size() == 1) return std::to_string(years.front());
    return consecutive ? fmt::format("{}-{}", years.front(), years.back())
                       : fmt::format("{}", fmt::join(years, " "));
}

// Short dataset name from a value's source string.
std::string dataset(const std::string& source) {
    if (source.starts_with("user table")) return "user table";
    if (source.starts_with("Electricity Maps")) return "Electricity Maps";
    if (source.starts_with("Ember")) return "Ember";
    return source.substr(0, source.find(" ("));
}

std::string csv_field(const std::string& s) {
    if (s.find_first_of(",\"\n") == std::string::npos) return s;
    std::string out = "\"";
    for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
}

int run(const Options& o) {
    ZoneDatabase db = ZoneDatabase::builtin();
    if (!o.intensity_table.empty()) db = db.with_user_table(load_user_intensity_table(o.intensity_table));
    const IntensityKind kind = o.marginal ? IntensityKind::marginal : IntensityKind::average;

    std::optional<ZoneMatch> match;
    std::string resolve_error;
    std::vector<const ZoneInfo*> zones;
    if (o.query.empty()) {
        zones = db.search("");
    } else {
        try {
            match = db.resolve(o.query);
        } catch (const Error& e) {
            resolve_error = e.what();
        }
        std::vector<const ZoneInfo*> found = db.search(o.query);
        const bool country_listing =
            match && !found.empty() && std::find(found.begin(), found.end(), match->zone) != found.end() &&
            std::all_of(found.begin(), found.end(),
                        [&](const ZoneInfo* z) { return z->country == match->zone->country; });
        if (match && !country_listing)
            zones = {match->zone};
        else
            zones = found;
        if (zones.empty()) throw Error(Errc::not_found, resolve_error);
    }

    if (o.format == "json") {
        nlohmann::json list = nlohmann::json::array();
        for (const ZoneInfo* z : zones) {
            nlohmann::json values = nlohmann::json::array();
            for (const ZoneValue& v : z->values) {
                if (o.year && v.year != o.year) continue;
                values.push_back({{"kind", std::string(to_string(v.kind))},
                                  {"year", v.year ? nlohmann::json(*v.year) : nlohmann::json()},
                                  {"g_co2_per_kwh", v.g_per_kwh},
                                  {"source", v.source},
                                  {"user", v.from_user}});
            }
            list.push_back({{"zone", z->key},
                            {"name", z->name},
                            {"display_name", z->display_name},
                            {"country", z->country},
                            {"country_name", z->country_name},
                            {"years", z->years(IntensityKind::average)},
                            {"values", values}});
        }
        nlohmann::json out{{"query", o.query}, {"zones", list}};
        if (match)
            out["resolved"] = {{"zone", match->zone->key}, {"name", match->zone->name}, {"via", match->via}};
        std::puts(out.dump(2).c_str());
        return 0;
    }
    if (o.format == "csv") {
        std::string out = "zone,name,country,kind,year,g_co2_per_kwh,source\n";
        for (const ZoneInfo* z : zones)
            for (const ZoneValue& v : z->values) {
                if (o.year && v.year != o.year) continue;
                out +=
                    fmt::format("{},{},{},{},{},{},{}\n", csv_field(z->key), csv_field(z->name), z->country,
                                to_string(v.kind), v.year ? std::to_string(*v.year) : std::string(),
                                v.g_per_kwh, csv_field(v.source));
            }
        std::fputs(out.c_str(), stdout);
        return 0;
    }

    std::string out;
    if (match)
        out += fmt::format("{} -> {} ({}){}\n\n", o.query, match->zone->key, match->zone->name,
                           match->via == "zone key" ? std::string() : ", " + match->via);
    out += fmt::format("{:<22} {:<7} {:>9} {:<5} {:<10} {:<17} {}\n", "zone", "country", "gCO2/kWh", "year",
                       "years", "data", "name");
    for (const ZoneInfo* z : zones) {
        std::optional<ZoneIntensity> v;
        try {
            v = db.intensity(z->key, o.year, kind);  // the value a run would use
        } catch (const Error&) {
            // no value of this kind or year: shown as "-"
        }
        const std::string name =
            z->display_name.empty() ? z->name : fmt::format("{} ({})", z->name, z->display_name);
        out +=
            fmt::format("{:<22} {:<7} {:>9} {:<5} {:<10} {:<17} {}\n", z->key,
                        z->country.empty() ? "-" : z->country, v ? fmt::format("{:.1f}", v->g_per_kwh) : "-",
                        v && v->year ? std::to_string(*v->year) : std::string("-"), years_text(*z, kind),
                        v ? dataset(v->source) : "-", name);
    }
    out += fmt::format("\n{} zone{}; {} intensity{}. Sources and licences: docs/data.md\n", zones.size(),
                       zones.size() == 1 ? "" : "s", to_string(kind),
                       o.year ? fmt::format(" for {}", *o.year) : std::string(", latest year"));
    std::fputs(out.c_str(), stdout);
    return 0;
}

const OptionRow FORMAT_ROWS[] = {
    {"--format", nullptr, nullptr, Kind::text, "table, json or csv", bind<&Options::format>,
     [] { return CLI::Validator(CLI::IsMember({"table", "json", "csv"})); }},
};

std::vector<RowGroup> options() {
    return {shared::zone(), shared::table(), FORMAT_ROWS};
}

void setup(CLI::App& app, Options& o) {
    app.add_option("query", o.query,
                   "zone key, ISO code or name (FR, FRA, 250, France, US-CA); all zones if left out");
}

// --cloud aws us-east-1 looks up the region "aws:us-east-1".
std::string check(Options& o) {
    if (o.cloud.empty()) return {};
    if (o.query.empty()) return "--cloud needs a region name to look up, e.g. 'eco2 regions --cloud aws us-east-1'";
    if (o.query.find(':') == std::string::npos) o.query = o.cloud + ":" + o.query;
    return {};
}

}  // namespace

/// `eco2 regions [QUERY]`: lists zones and their intensities; 2 when the query names nothing.
extern const CommandSpec regions_command{
    .name = "regions",
    .help = "search the electricity zones and their carbon intensity by year",
    .options = options,
    .setup = setup,
    .check = check,
    .run = run};

}  // namespace eco2::cli
