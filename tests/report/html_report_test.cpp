#include "report/html_report.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <sstream>

#include "report_fixture.hpp"
#include "writers/series_writer.hpp"

namespace eco2::detail {
namespace {

std::size_t count(const std::string& s, const std::string& what) {
    std::size_t n = 0;
    for (auto p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
    return n;
}

std::string report(std::vector<ReportRun>& runs, ReportOptions o = {}) {
    std::ostringstream out;
    write_html_report(out, runs, o);
    return out.str();
}

}  // namespace

TEST(HtmlReport, TwoTrainingsGiveEpochChartsTheComparisonAndNoNetworkUrl) {
    auto runs = group_runs(test::two_trainings(), "runs.csv");
    ASSERT_EQ(runs.size(), 2u);
    EXPECT_TRUE(runs[0].training());
    const std::string html = report(runs);
    // Per training: energy, CO2, cumulative CO2 per epoch, and loss + accuracy against cumulative CO2 (5);
    // across runs: accuracy and loss against CO2 (2).
    EXPECT_EQ(count(html, "<svg class=\"chart\""), 2 * 5 + 2u);
    EXPECT_EQ(count(html, "<section class=\"run\""), 2u);
    EXPECT_EQ(count(html, "<tr><td>"), 2u + 8u + 6u);  // compare rows, epoch rows, 3 components per run
    EXPECT_NE(html.find("+150 %"), std::string::npos);  // large vs small: 2.5 x the CO2 (compare.hpp percent_from)
    EXPECT_NE(html.find("partly estimated"), std::string::npos);  // RAM modelled, CPU and GPU measured
    EXPECT_FALSE(std::regex_search(html, std::regex("https?://|@import|url\\(")));
    EXPECT_FALSE(std::regex_search(html, std::regex("\\s(src|href)=\"(?!#)")));
    EXPECT_NE(html.find("@media print"), std::string::npos);
}

TEST(HtmlReport, ASeriesGivesThePowerEnergyAndCo2ChartsOverTime) {
    std::vector<Result> rows{test::epoch_row("33333333-aaaa-4bbb-8ccc-000000000003", "one", 0, 1.0)};
    rows[0].epoch_params_json.clear();
    auto runs = group_runs(rows, "runs.csv");
    ASSERT_FALSE(runs[0].training());
    std::istringstream series(std::string(SeriesWriter::header()) + "\n1,10,100,2,10,100,2,0.00001,56,1,1,1\n"
                                                                      "2,12,120,2,22,220,4,0.00002,90,2,1,1\n");
    runs[0].series.emplace(read_series(series, "s", 100));
    const std::string html = report(runs);
    EXPECT_NE(html.find("aria-label=\"Power per component\""), std::string::npos);
    EXPECT_NE(html.find("aria-label=\"Cumulative energy\""), std::string::npos);
    EXPECT_NE(html.find("aria-label=\"Cumulative CO2e\""), std::string::npos);
    EXPECT_NE(html.find("aria-label=\"Carbon intensity\""), std::string::npos);  // 56 then 90 g/kWh
    EXPECT_EQ(count(html, "<svg class=\"chart\""), 4u);
}

TEST(HtmlReport, MissingSeriesIsNotedNotFatal) {
    auto runs = group_runs(test::two_trainings(), "/nonexistent/runs.csv");
    attach_series(runs, 100);
    EXPECT_FALSE(runs[0].series);
    EXPECT_NE(report(runs).find("no time series"), std::string::npos);
}

TEST(HtmlReport, SumRowsAddsEnergiesAndWeighsTheIntensity) {
    auto rows = test::two_trainings();
    rows[1].intensity_g_per_kwh = 156.0;
    const Result t = sum_rows(std::span(rows).subspan(0, 2));
    EXPECT_DOUBLE_EQ(t.cpu.joules, 2 * 3600.0 * 20);
    EXPECT_DOUBLE_EQ(t.duration_s, 120.0);
    EXPECT_DOUBLE_EQ(t.intensity_g_per_kwh, 106.0);
    EXPECT_EQ(*t.work.items, 100000.0);
    EXPECT_TRUE(t.ram.estimated);
}

TEST(HtmlReport, FewerBucketsPerRunAsRunsGrow) {
    EXPECT_EQ(buckets_for(1), 600u);
    EXPECT_EQ(buckets_for(100), 400u);
    EXPECT_EQ(buckets_for(1000), 50u);
}

}  // namespace eco2::detail
