#pragma once
// What the C API's files share (eco2_c.cpp: version, errors, configuration, tracker; eco2_c_result.cpp:
// results; eco2_c_carbon.cpp: the location chain): the handles and guard(), the one place where C++ exceptions
// become status codes and the thread's last error message.

#include <cmath>
#include <exception>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "eco2/eco2.h"
#include "eco2/error.hpp"
#include "eco2/record.hpp"
#include "eco2/tracker.hpp"

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

namespace eco2::capi {

/// The calling thread's last error message (eco2_c.cpp): kept per thread so that two threads' failures never
/// mix; a std::string so the pointer handed out stays valid until this thread's next failure.
std::string& last_error() noexcept;
// The C API's names of the settings library messages mention (eco2::SettingNames): their setters,
// "eco2_config_set_cpu_tdp(config, W)", "eco2_carbon_set_region(carbon, ZONE)"; "" (the neutral name) for a
// setting the C API has no setter for.
std::string setter_name(std::string_view setting, std::string_view value);

inline int status_of(eco2::Errc code) noexcept {
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

inline int fail(int status, const char* message) noexcept {
    try {
        last_error() = message;
    } catch (...) {  // no memory for the message: keep the code, the message says what it can
        last_error().clear();
    }
    return status;
}

// An eco2::Error's message, with the settings it mentions named by their setters.
inline int fail(int status, const eco2::Error& e) noexcept {
    try {
        last_error() = e.what(setter_name);
        return status;
    } catch (...) {  // no memory to spell it: the neutral message
        return fail(status, e.what());
    }
}

// The funnel: runs f, translating any exception into a status code and a message.
template <class F>
int guard(F&& f) noexcept {
    try {
        f();
        return ECO2_OK;
    } catch (const eco2::Error& e) {
        return fail(status_of(e.code()), e);
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

inline const eco2::ComponentEnergy& component_of(const eco2::Result& r, int component) {
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

inline double or_nan(const std::optional<double>& v) noexcept {
    return v ? *v : std::nan("");
}

inline std::optional<double> optional_of(double v) {
    return std::isnan(v) ? std::nullopt : std::optional<double>(v);
}

// Hands a result to the caller; out may be NULL (the caller does not want it).
inline void give(eco2::Result r, eco2_result** out) {
    if (out != nullptr) *out = new eco2_result{std::move(r)};
}

}  // namespace eco2::capi
