#include "report/equivalents.hpp"

#include <cmath>

#include <fmt/format.h>

namespace eco2::detail {
namespace {

// Sources and derivations: docs/equivalents.md.
constexpr EquivalentFactor FACTORS[] = {
    // 8,887 g CO2 per gallon of gasoline / 22.0 miles per gallon = 404 g per mile = 0.251 kg per km.
    {"car_km", "km by car", 0.404 / 1.609344,
     "US EPA, Greenhouse Gas Emissions from a Typical Passenger Vehicle (EPA-420-F-23-014, 2023): 404 g CO2 "
     "per "
     "mile"},
    {"flight_pkm", "passenger-km by plane", 0.15573,
     "UK BEIS, Greenhouse gas reporting: conversion factors 2019, short-haul flight, economy, with radiative "
     "forcing: 0.15573 kg CO2e per passenger-km"},
    {"smartphone_charges", "smartphone charges", 0.0124,
     "US EPA, Greenhouse Gas Equivalencies Calculator (2024 revision): 1.24 x 10^-5 t CO2 per smartphone "
     "charged"},
    {"tree_months", "tree-months of sequestration", 0.060e3 / 120.0,
     "US EPA, Greenhouse Gas Equivalencies Calculator (2024 revision): 0.060 t CO2 per urban tree seedling "
     "grown "
     "for 10 years (120 months)"},
};

// Two significant figures at most, never an exponent (amounts below 0.001 are not shown).
std::string amount_text(double v) {
    if (v >= 10.0) return fmt::format("{:.0f}", v);
    if (v >= 1.0) return fmt::format("{:.1f}", v);
    if (v >= 0.001) {
        const int decimals = 1 - static_cast<int>(std::floor(std::log10(v)));
        return fmt::format("{:.{}f}", v, decimals);
    }
    return "0";
}

}  // namespace

std::span<const EquivalentFactor> equivalent_factors() noexcept {
    return FACTORS;
}

std::vector<Equivalent> equivalents(double kg_co2) {
    std::vector<Equivalent> out;
    for (const EquivalentFactor& f : FACTORS) out.push_back({f.key, f.label, kg_co2 / f.kg_co2_per_unit});
    return out;
}

std::string format_equivalents(double kg_co2) {
    std::string out;
    for (const Equivalent& e : equivalents(kg_co2)) {
        if (!(e.amount >= 0.001)) continue;  // "<0.001 km by car" tells nobody anything
        if (!out.empty()) out += ", ";
        out += fmt::format("~{} {}", amount_text(e.amount), e.label);
    }
    return out.empty() ? out : out + " (approximate; see docs/equivalents.md)";
}

}  // namespace eco2::detail
