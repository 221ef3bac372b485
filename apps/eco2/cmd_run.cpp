// `eco2 run`: start the command at once, then set the sensors up while it runs; forward signals; reap;
// record; return the command's status. The tracker never changes the command's fate.

#include <unistd.h>

#include <fmt/format.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <optional>

#include "carbon_request.hpp"
#include "option_checks.hpp"
#include "shared_options.hpp"
#include "control/control.hpp"
#include "child_process.hpp"
#include "run_cgroup.hpp"
#include "run_control.hpp"
#include "command.hpp"
#include "eco2/error.hpp"
#include "http/http_client.hpp"
#include "eco2/tracker.hpp"
#include "report/result_json.hpp"
#include "report/summary.hpp"
#include "sys/system_context.hpp"
#include "writers/csv_writer.hpp"
#include "writers/record_file.hpp"
#include "writers/series_writer.hpp"
#include "writers/sink.hpp"

extern char** environ;

namespace eco2::cli {
namespace {

TrackerConfig make_config(const Options& o) {
    TrackerConfig c;
    c.project_name = o.project;
    c.experiment_description = o.experiment;
    c.output.path = o.output;
    c.output.write_series = o.series;
    c.output.listen = o.listen;
    c.output.push_url = o.push_url;
    c.output.push_delete = o.push_delete;
    c.output.otlp_url = o.otlp_url;
    c.output.jsonl = o.jsonl;
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

// --result: the command's own options (Options::own<ResultOptions>()).
struct ResultOptions {
    std::string path;  // empty: none; "-": standard output
};

// The run's result as JSON for scripts; a file that cannot be written is a warning, never the run's failure.
void write_result(const std::string& path, const detail::RunSummary& summary) {
    if (path.empty()) return;
    const std::string json = detail::result_json(summary);
    if (path == "-") {
        std::fputs(json.c_str(), stdout);
        std::fflush(stdout);
        return;
    }
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (out) out << json;
    if (!out || !out.flush())
        std::fprintf(stderr, "eco2: warning: --result %s not written: %s (the record has the run)\n", path.c_str(),
                     std::strerror(errno));
}

int join_cgroup(const void* cgroup) noexcept {
    return static_cast<const RunCgroup*>(cgroup)->join_in_child();
}

// Where the electricity comes from, once the command runs: nothing the user gave can be wrong here (see
// carbon::needs_checking), but a guessed zone may lack a value, so a failure falls back to the world average.
carbon::CarbonSetup carbon_after_start(const Options& options) {
    try {
        return carbon::setup_carbon(carbon_request(options));
    } catch (const std::exception& e) {
        return carbon::world_average_setup(e.what());
    }
}

int run(const Options& options) {
    // Where the electricity comes from: when the options name a region, table, series, year or tariff, resolved
    // (and any mistake reported) before the command starts; otherwise after, so that it does not delay it.
    std::optional<carbon::CarbonSetup> carbon;
    if (carbon::needs_checking(carbon_request(options))) carbon = carbon::setup_carbon(carbon_request(options));
    // The ranks and the job (torchrun, SLURM, MPI): the tracker detects them from its environment snapshot at
    // start (docs/scale-out.md); their warnings are the run's (the summary, --result).
    TrackerConfig config = make_config(options);
    // Problems with eco2's own options stop us before the command starts.
    { Tracker validate_only(config); }
    detail::check_outputs(config);

    // Before any thread exists, so that all inherit the mask; the process becomes the tree's subreaper.
    SignalScope signals;

    // A cgroup of the command's own where eco2 may make one: CPU time (and memory) counted by the kernel.
    RunCgroup cgroup = RunCgroup::create(options.cgroup, sys::SystemContext::from_process().fs());
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

    const Spawned spawned = spawn_child(argv.data(), envp.data(), signals.previous(), join_cgroup, &cgroup);
    const pid_t child = spawned.pid;
    const int rc = spawned.error;
    if (rc != 0) {
        signals.restore();
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
        std::fprintf(stderr, "eco2: error: tracking failed, the command runs on untracked: %s\n",
                     error_message(e).c_str());
        tracker.reset();
    }
    if (tracker) control.start(*tracker, child);

    // Reaps what has exited: the command, and the orphans reparented to us (the subreaper), each with its
    // exact rusage handed to the tracker. Returns false when we have no child left.
    int status = 0;
    int killed_by = 0;  // the signal that ended the command, for the summary
    bool done = false;
    auto reap = [&]() {
        return reap_exited([&](pid_t pid, int st, const rusage& ru) {
            if (pid == child) control.forget_child();  // no budget-stop signal to a reused pid
            if (tracker) tracker->account_reaped(pid, cpu_seconds(ru));
            if (pid == child) {
                status = exit_status_of(st);
                killed_by = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
                done = true;
            }
        });
    };
    while (!done) {
        const Wakeup w = wait_signal(signals.handled(), control.poll_budget_stop(), child);
        if (w.failed) break;
        if (w.signal == SIGCHLD) reap();
    }
    // --wait-tree: the processes the command left running are still our descendants (we are their
    // subreaper), so we have children exactly while some remain. A forwarded signal (Ctrl-C) stops waiting.
    bool waiting = options.wait_tree && reap();
    if (waiting && !options.quiet)
        std::fprintf(stderr, "eco2: the command exited; measuring until the processes it left have exited "
                             "(--wait-tree; Ctrl-C stops waiting)\n");
    while (waiting) {
        // The timeout also re-checks for children now and then.
        const Wakeup w = wait_signal(signals.handled(), std::chrono::seconds(1), 0);
        if (w.failed || (w.signal != 0 && w.signal != SIGCHLD)) break;
        waiting = reap();
    }
    reap();  // orphans that exited with the command

    control.stop();  // marks written just before the command exited still count
    std::optional<Result> result;
    if (tracker) {
        try {
            result = tracker->stop(status, control.budget_stopped() ? RunStatus::budget_stopped : RunStatus::completed);
        } catch (const std::exception& e) {
            std::fprintf(stderr, "eco2: error: %s\n", error_message(e).c_str());
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
        for (std::string& w : carbon_warnings(*carbon)) result->warnings.push_back(std::move(w));
        if (carbon->series) {
            const auto end =
                result->start_time + std::chrono::duration_cast<std::chrono::system_clock::duration>(
                                         std::chrono::duration<double>(result->duration_s));
            for (std::string& w : carbon->series->coverage_warnings(result->start_time, end))
                result->warnings.push_back(std::move(w));
        }
    }
    if (result) {
        const std::string series = config.output.write_series && !config.output.path.empty()
                                       ? detail::SeriesWriter::path_for(config.output.path, result->id).string()
                                       : std::string();
        const detail::RunSummary summary{*result, control.epochs(), config.output.path.string(), series, killed_by};
        if (!options.quiet) std::fputs(detail::format_summary(summary).c_str(), stderr);
        write_result(options.own<ResultOptions>().path, summary);
    }
    return status;
}


// ---- the command ---------------------------------------------------------------------------------------
const OptionRow RECORD_ROWS[] = {
    {"-o,--output", "ECO2_OUTPUT", "output", Kind::text, "CSV file of records, one row per run (created if missing)",
     bind<&Options::output>},
    {"-p,--project", "ECO2_PROJECT", "project", Kind::text, "project name (record column project_name)",
     bind<&Options::project>},
    {"-e,--experiment", "ECO2_EXPERIMENT", "experiment", Kind::text,
     "experiment description (record column experiment_description)", bind<&Options::experiment>},
    {"--period", "ECO2_PERIOD", "period", Kind::number, "sampling period in seconds, 0.01..3600",
     bind<&Options::period>, [] { return checks::number(0.01, 3600.0, false, false); }},
    {"--checkpoint", "ECO2_CHECKPOINT", "checkpoint", Kind::number,
     "seconds between rewrites of the run's row while it runs", bind<&Options::checkpoint>, checks::positive},
};

const OptionRow RESULT_ROWS[] = {
    {"--result", "ECO2_RESULT", "result", Kind::text,
     "also write the run's result as JSON to FILE, for scripts (- : standard output; docs/summary.md)",
     bind<&ResultOptions::path>},
};

const OptionRow PROCESS_ROWS[] = {
    {"--no-series", nullptr, "no-series", Kind::boolean, "do not keep the per-sample time series beside the CSV",
     [](CLI::App& a, const OptionRow& r, const std::string& h, Options& o) {
         return a.add_flag_callback(
             r.flags, [&o] { o.series = false; }, h);
     }},
    {"--jsonl", "ECO2_JSONL", "jsonl", Kind::path, "also write each sample as a JSON line to FILE (appended)",
     bind<&Options::jsonl>},
    {"-q,--quiet", nullptr, "quiet", Kind::boolean, "print no summary", bind<&Options::quiet>},
    {"--cgroup", "ECO2_CGROUP", "cgroup", Kind::text,
     "auto: run the command in a cgroup of its own where eco2 may create one (exact CPU time); off: /proc "
     "only; or a cgroup v2 directory to create it in",
     bind<&Options::cgroup>},
    {"--wait-tree", "ECO2_WAIT_TREE", "wait-tree", Kind::boolean,
     "when the command exits, keep measuring until the processes it left running have exited too (Ctrl-C "
     "stops waiting)",
     bind<&Options::wait_tree>},
};

// Exporters (docs/exporters.md): sinks fed the run's metric set.
const OptionRow EXPORT_ROWS[] = {
    {"--listen", "ECO2_LISTEN", "listen", Kind::text,
     "serve the run's metrics for Prometheus on HOST:PORT while it runs, e.g. 127.0.0.1:9465",
     bind<&Options::listen>, checks::listen_address},
    {"--push", "ECO2_PUSH", "push", Kind::text,
     "Pushgateway URL: push the run's metrics at checkpoints and at the end, e.g. http://127.0.0.1:9091",
     bind<&Options::push_url>, checks::url},
    {"--push-delete", "ECO2_PUSH_DELETE", "push-delete", Kind::boolean,
     "delete the run's Pushgateway group after the final push", bind<&Options::push_delete>},
};

const OptionRow TRAINING_ROWS[] = {
    {"--epochs", "ECO2_EPOCHS", "epochs", Kind::integer,
     "epochs the training will run: after --predict-after marked epochs eco2 predicts the total",
     bind<&Options::epochs>, checks::non_negative_int},
    {"--predict-after", "ECO2_PREDICT_AFTER", "predict-after", Kind::integer,
     "epochs to measure before predicting (default 1)", bind<&Options::predict_after>, checks::positive_int},
    {"--budget-kwh", "ECO2_BUDGET_KWH", "budget-kwh", Kind::number,
     "energy budget (facility kWh): warn when the prediction or the measurement crosses it",
     bind<&Options::budget_kwh>, checks::positive},
    {"--budget-kg", "ECO2_BUDGET_KG", "budget-kg", Kind::number,
     "CO2 budget (kg): warn when the prediction or the measurement crosses it", bind<&Options::budget_kg>,
     checks::positive},
    {"--stop-on-budget", "ECO2_STOP_ON_BUDGET", "stop-on-budget", Kind::boolean,
     "when a budget is crossed, send SIGTERM to the command (SIGKILL after --grace seconds)",
     bind<&Options::stop_on_budget>},
    {"--grace", "ECO2_GRACE", "grace", Kind::number, "seconds between SIGTERM and SIGKILL of a budget stop",
     bind<&Options::grace>, [] { return checks::number(0.0, 3600.0, false, false); }},
    {"--alpha", "ECO2_ALPHA", "alpha", Kind::number,
     "exponent of the error rate in the energy-precision ratio M = error^alpha x energy per item",
     bind<&Options::alpha>, checks::non_negative},
};

std::vector<RowGroup> options() {
    std::vector<RowGroup> groups = {RECORD_ROWS, shared::scope(), shared::pue(), shared::cpu(), PROCESS_ROWS,
                                    EXPORT_ROWS, shared::otlp(), RESULT_ROWS, TRAINING_ROWS};
    for (RowGroup g : shared::location(true)) groups.push_back(g);
    groups.push_back(shared::price());
    return groups;
}

void setup(CLI::App& app, Options&) {
    app.prefix_command();  // without "--", the first word that is not an option starts the command
    app.footer(
        "Usage: eco2 run [OPTIONS] -- COMMAND [ARGS...]\n"
        "Examples:\n"
        "  eco2 run -- python3 train.py --epochs 10\n"
        "  eco2 run --region FR --project resnet -o runs.csv -- ./train.sh\n"
        "  eco2 run --intensity-series grid.csv --tariff \"07:00-23:00=0.25,23:00-07:00=0.12\" --currency EUR "
        "-- ./train.sh\n"
        "eco2 returns the command's exit status (128+N when a signal N killed it).\n"
        "Options also come from ECO2_* variables, ./eco2.toml and ~/.config/eco2/config.toml (keys in "
        "[brackets]).");
}

std::string check(Options& o) {
    return shared::check_location(o, "run");
}

}  // namespace

/// `eco2 run`: returns the command's exit status (128+N if signal N killed it), 127 if it was not found,
/// 126 if it could not be executed, 2 for eco2's own usage errors before the command started.
extern const CommandSpec run_command{.name = "run",
                                     .help = "run a command and record its energy and CO2",
                                     .options = options,
                                     .setup = setup,
                                     .check = check,
                                     .run = run,
                                     .runs_program = true};

}  // namespace eco2::cli
