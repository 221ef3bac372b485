// The compiled-in data is data/*.csv byte for byte, and the data agrees with what peers ship.
#include "carbon/zone_data.hpp"

#include <gtest/gtest.h>

#include <charconv>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "../test_util.hpp"
#include "carbon/csv.hpp"
#include "eco2/error.hpp"
#include "eco2/zones.hpp"

using namespace eco2;

namespace {

const std::filesystem::path DATA_DIR = std::filesystem::path(ECO2_FIXTURES_DIR) / ".." / ".." / "data";

double number(const std::string& s) {
    double v = 0.0;
    std::from_chars(s.data(), s.data() + s.size(), v);
    return v;
}

std::string read(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

}  // namespace

TEST(ZoneData, CompiledInFilesAreTheDataFolderByteForByte) {
    ASSERT_TRUE(std::filesystem::is_directory(DATA_DIR)) << DATA_DIR;
    std::set<std::string> on_disk;
    for (const auto& entry : std::filesystem::directory_iterator(DATA_DIR))
        if (entry.path().extension() == ".csv") on_disk.insert(entry.path().filename().string());

    std::set<std::string> embedded;
    for (const carbon::EmbeddedFile& f : carbon::embedded_data_files()) {
        embedded.insert(f.name);
        EXPECT_EQ(f.content, read(DATA_DIR / f.name))
            << "data/" << f.name
            << " differs from the compiled-in copy: run tools/regen_zone_data --embed-only";
    }
    EXPECT_EQ(embedded, on_disk)
        << "data/*.csv and the compiled-in files differ: run tools/regen_zone_data --embed-only";
}

TEST(ZoneData, EveryZoneValueComesFromTheCsv) {
    // zones_average.csv read independently of the library: each row is one value of the database.
    const auto rows = carbon::parse_csv(read(DATA_DIR / "zones_average.csv"), "zones_average.csv");
    ASSERT_GT(rows.size(), 1u);
    std::map<std::string, int> latest;
    for (std::size_t i = 1; i < rows.size(); ++i) {
        const auto& f = rows[i].fields;
        const int year = static_cast<int>(number(f[1]));
        const ZoneIntensity zi = ZoneDatabase::builtin().intensity(f[0], year);
        EXPECT_EQ(zi.zone, f[0]);
        EXPECT_DOUBLE_EQ(zi.g_per_kwh, number(f[2])) << f[0] << " " << year;
        latest[f[0]] = std::max(latest[f[0]], year);
    }
    for (const auto& [zone, year] : latest)
        EXPECT_EQ(ZoneDatabase::builtin().intensity(zone).year, year) << zone;
}

TEST(ZoneData, SourcesNamePackagesVersionsAndLicences) {
    const auto rows = carbon::parse_csv(read(DATA_DIR / "sources.csv"), "sources.csv");
    std::map<std::string, std::string> licence;
    for (const auto& r : rows) licence[r.fields[0]] = r.fields[5];
    EXPECT_EQ(licence["electricity_maps"], "ODbL-1.0");
    for (const char* f : {"LICENSE", "NOTICE", "SOURCE.md"})
        EXPECT_TRUE(std::filesystem::exists(DATA_DIR / f)) << f;
    EXPECT_NE(read(DATA_DIR / "NOTICE").find("Electricity Maps"), std::string::npos);
}

TEST(Csv, QuotesCommasAndLineNumbers) {
    const auto rows =
        carbon::parse_csv("a,b\n\"x, y\",\"say \"\"hi\"\"\"\n\nlast,\"multi\nline\"\nend,\r\n", "t");
    ASSERT_EQ(rows.size(), 4u);
    EXPECT_EQ(rows[1].fields, (std::vector<std::string>{"x, y", "say \"hi\""}));
    EXPECT_EQ(rows[1].line, 2u);
    EXPECT_EQ(rows[2].fields, (std::vector<std::string>{"last", "multi\nline"}));
    EXPECT_EQ(rows[2].line, 4u);
    EXPECT_EQ(rows[3].fields, (std::vector<std::string>{"end", ""}));
    EXPECT_EQ(rows[3].line, 6u);
    EXPECT_THROW(carbon::parse_csv("a,\"b\"c\n", "t"), Error);
    EXPECT_THROW(carbon::parse_csv("a,\"b\n", "t"), Error);
}

TEST(Csv, TableFieldsViewTheTextUnlessUnescapedAndSurviveAMove) {
    const std::string text = "a,\"b, c\",\"say \"\"hi\"\"\"\n\nz\n";
    carbon::CsvTable parsed(text, "t");
    const carbon::CsvTable table(std::move(parsed));
    ASSERT_EQ(table.size(), 2u);
    const auto f = table.fields(0);
    ASSERT_EQ(f.size(), 3u);
    EXPECT_EQ(f[0], "a");
    EXPECT_EQ(f[1], "b, c");
    EXPECT_EQ(f[1].data(), text.data() + 3);  // a view into the text, not a copy
    EXPECT_EQ(f[2], "say \"hi\"");            // unescaped into the table, still valid after the move
    EXPECT_EQ(table.fields(1)[0], "z");
    EXPECT_EQ(table.line(1), 3u);
}

// Sanity against peers' tables (../shared/reference, read-only, for comparison): Electricity Maps counts
// life-cycle emissions of consumed electricity and the peers direct emissions of generation, so only the
// order of magnitude must agree.
TEST(ZoneData, LargeCountriesAgreeWithPeersWithinAFactorOfTwo) {
    const auto eco2ai = eco2::test::shared_reference() / "eco2ai" / "carbon_index.csv";
    if (!std::filesystem::exists(eco2ai)) GTEST_SKIP() << "no " << eco2ai;
    std::map<std::string, double> peer;  // alpha-2 -> kg/MWh (= g/kWh)
    for (const auto& r : carbon::parse_csv(read(eco2ai), "carbon_index.csv"))
        if (r.fields.size() == 7 && r.fields[1] == "Whole country") peer[r.fields[3]] = number(r.fields[6]);
    for (const char* cc : {"US", "DE", "IN", "CN", "JP", "PL", "AU", "ZA", "GB", "IT"}) {
        ASSERT_TRUE(peer.count(cc)) << cc;
        const double ours = ZoneDatabase::builtin().intensity(cc, 2021).g_per_kwh;
        EXPECT_GT(ours, peer[cc] / 2) << cc;
        EXPECT_LT(ours, peer[cc] * 2) << cc;
    }
}
