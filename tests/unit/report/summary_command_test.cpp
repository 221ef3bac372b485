#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "../test_util.hpp"
#include "report/summary_command.hpp"
#include "writers/csv_writer.hpp"

using namespace eco2;
using namespace eco2::detail;

namespace {

// Two experiments of 4 epochs each (one run each), and a run outside training on another host.
std::string two_experiments() {
    std::string text = CsvWriter::header() + "\n";
    for (int x = 0; x < 2; ++x)
        for (int e = 1; e <= 4; ++e) {
            Result r;
            r.id = x == 0 ? "aaaaaaaa-0000-4000-8000-000000000001" : "bbbbbbbb-0000-4000-8000-000000000002";
            r.project_name = "vision";
            r.experiment_description = x == 0 ? "resnet" : "vit";
            r.epoch = fmt::format("epoch: {}, loss: {}", e, python_float_text(1.0 / e));
            r.epoch_params_json = fmt::format(R"({{"epoch":{},"loss":{}}})", e, python_float_text(1.0 / e));
            r.duration_s = 60.0 * (x + 1);
            r.cpu = {3600.0 * (x + 1), "rapl(package-0)", false};
            r.gpu = {36000.0 * (x + 1), "nvml(energy counter: gpu0)", false};
            r.ram = {360.0, "ram-model(0.375 W/GiB; estimated)", true};
            r.pue = 1.0;
            r.co2_kg = r.energy_kwh() * 0.056;  // 56 gCO2/kWh
            r.intensity_g_per_kwh = 56;
            r.host = "gpu1";
            r.status = RunStatus::completed;
            text += CsvWriter::row(r) + "\n";
        }
    Result other;
    other.id = "cccccccc-0000-4000-8000-000000000003";
    other.project_name = "nlp";
    other.experiment_description = "tokenize";
    other.duration_s = 5;
    other.cpu = {500, "tdp-model(100 W default; estimated)", true};
    other.co2_kg = other.energy_kwh() * 0.4;
    other.host = "laptop";
    other.status = RunStatus::interrupted;
    text += CsvWriter::row(other) + "\n";
    return text;
}

struct Files {
    test::TempDir dir;
    std::string path = (dir / "runs.csv").string();
    explicit Files(const std::string& text) { std::ofstream(path) << text; }
};

std::string run(const SummaryRequest& req, int expect_rc = 0, std::string* err_out = nullptr) {
    std::ostringstream out, err;
    EXPECT_EQ(run_summary(req, out, err), expect_rc) << err.str();
    if (err_out) *err_out = err.str();
    return out.str();
}

}  // namespace

TEST(Summary, TableByExperimentGolden) {
    Files f(two_experiments());
    const std::string table = run({{f.path}, GroupBy::experiment, SummaryFormat::table});
    EXPECT_EQ(table,
              "experiment  runs  rows     duration   energy      cpu      gpu     ram     CO2e      intensity\n"
              "resnet         1     4   4 min 00 s  44.4 Wh  4.00 Wh  40.0 Wh  1440 J   2.49 g  56.0 gCO2/kWh\n"
              "tokenize       1     1       5.00 s    500 J    500 J      0 J     0 J  55.6 mg   400 gCO2/kWh\n"
              "vit            1     4   8 min 00 s  88.4 Wh  8.00 Wh  80.0 Wh  1440 J   4.95 g  56.0 gCO2/kWh\n"
              "----------------------------------------------------------------------------------------------\n"
              "all            3     9  12 min 05 s   133 Wh  12.1 Wh   120 Wh  2880 J   7.49 g  56.4 gCO2/kWh\n"
              "9 of 9 rows partly or wholly estimated (a component modelled, not measured)\n"
              "1 row interrupted (a run killed or still going: its last checkpoint)\n");
}

