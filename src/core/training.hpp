#pragma once
// Training mode's judgement: epoch lengths, the prediction of the whole training from the first epochs, and
// the energy / CO2 budgets, with the events they raise. Not thread-safe: the tracker calls it under its tick
// lock (and its lock where the prediction is read by rows); events are sent outside any lock.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/ledger.hpp"
#include "eco2/tracker_config.hpp"

namespace eco2::detail {

class Training {
public:
    Training(TrainingConfig cfg, double pue, bool priced, std::function<void(const TrackerEvent&)> on_event)
        : m_cfg(std::move(cfg)), m_pue(pue), m_priced(priced), m_on_event(std::move(on_event)) {}

    void begin() noexcept;
    /// Records a closed epoch's length; when enough epochs are known and expected_epochs is set, makes the
    /// prediction (once) and returns its event.
    std::optional<TrackerEvent> epoch_closed(const Totals& length, const Totals& run, int epochs_closed,
                                             const std::string& currency);
    /// Budgets: the prediction crossing one warns (and stops with stop_on_budget); the measurement crossing
    /// one is exceeded. Each event is sent once.
    std::optional<TrackerEvent> check_budget(double energy_kwh, double co2_kg) const noexcept;
    bool has_budget() const noexcept { return m_cfg.budget_kwh || m_cfg.budget_kg; }
    /// A budget was crossed and stop_on_budget is set: the tracker stops at the mark.
    bool stop_now() const noexcept { return m_exceeded && m_cfg.stop_on_budget; }
    const std::optional<Prediction>& prediction() const noexcept { return m_prediction; }
    /// Hands an event to the user's callback; what it throws is swallowed (it must not break the sampler).
    void send(const std::optional<TrackerEvent>& e) const noexcept;

    /// Parameters go into the records file and its JSON column: names and text must be UTF-8 without NUL.
    /// Throws eco2::Error(invalid_argument).
    static void check_params(const EpochParams& params);
    /// Throws eco2::Error(invalid_argument) for items or flops < 0 or not finite, an error rate outside 0..1.
    static void check_work(const Work& work);

private:
    TrackerEvent event(TrackerEvent::Kind kind, std::string message, bool stop) const;
    std::string budget_text() const;

    TrainingConfig m_cfg;
    double m_pue;
    bool m_priced;
    std::function<void(const TrackerEvent&)> m_on_event;
    std::vector<Totals> m_lengths;  // of each closed epoch
    std::optional<Prediction> m_prediction;
    mutable bool m_warned = false, m_exceeded = false;
};

}  // namespace eco2::detail
