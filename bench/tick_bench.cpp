// Cost of one sampler tick on a live process tree (see docs/benchmarks.md).
//
// Trees of 1, 50 and 1,000 sleeping processes (a root that fork()s N-1 children, all in pause()) are spawned
// before the benchmarks run and killed after them. Measured:
//   BM_tree_sample/procs:N/discover:{1,0}  ProcessTree::sample (reading /proc/stat and /proc/meminfo too)
//                                           with and without discovery: discover:1 scans /proc only when
//                                           /proc/loadavg's last pid moved, and at least every 5 s (one
//                                           iteration = 1 s of tree time)
//   BM_tick/procs:N/discover:{1,0}         what Tracker's tick() does per sample on a machine without RAPL or
//                                           NVML: tree sample (machine figures read only if a sensor uses
//                                           them, as tick() does), every sensor of discover_sensors() read,
//                                           Accumulator::update
//   BM_tick_series/procs:N/discover:{1,0}  the same plus the time-series row eco2 run writes per tick
//   BM_paced_tick/procs:N/period_us:P      BM_tick_series paced as eco2 run paces it: one tick every P
//                                           us after a sleep on a deadline, the tree read at most every
//                                           100 ms and /proc scanned at most every 250 ms, as tick() does;
//                                           CPU per tick includes the wake-up and the cold caches
//   BM_paced_tick_cgroup/procs:N/period_us:P  the same with the tree in a cgroup v2 of its own whose
//                                           cpu.stat gives the CPU time (the cgroup source of eco2 run;
//                                           registered only where the cgroup can be made: root)
//   BM_wakeup/period_us:10000              the sampler's sleep alone: CPU per wake-up of a thread waiting on
//                                           a StopSignal until a deadline 10 ms ahead (no work)
//   BM_wakeup_condvar/period_us:10000      the same on a condition variable (the sampler's sleep before)
//   BM_syscall/...                         the system calls a tick is made of, one at a time, for the
//                                           breakdown: pread of a kept-open /proc/<pid>/stat, of /proc/stat
//                                           and /proc/meminfo (4 KiB prefix, as ProcessTree does), of
//                                           /proc/loadavg (the check before a scan), a full
//                                           opendir/readdir/closedir of /proc, and getppid() as the floor
// The CPU column (thread CPU time, user + system) is the figure that counts against the "% of one core"
// targets: the sampler's work is almost all system calls on procfs.

#include <benchmark/benchmark.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/accumulator.hpp"
#include "core/process_tree.hpp"
#include "core/sampler.hpp"
#include "sys/stop_signal.hpp"
#include "sensors/registry.hpp"
#include "sys/file_reader.hpp"
#include "sys/fs_root.hpp"
#include "sys/proc_parse.hpp"
#include "sys/system_context.hpp"
#include "writers/series_writer.hpp"

