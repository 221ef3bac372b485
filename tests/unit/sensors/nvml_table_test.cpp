// NVML back end with the function table filled by an in-memory NVML (nvml_table_fixture.hpp): readings,
// process lists, errors, library loading, pid namespaces.

#include "nvml_table_fixture.hpp"

namespace {

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
