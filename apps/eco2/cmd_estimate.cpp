// `eco2 estimate`: energy, CO2, cost and everyday equivalents of a job before running it, offline.

#include <fmt/format.h>

#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "carbon/accelerators.hpp"
#include "carbon/estimate.hpp"
#include "carbon_request.hpp"
#include "commands.hpp"
#include "eco2/error.hpp"
#include "report/equivalents.hpp"
#include "sensors/cpu_tdp_table.hpp"
#include "sensors/model_sensors.hpp"

namespace eco2::cli {
namespace {

int minute_of(const std::string& hhmm) {
    return std::stoi(hhmm.substr(0, hhmm.find(':'))) * 60 + std::stoi(hhmm.substr(hhmm.find(':') + 1));
}

}  // namespace

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

int cmd_estimate(const Options& o) {
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
    if (o.energy_kwh)
        out += fmt::format("  energy  {:.6g} kWh given{}\n", e.it_kwh,
                           in.pue != 1.0 ? fmt::format(" x PUE {:g}", in.pue) : "");
    else
        out += fmt::format(
            "  energy  {:.6g} kWh = ({:.6g} + {:.6g} + {:.6g} kWh for gpu + cpu + memory) x PUE {:g}; {:g} "
            "h, usage {:g}\n",
            e.kwh, e.gpu_kwh, e.cpu_kwh, e.memory_kwh, in.pue, in.hours, in.usage);
    out += fmt::format("  CO2     {:.3f} kg CO2 ({:.6g} kg)\n", e.co2_kg, e.co2_kg);
    out += fmt::format("  carbon  {:g} gCO2/kWh, {} ({})\n", in.g_per_kwh, c.intensity->region(),
                       c.intensity->source());
    if (cost)
        out += fmt::format("  cost    {:.4g} {} ({:g} per kWh, {})\n", *cost, c.currency, *price, price_how);
    out += fmt::format("  equals  {}\n", detail::format_equivalents(e.co2_kg));
    std::fputs(out.c_str(), stdout);
    for (const std::string& w : carbon_warnings(c)) std::fprintf(stderr, "eco2: warning: %s\n", w.c_str());
    return 0;
}

}  // namespace eco2::cli
