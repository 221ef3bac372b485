#include "carbon/estimate.hpp"

#include <gtest/gtest.h>

#include "carbon/accelerators.hpp"
#include "eco2/error.hpp"

using namespace eco2;
using namespace eco2::carbon;

TEST(Estimate, GpuFormIsWattsTimesCountHoursUsagePue) {
    EstimateInput in;
    in.gpu_watts = 400;
    in.gpus = 8;
    in.hours = 10;
    in.usage = 0.5;
    in.pue = 1.2;
    in.g_per_kwh = 50;
    const Estimate e = estimate(in);
    EXPECT_DOUBLE_EQ(e.gpu_kwh, 400.0 * 8 * 10 * 0.5 / 1000);
    EXPECT_DOUBLE_EQ(e.kwh, 400.0 * 8 * 10 * 0.5 * 1.2 / 1000);
    EXPECT_DOUBLE_EQ(e.co2_kg, e.kwh * 50 / 1000);
}

TEST(Estimate, CpuAndMemoryAddUpAndUsageDoesNotScaleMemory) {
    EstimateInput in;
    in.cpu_watts = 320;
    in.memory_watts = 96;
    in.hours = 2;
    in.usage = 0.25;
    in.g_per_kwh = 1000;
    const Estimate e = estimate(in);
    EXPECT_DOUBLE_EQ(e.cpu_kwh, 320.0 * 0.25 * 2 / 1000);
    EXPECT_DOUBLE_EQ(e.memory_kwh, 96.0 * 2 / 1000);
    EXPECT_DOUBLE_EQ(e.kwh, e.cpu_kwh + e.memory_kwh);
    EXPECT_DOUBLE_EQ(e.co2_kg, e.kwh);
}

TEST(Estimate, EnergyFormTimesIntensity) {
    EstimateInput in;
    in.energy_kwh = 1.37;
    in.g_per_kwh = 240;
    const Estimate e = estimate(in);
    EXPECT_NEAR(e.co2_kg, 0.3288, 1e-12);
    in.pue = 2.0;
    EXPECT_NEAR(estimate(in).kwh, 2.74, 1e-12);
}

TEST(Estimate, BadInputsAreErrors) {
    EstimateInput in;
    in.hours = 1;
    in.usage = 0;
    EXPECT_THROW(estimate(in), Error);
    in.usage = 1.5;
    EXPECT_THROW(estimate(in), Error);
    in.usage = 1;
    in.pue = 0.9;
    EXPECT_THROW(estimate(in), Error);
    in.pue = 1;
    in.hours = -1;
    EXPECT_THROW(estimate(in), Error);
}

TEST(Estimate, EnergyTextWithUnits) {
    EXPECT_DOUBLE_EQ(*parse_energy_kwh("1.37kWh"), 1.37);
    EXPECT_DOUBLE_EQ(*parse_energy_kwh("1.37 kwh"), 1.37);
    EXPECT_DOUBLE_EQ(*parse_energy_kwh("2"), 2.0);
    EXPECT_DOUBLE_EQ(*parse_energy_kwh("1370Wh"), 1.37);
    EXPECT_DOUBLE_EQ(*parse_energy_kwh("2.5MWh"), 2500.0);
    EXPECT_DOUBLE_EQ(*parse_energy_kwh("3.6MJ"), 1.0);
    EXPECT_DOUBLE_EQ(*parse_energy_kwh("3600kJ"), 1.0);
    EXPECT_DOUBLE_EQ(*parse_energy_kwh("7.2e6 J"), 2.0);
    for (const char* bad : {"", "kWh", "1.37 kW", "-1kWh", "1.37mWh", "lots"})
        EXPECT_FALSE(parse_energy_kwh(bad)) << bad;
}

TEST(Accelerators, EveryRowHasPowerAndCitesAVendorPage) {
    ASSERT_GE(accelerator_table().size(), 12u);
    // The current ones (issue 12) are there.
    for (const char* name : {"H100 NVL", "H100-SXM", "H100-PCIe", "H200", "B200", "GB200", "L4", "L40S",
                             "A40", "RTX 6000 Ada", "MI250X", "MI300X", "Gaudi 2", "Gaudi3"})
        EXPECT_TRUE(find_accelerator(name)) << name;
    for (const Accelerator& a : accelerator_table()) {
        EXPECT_GT(a.watts, 0.0) << a.key;
        EXPECT_TRUE(a.source.find("nvidia.com") != std::string_view::npos ||
                    a.source.find("amd.com") != std::string_view::npos ||
                    a.source.find("intel.com") != std::string_view::npos ||
                    a.source.find("NVIDIA") != std::string_view::npos)
            << a.key;
        // The figure in the citation is the one in the table.
        EXPECT_NE(a.source.find(std::to_string(static_cast<int>(a.watts)) + " W"), std::string_view::npos)
            << a.key;
        EXPECT_EQ(find_accelerator(a.key)->key, a.key);
    }
}

TEST(Accelerators, NamesAsNvidiaSmiAndPeopleWriteThem) {
    EXPECT_EQ(find_accelerator("NVIDIA A100-SXM4-80GB")->key, "a100-sxm");
    EXPECT_EQ(find_accelerator("A100 PCIe")->key, "a100-pcie");
    EXPECT_EQ(find_accelerator("NVIDIA H100 80GB HBM3")->key, "h100-sxm");
    EXPECT_EQ(find_accelerator("h100-pcie")->key, "h100-pcie");
    EXPECT_EQ(find_accelerator("Tesla V100-SXM2-16GB")->key, "v100-sxm2");
    EXPECT_EQ(find_accelerator("Tesla T4")->key, "t4");
    EXPECT_EQ(find_accelerator("NVIDIA GeForce RTX 4090")->key, "rtx-4090");
    EXPECT_EQ(find_accelerator("AMD Instinct MI300X")->key, "mi300x");
    EXPECT_DOUBLE_EQ(find_accelerator("l4")->watts, 72.0);
    EXPECT_FALSE(find_accelerator("Voodoo 2"));
    EXPECT_FALSE(find_accelerator(""));
    const auto close = closest_accelerators("A10O");
    ASSERT_FALSE(close.empty());
    EXPECT_TRUE(std::find(close.begin(), close.end(), "a10") != close.end() ||
                std::find(close.begin(), close.end(), "a100-sxm") != close.end());
}
