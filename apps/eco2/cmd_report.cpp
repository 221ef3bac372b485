// `eco2 report [FILE...] [--runs ID,ID...] [-o report.html] [--metric NAME [--maximize]]`: one self-contained
// HTML page of the runs (docs/report.md); the logic is src/report/report_command.cpp.

#include <iostream>

#include "command.hpp"
#include "report/report_command.hpp"

namespace eco2::cli {
namespace {

const OptionRow REPORT_ROWS[] = {
    {"--runs", nullptr, nullptr, Kind::text, "only these runs: ids or unique prefixes, comma-separated",
     [](CLI::App& app, const OptionRow& row, const std::string& help, Options& o) -> CLI::Option* {
         return app.add_option(row.flags, o.own<detail::ReportRequest>().runs, help)->delimiter(',');
     }},
    {"-o,--output", nullptr, nullptr, Kind::path, "the page to write (default report.html; - for stdout)",
     bind<&detail::ReportRequest::output>},
    {"--metric", nullptr, nullptr, Kind::text, "the epoch metric of the runs' metric-vs-CO2e chart (default: each)",
     bind<&detail::ReportRequest::metric>},
    {"--maximize", nullptr, nullptr, Kind::boolean, "the metric is better higher (accuracy), for the Pareto front",
     bind<&detail::ReportRequest::maximize>},
};

std::vector<RowGroup> options() { return {REPORT_ROWS}; }

void setup(CLI::App& app, Options& o) {
    app.add_option("files", o.own<detail::ReportRequest>().files, "records files (default emission.csv; - for stdin)");
}

int run(const Options& o) {
    detail::ReportRequest q = o.own<detail::ReportRequest>();
    q.names = option_name;
    return detail::run_report(q, std::cout, std::cerr);
}

}  // namespace

/// `eco2 report`.
extern const CommandSpec report_command{.name = "report",
                                        .help = "one self-contained HTML report (charts) of recorded runs",
                                        .options = options,
                                        .setup = setup,
                                        .run = run};

}  // namespace eco2::cli
