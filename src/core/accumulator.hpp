#pragma once
// Turns raw channel readings into energy per component: counter deltas with wrap-around, trapezoid
// integration of power, attribution to the tracked tree, and the pending energy of devices whose use by the
// tree is only known at the next (slow) process listing. Pure: no I/O, no clock; unit-tested with numbers.

#include <array>
#include <cstdint>
#include <vector>

#include "sensors/sensor.hpp"

namespace eco2::detail {

/// Energy per component, J, indexed by Component.
using ComponentJoules = std::array<double, 3>;

inline std::size_t index_of(Component c) noexcept { return static_cast<std::size_t>(c); }

class Accumulator {
public:
    explicit Accumulator(std::vector<Channel> channels);

    /// Baseline reading (values: one per channel, NaN when unreadable).
    void begin(const TreeSample& tree, const double* values) noexcept;
    /// Next reading. Returns the energy attributed in this interval (pending energy excluded).
    ComponentJoules update(const TreeSample& tree, const double* values) noexcept;
    /// For each channel with Attribution::process_list, used[i] says whether the tree used the device since
    /// the last settle(): its pending energy is then attributed, else dropped. Returns what was attributed.
    ComponentJoules settle(const bool* used) noexcept;

    const ComponentJoules& totals() const noexcept { return m_totals; }
    /// Energy dropped because no tracked process used the device (process scope), J.
    double dropped_joules() const noexcept { return m_dropped; }
    /// Counter readings that went backwards without a known wrap range (counter reset), ignored.
    std::uint64_t counter_resets() const noexcept { return m_resets; }
    const std::vector<Channel>& channels() const noexcept { return m_channels; }
    /// The machine-wide TreeSample fields update() uses: the busy CPU time when a channel is cpu_share.
    MachineFields machine_fields() const noexcept;

    /// Energy between two readings of a counter that wraps at wrap_j (0: no wrap known). Negative
    /// results never happen: a backwards step without a wrap range returns NaN.
    static double counter_delta(double previous, double current, double wrap_j) noexcept;

private:
    struct State {
        double last = 0.0;
        bool valid = false;
        double pending = 0.0;        // process_list energy waiting for settle()
        double share_pending = 0.0;  // cpu_share energy waiting for a fresh tree sample
    };
    std::vector<Channel> m_channels;
    std::vector<State> m_state;
    double m_last_t = 0.0, m_last_tree_cpu = 0.0, m_last_busy = 0.0;
    ComponentJoules m_totals{};
    double m_dropped = 0.0;
    std::uint64_t m_resets = 0;
};

}  // namespace eco2::detail
