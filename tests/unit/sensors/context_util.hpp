#pragma once
// A SystemContext on a fixture or temporary tree, for the back-end tests: no variable of the real environment
// leaks in (the snapshot is the one given), NVML is not found unless a library is named.

#include <filesystem>
#include <memory>
#include <string>
#include <utility>

#include "../test_util.hpp"
#include "sys/system_context.hpp"

namespace eco2::test {

inline sys::SystemContext context_at(const std::filesystem::path& base, sys::Environment::Map env = {},
                                     std::string nvml_library = "/nonexistent/libnvidia-ml.so.1",
                                     std::shared_ptr<const sys::FileReader> reader = nullptr) {
    return sys::SystemContext(roots(base), sys::Environment(std::move(env)), std::move(nvml_library),
                              std::move(reader));
}

}  // namespace eco2::test