namespace {

using namespace eco2;
using namespace eco2::detail;

// A process group of `size` sleeping processes: the root and size-1 children of it. Killed on destruction.
class SleepingTree {
public:
    explicit SleepingTree(int size) {
        int ready[2];
        if (::pipe(ready) != 0) throw std::runtime_error("pipe failed");
        m_root = ::fork();
        if (m_root < 0) throw std::runtime_error("fork failed");
        if (m_root == 0) {
            ::setpgid(0, 0);
            ::close(ready[0]);
            for (int i = 1; i < size; ++i) {
                pid_t c = ::fork();
                if (c == 0) {
                    ::close(ready[1]);
                    for (;;) ::pause();
                }
            }
            char ok = 1;
            if (::write(ready[1], &ok, 1) != 1) ::_exit(1);
            ::close(ready[1]);
            for (;;) ::pause();
        }
        ::setpgid(m_root, m_root);  // also here, so the group exists whichever side runs first
        ::close(ready[1]);
        char ok = 0;
        ssize_t n = ::read(ready[0], &ok, 1);
        ::close(ready[0]);
        if (n != 1) throw std::runtime_error("the process tree did not start");
        m_size = size;
    }
    ~SleepingTree() {
        ::kill(-m_root, SIGKILL);
        // The root's children are handed to us (main() makes us a subreaper) before the root is reapable.
        ::waitpid(m_root, nullptr, 0);
        while (::waitpid(-m_root, nullptr, 0) > 0) {
        }
    }
    SleepingTree(const SleepingTree&) = delete;
    SleepingTree& operator=(const SleepingTree&) = delete;
    pid_t root() const noexcept { return m_root; }
    int size() const noexcept { return m_size; }

private:
    pid_t m_root = 0;
    int m_size = 0;
};

// A cgroup v2 beside this process's own holding a SleepingTree (what eco2 run makes for its command); dir()
// is empty where it cannot be made (not root, no v2 hierarchy). On destruction the processes go back to the
// parent cgroup and the cgroup is removed.
class TreeCgroup {
public:
    explicit TreeCgroup(const SleepingTree& tree) {
        const auto& reader = sys::default_reader();
        auto own = reader.read("/proc/self/cgroup");
        auto mounts = reader.read("/proc/self/mountinfo");
        auto path = own.ok() ? sys::parse_cgroup_v2_path(own.text) : std::nullopt;
        auto mount = mounts.ok() ? sys::parse_cgroup2_mount(mounts.text) : std::nullopt;
        if (!path || !mount) return;
        m_parent = std::filesystem::path(*mount) / std::filesystem::path(*path).relative_path();
        std::filesystem::path dir =
            m_parent / ("eco2-tick-bench-" + std::to_string(::getpid()) + "-" + std::to_string(tree.size()));
        if (::mkdir(dir.c_str(), 0755) != 0) return;
        m_dir = dir;
        for (pid_t pid : group_members(tree.root()))
            if (!write_pid(m_dir / "cgroup.procs", pid)) m_dir.clear();
    }
    ~TreeCgroup() {
        if (m_dir.empty()) return;
        auto procs = sys::default_reader().read(m_dir / "cgroup.procs");
        std::size_t at = 0;
        while (procs.ok() && at < procs.text.size()) {
            std::size_t eol = procs.text.find('\n', at);
            if (eol == std::string::npos) eol = procs.text.size();
            if (auto pid = sys::parse_u64(std::string_view(procs.text).substr(at, eol - at)))
                write_pid(m_parent / "cgroup.procs", static_cast<pid_t>(*pid));
            at = eol + 1;
        }
        ::rmdir(m_dir.c_str());
    }
    TreeCgroup(const TreeCgroup&) = delete;
    TreeCgroup& operator=(const TreeCgroup&) = delete;
    const std::filesystem::path& dir() const noexcept { return m_dir; }

private:
    static bool write_pid(const std::filesystem::path& procs, pid_t pid) {
        int fd = ::open(procs.c_str(), O_WRONLY | O_CLOEXEC);
        if (fd < 0) return false;
        const std::string text = std::to_string(pid);
        const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
        ::close(fd);
        return ok;
    }
    // The processes of the tree's process group (SleepingTree puts them in one).
    static std::vector<pid_t> group_members(pid_t group) {
        std::vector<pid_t> pids;
        for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
            const std::string name = entry.path().filename().string();
            if (name.find_first_not_of("0123456789") != std::string::npos) continue;
            const pid_t pid = static_cast<pid_t>(std::stol(name));
            if (::getpgid(pid) == group) pids.push_back(pid);
        }
        return pids;
    }
    std::filesystem::path m_parent, m_dir;
};

ProcessTree::Options tree_options(pid_t root, const std::filesystem::path& cgroup = {}) {
    ProcessTree::Options o;
    o.root = root;
    o.count_from_root_start = true;
    o.own_cgroup = cgroup;
    return o;
}

void BM_tree_sample(benchmark::State& state, pid_t root) {
    const bool discover = state.range(0) != 0;
    ProcessTree tree(sys::FsRoot::live(), tree_options(root));
    TreeSample sample;
    tree.sample(0.0, true, sample);  // the first sample discovers the whole tree, as Tracker::start() does
    double t = 0.0;
    for (auto _ : state) {
        t += 1.0;
        tree.sample(t, discover, sample);
        benchmark::DoNotOptimize(sample.tree_cpu_s);
    }
    state.counters["pids"] = static_cast<double>(sample.pids.size());
    if (tree.failures().count() > 0) state.SkipWithError(tree.failures().first().c_str());
}

// Everything the tracker's tick does per tick (Measurement::read) except the lock-protected bookkeeping of the
// result (Ledger::add, a few additions), the sinks' tick (the series row: BM_tick_series) and the checkpoint
// (measured by checkpoint_bench). slow_update() is a no-op for the model sensors and runs at most once a second.
// The sampler's rates (Sampler::TREE_INTERVAL_S and DISCOVERY_INTERVAL_S in src/core/sampler.hpp): the tree
// is read on every tick at periods of 100 ms and more, else once per 100 ms, and /proc scanned at most once
// per 250 ms. Ticks in between read the sensors on the last tree sample.
constexpr auto TREE_INTERVAL_US = static_cast<std::int64_t>(Sampler::TREE_INTERVAL_S * 1e6);
constexpr auto DISCOVERY_INTERVAL_US = static_cast<std::int64_t>(Sampler::DISCOVERY_INTERVAL_S * 1e6);

