#include "sys/proc_parse.hpp"
#include "sys/fs_root.hpp"
#include "sys/text.hpp"

#include <gtest/gtest.h>

using namespace eco2::sys;

TEST(ProcParse, PidStatWithSpacesAndParensInComm) {
    auto st = parse_pid_stat(
        "4242 (my (odd) prog) S 17 4242 4242 0 -1 4194560 100 0 0 0 250 50 30 20 20 0 3 0 123456 "
        "1000000 789 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n");
    ASSERT_TRUE(st);
    EXPECT_EQ(st->pid, 4242);
    EXPECT_EQ(st->state, 'S');
    EXPECT_EQ(st->ppid, 17);
    EXPECT_EQ(st->utime, 250u);
    EXPECT_EQ(st->stime, 50u);
    EXPECT_EQ(st->cutime, 30u);
    EXPECT_EQ(st->cstime, 20u);
    EXPECT_EQ(st->total_ticks(), 350u);
    EXPECT_EQ(st->starttime, 123456u);
    EXPECT_EQ(st->rss_pages, 789u);
}

TEST(ProcParse, PidStatRejectsTruncated) {
    EXPECT_FALSE(parse_pid_stat("12 (x) S 1 2 3"));
    EXPECT_FALSE(parse_pid_stat("garbage"));
    EXPECT_FALSE(parse_pid_stat(""));
}

TEST(ProcParse, ProcStatBusyExcludesIdleIowaitAndSteal) {
    auto t = parse_proc_stat("cpu  100 5 50 1000 20 3 2 1 7 0\ncpu0 1 2 3 4 5 6 7 8 9 10\n");
    ASSERT_TRUE(t);
    EXPECT_EQ(t->busy, 100u + 5 + 50 + 3 + 2);  // guest (7) is inside user already
    EXPECT_EQ(t->idle, 1020u);
    EXPECT_EQ(t->steal, 1u);
    // A VM whose host is busy: steal grows, busy does not.
    auto stolen = parse_proc_stat("cpu  100 5 50 1000 20 3 2 900 7 0\n");
    ASSERT_TRUE(stolen);
    EXPECT_EQ(stolen->busy, t->busy);
    EXPECT_EQ(stolen->steal, 900u);
    // Kernels before 2.6.11 have no steal field.
    auto old = parse_proc_stat("cpu  100 5 50 1000 20 3 2\n");
    ASSERT_TRUE(old);
    EXPECT_EQ(old->busy, 160u);
    EXPECT_EQ(old->steal, 0u);
    EXPECT_FALSE(parse_proc_stat("cpu0 1 2 3 4\n"));
}

TEST(ProcParse, MemInfoInBytes) {
    auto m = parse_meminfo("MemTotal:       16384 kB\nMemFree:  100 kB\nMemAvailable:    4096 kB\n");
    ASSERT_TRUE(m);
    EXPECT_EQ(m->total, 16384u * 1024);
    EXPECT_EQ(m->used(), (16384u - 4096u) * 1024);
    EXPECT_FALSE(parse_meminfo("MemTotal: 1 kB\n"));
}

TEST(ProcParse, CpuInfoCountsSocketsAndProcessors) {
    auto info = parse_cpuinfo(
        "processor\t: 0\nmodel name\t: Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz\nphysical id\t: 0\n\n"
        "processor\t: 1\nmodel name\t: Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz\nphysical id\t: 1\n\n"
        "processor\t: 2\nmodel name\t: Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz\nphysical id\t: 1\n");
    EXPECT_EQ(info.model_name, "Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz");
    EXPECT_EQ(info.logical, 3);
    EXPECT_EQ(info.sockets, 2);
    EXPECT_EQ(parse_cpuinfo("processor : 0\n").sockets, 1);
}

TEST(ProcParse, CpuListCount) {
    EXPECT_EQ(parse_cpu_list_count("0-3,8,10-11\n"), 7);
    EXPECT_EQ(parse_cpu_list_count("0\n"), 1);
    EXPECT_FALSE(parse_cpu_list_count("3-1"));
    // Found by the proc fuzz target: the sum overflowed an int (UBSan). Refused beyond 4 Mi CPUs.
    EXPECT_FALSE(parse_cpu_list_count("8-1170070073,6-1174751306\n"));
    EXPECT_FALSE(parse_cpu_list_count("0-2147483646,0-2147483646"));
    EXPECT_EQ(parse_cpu_list_count("0-4194303"), 4194304);
    EXPECT_FALSE(parse_cpu_list_count(""));
}

TEST(ProcParse, CgroupV2) {
    EXPECT_EQ(parse_cgroup_v2_path("4:memory:/x\n0::/user.slice/job\n"), "/user.slice/job");
    EXPECT_FALSE(parse_cgroup_v2_path("4:memory:/x\n"));
    EXPECT_EQ(parse_cpu_stat_usage_usec("usage_usec 123456\nuser_usec 1\n"), 123456u);
}

