#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <locale>
#include <set>
#include <sstream>

#include "../test_util.hpp"
#include "eco2/error.hpp"
#include "writers/csv_writer.hpp"
#include "writers/record_file.hpp"
#include "writers/series_writer.hpp"

using namespace eco2;
using namespace eco2::detail;
using eco2::test::read_file;
using eco2::test::TempDir;

namespace {

Result sample_result() {
    Result r;
    r.id = "11111111-2222-4333-8444-555555555555";
    r.project_name = "proj, with comma";
    r.experiment_description = "say \"hi\"";
    r.duration_s = 12.5;
    r.cpu = {3.6e6, "rapl(package-0)", false};
    r.gpu = {7.2e6, "nvml(energy counter: gpu0)", false};
    r.ram = {0.36e6, "ram-model(0.375 W/GiB; estimated)", true};
    r.pue = 1.5;
    r.co2_kg = 1.234;
    r.intensity_g_per_kwh = 56.5;
    r.region = "FR";
    r.status = RunStatus::completed;
    r.exit_code = 3;
    r.samples = 42;
    return r;
}

std::vector<std::string> split_csv(const std::string& line) {
    std::vector<std::string> out;
    std::string cur;
    bool quoted = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
        char c = line[i];
        if (quoted) {
            if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') cur += '"', ++i;
            else if (c == '"') quoted = false;
            else cur += c;
        } else if (c == '"') quoted = true;
        else if (c == ',') out.push_back(cur), cur.clear();
        else cur += c;
    }
    out.push_back(cur);
    return out;
}

std::size_t count_lines(const std::string& text) {
    return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

struct CommaDecimal : std::numpunct<char> {
    char do_decimal_point() const override { return ','; }
};

}  // namespace

TEST(CsvWriter, FirstThirteenColumnsAreEco2AIs) {
    const std::vector<std::string_view> eco2ai{"id", "project_name", "experiment_description", "epoch", "start_time",
                                               "duration(s)", "power_consumption(kWh)", "CO2_emissions(kg)",
                                               "CPU_name", "GPU_name", "OS", "region/country", "cost"};
    const auto& cols = CsvWriter::columns();
    ASSERT_GE(cols.size(), 13u);
    EXPECT_EQ(std::vector<std::string_view>(cols.begin(), cols.begin() + 13), eco2ai);
    EXPECT_EQ(cols.back(), "cpu_time(s)");  // numeric last column: padding stays a number for pandas
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
    EXPECT_EQ(fields.back(), "0");  // cpu_time(s)
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

TEST(RecordFile, ReservedRowIsRewrittenInPlaceAndTrimmedAtTheEnd) {
    TempDir dir;
    auto path = dir / "runs.csv";
    RecordFile file(path, "a,b");
    file.append_reserved("1,x", 20);
    EXPECT_EQ(read_file(path), "a,b\n1,x" + std::string(17, ' ') + "\n");
    ASSERT_TRUE(file.rewrite("1,checkpoint", false));
    EXPECT_EQ(read_file(path), "a,b\n1,checkpoint" + std::string(8, ' ') + "\n");
    ASSERT_TRUE(file.rewrite("1,final", true));
    EXPECT_EQ(read_file(path), "a,b\n1,final\n");
    EXPECT_FALSE(file.rewrite(std::string(30, 'z'), false));  // longer than reserved: refused, nothing written
    EXPECT_EQ(read_file(path), "a,b\n1,final\n");
}

TEST(RecordFile, RowsAppendedByOthersAreNeverTouched) {
    TempDir dir;
    auto path = dir / "runs.csv";
    RecordFile mine(path, "a,b");
    mine.append_reserved("1,running", 16);
    RecordFile other(path, "a,b");
    other.append("2,other");
    ASSERT_TRUE(mine.rewrite("1,done", true));  // not last: keeps its padding
    EXPECT_EQ(read_file(path), "a,b\n1,done" + std::string(10, ' ') + "\n2,other\n");
}

TEST(RecordFile, OtherHeaderIsAnErrorThatNamesTheFix) {
    TempDir dir;
    auto path = dir / "theirs.csv";
    eco2::test::write_file(path, "x,y,z\n1,2,3\n");
    try {
        RecordFile f(path, "a,b");
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Errc::io_error);
        EXPECT_NE(std::string(e.what()).find("--output"), std::string::npos);
    }
    EXPECT_EQ(read_file(path), "x,y,z\n1,2,3\n");  // untouched
}

TEST(RecordFile, CheckWritableLeavesNoFileAndExplains) {
    TempDir dir;
    RecordFile::check_writable(dir / "new.csv", "a,b");
    EXPECT_FALSE(std::filesystem::exists(dir / "new.csv"));
    EXPECT_THROW(RecordFile::check_writable(dir / "missing/dir/x.csv", "a,b"), Error);
    EXPECT_THROW(RecordFile::check_writable(dir.path(), "a,b"), Error);
    eco2::test::write_file(dir / "ours.csv", "a,b\n1,2\n");
    RecordFile::check_writable(dir / "ours.csv", "a,b");
    EXPECT_THROW(RecordFile::check_writable(dir / "ours.csv", "a,c"), Error);
}

// Several processes append and checkpoint the same file at once: every row must come out whole.
TEST(RecordFile, ConcurrentWritersNeverTearOrInterleaveRows) {
    TempDir dir;
    auto path = dir / "shared.csv";
    constexpr int WRITERS = 6, CHECKPOINTS = 200;
    std::vector<pid_t> kids;
    for (int w = 0; w < WRITERS; ++w) {
        pid_t pid = ::fork();
        ASSERT_GE(pid, 0);
        if (pid == 0) {
            int rc = 0;
            try {
                RecordFile f(path, "writer,step,payload");
                f.append_reserved(std::to_string(w) + ",0," + std::string(50, static_cast<char>('a' + w)), 120);
                for (int i = 1; i <= CHECKPOINTS; ++i)
                    f.rewrite(std::to_string(w) + "," + std::to_string(i) + "," + std::string(50 + i % 40, static_cast<char>('a' + w)),
                              i == CHECKPOINTS);
            } catch (...) {
                rc = 1;
            }
            ::_exit(rc);
        }
        kids.push_back(pid);
    }
    for (pid_t k : kids) {
        int status = 0;
        ::waitpid(k, &status, 0);
        EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    std::istringstream in(read_file(path));
    std::string line;
    std::getline(in, line);
    EXPECT_EQ(line, "writer,step,payload");
    std::set<int> writers;
    while (std::getline(in, line)) {
        while (!line.empty() && line.back() == ' ') line.pop_back();
        auto f = split_csv(line);
        ASSERT_EQ(f.size(), 3u) << line;
        int w = std::stoi(f[0]);
        EXPECT_EQ(f[1], std::to_string(CHECKPOINTS));
        EXPECT_EQ(f[2], std::string(50 + CHECKPOINTS % 40, static_cast<char>('a' + w)));
        writers.insert(w);
    }
    EXPECT_EQ(writers.size(), static_cast<std::size_t>(WRITERS));
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
        EXPECT_EQ(count_lines(read_file(path)), 0u);  // held (the header is in the stream's buffer)
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
