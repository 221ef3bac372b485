// Cost of one sampler tick on a live process tree, through the library's real code (see docs/benchmarks.md).
//
// Trees of 1, 50 and 1,000 sleeping processes (a root that fork()s N-1 children, all in pause()) are spawned
// before the benchmarks run and killed after them. Measured:
//   BM_tracker_tick/procs:N/period_us:P  a real eco2::Tracker on the tree (Tracker::start: discovery of the
//                                         back ends, the measurement, the ledger, the sinks of a records file
//                                         with its series, as `eco2 run` writes them; then its own sampler
//                                         thread ticking every P us for 3 s; Tracker::stop). Counters: the
//                                         sampler thread's CPU time (/proc/self/task/<tid>/schedstat) per
//                                         period tick (ticks: the series' rows before the final one) and as
//                                         % of one core; every tick sleeps first, so the wake-up and cold
//                                         caches are in it. The label names the back ends the tracker used.
//   BM_tracker_tick_cgroup/...           the same with the tree in a cgroup v2 of its own given as the
//                                         tracker's cgroup_dir (eco2 run's cgroup source; registered only
//                                         where the cgroup can be made: root)
//   BM_tree_sample/procs:N/discover:{1,0}  ProcessTree::sample alone, back to back (reading /proc/stat and
//                                         /proc/meminfo too), with and without discovery: discover:1 scans
//                                         /proc only when /proc/loadavg's last pid moved, and at least every
//                                         5 s (one iteration = 1 s of tree time)
//   BM_wakeup/period_us:10000            the sampler's sleep alone: CPU per wake-up of sys::Clock::wait_until
//                                         (the real clock, on a StopSignal) a deadline 10 ms ahead, no work
//   BM_syscall/...                       the system calls a tick is made of, one at a time, for the
//                                         breakdown: pread of a kept-open /proc/<pid>/stat, of /proc/stat and
//                                         /proc/meminfo (4 KiB prefix, as ProcessTree does), of /proc/loadavg
//                                         (the check before a scan), a full opendir/readdir/closedir of
//                                         /proc, and getppid() as the floor
// The tracker reads the system as eco2 does: ECO2_SYS_ROOT and ECO2_NVML_LIBRARY select a fixture sysfs tree
// (tests/fixtures/rapl_2socket_dram/sys: RAPL) and the fake NVML (build/dev/tests/libnvidia-ml-fake.so), so
// those back ends' reads are measured too; the process tree is always the live one.

#include <benchmark/benchmark.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "core/process_tree.hpp"
#include "eco2/tracker.hpp"
#include "sys/file_reader.hpp"
#include "sys/fs_root.hpp"
#include "sys/proc_parse.hpp"
#include "sys/stop_signal.hpp"
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

ProcessTree::Options tree_options(pid_t root) {
    ProcessTree::Options o;
    o.root = root;
    o.count_from_root_start = true;
    return o;
}

// CPU time (ns) of this process's threads other than the calling one: the tracker's sampler thread.
std::uint64_t other_threads_cpu_ns() {
    std::uint64_t ns = 0;
    const std::string self = std::to_string(::gettid());
    for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
        if (task.path().filename() == self) continue;
        auto text = sys::default_reader().read(task.path() / "schedstat");
        if (text.ok()) ns += sys::parse_u64(text.text.substr(0, text.text.find(' '))).value_or(0);
    }
    return ns;
}

// Rows of a series file (its header left out); 0 when it cannot be read.
std::size_t series_rows(const std::filesystem::path& file) {
    std::ifstream in(file);
    std::string line;
    std::size_t lines = 0;
    while (std::getline(in, line)) ++lines;
    return lines > 0 ? lines - 1 : 0;
}

