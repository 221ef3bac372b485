#include "shared_options.hpp"

#include <fmt/format.h>

#include "option_checks.hpp"

namespace eco2::cli::shared {
namespace {

const OptionRow SCOPE[] = {
    {"--scope", "ECO2_SCOPE", "scope", Kind::text,
     "process: the command's process tree (default); machine: the whole machine",
     [](CLI::App& a, const OptionRow& r, const std::string& h, Options& o) {
         return a.add_option_function<std::string>(
             r.flags, [&o](const std::string& v) { o.scope = parse_scope(v); }, h);
     },
     [] { return CLI::Validator(CLI::IsMember({"process", "machine"})); }},
};

const OptionRow PUE[] = {
    {"--pue", "ECO2_PUE", "pue", Kind::number, "power usage effectiveness of the data centre (>= 1)",
     bind<&Options::pue>, [] { return checks::number(1.0, 10.0, false, false); }},
};

const OptionRow OTLP[] = {
    {"--otlp", "ECO2_OTLP", "otlp", Kind::text,
     "OpenTelemetry collector URL: push OTLP/HTTP JSON metrics to it, e.g. http://127.0.0.1:4318",
     bind<&Options::otlp_url>, checks::url},
};

const OptionRow CPU[] = {
    {"--cpu-tdp", "ECO2_CPU_TDP", "cpu_tdp", Kind::number,
     "CPU power for the TDP model when RAPL is not readable, W for all sockets (on a VM: your vCPUs' share)",
     bind<&Options::cpu_tdp>, [] { return checks::number(0.1, 100000.0, false, false); }},
    {"--cpu-name", "ECO2_CPU_NAME", "cpu_name", Kind::text,
     "CPU model to look up in eco2's TDP table instead of /proc/cpuinfo's (EPYC 7763, Xeon Gold 6248)",
     bind<&Options::cpu_name>},
};

const OptionRow FORMAT[] = {
    {"--format", nullptr, nullptr, Kind::text, "table or json", bind<&Options::format>, checks::table_or_json},
};

const OptionRow REGION[] = {
    {"--region", "ECO2_REGION", "region", Kind::text,
     "electricity zone: zone key, ISO country or subdivision code, name or cloud region (FR, US-CAL-CISO, "
     "AU-NSW, France, us-east-1, westeurope); default: from the time zone",
     bind<&Options::region>},
};

const OptionRow ZONE[] = {
    {"--cloud", "ECO2_CLOUD", "cloud", Kind::text,
     "cloud provider of --region (or of the regions query): aws, gcp or azure, e.g. --cloud aws --region "
     "us-east-1 (plain cloud region names work too)",
     bind<&Options::cloud>, [] { return CLI::Validator(CLI::IsMember({"aws", "gcp", "azure"})); }},
    {"--year", "ECO2_YEAR", "year", Kind::integer, "year of the zone's intensity (default: latest)",
     bind<&Options::year>, checks::int_range<1900, 2200>},
    {"--marginal", "ECO2_MARGINAL", "marginal", Kind::boolean,
     "use the marginal intensity (country level) instead of the average", bind<&Options::marginal>},
};

const OptionRow INTENSITY[] = {
    {"--intensity", "ECO2_INTENSITY", "intensity", Kind::number,
     "carbon intensity, gCO2/kWh: overrides the region's value", bind<&Options::intensity>,
     checks::non_negative},
};

const OptionRow SERIES[] = {
    {"--intensity-series", "ECO2_INTENSITY_SERIES", "intensity-series", Kind::path,
     "CSV of timestamp,gCO2/kWh: the intensity changes over the run", bind<&Options::intensity_series>},
};

const OptionRow TABLE[] = {
    {"--intensity-table", "ECO2_INTENSITY_TABLE", "intensity-table", Kind::path,
     "CSV of zone,gCO2/kWh[,year] overriding the built-in values", bind<&Options::intensity_table>},
};

const OptionRow GEOLOCATE[] = {
    {"--geolocate", "ECO2_GEOLOCATE", "geolocate", Kind::boolean,
     "ask an IP geolocation service when no region is set (off by default; sends one request)",
     bind<&Options::geolocate>},
    {"--geolocate-url", "ECO2_GEOLOCATE_URL", "geolocate-url", Kind::text,
     "geolocation service answering JSON with a country code (default https://ipapi.co/json/)",
     bind<&Options::geolocate_url>},
    {"--geolocate-timeout", "ECO2_GEOLOCATE_TIMEOUT", "geolocate-timeout", Kind::number,
     "seconds to wait for the geolocation service (default 2)", bind<&Options::geolocate_timeout>,
     [] { return checks::number(0.05, 30.0, false, false); }},
};

const OptionRow PRICE[] = {
    {"--tariff", "ECO2_TARIFF", "pricing.tariff", Kind::tariff,
     "price per kWh by local time of day, e.g. \"07:00-23:00=0.25,23:00-07:00=0.12\", or one price",
     bind<&Options::tariff>, checks::tariff},
    {"--currency", "ECO2_CURRENCY", "pricing.currency", Kind::text, "currency of the tariff (EUR, USD...)",
     bind<&Options::currency>},
};

}  // namespace

RowGroup scope() {
    return SCOPE;
}
RowGroup pue() {
    return PUE;
}
RowGroup otlp() {
    return OTLP;
}
RowGroup cpu() {
    return CPU;
}
RowGroup format() {
    return FORMAT;
}
RowGroup zone() {
    return ZONE;
}
RowGroup table() {
    return TABLE;
}
RowGroup price() {
    return PRICE;
}

std::vector<RowGroup> location(bool with_series) {
    std::vector<RowGroup> groups = {REGION, ZONE, INTENSITY};
    if (with_series) groups.emplace_back(SERIES);
    groups.insert(groups.end(), {TABLE, GEOLOCATE});
    return groups;
}

std::string check_location(Options& o, std::string_view command) {
    if (!o.cloud.empty()) {
        if (!o.region)
            return "--cloud " + o.cloud + " needs --region NAME (e.g. --cloud aws --region us-east-1)" +
                   help_hint(command);
        const auto qualified = [&](const std::string& v) {
            return v.find(':') == std::string::npos ? o.cloud + ":" + v : v;
        };
        o.region = qualified(*o.region);
        for (Setting& setting : o.given["region"]) setting.value = qualified(setting.value);
    }
    // The value of the intensity: a fixed value and a series given at the same level cannot both win.
    const Setting* fixed = o.setting("intensity");
    const Setting* series = o.setting("intensity-series");
    if (fixed && series && fixed->level == series->level)
        return fmt::format("both --intensity ({}) and --intensity-series ({}) are given: choose one",
                           fixed->origin, series->origin);
    return {};
}

}  // namespace eco2::cli::shared
