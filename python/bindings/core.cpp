// eco2._core: the pybind11 module over eco2::Tracker. Thin: the eco2AI-compatible API and the Pythonic layer
// are pure Python (python/eco2/). Rules kept here:
// - every call that may block (probing, joining the sampler, writing the records file) releases the GIL;
// - the event callback runs on the sampler thread (or the thread calling new_epoch) and takes the GIL itself;
// - a Python callable held by C++ is released with the GIL held, whichever thread drops it.

#include <pybind11/chrono.h>
#include <pybind11/functional.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "carbon/tariff.hpp"
#include "carbon/zone_data.hpp"
#include "eco2/carbon.hpp"
#include "eco2/error.hpp"
#include "eco2/record.hpp"
#include "eco2/tracker.hpp"
#include "eco2/zones.hpp"

namespace py = pybind11;
using namespace pybind11::literals;

namespace eco2::python {
void bind_report(py::module_& m);  // report.cpp: summary, compare, report and card

// Python's names of the settings library messages mention (eco2::SettingNames): the keyword argument of the
// same name, "cpu_tdp=W" with a value, "the runs argument" without.
std::string keyword_name(std::string_view setting, std::string_view value) {
    return value.empty() ? "the " + std::string(setting) + " argument"
                         : std::string(setting) + "=" + std::string(value);
}
// The same, where the records file is eco2.Tracker's file_name (the errors a call raises).
std::string tracker_keyword_name(std::string_view setting, std::string_view value) {
    return keyword_name(setting == "output" ? "file_name" : setting, value);
}
}  // namespace eco2::python
void bind_carbon(py::module_& m);  // carbon.cpp

namespace {

// The exception classes of the module, created once at import; module-lifetime references.
struct Exceptions {
    PyObject* error = nullptr;  // eco2._core.Error(RuntimeError)
    PyObject* invalid_argument = nullptr;
    PyObject* io_error = nullptr;
    PyObject* invalid_state = nullptr;
    PyObject* not_found = nullptr;
    PyObject* budget_exceeded = nullptr;
};
Exceptions g_exceptions;  // written once while the module is imported (GIL held), read under the GIL

PyObject* exception_for(eco2::Errc code) {
    switch (code) {
        case eco2::Errc::invalid_argument:
            return g_exceptions.invalid_argument;
        case eco2::Errc::io_error:
            return g_exceptions.io_error;
        case eco2::Errc::invalid_state:
            return g_exceptions.invalid_state;
        case eco2::Errc::not_found:
            return g_exceptions.not_found;
        case eco2::Errc::budget_exceeded:
            return g_exceptions.budget_exceeded;
        case eco2::Errc::internal:
            return g_exceptions.error;
    }
    return g_exceptions.error;
}

PyObject* new_exception(py::module_& m, const char* name, py::handle bases, const char* doc) {
    const std::string qualified = std::string("eco2._core.") + name;
    PyObject* type = PyErr_NewExceptionWithDoc(qualified.c_str(), doc, bases.ptr(), nullptr);
    if (type == nullptr) throw py::error_already_set();
    m.add_object(name, py::handle(type));  // the module keeps a reference; ours lives as long as the process
    return type;
}

// A Python callable that may be dropped by any thread: the last owner takes the GIL to release it.
std::shared_ptr<py::function> hold(py::function f) {
    return std::shared_ptr<py::function>(new py::function(std::move(f)), [](py::function* p) {
        py::gil_scoped_acquire gil;
        delete p;
    });
}

std::string_view kind_name(eco2::TrackerEvent::Kind k) {
    switch (k) {
        case eco2::TrackerEvent::Kind::prediction:
            return "prediction";
        case eco2::TrackerEvent::Kind::budget_warning:
            return "budget_warning";
        case eco2::TrackerEvent::Kind::budget_exceeded:
            return "budget_exceeded";
    }
    return "?";
}

using ParamValue = std::variant<double, std::int64_t, std::string>;  // int stays int (eco2AI's str())

struct TrackerArgs {
    std::string project_name, experiment_description, output;
    bool write_series;
    double period, checkpoint;
    std::string scope;
    double pue;
    std::shared_ptr<const eco2::IntensityProvider> intensity;
    std::shared_ptr<const eco2::PriceProvider> price;
    int expected_epochs, predict_after;
    std::optional<double> budget_kwh, budget_kg;
    bool stop_on_budget;
    double efficiency_alpha;
    std::optional<py::function> on_event;
    std::optional<double> cpu_tdp;
    std::string cpu_name;
    bool detect_job;
};

// Owns the C++ tracker. Destruction (the last Python reference) stops a running tracker without the GIL, so
// that a sampler thread waiting for the GIL in the callback can finish and be joined.
class PyTracker {
public:
    explicit PyTracker(eco2::TrackerConfig config)
        : m_tracker(std::make_unique<eco2::Tracker>(std::move(config))) {}
    ~PyTracker() {
        if (m_tracker && m_tracker->running()) {
            py::gil_scoped_release nogil;
            m_tracker.reset();  // ~Tracker stops and records; never throws
        }
    }
    PyTracker(const PyTracker&) = delete;
    PyTracker& operator=(const PyTracker&) = delete;

