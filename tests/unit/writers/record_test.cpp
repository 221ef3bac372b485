// The record format (CsvWriter: one column table) and the time series (SeriesWriter).
#include <gtest/gtest.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>

#include <algorithm>
#include <cmath>
#include <limits>
#include <locale>
#include <set>
#include <sstream>

#include "../test_util.hpp"
#include "writers_test_util.hpp"
#include "eco2/error.hpp"
#include "writers/csv_writer.hpp"
#include "writers/record_file.hpp"
#include "writers/series_writer.hpp"

using namespace eco2;
using namespace eco2::detail;
using eco2::test::read_file;
using eco2::test::TempDir;

using eco2::test::CommaDecimal;
using namespace eco2::test::writers;

TEST(CsvWriter, FirstThirteenColumnsAreEco2AIs) {
    const std::vector<std::string_view> eco2ai{"id", "project_name", "experiment_description", "epoch", "start_time",
                                               "duration(s)", "power_consumption(kWh)", "CO2_emissions(kg)",
                                               "CPU_name", "GPU_name", "OS", "region/country", "cost"};
    const auto& cols = CsvWriter::columns();
    ASSERT_GE(cols.size(), 13u);
    EXPECT_EQ(std::vector<std::string_view>(cols.begin(), cols.begin() + 13), eco2ai);
    EXPECT_EQ(cols.back(), "world_size");  // numeric last column: padding stays a number for pandas
}

TEST(CsvWriter, RowQuotesAndComputesTotals) {
    auto fields = split_csv(CsvWriter::row(sample_result()));
    ASSERT_EQ(fields.size(), CsvWriter::columns().size());
    EXPECT_EQ(fields[1], "proj, with comma");
    EXPECT_EQ(fields[2], "say \"hi\"");
    EXPECT_EQ(fields[3], "N/A");
    EXPECT_EQ(fields[5], "12.500");
    EXPECT_EQ(fields[6], "4.65");  // (1 + 2 + 0.1) kWh x PUE 1.5
    EXPECT_EQ(fields[13], "1");
    EXPECT_EQ(fields[14], "2");
    EXPECT_EQ(fields[15], "0.1");
    EXPECT_EQ(fields[24], "true");  // estimated: RAM is modelled
    auto col = [&](std::string_view name) {
        const auto& cols = CsvWriter::columns();
        return fields[static_cast<std::size_t>(std::find(cols.begin(), cols.end(), name) - cols.begin())];
    };
    EXPECT_EQ(col("status"), "completed");
    EXPECT_EQ(col("exit_code"), "3");
    EXPECT_EQ(col("items"), "");  // no work reported
    EXPECT_EQ(col("predicted_energy(kWh)"), "");
    EXPECT_EQ(col("samples"), "42");
    EXPECT_EQ(col("tree_source"), "");
    EXPECT_EQ(col("left_running"), "");
    EXPECT_EQ(col("cpu_time(s)"), "0");
    EXPECT_EQ(col("job_id"), "");  // no job: the ranks are empty, the world is one process
    EXPECT_EQ(col("rank"), "");
    EXPECT_EQ(fields.back(), "1");  // world_size
}

TEST(CsvWriter, EfficiencyIndicatorsAndPrediction) {
    Result r = sample_result();  // 3.1 kWh IT energy x PUE 1.5 = 16.74 MJ
    r.work.items = 1000;
    r.work.error_rate = 0.1;
    r.work.flops = 3.348e12;
    r.efficiency_alpha = 2;
    r.prediction = Prediction{1, 10, 3600, 46.5, 12.5, std::nullopt};
    r.epoch_params_json = R"({"epoch":1,"loss":0.5})";
    auto fields = split_csv(CsvWriter::row(r));
    auto col = [&](std::string_view name) {
        const auto& cols = CsvWriter::columns();
        return fields[static_cast<std::size_t>(std::find(cols.begin(), cols.end(), name) - cols.begin())];
    };
    EXPECT_EQ(col("energy_per_item(J)"), "16740");
    EXPECT_EQ(col("energy_precision_ratio"), "167.4");  // 0.1^2 x 16740
    EXPECT_EQ(col("flop_per_joule"), "200000");
    EXPECT_EQ(col("epoch_params"), R"({"epoch":1,"loss":0.5})");
    EXPECT_EQ(col("predicted_duration(s)"), "3600.000");
    EXPECT_EQ(col("predicted_energy(kWh)"), "46.5");
    EXPECT_EQ(col("predicted_co2(kg)"), "12.5");
}

TEST(CsvWriter, NumbersIgnoreACommaDecimalLocale) {
    std::locale previous = std::locale::global(std::locale(std::locale::classic(), new CommaDecimal));
    std::ostringstream out;
    out.imbue(std::locale());
    CsvWriter::row(out, sample_result());
    std::locale::global(previous);
    auto fields = split_csv(out.str());
    EXPECT_EQ(fields[5], "12.500");
    EXPECT_EQ(fields[16], "56.5");
    EXPECT_EQ(fields[17], "1.5");
}

