// ProcessTree with the run's cgroup, subreaping and memory (the /proc walk: process_tree_test.cpp).
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
namespace {
void own_cgroup(FakeProc& p, const std::string& procs) {
    write_file(p.dir / "proc/self/mountinfo",
               "25 1 0:23 / /sys rw - sysfs sysfs rw\n36 25 0:31 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw\n");
    write_file(p.dir / "proc/100/cgroup", "0::/job.scope\n");
    write_file(p.dir / "sys/fs/cgroup/job.scope/cgroup.procs", procs);
    write_file(p.dir / "sys/fs/cgroup/job.scope/cpu.stat", "usage_usec 5000000\nuser_usec 4000000\n");
}
}  // namespace

TEST(ProcessTree, OwnCgroupGivesMicrosecondCpuTime) {
    FakeProc p;
    p.set(100, stat_line(100, 1, 10, 0, 0, 0));
    p.set(101, stat_line(101, 100, 5, 0, 0, 0));
    own_cgroup(p, "100\n101\n");
    ProcessTree tree = p.tree(100);
    TreeSample s;
    tree.sample(0, true, s);
    ProbeReport r = tree.probe_cgroup();
    ASSERT_EQ(r.status, ProbeStatus::available) << r.reason;
    EXPECT_TRUE(r.used);
    write_file(p.dir / "sys/fs/cgroup/job.scope/cpu.stat", "usage_usec 7512345\n");
    p.set(100, stat_line(100, 1, 11, 0, 0, 0));  // ticks say 0.01 s; the cgroup knows better
    tree.sample(1, true, s);
    EXPECT_NEAR(s.tree_cpu_s, 2.512345, 1e-9);
}

TEST(ProcessTree, SharedCgroupFallsBackToTicksAndSaysWhy) {
    FakeProc p;
    p.set(100, stat_line(100, 1, 10, 0, 0, 0));
    own_cgroup(p, "100\n4242\n");
    ProcessTree tree = p.tree(100);
    TreeSample s;
    tree.sample(0, true, s);
    ProbeReport r = tree.probe_cgroup();
    EXPECT_EQ(r.status, ProbeStatus::unsupported);
    EXPECT_NE(r.reason.find("4242"), std::string::npos);
    EXPECT_FALSE(r.fix.empty());
    write_file(p.dir / "proc/100/cgroup", "0::/\n");
    EXPECT_EQ(tree.probe_cgroup().status, ProbeStatus::unsupported);
}

namespace {
ProcessTree subreaped_tree(FakeProc& p, int root, pid_t subreaper) {
    ProcessTree::Options o{root, true, 256, {false, false}};
    o.subreaper = subreaper;
    return ProcessTree(sys::FsRoot{p.dir / "proc", p.dir / "sys"}, o);
}
}  // namespace

// sh -c 'timeout 60 ./x; echo': x (102) and timeout (101) exit in the same interval; sh (100) reaped timeout,
// which had reaped x, so sh's cutime holds both. Counting x's last seen time as well was the double count.
TEST(ProcessTree, ChildOfAParentThatVanishedTooIsAbsorbedByTheGrandparent) {
    FakeProc p;
    p.set(100, stat_line(100, 1, 2, 0, 0, 0));
    p.set(101, stat_line(101, 100, 1, 0, 0, 0));
    p.set(102, stat_line(102, 101, 0, 0, 0, 0));
    ProcessTree tree = p.tree(100);
    TreeSample s;
    tree.sample(0, true, s);
    p.set(102, stat_line(102, 101, 50, 0, 0, 0));
    tree.sample(1, true, s);
    EXPECT_DOUBLE_EQ(s.tree_cpu_s, ticks(50, tree));
    // x ends at 60 ticks, reaped by timeout (cutime 60), which ends and is reaped by sh (cutime 1 + 60).
    p.remove(102);
    p.remove(101);
    p.set(100, stat_line(100, 1, 2, 0, 61, 0));
    tree.sample(2, true, s);
    EXPECT_DOUBLE_EQ(s.tree_cpu_s, ticks(60, tree));  // counted from the first sample (3 ticks then)
    tree.sample(3, true, s);
    EXPECT_DOUBLE_EQ(s.tree_cpu_s, ticks(60, tree));
    EXPECT_EQ(tree.cpu_source(), "proc(ticks)");
}

