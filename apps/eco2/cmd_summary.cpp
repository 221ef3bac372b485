// `eco2 summary [FILE...] [--by project|experiment|run|epoch|host|job] [--format table|json|csv]`: totals per
// group of records files. The logic is the library's (src/report/summary_command.hpp); this file is its
// options.

#include <iostream>
#include <string>
#include <vector>

#include "command.hpp"
#include "report/summary_command.hpp"

namespace eco2::cli {
namespace {

struct SummaryOptions {
    std::vector<std::string> files;
    std::string by = "project";
    std::string format = "table";
};

CLI::Validator group_names() {
    return CLI::IsMember({"project", "experiment", "run", "epoch", "host", "job"});
}

const OptionRow SUMMARY_ROWS[] = {
    {"--by", nullptr, nullptr, Kind::text, "group the rows by project (default), experiment, run, epoch, host or job",
     bind<&SummaryOptions::by>, group_names},
    {"--format", nullptr, nullptr, Kind::text,
     "table (readable units, default), json or csv (full precision, the records' units)",
     bind<&SummaryOptions::format>, [] { return CLI::Validator(CLI::IsMember({"table", "json", "csv"})); }},
};

std::vector<RowGroup> options() {
    return {SUMMARY_ROWS};
}

void setup(CLI::App& app, Options& o) {
    app.add_option("files", o.own<SummaryOptions>().files,
                   "records files (default emission.csv; - reads standard input): eco2's, eco2AI's, older eco2's");
    app.footer("\nExamples:\n  eco2 summary runs.csv --by experiment\n  eco2 summary a.csv b.csv --by epoch --format json\n");
}

int run(const Options& options) {
    const SummaryOptions& o = options.own<SummaryOptions>();
    detail::SummaryRequest r;
    r.files = o.files;
    r.by = *detail::parse_group_by(o.by);
    r.format = o.format == "json" ? detail::SummaryFormat::json
               : o.format == "csv" ? detail::SummaryFormat::csv
                                   : detail::SummaryFormat::table;
    return detail::run_summary(r, std::cout, std::cerr);
}

}  // namespace

/// `eco2 summary`.
extern const CommandSpec summary_command{.name = "summary",
                                         .help = "totals of records files per project, experiment, run, epoch, host or job",
                                         .options = options,
                                         .setup = setup,
                                         .run = run};

}  // namespace eco2::cli