    eco2::Tracker& get() { return *m_tracker; }

private:
    std::unique_ptr<eco2::Tracker> m_tracker;
};

eco2::TrackerConfig make_config(TrackerArgs a) {
    eco2::TrackerConfig c;
    c.project_name = std::move(a.project_name);
    c.experiment_description = std::move(a.experiment_description);
    c.output.path = a.output;
    c.output.write_series = a.write_series;
    c.sampling.period_s = a.period;
    c.sampling.checkpoint_s = a.checkpoint;
    c.sampling.scope = eco2::parse_scope(a.scope);
    c.pue = a.pue;
    c.intensity = std::move(a.intensity);
    c.price = std::move(a.price);
    c.training.expected_epochs = a.expected_epochs;
    c.training.predict_after = a.predict_after;
    c.training.budget_kwh = a.budget_kwh;
    c.training.budget_kg = a.budget_kg;
    c.training.stop_on_budget = a.stop_on_budget;
    c.training.efficiency_alpha = a.efficiency_alpha;
    c.cpu_tdp_w = a.cpu_tdp;
    c.cpu_name = std::move(a.cpu_name);
    if (c.cpu_tdp_w || !c.cpu_name.empty())
        c.cpu_tdp_origin = c.cpu_tdp_w ? "cpu_tdp argument" : "cpu_name argument";
    c.detect_job = a.detect_job;  // the job and ranks from the environment (torchrun, SLURM, MPI)
    if (a.on_event && !a.on_event->is_none()) {
        std::shared_ptr<py::function> callback = hold(std::move(*a.on_event));
        c.on_event = [callback](const eco2::TrackerEvent& event) {
            py::gil_scoped_acquire gil;
            try {
                (*callback)(event);
            } catch (py::error_already_set& e) {
                // The tracker swallows what the callback throws; make it visible the way Python does for
                // errors it cannot raise (sys.unraisablehook).
                e.discard_as_unraisable("eco2 on_event callback");
            }
        };
    }
    return c;
}

eco2::EpochParams to_params(const std::vector<std::pair<std::string, ParamValue>>& items) {
    eco2::EpochParams params;
    params.reserve(items.size());
    for (const auto& [key, value] : items) params.push_back(eco2::Param{key, value});
    return params;
}

py::object epoch_params_of(const eco2::Result& r) {
    if (r.epoch_params_json.empty()) return py::none();
    return py::module_::import("json").attr("loads")(r.epoch_params_json);
}

std::string result_repr(const eco2::Result& r) {
    return py::str(
               "eco2.Result(epoch={!r}, duration_s={:.3f}, energy_kwh={:.6g}, co2_kg={:.6g}, cpu_j={:.4g}, "
               "gpu_j={:.4g}, ram_j={:.4g}, status={!r})")
        .format(r.epoch, r.duration_s, r.energy_kwh(), r.co2_kg, r.cpu.joules, r.gpu.joules, r.ram.joules,
                std::string(eco2::to_string(r.status)));
}

// The ISO 3166-1 alpha-3 code of an alpha-2 code, from the compiled-in countries.csv (alpha2,alpha3,...);
// empty when unknown (aggregates such as WORLD have none).
std::string alpha3_of(const std::string& alpha2) {
    if (alpha2.size() != 2) return {};
    for (const eco2::carbon::EmbeddedFile& f : eco2::carbon::embedded_data_files()) {
        if (f.name != "countries.csv") continue;
        const std::string needle = "\n" + alpha2 + ",";
        const auto at = f.content.find(needle);
        if (at == std::string::npos) return {};
        const auto start = at + needle.size();
        return f.content.substr(start, f.content.find(',', start) - start);
    }
    return {};
}

}  // namespace

