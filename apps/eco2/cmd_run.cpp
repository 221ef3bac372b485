// `eco2 run`: start the command at once, then set the sensors up while it runs; forward signals; reap;
// record; return the command's status. The tracker never changes the command's fate.

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>

#include "carbon_setup.hpp"
#include "core/control.hpp"
#include "run_cgroup.hpp"
#include "run_control.hpp"
#include "commands.hpp"
#include "eco2/error.hpp"
#include "core/job.hpp"
#include "eco2/tracker.hpp"
#include "report/summary.hpp"
#include "writers/csv_writer.hpp"
#include "writers/record_file.hpp"
#include "writers/series_writer.hpp"

extern char** environ;

namespace eco2::cli {
namespace {

constexpr int FORWARDED[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};

TrackerConfig make_config(const Options& o) {
    TrackerConfig c;
    c.project_name = o.project;
    c.experiment_description = o.experiment;
    c.output.path = o.output;
    c.output.write_series = o.series;
    c.sampling.period_s = o.period;
    c.sampling.checkpoint_s = o.checkpoint;
    c.sampling.scope = o.scope;
    c.pue = o.pue;
    o.apply_cpu(c);
    c.training.expected_epochs = o.epochs;
    c.training.predict_after = o.predict_after;
    c.training.budget_kwh = o.budget_kwh;
    c.training.budget_kg = o.budget_kg;
    c.training.efficiency_alpha = o.alpha;
    // Stopping is eco2 run's job (SIGTERM to the command, measured until it exits): see RunControl.
    c.training.stop_on_budget = false;
    return c;
}

int exit_status_of(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    return 128 + WTERMSIG(status);  // killed or dumped by a signal
}

double cpu_seconds(const rusage& ru) {
    return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6;
}

// The command started: its pid, or the errno of what failed (exec), and the errno of joining the cgroup.
struct Spawned {
    pid_t pid = 0;
    int error = 0;
    int join_error = 0;
};

// fork + exec rather than posix_spawn: the child joins the run's cgroups between the two, so that every
// process of the command is born inside them. Between fork and exec only async-signal-safe calls.
Spawned spawn_command(char* const* argv, char* const* envp, const sigset_t& mask, const RunCgroup& cgroup) {
    Spawned s;
    int report[2];
    if (::pipe2(report, O_CLOEXEC) != 0) {
        s.error = errno;
        return s;
    }
    s.pid = ::fork();
    if (s.pid < 0) {
        s.error = errno;
        s.pid = 0;
        ::close(report[0]);
        ::close(report[1]);
        return s;
    }
    if (s.pid == 0) {
        ::close(report[0]);
        int joined[2] = {1, cgroup.join_in_child()};
        if (joined[1] != 0) (void)!::write(report[1], joined, sizeof joined);
        struct sigaction dfl {};
        dfl.sa_handler = SIG_DFL;
        for (int sig : FORWARDED) ::sigaction(sig, &dfl, nullptr);
        ::sigaction(SIGCHLD, &dfl, nullptr);
        ::sigprocmask(SIG_SETMASK, &mask, nullptr);
        ::execvpe(argv[0], argv, envp);
        int failed[2] = {2, errno};
        (void)!::write(report[1], failed, sizeof failed);
        ::_exit(127);
    }
    ::close(report[1]);
    int rec[2];
    for (;;) {
        ssize_t n = ::read(report[0], rec, sizeof rec);
        if (n < 0 && errno == EINTR) continue;
        if (n != static_cast<ssize_t>(sizeof rec)) break;  // end of file: exec succeeded
        if (rec[0] == 1) s.join_error = rec[1];
        else s.error = rec[1];
    }
    ::close(report[0]);
    if (s.error != 0) {
        int status = 0;
        while (::waitpid(s.pid, &status, 0) < 0 && errno == EINTR) {
        }
        s.pid = 0;
    }
    return s;
}

// Signals typed at a terminal reach the whole foreground group, the command included: forward only what
// was sent to eco2 alone (kill(2) from another process).
bool sent_to_us_alone(const siginfo_t& info, pid_t child) {
    return (info.si_code == SI_USER || info.si_code == SI_QUEUE || info.si_code == SI_TKILL) && info.si_pid != child;
}

// Where the electricity comes from, once the command runs: nothing the user gave can be wrong here (see
// carbon_needs_checking), but a guessed zone may lack a value, so a failure falls back to the world average.
CarbonSetup carbon_after_start(const Options& options) {
    try {
        return setup_carbon(options, CarbonContext{});
    } catch (const std::exception& e) {
        CarbonSetup fallback;
        fallback.intensity = world_average_intensity();
        fallback.warnings.push_back(
            fmt::format("{}: the world average {} gCO2/kWh was used", e.what(), WORLD_AVERAGE_G_PER_KWH));
        return fallback;
    }
}

}  // namespace

int cmd_run(const Options& options) {
    // Where the electricity comes from: when the options name a region, table, series, year or tariff, resolved
    // (and any mistake reported) before the command starts; otherwise after, so that it does not delay it.
    std::optional<CarbonSetup> carbon;
    if (carbon_needs_checking(options)) carbon = setup_carbon(options, CarbonContext{});
    TrackerConfig config = make_config(options);
    {  // ranks and job from the environment (torchrun, SLURM, MPI): docs/scale-out.md
        auto job = detail::job_setup(detail::environment_from(environ), ::getuid());
        for (const auto& w : job.warnings) std::fprintf(stderr, "eco2: warning: %s\n", w.c_str());
        config.job = std::move(job.job);
        config.job_runtime_dir = std::move(job.runtime_dir);
    }
    // Problems with eco2's own options stop us before the command starts.
    { Tracker validate_only(config); }
    if (!config.output.path.empty()) detail::RecordFile::check_writable(config.output.path, detail::CsvWriter::header());

    sigset_t handled;
    sigemptyset(&handled);
    sigaddset(&handled, SIGCHLD);
    for (int s : FORWARDED) sigaddset(&handled, s);
    sigset_t previous;
    pthread_sigmask(SIG_BLOCK, &handled, &previous);  // before any thread exists, so all inherit it
    // Orphaned grandchildren come back to us rather than to init, so we can reap them (and count them).
    ::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    // Inherited SIG_IGN would have the kernel reap our children, their rusage lost with them.
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    ::sigaction(SIGCHLD, &dfl, nullptr);

    // A cgroup of the command's own where eco2 may make one: CPU time (and memory) counted by the kernel.
    RunCgroup cgroup = RunCgroup::create(options.cgroup, sys::FsRoot::resolve(SystemPaths{}));
    if (!cgroup.active() && options.cgroup != "auto" && options.cgroup != "off")
        std::fprintf(stderr, "eco2: warning: %s: CPU time from /proc instead\n", cgroup.note().c_str());
    std::vector<char*> argv;
    for (const auto& a : options.command) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);

