// NVML back end: (a) with the function table filled by the functions below, (b) through the real dlopen path
// with the fake libnvidia-ml built from tests/fakes/fake_nvml.c.

#include "sensors/nvml_sensor.hpp"

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

#include "core/accumulator.hpp"

using namespace eco2;
using namespace eco2::detail;
using ::testing::HasSubstr;

namespace {

// ------------------------------------------------------------------ (a) an in-memory NVML

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
FakeNvml g_fake;

NvmlDevice handle_of(unsigned int i) {
    return reinterpret_cast<NvmlDevice>(static_cast<std::uintptr_t>(i + 1));
}

FakeGpu* gpu_of(NvmlDevice d) {
    const auto i = reinterpret_cast<std::uintptr_t>(d);
    if (i == 0 || i > g_fake.gpus.size()) return nullptr;
    return &g_fake.gpus[i - 1];
}

NvmlReturn fake_init() {
    ++g_fake.init_calls;
    return g_fake.init_rc;
}
NvmlReturn fake_shutdown() {
    ++g_fake.shutdown_calls;
    return NVML_SUCCESS;
}
const char* fake_error_string(NvmlReturn rc) {
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
NvmlReturn fake_count(unsigned int* n) {
    *n = static_cast<unsigned int>(g_fake.gpus.size());
    return NVML_SUCCESS;
}
NvmlReturn fake_handle(unsigned int i, NvmlDevice* d) {
    if (i >= g_fake.gpus.size()) return NVML_ERROR_INVALID_ARGUMENT;
    if (g_fake.gpus[i].handle_rc != NVML_SUCCESS) return g_fake.gpus[i].handle_rc;
    *d = handle_of(i);
    return NVML_SUCCESS;
}
NvmlReturn copy_text(const std::string& text, char* out, unsigned int size) {
    if (text.size() + 1 > size) return NVML_ERROR_INSUFFICIENT_SIZE;
    std::memcpy(out, text.c_str(), text.size() + 1);
    return NVML_SUCCESS;
}
NvmlReturn fake_name(NvmlDevice d, char* out, unsigned int size) {
    FakeGpu* g = gpu_of(d);
    if (g == nullptr) return NVML_ERROR_INVALID_ARGUMENT;
    if (g->error != NVML_SUCCESS) return g->error;
    return copy_text(g->name, out, size);
}
NvmlReturn fake_uuid(NvmlDevice d, char* out, unsigned int size) {
    FakeGpu* g = gpu_of(d);
    if (g == nullptr) return NVML_ERROR_INVALID_ARGUMENT;
    if (g->error != NVML_SUCCESS) return g->error;
    return copy_text(g->uuid, out, size);
}
NvmlReturn fake_energy(NvmlDevice d, unsigned long long* mj) {
    FakeGpu* g = gpu_of(d);
    if (g == nullptr) return NVML_ERROR_INVALID_ARGUMENT;
    if (g->error != NVML_SUCCESS) return g->error;
    if (!g->energy_mj) return NVML_ERROR_NOT_SUPPORTED;
    *mj = *g->energy_mj;
    return NVML_SUCCESS;
}
NvmlReturn fake_power(NvmlDevice d, unsigned int* mw) {
    FakeGpu* g = gpu_of(d);
    if (g == nullptr) return NVML_ERROR_INVALID_ARGUMENT;
    if (g->error != NVML_SUCCESS) return g->error;
    if (!g->power_mw) return NVML_ERROR_NOT_SUPPORTED;
    *mw = *g->power_mw;
    return NVML_SUCCESS;
}
NvmlReturn fake_fields(NvmlDevice d, int n, NvmlFieldValue* values) {
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
NvmlReturn fake_compute(NvmlDevice d, unsigned int* c, NvmlProcessInfo* i) {
    return fake_list(d, c, i, false);
}
NvmlReturn fake_graphics(NvmlDevice d, unsigned int* c, NvmlProcessInfo* i) {
    return fake_list(d, c, i, true);
}
NvmlReturn fake_compute_v1(NvmlDevice d, unsigned int* c, NvmlProcessInfoV1* i) {
    return fake_list(d, c, i, false);
}
NvmlReturn fake_graphics_v1(NvmlDevice d, unsigned int* c, NvmlProcessInfoV1* i) {
    return fake_list(d, c, i, true);
}

NvmlApi fake_api() {
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

FakeGpu volta_gpu(unsigned long long mj, const char* uuid) {
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

TEST_F(NvmlTable, EnergyCounterPreferredThenInstantPowerThenPowerUsage) {
    g_fake.gpus[1].energy_mj.reset();  // Pascal-like: no counter, has the instant field
    g_fake.gpus[1].instant_mw = 61'500;
    g_fake.gpus[2].energy_mj.reset();  // old driver: neither counter nor field
    g_fake.gpus[2].power_mw = 42'000;

    auto s = make();
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(report.status, ProbeStatus::available);
    EXPECT_EQ(report.backend, "nvml");
    EXPECT_EQ(report.channels, (Ids{"nvml.gpu.0", "nvml.gpu.1", "nvml.gpu.2"}));
    ASSERT_EQ(ids(*s), (Ids{"nvml.gpu.0", "nvml.gpu.1", "nvml.gpu.2"}));
    EXPECT_EQ(s->channels()[0].kind, ChannelKind::energy_counter);
    EXPECT_EQ(s->channels()[1].kind, ChannelKind::power);
    EXPECT_EQ(s->channels()[2].kind, ChannelKind::power);
    for (const Channel& c : s->channels()) {
        EXPECT_EQ(c.component, Component::gpu);
        EXPECT_EQ(c.attribution, Attribution::direct);  // machine scope
    }
    EXPECT_EQ(s->source(), "nvml(energy counter: gpu0; power: gpu1,gpu2)");
    EXPECT_FALSE(s->estimated());
    EXPECT_EQ(s->backend(), "nvml");

    const auto v = read_all(*s);
    EXPECT_DOUBLE_EQ(v[0], 5000.0);  // 5e6 mJ
    EXPECT_DOUBLE_EQ(v[1], 61.5);    // field, not the 300 W of nvmlDeviceGetPowerUsage
    EXPECT_DOUBLE_EQ(v[2], 42.0);

    g_fake.gpus[0].energy_mj = 5'000'750;
    EXPECT_DOUBLE_EQ(read_all(*s)[0], 5000.75);
    EXPECT_EQ(s->failures().count(), 0u);
}

TEST_F(NvmlTable, PowerFieldOfAnotherValueTypeIsConverted) {
    g_fake.gpus.resize(1);
    g_fake.gpus[0].energy_mj.reset();
    g_fake.gpus[0].instant_mw = 12'250;
    g_fake.gpus[0].instant_type = NVML_VALUE_TYPE_DOUBLE;
    auto s = make();
    ASSERT_NE(s, nullptr);
    EXPECT_DOUBLE_EQ(read_all(*s)[0], 12.25);
}

TEST_F(NvmlTable, MissingOptionalSymbolsFallBack) {
    NvmlApi api = fake_api();
    api.device_get_total_energy_consumption = nullptr;
    api.device_get_field_values = nullptr;
    api.device_get_name = nullptr;
    auto s = make(Scope::machine, std::nullopt, api);
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(s->channels()[0].kind, ChannelKind::power);
    EXPECT_DOUBLE_EQ(read_all(*s)[0], 300.0);
    EXPECT_EQ(s->device_names(), "NVIDIA GPU x3");
}

TEST_F(NvmlTable, DeviceNamesGroupIdenticalGpus) {
    auto same = make();
    ASSERT_NE(same, nullptr);
    EXPECT_EQ(same->device_names(), "NVIDIA H100 80GB HBM3 x3");
    EXPECT_THAT(report.reason, HasSubstr("NVIDIA H100 80GB HBM3 x3"));

    g_fake.gpus[2].name = "NVIDIA A100-SXM4-40GB";
    auto mixed = make();
    ASSERT_NE(mixed, nullptr);
    EXPECT_EQ(mixed->device_names(), "NVIDIA H100 80GB HBM3, NVIDIA H100 80GB HBM3, NVIDIA A100-SXM4-40GB");

    g_fake.gpus.resize(1);
    auto one = make();
    ASSERT_NE(one, nullptr);
    EXPECT_EQ(one->device_names(), "NVIDIA H100 80GB HBM3");
}

TEST_F(NvmlTable, CudaVisibleDevicesByIndex) {
    auto s = make(Scope::machine, "2,0");
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(ids(*s), (Ids{"nvml.gpu.0", "nvml.gpu.2"}));
    EXPECT_DOUBLE_EQ(read_all(*s)[1], 9000.0);  // channel 1 reads GPU 2

    auto one = make(Scope::machine, " 1 ");
    ASSERT_NE(one, nullptr);
    EXPECT_EQ(ids(*one), (Ids{"nvml.gpu.1"}));
}

TEST_F(NvmlTable, CudaVisibleDevicesByFullUuidAndUniquePrefix) {
    auto full = make(Scope::machine, UUID_B);
    ASSERT_NE(full, nullptr);
    EXPECT_EQ(ids(*full), (Ids{"nvml.gpu.1"}));

    auto prefix = make(Scope::machine, "GPU-1122,GPU-8932f93");  // second prefix matches GPU 0 only
    ASSERT_NE(prefix, nullptr);
    EXPECT_EQ(ids(*prefix), (Ids{"nvml.gpu.0", "nvml.gpu.2"}));
}

TEST_F(NvmlTable, CudaVisibleDevicesInvalidEntryEndsTheList) {
    auto s = make(Scope::machine, "1,7,0");  // 7 does not exist: 0 after it is ignored, as CUDA does
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(ids(*s), (Ids{"nvml.gpu.1"}));
    EXPECT_THAT(report.reason, HasSubstr("'7'"));

    auto ambiguous = make(Scope::machine, "2,GPU-8932f9,0");  // prefix of both GPU 0 and GPU 1
    ASSERT_NE(ambiguous, nullptr);
    EXPECT_EQ(ids(*ambiguous), (Ids{"nvml.gpu.2"}));

    EXPECT_EQ(make(Scope::machine, "-1,0"), nullptr);
    EXPECT_EQ(report.status, ProbeStatus::absent);
    EXPECT_THAT(report.reason, HasSubstr("no GPU"));
}

TEST_F(NvmlTable, EmptyCudaVisibleDevicesMeansNoGpu) {
    EXPECT_EQ(make(Scope::process, ""), nullptr);
    EXPECT_EQ(report.status, ProbeStatus::absent);
    EXPECT_THAT(report.reason, HasSubstr("CUDA_VISIBLE_DEVICES"));
    EXPECT_TRUE(report.channels.empty());
    EXPECT_EQ(g_fake.shutdown_calls, g_fake.init_calls);  // nothing left initialised
}

TEST(NvmlCudaVisibleDevices, Parsing) {
    const std::vector<std::string> uuids = {UUID_A, UUID_B, UUID_C};
    const auto parse = [&](std::string_view v) { return parse_cuda_visible_devices(v, uuids); };

    EXPECT_EQ(parse("0,1,2").indices, (std::vector<unsigned int>{0, 1, 2}));
    EXPECT_EQ(parse("2, 0").indices, (std::vector<unsigned int>{2, 0}));   // list order, blanks ignored
    EXPECT_EQ(parse("1,1,0").indices, (std::vector<unsigned int>{1, 0}));  // a repeat is counted once
    EXPECT_TRUE(parse("").indices.empty());
    EXPECT_TRUE(parse("  ").indices.empty());
    EXPECT_TRUE(parse("").stopped_at.empty());

    auto bad = parse("0,3,1");
    EXPECT_EQ(bad.indices, (std::vector<unsigned int>{0}));
    EXPECT_EQ(bad.stopped_at, "3");

    EXPECT_EQ(parse("0,,1").indices, (std::vector<unsigned int>{0}));
    EXPECT_EQ(parse("0,,1").stopped_at, "(empty)");
    EXPECT_EQ(parse("NoDevFiles").indices.size(), 0u);  // Slurm's value when no GPU is allocated
    EXPECT_EQ(parse("8932f937").indices.size(), 0u);    // a UUID needs its "GPU-" prefix
    EXPECT_EQ(parse("GPU-").indices.size(), 0u);
    EXPECT_EQ(parse("MIG-GPU-8932f937/1/0").indices.size(), 0u);
    EXPECT_EQ(parse("1x").indices.size(), 0u);
    EXPECT_EQ(parse("99999999999999999999").indices.size(), 0u);
    EXPECT_EQ(parse(std::string(UUID_C) + ",GPU-8932f93").indices, (std::vector<unsigned int>{2, 0}));
    EXPECT_EQ(parse("GPU-8932f9").indices.size(), 0u);  // ambiguous
    EXPECT_EQ(parse_cuda_visible_devices("GPU-8932f9", {UUID_A, ""}).indices, (std::vector<unsigned int>{0}));
}

TEST_F(NvmlTable, ProcessScopeCountsGpusRunningTrackedProcesses) {
    g_fake.gpus[0].compute_pids = {100, 4242};
    g_fake.gpus[1].graphics_pids = {200};
    g_fake.gpus[2].compute_pids = {300};
    auto s = make(Scope::process);
    ASSERT_NE(s, nullptr);
    for (const Channel& c : s->channels()) EXPECT_EQ(c.attribution, Attribution::process_list);
    EXPECT_EQ(s->source(), "nvml(energy counter: gpu0,gpu1,gpu2)");

    tree.pids = {200, 4242, 999};
    bool used[3] = {false, false, true};
    s->slow_update(tree, used);
    EXPECT_TRUE(used[0]);   // compute process 4242
    EXPECT_TRUE(used[1]);   // graphics process 200
    EXPECT_FALSE(used[2]);  // only an untracked process

    g_fake.gpus[0].compute_pids = {100};
    g_fake.gpus[2].compute_pids = {300, 999};
    s->slow_update(tree, used);
    EXPECT_FALSE(used[0]);
    EXPECT_TRUE(used[2]);
    EXPECT_EQ(s->failures().count(), 0u);
}

TEST_F(NvmlTable, ProcessListLargerThanTheBufferIsRead) {
    for (unsigned int p = 1000; p < 1200; ++p) g_fake.gpus[1].compute_pids.push_back(p);
    auto s = make(Scope::process);
    ASSERT_NE(s, nullptr);
    tree.pids = {1199};  // the last entry of a list of 200
    bool used[3] = {};
    s->slow_update(tree, used);
    EXPECT_FALSE(used[0]);
    EXPECT_TRUE(used[1]);
}

TEST_F(NvmlTable, LegacyProcessListsUseTheShortStruct) {
    NvmlApi api = fake_api();
    api.device_get_compute_running_processes = nullptr;
    api.device_get_graphics_running_processes = nullptr;
    api.device_get_compute_running_processes_v1 = fake_compute_v1;
    api.device_get_graphics_running_processes_v1 = fake_graphics_v1;
    g_fake.gpus[0].compute_pids = {11, 12, 13};
    g_fake.gpus[2].graphics_pids = {21, 22};
    auto s = make(Scope::process, std::nullopt, api);
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(s->channels()[0].attribution, Attribution::process_list);
    tree.pids = {13, 22};
    bool used[3] = {};
    s->slow_update(tree, used);
    EXPECT_TRUE(used[0]);
    EXPECT_FALSE(used[1]);
    EXPECT_TRUE(used[2]);
}

TEST_F(NvmlTable, ListingUnsupportedOnOneGpuMakesThatChannelDirect) {
    g_fake.gpus[1].list_rc = NVML_ERROR_NOT_SUPPORTED;
    auto s = make(Scope::process);
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(s->channels()[0].attribution, Attribution::process_list);
    EXPECT_EQ(s->channels()[1].attribution, Attribution::direct);
    EXPECT_EQ(s->channels()[2].attribution, Attribution::process_list);
    EXPECT_THAT(s->source(), HasSubstr("process listing unsupported on gpu1"));
    EXPECT_THAT(report.reason, HasSubstr("gpu1 (Not Supported)"));
}

TEST_F(NvmlTable, ListingUnsupportedEverywhereCountsAllVisibleGpus) {
    for (FakeGpu& g : g_fake.gpus) g.list_rc = NVML_ERROR_NOT_SUPPORTED;
    auto s = make(Scope::process);
    ASSERT_NE(s, nullptr);
    for (const Channel& c : s->channels()) EXPECT_EQ(c.attribution, Attribution::direct);
    EXPECT_EQ(s->source(),
              "nvml(energy counter: gpu0,gpu1,gpu2; process listing unsupported: all visible GPUs "
              "counted)");
    EXPECT_THAT(report.reason, HasSubstr("process listing unsupported: all visible GPUs counted"));
    EXPECT_THAT(report.fix, HasSubstr("CUDA_VISIBLE_DEVICES"));
}

TEST_F(NvmlTable, ListingSymbolsMissingCountsAllVisibleGpus) {
    NvmlApi api = fake_api();
    api.device_get_compute_running_processes = nullptr;
    api.device_get_graphics_running_processes = nullptr;
    auto s = make(Scope::process, "0", api);
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(s->channels()[0].attribution, Attribution::direct);
    EXPECT_THAT(s->source(), HasSubstr("process listing unsupported: all visible GPUs counted"));
    EXPECT_TRUE(report.fix.empty());  // CUDA_VISIBLE_DEVICES already limits the GPUs
}

TEST_F(NvmlTable, MachineScopeListsNoProcesses) {
    auto s = make(Scope::machine);
    ASSERT_NE(s, nullptr);
    bool used[3] = {};
    tree.pids = {1};
    s->slow_update(tree, used);
    EXPECT_EQ(g_fake.list_calls, 0);
}

TEST_F(NvmlTable, ReadErrorMidRunGivesNaNAndCountsAFailure) {
    g_fake.gpus[1].energy_mj.reset();
    g_fake.gpus[1].power_mw = 100'000;
    auto s = make();
    ASSERT_NE(s, nullptr);
    auto v = read_all(*s);
    EXPECT_DOUBLE_EQ(v[1], 100.0);

    g_fake.gpus[1].error = NVML_ERROR_GPU_IS_LOST;
    v = read_all(*s);
    EXPECT_DOUBLE_EQ(v[0], 5000.0);
    EXPECT_TRUE(std::isnan(v[1]));
    EXPECT_DOUBLE_EQ(v[2], 9000.0);
    EXPECT_EQ(s->failures().count(), 1u);
    EXPECT_EQ(s->failures().first(), "nvml.gpu.1: GPU is lost");

    g_fake.gpus[0].error = NVML_ERROR_UNKNOWN;
    v = read_all(*s);
    EXPECT_TRUE(std::isnan(v[0]));
    EXPECT_EQ(s->failures().count(), 3u);
    EXPECT_EQ(s->failures().first(), "nvml.gpu.1: GPU is lost");  // the first one is kept

    g_fake.gpus[0].error = NVML_SUCCESS;
    g_fake.gpus[1].error = NVML_SUCCESS;
    v = read_all(*s);
    EXPECT_DOUBLE_EQ(v[1], 100.0);  // the run goes on
    EXPECT_EQ(s->failures().count(), 3u);
}

TEST_F(NvmlTable, ProcessListErrorMidRunKeepsTheLastState) {
    g_fake.gpus[0].compute_pids = {7};
    auto s = make(Scope::process);
    ASSERT_NE(s, nullptr);
    tree.pids = {7};
    bool used[3] = {};
    s->slow_update(tree, used);
    EXPECT_TRUE(used[0]);

    g_fake.gpus[0].list_rc = NVML_ERROR_GPU_IS_LOST;
    bool again[3] = {false, true, true};
    s->slow_update(tree, again);
    EXPECT_TRUE(again[0]);
    EXPECT_EQ(s->failures().count(), 1u);
    EXPECT_EQ(s->failures().first(), "nvml.gpu.0: process list: GPU is lost");
}

TEST_F(NvmlTable, InitFailureReportsFailedWithNvmlErrorString) {
    g_fake.init_rc = NVML_ERROR_DRIVER_NOT_LOADED;
    EXPECT_EQ(make(), nullptr);
    EXPECT_EQ(report.status, ProbeStatus::failed);
    EXPECT_THAT(report.reason, HasSubstr("nvmlInit"));
    EXPECT_THAT(report.reason, HasSubstr("Driver Not Loaded"));
    EXPECT_FALSE(report.fix.empty());
    EXPECT_EQ(g_fake.shutdown_calls, 0);  // a failed init is not balanced
}

TEST_F(NvmlTable, UnreadableGpusAreDroppedWithAReason) {
    g_fake.gpus[0].handle_rc = NVML_ERROR_NO_PERMISSION;
    g_fake.gpus[2].energy_mj.reset();
    g_fake.gpus[2].power_mw.reset();
    auto s = make();
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(ids(*s), (Ids{"nvml.gpu.1"}));
    EXPECT_THAT(report.reason, HasSubstr("gpu0: Insufficient Permissions"));
    EXPECT_THAT(report.reason, HasSubstr("gpu2: no energy or power reading"));

    g_fake.gpus[1].error = NVML_ERROR_GPU_IS_LOST;
    const int shutdowns = g_fake.shutdown_calls;
    EXPECT_EQ(make(), nullptr);
    EXPECT_EQ(report.status, ProbeStatus::unsupported);
    EXPECT_EQ(g_fake.shutdown_calls, shutdowns + 1);  // the probe's init is balanced
}

TEST_F(NvmlTable, NoGpuIsAbsent) {
    g_fake.gpus.clear();
    EXPECT_EQ(make(), nullptr);
    EXPECT_EQ(report.status, ProbeStatus::absent);
    EXPECT_THAT(report.reason, HasSubstr("no NVIDIA GPU"));
}

TEST_F(NvmlTable, DestructorShutsNvmlDown) {
    auto s = make();
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(g_fake.init_calls, 1);
    EXPECT_EQ(g_fake.shutdown_calls, 0);
    s.reset();
    EXPECT_EQ(g_fake.shutdown_calls, 1);
}

TEST_F(NvmlTable, IncompleteTableFails) {
    NvmlApi api = fake_api();
    api.device_get_count = nullptr;
    EXPECT_EQ(make(Scope::machine, std::nullopt, api), nullptr);
    EXPECT_EQ(report.status, ProbeStatus::failed);
    EXPECT_EQ(g_fake.init_calls, 0);
}

TEST(NvmlLibraryLoad, MissingLibraryIsAbsentWithAFix) {
    NvmlOptions options;
    options.library = "/nonexistent/eco2-test/libnvidia-ml.so.1";
    ProbeReport report;
    EXPECT_EQ(make_nvml_sensor(options, report), nullptr);
    EXPECT_EQ(report.backend, "nvml");
    EXPECT_EQ(report.status, ProbeStatus::absent);
    EXPECT_THAT(report.reason, HasSubstr("not found"));
    EXPECT_THAT(report.fix, HasSubstr("install the NVIDIA driver"));
    EXPECT_THAT(report.fix, HasSubstr("ECO2_NVML_LIBRARY"));
}

TEST(NvmlLibraryLoad, LibraryWithoutNvmlSymbolsFails) {
    NvmlOptions options;
    options.library = "libm.so.6";  // loads, but is no NVML
    ProbeReport report;
    EXPECT_EQ(make_nvml_sensor(options, report), nullptr);
    EXPECT_EQ(report.status, ProbeStatus::failed);
    EXPECT_THAT(report.reason, HasSubstr("lacks a required NVML function"));
}

// ------------------------------------------------------------------ (b) the fake libnvidia-ml via dlopen

namespace fs = std::filesystem;

void write_file(const fs::path& p, const std::string& text) {
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

TEST_F(NvmlFakeLibrary, EnergyCounterDeltaInJoulesAndPowerFallback) {
    auto s = make();
    ASSERT_NE(s, nullptr) << report.reason;
    EXPECT_EQ(report.status, ProbeStatus::available);
    EXPECT_EQ(report.channels, (Ids{"nvml.gpu.0", "nvml.gpu.1"}));
    ASSERT_EQ(s->channels().size(), 2u);
    EXPECT_EQ(s->channels()[0].kind, ChannelKind::energy_counter);
    EXPECT_EQ(s->channels()[1].kind, ChannelKind::power);
    EXPECT_EQ(s->source(), "nvml(energy counter: gpu0; power: gpu1)");
    EXPECT_EQ(s->device_names(), "NVIDIA A100-SXM4-40GB, Tesla P100-PCIE-16GB");

    const auto first = read_all(*s);
    EXPECT_DOUBLE_EQ(first[0], 1000.0);
    EXPECT_DOUBLE_EQ(first[1], 50.0);

    write_file(dir / "gpu0" / "energy_mj", "1250500\n");
    write_file(dir / "gpu1" / "power_mw", "75250\n");
    const auto second = read_all(*s);
    EXPECT_DOUBLE_EQ(second[0] - first[0], 250.5);
    EXPECT_DOUBLE_EQ(second[1], 75.25);
    EXPECT_EQ(s->failures().count(), 0u);
}

TEST_F(NvmlFakeLibrary, InstantPowerFieldThroughTheRealStructLayout) {
    write_file(dir / "gpu1" / "power_instant_mw", "61000\n");
    auto s = make();
    ASSERT_NE(s, nullptr) << report.reason;
    EXPECT_DOUBLE_EQ(read_all(*s)[1], 61.0);  // the field, not power_mw (50 W)
}

TEST_F(NvmlFakeLibrary, ErrorSwitchedOnMidRun) {
    auto s = make();
    ASSERT_NE(s, nullptr) << report.reason;
    EXPECT_FALSE(std::isnan(read_all(*s)[1]));

    write_file(dir / "gpu1" / "error", "15\n");  // NVML_ERROR_GPU_IS_LOST
    auto v = read_all(*s);
    EXPECT_DOUBLE_EQ(v[0], 1000.0);
    EXPECT_TRUE(std::isnan(v[1]));
    EXPECT_EQ(s->failures().count(), 1u);
    EXPECT_EQ(s->failures().first(), "nvml.gpu.1: GPU is lost");

    fs::remove(dir / "gpu1" / "error");
    v = read_all(*s);
    EXPECT_DOUBLE_EQ(v[1], 50.0);
    EXPECT_EQ(s->failures().count(), 1u);
}

TEST_F(NvmlFakeLibrary, InitErrorReportsFailed) {
    write_file(dir / "init_error", "9\n");
    EXPECT_EQ(make(), nullptr);
    EXPECT_EQ(report.status, ProbeStatus::failed);
    EXPECT_THAT(report.reason, HasSubstr("Driver Not Loaded"));
    EXPECT_EQ(init_count(), 0);
}

TEST_F(NvmlFakeLibrary, ShutdownBalancesInit) {
    auto s = make();
    ASSERT_NE(s, nullptr) << report.reason;
    EXPECT_EQ(init_count(), 1);
    s.reset();
    EXPECT_EQ(init_count(), 0);

    EXPECT_EQ(make(Scope::machine, ""), nullptr);  // a probe that finds nothing shuts down too
    EXPECT_EQ(init_count(), 0);
}

TEST_F(NvmlFakeLibrary, ProcessListsOfTheFake) {
    write_file(dir / "gpu0" / "pids", "1\n" + std::to_string(::getpid()) + "\n");
    write_file(dir / "gpu1" / "pids", "1\n");
    auto s = make(Scope::process);
    ASSERT_NE(s, nullptr) << report.reason;
    EXPECT_EQ(s->channels()[0].attribution, Attribution::process_list);
    EXPECT_EQ(s->channels()[1].attribution, Attribution::process_list);

    tree.pids = {::getpid()};
    bool used[2] = {};
    s->slow_update(tree, used);
    EXPECT_TRUE(used[0]);
    EXPECT_FALSE(used[1]);

    write_file(dir / "gpu1" / "graphics_pids", std::to_string(::getpid()) + "\n");
    s->slow_update(tree, used);
    EXPECT_TRUE(used[1]);
}

TEST_F(NvmlFakeLibrary, ListingUnsupportedAtProbeMeansDirect) {
    write_file(dir / "gpu1" / "pids_unsupported", "");
    auto s = make(Scope::process);
    ASSERT_NE(s, nullptr) << report.reason;
    EXPECT_EQ(s->channels()[0].attribution, Attribution::process_list);
    EXPECT_EQ(s->channels()[1].attribution, Attribution::direct);
    EXPECT_THAT(s->source(), HasSubstr("process listing unsupported on gpu1"));
}

TEST_F(NvmlFakeLibrary, CudaVisibleDevicesByUuidPrefix) {
    auto s = make(Scope::machine, "GPU-5d8c9");
    ASSERT_NE(s, nullptr) << report.reason;
    ASSERT_EQ(s->channels().size(), 1u);
    EXPECT_EQ(s->channels()[0].id, "nvml.gpu.1");

    EXPECT_EQ(make(Scope::machine, "GPU-5d8c"), nullptr);  // both fixture UUIDs start so
    EXPECT_EQ(report.status, ProbeStatus::absent);
}

// ------------------------------------------------------------------ process-scope attribution over time

// Drives the fake's timeline with an injected clock (its `clock` file) the way the tracker does: a reading
// every 0.1 s, process lists at the start, every 0.5 s and at the end. Returns the GPU energy attributed, J.
double simulate_run(const fs::path& fdir, Sensor& s, const std::vector<pid_t>& tracked, double until_s,
                    double period_s = 0.1, double check_s = 0.5) {
    auto at = [&](double t) { write_file(fdir / "clock", std::to_string(1000.0 + t) + "\n"); };
    std::vector<double> v(s.channels().size());
    std::unique_ptr<bool[]> used(new bool[s.channels().size()]());
    TreeSample tree;
    tree.pids = tracked;
    at(0);
    s.read(tree, v.data());
    Accumulator acc(s.channels());
    acc.begin(tree, v.data());
    s.slow_update(tree, used.get());
    acc.settle(used.get());
    double last_check = 0;
    const int ticks = static_cast<int>(std::lround(until_s / period_s));
    for (int k = 1; k <= ticks; ++k) {
        const double t = k * period_s;
        at(t);
        tree.t = t;
        s.read(tree, v.data());
        acc.update(tree, v.data());
        if (k == ticks || t - last_check >= check_s - 1e-9) {
            last_check = t;
            s.slow_update(tree, used.get());
            acc.settle(used.get());
        }
    }
    return acc.totals()[index_of(Component::gpu)];
}

// The fake GPU: 30 W idle, 300 W while the tracked process is on it, from `from` to `to` s after the origin.
void gpu_phase(const fs::path& fdir, double from, double to, pid_t pid) {
    write_file(fdir / "gpu0" / "energy_mj", "0\n");
    write_file(fdir / "gpu0" / "pids", std::to_string(pid) + "\n");
    write_file(fdir / "gpu0" / "idle_mw", "30000\n");
    write_file(fdir / "gpu0" / "timeline", std::to_string(from) + " " + std::to_string(to) + " 300000 1\n");
    write_file(fdir / "gpu0" / "timeline_origin", "1000\n");
}

TEST_F(NvmlFakeLibrary, FourSecondGpuPhaseIsCountedWithinFivePercent) {
    gpu_phase(dir, 1.23, 5.23, 4242);
    auto s = make(Scope::process, "0");
    ASSERT_NE(s, nullptr) << report.reason;
    ASSERT_EQ(s->channels()[0].attribution, Attribution::process_list);
    const double gpu_j = simulate_run(dir, *s, {4242}, 8.0);
    // The device's energy during the phase: 4 s x 300 W. Around it, at most one check interval of idle power
    // at each end is counted too (2 x 0.5 s x 30 W = 30 J).
    EXPECT_GE(gpu_j, 1200.0 - 1.0);  // the fake counts whole mJ
    EXPECT_LE(gpu_j, 1200.0 + 30.0 + 1.0);
    EXPECT_NEAR(gpu_j, 1200.0, 0.05 * 1200.0);
}

TEST_F(NvmlFakeLibrary, OneSecondGpuPhaseIsSeenAndItsTailKept) {
    gpu_phase(dir, 2.37, 3.37, 4242);
    auto s = make(Scope::process, "0");
    ASSERT_NE(s, nullptr) << report.reason;
    const double gpu_j = simulate_run(dir, *s, {4242}, 5.0);
    EXPECT_GE(gpu_j, 300.0 - 1.0);
    EXPECT_LE(gpu_j, 300.0 + 30.0 + 1.0);
}

TEST_F(NvmlFakeLibrary, PhaseEndingAtTheRunsEndIsKept) {
    // The command exits (leaves the list and the tree) just before the tracker's final check.
    gpu_phase(dir, 0.5, 4.05, 4242);
    auto s = make(Scope::process, "0");
    ASSERT_NE(s, nullptr) << report.reason;
    const double gpu_j = simulate_run(dir, *s, {4242}, 4.1);
    EXPECT_NEAR(gpu_j, 3.55 * 300.0 + 0.5 * 30.0 + 0.05 * 30.0, 1.0);  // the phase, and idle before it
}

TEST_F(NvmlFakeLibrary, AnotherUsersPhaseIsNotCounted) {
    gpu_phase(dir, 1.0, 5.0, 777);
    auto s = make(Scope::process, "0");
    ASSERT_NE(s, nullptr) << report.reason;
    EXPECT_DOUBLE_EQ(simulate_run(dir, *s, {4242}, 6.0), 0.0);
}

// ------------------------------------------------------------------ MIG

// gpu0 (the fixture's A100) in MIG mode, 7 slots: slot 0 a 2-slice device, slot 1 a 3-slice one, slot 4 a
// 4-slice one.
void mig_scenario(const fs::path& fdir) {
    write_file(fdir / "gpu0" / "max_mig", "7\n");
    write_file(fdir / "gpu0" / "mig0" / "uuid", "MIG-11111111-2222-3333-4444-555555555555\n");
    write_file(fdir / "gpu0" / "mig0" / "ci_slices", "2\n");
    write_file(fdir / "gpu0" / "mig1" / "uuid", "MIG-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee\n");
    write_file(fdir / "gpu0" / "mig1" / "ci_slices", "3\n");
    write_file(fdir / "gpu0" / "mig1" / "gi", "5\n");
    write_file(fdir / "gpu0" / "mig1" / "ci", "0\n");
    write_file(fdir / "gpu0" / "mig4" / "ci_slices", "4\n");
}

TEST_F(NvmlFakeLibrary, MigUuidCountsOnItsParentGpuScaledByItsSlices) {
    mig_scenario(dir);
    auto s = make(Scope::process, "MIG-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee");
    ASSERT_NE(s, nullptr) << report.reason;
    ASSERT_EQ(s->channels().size(), 1u);
    EXPECT_EQ(s->channels()[0].id, "nvml.gpu.0");  // the physical GPU
    EXPECT_EQ(s->channels()[0].attribution, Attribution::process_list);
    EXPECT_THAT(s->source(), HasSubstr("MIG: gpu0 MIG 3/7 of the GPU (compute slices / MIG slots)"));
    EXPECT_NEAR(read_all(*s)[0], 1000.0 * 3.0 / 7.0, 1e-9);  // the GPU's 1000 J x 3/7

    // Presence is read on the slice: a tracked process on another tenant's slice does not count.
    tree.pids = {::getpid()};
    bool used[1] = {};
    write_file(dir / "gpu0" / "mig0" / "pids", std::to_string(::getpid()) + "\n");
    s->slow_update(tree, used);
    EXPECT_FALSE(used[0]);
    write_file(dir / "gpu0" / "mig1" / "pids", std::to_string(::getpid()) + "\n");
    s->slow_update(tree, used);
    EXPECT_TRUE(used[0]);
}

TEST_F(NvmlFakeLibrary, MigSlicesOfOneGpuAreNeverCountedBeyondTheGpu) {
    mig_scenario(dir);
    // 3 + 4 slices of 7, and the 2-slice one: 9 > 7, capped at the GPU's energy.
    auto s = make(Scope::machine,
                  "MIG-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee, MIG-fa4e0000-0000-0000-0000-000000000004,"
                  "MIG-11111111-2222-3333-4444-555555555555,MIG-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee");
    ASSERT_NE(s, nullptr) << report.reason;
    ASSERT_EQ(s->channels().size(), 1u);
    EXPECT_THAT(s->source(), HasSubstr("gpu0 MIG 7/7"));
    EXPECT_DOUBLE_EQ(read_all(*s)[0], 1000.0);

    auto two = make(Scope::machine,
                    "MIG-11111111-2222-3333-4444-555555555555,MIG-fa4e0000-0000-0000-0000-000000000004");
    ASSERT_NE(two, nullptr) << report.reason;
    EXPECT_NEAR(read_all(*two)[0], 1000.0 * 6.0 / 7.0, 1e-9);
}

TEST_F(NvmlFakeLibrary, MigAndWholeGpusTogether) {
    mig_scenario(dir);
    auto s = make(Scope::machine, "1,MIG-11111111-2222-3333-4444-555555555555");
    ASSERT_NE(s, nullptr) << report.reason;
    EXPECT_EQ(report.channels, (Ids{"nvml.gpu.0", "nvml.gpu.1"}));
    const auto v = read_all(*s);
    EXPECT_NEAR(v[0], 1000.0 * 2.0 / 7.0, 1e-9);
    EXPECT_DOUBLE_EQ(v[1], 50.0);  // gpu1 whole (power)
}

TEST_F(NvmlFakeLibrary, MigFoundAmongEachGpusMigDevicesWithoutHandleByUuid) {
    mig_scenario(dir);
    std::string error;
    bool not_found = false;
    std::optional<NvmlLibrary> lib = NvmlLibrary::open(ECO2_FAKE_NVML, error, not_found);
    ASSERT_TRUE(lib) << error;
    NvmlApi api = lib->api();
    ASSERT_NE(api.device_get_handle_by_uuid, nullptr);  // the fake has it: drop it, as older drivers lack it
    api.device_get_handle_by_uuid = nullptr;
    NvmlOptions options;
    options.scope = Scope::machine;
    options.cuda_visible_devices = "MIG-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";
    auto s = make_nvml_sensor(api, options, report);
    ASSERT_NE(s, nullptr) << report.reason;
    EXPECT_EQ(report.channels, (Ids{"nvml.gpu.0"}));
    EXPECT_NEAR(read_all(*s)[0], 1000.0 * 3.0 / 7.0, 1e-9);
}

TEST_F(NvmlFakeLibrary, OldStyleMigIdNamesTheParentAndInstances) {
    mig_scenario(dir);
    auto s = make(Scope::machine, "MIG-GPU-5d8c3a2e-1f4b-4c9e-9a7d-0b1e2f3a4b5c/5/0");
    ASSERT_NE(s, nullptr) << report.reason;
    EXPECT_EQ(report.channels, (Ids{"nvml.gpu.0"}));
    EXPECT_NEAR(read_all(*s)[0], 1000.0 * 3.0 / 7.0, 1e-9);  // GPU instance 5, compute instance 0: mig1
}

TEST_F(NvmlFakeLibrary, UnknownMigIdEndsTheList) {
    mig_scenario(dir);
    auto s = make(Scope::machine, "1,MIG-00000000-0000-0000-0000-000000000000,0");
    ASSERT_NE(s, nullptr) << report.reason;
    EXPECT_EQ(report.channels, (Ids{"nvml.gpu.1"}));
    EXPECT_THAT(report.reason, HasSubstr("'MIG-00000000-0000-0000-0000-000000000000' names no GPU"));
}

TEST_F(NvmlFakeLibrary, MigSliceSizeUnknownCountsTheWholeGpuAndSaysSo) {
    mig_scenario(dir);
    fs::remove(dir / "gpu0" / "mig1" / "ci_slices");
    auto s = make(Scope::machine, "MIG-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee");
    ASSERT_NE(s, nullptr) << report.reason;
    EXPECT_THAT(s->source(), HasSubstr("MIG slice share unknown: whole GPU counted"));
    EXPECT_DOUBLE_EQ(read_all(*s)[0], 1000.0);
}

// ------------------------------------------------------------------ CUDA_DEVICE_ORDER

TEST(NvmlCudaDeviceOrder, PciBusIdIsNvmlOrderFastestFirstIsEstimated) {
    std::string note;
    EXPECT_EQ(cuda_device_order(std::string("PCI_BUS_ID"), {1, 5, 3}, note),
              (std::vector<unsigned int>{0, 1, 2}));
    EXPECT_TRUE(note.empty());
    EXPECT_EQ(cuda_device_order(std::nullopt, {1, 5, 3}, note), (std::vector<unsigned int>{1, 2, 0}));
    EXPECT_THAT(note, HasSubstr("FASTEST_FIRST order, estimated"));
    note.clear();
    EXPECT_EQ(cuda_device_order(std::string("FASTEST_FIRST"), {2, 2, 2}, note),
              (std::vector<unsigned int>{0, 1, 2}));
    EXPECT_TRUE(note.empty());  // identical GPUs: the PCI bus order
    EXPECT_EQ(cuda_device_order(std::nullopt, {2, 0, 9}, note), (std::vector<unsigned int>{0, 1, 2}));
    EXPECT_THAT(note, HasSubstr("PCI bus order"));
    note.clear();
    EXPECT_EQ(cuda_device_order(std::nullopt, {4, 9, 4}, note),
              (std::vector<unsigned int>{1, 0, 2}));  // stable
}

TEST_F(NvmlFakeLibrary, CudaDeviceOrderDecidesWhichGpuAnIndexNames) {
    // gpu1 (second on the PCI bus) is the faster one here.
    write_file(dir / "gpu0" / "cores", "3584\n");
    write_file(dir / "gpu0" / "max_sm_clock_mhz", "1328\n");
    write_file(dir / "gpu1" / "cores", "6912\n");
    write_file(dir / "gpu1" / "max_sm_clock_mhz", "1410\n");
    auto run = [&](std::optional<std::string> order) {
        NvmlOptions options;
        options.library = ECO2_FAKE_NVML;
        options.scope = Scope::machine;
        options.cuda_visible_devices = "0";
        options.cuda_device_order = std::move(order);
        auto s = make_nvml_sensor(options, report);
        return s ? s->channels().at(0).id : std::string("none");
    };
    EXPECT_EQ(run(std::nullopt), "nvml.gpu.1");  // CUDA's default, FASTEST_FIRST
    EXPECT_THAT(report.reason, HasSubstr("FASTEST_FIRST"));
    EXPECT_EQ(run(std::string("FASTEST_FIRST")), "nvml.gpu.1");
    EXPECT_EQ(run(std::string("PCI_BUS_ID")), "nvml.gpu.0");
}

// ------------------------------------------------------------------ pid namespaces

TEST(NvmlPidNamespaces, NspidLineAndNamespaceKind) {
    EXPECT_EQ(parse_status_nspid("Name:\tx\nNSpid:\t4242\t17\t5\nNSsid:\t1\n"),
              (std::vector<pid_t>{4242, 17, 5}));
    EXPECT_EQ(parse_status_nspid("Name:\tx\nNSpid:\t31\n"), (std::vector<pid_t>{31}));
    EXPECT_TRUE(parse_status_nspid("Name:\tx\n").empty());
    EXPECT_TRUE(parse_status_nspid("NSpid:\t12x\n").empty());
    using Kind = NvmlOptions::PidMapping::Kind;
    EXPECT_EQ(pid_mapping_kind("pid:[4026531836]", 1), Kind::same);          // the initial pid namespace
    EXPECT_EQ(pid_mapping_kind("", std::nullopt), Kind::same);               // unknown: as before
    EXPECT_EQ(pid_mapping_kind("pid:[4026532999]", 2), Kind::nspid);         // a procfs of an outer namespace
    EXPECT_EQ(pid_mapping_kind("pid:[4026532999]", 1), Kind::unresolvable);  // a container's own procfs
}

TEST_F(NvmlTable, HostPidsMatchTheTreeThroughNspid) {
    g_fake.gpus[0].compute_pids = {4242};  // the host pid of the tracked process 5
    g_fake.gpus[1].compute_pids = {5};     // pid 5 of the host: another process
    NvmlOptions options;
    options.scope = Scope::process;
    options.pids.kind = NvmlOptions::PidMapping::Kind::nspid;
    int reads = 0;
    options.pids.nspid = [&](pid_t pid) {
        ++reads;
        return pid == 5 ? std::vector<pid_t>{4242, 5} : std::vector<pid_t>{pid};
    };
    auto s = make_nvml_sensor(fake_api(), options, report);
    ASSERT_NE(s, nullptr);
    tree.pids = {5};
    bool used[3] = {};
    s->slow_update(tree, used);
    EXPECT_TRUE(used[0]);
    EXPECT_FALSE(used[1]);  // only the outermost entry is a host pid
    EXPECT_FALSE(used[2]);
    s->slow_update(tree, used);
    EXPECT_EQ(reads, 1);  // read once per process
}

TEST_F(NvmlTable, UnresolvableHostPidsCountAnyProcessAndSaySo) {
    g_fake.gpus[0].compute_pids = {4242};
    NvmlOptions options;
    options.scope = Scope::process;
    options.pids.kind = NvmlOptions::PidMapping::Kind::unresolvable;
    auto s = make_nvml_sensor(fake_api(), options, report);
    ASSERT_NE(s, nullptr);
    EXPECT_THAT(s->source(), HasSubstr("host pids not visible in this pid namespace"));
    EXPECT_THAT(report.fix, HasSubstr("--pid=host"));
    tree.pids = {5};
    bool used[3] = {};
    s->slow_update(tree, used);
    EXPECT_TRUE(used[0]);
    EXPECT_FALSE(used[1]);
}

}  // namespace
