// The C API's results (include/eco2/eco2.h): read-only views of an eco2::Result.

#include "capi_internal.hpp"

using namespace eco2::capi;

extern "C" {

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
