// The C API (include/eco2/eco2.h): thin wrappers over eco2::Tracker. Every entry point goes through guard()
// (capi_internal.hpp). Results: eco2_c_result.cpp; the location chain: eco2_c_carbon.cpp.

#include <fmt/format.h>

#include <utility>

#include "capi_internal.hpp"
#include "eco2/carbon.hpp"
#include "eco2/zones.hpp"

using namespace eco2::capi;

std::string& eco2::capi::last_error() noexcept {
    thread_local std::string message;
    return message;
}

std::string eco2::capi::setter_name(std::string_view setting, std::string_view value) {
    // The setting, and the handle whose setter sets it: eco2_<handle>_set_<setting>(<handle>, value).
    static constexpr std::pair<std::string_view, std::string_view> setters[] = {{"output", "config"},
                                                                                {"cpu_tdp", "config"},
                                                                                {"cpu_name", "config"},
                                                                                {"scope", "config"},
                                                                                {"region", "carbon"}};
    for (const auto& [s, handle] : setters)
        if (s == setting)
            return fmt::format("eco2_{}_set_{}{}", handle, s,
                               value.empty() ? "()" : fmt::format("({}, {})", handle, value));
    return {};
}

extern "C" {

const char* eco2_version(void) {
    // The version string is a literal compiled into the library: the view is NUL-terminated.
    return eco2::version().data();
}

const char* eco2_last_error(void) {
    return last_error().c_str();
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

int eco2_config_set_detect_job(eco2_config* config, int enabled) {
    return guard([&] { need(config, "config")->config.detect_job = enabled != 0; });
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


}  // extern "C"
