// `eco2 compare [FILE...] (--runs ID,ID... | --by experiment|project) [--metric NAME [--maximize]]`: runs or
// groups side by side. The logic is the library's (src/report/compare.hpp); this file is its options.

#include <iostream>
#include <string>
#include <vector>

#include "command.hpp"
#include "report/compare.hpp"

namespace eco2::cli {
namespace {

struct CompareOptions {
    std::vector<std::string> files;
    std::vector<std::string> runs;
    std::string by = "experiment";
    std::string metric;
    bool maximize = false;
    std::string format = "table";
};

const OptionRow COMPARE_ROWS[] = {
    {"--runs", nullptr, nullptr, Kind::text, "runs to compare, by id or unique prefix, the baseline first (ID,ID...)",
     bind<&CompareOptions::runs>},
    {"--by", nullptr, nullptr, Kind::text, "compare groups: experiment (default) or project", bind<&CompareOptions::by>,
     [] { return CLI::Validator(CLI::IsMember({"experiment", "project"})); }},
    {"--metric", nullptr, nullptr, Kind::text,
     "an epoch parameter (loss, accuracy...) or error_rate: marks the Pareto front of it against CO2",
     bind<&CompareOptions::metric>},
    {"--maximize", nullptr, nullptr, Kind::boolean, "the metric is better when larger (accuracy)",
     bind<&CompareOptions::maximize>},
    {"--format", nullptr, nullptr, Kind::text, "table (readable units, default), json or csv (full precision)",
     bind<&CompareOptions::format>, [] { return CLI::Validator(CLI::IsMember({"table", "json", "csv"})); }},
};

std::vector<RowGroup> options() {
    return {COMPARE_ROWS};
}

void setup(CLI::App& app, Options& o) {
    app.add_option("files", o.own<CompareOptions>().files, "records files (default emission.csv; - reads standard input)");
    for (CLI::Option* opt : app.get_options())
        if (opt->get_name() == "--runs") opt->delimiter(',');
    app.footer("\nExamples:\n  eco2 compare runs.csv --by experiment --metric accuracy --maximize\n"
               "  eco2 compare runs.csv --runs 3f2a,9bc1\n");
}

std::string check(Options& options) {
    const CompareOptions& o = options.own<CompareOptions>();
    if (o.maximize && o.metric.empty()) return "--maximize goes with --metric NAME" + help_hint("compare");
    return "";
}

int run(const Options& options) {
    const CompareOptions& o = options.own<CompareOptions>();
    detail::CompareRequest r;
    r.files = o.files;
    r.runs = o.runs;
    r.by = *detail::parse_group_by(o.by);
    r.metric = o.metric;
    r.maximize = o.maximize;
    r.format = o.format == "json" ? detail::SummaryFormat::json
               : o.format == "csv" ? detail::SummaryFormat::csv
                                   : detail::SummaryFormat::table;
    r.names = option_name;
    return detail::run_compare(r, std::cout, std::cerr);
}

}  // namespace

/// `eco2 compare`.
extern const CommandSpec compare_command{.name = "compare",
                                         .help = "runs or experiments side by side, with the Pareto front of a metric against CO2",
                                         .options = options,
                                         .setup = setup,
                                         .check = check,
                                         .run = run};

}  // namespace eco2::cli