// One iteration: a Tracker on the tree, sampling every period_us for 3 s, then stopped.
void BM_tracker_tick(benchmark::State& state, pid_t root, std::filesystem::path cgroup) {
    const std::filesystem::path dir =
        std::filesystem::temp_directory_path() / ("eco2_tick_bench_" + std::to_string(::getpid()));
    const double period_s = static_cast<double>(state.range(0)) / 1e6;
    double cpu_ns = 0, ticks = 0;
    std::string used;
    for (auto _ : state) {
        std::filesystem::remove_all(dir);
        std::filesystem::create_directories(dir);
        TrackerConfig cfg;
        cfg.sampling.period_s = period_s;
        cfg.sampling.checkpoint_s = 10.0;
        cfg.sampling.root_pid = root;
        cfg.sampling.count_from_root_start = true;
        cfg.sampling.cgroup_dir = cgroup;
        cfg.output.path = dir / "records.csv";
        cfg.output.agent = false;
        Tracker tracker(cfg);
        tracker.start();
        std::this_thread::sleep_for(std::chrono::seconds(3));
        const std::uint64_t ns = other_threads_cpu_ns();  // before stop(): its final tick runs on this thread
        const Result result = tracker.stop();
        cpu_ns += static_cast<double>(ns);
        const std::size_t rows = series_rows(SeriesWriter::path_for(cfg.output.path, result.id));
        ticks += rows > 0 ? static_cast<double>(rows - 1) : 0.0;
        used.clear();
        for (const ProbeReport& r : tracker.sensors())
            if (r.used) used += (used.empty() ? "" : ",") + r.backend;
    }
    std::filesystem::remove_all(dir);
    if (ticks == 0) {
        state.SkipWithError("the tracker wrote no series row");
        return;
    }
    state.SetLabel(used);
    state.counters["ticks"] = ticks / static_cast<double>(state.iterations());
    state.counters["cpu_us_per_tick"] = cpu_ns / ticks / 1e3;
    state.counters["pct_of_core"] = cpu_ns / ticks / 1e3 / static_cast<double>(state.range(0)) * 100.0;
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

// The sampler thread's sleep between ticks (the real sys::Clock's wait_until a steady_clock deadline, on a
// StopSignal, as Sampler::loop() sleeps) with nothing to do: the CPU time per wake-up is the floor of a tick.
void BM_wakeup(benchmark::State& state) {
    const std::shared_ptr<const sys::Clock> clock = sys::real_clock();
    sys::StopSignal stop;
    const auto period = std::chrono::microseconds(state.range(0));
    auto next = clock->steady_now() + period;
    for (auto _ : state) {
        clock->wait_until(next, stop);
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
        for (const auto& [name, dir] : {std::pair<std::string, std::filesystem::path>("BM_tracker_tick", {}),
                                        std::pair<std::string, std::filesystem::path>("BM_tracker_tick_cgroup",
                                                                                      cg.dir())}) {
            if (name != "BM_tracker_tick" && dir.empty()) continue;
            benchmark::RegisterBenchmark((name + procs).c_str(), BM_tracker_tick, root, dir)
                ->ArgName("period_us")
                ->Arg(10'000)
                ->Arg(100'000)
                ->Iterations(1)
                ->Unit(benchmark::kMillisecond);
        }
        benchmark::RegisterBenchmark(("BM_tree_sample" + procs).c_str(), BM_tree_sample, root)
            ->ArgName("discover")
            ->Arg(1)
            ->Arg(0)
            ->Unit(benchmark::kMicrosecond);
    }
    const std::string pid_stat = "/proc/" + std::to_string(fifty.root()) + "/stat";
    benchmark::RegisterBenchmark("BM_syscall/pread_pid_stat", BM_pread, pid_stat);
    benchmark::RegisterBenchmark("BM_syscall/pread_proc_stat", BM_pread, std::string("/proc/stat"));
    benchmark::RegisterBenchmark("BM_syscall/pread_meminfo", BM_pread, std::string("/proc/meminfo"));
    benchmark::RegisterBenchmark("BM_syscall/pread_loadavg", BM_pread, std::string("/proc/loadavg"));
    benchmark::RegisterBenchmark("BM_syscall/scan_proc", BM_scan_proc);
    benchmark::RegisterBenchmark("BM_syscall/getppid", BM_getppid);
    benchmark::RegisterBenchmark("BM_wakeup", BM_wakeup)
        ->ArgName("period_us")
        ->Arg(10'000)
        ->Iterations(300)
        ->Unit(benchmark::kMicrosecond);
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
