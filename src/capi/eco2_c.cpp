// The C API (include/eco2/eco2.h): thin wrappers over eco2::Tracker. Every entry point goes through guard(),
// the one place where C++ exceptions become status codes and the thread's last error message.

#include <cmath>
#include <exception>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <utility>

#include "eco2/carbon.hpp"
#include "eco2/eco2.h"
#include "eco2/error.hpp"
#include "eco2/record.hpp"
#include "eco2/tracker.hpp"
#include "eco2/zones.hpp"

struct eco2_config {
    eco2::TrackerConfig config;
};

struct eco2_tracker {
    explicit eco2_tracker(eco2::TrackerConfig c) : tracker(std::move(c)) {}
    eco2::Tracker tracker;
    eco2::EpochParams pending;  // parameters of the next epoch mark
};

struct eco2_result {
    eco2::Result result;
};

namespace {

// Kept per thread so that two threads' failures never mix; a std::string so the pointer handed out stays
// valid until this thread's next failure.
thread_local std::string t_last_error;

int status_of(eco2::Errc code) noexcept {
    switch (code) {
        case eco2::Errc::invalid_argument:
            return ECO2_ERROR_INVALID_ARGUMENT;
        case eco2::Errc::io_error:
            return ECO2_ERROR_IO;
        case eco2::Errc::invalid_state:
            return ECO2_ERROR_INVALID_STATE;
        case eco2::Errc::not_found:
            return ECO2_ERROR_NOT_FOUND;
        case eco2::Errc::budget_exceeded:
            return ECO2_ERROR_BUDGET_EXCEEDED;
        case eco2::Errc::internal:
            return ECO2_ERROR_INTERNAL;
    }
    return ECO2_ERROR_INTERNAL;
}

int fail(int status, const char* message) noexcept {
    try {
        t_last_error = message;
    } catch (...) {  // no memory for the message: keep the code, the message says what it can
        t_last_error.clear();
    }
    return status;
}

// The funnel: runs f, translating any exception into a status code and a message.
template <class F>
int guard(F&& f) noexcept {
    try {
        f();
        return ECO2_OK;
    } catch (const eco2::Error& e) {
        return fail(status_of(e.code()), e.what());
    } catch (const std::bad_alloc&) {
        return fail(ECO2_ERROR_NO_MEMORY, "out of memory");
    } catch (const std::exception& e) {
        return fail(ECO2_ERROR_INTERNAL, e.what());
    } catch (...) {
        return fail(ECO2_ERROR_INTERNAL, "unknown exception inside eco2");
    }
}

// Throws invalid_argument naming the argument when p is NULL.
template <class T>
T* need(T* p, const char* what) {
    if (p == nullptr) throw eco2::Error(eco2::Errc::invalid_argument, std::string(what) + " is NULL");
    return p;
}

const eco2::ComponentEnergy& component_of(const eco2::Result& r, int component) {
    switch (component) {
        case ECO2_CPU:
            return r.cpu;
        case ECO2_GPU:
            return r.gpu;
        case ECO2_RAM:
            return r.ram;
        default:
            throw eco2::Error(
                eco2::Errc::invalid_argument,
                "component must be ECO2_CPU, ECO2_GPU or ECO2_RAM, not " + std::to_string(component));
    }
}

double or_nan(const std::optional<double>& v) noexcept {
    return v ? *v : std::nan("");
}

std::optional<double> optional_of(double v) {
    return std::isnan(v) ? std::nullopt : std::optional<double>(v);
}

// Hands a result to the caller; out may be NULL (the caller does not want it).
void give(eco2::Result r, eco2_result** out) {
    if (out != nullptr) *out = new eco2_result{std::move(r)};
}

}  // namespace