// A child reaped just after its parent's stat was read: at that sample it shows in neither; the parent owes
// its last seen time until its cutime shows it, so the figure neither dips nor counts it twice.
TEST(ProcessTree, ChildReapedBetweenTheTwoReadsIsOwedByItsParent) {
    FakeProc p;
    p.set(100, stat_line(100, 1, 0, 0, 0, 0));
    p.set(101, stat_line(101, 100, 30, 0, 0, 0));
    ProcessTree tree = p.tree(100);
    TreeSample s;
    tree.sample(0, true, s);
    p.set(101, stat_line(101, 100, 40, 0, 0, 0));
    tree.sample(1, true, s);
    EXPECT_DOUBLE_EQ(s.tree_cpu_s, ticks(10, tree));
    p.remove(101);  // gone, and the parent's cutime not yet grown
    tree.sample(2, true, s);
    EXPECT_DOUBLE_EQ(s.tree_cpu_s, ticks(10, tree));
    p.set(100, stat_line(100, 1, 0, 0, 42, 0));  // now it shows (2 more ticks at the very end)
    tree.sample(3, true, s);
    EXPECT_DOUBLE_EQ(s.tree_cpu_s, ticks(12, tree));
    p.set(100, stat_line(100, 1, 5, 0, 42, 0));
    tree.sample(4, true, s);
    EXPECT_DOUBLE_EQ(s.tree_cpu_s, ticks(17, tree));
    EXPECT_EQ(tree.cpu_source().find("auto-reaped"), std::string::npos);
}

// A parent ignoring SIGCHLD: the kernel reaps its children and their time never reaches its cutime.
TEST(ProcessTree, AutoReapedChildrenKeepTheirLastSeenTime) {
    FakeProc p;
    p.set(100, stat_line(100, 1, 0, 0, 0, 0));
    ProcessTree tree = p.tree(100);
    TreeSample s;
    tree.sample(0, true, s);
    for (int i = 0; i < 3; ++i) {
        p.set(101 + i, stat_line(101 + i, 100, 20, 0, 0, 0));
        tree.sample(1 + 2 * i, true, s);
        p.remove(101 + i);
        tree.sample(2 + 2 * i, true, s);
    }
    EXPECT_DOUBLE_EQ(s.tree_cpu_s, ticks(60, tree));
    EXPECT_EQ(tree.cpu_source(), "proc(ticks; auto-reaped children partly seen)");
    // A grandchild whose parent ignores SIGCHLD while the grandparent reaps normally.
    p.set(110, stat_line(110, 100, 5, 0, 0, 0));
    p.set(111, stat_line(111, 110, 7, 0, 0, 0));
    tree.sample(10, true, s);
    EXPECT_DOUBLE_EQ(s.tree_cpu_s, ticks(72, tree));
    p.remove(111);
    p.remove(110);
    p.set(100, stat_line(100, 1, 0, 0, 5, 0));  // 110's own 5 ticks only: 111 never reached its cutime
    tree.sample(11, true, s);
    tree.sample(12, true, s);
    EXPECT_DOUBLE_EQ(s.tree_cpu_s, ticks(72, tree));
}