// pace_us = 0: back to back, the tree read on every tick, discovery as range(0) says. pace_us > 0: one tick
// per pace_us on a steady_clock deadline (StopSignal::wait_until, as Tracker's loop() sleeps), the
// tree read and /proc scanned as tick() does.
void run_ticks(benchmark::State& state, pid_t root, SeriesWriter* series, std::int64_t pace_us = 0,
               const std::filesystem::path& cgroup = {}) {
    const bool back_to_back_discover = pace_us == 0 && state.range(0) != 0;
    // The live roots (whatever ECO2_PROC_ROOT says), the environment's NVML library, as Tracker::start().
    const sys::SystemContext context = sys::SystemContext::resolve(SystemPaths{"/proc", "/sys", ""},
                                                                   sys::Environment::capture());
    const sys::FsRoot& fs = context.fs();
    SensorSet sensors = discover_sensors(context, DiscoveryRequest{Scope::process, {}});
    std::vector<Channel> channels;
    std::vector<std::size_t> offsets;
    for (const auto& s : sensors.sensors) {
        offsets.push_back(channels.size());
        channels.insert(channels.end(), s->channels().begin(), s->channels().end());
    }
    std::vector<double> values(channels.size(), std::nan(""));
    Accumulator acc(std::move(channels));
    // As Tracker::start(): /proc/stat and /proc/meminfo only when a sensor or RAPL's process share uses them.
    ProcessTree::Options options = tree_options(root, cgroup);
    options.machine = machine_fields(sensors) | acc.machine_fields();
    ProcessTree tree(fs, options);
    TreeSample sample;
    auto read_all = [&] {
        for (std::size_t i = 0; i < sensors.sensors.size(); ++i)
            sensors.sensors[i]->read(sample, values.data() + offsets[i]);
    };
    tree.sample(0.0, true, sample);
    if (!cgroup.empty()) {
        ProbeReport cg = tree.probe_cgroup();
        if (cg.status != ProbeStatus::available) {
            state.SkipWithError(("cgroup source unavailable: " + cg.reason).c_str());
            return;
        }
    }
    read_all();
    acc.begin(sample, values.data());
    sys::StopSignal sleep;
    auto next = std::chrono::steady_clock::now();
    std::int64_t now_us = 0, last_tree_us = 0, last_discovery_us = 0;
    double t = 0.0;
    for (auto _ : state) {
        bool read_tree = true, discover = back_to_back_discover;
        if (pace_us > 0) {
            next += std::chrono::microseconds(pace_us);
            sleep.wait_until(next);
            now_us += pace_us;
            read_tree = pace_us >= TREE_INTERVAL_US || now_us - last_tree_us >= TREE_INTERVAL_US;
            discover = read_tree && now_us - last_discovery_us >= DISCOVERY_INTERVAL_US;
            if (read_tree) last_tree_us = now_us;
            if (discover) last_discovery_us = now_us;
        }
        t = pace_us > 0 ? static_cast<double>(now_us) / 1e6 : t + 1.0;
        if (read_tree) {
            tree.sample(t, discover, sample);
            sample.fresh = true;
        } else {
            sample.t = t;
            sample.fresh = false;
        }
        read_all();
        ComponentJoules added = acc.update(sample, values.data());
        if (series) series->append(t, added, acc.totals(), 0.0, 436.5, sample);
        benchmark::DoNotOptimize(added);
    }
    std::string used;
    for (const auto& s : sensors.sensors) {
        if (!used.empty()) used += ',';
        used += s->backend();
    }
    state.SetLabel(used);
    state.counters["pids"] = static_cast<double>(sample.pids.size());
}

void BM_tick(benchmark::State& state, pid_t root) {
    run_ticks(state, root, nullptr);
}

void with_series(benchmark::State& state, pid_t root, std::int64_t pace_us,
                 const std::filesystem::path& cgroup = {}) {
    std::filesystem::path dir =
        std::filesystem::temp_directory_path() / ("eco2_tick_bench_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    {
        SeriesWriter series(dir / "series.csv");
        run_ticks(state, root, &series, pace_us, cgroup);
        series.close();
    }
    std::filesystem::remove_all(dir);
}

void BM_tick_series(benchmark::State& state, pid_t root) {
    with_series(state, root, 0);
}

// As `eco2 run` samples: paced by the clock, so every tick starts after a sleep (cold caches, a wake-up).
void BM_paced_tick(benchmark::State& state, pid_t root) {
    with_series(state, root, state.range(0));
}

// The same with the cgroup source.
void BM_paced_tick_cgroup(benchmark::State& state, pid_t root, std::filesystem::path cgroup) {
    with_series(state, root, state.range(0), cgroup);
}

// One system call (or one /proc scan) per iteration, on the live system.
void BM_pread(benchmark::State& state, std::string path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        state.SkipWithError(("cannot open " + path).c_str());
        return;
    }
    char buf[4096];
    for (auto _ : state) benchmark::DoNotOptimize(::pread(fd, buf, sizeof buf - 1, 0));
    ::close(fd);
}

