#pragma once
// `eco2 estimate`: energy, CO2 and cost of a job before running it, offline (the method of Green Algorithms
// and ML CO2 Impact): power x hours x usage x PUE, or a given energy.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace eco2::carbon {

/// What is planned. Powers in W, time in h.
struct EstimateInput {
    std::optional<double> energy_kwh;  ///< IT energy given directly (the power terms are then unused)
    double gpu_watts = 0.0;            ///< per device
    int gpus = 0;
    double cpu_watts = 0.0;  ///< all CPU cores used together
    double memory_watts = 0.0;
    double hours = 0.0;
    double usage = 1.0;  ///< fraction of the GPU and CPU power drawn on average, 0 < usage <= 1; not memory
    double pue = 1.0;
    double g_per_kwh = 0.0;  ///< carbon intensity
};

/// The estimate. Energies in kWh.
struct Estimate {
    double gpu_kwh = 0.0, cpu_kwh = 0.0, memory_kwh = 0.0;  ///< IT energy per part (0 with energy_kwh)
    double it_kwh = 0.0;                                    ///< IT energy
    double kwh = 0.0;                                       ///< facility energy = IT x PUE
    double co2_kg = 0.0;
};

/// kWh = (gpu_watts x gpus x usage + cpu_watts x usage + memory_watts) x hours x PUE / 1000, or
/// energy_kwh x PUE; kg = kWh x g_per_kwh / 1000. Throws eco2::Error(invalid_argument) for negative or
/// non-finite inputs, a usage outside (0, 1] or a PUE below 1.
Estimate estimate(const EstimateInput& in);

/// Parses an energy with its unit: "1.37kWh", "1370 Wh", "2.5 MWh", "5e6 J", "3.6 MJ", "12 kJ"; a bare number
/// is kWh. Case-insensitive units; '.' decimal point. Returns kWh, or nullopt when the text is not an energy.
std::optional<double> parse_energy_kwh(std::string_view text);

}  // namespace eco2::carbon
