#include "core/accumulator.hpp"

#include <algorithm>
#include <cmath>

namespace eco2::detail {

Accumulator::Accumulator(std::vector<Channel> channels)
    : m_channels(std::move(channels)), m_state(m_channels.size()), m_channel_totals(m_channels.size(), 0.0) {}

double Accumulator::counter_delta(double previous, double current, double wrap_j) noexcept {
    if (current >= previous) return current - previous;
    if (wrap_j > 0.0 && previous <= wrap_j) return current + wrap_j - previous;
    return std::nan("");
}

MachineFields Accumulator::machine_fields() const noexcept {
    MachineFields f;
    for (const Channel& ch : m_channels) f.busy = f.busy || ch.attribution == Attribution::cpu_share;
    return f;
}

void Accumulator::begin(const TreeSample& tree, const double* values) noexcept {
    for (std::size_t i = 0; i < m_channels.size(); ++i) {
        m_state[i].valid = !std::isnan(values[i]);
        m_state[i].last = m_state[i].valid ? values[i] : 0.0;
        m_state[i].pending = 0.0;
        m_state[i].present = false;
        m_state[i].share_pending = 0.0;
        m_state[i].pool_j = 0.0;
    }
    m_last_t = m_last_fresh_t = tree.t;
    m_last_tree_cpu = tree.tree_cpu_s;
    m_last_busy = tree.machine_busy_s;
    m_pool_busy_s = m_late_carry_s = 0.0;
}

ComponentJoules Accumulator::update(const TreeSample& tree, const double* values) noexcept {
    ComponentJoules added{};
    const double dt = std::max(0.0, tree.t - m_last_t);
    // Share of the machine's busy CPU time that the tree used since the last fresh tree sample (for
    // machine-wide counters); until the next fresh sample their energy waits in share_pending. Tree time
    // beyond the window's busy time arrived late: it claims unattributed energy of earlier windows (the
    // pool) at claim_fraction of each channel's pool (see LATE_CPU_TIME_CONSTANT_S).
    double share = 0.0, claim_fraction = 0.0, decay = 1.0;
    if (tree.fresh) {
        decay = std::exp(-std::max(0.0, tree.t - m_last_fresh_t) / LATE_CPU_TIME_CONSTANT_S);
        m_pool_busy_s *= decay;
        m_late_carry_s *= decay;
        const double d_tree = std::max(0.0, tree.tree_cpu_s - m_last_tree_cpu) + m_late_carry_s;
        const double d_busy =
            std::isnan(tree.machine_busy_s) ? 0.0 : std::max(0.0, tree.machine_busy_s - m_last_busy);
        // No busy time in the window (an idle 100 ms, or /proc/stat unreadable): its energy goes to the pool
        // and any tree time in it is late by definition.
        double excess = d_tree;
        if (d_busy > 0.0) {
            share = std::min(1.0, d_tree / d_busy);
            excess = d_tree - share * d_busy;
            m_pool_busy_s += d_busy * (1.0 - share);
        }
        const double claimed = std::min(excess, m_pool_busy_s);
        if (claimed > 0.0) {
            claim_fraction = claimed / m_pool_busy_s;
            m_pool_busy_s -= claimed;
        }
        m_late_carry_s = excess - claimed;
    }

    for (std::size_t i = 0; i < m_channels.size(); ++i) {
        const Channel& ch = m_channels[i];
        State& st = m_state[i];
        const double v = values[i];
        if (std::isnan(v)) {
            // A failed read: for a counter, keep the last good value so the energy is counted when reads
            // resume; for power, the interval is lost (counted as a read failure by the sensor).
            if (ch.kind == ChannelKind::power) st.valid = false;
            continue;
        }
        double joules = 0.0;
        if (ch.kind == ChannelKind::energy_counter) {
            if (st.valid) {
                joules = counter_delta(st.last, v, ch.wrap_j);
                if (std::isnan(joules)) {
                    ++m_resets;
                    joules = 0.0;
                }
            }
        } else if (st.valid) {
            joules = 0.5 * (st.last + v) * dt;
        }
        st.last = v;
        st.valid = true;
        if (i < m_skipped.size() && m_skipped[i]) {
            m_skipped_j += joules;
            continue;
        }
        if (ch.attribution == Attribution::cpu_share) {
            st.share_pending += joules;
            if (!tree.fresh) continue;
            // This window's unattributed energy joins the pool (same order as the busy seconds above), then
            // late tree time claims its fraction of the pool.
            st.pool_j = st.pool_j * decay + st.share_pending * (1.0 - share);
            const double claimed_j = st.pool_j * claim_fraction;
            st.pool_j -= claimed_j;
            joules = st.share_pending * share + claimed_j;
            st.share_pending = 0.0;
        }
        if (ch.attribution == Attribution::process_list) {
            st.pending += joules;
            continue;
        }
        added[index_of(ch.component)] += joules;
        m_channel_totals[i] += joules;
    }
    for (std::size_t c = 0; c < added.size(); ++c) m_totals[c] += added[c];
    m_last_t = tree.t;
    if (tree.fresh) {
        m_last_fresh_t = tree.t;
        m_last_tree_cpu = tree.tree_cpu_s;
        m_last_busy = tree.machine_busy_s;
    }
    return added;
}

void Accumulator::rebase(std::size_t channel, double reading) noexcept {
    if (channel >= m_channels.size() || m_channels[channel].kind != ChannelKind::energy_counter) return;
    if (std::isnan(reading)) return;
    m_state[channel].last = reading;
    m_state[channel].valid = true;
}

ComponentJoules Accumulator::settle(const bool* used) noexcept {
    ComponentJoules added{};
    for (std::size_t i = 0; i < m_channels.size(); ++i) {
        if (m_channels[i].attribution != Attribution::process_list) continue;
        State& st = m_state[i];
        if (used[i] || st.present) {
            added[index_of(m_channels[i].component)] += st.pending;
            m_channel_totals[i] += st.pending;
        } else {
            m_dropped += st.pending;
        }
        st.pending = 0.0;
        st.present = used[i];
    }
    for (std::size_t c = 0; c < added.size(); ++c) m_totals[c] += added[c];
    return added;
}

}  // namespace eco2::detail
