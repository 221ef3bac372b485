// RecordFile: the records CSV on disk (reserved rows, rewrites, truncation, deletion, adoption, concurrency).
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
    EXPECT_THROW(file.rewrite("1,again", true), Error);  // no reserved row left to rewrite
    EXPECT_EQ(read_file(path), "a,b\n1,final\n");
}

// Failed before: a row longer than its reservation was refused and the run's row stayed `interrupted` ("record
// row outgrew its reservation").
TEST(RecordFile, LongerRowGrowsInPlaceWhenLastAndRewritesTheFileWhenNot) {
    TempDir dir;
    auto path = dir / "runs.csv";
    RecordFile mine(path, "a,b");
    mine.append_reserved("1,x", 6);  // 3 spare
    const std::string big(300, 'p');
    ASSERT_TRUE(mine.rewrite("1," + big, false));  // last row: grown in place, room kept
    EXPECT_EQ(read_file(path), "a,b\n1," + big + "   \n");
    RecordFile other(path, "a,b");
    other.append_reserved("2,running", 12);
    const std::string bigger(500, 'q');
    ASSERT_TRUE(mine.rewrite("1," + bigger, false));  // not last: the file is rewritten, the other row moves
    EXPECT_EQ(read_file(path), "a,b\n1," + bigger + "   \n2,running   \n");
    ASSERT_TRUE(other.rewrite("2,done", true));  // the other writer finds its row in the new file
    ASSERT_TRUE(mine.rewrite("1," + bigger + bigger, true));
    EXPECT_EQ(read_file(path), "a,b\n1," + bigger + bigger + "\n2,done\n");
    EXPECT_TRUE(mine.notices().empty());
    EXPECT_TRUE(other.notices().empty());
}

// A tracker killed while rewriting the file leaves its temporary file: the next one removes it, once it is
// over a minute old and nobody holds it.
TEST(RecordFile, TemporaryFilesLeftByAKilledRewriteAreRemoved) {
    TempDir dir;
    auto path = dir / "runs.csv";
    const auto stale = dir / ".runs.csv.eco2-AbC123", busy = dir / ".runs.csv.eco2-XyZ789";
    const auto young = dir / ".runs.csv.eco2-New000", other = dir / ".other.csv.eco2-Old000";
    for (const auto& p : {stale, busy, young, other}) eco2::test::write_file(p, "half a file");
    const auto old = std::filesystem::file_time_type::clock::now() - std::chrono::minutes(5);
    for (const auto& p : {stale, busy, other}) std::filesystem::last_write_time(p, old);
    int held = ::open(busy.c_str(), O_RDONLY);
    ASSERT_EQ(::flock(held, LOCK_EX), 0);  // a live writer's
    { RecordFile f(path, "a,b"); }
    ::close(held);
    EXPECT_FALSE(std::filesystem::exists(stale));
    EXPECT_TRUE(std::filesystem::exists(busy));
    EXPECT_TRUE(std::filesystem::exists(young));
    EXPECT_TRUE(std::filesystem::exists(other));
}

// Failed before: after `: > file` the next checkpoint wrote at the old offset, leaving NUL bytes and no header.
TEST(RecordFile, TruncatedFileGetsItsHeaderAndTheRowAgainAndSaysSo) {
    TempDir dir;
    auto path = dir / "runs.csv";
    RecordFile f(path, "a,b");
    f.append_reserved("1,x", 10);
    std::filesystem::resize_file(path, 0);  // log rotation with copytruncate
    ASSERT_TRUE(f.rewrite("1,y", false));
    EXPECT_EQ(read_file(path), "a,b\n1,y" + std::string(7, ' ') + "\n");
    ASSERT_TRUE(f.rewrite("1,done", true));
    EXPECT_EQ(read_file(path), "a,b\n1,done\n");
    ASSERT_EQ(f.notices().size(), 1u);
    EXPECT_NE(f.notices()[0].find("truncated"), std::string::npos) << f.notices()[0];
}

// Failed before: the records file deleted mid-run lost the run's row silently.
TEST(RecordFile, DeletedFileIsRestoredWholeFromTheOpenCopy) {
    TempDir dir;
    auto path = dir / "runs.csv";
    RecordFile f(path, "a,b");
    f.append_reserved("1,x", 10);
    RecordFile(path, "a,b").append("2,z");
    std::filesystem::remove(path);
    ASSERT_TRUE(f.rewrite("1,done", true));
    EXPECT_EQ(read_file(path), "a,b\n1,done" + std::string(4, ' ') + "\n2,z\n");
    ASSERT_EQ(f.notices().size(), 1u);
    EXPECT_NE(f.notices()[0].find("deleted"), std::string::npos) << f.notices()[0];
    struct stat st{};
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0644u);
}


