#pragma once
// The ledger of a run: energy turned into CO2 and cost tick by tick, the run's totals, and the rows cut from
// them (the run's, or one per epoch in training mode). Not thread-safe: the tracker holds its lock.

#include <chrono>
#include <cstdint>
#include <optional>

#include "core/tick.hpp"
#include "eco2/record.hpp"

namespace eco2::detail {

/// Totals at one instant: what a row subtracts to get its own share.
struct Totals {
    double cpu_j = 0, gpu_j = 0, ram_j = 0, co2_kg = 0, cost = 0, weighted_intensity = 0, t = 0, tree_cpu_s = 0;
    std::uint64_t samples = 0;
    std::chrono::system_clock::time_point wall{};
    double it_joules() const noexcept { return cpu_j + gpu_j + ram_j; }
    /// This minus `base`, for the figures a row or an epoch length holds.
    Totals since(const Totals& base) const noexcept;
};

/// What one tick adds to the ledger.
struct LedgerEntry {
    const ComponentJoules* totals = nullptr;  ///< accumulator totals now, J
    double joules = 0;                         ///< energy attributed by this tick, all components, J
    double g_per_kwh = 0, price_per_kwh = 0;
    double t = 0, tree_cpu_s = 0;
    std::chrono::system_clock::time_point wall{};
    bool sample = true;  ///< a period tick (counted in samples), not a check-only one
};

class Ledger {
public:
    Ledger(double pue, bool priced) : m_pue(pue), m_priced(priced) {}

    /// A new run whose first row is `first`; training: rows are epochs from the start.
    void begin(Result first, bool training);
    /// Books one tick; the run's figures follow.
    void add(const LedgerEntry& e, std::uint64_t read_failures) noexcept;
    /// The current row (the run, or the epoch in progress).
    Result current_row(RunStatus status, const std::optional<Prediction>& prediction) const;
    /// Closes the epoch in progress: returns its row (status completed, params in the epoch text and JSON)
    /// and its length in `length`; the next row starts here.
    Result close_epoch(const EpochParams& params, const std::optional<Prediction>& prediction, Totals& length);
    /// The run's last row at stop (a partial epoch when epochs were marked).
    Result last_row(RunStatus status, std::optional<int> exit_code, const std::optional<Prediction>& p) const;
    /// The whole run's result at stop.
    Result total(const std::optional<Prediction>& prediction) const;
    /// The run so far (snapshot()).
    Result snapshot(const std::optional<Prediction>& prediction) const;
    void add_work(const Work& w);

    Result& result() noexcept { return m_result; }
    const Totals& totals() const noexcept { return m_totals; }
    int epochs_closed() const noexcept { return m_epochs_closed; }
    /// Facility energy of the whole run so far, kWh.
    double energy_kwh() const noexcept { return m_totals.it_joules() * m_pue / 3.6e6; }

private:
    void apply(Result& r, const Totals& now, const Totals& base, double current_g_per_kwh) const noexcept;

    double m_pue;
    bool m_priced;
    Result m_result;   // the whole run so far
    Totals m_totals;   // the whole run so far, in row terms
    Totals m_row_base; // totals when the current row began
    bool m_training = false;
    int m_epochs_closed = 0;
    Work m_row_work, m_run_work;
};

}  // namespace eco2::detail
