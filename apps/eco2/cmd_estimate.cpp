// `eco2 estimate`: energy, CO2, cost and everyday equivalents of a job before running it, offline.

#include <fmt/format.h>

#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "carbon/accelerators.hpp"
#include "carbon/estimate.hpp"
#include "carbon_request.hpp"
#include "command.hpp"
#include "option_checks.hpp"
#include "shared_options.hpp"
#include "eco2/error.hpp"
#include "report/equivalents.hpp"
#include "report/units.hpp"
#include "sensors/cpu_tdp_table.hpp"
#include "sensors/ram_model_sensor.hpp"

namespace eco2::cli {
namespace {

int minute_of(const std::string& hhmm) {
    return std::stoi(hhmm.substr(0, hhmm.find(':'))) * 60 + std::stoi(hhmm.substr(hhmm.find(':') + 1));
}

int list_accelerators(const Options& o) {
    if (o.format == "json") {
        nlohmann::json list = nlohmann::json::array();
        for (const auto& a : carbon::accelerator_table())
            list.push_back({{"gpu", std::string(a.key)},
                            {"name", std::string(a.name)},
                            {"watts", a.watts},
                            {"source", std::string(a.source)}});
        std::puts(nlohmann::json{{"accelerators", list}}.dump(2).c_str());
        return 0;
    }
    std::string out = fmt::format("{:<15} {:>6}  {}\n", "--gpu", "W", "name; source");
    for (const auto& a : carbon::accelerator_table())
        out += fmt::format("{:<15} {:>6g}  {}; {}\n", a.key, a.watts, a.name, a.source);
    out += "Board power (maximum / TDP) per accelerator; --usage scales it, --gpu-watts W replaces it.\n";
    std::fputs(out.c_str(), stdout);
    return 0;
}

int run(const Options& o) {
    if (o.list) return list_accelerators(o);
    carbon::EstimateInput in;
    std::vector<std::pair<std::string, std::string>> parts;  // what, how (for the table and JSON)

    if (o.energy_kwh) {
        in.energy_kwh = *o.energy_kwh;
    } else {
        in.hours = *o.hours;
        in.usage = o.usage;
        if (!o.gpu.empty() || o.gpu_watts) {
            in.gpus = o.gpus;
            if (o.gpu_watts) {
                in.gpu_watts = *o.gpu_watts;
                parts.emplace_back("gpu", fmt::format("{} x {:g} W (--gpu-watts)", o.gpus, in.gpu_watts));
            } else {
                const auto a = carbon::find_accelerator(o.gpu);
                if (!a) {
                    const auto close = carbon::closest_accelerators(o.gpu);
                    std::vector<std::string> keys;
                    for (const auto& x : carbon::accelerator_table()) keys.emplace_back(x.key);
                    throw Error(Errc::not_found,
                                fmt::format("unknown accelerator \"{}\"{}; known: {} (eco2 estimate --list); "
                                            "or give its power with --gpu-watts W",
                                            o.gpu,
                                            close.empty() ? std::string()
                                                          : fmt::format(" (did you mean {}?)",
                                                                        fmt::join(close, " or ")),
                                            fmt::join(keys, ", ")));
                }
                in.gpu_watts = a->watts;
                parts.emplace_back("gpu",
                                   fmt::format("{} x {} {:g} W ({})", o.gpus, a->name, a->watts, a->source));
            }
        }
        if (!o.cpu.empty()) {
            const auto m = detail::match_cpu_tdp(o.cpu);
            if (!m)
                throw Error(
                    Errc::not_found,
                    fmt::format(
                        "CPU \"{}\" is not in eco2's TDP table: give --cpu-cores N --cpu-watts-per-core W "
                        "instead (e.g. TDP / cores)",
                        o.cpu));
            in.cpu_watts = m->tdp_w * o.cpus;
            parts.emplace_back("cpu",
                               fmt::format("{} x {} TDP {:g} W ({})", o.cpus, m->model, m->tdp_w, m->source));
        } else if (o.cpu_cores > 0) {
            in.cpu_watts = o.cpu_cores * o.cpu_watts_per_core;
            parts.emplace_back("cpu", fmt::format("{} cores x {:g} W", o.cpu_cores, o.cpu_watts_per_core));
        }
        if (o.memory_gb > 0) {
            in.memory_watts = o.memory_gb * detail::RAM_W_PER_GIB;
            parts.emplace_back("memory", fmt::format("{:g} GB x {:g} W/GB (eco2AI's model)", o.memory_gb,
                                                     detail::RAM_W_PER_GIB));
        }
    }
    in.pue = o.pue;
    const carbon::CarbonSetup c = carbon::setup_carbon(carbon_request(o));
    in.g_per_kwh = c.intensity->at(std::chrono::system_clock::now());
    const carbon::Estimate e = carbon::estimate(in);

    std::optional<double> cost, price;
    std::string price_how;
    if (c.tariff) {
        if (o.start.empty() || !o.hours) {
            price = c.tariff->mean_price(0, 24 * 60);
            price_how = "mean over the day";
        } else {
            price = c.tariff->mean_price(minute_of(o.start), std::lround(*o.hours * 60.0));
            price_how = fmt::format("mean from {} for {:g} h", o.start, *o.hours);
        }
        cost = e.kwh * *price;
    }

    if (o.format == "json") {
        nlohmann::json j{
            {"it_kwh", e.it_kwh},
            {"kwh", e.kwh},
            {"pue", in.pue},
            {"co2_kg", e.co2_kg},
            {"g_co2_per_kwh", in.g_per_kwh},
            {"region", c.intensity->region()},
            {"location_source", c.intensity->source()},
            {"parts", {{"gpu_kwh", e.gpu_kwh}, {"cpu_kwh", e.cpu_kwh}, {"memory_kwh", e.memory_kwh}}},
            {"warnings", carbon_warnings(c)}};
        if (!o.energy_kwh) {
            j["hours"] = in.hours;
            j["usage"] = in.usage;
        }
        nlohmann::json how = nlohmann::json::object();
        for (const auto& [what, text] : parts) how[what] = text;
        j["hardware"] = how;
        if (cost)
            j["cost"] = {
                {"amount", *cost}, {"currency", c.currency}, {"price_per_kwh", *price}, {"price", price_how}};
        nlohmann::json eq = nlohmann::json::object();
        for (const auto& x : detail::equivalents(e.co2_kg)) eq[std::string(x.key)] = x.amount;
        j["equivalents"] = eq;
        std::puts(j.dump(2).c_str());
        return 0;
    }

    std::string out = "eco2 estimate (offline; nothing was run)\n";
    for (const auto& [what, text] : parts) out += fmt::format("  {:<7} {}\n", what, text);
    // Readable units for people (report/units.hpp); the JSON form keeps full precision.
    const std::string pue = in.pue != 1.0 ? fmt::format(" x PUE {:g}", in.pue) : "";
    if (o.energy_kwh)
        out += fmt::format("  energy  {} given{}\n", detail::format_energy(e.it_kwh * 3.6e6), pue);
    else
        out += fmt::format("  energy  {} = ({} + {} + {} for gpu + cpu + memory){}; {}, usage {}\n",
                           detail::format_energy(e.kwh * 3.6e6), detail::format_energy(e.gpu_kwh * 3.6e6),
                           detail::format_energy(e.cpu_kwh * 3.6e6), detail::format_energy(e.memory_kwh * 3.6e6), pue,
                           detail::format_duration(in.hours * 3600), fmt::format("{:g}", in.usage));
    out += fmt::format("  CO2e    {}\n", detail::format_co2(e.co2_kg));
    out += fmt::format("  carbon  {}, {} ({})\n", detail::format_intensity(in.g_per_kwh), c.intensity->region(),
                       c.intensity->source());
    if (cost)
        out += fmt::format("  cost    {} {} ({} per kWh, {})\n", detail::sig3(*cost), c.currency, detail::sig3(*price),
                           price_how);
    if (std::string eq = detail::format_equivalents(e.co2_kg); !eq.empty()) out += fmt::format("  equals  {}\n", eq);
    std::fputs(out.c_str(), stdout);
    for (const std::string& w : carbon_warnings(c)) std::fprintf(stderr, "eco2: warning: %s\n", w.c_str());
    return 0;
}

const OptionRow ESTIMATE_ROWS[] = {
    {"--gpu", nullptr, nullptr, Kind::text, "accelerator model (A100-SXM, H100-PCIe, T4, RTX-4090, MI300X...)",
     bind<&Options::gpu>},
    {"--list", nullptr, nullptr, Kind::boolean,
     "list the accelerators --gpu knows, with their board power and its source", bind<&Options::list>},
    {"--gpus", nullptr, nullptr, Kind::integer, "number of accelerators (default 1)", bind<&Options::gpus>,
     checks::int_range<1, 1000000>},
    {"--gpu-watts", nullptr, nullptr, Kind::number, "board power of one accelerator, W (instead of --gpu's)",
     bind<&Options::gpu_watts>, checks::non_negative},
    {"--cpu", nullptr, nullptr, Kind::text, "CPU model, for its TDP (Xeon Gold 6248, EPYC 7763...)",
     bind<&Options::cpu>},
    {"--cpus", nullptr, nullptr, Kind::integer, "number of CPU sockets of --cpu (default 1)",
     bind<&Options::cpus>, checks::int_range<1, 1024>},
    {"--cpu-cores", nullptr, nullptr, Kind::integer, "CPU cores used (with --cpu-watts-per-core)",
     bind<&Options::cpu_cores>, checks::int_range<0, 1000000>},
    {"--cpu-watts-per-core", nullptr, nullptr, Kind::number, "power of one core, W",
     bind<&Options::cpu_watts_per_core>, checks::non_negative},
    {"--memory-gb", nullptr, nullptr, Kind::number, "memory used, GB (0.375 W per GB)",
     bind<&Options::memory_gb>, checks::non_negative},
    {"--hours", nullptr, nullptr, Kind::number, "run time, hours", bind<&Options::hours>, checks::non_negative},
    {"--usage", nullptr, nullptr, Kind::number, "mean fraction of GPU and CPU power drawn, (0, 1] (default 1)",
     bind<&Options::usage>, [] { return checks::number(1e-6, 1.0, false, false); }},
    {"--energy", nullptr, nullptr, Kind::text, "energy instead of hardware x hours: 1.37kWh, 1370Wh, 5MJ",
     [](CLI::App& a, const OptionRow& r, const std::string& h, Options& o) {
         return a.add_option_function<std::string>(
             r.flags, [&o](const std::string& v) { o.energy_kwh = carbon::parse_energy_kwh(v); }, h);
     },
     checks::energy},
    {"--start", nullptr, nullptr, Kind::text,
     "local start time HH:MM, for the cost under a time-of-day tariff (default: the tariff's daily mean)",
     bind<&Options::start>, checks::clock},
};

std::vector<RowGroup> options() {
    std::vector<RowGroup> groups = {shared::pue()};
    for (RowGroup g : shared::location(false)) groups.push_back(g);
    groups.insert(groups.end(), {shared::price(), shared::format(), ESTIMATE_ROWS});
    return groups;
}

void setup(CLI::App& app, Options&) {
    app.footer(
        "Examples:\n"
        "  eco2 estimate --gpu A100-SXM --gpus 8 --hours 24 --usage 0.8 --region FR --pue 1.2\n"
        "  eco2 estimate --cpu-cores 32 --cpu-watts-per-core 10 --memory-gb 256 --hours 5\n"
        "  eco2 estimate --energy 1.37kWh --region RU\n"
        "kWh = (GPU W x GPUs x usage + CPU W x usage + memory W) x hours x PUE / 1000; kg CO2 = kWh x gCO2/kWh "
        "/ 1000.");
}

std::string check(Options& o) {
    if (std::string msg = shared::check_location(o, "estimate"); !msg.empty()) return msg;
    if (o.list) return {};
    const std::string hint = help_hint("estimate");
    const bool hardware = !o.gpu.empty() || o.gpu_watts || !o.cpu.empty() || o.cpu_cores > 0 || o.memory_gb > 0;
    if (o.energy_kwh && (hardware || o.hours))
        return "give either --energy, or the hardware (--gpu, --cpu, --memory-gb...) with --hours" + hint;
    if (!o.energy_kwh && (!hardware || !o.hours))
        return "nothing to estimate: give --energy E, or --hours H with --gpu NAME [--gpus N], --cpu NAME, "
               "--cpu-cores N --cpu-watts-per-core W and/or --memory-gb G" +
               hint;
    if (o.cpu_cores > 0 && !o.cpu.empty())
        return "give --cpu NAME or --cpu-cores N with --cpu-watts-per-core W, not both" + hint;
    if (o.cpu_cores > 0 && o.cpu_watts_per_core <= 0) return "--cpu-cores needs --cpu-watts-per-core W" + hint;
    return {};
}

}  // namespace

/// `eco2 estimate`: energy, CO2, cost and equivalents of a planned job; returns 0.
extern const CommandSpec estimate_command{
    .name = "estimate",
    .help = "estimate the energy, CO2 and cost of a job before running it",
    .options = options,
    .setup = setup,
    .check = check,
    .run = run};

}  // namespace eco2::cli
