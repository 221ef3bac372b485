// The tracker: lifecycle (start, marks, stop) and locking. What it ties together: the sampler (thread and
// cadences), the measurement (tree, sensors, accumulator), the ledger (energy -> CO2, cost, rows), training
// (prediction, budgets) and the sinks built from the configuration (make_sinks), none named here.
//
// Locks: tick_mutex serialises ticks (sampler thread, marks, stop) and guards the measurement and the sinks;
// mutex guards the ledger and training's prediction, which snapshot() reads from any thread. Order:
// tick_mutex, then mutex. Sinks and user callbacks are called with mutex released.
#include "eco2/tracker.hpp"

#include <algorithm>
#include <mutex>

#include "core/ledger.hpp"
#include "core/measurement.hpp"
#include "core/sampler.hpp"
#include "core/tick_maker.hpp"
#include "core/tracker_setup.hpp"
#include "core/training.hpp"
#include "eco2/error.hpp"
#include "writers/sink.hpp"

namespace eco2 {

using namespace detail;

struct Tracker::Impl {
    TrackerConfig cfg;
    std::shared_ptr<const IntensityProvider> intensity;

    std::mutex tick_mutex;
    Sampler sampler{tick_mutex, [this](bool check_only) { tick(false, check_only); }};
    Measurement measure;
    Sinks sinks;
    std::uint64_t sink_failures_seen = 0;  // sinks' write failures when the rows were last written

    // The sinks have just written the rows: the node's measurer leaves its successor the readings they hold
    // (core/job_lock.hpp), unless a write failed (the successor then counts from the last good one).
    void rows_written() noexcept {
        const std::uint64_t failures = write_failures(sinks);
        if (failures == sink_failures_seen) measure.rows_written();
        sink_failures_seen = failures;
    }
    TickMaker ticks;
    double last_checkpoint = 0;

    mutable std::mutex mutex;
    bool running = false;
    Ledger ledger;
    Training training;
    std::vector<ProbeReport> reports;
    std::optional<Result> last;  // of the last stop

    explicit Impl(TrackerConfig c)
        : cfg((validate(c), std::move(c))),
          intensity(cfg.intensity ? cfg.intensity : world_average_intensity()),
          ledger(cfg.pue, cfg.price != nullptr),
          training(cfg.training, cfg.pue, cfg.price != nullptr, cfg.on_event) {}

    ~Impl() { sampler.stop(); }

    std::uint64_t failure_count() const noexcept { return measure.failure_count() + write_failures(sinks); }

    // One tick: tree, sensors, energy, CO2, sinks, budget, checkpoint. Caller holds tick_mutex. Never throws.
    // check_only: between two periods, for the process lists only (no tick for the sinks, not a sample).
    void tick(bool final, bool check_only = false) noexcept {
        const TickPlan plan = sampler.plan(final, check_only);
        const ComponentJoules added = measure.read(plan);
        const auto wall = std::chrono::system_clock::now();
        LedgerEntry e;
        e.totals = &measure.accumulator().totals();
        e.joules = added[0] + added[1] + added[2];
        e.g_per_kwh = intensity->at(wall);
        e.price_per_kwh = cfg.price ? cfg.price->at(wall) : 0.0;
        e.t = plan.t;
        e.tree_cpu_s = measure.sample().tree_cpu_s;
        e.wall = wall;
        e.sample = !check_only;
        double co2_kg = 0, kwh = 0;
        {
            std::lock_guard lock(mutex);
            if (final) measure.describe_tree(ledger.result(), cfg.sampling.scope);
            if (final) measure.describe_job(ledger.result());
            ledger.add(e, failure_count());
            co2_kg = ledger.totals().co2_kg;
            kwh = ledger.energy_kwh();
        }
        ticks.add(added);
        if (!check_only && !sinks.empty()) {
            const Tick& k = ticks.make(plan.t, wall, final, measure.accumulator(), measure.sample(), co2_kg,
                                       e.g_per_kwh);
            for (const auto& s : sinks) s->tick(k);
        }
        if (final) return;
        if (training.has_budget()) training.send(training.check_budget(kwh, co2_kg));
        if (!sinks.empty() && plan.t - last_checkpoint >= cfg.sampling.checkpoint_s) {
            last_checkpoint = plan.t;
            Result row;
            {
                std::lock_guard lock(mutex);
                row = ledger.current_row(RunStatus::interrupted, training.prediction());
            }
            for (const auto& s : sinks) s->checkpoint(row);
            rows_written();
        }
    }

    void start(bool as_training) {
        if (running) throw Error(Errc::invalid_state, "tracker already started: call stop() first");
        sinks = make_sinks(cfg);  // opens the records file first: nothing is started when it cannot be written
        const bool list_processes =
            std::any_of(sinks.begin(), sinks.end(), [](const auto& s) { return s->wants_processes(); });
        try {
            measure.discover(cfg, list_processes);
        } catch (...) {
            sinks.clear();
            throw;
        }
        ticks.begin(measure.channels());
        sampler.reset(measure.context().shared_clock(), cfg.sampling.period_s, measure.process_lists());
        last_checkpoint = 0;
        measure.baseline(cfg.sampling.count_from_root_start);
        // The job: the caller's, or detected from the run's environment snapshot (torchrun, SLURM, MPI).
        JobSetup job = tracker_job(cfg, measure.context().env().all());
        const std::string job_warning = measure.join_job(job.job, job.runtime_dir, cfg.sampling.scope);
        sink_failures_seen = 0;

        Result r = first_result(cfg, *intensity);
        measure.describe(r, cfg.sampling.scope);
        r.job = std::move(job.job);
        r.warnings.insert(r.warnings.end(), job.warnings.begin(), job.warnings.end());
        if (!job_warning.empty()) r.warnings.push_back(job_warning);
        Result first;
        {
            std::lock_guard lock(mutex);
            ledger.begin(std::move(r), as_training);
            training.begin();
            first = ledger.current_row(RunStatus::interrupted, std::nullopt);  // if we never reach stop()
        }
        std::vector<std::string> dropped = start_sinks(sinks, first);  // an optional sink may not start
        rows_written();
        {
            std::lock_guard lock(mutex);
            for (std::string& w : dropped) ledger.result().warnings.push_back(std::move(w));
            reports = measure.reports();
            running = true;
        }
        sampler.start();
    }