// Failed before: the series on a full disk ended in a torn line, and nothing said so.
TEST(SeriesWriter, AFullDiskLeavesWholeRowsAndIsReported) {
    TempDir dir;
    const auto path = dir / "s.series" / "run.csv";
    const int rc = with_file_size_limit(4096, [&] {
        SeriesWriter series(path);
        ComponentJoules j{1.0, 2.0, 3.0};
        TreeSample tree;
        for (int i = 1; i <= 400; ++i) series.append(i * 0.1, j, j, 1e-6 * i, 300, tree);
        series.close();
        const std::string text = read_file(path);
        if (text.empty() || text.back() != '\n') return 1;
        std::istringstream in(text);
        std::string line;
        while (std::getline(in, line))
            if (std::count(line.begin(), line.end(), ',') != 11) return 2;
        const std::string f = series.failure();
        if (f.find("not written") == std::string::npos || f.find("File too large") == std::string::npos) return 3;
        return 0;
    });
    EXPECT_EQ(rc, 0);
}

// Rows are kept as numbers and written in batches: at flush() (each checkpoint), every ROWS_HELD rows, and
// at destruction. The text is the same whenever it is written.
TEST(SeriesWriter, HeldRowsAreWrittenAtFlushInBatchesAndAtTheEnd) {
    TempDir dir;
    const auto path = SeriesWriter::path_for(dir / "emission.csv", "run1");
    EXPECT_EQ(path, dir / "emission.series" / "run1.csv");
    const std::string header = std::string(SeriesWriter::header()) + "\n";
    TreeSample tree;
    tree.tree_cpu_s = 0.25;
    tree.tree_rss_bytes = 1048576;
    tree.pids = {100, 101};
    {
        SeriesWriter series(path);
        series.append(0.5, {1, 0, 0.5}, {1, 0, 0.5}, 1e-7, 436.5, tree);
        series.append(1.5, {123.456789, 0, 0}, {124.456789, 0, 0.5}, 2.5e-7, 436.5, tree);
        EXPECT_EQ(count_lines(read_file(path)), 1u);  // held (the header is written at creation)
        series.flush();
        const std::string two = header +
                                "0.5000,2,0,1,1,0,0.5,1e-07,436.5,0.2500,1048576,2\n"
                                "1.5000,123.457,0,0,124.456789,0,0.5,2.5e-07,436.5,0.2500,1048576,2\n";
        EXPECT_EQ(read_file(path), two);
        for (std::size_t i = 0; i < SeriesWriter::ROWS_HELD + 3; ++i)
            series.append(2.0 + static_cast<double>(i), {0, 0, 0}, {124.456789, 0, 0.5}, 2.5e-7, 436.5, tree);
        series.flush();
        const std::string all = read_file(path);
        EXPECT_EQ(count_lines(all), 3 + SeriesWriter::ROWS_HELD + 3);
        EXPECT_EQ(all.substr(0, two.size()), two);
        EXPECT_NE(all.find("\n66.0000,0,0,0,124.456789,0,0.5,2.5e-07,436.5,0.2500,1048576,2\n"),
                  std::string::npos);
        series.append(70.0, {0, 0, 0}, {124.456789, 0, 0.5}, 2.5e-7, 436.5, tree);
    }
    const std::string last = read_file(path);
    EXPECT_EQ(count_lines(last), 3 + SeriesWriter::ROWS_HELD + 4);
    EXPECT_NE(last.find("\n70.0000,0,0,0,"), std::string::npos);
}

// eco2AI writes str(value): Python's float repr; integers stay integers.
TEST(CsvWriter, EpochValuesReadAsPythonWritesThem) {
    EXPECT_EQ(python_float_text(1.0), "1.0");
    EXPECT_EQ(python_float_text(0.1), "0.1");
    EXPECT_EQ(python_float_text(-2.5), "-2.5");
    EXPECT_EQ(python_float_text(0.0), "0.0");
    EXPECT_EQ(python_float_text(-0.0), "-0.0");
    EXPECT_EQ(python_float_text(1.0 / 3), "0.3333333333333333");
    EXPECT_EQ(python_float_text(0.0001), "0.0001");
    EXPECT_EQ(python_float_text(0.00001), "1e-05");
    EXPECT_EQ(python_float_text(1.5e-7), "1.5e-07");
    EXPECT_EQ(python_float_text(1e15), "1000000000000000.0");
    EXPECT_EQ(python_float_text(1e16), "1e+16");
    EXPECT_EQ(python_float_text(1.5e300), "1.5e+300");
    EXPECT_EQ(python_float_text(123456.789), "123456.789");
    EXPECT_EQ(python_float_text(std::numeric_limits<double>::infinity()), "inf");
    EXPECT_EQ(python_float_text(std::nan("")), "nan");
    EXPECT_EQ(param_text(std::int64_t{32}), "32");
    EXPECT_EQ(param_text(std::string("adam")), "adam");
}

// The format is one table: each column's name once, and a row has exactly one field per column, in order.
TEST(CsvWriter, OneTableGivesTheHeaderAndTheRow) {
    const auto table = CsvWriter::table();
    std::set<std::string_view> names;
    for (const auto& c : table) EXPECT_TRUE(names.insert(c.name).second) << "column " << c.name << " twice";
    ASSERT_EQ(CsvWriter::columns().size(), table.size());
    const Result r = sample_result();
    const auto fields = split_csv(CsvWriter::row(r));
    ASSERT_EQ(fields.size(), table.size());
    for (std::size_t i = 0; i < table.size(); ++i) {
        EXPECT_EQ(CsvWriter::columns()[i], table[i].name);
        EXPECT_EQ(fields[i], table[i].format(r)) << table[i].name;
    }
    EXPECT_EQ(split_csv(CsvWriter::header()).size(), table.size());
}
