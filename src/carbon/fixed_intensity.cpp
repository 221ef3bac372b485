#include <cmath>

#include <fmt/format.h>

#include "eco2/carbon.hpp"
#include "eco2/error.hpp"

namespace eco2 {
namespace {

class FixedIntensity final : public IntensityProvider {
public:
    FixedIntensity(double g, std::string region, std::string source)
        : m_g(g), m_region(std::move(region)), m_source(std::move(source)) {}
    double at(std::chrono::system_clock::time_point) const noexcept override { return m_g; }
    std::string region() const override { return m_region; }
    std::string source() const override { return m_source; }

private:
    double m_g;
    std::string m_region, m_source;
};

}  // namespace

std::shared_ptr<const IntensityProvider> fixed_intensity(double g_per_kwh, std::string region, std::string source) {
    if (!std::isfinite(g_per_kwh) || g_per_kwh < 0.0)
        throw Error(Errc::invalid_argument, fmt::format("carbon intensity must be a number >= 0 gCO2/kWh, got {}",
                                                        g_per_kwh));
    return std::make_shared<FixedIntensity>(g_per_kwh, std::move(region), std::move(source));
}

std::string world_average_source(std::string_view why) {
    return fmt::format("default: world average {} gCO2/kWh ({})", WORLD_AVERAGE_G_PER_KWH, why);
}

std::shared_ptr<const IntensityProvider> world_average_intensity(std::string source) {
    return fixed_intensity(WORLD_AVERAGE_G_PER_KWH, "World", std::move(source));
}

}  // namespace eco2
