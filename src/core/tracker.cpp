#include "eco2/tracker.hpp"

#include <fmt/format.h>
#include <gnu/libc-version.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>
#include <variant>

#include "core/accumulator.hpp"
#include "core/job_lock.hpp"
#include "core/process_tree.hpp"
#include "core/stop_signal.hpp"
#include "eco2/error.hpp"
#include "sensors/cpu_tdp_table.hpp"
#include "sensors/model_sensors.hpp"
#include "sensors/registry.hpp"
#include "sys/text.hpp"
#include "writers/csv_writer.hpp"
#include "writers/sink.hpp"

namespace eco2 {

std::string_view to_string(RunStatus s) noexcept {
    switch (s) {
        case RunStatus::running: return "running";
        case RunStatus::interrupted: return "interrupted";
        case RunStatus::completed: return "completed";
        case RunStatus::budget_stopped: return "budget_stopped";
    }
    return "?";
}

namespace {

using namespace detail;
using steady = std::chrono::steady_clock;

// Process lists (NVML) and the /proc scan for new processes are slower than counter reads.
constexpr double MIN_SLOW_INTERVAL_S = 1.0;
constexpr double SLOW_EVERY_PERIODS = 5.0;
// Where a GPU's energy counts only while a tracked process is on it (process scope), its process list is
// checked this often whatever the period (the sampler wakes for it when the period is longer), and at the
// start and end of the run: a phase of 0.5 s or more is always seen, and the energy attributed around a
// phase's ends is off by at most one interval's worth (see Accumulator::settle).
constexpr double PROCESS_LIST_INTERVAL_S = 0.5;
constexpr double TREE_INTERVAL_S = 0.1;
constexpr double DISCOVERY_INTERVAL_S = 0.25;

std::string new_run_id() {
    std::random_device rd;
    std::uniform_int_distribution<unsigned> byte(0, 255);
    unsigned char b[16];
    for (auto& x : b) x = static_cast<unsigned char>(byte(rd));
    b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);  // version 4
    b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);  // RFC 4122 variant
    return fmt::format("{:02x}{:02x}{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}{:02x}{:02x}{:02x}{:02x}",
                       b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
                       b[14], b[15]);
}

// Python's platform.platform() form, which eco2AI records: Linux-<release>-<machine>-with-glibc<version>.
std::string os_string() {
    utsname u{};
    if (::uname(&u) != 0) return "unknown";
    return fmt::format("{}-{}-{}-with-glibc{}", u.sysname, u.release, u.machine, gnu_get_libc_version());
}

std::string host_name() {
    char buf[256] = {};
    if (::gethostname(buf, sizeof buf - 1) != 0) return "unknown";
    return buf;
}

void validate(const TrackerConfig& c) {
    auto bad = [](const std::string& m) { throw Error(Errc::invalid_argument, m); };
    if (!std::isfinite(c.sampling.period_s) || c.sampling.period_s < 0.01 || c.sampling.period_s > 3600)
        bad(fmt::format("sampling period must be between 0.01 and 3600 s, got {}", c.sampling.period_s));
    if (!std::isfinite(c.sampling.checkpoint_s) || c.sampling.checkpoint_s <= 0)
        bad(fmt::format("checkpoint interval must be a positive number of seconds, got {}", c.sampling.checkpoint_s));
    if (!std::isfinite(c.pue) || c.pue < 1.0 || c.pue > 10.0)
        bad(fmt::format("PUE must be between 1 and 10 (1 = no facility overhead), got {}", c.pue));
    if (c.sampling.root_pid < 0) bad(fmt::format("root pid must be positive, got {}", c.sampling.root_pid));
    if (c.training.expected_epochs < 0) bad(fmt::format("expected epochs must be >= 0, got {}", c.training.expected_epochs));
    if (c.training.predict_after < 1) bad(fmt::format("predict after must be >= 1 epoch, got {}", c.training.predict_after));
    if (c.training.budget_kwh && !(*c.training.budget_kwh > 0)) bad("energy budget must be > 0 kWh");
    if (c.training.budget_kg && !(*c.training.budget_kg > 0)) bad("CO2 budget must be > 0 kg");
    if (!std::isfinite(c.training.efficiency_alpha) || c.training.efficiency_alpha < 0)
        bad(fmt::format("efficiency alpha must be a number >= 0, got {}", c.training.efficiency_alpha));
    if (c.cpu_tdp_w && !(std::isfinite(*c.cpu_tdp_w) && *c.cpu_tdp_w >= 0.1 && *c.cpu_tdp_w <= 100000))
        bad(fmt::format("CPU TDP must be between 0.1 and 100000 W, got {}", *c.cpu_tdp_w));
    if (!c.cpu_name.empty() && !c.cpu_tdp_w && !match_cpu_tdp(c.cpu_name))
        bad(
            fmt::format("CPU \"{}\" is not in eco2's TDP table: give its power instead with --cpu-tdp W "
                        "(ECO2_CPU_TDP, config cpu_tdp), from the vendor's specification page",
                        c.cpu_name));
}

