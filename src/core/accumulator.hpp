#pragma once
// Turns raw channel readings into energy per component: counter deltas with wrap-around, trapezoid
// integration of power, attribution to the tracked tree, and the pending energy of devices whose use by the
// tree is only known at the next (slow) process listing. Pure: no I/O, no clock; unit-tested with numbers.

#include <array>
#include <cstdint>
#include <vector>

#include "core/tick.hpp"
#include "sensors/sensor.hpp"

namespace eco2::detail {

class Accumulator {
public:
    explicit Accumulator(std::vector<Channel> channels);

    /// Baseline reading (values: one per channel, NaN when unreadable).
    void begin(const TreeSample& tree, const double* values) noexcept;
    /// Next reading. Returns the energy attributed in this interval (pending energy excluded).
    ComponentJoules update(const TreeSample& tree, const double* values) noexcept;
    /// A process-list check: for each channel with Attribution::process_list, used[i] says whether a tracked
    /// process is on the device now. The energy pending since the previous check (the interval between the
    /// two) is attributed when a tracked process was on the device at either end of it, else dropped: a
    /// process seen at one check is taken to have used the device from the check before to the check after
    /// (over-counts at most one check interval of others' or idle energy at each end of a presence, and
    /// never loses the tail after the last sighting). Call it once right after begin() (nothing is pending
    /// then; it records the presence at the start). Returns what was attributed.
    ComponentJoules settle(const bool* used) noexcept;

    /// Channels whose readings are followed but whose energy is not added (skipped[i]): the node's devices
    /// while another tracker of the job measures them (core/job_lock.hpp). Empty: every channel counts.
    void set_skipped(std::vector<bool> skipped) noexcept { m_skipped = std::move(skipped); }
    /// Sets an energy-counter channel's last reading: the next update counts from it (the hand-over of the
    /// previous measurer of a node's devices). Ignored for power channels and NaN.
    void rebase(std::size_t channel, double reading) noexcept;
    /// Energy read on skipped channels, J.
    double skipped_joules() const noexcept { return m_skipped_j; }
    const ComponentJoules& totals() const noexcept { return m_totals; }
    /// Energy attributed from each channel since begin(), J (same order as channels(); sums to totals()).
    const std::vector<double>& channel_totals() const noexcept { return m_channel_totals; }
    /// Energy dropped because no tracked process used the device (process scope), J.
    double dropped_joules() const noexcept { return m_dropped; }
    /// Tree CPU seconds that arrived later than the busy time they were spent in and found no unattributed
    /// energy to claim yet (see LATE_CPU_TIME_CONSTANT_S); they claim energy of the coming windows.
    double late_cpu_carried_s() const noexcept { return m_late_carry_s; }
    /// Counter readings that went backwards without a known wrap range (counter reset), ignored.
    std::uint64_t counter_resets() const noexcept { return m_resets; }
    const std::vector<Channel>& channels() const noexcept { return m_channels; }
    /// The machine-wide TreeSample fields update() uses: the busy CPU time when a channel is cpu_share.
    MachineFields machine_fields() const noexcept;

    /// Energy between two readings of a counter that wraps at wrap_j (0: no wrap known). Negative
    /// results never happen: a backwards step without a wrap range returns NaN.
    static double counter_delta(double previous, double current, double wrap_j) noexcept;

    /// cpu_share: tree CPU time that arrives late (a child's whole time when its parent reaps it, a process
    /// discovered after it ran, an exact rusage replacing ticks) makes a window's tree delta exceed the busy
    /// delta it is compared with. That excess was spent in earlier windows, whose energy went partly
    /// unattributed: each window's unattributed busy seconds and energy go into a pool, and excess tree time
    /// claims pool energy at the pool's joules per busy second. Pool and carried excess decay with this time
    /// constant (late time is typically < 1 s late), which bounds both: a late second claims energy of the
    /// last minute or so, never of an hour ago.
    static constexpr double LATE_CPU_TIME_CONSTANT_S = 30.0;

private:
    struct State {
        double last = 0.0;
        bool valid = false;
        double pending = 0.0;        // process_list energy waiting for settle()
        bool present = false;        // process_list: a tracked process was on the device at the last check
        double share_pending = 0.0;  // cpu_share energy waiting for a fresh tree sample
        double pool_j = 0.0;         // cpu_share energy not attributed to the tree (decaying)
    };
    std::vector<Channel> m_channels;
    std::vector<State> m_state;
    double m_last_t = 0.0, m_last_tree_cpu = 0.0, m_last_busy = 0.0, m_last_fresh_t = 0.0;
    double m_pool_busy_s = 0.0;   // machine busy seconds not used by the tree (decaying), matches pool_j
    double m_late_carry_s = 0.0;  // late tree CPU seconds that found no pool yet (decaying)
    ComponentJoules m_totals{};
    std::vector<double> m_channel_totals;
    double m_dropped = 0.0;
    std::vector<bool> m_skipped;
    double m_skipped_j = 0.0;
    std::uint64_t m_resets = 0;
};

}  // namespace eco2::detail
