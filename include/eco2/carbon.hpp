#pragma once
/// \file carbon.hpp
/// Carbon intensity of the electricity used: the interface the tracker asks, and the simplest providers.

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

namespace eco2 {

/// World average carbon intensity used when nothing else is known, gCO2/kWh (eco2AI's 436.5 kg/MWh).
inline constexpr double WORLD_AVERAGE_G_PER_KWH = 436.5;

/// Carbon intensity source. The tracker multiplies the energy of each sample interval by at(t) of that
/// interval, so a provider may vary over time. Implementations must be thread-safe for concurrent reads.
class IntensityProvider {
public:
    virtual ~IntensityProvider() = default;
    /// Carbon intensity in gCO2/kWh at time t. Never NaN, never negative.
    virtual double at(std::chrono::system_clock::time_point t) const noexcept = 0;
    /// Region name for the record's region/country column ("FR", "world", ...).
    virtual std::string region() const = 0;
    /// How this intensity was chosen, for the record's location_source column.
    virtual std::string source() const = 0;
};

/// Price of electricity, for the record's cost column (eco2AI's electricity_pricing). The tracker multiplies
/// the facility energy (IT energy x PUE) of each sample interval by at(t) of that interval.
/// Implementations must be thread-safe for concurrent reads.
class PriceProvider {
public:
    virtual ~PriceProvider() = default;
    /// Price per kWh at time t, in currency(). Never NaN, never negative.
    virtual double at(std::chrono::system_clock::time_point t) const noexcept = 0;
    /// Currency code or symbol ("EUR", "USD", "RUB"...).
    virtual std::string currency() const = 0;
};

/// A constant intensity. Throws eco2::Error(invalid_argument) if g_per_kwh is negative or not finite.
std::shared_ptr<const IntensityProvider> fixed_intensity(double g_per_kwh, std::string region, std::string source);

/// The source text of the world average: "default: world average 436.5 gCO2/kWh (<why>)".
std::string world_average_source(std::string_view why);

/// The world average (WORLD_AVERAGE_G_PER_KWH, region "World") with a source that says so: the one place
/// every fallback to the world average goes through.
std::shared_ptr<const IntensityProvider> world_average_intensity(
    std::string source = world_average_source("no region or intensity set"));

}  // namespace eco2