CpuHint cpu_hint(const TrackerConfig& c) {
    return CpuHint{c.cpu_tdp_w, c.cpu_name, c.cpu_tdp_origin};
}

NvmlOptions nvml_options(const TrackerConfig& c) {
    NvmlOptions nvml;
    nvml.library = sys::resolve_nvml_library(c.paths.nvml_library);
    nvml.scope = c.sampling.scope;
    // CUDA_VISIBLE_DEVICES describes the job's GPUs; the machine scope counts every GPU of the machine.
    if (const char* v = std::getenv("CUDA_VISIBLE_DEVICES"); v != nullptr && c.sampling.scope == Scope::process)
        nvml.cuda_visible_devices = std::string(v);
    if (const char* v = std::getenv("CUDA_DEVICE_ORDER"); v != nullptr)
        nvml.cuda_device_order = std::string(v);
    return nvml;
}

// Totals at one instant: what a row subtracts to get its own share.
struct Totals {
    double cpu_j = 0, gpu_j = 0, ram_j = 0, co2_kg = 0, cost = 0, weighted_intensity = 0, t = 0, tree_cpu_s = 0;
    std::uint64_t samples = 0;
    std::chrono::system_clock::time_point wall{};
};

std::string format_duration(double s) {
    if (s < 60) return fmt::format("{:.1f} s", s);
    long total = std::lround(s);
    if (total < 3600) return fmt::format("{}m {:02}s", total / 60, total % 60);
    return fmt::format("{}h {:02}m", total / 3600, (total % 3600) / 60);
}

void add_work(Work& into, const Work& w) {
    if (w.items) into.items = into.items.value_or(0) + *w.items;
    if (w.flops) into.flops = into.flops.value_or(0) + *w.flops;
    if (w.error_rate) into.error_rate = w.error_rate;
}

}  // namespace

struct Tracker::Impl {
    TrackerConfig cfg;
    sys::FsRoot fs;
    std::shared_ptr<const IntensityProvider> intensity;

    // Sampler state: used by one tick at a time (tick_mutex), from the sampler thread or a mark.
    std::mutex tick_mutex;
    std::unique_ptr<ProcessTree> tree;
    SensorSet sensors;
    std::vector<std::size_t> offsets;
    std::vector<double> values;
    std::unique_ptr<bool[]> used;
    std::unique_ptr<Accumulator> acc;
    std::unique_ptr<NodeShare> node;  // the job's election of the node's measurer (none outside a job)
    std::string node_warning;
    std::uint64_t sink_failures_seen = 0;
    Sinks sinks;
    Tick tick_value;                      // the latest tick handed to the sinks
    std::vector<double> channel_base;     // channel totals at the previous tick
    TreeSample sample;
    steady::time_point t0;
    double last_checkpoint = 0, last_slow = 0, last_tree = 0, last_discovery = 0;
    // Process-list checks: every slow_every s (PROCESS_LIST_INTERVAL_S when a channel is process_list).
    double slow_every = MIN_SLOW_INTERVAL_S;
    bool process_lists = false;      // a channel is Attribution::process_list
    ComponentJoules carry{};  // energy of check-only ticks, handed out with the next tick

    // Shared with snapshot() and marks (mutex).
    mutable std::mutex mutex;
    bool running = false;
    Result result;        // the whole run so far
    Totals totals;        // the whole run so far, in row terms
    Totals row_base;      // totals when the current row began
    bool training = false;
    int epochs_closed = 0;
    Work row_work, run_work;
    std::vector<Totals> epoch_lengths;  // duration/energy/CO2/cost of each closed epoch (for the prediction)
    std::optional<Prediction> prediction;
    bool budget_warned = false, budget_exceeded = false;
    std::vector<ProbeReport> reports;
    StopSignal stop_signal;
    std::thread thread;
    std::optional<Result> last;  // of the last stop

    explicit Impl(TrackerConfig c) : cfg(std::move(c)) {
        validate(cfg);
        intensity = cfg.intensity ? cfg.intensity : world_average_intensity();
    }

    double now() const { return std::chrono::duration<double>(steady::now() - t0).count(); }

    void read_all() noexcept {
        for (std::size_t i = 0; i < sensors.sensors.size(); ++i)
            sensors.sensors[i]->read(sample, values.data() + offsets[i]);
    }

