#pragma once
// Builds the Tick handed to the sinks from what the tick read: one Tick kept and updated in place (no
// allocation per tick), energy of check-only ticks carried into the next one.

#include <vector>

#include "core/accumulator.hpp"
#include "core/tick.hpp"

namespace eco2::detail {

class TickMaker {
public:
    /// A new run over these channels.
    void begin(const std::vector<Channel>& channels) {
        m_tick = Tick{};
        m_carry = {};
        m_tick.channels.clear();
        for (const Channel& c : channels) m_tick.channels.push_back(ChannelTick{c.id, c.component, 0.0, 0.0});
        m_base.assign(channels.size(), 0.0);
    }
    /// Energy attributed by a tick (check-only ones included).
    void add(const ComponentJoules& added) noexcept {
        for (std::size_t c = 0; c < added.size(); ++c) m_carry[c] += added[c];
    }
    /// The next tick, at t: everything added since the previous one. Never throws nor allocates.
    const Tick& make(double t, std::chrono::system_clock::time_point wall, bool final, const Accumulator& acc,
                     const TreeSample& tree, double co2_kg, double g_per_kwh) noexcept {
        Tick& k = m_tick;
        ++k.index;
        k.interval_s = t - k.t;
        k.t = t;
        k.wall = wall;
        k.final = final;
        k.interval_j = m_carry;
        m_carry = {};
        k.total_j = acc.totals();
        const std::vector<double>& per_channel = acc.channel_totals();
        for (std::size_t i = 0; i < k.channels.size(); ++i) {
            k.channels[i].joules = per_channel[i];
            k.channels[i].watts = k.interval_s > 0 ? (per_channel[i] - m_base[i]) / k.interval_s : 0.0;
            m_base[i] = per_channel[i];
        }
        k.co2_kg = co2_kg;
        k.intensity_g_per_kwh = g_per_kwh;
        k.tree_cpu_s = tree.tree_cpu_s;
        k.tree_rss_bytes = tree.tree_rss_bytes;
        k.processes = tree.pids.size();
        return k;
    }

private:
    Tick m_tick;
    ComponentJoules m_carry{};
    std::vector<double> m_base;  // channel totals at the previous tick
};

}  // namespace eco2::detail
