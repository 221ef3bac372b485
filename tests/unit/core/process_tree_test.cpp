#include "core/process_tree.hpp"

#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <csignal>
#include <thread>

#include "../test_util.hpp"
#include "process_tree_fixture.hpp"

using namespace eco2;
using namespace eco2::detail;
using eco2::test::TempDir;
using eco2::test::write_file;
using eco2::test::FakeProc;
using eco2::test::stat_line;
using eco2::test::ticks;
using eco2::test::tracks;

extern char** environ;

TEST(ProcessTree, SumsTheTreeAndIgnoresOthers) {
    FakeProc p;
    p.set(100, stat_line(100, 1, 10, 5, 0, 0));
    p.set(101, stat_line(101, 100, 3, 1, 0, 0));
    p.set(102, stat_line(102, 101, 2, 2, 0, 0));
    p.set(200, stat_line(200, 1, 500, 500, 0, 0));  // not ours
    ProcessTree tree = p.tree(100);
    TreeSample s;
    tree.sample(0, true, s);
    EXPECT_EQ(s.tree_cpu_s, 0);  // counting starts at the first sample
    std::vector<pid_t> pids = s.pids;
    std::sort(pids.begin(), pids.end());
    EXPECT_EQ(pids, (std::vector<pid_t>{100, 101, 102}));
    p.set(100, stat_line(100, 1, 20, 5, 0, 0));
    p.set(102, stat_line(102, 101, 12, 2, 0, 0));
    p.set(200, stat_line(200, 1, 900, 900, 0, 0));
    tree.sample(1, true, s);
    EXPECT_DOUBLE_EQ(s.tree_cpu_s, ticks(20, tree));
    EXPECT_DOUBLE_EQ(s.machine_used_bytes, 600.0 * 1024);
    EXPECT_EQ(s.tree_rss_bytes, 3 * 100 * ::sysconf(_SC_PAGESIZE));
}

TEST(ProcessTree, ChildReapedBetweenSamplesIsCountedInFullThroughItsParent) {
    FakeProc p;
    p.set(100, stat_line(100, 1, 10, 0, 0, 0));
    ProcessTree tree = p.tree(100);
    TreeSample s;
    tree.sample(0, true, s);
    // A child is born, burns 7 ticks, seen once at 3 ticks...
    p.set(101, stat_line(101, 100, 3, 0, 0, 0));
    tree.sample(1, true, s);
    EXPECT_DOUBLE_EQ(s.tree_cpu_s, ticks(3, tree));
    // ...then exits with 7 and is reaped: its whole time moves to the parent's cutime.
    p.remove(101);
    p.set(100, stat_line(100, 1, 10, 0, 7, 0));
    tree.sample(2, true, s);
    EXPECT_DOUBLE_EQ(s.tree_cpu_s, ticks(7, tree));
    // A child never seen by a sample at all still arrives through cutime.
    p.set(100, stat_line(100, 1, 10, 0, 12, 3));
    tree.sample(3, true, s);
    EXPECT_DOUBLE_EQ(s.tree_cpu_s, ticks(15, tree));
}

TEST(ProcessTree, OrphanThatVanishesKeepsItsLastSeenTime) {
    FakeProc p;
    p.set(100, stat_line(100, 1, 0, 0, 0, 0));
    p.set(101, stat_line(101, 100, 0, 0, 0, 0));
    ProcessTree tree = p.tree(100);
    TreeSample s;
    tree.sample(0, true, s);
    p.set(101, stat_line(101, 1, 40, 0, 0, 0));  // reparented to init after its parent... stays tracked
    tree.sample(1, true, s);
    EXPECT_DOUBLE_EQ(s.tree_cpu_s, ticks(40, tree));
    p.remove(101);  // reaped by init: nobody in the tree absorbs it
    tree.sample(2, true, s);
    EXPECT_DOUBLE_EQ(s.tree_cpu_s, ticks(40, tree));
}

TEST(ProcessTree, CountFromRootStartIncludesTimeBeforeTheFirstSample) {
    FakeProc p;
    p.set(100, stat_line(100, 1, 8, 2, 0, 0));
    ProcessTree tree(sys::FsRoot{p.dir / "proc", p.dir / "sys"}, ProcessTree::Options{100, true, 256});
    TreeSample s;
    tree.sample(0, true, s);
    EXPECT_DOUBLE_EQ(s.tree_cpu_s, ticks(10, tree));
}

TEST(ProcessTree, ProbeNamesAMissingProcess) {
    FakeProc p;
    ProcessTree tree = p.tree(4242);
    ProbeReport r = tree.probe();
    EXPECT_EQ(r.status, ProbeStatus::failed);
    EXPECT_NE(r.reason.find("4242"), std::string::npos);
}

