// MIG devices named by CUDA_VISIBLE_DEVICES, through the fake libnvidia-ml: parent GPU, slice share.

#include "nvml_fake_library_fixture.hpp"

namespace {

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

}  // namespace
