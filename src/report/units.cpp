#include "report/units.hpp"

#include <charconv>
#include <cmath>
#include <span>

#include <fmt/format.h>

namespace eco2::detail {
namespace {

struct Unit {
    double factor;  // of the base unit
    const char* name;
};

constexpr Unit ENERGY[] = {{3.6e9, "MWh"}, {3.6e6, "kWh"}, {3.6e3, "Wh"}, {1.0, "J"}, {1e-3, "mJ"}, {1e-6, "µJ"}};
constexpr Unit MASS[] = {{1e3, "t"}, {1.0, "kg"}, {1e-3, "g"}, {1e-6, "mg"}, {1e-9, "µg"}};
constexpr Unit POWER[] = {{1e6, "MW"}, {1e3, "kW"}, {1.0, "W"}, {1e-3, "mW"}};

// v rounded to three significant digits (through text: exact, and std::from_chars ignores the locale).
double round3(double v) {
    char buf[32];
    const auto r = fmt::format_to_n(buf, sizeof buf, "{:.3g}", v);
    double out = v;
    std::from_chars(buf, r.out, out);
    return out;
}

// The largest unit the value reaches once rounded (999.6 g is 1.00 kg), the smallest below them all; 0 and
// non-finite values in `base`.
std::string scaled(double v, std::span<const Unit> units, const char* base) {
    if (!std::isfinite(v) || v == 0) return fmt::format("{} {}", sig3(v), base);
    const double shown = std::fabs(round3(v));
    for (const Unit& u : units)
        if (shown >= u.factor) return fmt::format("{} {}", sig3(v / u.factor), u.name);
    return fmt::format("{} {}", sig3(v / units.back().factor), units.back().name);
}

}  // namespace

std::string sig3(double v) {
    if (std::isnan(v)) return "nan";
    if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
    if (v == 0) return "0";
    // Rounded to 3 significant digits first, so that the decimals follow the rounded value (9.996 -> "10.0").
    const double rounded = round3(v);
    const int magnitude = static_cast<int>(std::floor(std::log10(std::fabs(rounded))));
    const int decimals = magnitude >= 2 ? 0 : 2 - magnitude;
    return fmt::format("{:.{}f}", magnitude >= 3 ? v : rounded, decimals);
}

std::string format_energy(double joules) {
    return scaled(joules, ENERGY, "J");
}

std::string format_co2(double kg) {
    return scaled(kg, MASS, "g");
}

std::string format_power(double watts) {
    return scaled(watts, POWER, "W");
}

std::string format_intensity(double g_per_kwh) {
    return sig3(g_per_kwh) + " gCO2/kWh";
}

std::string format_duration(double s) {
    if (!std::isfinite(s)) return sig3(s) + " s";
    if (s < 59.95) return sig3(s) + " s";
    const auto total = static_cast<long long>(std::llround(s));
    if (total < 3600) return fmt::format("{} min {:02} s", total / 60, total % 60);
    const long long minutes = (total + 30) / 60;
    if (minutes < 24 * 60) return fmt::format("{} h {:02} min", minutes / 60, minutes % 60);
    const long long hours = (total + 1800) / 3600;
    return fmt::format("{} d {:02} h", hours / 24, hours % 24);
}

}  // namespace eco2::detail