    // One sampler tick: tree, sensors, energy, CO2, series, checkpoint. Caller holds tick_mutex. Never throws.
    // check_only: a tick between two periods, for the process lists only (no series row, not a sample).
    void tick(bool final, bool check_only = false) noexcept {
        double t = now();
        // The tree (its processes' stat files; /proc/stat and meminfo when used) is read at most every 100 ms,
        // and new processes looked for at most every 250 ms (a /proc scan only when a pid was allocated since:
        // ProcessTree::scan_needed): a 50-process tree costs ~0.4 ms per read with cold caches (~7.5 us a
        // stat file on the reference VM). CPU time is a counter, so nothing is lost.
        const bool tree_due = final || cfg.sampling.period_s >= TREE_INTERVAL_S || t - last_tree >= TREE_INTERVAL_S;
        if (tree_due) {
            const bool discover = final || t - last_discovery >= DISCOVERY_INTERVAL_S;
            if (discover) last_discovery = t;
            last_tree = t;
            tree->sample(t, discover, sample, final);
            sample.fresh = true;
        } else {
            sample.t = t;
            sample.fresh = false;
        }
        read_all();
        if (node) node->poll(*acc);
        ComponentJoules added = acc->update(sample, values.data());
        // The sampler wakes at last_slow + slow_every for the check; 1 ms of slack for the clock's rounding.
        if (final || check_only || t - last_slow >= slow_every - 1e-3) {
            last_slow = t;
            // The cgroup source reads no process per tick: the GPU process lists get the members now (the
            // final sample has just read them).
            if (process_lists && !final) tree->read_pids(sample);
            for (std::size_t i = 0; i < sensors.sensors.size(); ++i)
                sensors.sensors[i]->slow_update(sample, used.get() + offsets[i]);
            ComponentJoules settled = acc->settle(used.get());
            for (std::size_t c = 0; c < added.size(); ++c) added[c] += settled[c];
        }
        const auto wall = std::chrono::system_clock::now();
        const double g_per_kwh = intensity->at(wall);
        const double price_per_kwh = cfg.price ? cfg.price->at(wall) : 0.0;
        const double joules = added[0] + added[1] + added[2];
        double co2_now = 0;
        {
            std::lock_guard lock(mutex);
            const auto& sums = acc->totals();
            totals.cpu_j = sums[index_of(Component::cpu)];
            totals.gpu_j = sums[index_of(Component::gpu)];
            totals.ram_j = sums[index_of(Component::ram)];
            totals.co2_kg += joules * cfg.pue / 3.6e6 * g_per_kwh / 1000.0;
            totals.cost += joules * cfg.pue / 3.6e6 * price_per_kwh;
            totals.weighted_intensity += joules * g_per_kwh;
            totals.t = t;
            totals.tree_cpu_s = sample.tree_cpu_s;
            totals.wall = wall;
            if (final) describe_tree(result);
            if (final && node) node->describe(result);
            if (!check_only) ++totals.samples;
            apply(result, totals, Totals{}, g_per_kwh);
            result.read_failures = failure_count();
            co2_now = totals.co2_kg;
        }
        for (std::size_t c = 0; c < added.size(); ++c) carry[c] += added[c];
        if (!check_only) emit_tick(t, wall, final, co2_now, g_per_kwh);
        if (!final) check_budget(/*at_mark=*/false);
        if (!final && !sinks.empty() && t - last_checkpoint >= cfg.sampling.checkpoint_s) {
            last_checkpoint = t;
            checkpoint(false);
        }
    }

    // Hands one tick to every sink. Caller holds tick_mutex (not mutex). Never throws nor allocates.
    void emit_tick(double t, std::chrono::system_clock::time_point wall, bool final, double co2_kg,
                   double g_per_kwh) noexcept {
        if (sinks.empty()) return;
        Tick& k = tick_value;
        ++k.index;
        k.interval_s = t - k.t;
        k.t = t;
        k.wall = wall;
        k.final = final;
        k.interval_j = carry;
        carry = {};
        k.total_j = acc->totals();
        const auto& per_channel = acc->channel_totals();
        for (std::size_t i = 0; i < k.channels.size(); ++i) {
            k.channels[i].joules = per_channel[i];
            k.channels[i].watts = k.interval_s > 0 ? (per_channel[i] - channel_base[i]) / k.interval_s : 0.0;
            channel_base[i] = per_channel[i];
        }
        k.co2_kg = co2_kg;
        k.intensity_g_per_kwh = g_per_kwh;
        k.tree_cpu_s = sample.tree_cpu_s;
        k.tree_rss_bytes = sample.tree_rss_bytes;
        k.processes = sample.pids.size();
        for (const auto& s : sinks) s->tick(k);
    }

