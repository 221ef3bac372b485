// The C API's carbon set-up (include/eco2/eco2.h, eco2_carbon_*): the library's location chain
// (src/carbon/carbon_setup.hpp) behind a handle, as `eco2 where` and `eco2 run` use it.

#include <chrono>
#include <vector>

#include "capi_internal.hpp"
#include "carbon/carbon_setup.hpp"

using namespace eco2::capi;

struct eco2_carbon {
    eco2::carbon::CarbonRequest request;
    std::optional<eco2::carbon::CarbonSetup> setup;  // after eco2_carbon_resolve
    // What the getters hand out, kept here so that the pointers live as long as the handle (or the next
    // resolve): the providers return copies.
    std::string region, source, value_from;
    std::vector<std::string> warnings;  // the setup's, as lines naming this API's functions
};

namespace {

eco2::carbon::CarbonRequest& request_of(eco2_carbon* carbon) {
    eco2_carbon* c = need(carbon, "carbon");
    c->setup.reset();  // a changed request must be resolved again
    return c->request;
}

const eco2::carbon::CarbonSetup& setup_of(const eco2_carbon* carbon) {
    const eco2_carbon* c = need(carbon, "carbon");
    if (!c->setup)
        throw eco2::Error(eco2::Errc::invalid_state, "the carbon set-up is not resolved: call eco2_carbon_resolve first");
    return *c->setup;
}

std::optional<eco2::carbon::Given<std::string>> text_of(const char* value, const char* function) {
    if (value == nullptr || *value == '\0') return std::nullopt;
    return eco2::carbon::Given<std::string>{value, std::string("C API ") + function};
}

}  // namespace

