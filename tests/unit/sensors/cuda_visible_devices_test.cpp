// CUDA_VISIBLE_DEVICES and CUDA_DEVICE_ORDER: the parser, and the GPUs the NVML back end then measures.

#include "nvml_fake_library_fixture.hpp"
#include "nvml_table_fixture.hpp"

namespace {

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

}  // namespace