    // The tree's sources and what was left running, from the tree's last sample. Caller holds tick_mutex.
    void describe_tree(Result& r) const {
        r.tree_source = tree->cpu_source();
        r.left_running.reset();
        if (!tree->root_alive()) r.left_running = tree->others_alive();
        if (sensors.ram && sensors.ram->backend() == "ram-model" && cfg.sampling.scope == Scope::process)
            r.ram.source = fmt::format("ram-model({} W/GiB x {}; estimated)", RAM_W_PER_GIB, tree->memory_source());
    }

    void account_reaped(pid_t pid, double cpu_seconds) noexcept {
        std::lock_guard tick_lock(tick_mutex);
        if (tree) tree->account_reaped(pid, cpu_seconds);
    }

    // Fills r's figures with (now - base). Caller holds mutex.
    void apply(Result& r, const Totals& now_totals, const Totals& base, double current_g_per_kwh) const {
        r.cpu.joules = now_totals.cpu_j - base.cpu_j;
        r.gpu.joules = now_totals.gpu_j - base.gpu_j;
        r.ram.joules = now_totals.ram_j - base.ram_j;
        r.co2_kg = now_totals.co2_kg - base.co2_kg;
        if (cfg.price) r.cost = now_totals.cost - base.cost;
        const double it = r.it_joules();
        r.intensity_g_per_kwh =
            it > 0 ? (now_totals.weighted_intensity - base.weighted_intensity) / it : current_g_per_kwh;
        r.duration_s = now_totals.t - base.t;
        r.cpu_time_s = now_totals.tree_cpu_s - base.tree_cpu_s;
        r.samples = now_totals.samples - base.samples;
    }

    // The current row (the run, or the epoch in progress). Caller holds mutex.
    Result current_row(RunStatus status) const {
        Result r = result;
        apply(r, totals, row_base, result.intensity_g_per_kwh);
        r.start_time = row_base.wall;
        r.status = status;
        r.work = row_work;
        r.prediction = prediction;
        r.epoch_number = (training || epochs_closed > 0) ? epochs_closed + 1 : 0;
        r.epoch = r.epoch_number > 0 ? fmt::format("epoch: {}", r.epoch_number) : "N/A";
        return r;
    }

    std::uint64_t failure_count() const noexcept {
        std::uint64_t n = tree->failures().count();
        for (const auto& s : sensors.sensors) n += s->failures().count();
        for (const auto& s : sinks) n += s->write_failures();
        return n;
    }

    void checkpoint(bool final) noexcept {
        Result row;
        {
            std::lock_guard lock(mutex);
            row = current_row(final ? result.status : RunStatus::interrupted);
        }
        for (const auto& s : sinks) s->checkpoint(row);
        rows_written();
    }

    void emit(TrackerEvent::Kind kind, std::string message, bool stop) noexcept {
        if (!cfg.on_event) return;
        try {
            TrackerEvent e;
            e.kind = kind;
            e.message = std::move(message);
            e.prediction = prediction;
            e.stop_requested = stop;
            cfg.on_event(e);
        } catch (...) {  // a user callback must not break the sampler
        }
    }

    // Budgets: the prediction crossing one warns (and stops with stop_on_budget); the measurement crossing
    // one is exceeded. Each event is sent once.
    void check_budget(bool at_mark) noexcept {
        if (!cfg.training.budget_kwh && !cfg.training.budget_kg) return;
        double kwh = 0, kg = 0;
        std::optional<Prediction> p;
        {
            std::lock_guard lock(mutex);
            kwh = (totals.cpu_j + totals.gpu_j + totals.ram_j) * cfg.pue / 3.6e6;
            kg = totals.co2_kg;
            p = prediction;
        }
        auto over = [&](double e, double c) {
            return (cfg.training.budget_kwh && e > *cfg.training.budget_kwh) || (cfg.training.budget_kg && c > *cfg.training.budget_kg);
        };
        auto budget_text = [&] {
            std::string b;
            if (cfg.training.budget_kwh) b += fmt::format("{:g} kWh", *cfg.training.budget_kwh);
            if (cfg.training.budget_kg) b += fmt::format("{}{:g} kg CO2", b.empty() ? "" : " / ", *cfg.training.budget_kg);
            return b;
        };
        if (!budget_exceeded && over(kwh, kg)) {
            budget_exceeded = true;
            emit(TrackerEvent::Kind::budget_exceeded,
                 fmt::format("budget {} exceeded: {:.6g} kWh, {:.6g} kg CO2 measured{}", budget_text(), kwh, kg,
                             cfg.training.stop_on_budget ? "; stopping" : ""),
                 cfg.training.stop_on_budget);
        } else if (!budget_warned && !budget_exceeded && p && over(p->energy_kwh, p->co2_kg)) {
            budget_warned = true;
            if (cfg.training.stop_on_budget) budget_exceeded = true;
            emit(cfg.training.stop_on_budget ? TrackerEvent::Kind::budget_exceeded : TrackerEvent::Kind::budget_warning,
                 fmt::format("predicted {:.6g} kWh, {:.6g} kg CO2 for {} epochs: over the budget {}{}", p->energy_kwh,
                             p->co2_kg, p->total_epochs, budget_text(), cfg.training.stop_on_budget ? "; stopping" : ""),
                 cfg.training.stop_on_budget);
        }
        (void)at_mark;
    }

