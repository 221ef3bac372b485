// eco2._core.carbon_setup: the library's location chain (src/carbon/carbon_setup.hpp) for Python, the same as
// `eco2 where` and `eco2 run` use. Its warning lines name eco2.where()'s arguments (keyword_name, core.cpp).

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "carbon/carbon_setup.hpp"

namespace py = pybind11;
using namespace pybind11::literals;

namespace eco2::python {
std::string keyword_name(std::string_view setting, std::string_view value);  // core.cpp
}

namespace {

// The resolved set-up as Python sees it: immutable, providers shared with the trackers that use them.
struct PyCarbonSetup {
    std::shared_ptr<eco2::IntensityProvider> intensity;
    std::shared_ptr<eco2::PriceProvider> price;  // null without a tariff
    std::optional<std::string> zone;
    std::string value_from;
    std::vector<std::tuple<std::string, std::string, std::string>> steps;  // name, status, detail
    std::vector<std::pair<std::string, std::string>> warnings;              // message, setting
    std::vector<std::string> warning_lines;  // each warning with eco2.where()'s argument for its setting
};

// eco2.where()'s names of the settings: its region is the zone argument.
std::string where_keyword_name(std::string_view setting, std::string_view value) {
    return eco2::python::keyword_name(setting == "region" ? "zone" : setting, value);
}

std::optional<eco2::carbon::Given<std::string>> given(const std::optional<std::string>& v, const char* origin) {
    if (!v || v->empty()) return std::nullopt;
    return eco2::carbon::Given<std::string>{*v, origin};
}

}  // namespace

void bind_carbon(py::module_& m) {
    py::class_<PyCarbonSetup>(m, "CarbonSetup",
                              "The zone, intensity and price the location chain chose, and why.")
        .def_readonly("intensity", &PyCarbonSetup::intensity, "IntensityProvider (never None)")
        .def_readonly("price", &PyCarbonSetup::price, "PriceProvider, or None without a tariff")
        .def_readonly("zone", &PyCarbonSetup::zone, "zone key the chain found, or None")
        .def_readonly("value_from", &PyCarbonSetup::value_from, "what gives the value")
        .def_readonly("steps", &PyCarbonSetup::steps,
                      "the chain's steps, highest precedence first: (name, status, detail)")
        .def_readonly("warnings", &PyCarbonSetup::warnings,
                      "(message, setting): what happened, and the argument that would avoid it")
        .def_readonly("warning_lines", &PyCarbonSetup::warning_lines,
                      "the warnings as lines naming the argument of eco2.where() that would avoid each");

    m.def(
        "carbon_setup",
        [](std::optional<std::string> region, std::string region_origin, std::string cloud,
           std::optional<int> year, bool marginal, std::optional<double> intensity,
           std::optional<std::string> intensity_series, std::optional<std::string> intensity_table,
           std::optional<std::string> tariff, std::string currency, bool geolocate, std::string geolocate_url,
           double geolocate_timeout, bool full_chain) {
            eco2::carbon::CarbonRequest r;
            r.regions.push_back({region_origin, region, region_origin, "not given"});
            r.cloud = std::move(cloud);
            r.year = year;
            r.kind = marginal ? eco2::IntensityKind::marginal : eco2::IntensityKind::average;
            if (intensity) r.intensity = eco2::carbon::Given<double>{*intensity, "intensity argument"};
            r.intensity_series = given(intensity_series, "intensity_series argument");
            r.user_table = given(intensity_table, "intensity_table argument");
            r.tariff = given(tariff, "tariff argument");
            r.currency = std::move(currency);
            r.geolocate = geolocate;
            r.geolocate_url = std::move(geolocate_url);
            r.geolocate_timeout_s = geolocate_timeout;
            r.full_chain = full_chain;
            eco2::carbon::CarbonSetup s;
            {
                py::gil_scoped_release nogil;  // may read files and ask a geolocation service
                s = eco2::carbon::setup_carbon(r);
            }
            PyCarbonSetup out;
            // The providers are immutable; the const is dropped only to hand them to pybind11's holder.
            out.intensity = std::const_pointer_cast<eco2::IntensityProvider>(s.intensity);
            out.price = std::const_pointer_cast<eco2::PriceProvider>(s.price);
            out.zone = s.location.zone;
            out.value_from = s.value_from;
            for (const auto& step : s.location.steps)
                out.steps.emplace_back(step.name, std::string(eco2::carbon::to_string(step.status)), step.detail);
            for (const auto& w : s.warnings) {
                out.warnings.emplace_back(w.message, w.setting);
                out.warning_lines.push_back(eco2::carbon::describe(w, where_keyword_name));
            }
            return out;
        },
        py::kw_only(), "region"_a = py::none(), "region_origin"_a = "region argument", "cloud"_a = "",
        "year"_a = py::none(), "marginal"_a = false, "intensity"_a = py::none(),
        "intensity_series"_a = py::none(), "intensity_table"_a = py::none(), "tariff"_a = py::none(),
        "currency"_a = "", "geolocate"_a = false, "geolocate_url"_a = "", "geolocate_timeout"_a = 2.0,
        "full_chain"_a = true,
        "The location chain (region, geolocation when on, time zone, world average) and the value precedence "
        "(intensity > intensity_series > the zone's value > the world average). Raises NotFound, "
        "InvalidArgument or IoError naming the argument.");
}
