#pragma once
// An in-memory NVML for the back end's unit tests: the function table filled with the functions below, GPUs
// described by FakeGpu. Included by one test file at a time (its state is that file's).

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

struct FakeGpu {
    std::string name = "NVIDIA H100 80GB HBM3";
    std::string uuid;
    std::optional<unsigned long long> energy_mj;  // nullopt: NOT_SUPPORTED (pre-Volta)
    std::optional<unsigned int> instant_mw;       // field 186; nullopt: per-field NOT_SUPPORTED
    int instant_type = NVML_VALUE_TYPE_UNSIGNED_INT;
    std::optional<unsigned int> power_mw;  // nvmlDeviceGetPowerUsage; nullopt: NOT_SUPPORTED
    std::vector<unsigned int> compute_pids;
    std::vector<unsigned int> graphics_pids;
    NvmlReturn list_rc = NVML_SUCCESS;    // returned by both process lists when not SUCCESS
    NvmlReturn error = NVML_SUCCESS;      // returned by every call on the GPU when not SUCCESS
    NvmlReturn handle_rc = NVML_SUCCESS;  // returned by nvmlDeviceGetHandleByIndex
};

struct FakeNvml {
    NvmlReturn init_rc = NVML_SUCCESS;
    int init_calls = 0;
    int shutdown_calls = 0;
    int list_calls = 0;
    std::vector<FakeGpu> gpus;
};

// The table holds plain function pointers (as dlsym gives), so the fake's state has to be reachable without a
// context argument. Reset by the fixture before every test.
inline FakeNvml g_fake;

inline NvmlDevice handle_of(unsigned int i) {
    return reinterpret_cast<NvmlDevice>(static_cast<std::uintptr_t>(i + 1));
}

inline FakeGpu* gpu_of(NvmlDevice d) {
    const auto i = reinterpret_cast<std::uintptr_t>(d);
    if (i == 0 || i > g_fake.gpus.size()) return nullptr;
    return &g_fake.gpus[i - 1];
}

inline NvmlReturn fake_init() {
    ++g_fake.init_calls;
    return g_fake.init_rc;
}
inline NvmlReturn fake_shutdown() {
    ++g_fake.shutdown_calls;
    return NVML_SUCCESS;
}
inline const char* fake_error_string(NvmlReturn rc) {
    switch (rc) {
        case NVML_ERROR_NOT_SUPPORTED:
            return "Not Supported";
        case NVML_ERROR_NO_PERMISSION:
            return "Insufficient Permissions";
        case NVML_ERROR_DRIVER_NOT_LOADED:
            return "Driver Not Loaded";
        case NVML_ERROR_GPU_IS_LOST:
            return "GPU is lost";
        default:
            return "Unknown Error";
    }
}
inline NvmlReturn fake_count(unsigned int* n) {
    *n = static_cast<unsigned int>(g_fake.gpus.size());
    return NVML_SUCCESS;
}
inline NvmlReturn fake_handle(unsigned int i, NvmlDevice* d) {
    if (i >= g_fake.gpus.size()) return NVML_ERROR_INVALID_ARGUMENT;
    if (g_fake.gpus[i].handle_rc != NVML_SUCCESS) return g_fake.gpus[i].handle_rc;
    *d = handle_of(i);
    return NVML_SUCCESS;
}
inline NvmlReturn copy_text(const std::string& text, char* out, unsigned int size) {
    if (text.size() + 1 > size) return NVML_ERROR_INSUFFICIENT_SIZE;
    std::memcpy(out, text.c_str(), text.size() + 1);
    return NVML_SUCCESS;
}
inline NvmlReturn fake_name(NvmlDevice d, char* out, unsigned int size) {
    FakeGpu* g = gpu_of(d);
    if (g == nullptr) return NVML_ERROR_INVALID_ARGUMENT;
    if (g->error != NVML_SUCCESS) return g->error;
    return copy_text(g->name, out, size);
}
inline NvmlReturn fake_uuid(NvmlDevice d, char* out, unsigned int size) {
    FakeGpu* g = gpu_of(d);
    if (g == nullptr) return NVML_ERROR_INVALID_ARGUMENT;
    if (g->error != NVML_SUCCESS) return g->error;
    return copy_text(g->uuid, out, size);
}
inline NvmlReturn fake_energy(NvmlDevice d, unsigned long long* mj) {
    FakeGpu* g = gpu_of(d);
    if (g == nullptr) return NVML_ERROR_INVALID_ARGUMENT;
    if (g->error != NVML_SUCCESS) return g->error;
    if (!g->energy_mj) return NVML_ERROR_NOT_SUPPORTED;
    *mj = *g->energy_mj;
    return NVML_SUCCESS;
}
inline NvmlReturn fake_power(NvmlDevice d, unsigned int* mw) {
    FakeGpu* g = gpu_of(d);
    if (g == nullptr) return NVML_ERROR_INVALID_ARGUMENT;
    if (g->error != NVML_SUCCESS) return g->error;
    if (!g->power_mw) return NVML_ERROR_NOT_SUPPORTED;
    *mw = *g->power_mw;
    return NVML_SUCCESS;
}
inline NvmlReturn fake_fields(NvmlDevice d, int n, NvmlFieldValue* values) {
    FakeGpu* g = gpu_of(d);
    if (g == nullptr) return NVML_ERROR_INVALID_ARGUMENT;
    if (g->error != NVML_SUCCESS) return g->error;
    for (int k = 0; k < n; ++k) {
        NvmlFieldValue& v = values[k];
        if (v.fieldId == NVML_FI_DEV_POWER_INSTANT && g->instant_mw) {
            v.nvmlReturn = NVML_SUCCESS;
            v.valueType = g->instant_type;
            if (g->instant_type == NVML_VALUE_TYPE_DOUBLE) {
                v.value.dVal = *g->instant_mw;
            } else {
                v.value.uiVal = *g->instant_mw;
            }
        } else {
            v.nvmlReturn = NVML_ERROR_NOT_SUPPORTED;
        }
    }
    return NVML_SUCCESS;
}
template <typename Info>
NvmlReturn fake_list(NvmlDevice d, unsigned int* count, Info* infos, bool graphics) {
    ++g_fake.list_calls;
    FakeGpu* g = gpu_of(d);
    if (g == nullptr) return NVML_ERROR_INVALID_ARGUMENT;
    if (g->error != NVML_SUCCESS) return g->error;
    if (g->list_rc != NVML_SUCCESS) return g->list_rc;
    const auto& pids = graphics ? g->graphics_pids : g->compute_pids;
    if (*count < pids.size()) {
        *count = static_cast<unsigned int>(pids.size());
        return NVML_ERROR_INSUFFICIENT_SIZE;
    }
    for (std::size_t k = 0; k < pids.size(); ++k) {
        infos[k] = Info{};
        infos[k].pid = pids[k];
    }
    *count = static_cast<unsigned int>(pids.size());
    return NVML_SUCCESS;
}
inline NvmlReturn fake_compute(NvmlDevice d, unsigned int* c, NvmlProcessInfo* i) {
    return fake_list(d, c, i, false);
}
inline NvmlReturn fake_graphics(NvmlDevice d, unsigned int* c, NvmlProcessInfo* i) {
    return fake_list(d, c, i, true);
}
inline NvmlReturn fake_compute_v1(NvmlDevice d, unsigned int* c, NvmlProcessInfoV1* i) {
    return fake_list(d, c, i, false);
}
inline NvmlReturn fake_graphics_v1(NvmlDevice d, unsigned int* c, NvmlProcessInfoV1* i) {
    return fake_list(d, c, i, true);
}