    void make_prediction() {
        const int k = epochs_closed;
        if (cfg.training.expected_epochs <= 0 || prediction || k < cfg.training.predict_after || k >= cfg.training.expected_epochs) return;
        Totals mean;
        for (const auto& e : epoch_lengths) {
            mean.t += e.t / k;
            mean.cpu_j += (e.cpu_j + e.gpu_j + e.ram_j) / k;
            mean.co2_kg += e.co2_kg / k;
            mean.cost += e.cost / k;
        }
        const int left = cfg.training.expected_epochs - k;
        Prediction p;
        p.after_epochs = k;
        p.total_epochs = cfg.training.expected_epochs;
        {
            std::lock_guard lock(mutex);
            p.duration_s = totals.t + left * mean.t;
            p.energy_kwh = ((totals.cpu_j + totals.gpu_j + totals.ram_j) + left * mean.cpu_j) * cfg.pue / 3.6e6;
            p.co2_kg = totals.co2_kg + left * mean.co2_kg;
            if (cfg.price) p.cost = totals.cost + left * mean.cost;
            prediction = p;
        }
        emit(TrackerEvent::Kind::prediction,
             fmt::format("prediction after {} of {} epochs: {}, {:.6g} kWh, {:.6g} kg CO2{}", k, p.total_epochs,
                         format_duration(p.duration_s), p.energy_kwh, p.co2_kg,
                         p.cost ? fmt::format(", {:.6g} {}", *p.cost, result.currency) : std::string()),
             false);
    }

    Result new_epoch(const EpochParams& params) {
        check_params(params);
        Result row;
        {
            std::lock_guard tick_lock(tick_mutex);
            if (!running) throw Error(Errc::invalid_state, "tracker is not running: call start_training() first");
            tick(true);  // a fresh sample: the epoch ends exactly here
            nlohmann::ordered_json j;
            std::string label;
            {
                std::lock_guard lock(mutex);
                training = true;  // a mark in a plain run: its row becomes epoch 1
                row = current_row(RunStatus::completed);
                j["epoch"] = row.epoch_number;
                for (const auto& p : params) {
                    if (p.key == "epoch") continue;  // the row's own number wins
                    std::visit([&](const auto& v) { j[p.key] = v; }, p.value);
                    row.epoch += fmt::format(", {}: {}", p.key, param_text(p.value));
                }
                row.epoch_params_json = j.dump();
                Totals length = totals;
                length.t -= row_base.t;
                length.cpu_j -= row_base.cpu_j;
                length.gpu_j -= row_base.gpu_j;
                length.ram_j -= row_base.ram_j;
                length.co2_kg -= row_base.co2_kg;
                length.cost -= row_base.cost;
                epoch_lengths.push_back(length);
                ++epochs_closed;
                row_base = totals;
                row_work = Work{};
                result.epoch_number = epochs_closed;
            }
            if (!sinks.empty()) {
                Result next;
                {
                    std::lock_guard lock(mutex);
                    next = current_row(RunStatus::interrupted);
                }
                for (const auto& s : sinks) s->epoch(row, next);
                rows_written();
            }
            make_prediction();
            check_budget(true);
        }
        if (budget_exceeded && cfg.training.stop_on_budget) {
            stop(std::nullopt, RunStatus::budget_stopped);
            throw Error(Errc::budget_exceeded, "energy/CO2 budget crossed: the tracker stopped after epoch " +
                                                   std::to_string(row.epoch_number));
        }
        return row;
    }

    // Parameters go into the records file and its JSON column: names and text must be UTF-8 without NUL.
    static void check_params(const EpochParams& params) {
        const auto check = [](std::string_view what, std::string_view text) {
            if (!sys::valid_utf8(text))
                throw Error(Errc::invalid_argument,
                            fmt::format("epoch {} '{}' is not valid UTF-8: pass text as UTF-8", what,
                                        sys::printable(text)));
            if (text.find('\0') != std::string_view::npos)
                throw Error(Errc::invalid_argument,
                            fmt::format("epoch {} '{}' holds a NUL character: remove it", what, sys::printable(text)));
        };
        for (const auto& p : params) {
            check("parameter name", p.key);
            if (const auto* text = std::get_if<std::string>(&p.value)) check("parameter " + p.key, *text);
        }
    }

