#include "core/control.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include "eco2/error.hpp"

using namespace eco2;
using namespace eco2::detail;

TEST(Control, ParsesEpochLinesWithNumbersAndText) {
    Mark m = parse_mark("epoch loss=0.31 accuracy=0.92 optimizer=adam\n");
    ASSERT_TRUE(std::holds_alternative<EpochMark>(m));
    const auto& p = std::get<EpochMark>(m).params;
    ASSERT_EQ(p.size(), 3u);
    EXPECT_EQ(p[0].key, "loss");
    EXPECT_EQ(std::get<double>(p[0].value), 0.31);
    EXPECT_EQ(std::get<std::string>(p[2].value), "adam");
    EXPECT_TRUE(std::get<EpochMark>(parse_mark("epoch")).params.empty());
}

TEST(Control, ParsesWorkAndJson) {
    Work w = std::get<WorkMark>(parse_mark("work items=512 error_rate=0.08 flops=1.2e12")).work;
    EXPECT_EQ(*w.items, 512);
    EXPECT_EQ(*w.error_rate, 0.08);
    EXPECT_EQ(*w.flops, 1.2e12);
    Mark j = parse_mark(R"({"mark": "epoch", "params": {"loss": 0.5, "tag": "x"}})");
    const auto& p = std::get<EpochMark>(j).params;
    ASSERT_EQ(p.size(), 2u);
    EXPECT_EQ(std::get<double>(p[0].value), 0.5);
    EXPECT_EQ(*std::get<WorkMark>(parse_mark(R"({"mark":"work","items":3})")).work.items, 3);
}

TEST(Control, BadLinesNameTheProblem) {
    for (const char* line : {"", "bogus", "epoch loss", "work items=many", "work speed=3", "{\"mark\":\"x\"}", "{not json"}) {
        try {
            parse_mark(line);
            ADD_FAILURE() << "accepted: " << line;
        } catch (const Error& e) {
            EXPECT_EQ(e.code(), Errc::invalid_argument);
            EXPECT_NE(std::string(e.what()).find("control line"), std::string::npos);
        }
    }
}

TEST(Control, FormatRoundTrips) {
    EpochParams params{{"loss", 0.25}, {"name", std::string("run1")}};
    std::string line = format_mark_line("epoch", params);
    EXPECT_EQ(line, "epoch loss=0.25 name=run1\n");
    Mark m = parse_mark(line);
    const auto& back = std::get<EpochMark>(m).params;
    EXPECT_EQ(std::get<double>(back[0].value), 0.25);
    EXPECT_EQ(std::get<std::string>(back[1].value), "run1");
}

TEST(Control, FifoCarriesLinesFromSeveralWritersWhole) {
    std::filesystem::path path;
    std::vector<std::string> got;
    {
        ControlFifo fifo;
        path = fifo.path();
        write_control_line(fifo.path(), "epoch a=1\n");
        write_control_line(fifo.path(), "work items=2\nepoch b=2\n");
        fifo.drain([&](std::string_view l) { got.emplace_back(l); });
        EXPECT_FALSE(fifo.drain([&](std::string_view l) { got.emplace_back(l); }));
        write_control_line(fifo.path(), "epoch c=3");  // the writer forgot the newline
        fifo.drain([&](std::string_view l) { got.emplace_back(l); });
        EXPECT_EQ(got.size(), 3u);  // not a line yet
        fifo.drain([&](std::string_view l) { got.emplace_back(l); }, /*last=*/true);
        EXPECT_TRUE(std::filesystem::exists(path));
    }
    EXPECT_EQ(got, (std::vector<std::string>{"epoch a=1", "work items=2", "epoch b=2", "epoch c=3"}));
    EXPECT_FALSE(std::filesystem::exists(path));  // removed with its directory
    try {
        write_control_line(path, "epoch\n");
        FAIL();
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("eco2 run"), std::string::npos);
    }
}
