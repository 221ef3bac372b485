// `eco2 run`: start the command at once, then set the sensors up while it runs; forward signals; reap;
// record; return the command's status. The tracker never changes the command's fate.

#include <spawn.h>
#include <sys/prctl.h>
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
#include "run_control.hpp"
#include "commands.hpp"
#include "eco2/error.hpp"
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
    c.output = o.output;
    c.write_series = o.series;
    c.period_s = o.period;
    c.checkpoint_s = o.checkpoint;
    c.scope = o.scope;
    c.pue = o.pue;
    o.apply_cpu(c);
    c.expected_epochs = o.epochs;
    c.predict_after = o.predict_after;
    c.budget_kwh = o.budget_kwh;
    c.budget_kg = o.budget_kg;
    c.efficiency_alpha = o.alpha;
    // Stopping is eco2 run's job (SIGTERM to the command, measured until it exits): see RunControl.
    c.stop_on_budget = false;
    return c;
}

int exit_status_of(const siginfo_t& info) {
    if (info.si_code == CLD_EXITED) return info.si_status;
    return 128 + info.si_status;  // killed or dumped by signal si_status
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
    // Problems with eco2's own options stop us before the command starts.
    { Tracker validate_only(config); }
    if (!config.output.empty()) detail::RecordFile::check_writable(config.output, detail::CsvWriter::header());

    sigset_t handled;
    sigemptyset(&handled);
    sigaddset(&handled, SIGCHLD);
    for (int s : FORWARDED) sigaddset(&handled, s);
    sigset_t previous;
    pthread_sigmask(SIG_BLOCK, &handled, &previous);  // before any thread exists, so all inherit it
    // Orphaned grandchildren come back to us rather than to init, so we can reap them.
    ::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);

    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t defaults;
    sigemptyset(&defaults);
    for (int s : FORWARDED) sigaddset(&defaults, s);
    sigaddset(&defaults, SIGCHLD);
    posix_spawnattr_setsigmask(&attr, &previous);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
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

    pid_t child = 0;
    int rc = ::posix_spawnp(&child, argv[0], nullptr, &attr, argv.data(), envp.data());
    posix_spawnattr_destroy(&attr);
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
    config.root_pid = child;
    config.count_from_root_start = true;
    std::optional<Tracker> tracker;
    try {
        tracker.emplace(config);
        tracker->start();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "eco2: error: tracking failed, the command runs on untracked: %s\n", e.what());
        tracker.reset();
    }
    if (tracker) control.start(*tracker, child);

    int status = 0;
    for (;;) {
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
        bool done = false;
        for (;;) {
            siginfo_t w{};
            // Peek first: the command's final (zombie) sample must be taken before it is reaped.
            if (::waitid(P_ALL, 0, &w, WEXITED | WNOHANG | WNOWAIT) != 0 || w.si_pid == 0) break;
            if (w.si_pid == child) {
                status = exit_status_of(w);
                done = true;
                break;
            }
            siginfo_t reaped{};
            ::waitid(P_PID, static_cast<id_t>(w.si_pid), &reaped, WEXITED);  // an orphan handed to us
        }
        if (done) break;
    }

    control.stop();  // marks written just before the command exited still count
    std::optional<Result> result;
    if (tracker) {
        try {
            result = tracker->stop(status, control.budget_stopped() ? RunStatus::budget_stopped : RunStatus::completed);
        } catch (const std::exception& e) {
            std::fprintf(stderr, "eco2: error: %s\n", e.what());
        }
    }
    siginfo_t reaped{};
    ::waitid(P_PID, static_cast<id_t>(child), &reaped, WEXITED);
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
        std::string series = config.write_series && !config.output.empty()
                                 ? detail::SeriesWriter::path_for(config.output, result->id).string()
                                 : std::string();
        std::fputs(detail::format_summary(*result, config.output.string(), series).c_str(), stderr);
    }
    return status;
}

}  // namespace eco2::cli
