// The back-end list, the selection policy and the system context they run on.
#include "sensors/registry.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>

#include "../test_util.hpp"
#include "context_util.hpp"
#include "sensors/amdgpu_sensor.hpp"
#include "sensors/cpu_model_sensor.hpp"
#include "sensors/nvml_sensor.hpp"
#include "sensors/ram_model_sensor.hpp"
#include "sensors/selection.hpp"

using namespace eco2;
using namespace eco2::detail;
using eco2::test::context_at;
using eco2::test::fixture;
using eco2::test::TempDir;
using ::testing::EndsWith;
using ::testing::HasSubstr;
using Names = std::vector<std::string>;

namespace {

Names backend_names(const std::vector<ProbeReport>& reports) {
    Names out;
    for (const ProbeReport& r : reports) out.push_back(r.backend);
    return out;
}

const ProbeReport& report_of(const SensorSet& set, std::string_view backend) {
    const auto it = std::find_if(set.reports.begin(), set.reports.end(),
                                 [&](const ProbeReport& r) { return r.backend == backend; });
    if (it == set.reports.end()) throw std::runtime_error("no report " + std::string(backend));
    return *it;
}

}  // namespace

// ------------------------------------------------------------------ the selection policy

TEST(Selection, BestUsablePriorityPerComponentEarlierOnTies) {
    const std::vector<OfferKey> offers = {
        {Component::cpu, PRIORITY_COUNTER, true},  // RAPL packages
        {Component::ram, PRIORITY_COUNTER, false}, // RAPL dram in process scope
        {Component::cpu, PRIORITY_MODEL, true},    // TDP model
        {Component::ram, PRIORITY_MODEL, true},    // RAM model
        {Component::ram, PRIORITY_MODEL, true},    // a second model of the same rank: the first wins
    };
    EXPECT_EQ(select_offers(offers), (std::vector<bool>{true, false, false, true, false}));
    // The model wins where no counter is offered; a lower priority listed first does not win.
    EXPECT_EQ(select_offers({{Component::cpu, PRIORITY_MODEL, true}, {Component::cpu, PRIORITY_COUNTER, true}}),
              (std::vector<bool>{false, true}));
    EXPECT_EQ(select_offers({{Component::cpu, PRIORITY_COUNTER, false}}), (std::vector<bool>{false}));
}

TEST(Selection, GpuBackEndsAddUp) {
    EXPECT_TRUE(adds_up(Component::gpu));
    EXPECT_FALSE(adds_up(Component::cpu));
    EXPECT_FALSE(adds_up(Component::ram));
    EXPECT_EQ(select_offers({{Component::gpu, PRIORITY_COUNTER, true},
                             {Component::cpu, PRIORITY_MODEL, true},
                             {Component::gpu, PRIORITY_MODEL, true},
                             {Component::gpu, PRIORITY_COUNTER, false}}),
              (std::vector<bool>{true, true, true, false}));
}

// ------------------------------------------------------------------ discovery over the list

TEST(Registry, TheListInPriorityOrder) {
    Names names;
    for (const Backend& b : backends()) names.push_back(std::string(b.name));
    EXPECT_EQ(names, (Names{"rapl", "cpu-model", "ram-model", "nvml", "amdgpu"}));
    for (const Backend& b : backends()) {
        EXPECT_NE(b.discover, nullptr) << b.name;
        EXPECT_EQ(b.priority, b.name.find("model") != std::string_view::npos ? PRIORITY_MODEL : PRIORITY_COUNTER)
            << b.name;
    }
}

TEST(Registry, RaplDisplacesTheModelsAndTheReportsSaySo) {
    SensorSet set = discover_sensors(context_at(fixture("rapl_2socket_dram")), DiscoveryRequest{Scope::machine, {}});
    EXPECT_EQ(backend_names(set.reports), (Names{"rapl", "cpu-model", "ram-model", "nvml", "amdgpu"}));
    ASSERT_EQ(set.sensors.size(), 2u);
    EXPECT_EQ(set.cpu, set.sensors[0].get());
    EXPECT_EQ(set.ram, set.sensors[1].get());
    EXPECT_EQ(set.gpu, nullptr);
    EXPECT_EQ(set.cpu->backend(), "rapl");
    EXPECT_EQ(set.ram->backend(), "rapl");
    EXPECT_TRUE(report_of(set, "rapl").used);
    EXPECT_FALSE(report_of(set, "cpu-model").used);
    EXPECT_THAT(report_of(set, "cpu-model").reason, EndsWith("; not used: RAPL measures the CPU"));
    EXPECT_THAT(report_of(set, "ram-model").reason, EndsWith("; not used: RAPL measures DRAM"));
    EXPECT_FALSE(set.cpu_name.empty());
    EXPECT_EQ(describe_component(set, Component::gpu).source, "none (nvml: absent)");
    EXPECT_FALSE(describe_component(set, Component::cpu).estimated);
}

