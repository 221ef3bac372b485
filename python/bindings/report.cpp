// eco2._core's report functions: the records summary and comparison of `eco2 summary` / `eco2 compare`
// (and eco2.report() / eco2.card() below),
// the same library code (src/report/), for eco2.summary() and eco2.compare(). They return JSON text that the
// pure-Python layer shapes (eco2AI's DataFrame, plain rows); reading releases the GIL.

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "eco2/error.hpp"
#include "report/compare.hpp"
#include "report/group.hpp"
#include "report/report_command.hpp"
#include "report/summary_command.hpp"

namespace py = pybind11;
using namespace pybind11::literals;

namespace eco2::python {
std::string keyword_name(std::string_view setting, std::string_view value);  // core.cpp

namespace {

detail::GroupBy group_by(const std::string& by) {
    const auto g = detail::parse_group_by(by);
    if (!g)
        throw Error(Errc::invalid_argument,
                    "by='" + by + "': give one of project, experiment, run, epoch, host, job");
    return *g;
}

// The comparison of the request's files, in one of the formats (compare_json, compare_text).
template <std::string (*Format)(const detail::CompareTable&)>
std::string compare_as(std::vector<std::string> files, std::vector<std::string> runs, const std::string& by,
                       std::string metric, bool maximize) {
    detail::CompareRequest r;
    r.files = std::move(files);
    r.runs = std::move(runs);
    r.by = group_by(by);
    r.metric = std::move(metric);
    r.maximize = maximize;
    py::gil_scoped_release nogil;
    return Format(detail::compare_files(r));
}

}  // namespace

void bind_report(py::module_& m) {
    m.def(
        "summary_json",
        [](std::vector<std::string> files, const std::string& by) {
            const detail::GroupBy g = group_by(by);
            py::gil_scoped_release nogil;
            return detail::summary_json(detail::group_files(files, g), g);
        },
        "files"_a, "by"_a = "project",
        "Totals per group of records files, as `eco2 summary --format json` prints them.");
    m.def("compare_json", &compare_as<detail::compare_json>, "files"_a, "runs"_a = std::vector<std::string>{},
          "by"_a = "experiment", "metric"_a = "", "maximize"_a = false,
          "Runs or groups side by side, as `eco2 compare --format json` prints them.");
    m.def("compare_text", &compare_as<detail::compare_text>, "files"_a, "runs"_a = std::vector<std::string>{},
          "by"_a = "experiment", "metric"_a = "", "maximize"_a = false, "The table `eco2 compare` prints.");
    // eco2.report() / eco2.card(): the CLI's own code (src/report/report_command.hpp); its "eco2: error: ..."
    // becomes InvalidArgument.
    auto checked = [](int rc, const std::string& err) {
        if (rc == 0) return;
        std::string what = err;
        if (what.starts_with("eco2: error: ")) what.erase(0, 13);
        while (!what.empty() && what.back() == '\n') what.pop_back();
        throw Error(Errc::invalid_argument, what);
    };
    m.def(
        "report",
        [checked](std::vector<std::string> files, std::vector<std::string> runs, std::string output, std::string metric,
                  bool maximize) {
            std::ostringstream out, err;
            py::gil_scoped_release nogil;
            const int rc = detail::run_report(
                {std::move(files), std::move(runs), output, std::move(metric), maximize, keyword_name}, out,
                err);
            checked(rc, err.str());
            return output == "-" ? out.str() : output;
        },
        "files"_a, "runs"_a = std::vector<std::string>{}, "output"_a = "report.html", "metric"_a = "",
        "maximize"_a = false, "Writes the HTML report of records files; returns its path (or the page for '-').");
    m.def(
        "card",
        [checked](std::string file, std::string format, std::string run, std::string experiment,
                  std::optional<double> embodied_kg, std::string training_type) {
            detail::CardRequest q{std::move(file), std::move(run), std::move(experiment), {}};
            q.options.format = detail::parse_card_format(format);
            q.options.embodied_kg = embodied_kg;
            q.options.training_type = std::move(training_type);
            q.options.names = keyword_name;
            std::ostringstream out, err;
            py::gil_scoped_release nogil;
            const int rc = detail::run_card(q, out, err);
            checked(rc, err.str());
            return out.str();
        },
        "file"_a, "format"_a = "hf", "run"_a = "", "experiment"_a = "", "embodied_kg"_a = py::none(),
        "training_type"_a = "pre-training", "A run's card: 'hf' (model-card YAML), 'sci' (ISO/IEC 21031) or 'json'.");
}

}  // namespace eco2::python
