#pragma once
// One sampler tick as a value: what every sink (src/writers/sink.hpp) is fed. Plain data, no behaviour.

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "eco2/sensor.hpp"

namespace eco2::detail {

/// Energy per component, J, indexed by Component (cpu, gpu, ram).
using ComponentJoules = std::array<double, 3>;

inline constexpr std::size_t index_of(Component c) noexcept { return static_cast<std::size_t>(c); }

/// One measurement channel (a device's counter or power reading) at a tick: what the tracked tree was
/// attributed from it (process scope: its share; machine scope: all of it).
struct ChannelTick {
    std::string id;                         ///< "<backend>.<domain>.<index>": "rapl.package.0", "nvml.gpu.1"
    Component component = Component::cpu;
    double joules = 0.0;  ///< attributed since start(), J (IT energy, before PUE)
    double watts = 0.0;   ///< attributed power over the tick's interval, W
};

/// One sampler tick: energy, CO2 and the tree at one instant. Built by the tracker once per period (and at
/// the end of the run); a sink gets it by const reference, valid during the call (copy what you keep).
/// Energies are IT energy (before PUE), CO2 and intensity include PUE as the record does.
struct Tick {
    std::uint64_t index = 0;    ///< 1 for the first tick of the run
    double t = 0.0;             ///< s since start() (steady clock)
    double interval_s = 0.0;    ///< s since the previous tick (or start())
    std::chrono::system_clock::time_point wall{};  ///< wall-clock time of the tick
    /// A full fresh sample (every sensor, the tree and the process lists read now): the last tick, taken by
    /// stop(), and the one taken by each new_epoch() mark.
    bool final = false;
    ComponentJoules interval_j{};  ///< energy over the interval per component, J
    ComponentJoules total_j{};     ///< energy since start() per component, J
    /// Per channel, in the order of the sensors (same ids as ProbeReport::channels).
    std::vector<ChannelTick> channels;
    double co2_kg = 0.0;                ///< CO2 since start(), kg (facility energy x intensity)
    double intensity_g_per_kwh = 0.0;   ///< intensity at this tick, gCO2/kWh
    // The tracked tree at this tick (its last read: the tree is read at most every 100 ms).
    double tree_cpu_s = 0.0;      ///< cumulative CPU time of the tree, s (the series' tree_cpu_s)
    double tree_rss_bytes = 0.0;  ///< resident memory of the live tree, bytes
    std::size_t processes = 0;    ///< live processes of the tree (as last listed)

    /// Power per component over the interval, W (0 for an empty interval).
    double watts(Component c) const noexcept {
        return interval_s > 0 ? interval_j[index_of(c)] / interval_s : 0.0;
    }
};

}  // namespace eco2::detail
