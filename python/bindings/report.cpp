// eco2._core's report functions: the records summary and comparison of `eco2 summary` / `eco2 compare`,
// the same library code (src/report/), for eco2.summary() and eco2.compare(). They return JSON text that the
// pure-Python layer shapes (eco2AI's DataFrame, plain rows); reading releases the GIL.

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <string>
#include <vector>

#include "eco2/error.hpp"
#include "report/compare.hpp"
#include "report/group.hpp"
#include "report/summary_command.hpp"

namespace py = pybind11;
using namespace pybind11::literals;

namespace eco2::python {
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
}

}  // namespace eco2::python