TEST(ProcParse, LoadavgLastPid) {
    EXPECT_EQ(parse_loadavg_last_pid("0.20 0.18 0.12 1/80 11206\n"), 11206u);
    EXPECT_EQ(parse_loadavg_last_pid("0.00 0.00 0.00 0/1 0"), 0u);
    EXPECT_FALSE(parse_loadavg_last_pid("0.20 0.18 0.12 1/80\n"));
    EXPECT_FALSE(parse_loadavg_last_pid("0.20 0.18 0.12 1/80 11206 7\n"));
    EXPECT_FALSE(parse_loadavg_last_pid("0.20 0.18 0.12 1/80 x\n"));
    EXPECT_FALSE(parse_loadavg_last_pid(""));
}

TEST(ProcParse, StatusNspidCountsNamespaceLevels) {
    EXPECT_EQ(parse_status_nspid_count("Name:\tbash\nTgid:\t4242\nNSpid:\t4242\nNSpgid:\t4242\n"), 1);
    EXPECT_EQ(parse_status_nspid_count("Name:\tsh\nNSpid:\t91234\t17\t1\nNSpgid:\t1\n"), 3);
    EXPECT_FALSE(parse_status_nspid_count("Name:\tsh\nPid:\t4242\n"));  // before Linux 4.1
    EXPECT_FALSE(parse_status_nspid_count("NSpid:\n"));
}

TEST(ProcParse, Cgroup2MountAndSysfsMapping) {
    EXPECT_EQ(parse_cgroup2_mount("22 1 0:21 / /proc rw - proc proc rw\n"
                                  "40 30 0:35 / /sys/fs/cgroup/unified rw,nosuid shared:9 - cgroup2 cgroup2 rw\n"),
              "/sys/fs/cgroup/unified");
    EXPECT_FALSE(parse_cgroup2_mount("22 1 0:21 / /proc rw - proc proc rw\n"));
    eco2::sys::FsRoot root{"/x/proc", "/x/sys"};
    EXPECT_EQ(root.map_sys_mount("/sys/fs/cgroup"), std::filesystem::path("/x/sys/fs/cgroup"));
    EXPECT_TRUE(root.map_sys_mount("/system").empty());
    EXPECT_TRUE(root.map_sys_mount("/mnt/cgroup").empty());
}

TEST(Text, EditDistanceCountsATranspositionAsOne) {
    using eco2::sys::edit_distance;
    EXPECT_EQ(edit_distance("Frnace", "France"), 1u);
    EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
    EXPECT_EQ(edit_distance("", "abc"), 3u);
    EXPECT_EQ(edit_distance("same", "same"), 0u);
}

TEST(ProcParse, CgroupV1ControllerPathAndMount) {
    const char* cgroup = "9:name=systemd:/\n4:memory:/process_api/eb2c\n2:cpu,cpuacct:/x\n0::/\n";
    EXPECT_EQ(parse_cgroup_v1_path(cgroup, "memory"), "/process_api/eb2c");
    EXPECT_EQ(parse_cgroup_v1_path(cgroup, "cpuacct"), "/x");
    EXPECT_FALSE(parse_cgroup_v1_path(cgroup, "pids"));
    EXPECT_FALSE(parse_cgroup_v1_path("0::/user.slice\n", "memory"));  // pure v2
    const char* mountinfo =
        "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
        "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
        "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";
    EXPECT_EQ(parse_cgroup1_mount(mountinfo, "memory"), "/sys/fs/cgroup/memory");
    EXPECT_EQ(parse_cgroup2_mount(mountinfo), "/sys/fs/cgroup/unified");
    EXPECT_FALSE(parse_cgroup1_mount(mountinfo, "pids"));
}

TEST(ProcParse, SmapsRollupPss) {
    EXPECT_EQ(parse_smaps_rollup_pss("00400000-7ffd [rollup]\nRss:     4096 kB\nPss:     1234 kB\nPss_Anon: 1 kB\n"),
              1234u * 1024);
    EXPECT_FALSE(parse_smaps_rollup_pss("Rss: 4 kB\n"));
    EXPECT_FALSE(parse_smaps_rollup_pss(""));  // a zombie's
}

TEST(ProcParse, MemoryStatResidentCountsEachPageOnceWithoutPageCache) {
    EXPECT_EQ(parse_memory_stat_resident("anon 1000\nfile 900000\nkernel 5\nfile_mapped 24\nshmem 8\n", false), 1024u);
    EXPECT_EQ(parse_memory_stat_resident("cache 5\nrss 1\nmapped_file 1\ntotal_cache 900\ntotal_rss 4000\n"
                                         "total_mapped_file 96\n",
                                         true),
              4096u);
    EXPECT_FALSE(parse_memory_stat_resident("anon 1000\n", false));
}