TEST(ProcessTree, MachineFiguresAreReadOnlyWhenAsked) {
    FakeProc p;
    p.set(100, stat_line(100, 1, 10, 0, 0, 0));
    ProcessTree both = p.tree(100);
    ProcessTree busy_only = p.tree(100, {true, false});
    ProcessTree none = p.tree(100, {false, false});
    TreeSample s;
    both.sample(0, true, s);
    EXPECT_DOUBLE_EQ(s.machine_busy_s, 1000 / both.ticks_per_second());
    EXPECT_DOUBLE_EQ(s.machine_used_bytes, 600.0 * 1024);
    busy_only.sample(0, true, s);
    EXPECT_DOUBLE_EQ(s.machine_busy_s, 1000 / both.ticks_per_second());
    EXPECT_TRUE(std::isnan(s.machine_used_bytes));
    // Not read at all: without the files there is no failure.
    std::filesystem::remove(p.dir / "proc/stat");
    std::filesystem::remove(p.dir / "proc/meminfo");
    none.sample(0, true, s);
    none.sample(1, true, s);
    EXPECT_TRUE(std::isnan(s.machine_busy_s));
    EXPECT_TRUE(std::isnan(s.machine_used_bytes));
    EXPECT_EQ(none.failures().count(), 0u);
    EXPECT_DOUBLE_EQ(s.tree_cpu_s, 0);
    ProcessTree asks = p.tree(100);  // one that does read them fails
    asks.sample(0, true, s);
    EXPECT_EQ(asks.failures().count(), 2u);
}

TEST(ProcessTree, ScanIsSkippedWhileNoPidIsAllocated) {
    FakeProc p;
    p.set_last_pid(100);
    p.set(100, stat_line(100, 1, 10, 0, 0, 0));
    ProcessTree tree = p.tree(100);
    TreeSample s;
    tree.sample(0, true, s);
    EXPECT_EQ(tree.scans(), 1u);
    tree.sample(0.25, true, s);  // the check after a change scans once more
    EXPECT_EQ(tree.scans(), 2u);
    tree.sample(0.5, true, s);
    tree.sample(0.75, true, s);
    EXPECT_EQ(tree.scans(), 2u);
    // A fork allocates a pid: the next check scans and finds the child.
    p.set(101, stat_line(101, 100, 3, 0, 0, 0));
    p.set_last_pid(101);
    tree.sample(1.0, true, s);
    EXPECT_EQ(tree.scans(), 3u);
    EXPECT_TRUE(tracks(s, 101));
    EXPECT_DOUBLE_EQ(s.tree_cpu_s, ticks(3, tree));
    tree.sample(1.25, true, s);
    tree.sample(1.5, true, s);
    EXPECT_EQ(tree.scans(), 4u);
    // Pids wrap around pid_max: a smaller number is a change like any other.
    p.set(301, stat_line(301, 101, 2, 0, 0, 0));
    p.set_last_pid(301);
    tree.sample(1.75, true, s);
    EXPECT_TRUE(tracks(s, 301));
    EXPECT_DOUBLE_EQ(s.tree_cpu_s, ticks(5, tree));
    // discover=false never scans.
    p.set_last_pid(302);
    tree.sample(2.0, false, s);
    EXPECT_EQ(tree.scans(), 5u);
}

// The kernel allocates a pid a moment before the process shows in /proc: the scan made when the last pid
// moved can miss it, and the next check finds it although the last pid has not moved since.
TEST(ProcessTree, ProcessShownAfterItsPidMovedIsFoundByTheNextCheck) {
    FakeProc p;
    p.set_last_pid(100);
    p.set(100, stat_line(100, 1, 10, 0, 0, 0));
    ProcessTree tree = p.tree(100);
    TreeSample s;
    tree.sample(0, true, s);
    tree.sample(0.25, true, s);
    tree.sample(0.5, true, s);
    ASSERT_EQ(tree.scans(), 2u);
    p.set_last_pid(101);  // allocated, not in /proc yet
    tree.sample(0.75, true, s);
    EXPECT_EQ(tree.scans(), 3u);
    EXPECT_FALSE(tracks(s, 101));
    p.set(101, stat_line(101, 100, 4, 0, 0, 0));
    tree.sample(1.0, true, s);
    EXPECT_EQ(tree.scans(), 4u);
    EXPECT_TRUE(tracks(s, 101));
    EXPECT_DOUBLE_EQ(s.tree_cpu_s, ticks(4, tree));
}

