// run_report / run_card on a records file written by eco2's own writer (CsvWriter) and a series beside it.

#include "report/report_command.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "report/records_runs.hpp"
#include "report_fixture.hpp"
#include "writers/csv_writer.hpp"
#include "writers/series_writer.hpp"

namespace eco2::detail {
namespace {

struct Records {
    std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                ("eco2_report_" + std::to_string(::getpid()) + "_" +
                                 ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::path csv = dir / "runs.csv";
    Records() {
        std::filesystem::create_directories(dir);
        std::ofstream f(csv);
        f << CsvWriter::header() << '\n';
        for (const Result& r : test::two_trainings()) f << CsvWriter::row(r) << '\n';
        // The second run's series: 1,000 samples at 1 s, power rising, intensity varying.
        const auto series = SeriesWriter::path_for(csv, "22222222-aaaa-4bbb-8ccc-000000000002");
        std::filesystem::create_directories(series.parent_path());
        std::ofstream s(series);
        s << SeriesWriter::header() << '\n';
        double j = 0;
        for (int i = 1; i <= 1000; ++i) {
            j += 100.0 + i * 0.1;
            s << i << ',' << 100.0 + i * 0.1 << ",0,3," << j << ",0,0," << j / 3.6e6 * (50 + i % 20) / 1e3 << ','
              << 50 + i % 20 << ",0,0,1\n";
        }
    }
    ~Records() { std::filesystem::remove_all(dir); }
};

std::size_t count(const std::string& s, const std::string& what) {
    std::size_t n = 0;
    for (auto p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
    return n;
}

}  // namespace

TEST(RunReport, WritesThePageFromTheRecordsAndTheSeries) {
    Records rec;
    std::ostringstream out, err;
    const std::string html_path = (rec.dir / "report.html").string();
    ASSERT_EQ(run_report({{rec.csv.string()}, {}, html_path, "", false}, out, err), 0) << err.str();
    EXPECT_NE(err.str().find("eco2: report " + html_path + " (2 runs,"), std::string::npos) << err.str();
    std::ifstream f(html_path);
    std::stringstream page;
    page << f.rdbuf();
    const std::string html = page.str();
    // 2 x 5 epoch charts, 2 metric-vs-CO2 charts, and the second run's power, energy, CO2, intensity.
    EXPECT_EQ(count(html, "<svg class=\"chart\""), 16u);
    EXPECT_NE(html.find("aria-label=\"Carbon intensity\""), std::string::npos);
    EXPECT_NE(html.find("no time series"), std::string::npos);  // the first run has none
}

TEST(RunReport, OnlyTheRunsAskedForAndUnknownOnesNamed) {
    Records rec;
    std::ostringstream out, err;
    ASSERT_EQ(run_report({{rec.csv.string()}, {"2222"}, "-", "", false}, out, err), 0) << err.str();
    EXPECT_EQ(count(out.str(), "<section class=\"run\""), 1u);
    std::ostringstream out2, err2;
    EXPECT_EQ(run_report({{rec.csv.string()}, {"9999"}, "-", "", false}, out2, err2), 2);
    EXPECT_NE(err2.str().find("eco2: error: runs 9999: no such run"), std::string::npos) << err2.str();
    std::ostringstream err4;  // as the caller names its options (the CLI: --runs)
    ReportRequest named{{rec.csv.string()}, {"9999"}, "-", "", false};
    named.names = [](std::string_view s, std::string_view v) {
        return "--" + std::string(s) + " " + std::string(v);
    };
    EXPECT_EQ(run_report(named, out2, err4), 2);
    EXPECT_NE(err4.str().find("eco2: error: --runs 9999: no such run"), std::string::npos) << err4.str();
    EXPECT_TRUE(out2.str().empty());
    std::ostringstream out3, err3;
    EXPECT_EQ(run_report({{(rec.dir / "missing.csv").string()}, {}, "-", "", false}, out3, err3), 2);
    EXPECT_NE(err3.str().find("eco2: error: "), std::string::npos);
}

TEST(RunCard, TheRowsReadBackGiveTheSameCardAsTheRunsWritten) {
    Records rec;
    std::ostringstream out, err;
    CardRequest q{rec.csv.string(), "", "", {}};
    q.options.format = CardFormat::json;
    ASSERT_EQ(run_card(q, out, err), 0) << err.str();
    EXPECT_NE(err.str().find("card of the last run"), std::string::npos);
    const auto j = nlohmann::json::parse(out.str());
    EXPECT_NEAR(j["hf"]["emissions"].get<double>(), 96.88, 1e-6);  // written in kg with full precision
    EXPECT_EQ(j["rows"].size(), 4u);
    EXPECT_NEAR(j["rows"][2]["epoch_params"]["loss"].get<double>(), 1.0 / 7.5, 1e-6);
    EXPECT_TRUE(j["total"]["ram"]["estimated"].get<bool>());
    EXPECT_FALSE(j["total"]["gpu"]["estimated"].get<bool>());

    std::ostringstream hf, err2;
    CardRequest e{rec.csv.string(), "", "small", {}};
    ASSERT_EQ(run_card(e, hf, err2), 0) << err2.str();
    EXPECT_NE(hf.str().find("  emissions: 38.752000\n"), std::string::npos) << hf.str();  // 4 x 173 Wh x 56 g/kWh
    EXPECT_NE(hf.str().find("# experiment small (1 run)"), std::string::npos);
    EXPECT_EQ(err2.str(), "");

    std::ostringstream o3, err3;
    EXPECT_EQ(run_card({rec.csv.string(), "1111", "small", {}}, o3, err3), 2);
    EXPECT_NE(err3.str().find("eco2: error: run and experiment both given: choose one"), std::string::npos)
        << err3.str();
    // The messages name the options as the caller does (here as the CLI's flags).
    CardRequest both{rec.csv.string(), "1111", "small", {}};
    both.options.names = [](std::string_view s, std::string_view v) {
        return "--" + std::string(s) + (v.empty() ? "" : " " + std::string(v));
    };
    std::ostringstream o4, err4;
    EXPECT_EQ(run_card(both, o4, err4), 2);
    EXPECT_NE(err4.str().find("eco2: error: --run and --experiment both given: choose one"),
              std::string::npos)
        << err4.str();
    CardRequest last{rec.csv.string(), "", "", {}};
    last.options.names = both.options.names;
    std::ostringstream o5, err5;
    EXPECT_EQ(run_card(last, o5, err5), 0);
    EXPECT_NE(err5.str().find("(choose with --run ID or --experiment X)"), std::string::npos) << err5.str();
}

}  // namespace eco2::detail