void BM_scan_proc(benchmark::State& state) {
    std::size_t entries = 0;
    for (auto _ : state) {
        DIR* dir = ::opendir("/proc");
        entries = 0;
        while (::readdir(dir) != nullptr) ++entries;
        ::closedir(dir);
    }
    state.counters["entries"] = static_cast<double>(entries);
}

// The sampler thread's sleep between ticks (StopSignal::wait_until a steady_clock deadline, as Tracker's
// loop() does) with nothing to do: the CPU time per wake-up is the floor of any tick's cost.
void BM_wakeup(benchmark::State& state) {
    sys::StopSignal sleep;
    const auto period = std::chrono::microseconds(state.range(0));
    auto next = std::chrono::steady_clock::now() + period;
    for (auto _ : state) {
        sleep.wait_until(next);
        next += period;
    }
}

// The same with condition_variable::wait_until (the sampler's sleep before StopSignal), for comparison.
void BM_wakeup_condvar(benchmark::State& state) {
    std::mutex mutex;
    std::condition_variable cv;
    const auto period = std::chrono::microseconds(state.range(0));
    std::unique_lock lock(mutex);
    auto next = std::chrono::steady_clock::now() + period;
    for (auto _ : state) {
        cv.wait_until(lock, next, [] { return false; });
        next += period;
    }
}

void BM_getppid(benchmark::State& state) {
    for (auto _ : state) benchmark::DoNotOptimize(::getppid());
}

}  // namespace

int main(int argc, char** argv) {
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    // Orphans of the trees come back to us, so none is left as a zombie of init.
    ::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    // Spawned before any benchmark thread exists, so fork() copies a single-threaded process.
    SleepingTree one(1);
    SleepingTree fifty(50);
    SleepingTree thousand(1000);
    // Declared after the trees: destroyed (processes moved out, cgroups removed) before the trees are killed.
    TreeCgroup cg_one(one), cg_fifty(fifty), cg_thousand(thousand);
    for (const SleepingTree* tree : {&one, &fifty, &thousand}) {
        const pid_t root = tree->root();
        const std::string procs = "/procs:" + std::to_string(tree->size());
        const TreeCgroup& cg = tree == &one ? cg_one : tree == &fifty ? cg_fifty : cg_thousand;
        if (!cg.dir().empty())
            for (std::int64_t period_us : {10'000, 100'000})
                benchmark::RegisterBenchmark(("BM_paced_tick_cgroup" + procs).c_str(), BM_paced_tick_cgroup, root,
                                             cg.dir())
                    ->ArgName("period_us")
                    ->Arg(period_us)
                    ->Iterations(3'000'000 / period_us)
                    ->Unit(benchmark::kMicrosecond);
        for (const char* name : {"BM_tree_sample", "BM_tick", "BM_tick_series"}) {
            const std::string n = name;
            auto* fn = n == "BM_tree_sample" ? BM_tree_sample : n == "BM_tick" ? BM_tick : BM_tick_series;
            benchmark::RegisterBenchmark((n + procs).c_str(), fn, root)
                ->ArgName("discover")
                ->Arg(1)
                ->Arg(0)
                ->Unit(benchmark::kMicrosecond);
        }
        // About 3 s of ticks at each rate.
        for (std::int64_t period_us : {10'000, 100'000})
            benchmark::RegisterBenchmark(("BM_paced_tick" + procs).c_str(), BM_paced_tick, root)
                ->ArgName("period_us")
                ->Arg(period_us)
                ->Iterations(3'000'000 / period_us)
                ->Unit(benchmark::kMicrosecond);
    }
    const std::string pid_stat = "/proc/" + std::to_string(fifty.root()) + "/stat";
    benchmark::RegisterBenchmark("BM_syscall/pread_pid_stat", BM_pread, pid_stat);
    benchmark::RegisterBenchmark("BM_syscall/pread_proc_stat", BM_pread, std::string("/proc/stat"));
    benchmark::RegisterBenchmark("BM_syscall/pread_meminfo", BM_pread, std::string("/proc/meminfo"));
    benchmark::RegisterBenchmark("BM_syscall/pread_loadavg", BM_pread, std::string("/proc/loadavg"));
    benchmark::RegisterBenchmark("BM_syscall/scan_proc", BM_scan_proc);
    benchmark::RegisterBenchmark("BM_syscall/getppid", BM_getppid);
    using Wakeup = void (*)(benchmark::State&);
    for (auto [name, fn] : {std::pair<const char*, Wakeup>("BM_wakeup", BM_wakeup),
                            std::pair<const char*, Wakeup>("BM_wakeup_condvar", BM_wakeup_condvar)})
        benchmark::RegisterBenchmark(name, fn)
            ->ArgName("period_us")
            ->Arg(10'000)
            ->Iterations(300)
            ->Unit(benchmark::kMicrosecond);
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