    Result stop(std::optional<int> exit_code, RunStatus status) {
        if (!running) throw Error(Errc::invalid_state, "tracker is not running: call start() first");
        sampler.stop();
        Result total, last_row;
        {
            std::lock_guard tick_lock(tick_mutex);
            tick(true);
            std::lock_guard lock(mutex);
            Result& result = ledger.result();
            result.status = status;
            result.exit_code = exit_code;
            measure.collect_warnings(result.warnings);
            if (!cfg.intensity) result.warnings.push_back(world_average_warning());
            last_row = ledger.last_row(status, exit_code, training.prediction());
            total = ledger.total(training.prediction());
        }
        for (const auto& s : sinks) s->stop(last_row);
        rows_written();
        measure.leave_job();  // frees the node lock: another rank of the job measures the node's devices
        for (const auto& s : sinks)
            for (std::string& f : s->failure()) total.warnings.push_back(std::move(f));
        sinks.clear();
        std::lock_guard lock(mutex);
        running = false;
        last = total;
        return total;
    }

    Result new_epoch(const EpochParams& params) {
        Training::check_params(params);
        Result row;
        {
            std::lock_guard tick_lock(tick_mutex);
            if (!running) throw Error(Errc::invalid_state, "tracker is not running: call start_training() first");
            tick(true);  // a fresh sample: the epoch ends exactly here
            Result next;
            std::optional<TrackerEvent> predicted;
            double kwh = 0, co2_kg = 0;
            {
                std::lock_guard lock(mutex);
                Totals length;
                row = ledger.close_epoch(params, training.prediction(), length);
                next = ledger.current_row(RunStatus::interrupted, training.prediction());
                predicted = training.epoch_closed(length, ledger.totals(), ledger.epochs_closed(),
                                                  ledger.result().currency);
                kwh = ledger.energy_kwh();
                co2_kg = ledger.totals().co2_kg;
            }
            for (const auto& s : sinks) s->epoch(row, next);
            rows_written();
            training.send(predicted);
            training.send(training.check_budget(kwh, co2_kg));
        }
        if (training.stop_now()) {
            stop(std::nullopt, RunStatus::budget_stopped);
            throw Error(Errc::budget_exceeded, "energy/CO2 budget crossed: the tracker stopped after epoch " +
                                                   std::to_string(row.epoch_number));
        }
        return row;
    }

    void report_work(const Work& w) {
        Training::check_work(w);
        std::lock_guard lock(mutex);
        if (!running)
            throw Error(Errc::invalid_state, "tracker is not running: call start() or start_training() first");
        ledger.add_work(w);
    }

    // For the destructor and move-assignment: never throws; the record keeps its last checkpoint.
    void stop_quietly() noexcept {
        if (!running) return;
        try {
            stop(std::nullopt, RunStatus::completed);
        } catch (...) {  // a destructor must not throw
        }
    }
};

Tracker::Tracker(TrackerConfig config) : m_impl(std::make_unique<Impl>(std::move(config))) {}

Tracker::~Tracker() {
    if (m_impl) m_impl->stop_quietly();
}

Tracker::Tracker(Tracker&&) noexcept = default;
Tracker& Tracker::operator=(Tracker&& other) noexcept {
    if (this != &other) {
        if (m_impl) m_impl->stop_quietly();
        m_impl = std::move(other.m_impl);
    }
    return *this;
}

void Tracker::start() { m_impl->start(false); }
void Tracker::start_training() { m_impl->start(true); }
Result Tracker::new_epoch(const EpochParams& params) { return m_impl->new_epoch(params); }
Result Tracker::stop_training() { return m_impl->stop(std::nullopt, RunStatus::completed); }
void Tracker::report_work(const Work& work) { m_impl->report_work(work); }
Result Tracker::stop() { return m_impl->stop(std::nullopt, RunStatus::completed); }
Result Tracker::stop(std::optional<int> exit_code, RunStatus status) { return m_impl->stop(exit_code, status); }

void Tracker::account_reaped(pid_t pid, double cpu_seconds) noexcept {
    std::lock_guard tick_lock(m_impl->tick_mutex);
    m_impl->measure.account_reaped(pid, cpu_seconds);
}

void Tracker::defer_record_sync(bool on) noexcept {
    std::lock_guard tick_lock(m_impl->tick_mutex);
    for (const auto& s : m_impl->sinks) s->defer_sync(on);
}

Result Tracker::snapshot() const {
    std::lock_guard lock(m_impl->mutex);
    if (!m_impl->running) throw Error(Errc::invalid_state, "tracker is not running: call start() first");
    return m_impl->ledger.snapshot(m_impl->training.prediction());
}

std::optional<Result> Tracker::last_result() const {
    std::lock_guard lock(m_impl->mutex);
    return m_impl->last;
}

bool Tracker::running() const noexcept {
    std::lock_guard lock(m_impl->mutex);
    return m_impl->running;
}

std::vector<ProbeReport> Tracker::sensors() const {
    std::lock_guard lock(m_impl->mutex);
    return m_impl->reports;
}

const TrackerConfig& Tracker::config() const noexcept { return m_impl->cfg; }

}  // namespace eco2