// Failed before: a short write left a torn row for good.
TEST(RecordFile, AShortWriteIsRolledBackAndTheRowWrittenLater) {
    TempDir dir;
    auto path = dir / "runs.csv";
    { RecordFile(path, "a,b").append("0,first"); }
    const std::string before = read_file(path);
    const int rc = with_file_size_limit(before.size() + 20, [&] {
        RecordFile f(path, "a,b");
        try {
            f.append_reserved("1," + std::string(100, 'x'), 110);  // does not fit: must leave no torn row
            return 1;
        } catch (const Error&) {
        }
        if (read_file(path) != before) return 2;
        f.rewrite("1,y", false);  // room now: the pending row is appended
        if (read_file(path) != before + "1,y" + std::string(8, ' ') + "\n") return 3;
        try {
            f.rewrite("1," + std::string(100, 'z'), false);  // grows past the limit: the old row stays whole
            return 4;
        } catch (const Error&) {
        }
        if (read_file(path) != before + "1,y" + std::string(8, ' ') + "\n") return 5;
        return 0;
    });
    EXPECT_EQ(rc, 0);
}

// Failed before: eco2AI's emission.csv (13 columns) was refused ("header is not this version").
TEST(RecordFile, AdoptsAnEco2AIFileKeepingEveryRowAndValue) {
    TempDir dir;
    auto path = dir / "emission.csv";
    const auto& cols = CsvWriter::columns();
    std::string header;
    for (std::size_t i = 0; i < 13; ++i) {
        if (i > 0) header += ',';  // not "," + string: GCC 12's false -Wrestrict
        header += cols[i];
    }
    // Rows as eco2AI (pandas to_csv) writes them: the epoch text and CPU name quoted, cost "nan".
    const std::string row1 =
        "0f1e2d3c-aaaa-4bbb-8ccc-000000000001,My project,training the model,\"epoch: 1, loss: 1.0\","
        "2024-05-01 10:00:00,12.345678,0.0012345,0.00053891,\"Intel Xeon Gold 6248/1 device(s), TDP:150.0\","
        "0 device(s),Linux,FR,nan";
    const std::string row2 =
        "0f1e2d3c-aaaa-4bbb-8ccc-000000000002,My project,inference,N/A,2024-05-01 11:00:00,3.5,0.0001,4.4e-05,"
        "\"Intel Xeon Gold 6248/1 device(s), TDP:150.0\",0 device(s),Linux,FR,nan";
    eco2::test::write_file(path, header + "\n" + row1 + "\n" + row2 + "\n");
    RecordFile::check_writable(path, CsvWriter::header());
    RecordFile f(path, CsvWriter::header());
    f.append_reserved("new,row", 8);
    const std::string empties(cols.size() - 13, ',');
    EXPECT_EQ(read_file(path), CsvWriter::header() + "\n" + row1 + empties + "\n" + row2 + empties + "\nnew,row " + "\n");
    ASSERT_EQ(f.notices().size(), 1u);
    EXPECT_NE(f.notices()[0].find("eco2AI's 13 columns"), std::string::npos) << f.notices()[0];
    EXPECT_NE(f.notices()[0].find("2 rows"), std::string::npos) << f.notices()[0];
}

TEST(RecordFile, AdoptsAnOlderEco2LayoutByColumnNames) {
    TempDir dir;
    auto path = dir / "emission.csv";
    // An older eco2: no items/flops columns, and its reserved row's padding after the last column.
    eco2::test::write_file(path, "id,b,d\n1,x,42     \n\"2\",\"y,z\",7\n");
    RecordFile f(path, "id,b,c,d,e");
    EXPECT_EQ(read_file(path), "id,b,c,d,e\n1,x,,42,\n\"2\",\"y,z\",,7,\n");
    EXPECT_THROW(RecordFile(dir / "emission.csv", "id,b"), Error);  // a newer file than us: refused
    EXPECT_EQ(read_file(path), "id,b,c,d,e\n1,x,,42,\n\"2\",\"y,z\",,7,\n");
}

TEST(RecordFile, AdoptionRefusesWhatItCannotKeepWhole) {
    const std::filesystem::path p = "x.csv";
    EXPECT_EQ(adopt_records("b\r\n\"q\"\"uote\"\r\n\n", "a,b", p).text, "a,b\n,\"q\"\"uote\"\n");  // CRLF, blank line
    EXPECT_THROW(adopt_records("a\n1,2\n", "a,b", p), Error);            // more fields than the header
    EXPECT_THROW(adopt_records("a\n\"open\n", "a,b", p), Error);        // a quote left open (torn row)
    EXPECT_THROW(adopt_records(std::string("a\n1\0\n", 5), "a,b", p), Error);  // NUL bytes
    EXPECT_THROW(adopt_records("a,a\n1,2\n", "a,b", p), Error);          // a column twice
    TempDir dir;  // check_writable says so before a command starts
    eco2::test::write_file(dir / "old.csv", "a\n1,2\n");
    EXPECT_THROW(RecordFile::check_writable(dir / "old.csv", "a,b"), Error);
    eco2::test::write_file(dir / "old.csv", "a\n1\n");
    RecordFile::check_writable(dir / "old.csv", "a,b");
    EXPECT_EQ(read_file(dir / "old.csv"), "a\n1\n");  // a check only
}

