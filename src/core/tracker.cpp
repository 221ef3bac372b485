#include "eco2/tracker.hpp"

#include <gnu/libc-version.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cmath>
#include <condition_variable>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <random>
#include <thread>

#include <fmt/format.h>

#include "core/accumulator.hpp"
#include "core/process_tree.hpp"
#include "eco2/error.hpp"
#include "sensors/registry.hpp"
#include "writers/csv_writer.hpp"
#include "writers/record_file.hpp"
#include "writers/series_writer.hpp"

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

std::string_view version() noexcept { return ECO2_VERSION; }

namespace {

using namespace detail;
using steady = std::chrono::steady_clock;

// Longest a numeric record field can grow to; the row is reserved with this much room per field.
constexpr std::size_t NUMERIC_FIELD_ROOM = 24;
constexpr std::size_t NUMERIC_FIELDS = 14;
// Process lists (NVML) and the /proc scan for new processes are slower than counter reads.
constexpr double MIN_SLOW_INTERVAL_S = 1.0;
constexpr double SLOW_EVERY_PERIODS = 5.0;
constexpr double DISCOVERY_INTERVAL_S = 0.05;

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
    if (!std::isfinite(c.period_s) || c.period_s < 0.01 || c.period_s > 3600)
        bad(fmt::format("sampling period must be between 0.01 and 3600 s, got {}", c.period_s));
    if (!std::isfinite(c.checkpoint_s) || c.checkpoint_s <= 0)
        bad(fmt::format("checkpoint interval must be a positive number of seconds, got {}", c.checkpoint_s));
    if (!std::isfinite(c.pue) || c.pue < 1.0 || c.pue > 10.0)
        bad(fmt::format("PUE must be between 1 and 10 (1 = no facility overhead), got {}", c.pue));
    if (c.root_pid < 0) bad(fmt::format("root pid must be positive, got {}", c.root_pid));
}

NvmlOptions nvml_options(const TrackerConfig& c) {
    NvmlOptions nvml;
    nvml.library = sys::resolve_nvml_library(c.paths.nvml_library);
    nvml.scope = c.scope;
    // CUDA_VISIBLE_DEVICES describes the job's GPUs; the machine scope counts every GPU of the machine.
    if (const char* v = std::getenv("CUDA_VISIBLE_DEVICES"); v != nullptr && c.scope == Scope::process)
        nvml.cuda_visible_devices = std::string(v);
    return nvml;
}

}  // namespace

struct Tracker::Impl {
    TrackerConfig cfg;
    sys::FsRoot fs;
    std::shared_ptr<const IntensityProvider> intensity;

    // Sampler-thread state (touched by start() and stop() only while the thread is not running).
    std::unique_ptr<ProcessTree> tree;
    SensorSet sensors;
    std::vector<std::size_t> offsets;
    std::vector<double> values;
    std::unique_ptr<bool[]> used;
    std::unique_ptr<Accumulator> acc;
    std::unique_ptr<RecordFile> record;
    std::unique_ptr<SeriesWriter> series;
    TreeSample sample;
    steady::time_point t0;
    double last_checkpoint = 0, last_slow = 0, last_discovery = 0;
    double weighted_intensity = 0;  // sum of J x gCO2/kWh, for the mean applied
    std::uint64_t write_failures = 0;
    std::string first_write_failure;

    // Shared with snapshot().
    mutable std::mutex mutex;
    std::condition_variable cv;
    bool stop_requested = false;
    bool running = false;
    Result result;
    std::vector<ProbeReport> reports;
    std::thread thread;

    explicit Impl(TrackerConfig c) : cfg(std::move(c)) {
        validate(cfg);
        intensity = cfg.intensity ? cfg.intensity : world_average_intensity();
    }

    double now() const { return std::chrono::duration<double>(steady::now() - t0).count(); }

    void read_all() noexcept {
        for (std::size_t i = 0; i < sensors.sensors.size(); ++i)
            sensors.sensors[i]->read(sample, values.data() + offsets[i]);
    }

