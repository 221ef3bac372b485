#include "carbon/estimate.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>

#include "eco2/error.hpp"

namespace eco2::carbon {

Estimate estimate(const EstimateInput& in) {
    const auto check = [](double v, std::string_view what) {
        if (!std::isfinite(v) || v < 0.0)
            throw Error(Errc::invalid_argument,
                        fmt::format("estimate: {} must be a number >= 0, got {}", what, v));
    };
    check(in.gpu_watts, "GPU power");
    check(in.cpu_watts, "CPU power");
    check(in.memory_watts, "memory power");
    check(in.hours, "hours");
    check(in.g_per_kwh, "carbon intensity");
    if (in.gpus < 0) throw Error(Errc::invalid_argument, "estimate: the number of GPUs must be >= 0");
    if (!(in.usage > 0.0 && in.usage <= 1.0))
        throw Error(Errc::invalid_argument,
                    fmt::format("estimate: usage must be in (0, 1], got {}", in.usage));
    if (!(in.pue >= 1.0 && std::isfinite(in.pue)))
        throw Error(Errc::invalid_argument, fmt::format("estimate: PUE must be >= 1, got {}", in.pue));
    Estimate e;
    if (in.energy_kwh) {
        check(*in.energy_kwh, "energy");
        e.it_kwh = *in.energy_kwh;
    } else {
        e.gpu_kwh = in.gpu_watts * in.gpus * in.usage * in.hours / 1000.0;
        e.cpu_kwh = in.cpu_watts * in.usage * in.hours / 1000.0;
        e.memory_kwh = in.memory_watts * in.hours / 1000.0;
        e.it_kwh = e.gpu_kwh + e.cpu_kwh + e.memory_kwh;
    }
    e.kwh = e.it_kwh * in.pue;
    e.co2_kg = e.kwh * in.g_per_kwh / 1000.0;
    return e;
}

std::optional<double> parse_energy_kwh(std::string_view text) {
    while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
    while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
    double v = 0.0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc{} || p == text.data() || !std::isfinite(v) || v < 0.0) return std::nullopt;
    std::string unit(p, text.data() + text.size());
    while (!unit.empty() && unit.front() == ' ') unit.erase(0, 1);
    const bool mega = !unit.empty() && unit.front() == 'M';  // "mWh" would be milli: not accepted
    for (char& c : unit)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (unit.empty() || unit == "kwh") return v;
    if (unit == "wh") return v / 1000.0;
    if (unit == "mwh" && mega) return v * 1000.0;
    if (unit == "j") return v / 3.6e6;
    if (unit == "kj") return v / 3.6e3;
    if (unit == "mj" && mega) return v / 3.6;
    return std::nullopt;
}

}  // namespace eco2::carbon
