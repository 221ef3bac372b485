#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "../test_util.hpp"
#include "context_util.hpp"
#include "eco2/error.hpp"
#include "sensors/cpu_model_sensor.hpp"
#include "sensors/cpu_tdp_table.hpp"
#include "sensors/ram_model_sensor.hpp"

using namespace eco2;
using namespace eco2::detail;
using eco2::test::context_at;
using eco2::test::roots;
using eco2::test::TempDir;
using eco2::test::write_file;

namespace {
}  // namespace

TEST(CpuTdpTable, NormalisesCpuinfoNames) {
    EXPECT_EQ(normalize_cpu_name("Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz"), "intel xeon gold 6248");
    EXPECT_EQ(normalize_cpu_name("AMD EPYC 7763 64-Core Processor"), "amd epyc 7763");
    EXPECT_EQ(normalize_cpu_name("12th Gen Intel(R) Core(TM) i9-12900K"), "12th gen intel core i9-12900k");
}

TEST(CpuTdpTable, MatchesWholeModelsAndPrefersTheLongest) {
    auto e = match_cpu_tdp("Intel(R) Xeon(R) Gold 6248R CPU @ 3.00GHz");
    ASSERT_TRUE(e);
    EXPECT_EQ(e->model, "xeon gold 6248r");
    EXPECT_EQ(e->tdp_w, 205);
    e = match_cpu_tdp("Intel(R) Xeon(R) CPU E5-2680 v4 @ 2.40GHz");
    ASSERT_TRUE(e);
    EXPECT_EQ(e->tdp_w, 120);
    e = match_cpu_tdp("AMD EPYC 7763 64-Core Processor");
    ASSERT_TRUE(e);
    EXPECT_EQ(e->tdp_w, 280);
    EXPECT_FALSE(match_cpu_tdp("Intel(R) Xeon(R) Gold 62480 CPU"));  // no partial-number match
    EXPECT_FALSE(match_cpu_tdp("AMD EPYC"));
    for (const auto& row : cpu_tdp_table()) {
        EXPECT_GT(row.tdp_w, 0) << row.model;
        EXPECT_FALSE(row.source.empty()) << row.model;
    }
}

// Our rows are typed from vendors' pages; eco2AI's table is an independent compilation. Where both list a
// model, they must agree, or one of them has a typo worth finding. The known differences are a choice of
// figure, each explained; the test also fails if one of them stops differing.
TEST(CpuTdpTable, AgreesWithEco2AIsTableWhereBothHaveTheModel) {
    const std::map<std::string, std::string> known = {
        {"epyc 7543", "AMD: default TDP 225 W, configurable 225-240 W; eco2AI takes the cTDP maximum"},
        {"core i7-12700k", "Intel: Processor Base Power 125 W, Maximum Turbo Power 190 W; eco2AI takes the turbo"},
        {"core i9-12900k", "Intel: Processor Base Power 125 W, Maximum Turbo Power 241 W; eco2AI takes the turbo"},
    };
    std::set<std::string> differing;
    std::ifstream in(eco2::test::shared_reference() / "eco2ai" / "cpu_names.csv");
    if (!in) GTEST_SKIP() << "shared/reference not present";
    std::string line;
    std::getline(in, line);
    int compared = 0;
    while (std::getline(in, line)) {
        std::string model = line.substr(0, line.find(','));
        std::string rest = line.substr(line.find(',') + 1);
        double tdp = std::atof(rest.substr(0, rest.find(',')).c_str());
        std::string norm = normalize_cpu_name(model);
        for (const auto& row : cpu_tdp_table()) {
            if (norm == row.model || norm == "intel " + std::string(row.model) || norm == "amd " + std::string(row.model)) {
                ++compared;
                if (row.tdp_w == tdp) continue;
                differing.insert(std::string(row.model));
                EXPECT_TRUE(known.count(std::string(row.model)))
                    << row.model << ": ours " << row.tdp_w << " W, eco2AI " << tdp << " W (" << model << ")";
            }
        }
    }
    EXPECT_GE(compared, 40) << "too few models in common to mean anything";
    for (const auto& [model, why] : known) EXPECT_TRUE(differing.count(model)) << model << " no longer differs: " << why;
}

TEST(CpuDescription, PowercapRatingComesFirst) {
    CpuDescription d = describe_cpu(roots(eco2::test::fixture("rapl_2socket_dram")), sys::default_reader(),
                                    PowercapTdp{300, 2, "powercap constraint_0_max_power_uw (2 packages)"});
    EXPECT_DOUBLE_EQ(d.tdp_w, 300);
    EXPECT_TRUE(d.tdp_known);
    EXPECT_EQ(d.online_cpus, 4);
    EXPECT_EQ(d.sockets, 2);
    EXPECT_NE(d.tdp_source.find("powercap"), std::string::npos);
}

TEST(CpuDescription, TableTimesSocketsWithoutPowercap) {
    CpuDescription d = describe_cpu(roots(eco2::test::fixture("rapl_2socket_dram")), sys::default_reader(), std::nullopt);
    EXPECT_DOUBLE_EQ(d.tdp_w, 300);  // Xeon Gold 6248: 150 W x 2 sockets
    EXPECT_NE(d.tdp_source.find("built-in table"), std::string::npos);
}