PYBIND11_MODULE(_core, m) {
    m.doc() = "eco2's C++ tracker (energy and CO2 of a process tree). Use the eco2 package, not this module.";

    // ------------------------------------------------------------------------------------------- errors
    py::handle runtime_error(PyExc_RuntimeError);
    g_exceptions.error = new_exception(m, "Error", runtime_error, "Misuse or bad configuration of eco2.");
    py::handle base(g_exceptions.error);
    g_exceptions.invalid_argument =
        new_exception(m, "InvalidArgument", py::make_tuple(base, py::handle(PyExc_ValueError)),
                      "A value out of range or malformed.");
    g_exceptions.io_error = new_exception(m, "IoError", py::make_tuple(base, py::handle(PyExc_OSError)),
                                          "A file eco2 must write or read could not be used.");
    g_exceptions.invalid_state =
        new_exception(m, "InvalidState", base, "An operation in the wrong state (stop before start...).");
    g_exceptions.not_found = new_exception(m, "NotFound", py::make_tuple(base, py::handle(PyExc_LookupError)),
                                           "A named thing (a region) does not exist.");
    g_exceptions.budget_exceeded =
        new_exception(m, "BudgetExceeded", base,
                      "An energy/CO2 budget was crossed with stop_on_budget: the tracker stopped.");
    py::register_exception_translator([](std::exception_ptr p) {
        try {
            if (p) std::rethrow_exception(p);
        } catch (const eco2::Error& e) {
            PyErr_SetString(exception_for(e.code()), e.what(eco2::python::tracker_keyword_name).c_str());
        }
    });

    // ------------------------------------------------------------------------------------------- records
    py::class_<eco2::ComponentEnergy>(m, "ComponentEnergy", "Energy of one component over a run or an epoch.")
        .def_readonly("joules", &eco2::ComponentEnergy::joules, "IT energy, J (before PUE)")
        .def_property_readonly("kwh", &eco2::ComponentEnergy::kwh, "IT energy, kWh (before PUE)")
        .def_readonly("source", &eco2::ComponentEnergy::source, "where the figure comes from")
        .def_readonly("estimated", &eco2::ComponentEnergy::estimated,
                      "modelled rather than read from a counter")
        .def("__repr__", [](const eco2::ComponentEnergy& c) {
            return py::str("eco2.ComponentEnergy(joules={:.6g}, source={!r}, estimated={})")
                .format(c.joules, c.source, c.estimated);
        });

    py::class_<eco2::Prediction>(m, "Prediction", "A training's total, extrapolated from its first epochs.")
        .def_readonly("after_epochs", &eco2::Prediction::after_epochs)
        .def_readonly("total_epochs", &eco2::Prediction::total_epochs)
        .def_readonly("duration_s", &eco2::Prediction::duration_s)
        .def_readonly("energy_kwh", &eco2::Prediction::energy_kwh, "facility energy (x PUE)")
        .def_readonly("co2_kg", &eco2::Prediction::co2_kg)
        .def_readonly("cost", &eco2::Prediction::cost)
        .def("__repr__", [](const eco2::Prediction& p) {
            return py::
                str("eco2.Prediction(after_epochs={}, total_epochs={}, duration_s={:.3f}, energy_kwh={:.6g}, "
                    "co2_kg={:.6g})")
                    .format(p.after_epochs, p.total_epochs, p.duration_s, p.energy_kwh, p.co2_kg);
        });

    py::class_<eco2::Result>(m, "Result",
                             "What eco2 measured for a run or an epoch (one row of the records file).")
        .def_readonly("id", &eco2::Result::id)
        .def_readonly("project_name", &eco2::Result::project_name)
        .def_readonly("experiment_description", &eco2::Result::experiment_description)
        .def_readonly("epoch", &eco2::Result::epoch, "eco2AI's epoch column ('epoch: 2, loss: 0.3'; 'N/A')")
        .def_readonly("epoch_number", &eco2::Result::epoch_number, "1-based; 0 outside training")
        .def_property_readonly("epoch_params", &epoch_params_of, "the epoch's parameters as a dict (or None)")
        .def_readonly("partial_epoch", &eco2::Result::partial_epoch)
        .def_readonly("start_time", &eco2::Result::start_time)
        .def_readonly("duration_s", &eco2::Result::duration_s)
        .def_readonly("cpu", &eco2::Result::cpu)
        .def_readonly("gpu", &eco2::Result::gpu)
        .def_readonly("ram", &eco2::Result::ram)
        .def_readonly("pue", &eco2::Result::pue)
        .def_property_readonly("it_joules", &eco2::Result::it_joules, "CPU + GPU + RAM energy, J")
        .def_property_readonly("energy_kwh", &eco2::Result::energy_kwh,
                               "facility energy = IT energy x PUE, kWh")
        .def_readonly("co2_kg", &eco2::Result::co2_kg)
        .def_readonly("intensity_g_per_kwh", &eco2::Result::intensity_g_per_kwh)
        .def_readonly("region", &eco2::Result::region)
        .def_readonly("location_source", &eco2::Result::location_source)
        .def_readonly("cost", &eco2::Result::cost)
        .def_readonly("currency", &eco2::Result::currency)
        .def_readonly("cpu_name", &eco2::Result::cpu_name)
        .def_readonly("gpu_name", &eco2::Result::gpu_name)
        .def_readonly("os", &eco2::Result::os)
        .def_readonly("host", &eco2::Result::host)
        .def_property_readonly("scope",
                               [](const eco2::Result& r) { return std::string(eco2::to_string(r.scope)); })
        .def_property_readonly("status",
                               [](const eco2::Result& r) { return std::string(eco2::to_string(r.status)); })
        .def_property_readonly("estimated", &eco2::Result::estimated)
        .def_readonly("samples", &eco2::Result::samples)
        .def_readonly("tree_source", &eco2::Result::tree_source,
                      "where the tree's CPU time comes from ('cgroup(cpu.stat)', 'proc(ticks+getrusage)'...)")
        .def_readonly("left_running", &eco2::Result::left_running,
                      "processes of the tree left running when its root exited; None while it runs")
        .def_readonly("cpu_time_s", &eco2::Result::cpu_time_s, "CPU time counted for the tree, s")
        .def_readonly("read_failures", &eco2::Result::read_failures)
        .def_readonly("warnings", &eco2::Result::warnings)
        .def_property_readonly("items", [](const eco2::Result& r) { return r.work.items; })
        .def_property_readonly("error_rate", [](const eco2::Result& r) { return r.work.error_rate; })
        .def_property_readonly("flops", [](const eco2::Result& r) { return r.work.flops; })
        .def_property_readonly("energy_per_item_j", &eco2::Result::energy_per_item_j)
        .def_property_readonly("energy_precision_ratio", &eco2::Result::energy_precision_ratio)
        .def_property_readonly("flop_per_joule", &eco2::Result::flop_per_joule)
        .def_readonly("prediction", &eco2::Result::prediction)
        .def("__repr__", &result_repr);

    py::class_<eco2::TrackerEvent>(m, "TrackerEvent", "What a tracker tells its on_event callback.")
        .def_property_readonly(
            "kind", [](const eco2::TrackerEvent& e) { return std::string(kind_name(e.kind)); },
            "'prediction', 'budget_warning' or 'budget_exceeded'")
        .def_readonly("message", &eco2::TrackerEvent::message)
        .def_readonly("prediction", &eco2::TrackerEvent::prediction)
        .def_readonly("stop_requested", &eco2::TrackerEvent::stop_requested)
        .def("__repr__", [](const eco2::TrackerEvent& e) {
            return py::str("eco2.TrackerEvent(kind={!r}, message={!r})")
                .format(std::string(kind_name(e.kind)), e.message);
        });

    py::class_<eco2::ProbeReport>(m, "ProbeReport", "What one measurement back end reported when probed.")
        .def_readonly("backend", &eco2::ProbeReport::backend)
        .def_property_readonly(
            "status", [](const eco2::ProbeReport& p) { return std::string(eco2::to_string(p.status)); })
        .def_readonly("reason", &eco2::ProbeReport::reason)
        .def_property_readonly("fix",
                               [](const eco2::ProbeReport& p) {
                                   return eco2::spelled(p.fix, eco2::python::tracker_keyword_name);
                               })
        .def_readonly("channels", &eco2::ProbeReport::channels)
        .def_readonly("used", &eco2::ProbeReport::used)
        .def("__repr__", [](const eco2::ProbeReport& p) {
            return py::str("eco2.ProbeReport(backend={!r}, status={!r}, used={})")
                .format(p.backend, std::string(eco2::to_string(p.status)), p.used);
        });

    // ------------------------------------------------------------------------------------------- providers
    py::class_<eco2::IntensityProvider, std::shared_ptr<eco2::IntensityProvider>>(
        m, "IntensityProvider", "A carbon intensity source (gCO2/kWh).")
        .def_property_readonly("region", &eco2::IntensityProvider::region)
        .def_property_readonly("source", &eco2::IntensityProvider::source)
        .def("at", &eco2::IntensityProvider::at, "t"_a, "gCO2/kWh at time t");
    py::class_<eco2::PriceProvider, std::shared_ptr<eco2::PriceProvider>>(
        m, "PriceProvider", "An electricity price source (per kWh).")
        .def_property_readonly("currency", &eco2::PriceProvider::currency)
        .def("at", &eco2::PriceProvider::at, "t"_a, "price per kWh at time t");

    // The providers are immutable; the const is dropped only to hand them to pybind11's holder.
    m.def(
        "fixed_intensity",
        [](double g_per_kwh, std::string region, std::string source) {
            return std::const_pointer_cast<eco2::IntensityProvider>(
                eco2::fixed_intensity(g_per_kwh, std::move(region), std::move(source)));
        },
        "g_per_kwh"_a, "region"_a, "source"_a, "A constant carbon intensity, gCO2/kWh.");
    m.def(
        "zone_intensity",
        [](const std::string& region) {
            return std::const_pointer_cast<eco2::IntensityProvider>(eco2::zone_intensity_provider(region));
        },
        "region"_a,
        "The intensity of a region from eco2's zone database (latest year, average). NotFound if unknown.");
    m.def(
        "resolve_zone",
        [](const std::string& region) {
            const eco2::ZoneMatch match = eco2::ZoneDatabase::builtin().resolve(region);
            return py::dict("key"_a = match.zone->key, "name"_a = match.zone->name,
                            "country"_a = match.zone->country, "country_name"_a = match.zone->country_name,
                            "country_alpha3"_a = alpha3_of(match.zone->country), "via"_a = match.via);
        },
        "region"_a,
        "How a region text is understood: a dict with key, name, country, via. NotFound if unknown.");
    m.def(
        "tariff_price",
        [](const std::string& bands, std::string currency) {
            return std::const_pointer_cast<eco2::PriceProvider>(
                eco2::carbon::tariff_price(eco2::carbon::Tariff::parse(bands), std::move(currency)));
        },
        "bands"_a, "currency"_a,
        "A time-of-day tariff in local time: 'HH:MM-HH:MM=PRICE,...' covering the 24 hours once, or one "
        "price.");

    // ------------------------------------------------------------------------------------------- tracker
    py::class_<PyTracker>(m, "Tracker", "eco2::Tracker; see eco2.Tracker for the documented API.")
        .def(py::init([](std::string project_name, std::string experiment_description, std::string output,
                         bool write_series, double period, double checkpoint, std::string scope, double pue,
                         std::shared_ptr<eco2::IntensityProvider> intensity,
                         std::shared_ptr<eco2::PriceProvider> price, int expected_epochs, int predict_after,
                         std::optional<double> budget_kwh, std::optional<double> budget_kg,
                         bool stop_on_budget, double efficiency_alpha, std::optional<py::function> on_event,
                         std::optional<double> cpu_tdp, std::string cpu_name, bool detect_job) {
                 TrackerArgs a{std::move(project_name),
                               std::move(experiment_description),
                               std::move(output),
                               write_series,
                               period,
                               checkpoint,
                               std::move(scope),
                               pue,
                               std::move(intensity),
                               std::move(price),
                               expected_epochs,
                               predict_after,
                               budget_kwh,
                               budget_kg,
                               stop_on_budget,
                               efficiency_alpha,
                               std::move(on_event),
                               cpu_tdp,
                               std::move(cpu_name),
                               detect_job};
                 return std::make_unique<PyTracker>(make_config(std::move(a)));
             }),
             py::kw_only(), "project_name"_a = "default", "experiment_description"_a = "default",
             "output"_a = "emission.csv", "write_series"_a = true, "period"_a = 1.0, "checkpoint"_a = 10.0,
             "scope"_a = "process", "pue"_a = 1.0, "intensity"_a = nullptr, "price"_a = nullptr,
             "expected_epochs"_a = 0, "predict_after"_a = 1, "budget_kwh"_a = py::none(),
             "budget_kg"_a = py::none(), "stop_on_budget"_a = false, "efficiency_alpha"_a = 1.0,
             "on_event"_a = py::none(), "cpu_tdp"_a = py::none(), "cpu_name"_a = "", "detect_job"_a = true)
        .def(
            "start", [](PyTracker& t) { t.get().start(); }, py::call_guard<py::gil_scoped_release>())
        .def(
            "start_training", [](PyTracker& t) { t.get().start_training(); },
            py::call_guard<py::gil_scoped_release>())
        .def(
            "stop", [](PyTracker& t) { return t.get().stop(); }, py::call_guard<py::gil_scoped_release>())
        .def(
            "stop_training", [](PyTracker& t) { return t.get().stop_training(); },
            py::call_guard<py::gil_scoped_release>())
        .def(
            "new_epoch",
            [](PyTracker& t, const std::vector<std::pair<std::string, ParamValue>>& params) {
                eco2::EpochParams p = to_params(params);
                py::gil_scoped_release nogil;
                return t.get().new_epoch(p);
            },
            "params"_a = std::vector<std::pair<std::string, ParamValue>>{},
            "Closes the epoch: params is a list of (key, float | str).")
        .def(
            "report_work",
            [](PyTracker& t, std::optional<double> items, std::optional<double> error_rate,
               std::optional<double> flops) {
                t.get().report_work(eco2::Work{items, error_rate, flops});
            },
            py::kw_only(), "items"_a = py::none(), "error_rate"_a = py::none(), "flops"_a = py::none())
        .def(
            "snapshot", [](PyTracker& t) { return t.get().snapshot(); },
            py::call_guard<py::gil_scoped_release>())
        .def_property_readonly("running", [](PyTracker& t) { return t.get().running(); })
        .def("sensors", [](PyTracker& t) { return t.get().sensors(); });

    m.def(
        "probe_sensors",
        [](const std::string& scope, std::optional<double> cpu_tdp, std::string cpu_name) {
            eco2::TrackerConfig c;
            c.sampling.scope = eco2::parse_scope(scope);
            c.cpu_tdp_w = cpu_tdp;
            c.cpu_name = std::move(cpu_name);
            if (cpu_tdp || !c.cpu_name.empty())
                c.cpu_tdp_origin = cpu_tdp ? "cpu_tdp argument" : "cpu_name argument";
            py::gil_scoped_release nogil;
            return eco2::probe_sensors(c);
        },
        "scope"_a = "process", "cpu_tdp"_a = py::none(), "cpu_name"_a = "",
        "What each measurement back end reports, without starting anything.");
    m.def(
        "version", [] { return std::string(eco2::version()); }, "eco2's version, 'MAJOR.MINOR.PATCH'.");
    m.attr("WORLD_AVERAGE_G_PER_KWH") = eco2::WORLD_AVERAGE_G_PER_KWH;
    eco2::python::bind_report(m);
    bind_carbon(m);
}