    void report_work(const Work& w) {
        if ((w.items && !(std::isfinite(*w.items) && *w.items >= 0)) ||
            (w.flops && !(std::isfinite(*w.flops) && *w.flops >= 0)))
            throw Error(Errc::invalid_argument, "items and flops must be finite and >= 0");
        if (w.error_rate && !(*w.error_rate >= 0 && *w.error_rate <= 1))
            throw Error(Errc::invalid_argument, "error_rate must be within 0..1 (1 - accuracy)");
        std::lock_guard lock(mutex);
        if (!running)
            throw Error(Errc::invalid_state, "tracker is not running: call start() or start_training() first");
        add_work(row_work, w);
        add_work(run_work, w);
    }

    void loop() {
        const auto period = std::chrono::duration_cast<steady::duration>(std::chrono::duration<double>(cfg.sampling.period_s));
        // Warm-up: the first ticks come at 10, 20, 40... ms until the period is reached, so a run shorter
        // than one period still gets samples of its memory and power (CPU time is a counter and needs none).
        auto step = std::min(period, std::chrono::duration_cast<steady::duration>(std::chrono::milliseconds(10)));
        auto next = t0 + step;
        double next_check = slow_every;  // seconds after t0
        while (true) {
            // Process-list checks between periods when the period is longer than their interval.
            auto wake = next;
            if (process_lists) {
                wake = std::min(wake, t0 + std::chrono::duration_cast<steady::duration>(
                                               std::chrono::duration<double>(next_check)));
            }
            if (stop_signal.wait_until(wake)) break;
            const bool period_tick = steady::now() >= next;
            {
                std::lock_guard tick_lock(tick_mutex);
                tick(false, !period_tick);
                next_check = last_slow + slow_every;
            }
            if (!period_tick) continue;
            step = std::min(period, step * 2);
            next += step;
            auto n = steady::now();
            if (next <= n) next = n + period;  // fell behind (suspended, overloaded): skip, do not burst
        }
    }