    // One sampler tick: tree, sensors, energy, CO2, series, checkpoint. Never throws.
    void tick(bool final) noexcept {
        double t = now();
        bool discover = final || cfg.period_s >= DISCOVERY_INTERVAL_S || t - last_discovery >= DISCOVERY_INTERVAL_S;
        if (discover) last_discovery = t;
        tree->sample(t, discover, sample);
        read_all();
        ComponentJoules added = acc->update(sample, values.data());
        double slow_every = std::max(MIN_SLOW_INTERVAL_S, SLOW_EVERY_PERIODS * cfg.period_s);
        if (final || t - last_slow >= slow_every) {
            last_slow = t;
            for (std::size_t i = 0; i < sensors.sensors.size(); ++i)
                sensors.sensors[i]->slow_update(sample, used.get() + offsets[i]);
            ComponentJoules settled = acc->settle(used.get());
            for (std::size_t c = 0; c < added.size(); ++c) added[c] += settled[c];
        }
        const auto wall = std::chrono::system_clock::now();
        const double g_per_kwh = intensity->at(wall);
        const double price_per_kwh = cfg.price ? cfg.price->at(wall) : 0.0;
        const double joules = added[0] + added[1] + added[2];
        {
            std::lock_guard lock(mutex);
            const auto& totals = acc->totals();
            result.cpu.joules = totals[index_of(Component::cpu)];
            result.gpu.joules = totals[index_of(Component::gpu)];
            result.ram.joules = totals[index_of(Component::ram)];
            result.co2_kg += joules * cfg.pue / 3.6e6 * g_per_kwh / 1000.0;
            if (cfg.price) *result.cost += joules * cfg.pue / 3.6e6 * price_per_kwh;
            weighted_intensity += joules * g_per_kwh;
            const double it = result.it_joules();
            result.intensity_g_per_kwh = it > 0 ? weighted_intensity / it : g_per_kwh;
            result.duration_s = t;
            ++result.samples;
            result.read_failures = failure_count();
        }
        if (series) series->append(t, added, acc->totals(), result_co2(), g_per_kwh, sample);
        if (!final && record && t - last_checkpoint >= cfg.checkpoint_s) {
            last_checkpoint = t;
            checkpoint(false);
        }
    }

    double result_co2() {
        std::lock_guard lock(mutex);
        return result.co2_kg;
    }

    std::uint64_t failure_count() const noexcept {
        std::uint64_t n = tree->failures().count() + write_failures;
        for (const auto& s : sensors.sensors) n += s->failures().count();
        return n;
    }

    void checkpoint(bool final) noexcept {
        try {
            std::string row;
            {
                std::lock_guard lock(mutex);
                row = CsvWriter::row(result);
            }
            if (!record->rewrite(row, final)) throw Error(Errc::internal, "record row outgrew its reservation");
            if (series) series->flush();
        } catch (const std::exception& e) {
            if (write_failures++ == 0) first_write_failure = e.what();
        }
    }

    void loop() {
        const auto period = std::chrono::duration_cast<steady::duration>(std::chrono::duration<double>(cfg.period_s));
        // Warm-up: the first ticks come at 10, 20, 40... ms until the period is reached, so a run shorter
        // than one period still gets samples of its memory and power (CPU time is a counter and needs none).
        auto step = std::min(period, std::chrono::duration_cast<steady::duration>(std::chrono::milliseconds(10)));
        auto next = t0 + step;
        std::unique_lock lock(mutex);
        while (!stop_requested) {
            if (cv.wait_until(lock, next, [&] { return stop_requested; })) break;
            lock.unlock();
            tick(false);
            lock.lock();
            step = std::min(period, step * 2);
            next += step;
            auto n = steady::now();
            if (next <= n) next = n + period;  // fell behind (suspended, overloaded): skip, do not burst
        }
    }

