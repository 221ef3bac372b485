#include "core/training.hpp"

#include <fmt/format.h>

#include <cmath>

#include "eco2/error.hpp"
#include "report/units.hpp"
#include "sys/text.hpp"

namespace eco2::detail {

void Training::begin() noexcept {
    m_lengths.clear();
    m_prediction.reset();
    m_warned = m_exceeded = false;
}

TrackerEvent Training::event(TrackerEvent::Kind kind, std::string message, bool stop) const {
    TrackerEvent e;
    e.kind = kind;
    e.message = std::move(message);
    e.prediction = m_prediction;
    e.stop_requested = stop;
    return e;
}

void Training::send(const std::optional<TrackerEvent>& e) const noexcept {
    if (!e || !m_on_event) return;
    try {
        m_on_event(*e);
    } catch (...) {  // a user callback must not break the sampler
    }
}

std::optional<TrackerEvent> Training::epoch_closed(const Totals& length, const Totals& run, int k,
                                                   const std::string& currency) {
    m_lengths.push_back(length);
    if (m_cfg.expected_epochs <= 0 || m_prediction || k < m_cfg.predict_after || k >= m_cfg.expected_epochs)
        return std::nullopt;
    Totals mean;
    for (const auto& e : m_lengths) {
        mean.t += e.t / k;
        mean.cpu_j += e.it_joules() / k;
        mean.co2_kg += e.co2_kg / k;
        mean.cost += e.cost / k;
    }
    const int left = m_cfg.expected_epochs - k;
    Prediction p;
    p.after_epochs = k;
    p.total_epochs = m_cfg.expected_epochs;
    p.duration_s = run.t + left * mean.t;
    p.energy_kwh = (run.it_joules() + left * mean.cpu_j) * m_pue / 3.6e6;
    p.co2_kg = run.co2_kg + left * mean.co2_kg;
    if (m_priced) p.cost = run.cost + left * mean.cost;
    m_prediction = p;
    return event(TrackerEvent::Kind::prediction,
                 fmt::format("prediction after {} of {} epochs: {}, {}, {} CO2e{}", k, p.total_epochs,
                             format_duration(p.duration_s), format_energy(p.energy_kwh * 3.6e6), format_co2(p.co2_kg),
                             p.cost ? fmt::format(", {} {}", sig3(*p.cost), currency) : std::string()),
                 false);
}

std::string Training::budget_text() const {
    std::string b;
    if (m_cfg.budget_kwh) b += format_energy(*m_cfg.budget_kwh * 3.6e6);
    if (m_cfg.budget_kg) b += fmt::format("{}{} CO2e", b.empty() ? "" : " / ", format_co2(*m_cfg.budget_kg));
    return b;
}

std::optional<TrackerEvent> Training::check_budget(double kwh, double kg) const noexcept {
    if (!has_budget()) return std::nullopt;
    auto over = [&](double e, double c) {
        return (m_cfg.budget_kwh && e > *m_cfg.budget_kwh) || (m_cfg.budget_kg && c > *m_cfg.budget_kg);
    };
    const bool stop = m_cfg.stop_on_budget;
    try {
        if (!m_exceeded && over(kwh, kg)) {
            m_exceeded = true;
            return event(TrackerEvent::Kind::budget_exceeded,
                         fmt::format("budget {} exceeded: {}, {} CO2e measured{}", budget_text(),
                                     format_energy(kwh * 3.6e6), format_co2(kg), stop ? "; stopping" : ""),
                         stop);
        }
        const auto& p = m_prediction;
        if (!m_warned && !m_exceeded && p && over(p->energy_kwh, p->co2_kg)) {
            m_warned = true;
            if (stop) m_exceeded = true;
            return event(stop ? TrackerEvent::Kind::budget_exceeded : TrackerEvent::Kind::budget_warning,
                         fmt::format("predicted {}, {} CO2e for {} epochs: over the budget {}{}",
                                     format_energy(p->energy_kwh * 3.6e6), format_co2(p->co2_kg), p->total_epochs,
                                     budget_text(),
                                     stop ? "; stopping" : ""),
                         stop);
        }
    } catch (const std::exception&) {  // formatting the message (allocation): the event is lost, not the run
    }
    return std::nullopt;
}

void Training::check_work(const Work& w) {
    if ((w.items && !(std::isfinite(*w.items) && *w.items >= 0)) ||
        (w.flops && !(std::isfinite(*w.flops) && *w.flops >= 0)))
        throw Error(Errc::invalid_argument, "items and flops must be finite and >= 0");
    if (w.error_rate && !(*w.error_rate >= 0 && *w.error_rate <= 1))
        throw Error(Errc::invalid_argument, "error_rate must be within 0..1 (1 - accuracy)");
}

void Training::check_params(const EpochParams& params) {
    const auto check = [](std::string_view what, std::string_view text) {
        if (!sys::valid_utf8(text))
            throw Error(Errc::invalid_argument, fmt::format("epoch {} '{}' is not valid UTF-8: pass text as UTF-8",
                                                            what, sys::printable(text)));
        if (text.find('\0') != std::string_view::npos)
            throw Error(Errc::invalid_argument,
                        fmt::format("epoch {} '{}' holds a NUL character: remove it", what, sys::printable(text)));
    };
    for (const auto& p : params) {
        check("parameter name", p.key);
        if (const auto* text = std::get_if<std::string>(&p.value)) check("parameter " + p.key, *text);
    }
}

}  // namespace eco2::detail
