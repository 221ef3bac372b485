#include <gtest/gtest.h>

#include <csignal>

#include <nlohmann/json.hpp>

#include "report/result_json.hpp"

using namespace eco2;
using namespace eco2::detail;

TEST(ResultJson, HoldsTheFiguresAtFullPrecisionAndTheEnding) {
    Result r;
    r.id = "run-1";
    r.duration_s = 12.345678901;
    r.cpu = {1234.5678, "rapl(package-0)", false};
    r.ram = {10.0, "ram-model(0.375 W/GiB; estimated)", true};
    r.pue = 1.5;
    r.co2_kg = 1.23456789e-7;
    r.exit_code = 128 + SIGKILL;
    r.status = RunStatus::completed;
    r.work.items = 100;
    r.prediction = Prediction{1, 2, 20.0, 0.001, 0.0005, {}};
    Result epoch = r;
    epoch.epoch_number = 1;
    epoch.epoch_params_json = R"({"epoch":1,"loss":0.5,"opt":"adam"})";
    const std::vector<Result> epochs{epoch};
    const auto j = nlohmann::json::parse(result_json(RunSummary{r, epochs, "e.csv", "", SIGKILL}));
    EXPECT_EQ(j["id"], "run-1");
    EXPECT_DOUBLE_EQ(j["duration_s"].get<double>(), 12.345678901);
    EXPECT_DOUBLE_EQ(j["energy_j"].get<double>(), (1234.5678 + 10.0) * 1.5);
    EXPECT_DOUBLE_EQ(j["co2_kg"].get<double>(), 1.23456789e-7);
    EXPECT_EQ(j["cpu"]["source"], "rapl(package-0)");
    EXPECT_EQ(j["ram"]["estimated"], true);
    EXPECT_EQ(j["estimated"], "partly estimated");
    EXPECT_EQ(j["signal"], "SIGKILL");
    EXPECT_EQ(j["ending"], "the command was killed by SIGKILL");
    EXPECT_EQ(j["exit_code"], 137);
    EXPECT_TRUE(j["cost"].is_null());
    EXPECT_DOUBLE_EQ(j["energy_per_item_j"].get<double>(), (1234.5678 + 10.0) * 1.5 / 100);
    ASSERT_EQ(j["epochs"].size(), 1u);
    EXPECT_EQ(j["epochs"][0]["epoch"], 1);
    EXPECT_DOUBLE_EQ(j["epochs"][0]["params"]["loss"].get<double>(), 0.5);
    EXPECT_EQ(j["epochs"][0]["params"]["opt"], "adam");
    EXPECT_EQ(j["prediction"]["total_epochs"], 2);
    EXPECT_EQ(j["record"], "e.csv");
    EXPECT_TRUE(j["series"].is_null());
}