// Failed before: in a sticky shared directory, another user's dangling link made root create a file elsewhere.
TEST(RecordFile, AnotherUsersLinkInAStickyDirectoryIsNotFollowed) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root to give the link another owner";
    TempDir dir;
    const auto shared = dir / "tmp";
    std::filesystem::create_directory(shared);
    ::chmod(shared.c_str(), 01777);
    const auto target = dir / "elsewhere.csv";
    std::filesystem::create_symlink(target, shared / "emission.csv");
    ASSERT_EQ(::lchown((shared / "emission.csv").c_str(), 12345, 12345), 0);
    EXPECT_THROW(RecordFile(shared / "emission.csv", "a,b"), Error);
    EXPECT_THROW(RecordFile::check_writable(shared / "emission.csv", "a,b"), Error);
    EXPECT_FALSE(std::filesystem::exists(target));
    // Our own link is followed, and the file behind it stays a link's target after a rewrite.
    ASSERT_EQ(::lchown((shared / "emission.csv").c_str(), 0, 0), 0);
    {
        RecordFile f(shared / "emission.csv", "a,b");
        f.append_reserved("1,x", 3);
        f.append("2,y");
        f.rewrite("1," + std::string(50, 'g'), true);  // grown, not last: the target is replaced, not the link
    }
    EXPECT_TRUE(std::filesystem::is_symlink(shared / "emission.csv"));
    EXPECT_EQ(read_file(target), "a,b\n1," + std::string(50, 'g') + "\n2,y\n");
}

// Failed before: under umask 000 the series folder and files were world-writable.
TEST(RecordFile, FilesAre0644AndFolders0755WhateverTheUmask) {
    TempDir dir;
    const mode_t old = ::umask(0);
    {
        RecordFile f(dir / "emission.csv", "a,b");
        SeriesWriter s(SeriesWriter::path_for(dir / "emission.csv", "run1"));
    }
    ::umask(077);
    { SeriesWriter s(SeriesWriter::path_for(dir / "other" / "x.csv", "run2")); }
    ::umask(old);
    auto mode = [](const std::filesystem::path& p) {
        struct stat st{};
        ::stat(p.c_str(), &st);
        return st.st_mode & 0777;
    };
    EXPECT_EQ(mode(dir / "emission.csv"), 0644u);
    EXPECT_EQ(mode(dir / "emission.series"), 0755u);
    EXPECT_EQ(mode(dir / "emission.series" / "run1.csv"), 0644u);
    EXPECT_EQ(mode(dir / "other"), 0755u);
    EXPECT_EQ(mode(dir / "other" / "x.series" / "run2.csv"), 0644u);
}

// Failed before: /proc/x.csv passed (root passes access() there) and the command ran untracked.
TEST(RecordFile, CheckWritableTriesARealFile) {
    if (!std::filesystem::exists("/proc/self")) GTEST_SKIP() << "no /proc";
    EXPECT_THROW(RecordFile::check_writable("/proc/x.csv", "a,b"), Error);
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
        // The fix names the setting (the CLI shows it as --output: setting_names_test.cpp).
        EXPECT_NE(std::string(e.what()).find("choose another output, or move the file away"),
                  std::string::npos)
            << e.what();
        EXPECT_EQ(e.settings(), std::vector<std::string>{"output"});
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
class RecordFileConcurrent : public ::testing::TestWithParam<std::size_t> {};

// With a reservation of 20 bytes every checkpoint outgrows it: rows grow in place or the file is rewritten
// while the other writers keep finding theirs.
INSTANTIATE_TEST_SUITE_P(Reservations, RecordFileConcurrent, ::testing::Values(120, 20));

TEST_P(RecordFileConcurrent, ConcurrentWritersNeverTearOrInterleaveRows) {
    TempDir dir;
    auto path = dir / "shared.csv";
    const std::size_t reserve = GetParam();
    constexpr int WRITERS = 6, CHECKPOINTS = 200;
    std::vector<pid_t> kids;
    for (int w = 0; w < WRITERS; ++w) {
        pid_t pid = ::fork();
        ASSERT_GE(pid, 0);
        if (pid == 0) {
            int rc = 0;
            try {
                RecordFile f(path, "writer,step,payload");
                f.append_reserved(std::to_string(w) + ",0," + std::string(10, static_cast<char>('a' + w)), reserve);
                for (int i = 1; i <= CHECKPOINTS; ++i)
                    f.rewrite(std::to_string(w) + "," + std::to_string(i) + "," + std::string(10 + i % 90, static_cast<char>('a' + w)),
                              i == CHECKPOINTS);
            } catch (const std::exception& e) {
                std::fprintf(stderr, "writer %d: %s\n", w, e.what());
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
        EXPECT_EQ(f[2], std::string(10 + CHECKPOINTS % 90, static_cast<char>('a' + w)));
        writers.insert(w);
    }
    EXPECT_EQ(writers.size(), static_cast<std::size_t>(WRITERS));
}