TEST(CpuDescription, UnknownCpuUses100WAndSaysSo) {
    CpuDescription d = describe_cpu(roots(eco2::test::fixture("no_rapl")), sys::default_reader(), std::nullopt);
    EXPECT_DOUBLE_EQ(d.tdp_w, DEFAULT_TDP_W);
    EXPECT_FALSE(d.tdp_known);
    EXPECT_EQ(d.name, "Mystery CPU 3000");
    EXPECT_EQ(d.online_cpus, 2);
    EXPECT_NE(d.tdp_source.find("default"), std::string::npos);
}

TEST(ModelSensors, CpuEnergyIsTdpTimesCpuTimeOverOnlineCpus) {
    CpuDescription d;
    d.tdp_w = 120;
    d.online_cpus = 8;
    auto process = make_cpu_model_sensor(d, Scope::process);
    auto machine = make_cpu_model_sensor(d, Scope::machine);
    TreeSample t;
    t.tree_cpu_s = 2.0;
    t.machine_busy_s = 6.0;
    double v = 0;
    process->read(t, &v);
    EXPECT_DOUBLE_EQ(v, 120 * 2.0 / 8);
    machine->read(t, &v);
    EXPECT_DOUBLE_EQ(v, 120 * 6.0 / 8);
    // Only the machine scope needs /proc/stat read.
    EXPECT_FALSE(process->machine_fields().busy);
    EXPECT_FALSE(process->machine_fields().memory);
    EXPECT_TRUE(machine->machine_fields().busy);
    EXPECT_FALSE(machine->machine_fields().memory);
    EXPECT_TRUE(process->estimated());
    EXPECT_NE(process->source().find("estimated"), std::string::npos);
}

TEST(ModelSensors, RamPowerIs0375WattPerGiB) {
    auto process = make_ram_model_sensor(Scope::process);
    auto machine = make_ram_model_sensor(Scope::machine);
    TreeSample t;
    t.tree_rss_bytes = 4.0 * 1024 * 1024 * 1024;
    t.machine_used_bytes = 16.0 * 1024 * 1024 * 1024;
    double w = 0;
    process->read(t, &w);
    EXPECT_DOUBLE_EQ(w, 1.5);
    machine->read(t, &w);
    EXPECT_DOUBLE_EQ(w, 6.0);
    // Only the machine scope needs /proc/meminfo read.
    EXPECT_FALSE(process->machine_fields().busy);
    EXPECT_FALSE(process->machine_fields().memory);
    EXPECT_FALSE(machine->machine_fields().busy);
    EXPECT_TRUE(machine->machine_fields().memory);
    EXPECT_TRUE(process->estimated());
}

TEST(CpuDescription, TheUsersTdpWinsOverPowercapAndTable) {
    CpuDescription d = describe_cpu(roots(eco2::test::fixture("rapl_2socket_dram")), sys::default_reader(),
                                    PowercapTdp{300, 2, "powercap"}, CpuHint{205.0, "", "--cpu-tdp"});
    EXPECT_DOUBLE_EQ(d.tdp_w, 205);
    EXPECT_TRUE(d.tdp_known);
    EXPECT_EQ(d.tdp_source, "--cpu-tdp");
}

TEST(CpuDescription, TheUsersCpuNameIsLookedUpTimesSockets) {
    // no_rapl's cpuinfo says "Mystery CPU 3000" (1 socket): the name given replaces it for the table.
    CpuDescription d = describe_cpu(roots(eco2::test::fixture("no_rapl")), sys::default_reader(),
                                    std::nullopt, CpuHint{std::nullopt, "EPYC 7763", "--cpu-name"});
    EXPECT_DOUBLE_EQ(d.tdp_w, 280);
    EXPECT_NE(d.tdp_source.find("--cpu-name \"EPYC 7763\": table epyc 7763 280 W x 1 socket"),
              std::string::npos)
        << d.tdp_source;
    EXPECT_THROW(describe_cpu(roots(eco2::test::fixture("no_rapl")), sys::default_reader(), std::nullopt,
                              CpuHint{std::nullopt, "EPYC 9999X", "--cpu-name"}),
                 Error);
}

TEST(CpuDescription, AnUnknownCpuNamesTheSettingsThatFixIt) {
    try {
        describe_cpu(roots(eco2::test::fixture("no_rapl")), sys::default_reader(), std::nullopt,
                     CpuHint{std::nullopt, "EPYC 9999X", "cpu_name argument"});
        FAIL() << "an unknown CPU name was accepted";
    } catch (const Error& e) {
        EXPECT_EQ(e.settings(), std::vector<std::string>{"cpu_tdp"});
        EXPECT_NE(std::string(e.what()).find("give its power instead with cpu_tdp W, from the vendor's page"),
                  std::string::npos)
            << e.what();
    }
    // Without a TDP, the probe's fix names both settings (the CLI shows --cpu-tdp W, --cpu-name NAME).
    const Discovery d = discover_cpu_model(context_at(eco2::test::fixture("no_rapl")), DiscoveryRequest{});
    EXPECT_EQ(mentioned_settings(d.report.fix),
              (std::vector<std::string>{"cpu_tdp", "cpu_name", "cpu_name"}));
    EXPECT_NE(spelled(d.report.fix).find("give its power with cpu_tdp W (all sockets"), std::string::npos)
        << spelled(d.report.fix);
}