TEST(Registry, MachineWideDramIsNotUsedInProcessScope) {
    SensorSet set = discover_sensors(context_at(fixture("rapl_2socket_dram")), DiscoveryRequest{Scope::process, {}});
    ASSERT_NE(set.ram, nullptr);
    EXPECT_EQ(set.ram->backend(), "ram-model");
    EXPECT_TRUE(report_of(set, "ram-model").used);
    EXPECT_THAT(report_of(set, "ram-model").reason,
                EndsWith("(estimated); RAPL dram is machine-wide, used for the machine scope"));
    EXPECT_EQ(set.cpu->backend(), "rapl");
    EXPECT_TRUE(describe_component(set, Component::ram).estimated);
}

TEST(Registry, WithoutCountersTheModelsAreUsed) {
    SensorSet set = discover_sensors(context_at(fixture("no_rapl")), DiscoveryRequest{Scope::process, {}});
    EXPECT_EQ(set.cpu->backend(), "cpu-model");
    EXPECT_EQ(set.ram->backend(), "ram-model");
    EXPECT_EQ(report_of(set, "rapl").status, ProbeStatus::absent);
    EXPECT_EQ(report_of(set, "amdgpu").status, ProbeStatus::absent);
    EXPECT_FALSE(report_of(set, "rapl").used);
    EXPECT_TRUE(report_of(set, "cpu-model").used);
    EXPECT_THAT(describe_component(set, Component::cpu).source, HasSubstr("tdp-model("));
}

// NVML (the fake libnvidia-ml through dlopen) and amdgpu on one machine: both measure GPUs, both are used.
TEST(Registry, NvmlAndAmdgpuAddUpInTheGpuComponent) {
    TempDir nvml_dir("nvml_two_gpus");
    ASSERT_EQ(::setenv("FAKE_NVML_DIR", nvml_dir.path().c_str(), 1), 0);  // read by the fake library
    {
        SensorSet set =
            discover_sensors(context_at(fixture("amdgpu_two_cards"), {}, ECO2_FAKE_NVML), DiscoveryRequest{Scope::machine, {}});
        EXPECT_TRUE(report_of(set, "nvml").used) << report_of(set, "nvml").reason;
        EXPECT_TRUE(report_of(set, "amdgpu").used) << report_of(set, "amdgpu").reason;
        const std::vector<Sensor*>& gpus = set.used[static_cast<std::size_t>(Component::gpu)];
        ASSERT_EQ(gpus.size(), 2u);
        EXPECT_EQ(gpus[0]->backend(), "nvml");
        EXPECT_EQ(gpus[1]->backend(), "amdgpu");
        EXPECT_EQ(set.gpu, gpus[0]);
        const ComponentSource gpu = describe_component(set, Component::gpu);
        EXPECT_EQ(gpu.source, "nvml(energy counter: gpu0; power: gpu1) + "
                              "amdgpu(energy1_input: card1; power1_average: card0)");
        EXPECT_EQ(gpu.devices, "NVIDIA A100-SXM4-40GB, Tesla P100-PCIE-16GB, AMD Instinct MI210, AMD GPU");
        EXPECT_FALSE(gpu.estimated);
        std::vector<std::string> ids;
        for (const auto& s : set.sensors)
            for (const Channel& c : s->channels()) ids.push_back(c.id);
        EXPECT_EQ(ids, (Names{"cpu_model.cpu.0", "ram_model.ram.0", "nvml.gpu.0", "nvml.gpu.1", "amdgpu.gpu.0",
                              "amdgpu.gpu.1"}));
    }
    ::unsetenv("FAKE_NVML_DIR");
}

// A back end of the list is one struct: a made-up one joins the policy like the built-in ones.
namespace {
Discovery discover_failing_gpu(const sys::SystemContext&, const DiscoveryRequest&) {
    Discovery d;
    d.report.status = ProbeStatus::failed;
    d.report.reason = "test";
    return d;
}
}  // namespace

TEST(Registry, NoneSourceNamesTheGpuBackEndsThatAreThereButFailed) {
    const Backend list[] = {CPU_MODEL_BACKEND, RAM_MODEL_BACKEND, {"fakegpu", Component::gpu, 100, &discover_failing_gpu},
                            AMDGPU_BACKEND};
    SensorSet set = discover_sensors(list, context_at(fixture("no_rapl")), DiscoveryRequest{Scope::process, {}});
    EXPECT_EQ(backend_names(set.reports), (Names{"cpu-model", "ram-model", "fakegpu", "amdgpu"}));
    EXPECT_EQ(describe_component(set, Component::gpu).source, "none (fakegpu: failed)");
}

// ------------------------------------------------------------------ the system context