TEST(Summary, JsonByEpochSumsEachEpochOverRuns) {
    Files f(two_experiments());
    const auto doc = nlohmann::json::parse(run({{f.path}, GroupBy::epoch, SummaryFormat::json}));
    EXPECT_EQ(doc["by"], "epoch");
    ASSERT_EQ(doc["groups"].size(), 5u);  // epochs 1..4, then N/A
    EXPECT_EQ(doc["groups"][0]["key"], "1");
    EXPECT_EQ(doc["groups"][0]["runs"], 2);
    EXPECT_NEAR(doc["groups"][0]["duration_s"].get<double>(), 180.0, 1e-9);
    EXPECT_NEAR(doc["groups"][0]["cpu_energy_kwh"].get<double>(), 3 * 3600.0 / 3.6e6, 1e-12);
    EXPECT_EQ(doc["groups"][4]["key"], "N/A");
    EXPECT_EQ(doc["total"]["runs"], 3);
    EXPECT_EQ(doc["total"]["rows"], 9);
    EXPECT_TRUE(doc["total"]["cost"].is_null());  // no tariff anywhere
}

TEST(Summary, CsvKeepsFullPrecision) {
    Files f(two_experiments());
    const std::string csv = run({{f.path}, GroupBy::host, SummaryFormat::csv});
    std::istringstream in(csv);
    std::string header, gpu1, laptop, all;
    std::getline(in, header);
    std::getline(in, gpu1);
    std::getline(in, laptop);
    std::getline(in, all);
    EXPECT_EQ(header.substr(0, 10), "host,runs,");
    EXPECT_EQ(gpu1.substr(0, 13), "gpu1,2,8,720,");
    EXPECT_EQ(laptop, "laptop,1,1,5,0.0001388888889,0.0001388888889,0,0,5.555555556e-05,,400,,1,1");
    EXPECT_EQ(all.substr(0, 10), "all,3,9,72");
}

TEST(Summary, ReadsSeveralFilesAndEco2ai) {
    Files a(two_experiments());
    test::TempDir d2;
    const std::string eco2ai = (d2 / "old.csv").string();
    std::ofstream(eco2ai) << "id,project_name,experiment_description,epoch,start_time,duration(s),"
                             "power_consumption(kWh),CO2_emissions(kg),CPU_name,GPU_name,OS,region/country,cost\n"
                             "z1,vision,legacy,N/A,2023-01-01 10:00:00,10,0.001,0.0004,cpu,,Linux,RU,0.02\n";
    std::string err;
    const auto doc =
        nlohmann::json::parse(run({{a.path, eco2ai}, GroupBy::project, SummaryFormat::json}, 0, &err));
    EXPECT_NE(err.find("eco2: note: " + eco2ai + ": eco2AI's 13 columns"), std::string::npos) << err;
    ASSERT_EQ(doc["groups"].size(), 2u);
    EXPECT_EQ(doc["groups"][1]["key"], "vision");
    EXPECT_EQ(doc["groups"][1]["runs"], 3);
    EXPECT_NEAR(doc["groups"][1]["cost"].get<double>(), 0.02, 1e-12);
}

TEST(Summary, JobsGroupRanksAndRunsWithoutAJobStandAlone) {
    test::TempDir d;
    const std::string path = (d / "job.csv").string();
    std::ofstream(path) << "id,job_id,rank,world_size,duration(s),CO2_emissions(kg),power_consumption(kWh)\n"
                           "r0,j42,0,2,10,0.001,0.01\nr1,j42,1,2,11,0.002,0.02\nr9,,,,5,0.5,1\n";
    const auto doc = nlohmann::json::parse(run({{path}, GroupBy::job, SummaryFormat::json}));
    ASSERT_EQ(doc["groups"].size(), 2u);
    EXPECT_EQ(doc["groups"][0]["key"], "j42");
    EXPECT_EQ(doc["groups"][0]["runs"], 2);
    EXPECT_EQ(doc["groups"][0]["ranks"], 2);
    EXPECT_EQ(doc["groups"][1]["key"], "r9");
}

TEST(Summary, ErrorsNameTheFileAndWriteNoData) {
    std::string err;
    EXPECT_EQ(run({{"/nonexistent/x.csv"}, GroupBy::project, SummaryFormat::json}, 2, &err), "");
    EXPECT_NE(err.find("eco2: error: cannot read /nonexistent/x.csv"), std::string::npos) << err;
}
