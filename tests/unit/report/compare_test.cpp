#include <gtest/gtest.h>

#include <sstream>

#include <nlohmann/json.hpp>

#include "eco2/error.hpp"
#include "report/compare.hpp"
#include "report_fixtures.hpp"

using namespace eco2;
using namespace eco2::detail;
using eco2::test::Files;
using eco2::test::two_experiments;

namespace {

std::string run(const CompareRequest& req, int expect_rc = 0, std::string* err_out = nullptr) {
    std::ostringstream out, err;
    EXPECT_EQ(run_compare(req, out, err), expect_rc) << err.str();
    if (err_out) *err_out = err.str();
    return out.str();
}

}  // namespace

TEST(Compare, ByExperimentGolden) {
    Files f(two_experiments());
    CompareRequest req;
    req.files = {f.path};
    req.metric = "accuracy";
    req.maximize = true;
    EXPECT_EQ(run(req),
              "experiment  runs             duration             energy      cpu      gpu     ram               CO2e      "
              "intensity       energy/item   energy-precision          loss         accuracy  pareto\n"
              "resnet         1           4 min 00 s            44.4 Wh  4.00 Wh  40.0 Wh  1440 J             2.49 g  "
              "56.0 gCO2/kWh            40.0 J             4.00 J         0.250            0.900       *\n"
              "tokenize       1     5.00 s (-97.9 %)    500 J (-99.7 %)    500 J      0 J     0 J  55.6 mg (-97.8 %)   "
              "400 gCO2/kWh                 -                  -             -                -\n"
              "vit            1  8 min 00 s (+100 %)  88.4 Wh (+99.1 %)  8.00 Wh  80.0 Wh  1440 J   4.95 g (+99.1 %)  "
              "56.0 gCO2/kWh  79.6 J (+99.1 %)  3.98 J (-0.450 %)  0.250 (+0 %)  0.950 (+5.56 %)       *\n"
              "differences in % from the first experiment (the baseline); * on the Pareto front of accuracy (higher "
              "is better) against CO2e\n");
}

TEST(Compare, RunsByPrefixInTheOrderGivenWithThePareto) {
    Files f(two_experiments());
    CompareRequest req;
    req.files = {f.path};
    req.runs = {"bbbb", "aaaaaaaa-0000-4000-8000-000000000001"};
    req.metric = "loss";
    req.format = SummaryFormat::json;
    const auto doc = nlohmann::json::parse(run(req));
    ASSERT_EQ(doc["entries"].size(), 2u);
    EXPECT_EQ(doc["entries"][0]["experiment_description"], "vit");  // the baseline, as given first
    EXPECT_EQ(doc["entries"][1]["experiment_description"], "resnet");
    // Same last loss (0.25), resnet emits less: only it is on the front.
    EXPECT_EQ(doc["entries"][0]["pareto"], false);
    EXPECT_EQ(doc["entries"][1]["pareto"], true);
    EXPECT_DOUBLE_EQ(doc["entries"][1]["params"]["accuracy"].get<double>(), 0.9);
    // energy per item: 4 x 39,960 J / 4000 items; ratio with alpha 1: error 0.1 x that; vit: 4 x 79,560 J
    EXPECT_NEAR(doc["entries"][1]["energy_per_item_j"].get<double>(), 39.96, 1e-9);
    EXPECT_NEAR(doc["entries"][1]["energy_precision_ratio"].get<double>(), 0.1 * 39.96, 1e-9);
    EXPECT_NEAR(doc["entries"][1]["energy_vs_baseline_percent"].get<double>(), (159840.0 / 318240.0 - 1) * 100,
                1e-9);
}

TEST(Compare, ParetoMaximizingKeepsTheTradeOff) {
    Files f(two_experiments());
    CompareRequest req;
    req.files = {f.path};
    req.metric = "accuracy";
    req.maximize = true;
    const CompareTable t = compare_files(req);
    ASSERT_EQ(t.entries.size(), 3u);  // resnet, tokenize, vit
    EXPECT_TRUE(t.entries[0].pareto);   // resnet: less CO2
    EXPECT_FALSE(t.entries[1].pareto);  // tokenize: no accuracy
    EXPECT_TRUE(t.entries[2].pareto);   // vit: more accurate
}

TEST(Compare, ErrorsNameTheFix) {
    Files f(two_experiments());
    std::string err;
    CompareRequest req;
    req.files = {f.path};
    req.runs = {"zzzz"};
    run(req, 2, &err);
    EXPECT_NE(err.find("no run 'zzzz'"), std::string::npos) << err;
    req.runs = {"a", "b"};
    req.runs = {""};
    run(req, 2, &err);
    EXPECT_NE(err.find("give more of it"), std::string::npos) << err;
    req.runs = {};
    req.metric = "f1";
    run(req, 2, &err);
    EXPECT_NE(err.find("eco2: error: metric f1: no run reported it"), std::string::npos) << err;
    EXPECT_NE(err.find("loss, accuracy"), std::string::npos) << err;
    req.metric = "";
    req.by = GroupBy::host;
    run(req, 2, &err);
    EXPECT_NE(err.find("compare by experiment or project"), std::string::npos) << err;
}

TEST(Compare, MessagesNameTheSettingsAsTheCallerNamesItsOptions) {
    Files f(two_experiments());
    CompareRequest req;
    req.files = {f.path};
    req.metric = "f1";
    try {
        compare_files(req);
        FAIL() << "an unknown metric was accepted";
    } catch (const Error& e) {
        EXPECT_EQ(e.settings(), std::vector<std::string>{"metric"});
    }
    req.names = [](std::string_view setting, std::string_view value) {
        return std::string(setting) + "=" + std::string(value);
    };
    std::string err;
    run(req, 2, &err);
    EXPECT_NE(err.find("eco2: error: metric=f1: no run reported it"), std::string::npos) << err;
    req.metric = "";
    req.by = GroupBy::host;
    run(req, 2, &err);
    EXPECT_NE(
        err.find("eco2: error: by=host: compare by experiment or project, or name runs with runs=ID,ID"),
        std::string::npos)
        << err;
}