TEST(SystemContext, ExplicitPathsThenTheEnvironmentThenTheLiveSystem) {
    const sys::Environment env(sys::Environment::Map{
        {"ECO2_PROC_ROOT", "/env/proc"}, {"ECO2_SYS_ROOT", ""}, {"ECO2_NVML_LIBRARY", "/env/libnvml.so"}});
    const sys::SystemContext a = sys::SystemContext::resolve(SystemPaths{}, env);
    EXPECT_EQ(a.fs().proc, "/env/proc");
    EXPECT_EQ(a.fs().sys, "/sys");  // set but empty: ignored
    EXPECT_EQ(a.nvml_library(), "/env/libnvml.so");
    const sys::SystemContext b = sys::SystemContext::resolve(SystemPaths{"/x/proc", "/x/sys", "libx.so"}, env);
    EXPECT_EQ(b.fs().proc, "/x/proc");
    EXPECT_EQ(b.fs().sys, "/x/sys");
    EXPECT_EQ(b.nvml_library(), "libx.so");
    const sys::SystemContext c = sys::SystemContext::resolve(SystemPaths{}, sys::Environment());
    EXPECT_EQ(c.fs().proc, "/proc");
    EXPECT_EQ(c.nvml_library(), "libnvidia-ml.so.1");
    EXPECT_EQ(&c.reader(), &sys::default_reader());
}

TEST(SystemContext, TheSnapshotIsTakenOnceAndKeepsEmptyValues) {
    ASSERT_EQ(::setenv("ECO2_TEST_SNAPSHOT", "", 1), 0);
    const sys::Environment env = sys::Environment::capture();
    ASSERT_EQ(::setenv("ECO2_TEST_SNAPSHOT", "later", 1), 0);
    EXPECT_TRUE(env.contains("ECO2_TEST_SNAPSHOT"));
    EXPECT_EQ(env.get("ECO2_TEST_SNAPSHOT"), std::optional<std::string>(""));  // as it was when taken
    EXPECT_EQ(env.non_empty("ECO2_TEST_SNAPSHOT"), std::nullopt);
    EXPECT_EQ(sys::Environment::capture().get("ECO2_TEST_SNAPSHOT"), std::optional<std::string>("later"));
    EXPECT_EQ(env.get("ECO2_TEST_NEVER_SET_VARIABLE"), std::nullopt);
    ::unsetenv("ECO2_TEST_SNAPSHOT");
    // A copy shares the snapshot.
    const sys::Environment copy = env;
    EXPECT_EQ(&copy.all(), &env.all());
}

// A clock and a reader handed to the context are the ones its users get (the sampler's fake clock, tests' readers).
namespace {
class FixedClock final : public sys::Clock {
public:
    std::chrono::steady_clock::time_point steady_now() const noexcept override {
        return std::chrono::steady_clock::time_point(std::chrono::seconds(42));
    }
};
}  // namespace

TEST(SystemContext, InjectedClockAndReaderAreHandedDown) {
    auto clock = std::make_shared<FixedClock>();
    auto reader = std::make_shared<sys::FileReader>();
    const sys::SystemContext ctx =
        sys::SystemContext::resolve(SystemPaths{}, sys::Environment(), reader, clock);
    EXPECT_EQ(ctx.clock().steady_now().time_since_epoch(), std::chrono::seconds(42));
    EXPECT_EQ(&ctx.reader(), reader.get());
    const sys::SystemContext copy = ctx;  // sensors keep copies: same reader and clock
    EXPECT_EQ(&copy.clock(), clock.get());
    EXPECT_EQ(copy.shared_reader(), reader);
    // The default is the real clock.
    const auto before = std::chrono::steady_clock::now();
    EXPECT_GE(sys::SystemContext::resolve(SystemPaths{}, sys::Environment()).clock().steady_now(), before);
}

// The GPU back end takes CUDA_VISIBLE_DEVICES from the snapshot (process scope only), not from the process.
TEST(SystemContext, NvmlOptionsComeFromTheSnapshot) {
    const sys::SystemContext ctx = context_at(fixture("no_rapl"),
                                              {{"CUDA_VISIBLE_DEVICES", "1"}, {"CUDA_DEVICE_ORDER", "PCI_BUS_ID"}},
                                              "/lib/libnvidia-ml.so.1");
    const NvmlOptions process = nvml_options(ctx, Scope::process);
    EXPECT_EQ(process.library, "/lib/libnvidia-ml.so.1");
    EXPECT_EQ(process.cuda_visible_devices, std::optional<std::string>("1"));
    EXPECT_EQ(process.cuda_device_order, std::optional<std::string>("PCI_BUS_ID"));
    const NvmlOptions machine = nvml_options(ctx, Scope::machine);
    EXPECT_EQ(machine.cuda_visible_devices, std::nullopt);  // the machine scope counts every GPU
    EXPECT_EQ(machine.cuda_device_order, std::optional<std::string>("PCI_BUS_ID"));
    EXPECT_EQ(nvml_options(context_at(fixture("no_rapl")), Scope::process).cuda_visible_devices, std::nullopt);
}
