#include "core/ledger.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <variant>

#include "writers/csv_writer.hpp"

namespace eco2::detail {
namespace {

void add_work_to(Work& into, const Work& w) {
    if (w.items) into.items = into.items.value_or(0) + *w.items;
    if (w.flops) into.flops = into.flops.value_or(0) + *w.flops;
    if (w.error_rate) into.error_rate = w.error_rate;
}

}  // namespace

Totals Totals::since(const Totals& base) const noexcept {
    Totals d = *this;
    d.t -= base.t;
    d.cpu_j -= base.cpu_j;
    d.gpu_j -= base.gpu_j;
    d.ram_j -= base.ram_j;
    d.co2_kg -= base.co2_kg;
    d.cost -= base.cost;
    return d;
}

void Ledger::begin(Result first, bool training) {
    m_result = std::move(first);
    m_totals = Totals{};
    m_totals.wall = m_result.start_time;
    m_row_base = m_totals;
    m_training = training;
    m_epochs_closed = 0;
    m_row_work = m_run_work = Work{};
}

void Ledger::add(const LedgerEntry& e, std::uint64_t read_failures) noexcept {
    const ComponentJoules& sums = *e.totals;
    m_totals.cpu_j = sums[index_of(Component::cpu)];
    m_totals.gpu_j = sums[index_of(Component::gpu)];
    m_totals.ram_j = sums[index_of(Component::ram)];
    m_totals.co2_kg += e.joules * m_pue / 3.6e6 * e.g_per_kwh / 1000.0;
    m_totals.cost += e.joules * m_pue / 3.6e6 * e.price_per_kwh;
    m_totals.weighted_intensity += e.joules * e.g_per_kwh;
    m_totals.t = e.t;
    m_totals.tree_cpu_s = e.tree_cpu_s;
    m_totals.wall = e.wall;
    if (e.sample) ++m_totals.samples;
    apply(m_result, m_totals, Totals{}, e.g_per_kwh);
    m_result.read_failures = read_failures;
}

// Fills r's figures with (now - base).
void Ledger::apply(Result& r, const Totals& now, const Totals& base, double current_g_per_kwh) const noexcept {
    r.cpu.joules = now.cpu_j - base.cpu_j;
    r.gpu.joules = now.gpu_j - base.gpu_j;
    r.ram.joules = now.ram_j - base.ram_j;
    r.co2_kg = now.co2_kg - base.co2_kg;
    if (m_priced) r.cost = now.cost - base.cost;
    const double it = r.it_joules();
    r.intensity_g_per_kwh = it > 0 ? (now.weighted_intensity - base.weighted_intensity) / it : current_g_per_kwh;
    r.duration_s = now.t - base.t;
    r.cpu_time_s = now.tree_cpu_s - base.tree_cpu_s;
    r.samples = now.samples - base.samples;
}

Result Ledger::current_row(RunStatus status, const std::optional<Prediction>& prediction) const {
    Result r = m_result;
    apply(r, m_totals, m_row_base, m_result.intensity_g_per_kwh);
    r.start_time = m_row_base.wall;
    r.status = status;
    r.work = m_row_work;
    r.prediction = prediction;
    r.epoch_number = (m_training || m_epochs_closed > 0) ? m_epochs_closed + 1 : 0;
    r.epoch = r.epoch_number > 0 ? fmt::format("epoch: {}", r.epoch_number) : "N/A";
    return r;
}

Result Ledger::close_epoch(const EpochParams& params, const std::optional<Prediction>& prediction,
                           Totals& length) {
    m_training = true;  // a mark in a plain run: its row becomes epoch 1
    Result row = current_row(RunStatus::completed, prediction);
    nlohmann::ordered_json j;
    j["epoch"] = row.epoch_number;
    for (const auto& p : params) {
        if (p.key == "epoch") continue;  // the row's own number wins
        std::visit([&](const auto& v) { j[p.key] = v; }, p.value);
        row.epoch += fmt::format(", {}: {}", p.key, param_text(p.value));
    }
    row.epoch_params_json = j.dump();
    length = m_totals.since(m_row_base);
    ++m_epochs_closed;
    m_row_base = m_totals;
    m_row_work = Work{};
    m_result.epoch_number = m_epochs_closed;
    return row;
}

Result Ledger::last_row(RunStatus status, std::optional<int> exit_code, const std::optional<Prediction>& p) const {
    Result row = current_row(status, p);
    row.exit_code = exit_code;
    if (m_epochs_closed > 0 || m_training) {
        row.partial_epoch = true;
        row.epoch += " (partial)";
        row.epoch_params_json = fmt::format("{{\"epoch\":{},\"partial\":true}}", row.epoch_number);
    }
    return row;
}

Result Ledger::total(const std::optional<Prediction>& prediction) const {
    Result t = m_result;
    t.work = m_run_work;
    t.prediction = prediction;
    t.epoch = (m_training || m_epochs_closed > 0) ? fmt::format("{} epochs", m_epochs_closed) : "N/A";
    return t;
}

Result Ledger::snapshot(const std::optional<Prediction>& prediction) const {
    Result r = m_result;
    r.status = RunStatus::running;
    r.work = m_run_work;
    r.prediction = prediction;
    return r;
}

void Ledger::add_work(const Work& w) {
    add_work_to(m_row_work, w);
    add_work_to(m_run_work, w);
}

}  // namespace eco2::detail