// eco2 run is the subreaper: orphans reparented to it are found, and the exact rusage it reaps them with
// replaces their ticks (and covers their vanished descendants).
TEST(ProcessTree, OrphansOfTheSubreaperAreTrackedAndCountedFromTheirRusage) {
    FakeProc p;
    p.set(100, stat_line(100, 4242, 10, 0, 0, 0));
    ProcessTree tree = subreaped_tree(p, 100, 4242);
    TreeSample s;
    tree.sample(0, true, s);
    EXPECT_DOUBLE_EQ(s.tree_cpu_s, ticks(10, tree));
    // A double-forked daemon: its parent is gone, it was reparented to the subreaper.
    p.set(105, stat_line(105, 4242, 30, 0, 0, 0));
    p.set(106, stat_line(106, 105, 4, 0, 0, 0));
    tree.sample(1, true, s);
    EXPECT_TRUE(tracks(s, 105));
    EXPECT_TRUE(tracks(s, 106));
    EXPECT_DOUBLE_EQ(s.tree_cpu_s, ticks(44, tree));
    // Both end; the subreaper reaped 105 (which had reaped 106) with wait4: 0.4567 s in all.
    p.remove(106);
    p.remove(105);
    tree.sample(2, true, s);  // before the rusage arrives: their last ticks, waiting
    EXPECT_DOUBLE_EQ(s.tree_cpu_s, ticks(44, tree));
    tree.account_reaped(105, 0.4567);
    tree.sample(2.1, true, s);
    EXPECT_NEAR(s.tree_cpu_s, ticks(10, tree) + 0.4567, 1e-12);
    // An orphan that lived and died between two scans: its rusage is all we know, and it counts.
    tree.account_reaped(107, 0.25);
    tree.sample(3, true, s);
    EXPECT_NEAR(s.tree_cpu_s, ticks(10, tree) + 0.4567 + 0.25, 1e-12);
    EXPECT_EQ(tree.cpu_source(), "proc(ticks+wait4)");
}

TEST(ProcessTree, RootRusageReplacesItsTicksAndCoversItsVanishedChildren) {
    FakeProc p;
    p.set(100, stat_line(100, 4242, 10, 0, 0, 0));
    p.set(101, stat_line(101, 100, 20, 0, 0, 0));
    p.set(102, stat_line(102, 100, 5, 0, 0, 0));
    ProcessTree tree = subreaped_tree(p, 100, 4242);
    TreeSample s;
    tree.sample(0, true, s);
    EXPECT_DOUBLE_EQ(s.tree_cpu_s, ticks(35, tree));
    EXPECT_TRUE(tree.root_alive());
    // The command exits after reaping 101 (its time moves into the root's cutime); 102 is left running,
    // reparented to the subreaper. The subreaper reaps the root: 0.3141 s exactly, 101 included.
    p.remove(101);
    p.remove(100);
    p.set(102, stat_line(102, 4242, 9, 0, 0, 0));
    tree.account_reaped(100, 0.3141);
    tree.sample(1, true, s, true);
    EXPECT_NEAR(s.tree_cpu_s, 0.3141 + ticks(9, tree), 1e-12);
    EXPECT_FALSE(tree.root_alive());
    EXPECT_EQ(tree.others_alive(), 1);
}

TEST(ProcessTree, OrphanWhoseRusageNeverComesKeepsItsTicksOnce) {
    FakeProc p;
    p.set(100, stat_line(100, 4242, 0, 0, 0, 0));
    p.set(105, stat_line(105, 4242, 30, 0, 0, 0));
    ProcessTree tree = subreaped_tree(p, 100, 4242);
    TreeSample s;
    tree.sample(0, true, s);
    p.remove(105);
    tree.sample(1, true, s);
    tree.sample(2.5, true, s);  // given up after a second
    EXPECT_DOUBLE_EQ(s.tree_cpu_s, ticks(30, tree));
    tree.account_reaped(105, 0.31);  // too late: already counted with its ticks
    tree.sample(3, true, s);
    EXPECT_DOUBLE_EQ(s.tree_cpu_s, ticks(30, tree));
}

