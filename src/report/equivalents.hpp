#pragma once
// Everyday equivalents of an amount of CO2, shown in summaries (eco2 run, eco2 estimate). Approximate by
// nature: each factor is an average from a published source, cited here and in docs/equivalents.md.

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace eco2::detail {

/// One equivalence: kg CO2 per unit of something familiar.
struct EquivalentFactor {
    std::string_view key;    ///< "car_km", "flight_pkm", "smartphone_charges", "tree_months"
    std::string_view label;  ///< "km by car"
    double kg_co2_per_unit = 0.0;
    std::string_view source;  ///< publisher, table and year
};

/// All factors, in display order. The one place they are defined.
std::span<const EquivalentFactor> equivalent_factors() noexcept;

/// An amount expressed in one factor's unit.
struct Equivalent {
    std::string_view key, label;
    double amount = 0.0;
};

/// kg_co2 / factor for every factor.
std::vector<Equivalent> equivalents(double kg_co2);

/// One line for a summary: "~1.3 km by car, ~2.1 passenger-km by plane, ~26 smartphone charges, ~0.66
/// tree-months (approximate; docs/equivalents.md)". Numbers use '.' whatever the locale, never an exponent;
/// equivalents below 0.001 of their unit are left out, and the line is empty when none is left.
std::string format_equivalents(double kg_co2);

}  // namespace eco2::detail