extern "C" {

int eco2_carbon_create(eco2_carbon** out) {
    return guard([&] {
        need(out, "out");
        auto* c = new eco2_carbon{};
        c->request.regions.push_back({"region", std::nullopt, {}, "not given"});
        *out = c;
    });
}

int eco2_carbon_destroy(eco2_carbon* carbon) {
    delete carbon;
    return ECO2_OK;
}

int eco2_carbon_set_region(eco2_carbon* carbon, const char* region) {
    return guard([&] {
        eco2::carbon::RegionSetting& r = request_of(carbon).regions.front();
        r.value = region != nullptr && *region != '\0' ? std::optional<std::string>(region) : std::nullopt;
        r.origin = "C API eco2_carbon_set_region";
    });
}

int eco2_carbon_set_cloud(eco2_carbon* carbon, const char* provider) {
    return guard([&] { request_of(carbon).cloud = provider != nullptr ? provider : ""; });
}

int eco2_carbon_set_year(eco2_carbon* carbon, int year) {
    return guard([&] {
        if (year < 0) throw eco2::Error(eco2::Errc::invalid_argument, "year must be >= 0 (0: the latest)");
        request_of(carbon).year = year == 0 ? std::nullopt : std::optional<int>(year);
    });
}

int eco2_carbon_set_marginal(eco2_carbon* carbon, int marginal) {
    return guard([&] {
        request_of(carbon).kind = marginal != 0 ? eco2::IntensityKind::marginal : eco2::IntensityKind::average;
    });
}

int eco2_carbon_set_intensity(eco2_carbon* carbon, double g_per_kwh) {
    return guard([&] {
        auto& r = request_of(carbon);
        if (std::isnan(g_per_kwh)) {
            r.intensity.reset();
            return;
        }
        if (!std::isfinite(g_per_kwh) || g_per_kwh < 0.0)
            throw eco2::Error(eco2::Errc::invalid_argument, "carbon intensity must be a number >= 0 gCO2/kWh");
        r.intensity = eco2::carbon::Given<double>{g_per_kwh, "C API eco2_carbon_set_intensity"};
    });
}

int eco2_carbon_set_intensity_series(eco2_carbon* carbon, const char* path) {
    return guard(
        [&] { request_of(carbon).intensity_series = text_of(path, "eco2_carbon_set_intensity_series"); });
}

int eco2_carbon_set_intensity_table(eco2_carbon* carbon, const char* path) {
    return guard([&] { request_of(carbon).user_table = text_of(path, "eco2_carbon_set_intensity_table"); });
}

int eco2_carbon_set_tariff(eco2_carbon* carbon, const char* bands, const char* currency) {
    return guard([&] {
        auto& r = request_of(carbon);
        r.tariff = text_of(bands, "eco2_carbon_set_tariff");
        r.currency = currency != nullptr ? currency : "";
    });
}

int eco2_carbon_set_geolocation(eco2_carbon* carbon, int enabled, const char* url, double timeout_s) {
    return guard([&] {
        if (!(timeout_s > 0.0 && timeout_s <= 60.0))
            throw eco2::Error(eco2::Errc::invalid_argument, "geolocation timeout must be in (0, 60] s");
        auto& r = request_of(carbon);
        r.geolocate = enabled != 0;
        r.geolocate_url = url != nullptr ? url : "";
        r.geolocate_timeout_s = timeout_s;
    });
}

int eco2_carbon_resolve(eco2_carbon* carbon) {
    return guard([&] {
        eco2_carbon* c = need(carbon, "carbon");
        c->setup.reset();
        c->warnings.clear();
        eco2::carbon::CarbonRequest request = c->request;
        request.full_chain = true;  // every step, as `eco2 where` shows them
        eco2::carbon::CarbonSetup setup = eco2::carbon::setup_carbon(request);
        for (const auto& w : setup.warnings) c->warnings.push_back(eco2::carbon::describe(w, setter_name));
        c->region = setup.intensity->region();
        c->source = setup.intensity->source();
        c->value_from = setup.value_from;
        c->setup = std::move(setup);
    });
}

int eco2_carbon_intensity(const eco2_carbon* carbon, double* out) {
    return guard([&] { *need(out, "out") = setup_of(carbon).intensity->at(std::chrono::system_clock::now()); });
}

int eco2_carbon_region(const eco2_carbon* carbon, const char** out) {
    return guard([&] {
        setup_of(carbon);
        *need(out, "out") = carbon->region.c_str();
    });
}

int eco2_carbon_source(const eco2_carbon* carbon, const char** out) {
    return guard([&] {
        setup_of(carbon);
        *need(out, "out") = carbon->source.c_str();
    });
}

int eco2_carbon_value_from(const eco2_carbon* carbon, const char** out) {
    return guard([&] {
        setup_of(carbon);
        *need(out, "out") = carbon->value_from.c_str();
    });
}

int eco2_carbon_step_count(const eco2_carbon* carbon, int* count) {
    return guard([&] { *need(count, "count") = static_cast<int>(setup_of(carbon).location.steps.size()); });
}

int eco2_carbon_step(const eco2_carbon* carbon, int index, const char** name, const char** status,
                     const char** detail) {
    return guard([&] {
        const auto& steps = setup_of(carbon).location.steps;
        if (index < 0 || static_cast<std::size_t>(index) >= steps.size())
            throw eco2::Error(eco2::Errc::invalid_argument,
                              "step index " + std::to_string(index) + " is out of range 0.." +
                                  std::to_string(static_cast<int>(steps.size()) - 1));
        const eco2::carbon::LocationStep& s = steps[static_cast<std::size_t>(index)];
        if (name != nullptr) *name = s.name.c_str();
        if (status != nullptr) *status = eco2::carbon::to_string(s.status).data();  // a NUL-terminated literal
        if (detail != nullptr) *detail = s.detail.c_str();
    });
}

int eco2_carbon_warning_count(const eco2_carbon* carbon, int* count) {
    return guard([&] {
        setup_of(carbon);
        *need(count, "count") = static_cast<int>(carbon->warnings.size());
    });
}

int eco2_carbon_warning(const eco2_carbon* carbon, int index, const char** out) {
    return guard([&] {
        setup_of(carbon);
        if (index < 0 || static_cast<std::size_t>(index) >= carbon->warnings.size())
            throw eco2::Error(eco2::Errc::invalid_argument, "warning index " + std::to_string(index) + " is out of range");
        *need(out, "out") = carbon->warnings[static_cast<std::size_t>(index)].c_str();
    });
}

int eco2_config_set_carbon(eco2_config* config, const eco2_carbon* carbon) {
    return guard([&] {
        auto& c = need(config, "config")->config;
        const eco2::carbon::CarbonSetup& s = setup_of(carbon);
        c.intensity = s.intensity;
        c.price = s.price;
    });
}

}  // extern "C"
