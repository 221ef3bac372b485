#include "report/series_reader.hpp"

#include <gtest/gtest.h>

#include <sstream>

#include "eco2/error.hpp"
#include "writers/series_writer.hpp"

namespace eco2::detail {

TEST(ReadSeries, TotalsFromTheLastRowAndRangesFromAll) {
    std::istringstream in(std::string(SeriesWriter::header()) + "\n"
                          "1.0,10,0,2,10,0,2,0.0001,56,0.5,1000,1\n"
                          "2.0,30,0,2,40,0,4,0.0003,80,1.0,1000,1\r\n"
                          "bad,row\n"
                          "3.0,20,5,2,60,5,6,0.0005,56,1.5,1000,1\n");
    const SeriesData d = read_series(in, "s.csv", 100);
    EXPECT_EQ(d.samples, 3u);
    EXPECT_EQ(d.bad_rows, 1u);
    EXPECT_DOUBLE_EQ(d.t_end_s, 3.0);
    EXPECT_DOUBLE_EQ(d.energy_j_end, 71.0);
    EXPECT_DOUBLE_EQ(d.co2_kg_end, 0.0005);
    EXPECT_DOUBLE_EQ(d.max_power_w, 30.0);
    EXPECT_TRUE(d.has_gpu);
    EXPECT_TRUE(d.intensity_varied());
    EXPECT_EQ(d.intensity_lo, 56);
    EXPECT_EQ(d.intensity_hi, 80);
    EXPECT_EQ(d.cpu_w.points().size(), 3u);
}

TEST(ReadSeries, ColumnsByNameInAnyOrder) {
    std::istringstream in("co2_kg,t_s,cpu_w\n0.1,1,5\n0.2,2,7\n");
    const SeriesData d = read_series(in, "s.csv", 100);
    EXPECT_EQ(d.samples, 2u);
    EXPECT_DOUBLE_EQ(d.co2_kg_end, 0.2);
    EXPECT_DOUBLE_EQ(d.max_power_w, 7.0);
    EXPECT_FALSE(d.intensity_varied());
}

TEST(ReadSeries, ARecordsFileIsRefusedWithTheFix) {
    std::istringstream in("id,project_name,experiment_description\n");
    try {
        read_series(in, "runs.csv", 100);
        FAIL();
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("runs.csv: not an eco2 time series"), std::string::npos);
    }
}

}  // namespace eco2::detail