    // The control channel: the command marks epochs through the FIFO named by ECO2_CONTROL.
    std::unique_ptr<detail::ControlFifo> fifo;
    try {
        fifo = std::make_unique<detail::ControlFifo>();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "eco2: warning: no control channel (epoch marks will be ignored): %s\n", e.what());
    }
    std::string control_env = fifo ? std::string(detail::CONTROL_ENV) + "=" + fifo->path().string() : std::string();
    std::vector<char*> envp;
    const std::string control_prefix = std::string(detail::CONTROL_ENV) + "=";
    for (char** e = environ; *e != nullptr; ++e)
        if (!fifo || std::strncmp(*e, control_prefix.c_str(), control_prefix.size()) != 0) envp.push_back(*e);
    if (fifo) envp.push_back(control_env.data());
    envp.push_back(nullptr);
    RunControl control(fifo.get(), options.stop_on_budget, options.grace);
    config.on_event = [&control](const TrackerEvent& e) { control.on_event(e); };

    const Spawned spawned = spawn_command(argv.data(), envp.data(), previous, cgroup);
    const pid_t child = spawned.pid;
    const int rc = spawned.error;
    if (rc != 0) {
        pthread_sigmask(SIG_SETMASK, &previous, nullptr);
        if (rc == ENOENT) {
            std::fprintf(stderr, "eco2: error: command not found: %s (check the name and your PATH)\n", argv[0]);
            return 127;
        }
        std::fprintf(stderr, "eco2: error: cannot run %s: %s\n", argv[0], std::strerror(rc));
        return 126;
    }

    if (!carbon) carbon = carbon_after_start(options);
    config.intensity = carbon->intensity;
    config.price = carbon->price;
    if (spawned.join_error != 0) {
        std::fprintf(stderr, "eco2: warning: cannot move the command into cgroup %s (%s): CPU time from /proc\n",
                     cgroup.cpu_dir().c_str(), std::strerror(spawned.join_error));
        cgroup.give_up(spawned.join_error);
    }
    config.sampling.root_pid = child;
    config.sampling.count_from_root_start = true;
    config.sampling.subreaper_pid = ::getpid();
    config.sampling.cgroup_dir = cgroup.cpu_dir();
    config.sampling.memory_stat = cgroup.memory_stat();
    config.sampling.memory_stat_v1 = cgroup.memory_v1();
    std::optional<Tracker> tracker;
    try {
        tracker.emplace(config);
        tracker->start();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "eco2: error: tracking failed, the command runs on untracked: %s\n", e.what());
        tracker.reset();
    }
    if (tracker) control.start(*tracker, child);

    // Reaps what has exited: the command, and the orphans reparented to us (the subreaper), each with its
    // exact rusage handed to the tracker. Returns false when we have no child left.
    int status = 0;
    bool done = false;
    auto reap = [&]() {
        for (;;) {
            siginfo_t w{};
            if (::waitid(P_ALL, 0, &w, WEXITED | WNOHANG | WNOWAIT) != 0) return false;  // ECHILD
            if (w.si_pid == 0) return true;
            if (w.si_pid == child) control.forget_child();  // no budget-stop signal to a reused pid
            int st = 0;
            rusage ru{};
            if (::wait4(w.si_pid, &st, 0, &ru) != w.si_pid) continue;
            if (tracker) tracker->account_reaped(w.si_pid, cpu_seconds(ru));
            if (w.si_pid == child) {
                status = exit_status_of(st);
                done = true;
            }
        }
    };
    while (!done) {
        siginfo_t info{};
        const auto wait = control.poll_budget_stop();
        const timespec timeout{static_cast<time_t>(wait.count() / 1000), static_cast<long>(wait.count() % 1000) * 1'000'000};
        if (::sigtimedwait(&handled, &info, &timeout) < 0) {
            if (errno == EINTR || errno == EAGAIN) continue;
            break;
        }
        if (info.si_signo != SIGCHLD) {
            if (sent_to_us_alone(info, child)) ::kill(child, info.si_signo);
            continue;
        }
        reap();
    }
    // --wait-tree: the processes the command left running are still our descendants (we are their
    // subreaper), so we have children exactly while some remain. A forwarded signal (Ctrl-C) stops waiting.
    bool waiting = options.wait_tree && reap();
    if (waiting && !options.quiet)
        std::fprintf(stderr, "eco2: the command exited; measuring until the processes it left have exited "
                             "(--wait-tree; Ctrl-C stops waiting)\n");
    while (waiting) {
        siginfo_t info{};
        const timespec timeout{1, 0};  // also re-checks for children now and then
        if (::sigtimedwait(&handled, &info, &timeout) < 0 && errno != EAGAIN && errno != EINTR) break;
        if (info.si_signo != 0 && info.si_signo != SIGCHLD) break;
        waiting = reap();
    }
    reap();  // orphans that exited with the command

    control.stop();  // marks written just before the command exited still count
    std::optional<Result> result;
    if (tracker) {
        try {
            result = tracker->stop(status, control.budget_stopped() ? RunStatus::budget_stopped : RunStatus::completed);
        } catch (const std::exception& e) {
            std::fprintf(stderr, "eco2: error: %s\n", e.what());
        }
    }
    if (result && result->left_running && *result->left_running > 0)
        result->warnings.push_back(fmt::format(
            "{} process{} of the command {} still running when it exited; not measured after that{}",
            *result->left_running, *result->left_running == 1 ? "" : "es", *result->left_running == 1 ? "was" : "were",
            options.wait_tree ? " (the wait was interrupted)" : " (--wait-tree measures them until they exit)"));
    for (std::string& note : cgroup.remove())
        if (result) result->warnings.push_back(std::move(note));
    if (result) {
        result->warnings.insert(result->warnings.end(), carbon->warnings.begin(), carbon->warnings.end());
        if (carbon->series) {
            const auto end =
                result->start_time + std::chrono::duration_cast<std::chrono::system_clock::duration>(
                                         std::chrono::duration<double>(result->duration_s));
            for (std::string& w : carbon->series->coverage_warnings(result->start_time, end))
                result->warnings.push_back(std::move(w));
        }
    }
    if (result && !options.quiet) {
        std::string series = config.output.write_series && !config.output.path.empty()
                                 ? detail::SeriesWriter::path_for(config.output.path, result->id).string()
                                 : std::string();
        std::fputs(detail::format_summary(*result, config.output.path.string(), series).c_str(), stderr);
    }
    return status;
}

}  // namespace eco2::cli
