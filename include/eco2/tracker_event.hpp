#pragma once
/// \file tracker_event.hpp
/// eco2::TrackerEvent: what a running Tracker tells its user (predictions, budgets).

#include <optional>
#include <string>

#include "eco2/record.hpp"

namespace eco2 {

/// Something the tracker tells its user while running (the library never prints).
struct TrackerEvent {
    enum class Kind {
        prediction,       ///< a training's total was predicted (once)
        budget_warning,   ///< the prediction crosses a budget
        budget_exceeded,  ///< the measurement (or, with stop_on_budget, the prediction) crosses a budget
    };
    Kind kind = Kind::prediction;
    std::string message;  ///< one line, ready to show
    std::optional<Prediction> prediction;
    /// true when the tracker wants the work stopped (stop_on_budget)
    bool stop_requested = false;
};

}  // namespace eco2