inline NvmlApi fake_api() {
    NvmlApi api;
    api.init = fake_init;
    api.shutdown = fake_shutdown;
    api.error_string = fake_error_string;
    api.device_get_count = fake_count;
    api.device_get_handle_by_index = fake_handle;
    api.device_get_name = fake_name;
    api.device_get_uuid = fake_uuid;
    api.device_get_total_energy_consumption = fake_energy;
    api.device_get_power_usage = fake_power;
    api.device_get_field_values = fake_fields;
    api.device_get_compute_running_processes = fake_compute;
    api.device_get_graphics_running_processes = fake_graphics;
    return api;
}

inline FakeGpu volta_gpu(unsigned long long mj, const char* uuid) {
    FakeGpu g;
    g.energy_mj = mj;
    g.power_mw = 300000;
    g.uuid = uuid;
    return g;
}

constexpr const char* UUID_A = "GPU-8932f937-d72c-4106-c12f-20bd9faed9f6";
constexpr const char* UUID_B = "GPU-8932f9aa-0000-4106-c12f-20bd9faed9f7";
constexpr const char* UUID_C = "GPU-11223344-5566-7788-99aa-bbccddeeff00";

class NvmlTable : public ::testing::Test {
protected:
    void SetUp() override {
        g_fake = FakeNvml{};
        g_fake.gpus = {volta_gpu(5'000'000, UUID_A), volta_gpu(7'000'000, UUID_B),
                       volta_gpu(9'000'000, UUID_C)};
    }

    std::unique_ptr<Sensor> make(Scope scope = Scope::machine, std::optional<std::string> cvd = std::nullopt,
                                 NvmlApi api = fake_api()) {
        NvmlOptions options;
        options.scope = scope;
        options.cuda_visible_devices = std::move(cvd);
        return make_nvml_sensor(api, options, report);
    }

    static std::vector<std::string> ids(const Sensor& s) {
        std::vector<std::string> out;
        for (const Channel& c : s.channels()) out.push_back(c.id);
        return out;
    }

    std::vector<double> read_all(Sensor& s) {
        std::vector<double> v(s.channels().size(), -1.0);
        s.read(tree, v.data());
        return v;
    }

    ProbeReport report;
    TreeSample tree;
};

using Ids = std::vector<std::string>;

}  // namespace eco2::test::nvml

using namespace eco2::test::nvml;  // NOLINT: test files use the fixtures unqualified