extern "C" {

const char* eco2_version(void) {
    // The version string is a literal compiled into the library: the view is NUL-terminated.
    return eco2::version().data();
}

const char* eco2_last_error(void) {
    return t_last_error.c_str();
}

const char* eco2_status_name(int status) {
    switch (status) {
        case ECO2_OK:
            return "ok";
        case ECO2_ERROR_INVALID_ARGUMENT:
            return "invalid argument";
        case ECO2_ERROR_IO:
            return "i/o error";
        case ECO2_ERROR_INVALID_STATE:
            return "invalid state";
        case ECO2_ERROR_NOT_FOUND:
            return "not found";
        case ECO2_ERROR_BUDGET_EXCEEDED:
            return "budget exceeded";
        case ECO2_ERROR_INTERNAL:
            return "internal error";
        case ECO2_ERROR_NO_MEMORY:
            return "out of memory";
        default:
            return "unknown status";
    }
}

// ----------------------------------------------------------------------------------------------
// configuration

int eco2_config_create(eco2_config** out) {
    return guard([&] {
        need(out, "out");  // before allocating: the right side of `*out = new ...` is evaluated first
        *out = new eco2_config{};
    });
}

int eco2_config_destroy(eco2_config* config) {
    delete config;
    return ECO2_OK;
}

int eco2_config_set_project(eco2_config* config, const char* name) {
    return guard([&] { need(config, "config")->config.project_name = need(name, "name"); });
}

int eco2_config_set_experiment(eco2_config* config, const char* description) {
    return guard(
        [&] { need(config, "config")->config.experiment_description = need(description, "description"); });
}

int eco2_config_set_output(eco2_config* config, const char* path) {
    return guard([&] { need(config, "config")->config.output.path = path != nullptr ? path : ""; });
}

int eco2_config_set_write_series(eco2_config* config, int enabled) {
    return guard([&] { need(config, "config")->config.output.write_series = enabled != 0; });
}

int eco2_config_set_period(eco2_config* config, double seconds) {
    return guard([&] { need(config, "config")->config.sampling.period_s = seconds; });
}

int eco2_config_set_checkpoint(eco2_config* config, double seconds) {
    return guard([&] { need(config, "config")->config.sampling.checkpoint_s = seconds; });
}

int eco2_config_set_scope(eco2_config* config, int scope) {
    return guard([&] {
        auto& c = need(config, "config")->config;
        if (scope == ECO2_SCOPE_PROCESS)
            c.sampling.scope = eco2::Scope::process;
        else if (scope == ECO2_SCOPE_MACHINE)
            c.sampling.scope = eco2::Scope::machine;
        else
            throw eco2::Error(
                eco2::Errc::invalid_argument,
                "scope must be ECO2_SCOPE_PROCESS or ECO2_SCOPE_MACHINE, not " + std::to_string(scope));
    });
}

int eco2_config_set_pue(eco2_config* config, double pue) {
    return guard([&] { need(config, "config")->config.pue = pue; });
}

int eco2_config_set_cpu_tdp(eco2_config* config, double watts) {
    return guard([&] {
        auto& c = need(config, "config")->config;
        if (std::isnan(watts)) {
            c.cpu_tdp_w.reset();
        } else {
            c.cpu_tdp_w = watts;
            c.cpu_tdp_origin = "C API";
        }
    });
}

int eco2_config_set_cpu_name(eco2_config* config, const char* name) {
    return guard([&] {
        auto& c = need(config, "config")->config;
        c.cpu_name = name ? name : "";
        if (!c.cpu_name.empty() && !c.cpu_tdp_w) c.cpu_tdp_origin = "C API";
    });
}

int eco2_config_set_intensity(eco2_config* config, double g_per_kwh, const char* region_label) {
    return guard([&] {
        auto& c = need(config, "config")->config;
        c.intensity =
            eco2::fixed_intensity(g_per_kwh, region_label != nullptr ? region_label : "user-supplied",
                                  "C API eco2_config_set_intensity");
    });
}

int eco2_config_set_region(eco2_config* config, const char* region) {
    return guard([&] {
        auto& c = need(config, "config")->config;
        c.intensity = eco2::zone_intensity_provider(need(region, "region"));
    });
}

int eco2_config_set_expected_epochs(eco2_config* config, int epochs) {
    return guard([&] { need(config, "config")->config.training.expected_epochs = epochs; });
}

int eco2_config_set_predict_after(eco2_config* config, int epochs) {
    return guard([&] { need(config, "config")->config.training.predict_after = epochs; });
}

int eco2_config_set_budget_kwh(eco2_config* config, double kwh) {
    return guard([&] { need(config, "config")->config.training.budget_kwh = optional_of(kwh); });
}

int eco2_config_set_budget_kg(eco2_config* config, double kg) {
    return guard([&] { need(config, "config")->config.training.budget_kg = optional_of(kg); });
}

int eco2_config_set_stop_on_budget(eco2_config* config, int enabled) {
    return guard([&] { need(config, "config")->config.training.stop_on_budget = enabled != 0; });
}

int eco2_config_set_efficiency_alpha(eco2_config* config, double alpha) {
    return guard([&] { need(config, "config")->config.training.efficiency_alpha = alpha; });
}

int eco2_config_set_event_callback(eco2_config* config, eco2_event_callback callback, void* user_data) {
    return guard([&] {
        auto& c = need(config, "config")->config;
        if (callback == nullptr) {
            c.on_event = nullptr;
            return;
        }
        c.on_event = [callback, user_data](const eco2::TrackerEvent& e) {
            int kind = ECO2_EVENT_PREDICTION;
            if (e.kind == eco2::TrackerEvent::Kind::budget_warning) kind = ECO2_EVENT_BUDGET_WARNING;
            if (e.kind == eco2::TrackerEvent::Kind::budget_exceeded) kind = ECO2_EVENT_BUDGET_EXCEEDED;
            callback(kind, e.message.c_str(), e.stop_requested ? 1 : 0, user_data);
        };
    });
}

// ---------------------------------------------------------------------------------------------- tracker

int eco2_tracker_create(const eco2_config* config, eco2_tracker** out) {
    return guard([&] {
        need(out, "out");
        eco2::TrackerConfig c = config != nullptr ? config->config : eco2::TrackerConfig{};
        *out = new eco2_tracker(std::move(c));
    });
}

int eco2_tracker_destroy(eco2_tracker* tracker) {
    delete tracker;  // ~Tracker stops and records a running tracker, and never throws
    return ECO2_OK;
}

int eco2_tracker_start(eco2_tracker* tracker) {
    return guard([&] { need(tracker, "tracker")->tracker.start(); });
}

int eco2_tracker_stop(eco2_tracker* tracker, eco2_result** out) {
    return guard([&] { give(need(tracker, "tracker")->tracker.stop(), out); });
}

int eco2_tracker_snapshot(const eco2_tracker* tracker, eco2_result** out) {
    return guard([&] {
        need(out, "out");
        give(need(tracker, "tracker")->tracker.snapshot(), out);
    });
}

int eco2_tracker_running(const eco2_tracker* tracker, int* out) {
    return guard([&] { *need(out, "out") = need(tracker, "tracker")->tracker.running() ? 1 : 0; });
}

int eco2_tracker_start_training(eco2_tracker* tracker) {
    return guard([&] {
        need(tracker, "tracker")->pending.clear();
        tracker->tracker.start_training();
    });
}

int eco2_tracker_epoch_param_number(eco2_tracker* tracker, const char* key, double value) {
    return guard([&] { need(tracker, "tracker")->pending.push_back(eco2::Param{need(key, "key"), value}); });
}

int eco2_tracker_epoch_param_integer(eco2_tracker* tracker, const char* key, long long value) {
    return guard([&] {
        need(tracker, "tracker")->pending.push_back(eco2::Param{need(key, "key"), static_cast<std::int64_t>(value)});
    });
}

int eco2_tracker_epoch_param_string(eco2_tracker* tracker, const char* key, const char* value) {
    return guard([&] {
        need(tracker, "tracker")
            ->pending.push_back(eco2::Param{need(key, "key"), std::string(need(value, "value"))});
    });
}

int eco2_tracker_new_epoch(eco2_tracker* tracker, eco2_result** out) {
    return guard([&] {
        eco2::EpochParams params = std::move(need(tracker, "tracker")->pending);
        tracker->pending.clear();
        give(tracker->tracker.new_epoch(params), out);
    });
}

int eco2_tracker_stop_training(eco2_tracker* tracker, eco2_result** out) {
    return guard([&] {
        need(tracker, "tracker")->pending.clear();
        give(tracker->tracker.stop_training(), out);
    });
}

int eco2_tracker_report_work(eco2_tracker* tracker, double items, double error_rate, double flops) {
    return guard([&] {
        need(tracker, "tracker");
        eco2::Work w;
        w.items = optional_of(items);
        w.error_rate = optional_of(error_rate);
        w.flops = optional_of(flops);
        if ((w.items && !(*w.items >= 0 && std::isfinite(*w.items))) ||
            (w.flops && !(*w.flops >= 0 && std::isfinite(*w.flops))))
            throw eco2::Error(eco2::Errc::invalid_argument, "items and flops must be finite and >= 0");
        if (w.error_rate && !(*w.error_rate >= 0 && *w.error_rate <= 1))
            throw eco2::Error(eco2::Errc::invalid_argument, "error_rate must be within 0..1");
        tracker->tracker.report_work(w);
    });
}

// ---------------------------------------------------------------------------------------------- results

int eco2_result_destroy(eco2_result* result) {
    delete result;
    return ECO2_OK;
}

int eco2_result_energy_j(const eco2_result* result, int component, double* out) {
    return guard([&] {
        need(out, "out");
        *out = component_of(need(result, "result")->result, component).joules;
    });
}

int eco2_result_source(const eco2_result* result, int component, const char** out) {
    return guard([&] {
        need(out, "out");
        *out = component_of(need(result, "result")->result, component).source.c_str();
    });
}

int eco2_result_estimated(const eco2_result* result, int component, int* out) {
    return guard([&] {
        need(out, "out");
        *out = component_of(need(result, "result")->result, component).estimated ? 1 : 0;
    });
}

int eco2_result_energy_kwh(const eco2_result* result, double* out) {
    return guard([&] { *need(out, "out") = need(result, "result")->result.energy_kwh(); });
}

int eco2_result_co2_kg(const eco2_result* result, double* out) {
    return guard([&] { *need(out, "out") = need(result, "result")->result.co2_kg; });
}

int eco2_result_duration_s(const eco2_result* result, double* out) {
    return guard([&] { *need(out, "out") = need(result, "result")->result.duration_s; });
}

int eco2_result_intensity(const eco2_result* result, double* out) {
    return guard([&] { *need(out, "out") = need(result, "result")->result.intensity_g_per_kwh; });
}

int eco2_result_region(const eco2_result* result, const char** out) {
    return guard([&] { *need(out, "out") = need(result, "result")->result.region.c_str(); });
}

int eco2_result_tree_cpu(const eco2_result* result, double* cpu_time_s, const char** source) {
    return guard([&] {
        const eco2::Result& r = need(result, "result")->result;
        if (cpu_time_s != nullptr) *cpu_time_s = r.cpu_time_s;
        if (source != nullptr) *source = r.tree_source.c_str();
    });
}

int eco2_result_cost(const eco2_result* result, double* out) {
    return guard([&] { *need(out, "out") = or_nan(need(result, "result")->result.cost); });
}

int eco2_result_status(const eco2_result* result, int* out) {
    return guard([&] {
        need(out, "out");
        switch (need(result, "result")->result.status) {
            case eco2::RunStatus::running:
                *out = ECO2_RUN_RUNNING;
                break;
            case eco2::RunStatus::interrupted:
                *out = ECO2_RUN_INTERRUPTED;
                break;
            case eco2::RunStatus::completed:
                *out = ECO2_RUN_COMPLETED;
                break;
            case eco2::RunStatus::budget_stopped:
                *out = ECO2_RUN_BUDGET_STOPPED;
                break;
        }
    });
}

int eco2_result_id(const eco2_result* result, const char** out) {
    return guard([&] { *need(out, "out") = need(result, "result")->result.id.c_str(); });
}

int eco2_result_epoch(const eco2_result* result, const char** label, int* number) {
    return guard([&] {
        const eco2::Result& r = need(result, "result")->result;
        if (label != nullptr) *label = r.epoch.c_str();
        if (number != nullptr) *number = r.epoch_number;
    });
}

int eco2_result_energy_per_item_j(const eco2_result* result, double* out) {
    return guard([&] { *need(out, "out") = or_nan(need(result, "result")->result.energy_per_item_j()); });
}

int eco2_result_energy_precision_ratio(const eco2_result* result, double* out) {
    return guard(
        [&] { *need(out, "out") = or_nan(need(result, "result")->result.energy_precision_ratio()); });
}

int eco2_result_flop_per_joule(const eco2_result* result, double* out) {
    return guard([&] { *need(out, "out") = or_nan(need(result, "result")->result.flop_per_joule()); });
}

int eco2_result_prediction(const eco2_result* result, double* duration_s, double* energy_kwh,
                           double* co2_kg) {
    return guard([&] {
        const auto& p = need(result, "result")->result.prediction;
        const double nan = std::nan("");
        if (duration_s != nullptr) *duration_s = p ? p->duration_s : nan;
        if (energy_kwh != nullptr) *energy_kwh = p ? p->energy_kwh : nan;
        if (co2_kg != nullptr) *co2_kg = p ? p->co2_kg : nan;
    });
}

int eco2_result_warning_count(const eco2_result* result, int* count) {
    return guard(
        [&] { *need(count, "count") = static_cast<int>(need(result, "result")->result.warnings.size()); });
}

int eco2_result_warning(const eco2_result* result, int index, const char** out) {
    return guard([&] {
        need(out, "out");
        const auto& w = need(result, "result")->result.warnings;
        if (index < 0 || static_cast<std::size_t>(index) >= w.size())
            throw eco2::Error(eco2::Errc::invalid_argument, "warning index " + std::to_string(index) +
                                                                " out of range (" + std::to_string(w.size()) +
                                                                " warnings)");
        *out = w[static_cast<std::size_t>(index)].c_str();
    });
}

}  // extern "C"