// Even if the last pid came back to the same value (a full lap of the pid range between two checks, or a
// privileged write to ns_last_pid), a full scan is made every 5 s.
TEST(ProcessTree, FullScanAtLeastEveryFiveSeconds) {
    FakeProc p;
    p.set_last_pid(100);
    p.set(100, stat_line(100, 1, 10, 0, 0, 0));
    ProcessTree tree = p.tree(100);
    TreeSample s;
    tree.sample(0, true, s);
    tree.sample(0.25, true, s);
    p.set(101, stat_line(101, 100, 4, 0, 0, 0));  // last pid unchanged
    for (double t = 0.5; t < 5.25; t += 0.25) tree.sample(t, true, s);
    EXPECT_EQ(tree.scans(), 2u);
    EXPECT_FALSE(tracks(s, 101));
    tree.sample(5.25, true, s);
    EXPECT_EQ(tree.scans(), 3u);
    EXPECT_TRUE(tracks(s, 101));
    EXPECT_DOUBLE_EQ(s.tree_cpu_s, ticks(4, tree));
}

TEST(ProcessTree, EveryCheckScansWithoutAUsableLastPid) {
    // procfs of another pid namespace than ours (NSpid lists two levels): loadavg's last pid is not its own.
    FakeProc other_ns;
    other_ns.set_last_pid(100, 2);
    other_ns.set(100, stat_line(100, 1, 10, 0, 0, 0));
    // No loadavg at all (the fake trees of the other tests, or procfs mounted with subset=pid).
    FakeProc no_loadavg;
    no_loadavg.set(100, stat_line(100, 1, 10, 0, 0, 0));
    for (FakeProc* p : {&other_ns, &no_loadavg}) {
        ProcessTree tree = p->tree(100);
        TreeSample s;
        for (int i = 0; i < 4; ++i) tree.sample(i * 0.25, true, s);
        EXPECT_EQ(tree.scans(), 4u);
    }
}

// Live: a child started after quiet checks (whose scans may be skipped) is still found at the next check.
TEST(ProcessTree, ChildStartedLaterIsDiscoveredOnTheLiveSystem) {
    std::vector<char*> argv{const_cast<char*>("sh"), const_cast<char*>("-c"),
                            const_cast<char*>("sleep 0.6; sleep 5 & wait"), nullptr};
    pid_t child = 0;
    ASSERT_EQ(::posix_spawnp(&child, "sh", nullptr, nullptr, argv.data(), environ), 0);
    ProcessTree tree(sys::FsRoot::live(), ProcessTree::Options{child, true, 256});
    TreeSample s;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    tree.sample(0, true, s);
    const std::vector<pid_t> first = s.pids;  // sh and `sleep 0.6`
    pid_t later = 0;
    for (int i = 1; i <= 40 && later == 0; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        tree.sample(i * 0.1, true, s);
        for (pid_t pid : s.pids)
            if (std::find(first.begin(), first.end(), pid) == first.end()) later = pid;
    }
    EXPECT_NE(later, 0) << "`sleep 5` was not discovered";
    if (later != 0) ::kill(later, SIGKILL);
    ::kill(child, SIGKILL);
    ::waitpid(child, nullptr, 0);
}

// Real processes: many short-lived CPU-burning grandchildren, each living less than one sample period,
// accounted for against the kernel's own rusage of the reaped tree.
TEST(ProcessTree, ShortLivedChildrenMatchGetrusage) {
    const char* script =
        "i=0; while [ $i -lt 12 ]; do sh -c 'x=0; while [ $x -lt 15000 ]; do x=$((x+1)); done'; i=$((i+1)); done";
    std::vector<char*> argv{const_cast<char*>("sh"), const_cast<char*>("-c"), const_cast<char*>(script), nullptr};
    pid_t child = 0;
    ASSERT_EQ(::posix_spawnp(&child, "sh", nullptr, nullptr, argv.data(), environ), 0);
    ProcessTree tree(sys::FsRoot::live(), ProcessTree::Options{child, true, 256});
    TreeSample s;
    tree.sample(0, true, s);
    siginfo_t info{};
    for (int i = 1;; ++i) {
        info = {};
        ASSERT_EQ(::waitid(P_PID, static_cast<id_t>(child), &info, WEXITED | WNOHANG | WNOWAIT), 0);
        if (info.si_pid == child) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(200));  // longer than each grandchild lives
        tree.sample(i * 0.2, true, s);
    }
    tree.sample(100, true, s);  // the zombie's final counters
    struct rusage ru{};
    int status = 0;
    ASSERT_EQ(::wait4(child, &status, 0, &ru), child);
    double rusage_s = static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
                      static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6;
    ASSERT_GT(rusage_s, 0.1) << "the workload did not burn enough CPU to compare";
    // Ticks are truncated per process; allow a few ticks plus 2 %.
    EXPECT_NEAR(s.tree_cpu_s, rusage_s, 0.05 + 0.02 * rusage_s);
    EXPECT_GE(tree.processes_seen(), 1u);
}