// Forked workers share their parent's pages: PSS counts each page once, RSS once per process.
TEST(ProcessTree, MemoryIsPssWhereSmapsRollupIsReadable) {
    FakeProc p;
    p.set(100, stat_line(100, 1, 0, 0, 0, 0, 1000, 'S', 1000));
    p.set(101, stat_line(101, 100, 0, 0, 0, 0, 1000, 'S', 1000));
    write_file(p.dir / "proc/100/smaps_rollup", "00400000-7fff [rollup]\nRss:  4000 kB\nPss:  2100 kB\n");
    write_file(p.dir / "proc/101/smaps_rollup", "00400000-7fff [rollup]\nRss:  4000 kB\nPss:  2000 kB\n");
    ProcessTree tree = p.tree(100);
    TreeSample s;
    tree.sample(0, true, s);
    EXPECT_DOUBLE_EQ(s.tree_rss_bytes, 4100.0 * 1024);
    EXPECT_EQ(tree.memory_source(), "PSS");
    // Read again only after pss_interval_s (1 s): the last values hold meanwhile.
    write_file(p.dir / "proc/101/smaps_rollup", "Pss:  3000 kB\n");
    tree.sample(0.5, true, s);
    EXPECT_DOUBLE_EQ(s.tree_rss_bytes, 4100.0 * 1024);
    tree.sample(1.0, true, s);
    EXPECT_DOUBLE_EQ(s.tree_rss_bytes, 5100.0 * 1024);
    // A worker forked from 101: its pages are shared, so everyone's PSS is read again soon (its RSS would
    // count them again).
    p.set(102, stat_line(102, 101, 0, 0, 0, 0, 1000, 'S', 1000));
    write_file(p.dir / "proc/101/smaps_rollup", "Pss:  1500 kB\n");
    write_file(p.dir / "proc/102/smaps_rollup", "Pss:  1500 kB\n");
    tree.sample(1.2, true, s);
    EXPECT_DOUBLE_EQ(s.tree_rss_bytes, 5100.0 * 1024);
    // Between reads, a process's RSS growth (memory it allocated) is added to its last PSS.
    p.set(100, stat_line(100, 1, 0, 0, 0, 0, 1000, 'S', 1256));  // +256 pages
    tree.sample(1.4, true, s);
    EXPECT_DOUBLE_EQ(s.tree_rss_bytes, 5100.0 * 1024 + 256.0 * static_cast<double>(::sysconf(_SC_PAGESIZE)));
}

TEST(ProcessTree, MemoryFromTheTreesOwnMemoryCgroup) {
    FakeProc p;
    p.set(100, stat_line(100, 1, 0, 0, 0, 0));
    write_file(p.dir / "sys/fs/cgroup/memory/run/memory.stat",
               "cache 900000\nrss 100\nmapped_file 7\ntotal_cache 900000\ntotal_rss 8192\ntotal_mapped_file 4096\n");
    ProcessTree::Options o{100, false, 256, {false, false}};
    o.memory_stat = p.dir / "sys/fs/cgroup/memory/run/memory.stat";
    o.memory_stat_v1 = true;
    ProcessTree tree(sys::FsRoot{p.dir / "proc", p.dir / "sys"}, o);
    TreeSample s;
    tree.sample(0, true, s);
    EXPECT_DOUBLE_EQ(s.tree_rss_bytes, 12288.0);
    EXPECT_EQ(tree.memory_source(), "cgroup memory");
}

TEST(ProcessTree, OwnCgroupCreatedForTheTreeCountsFromItsCreation) {
    FakeProc p;
    p.set(100, stat_line(100, 4242, 10, 0, 0, 0));
    write_file(p.dir / "sys/fs/cgroup/eco2-run-1/cpu.stat", "usage_usec 123456\n");
    write_file(p.dir / "sys/fs/cgroup/eco2-run-1/cgroup.procs", "100\n300\n301\n");  // 300, 301 not found yet
    ProcessTree::Options o{100, true, 256, {false, false}};
    o.subreaper = 4242;
    o.own_cgroup = p.dir / "sys/fs/cgroup/eco2-run-1";
    ProcessTree tree(sys::FsRoot{p.dir / "proc", p.dir / "sys"}, o);
    TreeSample s;
    tree.sample(0, true, s);
    ASSERT_EQ(tree.probe_cgroup().status, ProbeStatus::available);
    tree.sample(0.1, true, s);
    EXPECT_NEAR(s.tree_cpu_s, 0.123456, 1e-12);
    EXPECT_EQ(tree.cpu_source(), "cgroup(cpu.stat)");
    p.remove(100);
    write_file(p.dir / "sys/fs/cgroup/eco2-run-1/cgroup.procs", "300\n301\n");
    tree.sample(0.2, true, s, true);
    EXPECT_EQ(tree.others_alive(), 2);
}

