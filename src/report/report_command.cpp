#include "report/report_command.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "eco2/error.hpp"
#include "eco2/version.hpp"
#include "report/html_report.hpp"
#include "report/records_runs.hpp"
#include "report/units.hpp"

namespace eco2::detail {
namespace {

std::vector<std::string> files_or_default(std::vector<std::string> files) {
    if (files.empty()) files.push_back("emission.csv");
    return files;
}

// Written beside the target and renamed over it, so a failed run leaves no half page.
void write_file(const std::string& path, const std::string& text) {
    const std::string tmp = path + ".eco2-tmp";
    {
        std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
        f << text;
        f.flush();
        if (!f) {
            std::error_code ec;
            std::filesystem::remove(tmp, ec);
            throw Error(Errc::io_error,
                        fmt::format("cannot write {}: check the folder exists and is writable, or "
                                    "choose another with {}",
                                    path, mention("output")));
        }
    }
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
    if (ec) {
        std::filesystem::remove(tmp, ec);
        throw Error(Errc::io_error, fmt::format("cannot write {}: {}; choose another with {}", path,
                                                ec.message(), mention("output")));
    }
}

}  // namespace

int run_report(const ReportRequest& q, std::ostream& out, std::ostream& err) {
    try {
        const auto files = files_or_default(q.files);
        std::vector<std::string> notes;
        auto runs = load_runs(files, q.runs, &notes);
        for (const auto& n : notes) err << "eco2: note: " << n << '\n';
        if (runs.empty())
            throw Error(Errc::invalid_argument, fmt::format("no run in {}: record some with eco2 run first",
                                                            fmt::join(files, ", ")));
        attach_series(runs, buckets_for(runs.size()));
        ReportOptions o;
        o.files = files;
        o.metric = q.metric;
        o.maximize = q.maximize;
        o.generated = fmt::format("{:%Y-%m-%d %H:%M:%S} UTC by eco2 {}",
                                  fmt::gmtime(std::chrono::system_clock::to_time_t(std::chrono::system_clock::now())),
                                  version());
        std::ostringstream page;
        write_html_report(page, runs, o);
        if (q.output == "-") {
            out << page.str();
            return 0;
        }
        write_file(q.output, page.str());
        err << fmt::format("eco2: report {} ({} run{}, {} KiB)\n", q.output, runs.size(), runs.size() == 1 ? "" : "s",
                           (page.str().size() + 1023) / 1024);
        return 0;
    } catch (const Error& e) {
        err << "eco2: error: " << e.what(q.names) << '\n';
        return 2;
    }
}

int run_card(const CardRequest& q, std::ostream& out, std::ostream& err) {
    try {
        if (!q.run.empty() && !q.experiment.empty())
            throw Error(Errc::invalid_argument,
                        mention("run") + " and " + mention("experiment") + " both given: choose one");
        const std::string file = q.file.empty() ? "emission.csv" : q.file;
        std::vector<std::string> ids;
        if (!q.run.empty()) ids.push_back(q.run);
        auto runs = load_runs({file}, ids);
        if (runs.empty()) throw Error(Errc::invalid_argument, fmt::format("no run in {}: record one with eco2 run first", file));
        std::vector<ReportRun> chosen;
        std::string what;
        if (!q.experiment.empty()) {
            for (auto& r : runs)
                if (r.total.experiment_description == q.experiment) chosen.push_back(std::move(r));
            if (chosen.empty())
                throw Error(
                    Errc::invalid_argument,
                    fmt::format("{}: no run of that experiment in {} (the experiment_description column)",
                                mention("experiment", q.experiment), file));
            what = fmt::format("experiment {} ({} run{})", q.experiment, chosen.size(), chosen.size() == 1 ? "" : "s");
        } else {
            chosen.push_back(std::move(runs.back()));
            what = "run " + chosen.back().id;
            if (q.run.empty())
                err << spelled(
                    fmt::format("eco2: card of the last run of {}, {} (choose with {} or {})\n", file,
                                chosen.back().id, mention("run", "ID"), mention("experiment", "X")),
                    q.options.names);
        }
        std::vector<Result> rows;
        for (const auto& r : chosen) rows.insert(rows.end(), r.rows.begin(), r.rows.end());
        CardOptions o = q.options;
        if (o.tool == "eco2") o.tool = fmt::format("eco2 {}", version());
        write_card(out, {what, sum_rows(rows), chosen.size(), chosen}, o);
        return 0;
    } catch (const Error& e) {
        err << "eco2: error: " << e.what(q.options.names) << '\n';
        return 2;
    }
}

}  // namespace eco2::detail
