#pragma once
// The fake libnvidia-ml (tests/fakes/fake_nvml*.c) loaded through the real dlopen path: a scenario directory
// copied from tests/fixtures/nvml_two_gpus that the tests edit while the sensor reads it.

#include <dlfcn.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "sensors/nvml_sensor.hpp"

// A named namespace with inline definitions: the fixtures are one class in every test file that includes
// them (gtest requires one fixture class per test suite across the program).
namespace eco2::test::nvml {

using namespace eco2;
using namespace eco2::detail;
using ::testing::HasSubstr;
using Ids = std::vector<std::string>;

namespace fs = std::filesystem;

inline void write_file(const fs::path& p, const std::string& text) {
    fs::create_directories(p.parent_path());
    std::ofstream out(p, std::ios::trunc);
    out << text;
    ASSERT_TRUE(out.good()) << p;
}

class NvmlFakeLibrary : public ::testing::Test {
protected:
    void SetUp() override {
        dir = fs::temp_directory_path() / ("eco2-fake-nvml-" + std::to_string(::getpid()) + "-" +
                                           ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir);
        fs::copy(fs::path(ECO2_FIXTURES_DIR) / "nvml_two_gpus", dir, fs::copy_options::recursive);
        ASSERT_EQ(::setenv("FAKE_NVML_DIR", dir.c_str(), 1), 0);
        // Held for the whole test so that the library (and its init count) stays loaded between sensors.
        handle = ::dlopen(ECO2_FAKE_NVML, RTLD_NOW | RTLD_LOCAL);
        ASSERT_NE(handle, nullptr) << ::dlerror();
        init_count = reinterpret_cast<int (*)()>(::dlsym(handle, "fake_nvml_init_count"));
        ASSERT_NE(init_count, nullptr);
    }
    void TearDown() override {
        if (handle != nullptr) ::dlclose(handle);
        ::unsetenv("FAKE_NVML_DIR");
        std::error_code ec;
        fs::remove_all(dir, ec);
    }

    std::unique_ptr<Sensor> make(Scope scope = Scope::machine,
                                 std::optional<std::string> cvd = std::nullopt) {
        NvmlOptions options;
        options.library = ECO2_FAKE_NVML;
        options.scope = scope;
        options.cuda_visible_devices = std::move(cvd);
        return make_nvml_sensor(options, report);
    }

    std::vector<double> read_all(Sensor& s) {
        std::vector<double> v(s.channels().size(), -1.0);
        s.read(tree, v.data());
        return v;
    }

    fs::path dir;
    void* handle = nullptr;
    int (*init_count)() = nullptr;
    ProbeReport report;
    TreeSample tree;
};

}  // namespace eco2::test::nvml

using namespace eco2::test::nvml;  // NOLINT: test files use the fixtures unqualified
