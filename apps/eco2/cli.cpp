#include "cli.hpp"

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <limits>

#include "carbon/estimate.hpp"
#include "carbon/tariff.hpp"
#include "config/config_file.hpp"
#include "eco2/error.hpp"
#include "eco2/tracker.hpp"
#include "sys/text.hpp"

namespace eco2::cli {
namespace {

// Which commands show an option.
enum : unsigned { RUN = 1u, SENSORS = 2u, WHERE = 4u, ESTIMATE = 8u, REGIONS = 16u, MARK = 32u };
constexpr unsigned LOCATE = RUN | WHERE | ESTIMATE;

// What a value must look like in a config file; paths there are relative to the file's directory.
enum class Kind { text, path, number, integer, boolean, tariff };

struct OptionRow;
using Binder = CLI::Option* (*)(CLI::App&, const OptionRow&, const std::string& help, Options&);

// The option table: one row per option, with its environment variable and config-file key. It drives the
// parser, the --help texts and the fallbacks; a command shows the rows whose `commands` name it.
struct OptionRow {
    const char* flags;  // CLI11 names: "-o,--output"
    const char* env;    // ECO2_* fallback, or nullptr
    const char* key;    // config-file key, or nullptr
    Kind kind;
    unsigned commands;
    const char* help;
    Binder bind;
};

std::string validate_tariff(const std::string& text) {
    try {
        carbon::Tariff::parse(text);
        return {};
    } catch (const Error& e) {
        return e.what();
    }
}

std::string validate_energy(const std::string& text) {
    return carbon::parse_energy_kwh(text)
               ? std::string()
               : "\"" + text + "\" is not an energy: write e.g. 1.37kWh, 1370Wh, 5MJ";
}

std::string validate_clock(const std::string& text) {
    try {
        carbon::Tariff::parse("00:00-" + text + "=0," + text + "-24:00=0");
        return {};
    } catch (const Error&) {
        return "\"" + text + "\" is not a local time HH:MM between 00:00 and 23:59";
    }
}

// Number checks whose messages people can read: "abc" is not a number; -3 is too small: give a number >= 0
// (plain digits: never CLI11's "0 to 1.79769e+308").
namespace num {

std::string plain(double v) {
    if (std::abs(v) < 1e15 && v == std::floor(v)) return fmt::format("{:.0f}", v);
    std::string s = fmt::format("{:.9f}", v);
    s.erase(s.find_last_not_of('0') + 1);
    if (!s.empty() && s.back() == '.') s.pop_back();
    return s;
}

CLI::Validator number(double lo, double hi, bool lo_open, bool integer) {
    std::string want;
    const char* what = integer ? "a whole number" : "a number";
    if (hi < 1e300)
        want = fmt::format("{} from {} to {}", what, plain(lo), plain(hi));
    else
        want = fmt::format("{} {} {}", what, lo_open ? ">" : ">=", plain(lo));
    const std::string desc = hi < 1e300 ? fmt::format("{}..{}", plain(lo), plain(hi))
                                        : fmt::format("{}{}", lo_open ? ">" : ">=", plain(lo));
    return CLI::Validator(
        [=](const std::string& text) -> std::string {
            double v = 0;
            const char* b = text.data();
            const char* e = b + text.size();
            if (b != e && *b == '+') ++b;
            auto [ptr, ec] = std::from_chars(b, e, v);
            if (ec == std::errc::result_out_of_range)
                return fmt::format("{} is too large: give {}", text, want);
            if (ec != std::errc{} || ptr != e || !std::isfinite(v))
                return fmt::format("\"{}\" is not a number: give {}", text, want);
            if (integer && v != std::floor(v))
                return fmt::format("{} is not a whole number: give {}", text, want);
            if (v < lo || (lo_open && v == lo) || v > hi)
                return fmt::format("{} is out of range: give {}", text, want);
            return {};
        },
        desc);
}

constexpr double NO_MAX = std::numeric_limits<double>::max();
CLI::Validator Range(double lo, double hi) {
    return number(lo, hi, false, false);
}
CLI::Validator Range(int lo, int hi) {
    return number(lo, hi, false, true);
}
const CLI::Validator Positive = number(0, NO_MAX, true, false);
const CLI::Validator NonNegative = number(0, NO_MAX, false, false);
const CLI::Validator PositiveInt = number(1, NO_MAX, false, true);
const CLI::Validator NonNegativeInt = number(0, NO_MAX, false, true);

}  // namespace num

const OptionRow OPTIONS[] = {
    // eco2 run: records and sampling
    {"-o,--output", "ECO2_OUTPUT", "output", Kind::text, RUN,
     "CSV file of records, one row per run (created if missing)",
     [](CLI::App& a, const OptionRow& r, const std::string& h, Options& o) {
         return a.add_option(r.flags, o.output, h);
     }},
    {"-p,--project", "ECO2_PROJECT", "project", Kind::text, RUN, "project name (record column project_name)",
     [](CLI::App& a, const OptionRow& r, const std::string& h, Options& o) {
         return a.add_option(r.flags, o.project, h);
     }},
    {"-e,--experiment", "ECO2_EXPERIMENT", "experiment", Kind::text, RUN,
     "experiment description (record column experiment_description)",
     [](CLI::App& a, const OptionRow& r, const std::string& h, Options& o) {
         return a.add_option(r.flags, o.experiment, h);
     }},
    {"--period", "ECO2_PERIOD", "period", Kind::number, RUN, "sampling period in seconds, 0.01..3600",
     [](CLI::App& a, const OptionRow& r, const std::string& h, Options& o) {
         return a.add_option(r.flags, o.period, h)->check(num::Range(0.01, 3600.0));
     }},
    {"--checkpoint", "ECO2_CHECKPOINT", "checkpoint", Kind::number, RUN,
     "seconds between rewrites of the run's row while it runs",
     [](CLI::App& a, const OptionRow& r, const std::string& h, Options& o) {
         return a.add_option(r.flags, o.checkpoint, h)->check(num::Positive);
     }},
    {"--scope", "ECO2_SCOPE", "scope", Kind::text, RUN | SENSORS,
     "process: the command's process tree (default); machine: the whole machine",
     [](CLI::App& a, const OptionRow& r, const std::string& h, Options& o) {
         return a
             .add_option_function<std::string>(
                 r.flags, [&o](const std::string& v) { o.scope = parse_scope(v); }, h)
             ->check(CLI::IsMember({"process", "machine"}));
     }},
    {"--pue", "ECO2_PUE", "pue", Kind::number, RUN | ESTIMATE,
     "power usage effectiveness of the data centre (>= 1)",
     [](CLI::App& a, const OptionRow& r, const std::string& h, Options& o) {
         return a.add_option(r.flags, o.pue, h)->check(num::Range(1.0, 10.0));
     }},
    {"--cpu-tdp", "ECO2_CPU_TDP", "cpu_tdp", Kind::number, RUN | SENSORS,
     "CPU power for the TDP model when RAPL is not readable, W for all sockets (on a VM: your vCPUs' share)",
     [](CLI::App& a, const OptionRow& r, const std::string& h, Options& o) {
         return a
             .add_option_function<double>(
                 r.flags, [&o](const double& v) { o.cpu_tdp = v; }, h)
             ->check(num::Range(0.1, 100000.0));
     }},
    {"--cpu-name", "ECO2_CPU_NAME", "cpu_name", Kind::text, RUN | SENSORS,
     "CPU model to look up in eco2's TDP table instead of /proc/cpuinfo's (EPYC 7763, Xeon Gold 6248)",
     [](CLI::App& a, const OptionRow& r, const std::string& h, Options& o) {
         return a.add_option(r.flags, o.cpu_name, h);
     }},
    {"--no-series", nullptr, "no-series", Kind::boolean, RUN,
     "do not keep the per-sample time series beside the CSV",
     [](CLI::App& a, const OptionRow& r, const std::string& h, Options& o) {
         return a.add_flag_callback(
             r.flags, [&o] { o.series = false; }, h);
     }},
    {"--jsonl", "ECO2_JSONL", "jsonl", Kind::path, RUN, "also write each sample as a JSON line to FILE (appended)",
     [](CLI::App& a, const OptionRow& r, const std::string& h, Options& o) {
         return a.add_option(r.flags, o.jsonl, h);
     }},
    {"-q,--quiet", nullptr, "quiet", Kind::boolean, RUN, "print no summary",
     [](CLI::App& a, const OptionRow& r, const std::string& h, Options& o) {
         return a.add_flag(r.flags, o.quiet, h);
     }},
    {"--cgroup", "ECO2_CGROUP", "cgroup", Kind::text, RUN,
     "auto: run the command in a cgroup of its own where eco2 may create one (exact CPU time); off: /proc "
     "only; or a cgroup v2 directory to create it in",
     [](CLI::App& a, const OptionRow& r, const std::string& h, Options& o) {
         return a.add_option(r.flags, o.cgroup, h);
     }},
    {"--wait-tree", "ECO2_WAIT_TREE", "wait-tree", Kind::boolean, RUN,
     "when the command exits, keep measuring until the processes it left running have exited too (Ctrl-C "
     "stops waiting)",
     [](CLI::App& a, const OptionRow& r, const std::string& h, Options& o) {
         return a.add_flag(r.flags, o.wait_tree, h);
     }},

    // eco2 run: training, prediction and budgets
    {"--epochs", "ECO2_EPOCHS", "epochs", Kind::integer, RUN,
     "epochs the training will run: after --predict-after marked epochs eco2 predicts the total",
     [](CLI::App& a, const OptionRow& r, const std::string& h, Options& o) {
         return a.add_option(r.flags, o.epochs, h)->check(num::NonNegativeInt);
     }},
    {"--predict-after", "ECO2_PREDICT_AFTER", "predict-after", Kind::integer, RUN,
     "epochs to measure before predicting (default 1)",
     [](CLI::App& a, const OptionRow& r, const std::string& h, Options& o) {
         return a.add_option(r.flags, o.predict_after, h)->check(num::PositiveInt);
     }},
    {"--budget-kwh", "ECO2_BUDGET_KWH", "budget-kwh", Kind::number, RUN,
     "energy budget (facility kWh): warn when the prediction or the measurement crosses it",
     [](CLI::App& a, const OptionRow& r, const std::string& h, Options& o) {
         return a
             .add_option_function<double>(
                 r.flags, [&o](const double& v) { o.budget_kwh = v; }, h)
             ->check(num::Positive);
     }},
    {"--budget-kg", "ECO2_BUDGET_KG", "budget-kg", Kind::number, RUN,
     "CO2 budget (kg): warn when the prediction or the measurement crosses it",
     [](CLI::App& a, const OptionRow& r, const std::string& h, Options& o) {
         return a
             .add_option_function<double>(
                 r.flags, [&o](const double& v) { o.budget_kg = v; }, h)
             ->check(num::Positive);
     }},
    {"--stop-on-budget", "ECO2_STOP_ON_BUDGET", "stop-on-budget", Kind::boolean, RUN,
     "when a budget is crossed, send SIGTERM to the command (SIGKILL after --grace seconds)",
     [](CLI::App& a, const OptionRow& r, const std::string& h, Options& o) {
         return a.add_flag(r.flags, o.stop_on_budget, h);
     }},
    {"--grace", "ECO2_GRACE", "grace", Kind::number, RUN,
     "seconds between SIGTERM and SIGKILL of a budget stop",
     [](CLI::App& a, const OptionRow& r, const std::string& h, Options& o) {
         return a.add_option(r.flags, o.grace, h)->check(num::Range(0.0, 3600.0));
     }},
    {"--alpha", "ECO2_ALPHA", "alpha", Kind::number, RUN,
     "exponent of the error rate in the energy-precision ratio M = error^alpha x energy per item",
     [](CLI::App& a, const OptionRow& r, const std::string& h, Options& o) {
         return a.add_option(r.flags, o.alpha, h)->check(num::NonNegative);
     }},

    // eco2 mark
    {"--param", nullptr, nullptr, Kind::text, MARK, "an epoch parameter key=value (repeat for more)",
     [](CLI::App& a, const OptionRow& r, const std::string& h, Options& o) {
         return a.add_option(r.flags, o.mark_params, h);
     }},
    {"--items", nullptr, nullptr, Kind::number, MARK, "work: items processed (samples, tokens, images)",
     [](CLI::App& a, const OptionRow& r, const std::string& h, Options& o) {
         return a
             .add_option_function<double>(
                 r.flags, [&o](const double& v) { o.items = v; }, h)
             ->check(num::NonNegative);
     }},
    {"--error-rate", nullptr, nullptr, Kind::number, MARK, "work: error rate, 0..1",
     [](CLI::App& a, const OptionRow& r, const std::string& h, Options& o) {
         return a
             .add_option_function<double>(
                 r.flags, [&o](const double& v) { o.error_rate = v; }, h)
             ->check(num::Range(0.0, 1.0));
     }},
    {"--flops", nullptr, nullptr, Kind::number, MARK, "work: floating-point operations done",
     [](CLI::App& a, const OptionRow& r, const std::string& h, Options& o) {
         return a
             .add_option_function<double>(
                 r.flags, [&o](const double& v) { o.flops = v; }, h)
             ->check(num::NonNegative);
     }},

    // where the electricity comes from
    {"--region", "ECO2_REGION", "region", Kind::text, LOCATE,
     "electricity zone: zone key, ISO country or subdivision code, name or cloud region (FR, US-CAL-CISO, "
     "AU-NSW, France, us-east-1, westeurope); default: from the time zone",
     [](CLI::App& a, const OptionRow& r, const std::string& h, Options& o) {
         return a.add_option_function<std::string>(
             r.flags, [&o](const std::string& v) { o.region = v; }, h);
     }},
    {"--cloud", "ECO2_CLOUD", "cloud", Kind::text, LOCATE | REGIONS,
     "cloud provider of --region (or of the regions query): aws, gcp or azure, e.g. --cloud aws --region "
     "us-east-1 (plain cloud region names work too)",
     [](CLI::App& a, const OptionRow& r, const std::string& h, Options& o) {
         return a.add_option(r.flags, o.cloud, h)->check(CLI::IsMember({"aws", "gcp", "azure"}));
     }},
    {"--year", "ECO2_YEAR", "year", Kind::integer, LOCATE | REGIONS,
     "year of the zone's intensity (default: latest)",
     [](CLI::App& a, const OptionRow& r, const std::string& h, Options& o) {
         return a
             .add_option_function<int>(
                 r.flags, [&o](const int& v) { o.year = v; }, h)
             ->check(num::Range(1900, 2200));
     }},
    {"--marginal", "ECO2_MARGINAL", "marginal", Kind::boolean, LOCATE | REGIONS,
     "use the marginal intensity (country level) instead of the average",
     [](CLI::App& a, const OptionRow& r, const std::string& h, Options& o) {
         return a.add_flag(r.flags, o.marginal, h);
     }},
    {"--intensity", "ECO2_INTENSITY", "intensity", Kind::number, LOCATE,
     "carbon intensity, gCO2/kWh: overrides the region's value",
     [](CLI::App& a, const OptionRow& r, const std::string& h, Options& o) {
         return a
             .add_option_function<double>(
                 r.flags, [&o](const double& v) { o.intensity = v; }, h)
             ->check(num::NonNegative);
     }},
    {"--intensity-series", "ECO2_INTENSITY_SERIES", "intensity-series", Kind::path, RUN | WHERE,
     "CSV of timestamp,gCO2/kWh: the intensity changes over the run",
     [](CLI::App& a, const OptionRow& r, const std::string& h, Options& o) {
         return a.add_option(r.flags, o.intensity_series, h);
     }},
    {"--intensity-table", "ECO2_INTENSITY_TABLE", "intensity-table", Kind::path, LOCATE | REGIONS,
     "CSV of zone,gCO2/kWh[,year] overriding the built-in values",
     [](CLI::App& a, const OptionRow& r, const std::string& h, Options& o) {
         return a.add_option(r.flags, o.intensity_table, h);
     }},
    {"--geolocate", "ECO2_GEOLOCATE", "geolocate", Kind::boolean, LOCATE,
     "ask an IP geolocation service when no region is set (off by default; sends one request)",
     [](CLI::App& a, const OptionRow& r, const std::string& h, Options& o) {
         return a.add_flag(r.flags, o.geolocate, h);
     }},
    {"--geolocate-url", "ECO2_GEOLOCATE_URL", "geolocate-url", Kind::text, LOCATE,
     "geolocation service answering JSON with a country code (default https://ipapi.co/json/)",
     [](CLI::App& a, const OptionRow& r, const std::string& h, Options& o) {
         return a.add_option(r.flags, o.geolocate_url, h);
     }},
    {"--geolocate-timeout", "ECO2_GEOLOCATE_TIMEOUT", "geolocate-timeout", Kind::number, LOCATE,
     "seconds to wait for the geolocation service (default 2)",
     [](CLI::App& a, const OptionRow& r, const std::string& h, Options& o) {
         return a.add_option(r.flags, o.geolocate_timeout, h)->check(num::Range(0.05, 30.0));
     }},

    // electricity price
    {"--tariff", "ECO2_TARIFF", "pricing.tariff", Kind::tariff, LOCATE,
     "price per kWh by local time of day, e.g. \"07:00-23:00=0.25,23:00-07:00=0.12\", or one price",
     [](CLI::App& a, const OptionRow& r, const std::string& h, Options& o) {
         return a.add_option(r.flags, o.tariff, h)->check(CLI::Validator(validate_tariff, "TARIFF"));
     }},
    {"--currency", "ECO2_CURRENCY", "pricing.currency", Kind::text, LOCATE,
     "currency of the tariff (EUR, USD...)",
     [](CLI::App& a, const OptionRow& r, const std::string& h, Options& o) {
         return a.add_option(r.flags, o.currency, h);
     }},

    // listings
    {"--format", nullptr, nullptr, Kind::text, SENSORS | WHERE | ESTIMATE, "table or json",
     [](CLI::App& a, const OptionRow& r, const std::string& h, Options& o) {
         return a.add_option(r.flags, o.format, h)->check(CLI::IsMember({"table", "json"}));
     }},
    {"--format", nullptr, nullptr, Kind::text, REGIONS, "table, json or csv",
     [](CLI::App& a, const OptionRow& r, const std::string& h, Options& o) {
         return a.add_option(r.flags, o.format, h)->check(CLI::IsMember({"table", "json", "csv"}));
     }},

    // eco2 estimate
    {"--gpu", nullptr, nullptr, Kind::text, ESTIMATE,
     "accelerator model (A100-SXM, H100-PCIe, T4, RTX-4090, MI300X...)",
     [](CLI::App& a, const OptionRow& r, const std::string& h, Options& o) {
         return a.add_option(r.flags, o.gpu, h);
     }},
    {"--list", nullptr, nullptr, Kind::boolean, ESTIMATE,
     "list the accelerators --gpu knows, with their board power and its source",
     [](CLI::App& a, const OptionRow& r, const std::string& h, Options& o) {
         return a.add_flag(r.flags, o.list, h);
     }},
    {"--gpus", nullptr, nullptr, Kind::integer, ESTIMATE, "number of accelerators (default 1)",
     [](CLI::App& a, const OptionRow& r, const std::string& h, Options& o) {
         return a.add_option(r.flags, o.gpus, h)->check(num::Range(1, 1000000));
     }},
    {"--gpu-watts", nullptr, nullptr, Kind::number, ESTIMATE,
     "board power of one accelerator, W (instead of --gpu's)",
     [](CLI::App& a, const OptionRow& r, const std::string& h, Options& o) {
         return a
             .add_option_function<double>(
                 r.flags, [&o](const double& v) { o.gpu_watts = v; }, h)
             ->check(num::NonNegative);
     }},
    {"--cpu", nullptr, nullptr, Kind::text, ESTIMATE, "CPU model, for its TDP (Xeon Gold 6248, EPYC 7763...)",
     [](CLI::App& a, const OptionRow& r, const std::string& h, Options& o) {
         return a.add_option(r.flags, o.cpu, h);
     }},
    {"--cpus", nullptr, nullptr, Kind::integer, ESTIMATE, "number of CPU sockets of --cpu (default 1)",
     [](CLI::App& a, const OptionRow& r, const std::string& h, Options& o) {
         return a.add_option(r.flags, o.cpus, h)->check(num::Range(1, 1024));
     }},
    {"--cpu-cores", nullptr, nullptr, Kind::integer, ESTIMATE, "CPU cores used (with --cpu-watts-per-core)",
     [](CLI::App& a, const OptionRow& r, const std::string& h, Options& o) {
         return a.add_option(r.flags, o.cpu_cores, h)->check(num::Range(0, 1000000));
     }},
    {"--cpu-watts-per-core", nullptr, nullptr, Kind::number, ESTIMATE, "power of one core, W",
     [](CLI::App& a, const OptionRow& r, const std::string& h, Options& o) {
         return a.add_option(r.flags, o.cpu_watts_per_core, h)->check(num::NonNegative);
     }},
    {"--memory-gb", nullptr, nullptr, Kind::number, ESTIMATE, "memory used, GB (0.375 W per GB)",
     [](CLI::App& a, const OptionRow& r, const std::string& h, Options& o) {
         return a.add_option(r.flags, o.memory_gb, h)->check(num::NonNegative);
     }},
    {"--hours", nullptr, nullptr, Kind::number, ESTIMATE, "run time, hours",
     [](CLI::App& a, const OptionRow& r, const std::string& h, Options& o) {
         return a
             .add_option_function<double>(
                 r.flags, [&o](const double& v) { o.hours = v; }, h)
             ->check(num::NonNegative);
     }},
    {"--usage", nullptr, nullptr, Kind::number, ESTIMATE,
     "mean fraction of GPU and CPU power drawn, (0, 1] (default 1)",
     [](CLI::App& a, const OptionRow& r, const std::string& h, Options& o) {
         return a.add_option(r.flags, o.usage, h)->check(num::Range(1e-6, 1.0));
     }},
    {"--energy", nullptr, nullptr, Kind::text, ESTIMATE,
     "energy instead of hardware x hours: 1.37kWh, 1370Wh, 5MJ",
     [](CLI::App& a, const OptionRow& r, const std::string& h, Options& o) {
         return a
             .add_option_function<std::string>(
                 r.flags, [&o](const std::string& v) { o.energy_kwh = carbon::parse_energy_kwh(v); }, h)
             ->check(CLI::Validator(validate_energy, "ENERGY"));
     }},
    {"--start", nullptr, nullptr, Kind::text, ESTIMATE,
     "local start time HH:MM, for the cost under a time-of-day tariff (default: the tariff's daily mean)",
     [](CLI::App& a, const OptionRow& r, const std::string& h, Options& o) {
         return a.add_option(r.flags, o.start, h)->check(CLI::Validator(validate_clock, "HH:MM"));
     }},
};

// "--intensity-series" of "-o,--output" is "output".
std::string long_name(const OptionRow& r) {
    std::string_view f = r.flags;
    const auto at = f.rfind("--");
    return std::string(f.substr(at + 2));
}

std::string help_of(const OptionRow& r) {
    std::string h = r.help;
    if (r.env && r.key)
        h += fmt::format(" [env {}; config {}]", r.env, r.key);
    else if (r.env)
        h += fmt::format(" [env {}]", r.env);
    else if (r.key)
        h += fmt::format(" [config {}]", r.key);
    return h;
}


const OptionRow* row_for_key(std::string_view key) {
    for (const OptionRow& r : OPTIONS)
        if (r.key && key == r.key) return &r;
    return nullptr;
}

std::vector<std::string> config_keys() {
    std::vector<std::string> keys;
    for (const OptionRow& r : OPTIONS)
        if (r.key && std::find(keys.begin(), keys.end(), r.key) == keys.end()) keys.emplace_back(r.key);
    return keys;
}

// Checks a config entry against its row; returns an error message or empty.
std::string check_entry(const config::ConfigFile& file, const config::ConfigEntry& e) {
    const OptionRow* r = row_for_key(e.key);
    if (!r) {
        std::string hint;
        for (const std::string& k : config_keys())
            if (hint.empty() &&
                (sys::edit_distance(k, e.key) <= 2 || e.key.starts_with(k + "_") || e.key.starts_with(k + "-")))
                hint = fmt::format(" (did you mean \"{}\"?)", k);
        return fmt::format("{}: unknown key \"{}\"{}; the keys are: {}", file.where(e), e.key, hint,
                           fmt::join(config_keys(), ", "));
    }
    using T = config::ValueType;
    bool ok = false;
    const char* want = "";
    switch (r->kind) {
        case Kind::text:
        case Kind::path:
            ok = e.type == T::string, want = "a string";
            break;
        case Kind::number:
            ok = e.type == T::integer || e.type == T::floating, want = "a number";
            break;
        case Kind::integer:
            ok = e.type == T::integer, want = "an integer";
            break;
        case Kind::boolean:
            ok = e.type == T::boolean, want = "true or false";
            break;
        case Kind::tariff:
            ok = e.type == T::string || e.type == T::table || e.type == T::integer || e.type == T::floating;
            want =
                "a string such as \"07:00-23:00=0.25,23:00-07:00=0.12\", a table of \"HH:MM-HH:MM\" = price, "
                "or "
                "one price";
            break;
    }
    if (!ok)
        return fmt::format("{}: {} must be {}, not {}", file.where(e), e.key, want,
                           config::to_string(e.type));
    return {};
}

constexpr const char* RUN_FOOTER =
    "Usage: eco2 run [OPTIONS] -- COMMAND [ARGS...]\n"
    "Examples:\n"
    "  eco2 run -- python3 train.py --epochs 10\n"
    "  eco2 run --region FR --project resnet -o runs.csv -- ./train.sh\n"
    "  eco2 run --intensity-series grid.csv --tariff \"07:00-23:00=0.25,23:00-07:00=0.12\" --currency EUR -- "
    "./train.sh\n"
    "eco2 returns the command's exit status (128+N when a signal N killed it).\n"
    "Options also come from ECO2_* variables, ./eco2.toml and ~/.config/eco2/config.toml (keys in "
    "[brackets]).";

constexpr const char* ESTIMATE_FOOTER =
    "Examples:\n"
    "  eco2 estimate --gpu A100-SXM --gpus 8 --hours 24 --usage 0.8 --region FR --pue 1.2\n"
    "  eco2 estimate --cpu-cores 32 --cpu-watts-per-core 10 --memory-gb 256 --hours 5\n"
    "  eco2 estimate --energy 1.37kWh --region RU\n"
    "kWh = (GPU W x GPUs x usage + CPU W x usage + memory W) x hours x PUE / 1000; kg CO2 = kWh x gCO2/kWh / "
    "1000.";

constexpr const char* MARK_FOOTER =
    "Writes one line to the control channel ($ECO2_CONTROL) of the eco2 run this command runs under.\n"
    "Examples:\n"
    "  eco2 mark epoch --param loss=0.31 --param accuracy=0.92\n"
    "  eco2 mark work --items 60000 --error-rate 0.08\n"
    "Any language can write the same line itself: echo 'epoch loss=0.31' > \"$ECO2_CONTROL\"";

struct Sub {
    Command command;
    unsigned bit;
    CLI::App* app;
    std::vector<std::pair<const OptionRow*, CLI::Option*>> options;
};

// The candidate closest to word (edit distance at most a third of its length, at least 1; a candidate that
// starts with the word wins), or empty.
std::string nearest(std::string_view word, const std::vector<std::string>& candidates) {
    std::string best;
    std::size_t best_d = std::max<std::size_t>(1, word.size() / 3) + 1;
    for (const std::string& c : candidates) {
        std::size_t d = sys::edit_distance(word, c);
        if (word.size() >= 3 && c.starts_with(word)) d = std::min<std::size_t>(d, 1);
        if (d < best_d) best_d = d, best = c;
    }
    return best;
}

// "unknown option '--regoin': did you mean '--region'?" for the first argument that no option of the command
// has; empty when every option-like argument is known.
std::string unknown_option(const Sub& sub, const std::vector<std::string>& args) {
    std::vector<std::string> names = {"--help"};
    for (const auto& [row, opt] : sub.options) {
        (void)opt;
        names.push_back("--" + long_name(*row));
    }
    for (const std::string& a : args) {
        if (a.size() < 2 || a[0] != '-' ||
            (a.size() > 1 && (std::isdigit(static_cast<unsigned char>(a[1])) || a[1] == '.')))
            continue;
        const std::string name = a.substr(0, a.find('='));
        bool known = std::find(names.begin(), names.end(), name) != names.end();
        for (const auto& [row, opt] : sub.options) {
            (void)row;
            known = known || opt->check_name(name);
        }
        if (known) continue;
        const std::string near = nearest(name, names);
        return fmt::format("unknown option '{}'{} (see 'eco2 {} --help')", name,
                           near.empty() ? std::string() : fmt::format(": did you mean '{}'?", near),
                           sub.app->get_name());
    }
    return {};
}

std::string join_results(const CLI::Option* opt) {
    std::string out;
    for (const std::string& s : opt->results()) out += out.empty() ? s : "," + s;
    return out;
}

}  // namespace

const Setting* Options::setting(std::string_view name) const {
    auto it = given.find(std::string(name));
    return it == given.end() || it->second.empty() ? nullptr : &it->second.front();
}

std::string Options::origin(std::string_view name) const {
    const Setting* s = setting(name);
    return s ? s->origin : "default";
}

std::string Options::cpu_origin() const {
    const char* name = cpu_tdp ? "cpu-tdp" : "cpu-name";
    const Setting* s = setting(name);
    if (!s) return "";
    switch (s->level) {
        case Level::flag:
            return std::string("--") + name;
        case Level::environment:
            return cpu_tdp ? "ECO2_CPU_TDP" : "ECO2_CPU_NAME";
        default:
            return fmt::format("config {} ({})", cpu_tdp ? "cpu_tdp" : "cpu_name", s->origin);
    }
}

void Options::apply_cpu(TrackerConfig& config) const {
    config.cpu_tdp_w = cpu_tdp;
    config.cpu_name = cpu_name;
    config.cpu_tdp_origin = cpu_origin();
}

std::vector<ConfigSource> config_locations(const std::map<std::string, std::string>& environment) {
    std::vector<ConfigSource> out;
    out.push_back({config::LOCAL_CONFIG_NAME, std::nullopt, Level::local_config});
    const auto user = config::user_config_path(environment);
    if (!user.empty()) out.push_back({user.string(), std::nullopt, Level::user_config});
    return out;
}

Parsed parse(const std::vector<std::string>& args_in, const Inputs& inputs) {
    Parsed p;
    Options& o = p.options;
    const auto fail = [&](std::string message) {
        p.error = std::move(message);
        p.exit_code = 2;
        return p;
    };

    // Everything after the first "--" is the command, untouched by the parser.
    std::vector<std::string> args = args_in;
    std::vector<std::string> command;
    bool had_separator = false;
    for (std::size_t i = 0; i < args.size(); ++i) {
        if (args[i] == "--") {
            command.assign(args.begin() + static_cast<long>(i) + 1, args.end());
            args.resize(i);
            had_separator = true;
            break;
        }
    }

    CLI::App app{"eco2: energy and CO2 of a command, a process tree or the machine", "eco2"};
    app.set_version_flag("--version", std::string("eco2 ") + std::string(eco2::version()));
    app.require_subcommand(0, 1);
    app.footer("Run 'eco2 <command> --help' for a command's options.");

    std::vector<Sub> subs;
    subs.push_back(
        {Command::run, RUN, app.add_subcommand("run", "run a command and record its energy and CO2"), {}});
    subs.push_back(
        {Command::sensors,
         SENSORS,
         app.add_subcommand("sensors", "list every measurement back end, its status, reason and fix"),
         {}});
    subs.push_back(
        {Command::regions,
         REGIONS,
         app.add_subcommand("regions", "search the electricity zones and their carbon intensity by year"),
         {}});
    subs.push_back({Command::where,
                    WHERE,
                    app.add_subcommand("where", "which zone and intensity eco2 would use here, and why"),
                    {}});
    subs.push_back(
        {Command::estimate,
         ESTIMATE,
         app.add_subcommand("estimate", "estimate the energy, CO2 and cost of a job before running it"),
         {}});
    subs.push_back({Command::mark, MARK,
                    app.add_subcommand("mark", "mark an epoch or report work, from inside a command run by eco2 run"),
                    {}});
    CLI::App* version = app.add_subcommand("version", "print eco2's version");
    // Only the named command gets its options: building every command's (about 50 each) cost every start
    // about 1 M instructions. `eco2 --help` lists the commands, not their options, so nothing else needs them.
    const std::string named = args.empty() ? std::string() : args.front();
    // An unknown command: say the nearest one rather than CLI11's "arguments were not expected".
    if (!named.empty() && named[0] != '-' && named != "version" &&
        std::none_of(subs.begin(), subs.end(), [&](const Sub& s) { return s.app->get_name() == named; })) {
        std::vector<std::string> commands = {"version"};
        for (const Sub& s : subs) commands.push_back(s.app->get_name());
        const std::string near = nearest(named, commands);
        return fail(fmt::format("unknown command '{}'{}; the commands are: {} (see 'eco2 --help')", named,
                                near.empty() ? std::string() : fmt::format(": did you mean 'eco2 {}'?", near),
                                fmt::join(commands.begin() + 1, commands.end(), ", ")));
    }
    for (Sub& s : subs)
        if (s.app->get_name() == named)
            for (const OptionRow& r : OPTIONS)
                if (r.commands & s.bit) s.options.emplace_back(&r, r.bind(*s.app, r, help_of(r), o));

    CLI::App* run = subs[0].app;
    run->prefix_command();  // without "--", the first word that is not an option starts the command
    run->footer(RUN_FOOTER);
    subs[2].app->add_option(
        "query", o.query, "zone key, ISO code or name (FR, FRA, 250, France, US-CA); all zones if left out");
    subs[4].app->footer(ESTIMATE_FOOTER);
    subs[5].app->add_option("kind", o.mark_kind, "epoch (close an epoch) or work (report work done)")
        ->required()
        ->check(CLI::IsMember({"epoch", "work"}));
    subs[5].app->footer(MARK_FOOTER);

    const auto active = [&]() -> Sub* {
        for (Sub& s : subs)
            if (app.got_subcommand(s.app)) return &s;
        return nullptr;
    };

    std::vector<std::string> reversed(args.rbegin(), args.rend());
    try {
        app.parse(reversed);
    } catch (const CLI::CallForHelp&) {
        Sub* s = active();
        p.message = s ? s->app->help() : app.help();
        return p;
    } catch (const CLI::CallForVersion& e) {
        p.message = e.what();
        return p;
    } catch (const CLI::ParseError& e) {
        Sub* s = active();
        if (s && dynamic_cast<const CLI::ExtrasError*>(&e) != nullptr)
            if (std::string msg = unknown_option(*s, std::vector<std::string>(args.begin() + 1, args.end()));
                !msg.empty())
                return fail(msg);
        if (!s && !named.empty() && named[0] == '-') {
            const std::string near = nearest(named.substr(0, named.find('=')), {"--help", "--version"});
            return fail(
                fmt::format("unknown option '{}'{}; eco2's own options are --help and --version, each "
                            "command has its own (eco2 COMMAND --help)",
                            named, near.empty() ? std::string() : fmt::format(": did you mean '{}'?", near)));
        }
        return fail(fmt::format("{}\n  see '{}' for the options", e.what(),
                                s ? "eco2 " + s->app->get_name() + " --help" : std::string("eco2 --help")));
    }

    if (app.got_subcommand(version)) {
        p.command = Command::version;
        p.message = std::string("eco2 ") + std::string(eco2::version());
        return p;
    }
    Sub* sub = active();
    if (!sub) {
        if (args.empty() && !had_separator)
            return fail("no command given: try 'eco2 run -- COMMAND' (see 'eco2 --help')");
        p.message = app.help();
        return p;
    }
    p.command = sub->command;
    const std::string help_hint =
        fmt::format("\n  see 'eco2 {} --help' for the options", sub->app->get_name());

    // Config files, highest precedence first; every key of every file must be known and well typed.
    std::vector<ConfigSource> sources = inputs.config_files;
    std::stable_sort(sources.begin(), sources.end(),
                     [](const ConfigSource& a, const ConfigSource& b) { return a.level > b.level; });
    o.config_files = sources;
    std::vector<std::pair<config::ConfigFile, Level>> files;
    for (const ConfigSource& src : sources) {
        if (!src.text) continue;
        try {
            files.emplace_back(config::parse_config(*src.text, src.path, {"pricing.tariff"}), src.level);
        } catch (const Error& e) {
            return fail(e.what());
        }
        for (const config::ConfigEntry& e : files.back().first.entries)
            if (std::string msg = check_entry(files.back().first, e); !msg.empty()) return fail(msg);
    }

    // Fallbacks for the options not given as flags: environment, then ./eco2.toml, then the user's file.
    for (auto& [row, opt] : sub->options) {
        const std::string name = long_name(*row);
        std::vector<Setting> all;
        if (opt->count() > 0) all.push_back({join_results(opt), "flag --" + name, Level::flag});
        if (row->env)
            if (auto it = inputs.environment.find(row->env);
                it != inputs.environment.end() && !it->second.empty())
                all.push_back({it->second, fmt::format("environment {}", row->env), Level::environment});
        if (row->key) {
            for (const auto& [file, level] : files) {
                for (const config::ConfigEntry& e : file.entries) {
                    if (e.key != row->key) continue;
                    std::string value = e.text;
                    if (row->kind == Kind::path && !value.empty() &&
                        std::filesystem::path(value).is_relative())
                        value = (std::filesystem::path(file.path).parent_path() / value)
                                    .lexically_normal()
                                    .string();
                    all.push_back({value, file.where(e), level});
                }
            }
        }
        if (all.empty()) continue;
        o.given[name] = all;
        if (opt->count() > 0) continue;
        const Setting& use = all.front();
        try {
            opt->add_result(use.value);
            opt->run_callback();
        } catch (const CLI::ParseError& e) {
            const std::string what =
                use.level == Level::environment ? fmt::format("{}={}", row->env, use.value) : use.origin;
            return fail(fmt::format("{}: {}{}", what, e.what(), help_hint));
        }
    }

    // --cloud aws --region us-east-1 is the region "aws:us-east-1", wherever each was given.
    if (!o.cloud.empty()) {
        const auto qualified = [&](const std::string& v) {
            return v.find(':') == std::string::npos ? o.cloud + ":" + v : v;
        };
        if (sub->command == Command::regions) {
            if (o.query.empty())
                return fail(
                    "--cloud needs a region name to look up, e.g. 'eco2 regions --cloud aws us-east-1'");
            o.query = qualified(o.query);
        } else if (!o.region) {
            return fail("--cloud " + o.cloud + " needs --region NAME (e.g. --cloud aws --region us-east-1)" +
                        help_hint);
        } else {
            o.region = qualified(*o.region);
            for (Setting& setting : o.given["region"]) setting.value = qualified(setting.value);
        }
    }

    // The value of the intensity: a fixed value and a series given at the same level cannot both win.
    const Setting* fixed = o.setting("intensity");
    const Setting* series = o.setting("intensity-series");
    if (fixed && series && fixed->level == series->level)
        return fail(fmt::format("both --intensity ({}) and --intensity-series ({}) are given: choose one",
                                fixed->origin, series->origin));

    if (sub->command == Command::estimate && !o.list) {
        const bool hardware =
            !o.gpu.empty() || o.gpu_watts || !o.cpu.empty() || o.cpu_cores > 0 || o.memory_gb > 0;
        if (o.energy_kwh && (hardware || o.hours))
            return fail("give either --energy, or the hardware (--gpu, --cpu, --memory-gb...) with --hours" +
                        help_hint);
        if (!o.energy_kwh && (!hardware || !o.hours))
            return fail(
                "nothing to estimate: give --energy E, or --hours H with --gpu NAME [--gpus N], --cpu NAME, "
                "--cpu-cores N --cpu-watts-per-core W and/or --memory-gb G" +
                help_hint);
        if (o.cpu_cores > 0 && !o.cpu.empty())
            return fail("give --cpu NAME or --cpu-cores N with --cpu-watts-per-core W, not both" + help_hint);
        if (o.cpu_cores > 0 && o.cpu_watts_per_core <= 0)
            return fail("--cpu-cores needs --cpu-watts-per-core W" + help_hint);
    }

    if (sub->command == Command::mark) {
        const bool work = o.items || o.error_rate || o.flops;
        if (o.mark_kind == "epoch" && work)
            return fail("--items, --error-rate and --flops go with 'eco2 mark work'" + help_hint);
        if (o.mark_kind == "work" && !o.mark_params.empty())
            return fail("--param goes with 'eco2 mark epoch'" + help_hint);
        if (o.mark_kind == "work" && !work)
            return fail("'eco2 mark work' needs --items, --error-rate or --flops" + help_hint);
    }

    if (sub->command != Command::run) {
        if (had_separator)
            return fail(
                fmt::format("'eco2 {}' runs no command: nothing goes after '--'", sub->app->get_name()));
        return p;
    }
    std::vector<std::string> rest = run->remaining();
    if (had_separator) {
        if (!rest.empty() && rest.front().starts_with("-"))
            if (std::string msg = unknown_option(*sub, {rest.front()}); !msg.empty()) return fail(msg);
        if (!rest.empty())
            return fail("unexpected '" + rest.front() +
                        "' before '--': put eco2's options before '--' and the command after it");
        o.command = std::move(command);
    } else {
        o.command = std::move(rest);
    }
    if (o.command.empty())
        return fail("no command to run: put it after '--', e.g. 'eco2 run -- python3 train.py'");
    if (!o.command.front().empty() && o.command.front()[0] == '-' && !had_separator)
        if (std::string msg = unknown_option(*sub, {o.command.front()}); !msg.empty())
            return fail(msg + "; put the command after '--'");
    if (!o.command.front().empty() && o.command.front()[0] == '-' && !had_separator)
        return fail("unknown option '" + o.command.front() +
                    "' (see 'eco2 run --help'); put the command after '--'");
    return p;
}

}  // namespace eco2::cli