    void start(bool as_training) {
        if (running) throw Error(Errc::invalid_state, "tracker already started: call stop() first");
        fs = sys::FsRoot::resolve(cfg.paths);
        sinks = make_sinks(cfg);  // opens the records file first: nothing is started when it cannot be written

        sensors = build_sensors(fs, sys::default_reader(), cfg.sampling.scope, nvml_options(cfg), cpu_hint(cfg));
        std::vector<Channel> channels;
        offsets.clear();
        for (const auto& s : sensors.sensors) {
            offsets.push_back(channels.size());
            channels.insert(channels.end(), s->channels().begin(), s->channels().end());
        }
        values.assign(channels.size(), std::nan(""));
        used = std::make_unique<bool[]>(channels.size());
        process_lists = std::any_of(channels.begin(), channels.end(), [](const Channel& c) {
            return c.attribution == Attribution::process_list;
        });
        slow_every = process_lists ? PROCESS_LIST_INTERVAL_S
                                   : std::max(MIN_SLOW_INTERVAL_S, SLOW_EVERY_PERIODS * cfg.sampling.period_s);
        carry = {};
        tick_value = Tick{};
        for (const Channel& c : channels) tick_value.channels.push_back(ChannelTick{c.id, c.component, 0.0, 0.0});
        channel_base.assign(channels.size(), 0.0);
        acc = std::make_unique<Accumulator>(std::move(channels));

        ProcessTree::Options topt;
        topt.root = cfg.sampling.root_pid;
        topt.count_from_root_start = cfg.sampling.count_from_root_start;
        // /proc/stat and /proc/meminfo only when a sensor or the process share of RAPL uses them.
        topt.machine = machine_fields(sensors) | acc->machine_fields();
        topt.subreaper = cfg.sampling.subreaper_pid;
        topt.own_cgroup = cfg.sampling.cgroup_dir;
        topt.memory_stat = cfg.sampling.memory_stat;
        topt.memory_stat_v1 = cfg.sampling.memory_stat_v1;
        // The series' process count, with the cgroup source (which lists the processes only when asked).
        topt.pids_interval_s =
            std::any_of(sinks.begin(), sinks.end(), [](const auto& s) { return s->wants_processes(); }) ? 1.0 : 0.0;
        tree = std::make_unique<ProcessTree>(fs, topt);
        sensors.reports.insert(sensors.reports.begin(), tree->probe());

        // Baseline.
        t0 = steady::now();
        last_checkpoint = last_slow = last_tree = last_discovery = 0;
        tree->sample(0.0, true, sample);
        sensors.reports.insert(sensors.reports.begin() + 1, tree->probe_cgroup());
        // Counting from the root's start: the CPU time it used before this first sample gets its energy
        // too, so the baseline is taken at zero tree CPU time.
        const double first_cpu_s = sample.tree_cpu_s;
        if (cfg.sampling.count_from_root_start) sample.tree_cpu_s = 0.0;
        read_all();
        acc->begin(sample, values.data());
        sample.tree_cpu_s = first_cpu_s;
        node.reset();
        node_warning.clear();
        sink_failures_seen = 0;
        try {
            node = NodeShare::make(cfg.job, cfg.job_runtime_dir, acc->channels(), cfg.sampling.scope);
            if (node) node->start(*acc, values.data());
        } catch (const Error& e) {
            node_warning = std::string(e.what()) + ": this rank counts the node's devices itself";
        }
        // The first process lists: who is on each GPU at the start.
        for (std::size_t i = 0; i < sensors.sensors.size(); ++i)
            sensors.sensors[i]->slow_update(sample, used.get() + offsets[i]);
        acc->settle(used.get());

        Result r;
        r.id = new_run_id();
        r.project_name = cfg.project_name;
        r.experiment_description = cfg.experiment_description;
        r.start_time = std::chrono::system_clock::now();
        r.pue = cfg.pue;
        r.scope = cfg.sampling.scope;
        r.cpu_name = sensors.cpu_name;
        r.gpu_name = sensors.gpu ? sensors.gpu->device_names() : "";
        r.os = os_string();
        r.host = host_name();
        r.region = intensity->region();
        r.location_source = intensity->source();
        r.intensity_g_per_kwh = intensity->at(r.start_time);
        r.efficiency_alpha = cfg.training.efficiency_alpha;
        if (cfg.price) {
            r.cost = 0.0;
            r.currency = cfg.price->currency();
        }
        auto describe = [&](Sensor* s, ComponentEnergy& e, std::string_view backend) {
            if (s) {
                e.source = s->source();
                e.estimated = s->estimated();
                return;
            }
            e.source = "none";
            for (const auto& rep : sensors.reports)
                if (rep.backend == backend) e.source = fmt::format("none ({}: {})", backend, to_string(rep.status));
        };
        describe(sensors.cpu, r.cpu, "rapl");
        describe(sensors.gpu, r.gpu, "nvml");
        describe(sensors.ram, r.ram, "ram-model");
        describe_tree(r);
        r.job = cfg.job;
        if (!node_warning.empty()) r.warnings.push_back(node_warning);
        r.status = RunStatus::running;
        {
            std::lock_guard lock(mutex);
            result = std::move(r);
            totals = Totals{};
            totals.wall = result.start_time;
            row_base = totals;
            training = as_training;
            epochs_closed = 0;
            row_work = run_work = Work{};
            epoch_lengths.clear();
            prediction.reset();
            budget_warned = budget_exceeded = false;
        }
        start_sinks();
        {
            std::lock_guard lock(mutex);
            reports = sensors.reports;
            running = true;
        }
        stop_signal.reset();
        thread = std::thread([this] { loop(); });
    }

    Result stop(std::optional<int> exit_code, RunStatus status) {
        if (!running) throw Error(Errc::invalid_state, "tracker is not running: call start() first");
        stop_signal.request();
        if (thread.joinable()) thread.join();
        Result total, last_row;
        {
            std::lock_guard tick_lock(tick_mutex);
            tick(true);
            std::lock_guard lock(mutex);
            result.status = status;
            result.exit_code = exit_code;
            collect_warnings(result);
            last_row = current_row(status);
            last_row.exit_code = exit_code;
            if (epochs_closed > 0 || training) {
                last_row.partial_epoch = true;
                last_row.epoch += " (partial)";
                last_row.epoch_params_json = fmt::format("{{\"epoch\":{},\"partial\":true}}", last_row.epoch_number);
            }
            total = result;
            total.work = run_work;
            total.prediction = prediction;
            total.epoch = last_row.epoch_number > 0 ? fmt::format("{} epochs", epochs_closed) : "N/A";
        }
        for (const auto& s : sinks) s->stop(last_row);
        rows_written();
        node.reset();  // frees the node lock: another rank of the job measures the node's devices from here
        for (const auto& s : sinks)
            for (std::string& f : s->failure()) total.warnings.push_back(std::move(f));
        sinks.clear();
        std::lock_guard lock(mutex);
        running = false;
        last = total;
        return total;
    }

