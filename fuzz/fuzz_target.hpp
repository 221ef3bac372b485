#pragma once
// Shared by the libFuzzer targets (fuzz/*_fuzz.cpp): each parser may refuse its input only with the error
// it documents, eco2::Error(invalid_argument); any other exception escapes and libFuzzer reports it as a
// crash, as it does a sanitizer finding (AddressSanitizer, UndefinedBehaviorSanitizer) or a failed check.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "eco2/error.hpp"

namespace eco2::fuzz {

inline std::string_view text_of(const std::uint8_t* data, std::size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}

/// Runs f(); a documented refusal is fine, anything else reaches libFuzzer.
template <class F>
void refused_only_as_documented(F&& f) {
    try {
        f();
    } catch (const eco2::Error& e) {
        if (e.code() != eco2::Errc::invalid_argument) {
            std::fprintf(stderr, "unexpected error code %d: %s\n", static_cast<int>(e.code()), e.what());
            std::abort();
        }
    }
}

/// A property that must hold for every accepted input.
#define ECO2_FUZZ_CHECK(cond)                                                          \
    do {                                                                               \
        if (!(cond)) {                                                                 \
            std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
            std::abort();                                                              \
        }                                                                              \
    } while (0)

}  // namespace eco2::fuzz
