#include "control/control.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

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

// issue 11: values recorded unchecked, JSON type errors instead of eco2::Error, NUL and broken UTF-8 reaching
// the records file. Each line is refused with an eco2::Error that names the problem.
TEST(Control, OutOfRangeWorkAndHostileTextAreRefused) {
    struct Case {
        std::string line;
        const char* says;
    };
    const std::vector<Case> cases = {
        {"work flops=-5", "flops=-5 must be a finite number >= 0"},
        {"work items=-1", "items=-1"},
        {"work items=nan", "items=nan"},
        {"work flops=inf", "flops=inf"},
        {"work error_rate=7", "error_rate=7 must be within 0..1"},
        {R"({"mark":"work","error_rate":-0.5})", "error_rate=-0.5"},
        {R"({"mark":"work","flops":-5})", "flops=-5"},
        {R"({"mark": {"x": 1}})", "\"mark\" must be the string"},
        {R"({"mark": ["epoch"]})", "\"mark\" must be the string"},
        {R"({"mark": 3})", "\"mark\" must be the string"},
        {R"({"params": {}})", "\"mark\" must be the string"},
        {R"({"mark":"epoch","params":{"a":"x\u0000y"}})", "control character"},
        {R"({"mark":"epoch","params":{"a\u0000":1}})", "control character"},
        {"epoch loss=\xff\xfe", "not valid UTF-8"},
        {"epoch \xc3\x28=1", "not valid UTF-8"},
        {"epoch tag=a\tb", "control character"},
    };
    for (const auto& c : cases) {
        try {
            parse_mark(c.line);
            ADD_FAILURE() << "accepted: " << c.line;
        } catch (const Error& e) {
            EXPECT_EQ(e.code(), Errc::invalid_argument) << c.line;
            EXPECT_NE(std::string(e.what()).find(c.says), std::string::npos) << e.what();
            // The message itself is printable: no raw control byte or broken UTF-8 reaches the terminal.
            for (char ch : std::string(e.what())) EXPECT_FALSE(ch == '\0' || ch == '\t') << e.what();
        } catch (const std::exception& e) {
            ADD_FAILURE() << c.line << ": not an eco2::Error: " << e.what();
        }
    }
    // What stays accepted: UTF-8 text, numbers in range.
    const Mark m = parse_mark("epoch note=\xc3\xa9t\xc3\xa9 loss=0");
    const auto& p = std::get<EpochMark>(m).params;
    EXPECT_EQ(std::get<std::string>(p[0].value), "\xc3\xa9t\xc3\xa9");
    Work w = std::get<WorkMark>(parse_mark("work items=0 error_rate=1 flops=0")).work;
    EXPECT_EQ(*w.error_rate, 1);
}

// issue 11: `eco2 mark` wrote into whatever ECO2_CONTROL named (it overwrote a regular file).
TEST(Control, WritesOnlyToAFifo) {
    char templ[] = "/tmp/eco2-control-test-XXXXXX";
    ASSERT_NE(::mkdtemp(templ), nullptr);
    const std::filesystem::path file = std::filesystem::path(templ) / "notes.txt";
    {
        std::ofstream(file) << "keep me\n";
    }
    try {
        write_control_line(file, "epoch a=1\n");
        ADD_FAILURE() << "wrote into a regular file";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("is not a FIFO"), std::string::npos) << e.what();
    }
    std::ifstream in(file);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(text, "keep me\n");
    EXPECT_THROW(write_control_line("/dev/null", "epoch a=1\n"), Error);
    std::filesystem::remove_all(templ);
}

// issue 11: a run killed with SIGKILL left its control directory in $TMPDIR for good.
TEST(Control, StaleDirectoriesOfDeadRunsAreRemoved) {
    char templ[] = "/tmp/eco2-tmpdir-test-XXXXXX";
    ASSERT_NE(::mkdtemp(templ), nullptr);
    const std::filesystem::path tmp(templ);
    const char* old_tmpdir = std::getenv("TMPDIR");
    const std::string saved = old_tmpdir ? old_tmpdir : "";
    ::setenv("TMPDIR", templ, 1);
    const pid_t dead = ::fork();
    if (dead == 0) ::_exit(0);
    ::waitpid(dead, nullptr, 0);  // a pid that no longer exists
    const auto stale = tmp / ("eco2-control-" + std::to_string(dead) + "-abc123");
    const auto alive = tmp / ("eco2-control-" + std::to_string(::getppid()) + "-def456");
    const auto other = tmp / "eco2-control-notapid";
    for (const auto& d : {stale, alive, other}) {
        std::filesystem::create_directory(d);
        ASSERT_EQ(::mkfifo((d / "control").c_str(), 0600), 0);
    }
    {
        ControlFifo fifo;
        EXPECT_EQ(fifo.path().parent_path().parent_path(), tmp);
        EXPECT_NE(fifo.path().parent_path().filename().string().find(std::to_string(::getpid())),
                  std::string::npos);
    }
    EXPECT_FALSE(std::filesystem::exists(stale));
    EXPECT_TRUE(std::filesystem::exists(alive / "control"));  // its owner still runs
    EXPECT_TRUE(std::filesystem::exists(other / "control"));  // not named by a pid: not ours to judge
    if (old_tmpdir) ::setenv("TMPDIR", saved.c_str(), 1);
    else ::unsetenv("TMPDIR");
    std::filesystem::remove_all(tmp);
}