namespace {
// eco2 run's tree: root 100 (child of eco2, 4242) and its children, in a cgroup v2 made for it.
struct RunCgroup {
    FakeProc p;
    std::filesystem::path dir = p.dir / "sys/fs/cgroup/eco2-run-1";
    explicit RunCgroup(int children) {
        p.set(100, stat_line(100, 4242, 10, 0, 0, 0));
        std::string procs = "100\n";
        for (int i = 0; i < children; ++i) {
            p.set(101 + i, stat_line(101 + i, 100, 1, 0, 0, 0, 1000, 'S', 10));
            procs += std::to_string(101 + i) + "\n";
        }
        write_file(dir / "cpu.stat", "usage_usec 1000000\n");  // more than the ticks say
        write_file(dir / "cgroup.procs", procs);
    }
    ProcessTree tree(bool memory_cgroup) {
        ProcessTree::Options o{100, true, 256, {false, false}};
        o.subreaper = 4242;
        o.own_cgroup = dir;
        if (memory_cgroup) {
            write_file(dir / "memory.stat", "anon 40960\nfile 9999\nfile_mapped 8192\n");
            o.memory_stat = dir / "memory.stat";
        }
        return ProcessTree(sys::FsRoot{p.dir / "proc", p.dir / "sys"}, o);
    }
};
}  // namespace

// The cgroup source's samples cost the same whatever the tree's size: cpu.stat and memory.stat only.
TEST(ProcessTree, CgroupSourceReadsNoProcessFileAfterTheProbe) {
    RunCgroup run(20);
    ProcessTree tree = run.tree(true);
    TreeSample s;
    tree.sample(0, true, s);
    EXPECT_FALSE(tree.counts_by_cgroup());
    ASSERT_EQ(tree.probe_cgroup().status, ProbeStatus::available);
    EXPECT_TRUE(tree.counts_by_cgroup());
    const std::uint64_t scans = tree.scans(), reads = tree.stat_reads();
    EXPECT_GE(reads, 21u);  // the first sample read the tree from /proc
    for (int i = 1; i <= 50; ++i) {
        write_file(run.dir / "cpu.stat", "usage_usec " + std::to_string(1000000 + i * 1000) + "\n");
        tree.sample(0.1 * i, true, s);
        EXPECT_NEAR(s.tree_cpu_s, 1.0 + i * 0.001, 1e-9);
    }
    EXPECT_EQ(tree.scans(), scans);
    EXPECT_EQ(tree.stat_reads(), reads);
    EXPECT_DOUBLE_EQ(s.tree_rss_bytes, 40960.0 + 8192.0);
    EXPECT_EQ(tree.memory_source(), "cgroup memory");
    EXPECT_EQ(tree.cpu_source(), "cgroup(cpu.stat)");
    // A reaped process's rusage is already in cpu.stat: not added again.
    tree.account_reaped(101, 5.0);
    tree.sample(5.1, true, s);
    EXPECT_NEAR(s.tree_cpu_s, 1.05, 1e-9);
}