    // The first row goes to every sink; an optional sink that cannot start is dropped with a warning, a
    // required one's error stops start() (the sinks are closed, nothing runs).
    void start_sinks() {
        Result first;
        {
            std::lock_guard lock(mutex);
            first = current_row(RunStatus::interrupted);  // what a reader sees if we never reach stop()
        }
        for (auto it = sinks.begin(); it != sinks.end();) {
            try {
                (*it)->start(first);
                ++it;
            } catch (const std::exception& e) {
                if (!(*it)->optional()) {
                    sinks.clear();
                    throw;
                }
                result.warnings.push_back(fmt::format("{} not written: {}", (*it)->name(), e.what()));
                it = sinks.erase(it);
            }
        }
        rows_written();
    }

    // The sinks have just written the rows: the node's measurer leaves its successor the readings they hold
    // (core/job_lock.hpp), unless a write failed (the successor then counts from the last good one).
    void rows_written() noexcept {
        std::uint64_t failures = 0;
        for (const auto& s : sinks) failures += s->write_failures();
        if (node && failures == sink_failures_seen) node->recorded(values.data());
        sink_failures_seen = failures;
    }

    void collect_warnings(Result& r) const {
        auto report = [&](std::string_view what, const FailureLog& log) {
            if (log.count() > 0)
                r.warnings.push_back(fmt::format("{}: {} failed read{}, first: {}", what, log.count(),
                                                 log.count() == 1 ? "" : "s", log.first()));
        };
        report("process accounting", tree->failures());
        for (const auto& s : sensors.sensors) report(s->backend(), s->failures());
        if (acc->counter_resets() > 0)
            r.warnings.push_back(fmt::format("{} energy counter reading(s) went backwards and were ignored",
                                             acc->counter_resets()));
        if (!cfg.intensity)
            r.warnings.push_back(fmt::format("no carbon intensity set: the world average {} gCO2/kWh was used; set "
                                             "--intensity G (gCO2/kWh) for your grid",
                                             WORLD_AVERAGE_G_PER_KWH));
    }
};

std::optional<double> Result::energy_precision_ratio() const noexcept {
    auto epi = energy_per_item_j();
    if (!epi || !work.error_rate) return std::nullopt;
    return std::pow(*work.error_rate, efficiency_alpha) * *epi;
}

Tracker::Tracker(TrackerConfig config) : m_impl(std::make_unique<Impl>(std::move(config))) {}

Tracker::~Tracker() {
    if (m_impl && m_impl->running) {
        try {
            m_impl->stop(std::nullopt, RunStatus::completed);
        } catch (...) {  // a destructor must not throw; the record keeps its last checkpoint
        }
    }
}

Tracker::Tracker(Tracker&&) noexcept = default;
Tracker& Tracker::operator=(Tracker&& other) noexcept {
    if (this != &other) {
        if (m_impl && m_impl->running) {
            try {
                m_impl->stop(std::nullopt, RunStatus::completed);
            } catch (...) {
            }
        }
        m_impl = std::move(other.m_impl);
    }
    return *this;
}

void Tracker::start() { m_impl->start(false); }
void Tracker::start_training() { m_impl->start(true); }
Result Tracker::new_epoch(const EpochParams& params) { return m_impl->new_epoch(params); }
Result Tracker::stop_training() { return m_impl->stop(std::nullopt, RunStatus::completed); }
void Tracker::report_work(const Work& work) { m_impl->report_work(work); }
void Tracker::account_reaped(pid_t pid, double cpu_seconds) noexcept { m_impl->account_reaped(pid, cpu_seconds); }

void Tracker::defer_record_sync(bool on) noexcept {
    std::lock_guard tick_lock(m_impl->tick_mutex);
    for (const auto& s : m_impl->sinks) s->defer_sync(on);
}
Result Tracker::stop() { return m_impl->stop(std::nullopt, RunStatus::completed); }
Result Tracker::stop(std::optional<int> exit_code, RunStatus status) { return m_impl->stop(exit_code, status); }

Result Tracker::snapshot() const {
    std::lock_guard lock(m_impl->mutex);
    if (!m_impl->running) throw Error(Errc::invalid_state, "tracker is not running: call start() first");
    Result r = m_impl->result;
    r.status = RunStatus::running;
    r.work = m_impl->run_work;
    r.prediction = m_impl->prediction;
    return r;
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

std::vector<ProbeReport> probe_sensors(const TrackerConfig& config) {
    validate(config);
    sys::FsRoot fs = sys::FsRoot::resolve(config.paths);
    ProcessTree::Options topt;
    topt.root = config.sampling.root_pid;
    ProcessTree tree(fs, topt);
    SensorSet set =
        build_sensors(fs, sys::default_reader(), config.sampling.scope, nvml_options(config), cpu_hint(config));
    TreeSample sample;
    tree.sample(0.0, true, sample);
    set.reports.insert(set.reports.begin(), tree.probe_cgroup());
    set.reports.insert(set.reports.begin(), tree.probe());
    return set.reports;
}

}  // namespace eco2
