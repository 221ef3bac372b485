#include "cli.hpp"

#include <CLI/CLI.hpp>
#include <cmath>

#include "eco2/tracker.hpp"

namespace eco2::cli {
namespace {

// The option table of `eco2 run`: one row per option, with its environment fallback.
struct OptionRow {
    const char* flags;
    const char* env;
    const char* help;
};

constexpr OptionRow RUN_OPTIONS[] = {
    {"-o,--output", "ECO2_OUTPUT", "CSV file of records, one row per run (created if missing)"},
    {"-p,--project", "ECO2_PROJECT", "project name (record column project_name)"},
    {"-e,--experiment", "ECO2_EXPERIMENT", "experiment description (record column experiment_description)"},
    {"--period", "ECO2_PERIOD", "sampling period in seconds, 0.01..3600"},
    {"--checkpoint", "ECO2_CHECKPOINT", "seconds between rewrites of the run's row while it runs"},
    {"--scope", "ECO2_SCOPE", "process: the command's process tree (default); machine: the whole machine"},
    {"--pue", "ECO2_PUE", "power usage effectiveness of the data centre (>= 1)"},
    {"--intensity", "ECO2_INTENSITY", "carbon intensity of the electricity, gCO2/kWh (default: world average 436.5)"},
};

const OptionRow& row(std::string_view flags) {
    for (const auto& r : RUN_OPTIONS)
        if (flags == r.flags) return r;
    throw std::logic_error("no option row for " + std::string(flags));
}

template <typename T>
CLI::Option* add_row_option(CLI::App& app, std::string_view flags, T& target) {
    const OptionRow& r = row(flags);
    return app.add_option(r.flags, target, r.help)->envname(r.env);
}

constexpr const char* RUN_FOOTER =
    "Usage: eco2 run [OPTIONS] -- COMMAND [ARGS...]\n"
    "Examples:\n"
    "  eco2 run -- python3 train.py --epochs 10\n"
    "  eco2 run --intensity 56 --project resnet -o runs.csv -- ./train.sh\n"
    "eco2 returns the command's exit status (128+N when a signal N killed it).";

}  // namespace

Parsed parse(const std::vector<std::string>& args_in) {
    Parsed p;
    // Everything after the first "--" is the command, untouched by the parser.
    std::vector<std::string> args = args_in;
    std::vector<std::string> command;
    bool had_separator = false;
    for (std::size_t i = 0; i < args.size(); ++i) {
        if (args[i] == "--") {
            command.assign(args.begin() + static_cast<long>(i) + 1, args.end());
            args.resize(i);
            had_separator = true;
            break;
        }
    }

    CLI::App app{"eco2: energy and CO2 of a command, a process tree or the machine", "eco2"};
    app.set_version_flag("--version", std::string("eco2 ") + std::string(eco2::version()));
    app.require_subcommand(0, 1);
    app.footer("Run 'eco2 <command> --help' for a command's options.");

    CLI::App* run = app.add_subcommand("run", "run a command and record its energy and CO2");
    std::string scope_text = "process";
    double intensity = 0.0;
    add_row_option(*run, "-o,--output", p.run.output);
    add_row_option(*run, "-p,--project", p.run.project);
    add_row_option(*run, "-e,--experiment", p.run.experiment);
    add_row_option(*run, "--period", p.run.period)->check(CLI::Range(0.01, 3600.0));
    add_row_option(*run, "--checkpoint", p.run.checkpoint)->check(CLI::PositiveNumber);
    add_row_option(*run, "--scope", scope_text)->check(CLI::IsMember({"process", "machine"}));
    add_row_option(*run, "--pue", p.run.pue)->check(CLI::Range(1.0, 10.0));
    CLI::Option* intensity_opt =
        add_row_option(*run, "--intensity", intensity)->check(CLI::NonNegativeNumber);
    bool no_series = false;
    run->add_flag("--no-series", no_series, "do not keep the per-sample time series beside the CSV");
    run->add_flag("-q,--quiet", p.run.quiet, "print no summary");
    run->prefix_command();  // without "--", the first word that is not an option starts the command
    run->footer(RUN_FOOTER);

    CLI::App* sensors = app.add_subcommand("sensors", "list every measurement back end, its status, reason and fix");
    std::string sensors_scope = "process";
    sensors->add_option("--format", p.sensors.format, "table or json")->check(CLI::IsMember({"table", "json"}));
    sensors->add_option("--scope", sensors_scope, "process or machine")->check(CLI::IsMember({"process", "machine"}));

    CLI::App* version = app.add_subcommand("version", "print eco2's version");

    std::vector<std::string> reversed(args.rbegin(), args.rend());
    try {
        app.parse(reversed);
    } catch (const CLI::CallForHelp&) {
        p.message = (app.got_subcommand(run)       ? run->help()
                     : app.got_subcommand(sensors) ? sensors->help()
                                                   : app.help());
        return p;
    } catch (const CLI::CallForVersion& e) {
        p.message = e.what();
        return p;
    } catch (const CLI::ParseError& e) {
        std::string where = app.got_subcommand(run) ? "eco2 run --help" : app.got_subcommand(sensors) ? "eco2 sensors --help" : "eco2 --help";
        p.error = std::string(e.what()) + "\n  see '" + where + "' for the options";
        p.exit_code = 2;
        return p;
    }

    if (app.got_subcommand(version)) {
        p.command = Command::version;
        p.message = std::string("eco2 ") + std::string(eco2::version());
        return p;
    }
    if (app.got_subcommand(sensors)) {
        p.command = Command::sensors;
        p.sensors.scope = parse_scope(sensors_scope);
        return p;
    }
    if (!app.got_subcommand(run)) {
        p.message = app.help();
        p.exit_code = args.empty() && !had_separator ? 2 : 0;
        if (p.exit_code != 0) {
            p.message.reset();
            p.error = "no command given: try 'eco2 run -- COMMAND' (see 'eco2 --help')";
        }
        return p;
    }
    p.command = Command::run;
    p.run.scope = parse_scope(scope_text);
    if (!intensity_opt->empty()) p.run.intensity = intensity;
    p.run.series = !no_series;
    std::vector<std::string> rest = run->remaining();
    if (had_separator) {
        if (!rest.empty()) {
            p.error = "unexpected '" + rest.front() + "' before '--': put eco2's options before '--' and the command after it";
            p.exit_code = 2;
            return p;
        }
        p.run.command = std::move(command);
    } else {
        p.run.command = std::move(rest);
    }
    if (p.run.command.empty()) {
        p.error = "no command to run: put it after '--', e.g. 'eco2 run -- python3 train.py'";
        p.exit_code = 2;
        return p;
    }
    if (!p.run.command.front().empty() && p.run.command.front()[0] == '-' && !had_separator) {
        p.error = "unknown option '" + p.run.command.front() + "' (see 'eco2 run --help'); put the command after '--'";
        p.exit_code = 2;
        return p;
    }
    return p;
}

}  // namespace eco2::cli