// The processes, for the GPU process lists, come from cgroup.procs when asked (those no scan found included).
TEST(ProcessTree, CgroupSourceListsThePidsFromCgroupProcsWhenAsked) {
    RunCgroup run(2);
    ProcessTree tree = run.tree(true);
    TreeSample s;
    tree.sample(0, true, s);
    ASSERT_EQ(tree.probe_cgroup().status, ProbeStatus::available);
    write_file(run.dir / "cgroup.procs", "100\n102\n300\n");  // 101 exited, 300 is not in /proc
    tree.sample(0.1, true, s);
    const std::uint64_t reads = tree.stat_reads();
    tree.read_pids(s);
    EXPECT_EQ(s.pids, (std::vector<pid_t>{100, 102, 300}));
    EXPECT_EQ(tree.stat_reads(), reads);
    // The final sample reads the members: the root gone (reaped), two left running.
    write_file(run.dir / "cgroup.procs", "102\n300\n");
    tree.sample(0.2, false, s, true);
    EXPECT_EQ(s.pids, (std::vector<pid_t>{102, 300}));
    EXPECT_FALSE(tree.root_alive());
    EXPECT_EQ(tree.others_alive(), 2);
}

// pids_interval_s (the series' process count): the members are listed that often by sample() itself.
TEST(ProcessTree, CgroupSourceRefreshesThePidsAtPidsInterval) {
    RunCgroup run(1);
    ProcessTree::Options o{100, true, 256, {false, false}};
    o.own_cgroup = run.dir;
    o.pids_interval_s = 1.0;
    write_file(run.dir / "memory.stat", "anon 4096\nfile_mapped 0\n");
    o.memory_stat = run.dir / "memory.stat";
    ProcessTree tree(sys::FsRoot{run.p.dir / "proc", run.p.dir / "sys"}, o);
    TreeSample s;
    tree.sample(0, true, s);
    ASSERT_EQ(tree.probe_cgroup().status, ProbeStatus::available);
    write_file(run.dir / "cgroup.procs", "100\n101\n300\n");
    tree.sample(0.5, true, s);
    EXPECT_EQ(s.pids.size(), 2u);  // from the first (/proc) sample
    tree.sample(1.0, true, s);
    EXPECT_EQ(s.pids, (std::vector<pid_t>{100, 101, 300}));
}

// Without a memory cgroup the members' own files give the memory, at a lower rate; CPU time per sample still
// from cpu.stat alone.
TEST(ProcessTree, CgroupSourceWithoutMemoryCgroupReadsTheMembersAtALowerRate) {
    RunCgroup run(3);
    ProcessTree tree = run.tree(false);
    TreeSample s;
    tree.sample(0, true, s);
    ASSERT_EQ(tree.probe_cgroup().status, ProbeStatus::available);
    const double page = static_cast<double>(::sysconf(_SC_PAGESIZE));
    tree.sample(0.1, true, s);  // the first walk: the 4 members' stat
    std::uint64_t reads = tree.stat_reads();
    EXPECT_EQ(s.pids.size(), 4u);
    EXPECT_DOUBLE_EQ(s.tree_rss_bytes, (100.0 + 3 * 10.0) * page);  // no smaps_rollup in the fake: RSS
    run.p.set(101, stat_line(101, 100, 1, 0, 0, 0, 1000, 'S', 1010));
    for (int i = 2; i < 11; ++i) tree.sample(0.1 * i, true, s);  // up to 1.0 s: no walk
    EXPECT_EQ(tree.stat_reads(), reads);
    EXPECT_DOUBLE_EQ(s.tree_rss_bytes, 130.0 * page);
    tree.sample(1.15, true, s);
    EXPECT_EQ(tree.stat_reads(), reads + 4);
    EXPECT_DOUBLE_EQ(s.tree_rss_bytes, 1130.0 * page);
    // A member that exited leaves the walk; one that joined (only in cgroup.procs so far) is read.
    run.p.remove(103);
    run.p.set(200, stat_line(200, 4242, 0, 0, 0, 0, 2000, 'S', 5));
    write_file(run.dir / "cgroup.procs", "100\n101\n102\n200\n");
    tree.sample(2.2, true, s);
    EXPECT_EQ(s.pids, (std::vector<pid_t>{100, 101, 102, 200}));
    EXPECT_DOUBLE_EQ(s.tree_rss_bytes, (100.0 + 1010.0 + 10.0 + 5.0) * page);
    EXPECT_EQ(tree.scans(), 1u);  // never a /proc scan after the first sample
}
