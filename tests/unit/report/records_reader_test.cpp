#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

#include "eco2/error.hpp"
#include "report/records_reader.hpp"
#include "writers/csv_writer.hpp"

using namespace eco2;
using namespace eco2::detail;

namespace {

Result sample_result() {
    Result r;
    r.epoch = "epoch: 2, loss: 0.25";
    r.id = "run-7";
    r.experiment_description = "say \"hi\"";
    r.project_name = "proj, with comma";
    r.epoch_params_json = R"({"epoch":2,"loss":0.25,"opt":"adam"})";
    r.cpu = {3.6e6, "rapl(package-0)", false};
    r.ram = {0.36e6, "ram-model(0.375 W/GiB; estimated)", true};
    r.gpu = {7.2e6, "nvml(energy counter: gpu0)", false};
    r.duration_s = 12.5;
    r.exit_code = 3;
    r.samples = 42;
    r.co2_kg = 1.234;
    r.pue = 1.5;
    r.host = "node1";
    r.intensity_g_per_kwh = 56.5;
    r.status = RunStatus::completed;
    r.work.items = 1000;
    r.cpu_time_s = 7.25;
    return r;
}

std::vector<RecordRow> read_all(const std::string& text, RecordsReader** keep = nullptr) {
    std::istringstream in(text);
    RecordsReader reader(in, "test.csv");
    std::vector<RecordRow> rows;
    RecordRow row;
    while (reader.next(row)) rows.push_back(row);
    (void)keep;
    return rows;
}

std::string error_of(const std::string& text) {
    try {
        read_all(text);
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST(RecordsReader, KnowsEveryColumnTheWriterWrites) {
    for (std::string_view name : CsvWriter::columns()) {
        bool found = false;
        for (const RecordColumn& c : record_columns()) found = found || c.name == name;
        EXPECT_TRUE(found) << "the reader has no field for the writer's column " << name;
    }
}

TEST(RecordsReader, ReadsBackWhatTheWriterWrote) {
    const Result r = sample_result();
    std::istringstream in(CsvWriter::header() + "\n" + CsvWriter::row(r) + "\n");
    RecordsReader reader(in, "emission.csv");
    EXPECT_EQ(reader.layout(), RecordLayout::current);
    EXPECT_TRUE(reader.unknown_columns().empty());
    RecordRow row;
    ASSERT_TRUE(reader.next(row));
    EXPECT_EQ(row.line, 2u);
    EXPECT_EQ(row.id, r.id);
    EXPECT_EQ(row.project_name, "proj, with comma");
    EXPECT_EQ(row.experiment_description, "say \"hi\"");
    EXPECT_EQ(row.epoch_params, r.epoch_params_json);
    EXPECT_DOUBLE_EQ(row.duration_s, 12.5);
    EXPECT_NEAR(row.cpu_j, 3.6e6, 1e-3);
    EXPECT_NEAR(row.gpu_j, 7.2e6, 1e-3);
    EXPECT_NEAR(row.ram_j, 0.36e6, 1e-3);
    EXPECT_NEAR(row.energy_j, r.it_joules() * 1.5, 1e-2);
    EXPECT_DOUBLE_EQ(row.co2_kg, 1.234);
    EXPECT_TRUE(std::isnan(row.cost));  // no tariff: empty cell
    EXPECT_DOUBLE_EQ(row.pue, 1.5);
    EXPECT_DOUBLE_EQ(row.exit_code, 3);
    EXPECT_DOUBLE_EQ(row.samples, 42);
    EXPECT_DOUBLE_EQ(row.items, 1000);
    EXPECT_DOUBLE_EQ(row.cpu_time_s, 7.25);
    EXPECT_EQ(row.status, "completed");
    EXPECT_TRUE(row.is_estimated());
    EXPECT_TRUE(std::isnan(row.rank));  // no distributed-job column in this file
    EXPECT_FALSE(reader.next(row));
}

TEST(RecordsReader, ReadsEco2aisThirteenColumns) {
    const std::string text =
        "id,project_name,experiment_description,epoch,start_time,duration(s),power_consumption(kWh),"
        "CO2_emissions(kg),CPU_name,GPU_name,OS,region/country,cost\n"
        "a1,p,e,\"epoch: 1, loss: 0.5\",2023-01-01 10:00:00,10.5,0.002,0.0007,Intel,,Linux,RU,\n"
        "a1,p,e,\"epoch: 2, loss: 0.25\",2023-01-01 10:00:10,10,0.001,0.0003,Intel,,Linux,RU,0.01\n";
    std::istringstream in(text);
    RecordsReader reader(in, "eco2ai.csv");
    EXPECT_EQ(reader.layout(), RecordLayout::eco2ai);
    RecordRow row;
    ASSERT_TRUE(reader.next(row));
    EXPECT_NEAR(row.energy_j, 7200.0, 1e-9);
    EXPECT_TRUE(std::isnan(row.cpu_j));  // eco2AI has no per-component energy
    EXPECT_EQ(epoch_number(row), 1);
    std::vector<EpochParam> params;
    epoch_params(row, params);
    ASSERT_EQ(params.size(), 2u);
    EXPECT_EQ(params[1].key, "loss");
    EXPECT_DOUBLE_EQ(params[1].number, 0.5);
    ASSERT_TRUE(reader.next(row));
    EXPECT_DOUBLE_EQ(row.cost, 0.01);
    EXPECT_EQ(row.line, 3u);
    EXPECT_FALSE(reader.next(row));
}

TEST(RecordsReader, OlderLayoutWithPaddedLastColumnAndCrlf) {
    // An older eco2 ended its rows at `samples`, padded with spaces while the run was going.
    std::string header;
    for (std::string_view c : CsvWriter::columns()) {
        if (!header.empty()) header += ',';
        header += c;
        if (c == "samples") break;
    }
    std::string row_text = "r1,p,e,N/A,2024-01-01 00:00:00,1.000,0.001,0.0005,c,,os,FR,,0.001,0,0,56,1,rapl,none,"
                           "model,flag,process,h,false,,,,,,,,,,,interrupted,,0,17";
    std::istringstream in(header + "\r\n" + row_text + "        \r\n\r\n");
    RecordsReader reader(in, "old.csv");
    EXPECT_EQ(reader.layout(), RecordLayout::older);
    RecordRow row;
    ASSERT_TRUE(reader.next(row));
    EXPECT_DOUBLE_EQ(row.samples, 17);
    EXPECT_EQ(row.status, "interrupted");
    EXPECT_TRUE(std::isnan(row.cpu_time_s));
    EXPECT_FALSE(reader.next(row));  // the blank line is no row
}

TEST(RecordsReader, SkipsColumnsItDoesNotKnow) {
    std::istringstream in("id,CO2_emissions(kg),gpu_temperature,host\nx,0.5,71,h1\n");
    RecordsReader reader(in, "newer.csv");
    EXPECT_EQ(reader.layout(), RecordLayout::newer);
    ASSERT_EQ(reader.unknown_columns().size(), 1u);
    EXPECT_EQ(reader.unknown_columns()[0], "gpu_temperature");
    RecordRow row;
    ASSERT_TRUE(reader.next(row));
    EXPECT_DOUBLE_EQ(row.co2_kg, 0.5);
    EXPECT_EQ(row.host, "h1");
}

TEST(RecordsReader, RecordsAcrossBlocksAndLongerThanABlock) {
    // Rows cut at every place by the 1 MiB blocks, quoted fields with "" and line breaks among them, and one
    // field of 3 MiB (the buffer grows for it).
    std::string text = "id,project_name,experiment_description,CO2_emissions(kg)\n";
    const int n = 40000;
    for (int i = 0; i < n; ++i)
        text += "id" + std::to_string(i) + ",\"proj \"\"" + std::to_string(i % 7) + "\"\"\",\"line\nbreak, " +
                std::string(static_cast<std::size_t>(i % 50), 'x') + "\"," + std::to_string(i) + ".5\n";
    text += "big,p,\"" + std::string(3 << 20, 'y') + "\",1\n";
    const std::vector<RecordRow> rows = [&] {
        std::istringstream in(text);
        RecordsReader reader(in, "long.csv");
        std::vector<RecordRow> out;
        RecordRow row;
        while (reader.next(row)) {
            if (row.id == "big") {
                EXPECT_EQ(row.experiment_description.size(), std::size_t(3 << 20));
            } else if (row.project_name != "proj \"" + std::to_string(out.size() % 7) + "\"") {
                ADD_FAILURE() << "row " << out.size() << ": " << row.project_name;
            }
            out.push_back(row);
        }
        return out;
    }();
    ASSERT_EQ(rows.size(), std::size_t(n + 1));
    for (int i = 0; i < n; i += 997) EXPECT_DOUBLE_EQ(rows[static_cast<std::size_t>(i)].co2_kg, i + 0.5);
    EXPECT_EQ(rows[1].line, 4u);  // each row before took two lines
    EXPECT_EQ(rows.back().line, std::size_t(2 + 2 * n));
}

TEST(RecordsReader, RefusesWhatIsNoRecordsFile) {
    EXPECT_NE(error_of("").find("test.csv is empty"), std::string::npos);
    EXPECT_NE(error_of("name,value\na,1\n").find("test.csv is not a records file"), std::string::npos);
    const std::string bad = error_of("id,duration(s)\nx,1\ny,fast\n");
    EXPECT_NE(bad.find("test.csv:3: column 'duration(s)' holds 'fast', which is not a number"), std::string::npos)
        << bad;
    EXPECT_NE(error_of("id,host\nx,\"open\n").find("left open"), std::string::npos);
    EXPECT_NE(error_of("id,host\nx,h,extra\n").find("test.csv:2: the row has 3 fields for 2 columns"),
              std::string::npos);
    try {
        RecordsReader reader(std::filesystem::path("/nonexistent/emission.csv"));
        ADD_FAILURE();
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("cannot read /nonexistent/emission.csv"), std::string::npos);
    }
}

TEST(RecordsReader, EpochParamsFromJsonAndEco2aiText) {
    RecordRow row{};
    row.epoch_params = R"({"epoch":3,"loss":0.31,"opt":"a\"dam","partial":true})";
    std::vector<EpochParam> p;
    epoch_params(row, p);
    ASSERT_EQ(p.size(), 4u);
    EXPECT_EQ(p[0].key, "epoch");
    EXPECT_DOUBLE_EQ(p[0].number, 3);
    EXPECT_DOUBLE_EQ(p[1].number, 0.31);
    EXPECT_EQ(p[2].text, "a\\\"dam");
    EXPECT_TRUE(std::isnan(p[2].number));
    EXPECT_EQ(p[3].text, "true");
    EXPECT_EQ(epoch_number(row), 3);

    RecordRow old{};
    old.epoch = "epoch: 4 (partial)";
    epoch_params(old, p);
    ASSERT_EQ(p.size(), 1u);
    EXPECT_EQ(p[0].text, "4 (partial)");
    EXPECT_EQ(epoch_number(old), 4);

    RecordRow none{};
    none.epoch = "N/A";
    epoch_params(none, p);
    EXPECT_TRUE(p.empty());
    EXPECT_EQ(epoch_number(none), 0);
}