    void start() {
        if (running) throw Error(Errc::invalid_state, "tracker already started: call stop() first");
        fs = sys::FsRoot::resolve(cfg.paths);
        if (!cfg.output.empty()) record = std::make_unique<RecordFile>(cfg.output, CsvWriter::header());

        ProcessTree::Options topt;
        topt.root = cfg.root_pid;
        topt.count_from_root_start = cfg.count_from_root_start;
        tree = std::make_unique<ProcessTree>(fs, topt);
        ProbeReport procfs = tree->probe();

        sensors = build_sensors(fs, sys::default_reader(), cfg.scope, nvml_options(cfg));
        sensors.reports.insert(sensors.reports.begin(), procfs);

        std::vector<Channel> channels;
        offsets.clear();
        for (const auto& s : sensors.sensors) {
            offsets.push_back(channels.size());
            channels.insert(channels.end(), s->channels().begin(), s->channels().end());
        }
        values.assign(channels.size(), std::nan(""));
        used = std::make_unique<bool[]>(channels.size());
        acc = std::make_unique<Accumulator>(std::move(channels));

        // Baseline.
        t0 = steady::now();
        last_checkpoint = last_slow = last_discovery = 0;
        weighted_intensity = 0;
        write_failures = 0;
        tree->sample(0.0, true, sample);
        sensors.reports.insert(sensors.reports.begin() + 1, tree->probe_cgroup());
        read_all();
        acc->begin(sample, values.data());
        for (const auto& s : sensors.sensors) s->slow_update(sample, used.get());  // first process lists

        Result r;
        r.id = new_run_id();
        r.project_name = cfg.project_name;
        r.experiment_description = cfg.experiment_description;
        r.start_time = std::chrono::system_clock::now();
        r.pue = cfg.pue;
        r.scope = cfg.scope;
        r.cpu_name = sensors.cpu_name;
        r.gpu_name = sensors.gpu ? sensors.gpu->device_names() : "";
        r.os = os_string();
        r.host = host_name();
        r.region = intensity->region();
        r.location_source = intensity->source();
        r.intensity_g_per_kwh = intensity->at(r.start_time);
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
        r.status = RunStatus::interrupted;  // what a reader sees if the tracker never reaches stop()

        if (record) {
            std::string row = CsvWriter::row(r);
            record->append_reserved(row, row.size() + NUMERIC_FIELDS * NUMERIC_FIELD_ROOM);
        }
        if (record && cfg.write_series) {
            try {
                series = std::make_unique<SeriesWriter>(SeriesWriter::path_for(cfg.output, r.id));
            } catch (const std::exception& e) {
                r.warnings.push_back(std::string("time series not written: ") + e.what());
            }
        }
        {
            std::lock_guard lock(mutex);
            result = std::move(r);
            reports = sensors.reports;
            stop_requested = false;
            running = true;
        }
        thread = std::thread([this] { loop(); });
    }

    Result stop(std::optional<int> exit_code, RunStatus status) {
        if (!running) throw Error(Errc::invalid_state, "tracker is not running: call start() first");
        {
            std::lock_guard lock(mutex);
            stop_requested = true;
        }
        cv.notify_all();
        if (thread.joinable()) thread.join();
        tick(true);
        Result r;
        {
            std::lock_guard lock(mutex);
            result.status = status;
            result.exit_code = exit_code;
            collect_warnings(result);
            r = result;
        }
        if (record) {
            checkpoint(true);
            if (write_failures > 0) r.warnings.push_back("record: " + first_write_failure);
        }
        if (series) {
            series->close();
            series.reset();
        }
        record.reset();
        std::lock_guard lock(mutex);
        running = false;
        return r;
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

void Tracker::start() { m_impl->start(); }
Result Tracker::stop() { return m_impl->stop(std::nullopt, RunStatus::completed); }
Result Tracker::stop(std::optional<int> exit_code, RunStatus status) { return m_impl->stop(exit_code, status); }

Result Tracker::snapshot() const {
    std::lock_guard lock(m_impl->mutex);
    if (!m_impl->running) throw Error(Errc::invalid_state, "tracker is not running: call start() first");
    Result r = m_impl->result;
    r.status = RunStatus::running;
    return r;
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
    topt.root = config.root_pid;
    ProcessTree tree(fs, topt);
    SensorSet set = build_sensors(fs, sys::default_reader(), config.scope, nvml_options(config));
    TreeSample sample;
    tree.sample(0.0, true, sample);
    set.reports.insert(set.reports.begin(), tree.probe_cgroup());
    set.reports.insert(set.reports.begin(), tree.probe());
    return set.reports;
}

}  // namespace eco2
