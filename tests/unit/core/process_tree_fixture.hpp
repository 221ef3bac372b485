#pragma once
// The fake /proc of the ProcessTree tests (process_tree_test.cpp, process_tree_cgroup_test.cpp).

#include <algorithm>
#include <filesystem>
#include <string>

#include "../test_util.hpp"
#include "core/process_tree.hpp"

namespace eco2::test {

using detail::MachineFields;
using detail::ProcessTree;
using detail::TreeSample;

// A /proc/<pid>/stat line with the fields ProcessTree reads (times in ticks).
inline std::string stat_line(int pid, int ppid, int utime, int stime, int cutime, int cstime, int starttime = 1000,
                      char state = 'S', int rss = 100) {
    return std::to_string(pid) + " (job) " + state + " " + std::to_string(ppid) +
           " 1 1 0 -1 0 0 0 0 0 " + std::to_string(utime) + " " + std::to_string(stime) + " " +
           std::to_string(cutime) + " " + std::to_string(cstime) + " 20 0 1 0 " + std::to_string(starttime) +
           " 1000000 " + std::to_string(rss) + " 0 0 0\n";
}

struct FakeProc {
    TempDir dir;
    FakeProc() {
        write_file(dir / "proc/stat", "cpu  1000 0 0 9000 0 0 0 0 0 0\n");
        write_file(dir / "proc/meminfo", "MemTotal: 1000 kB\nMemAvailable: 400 kB\n");
    }
    void set(int pid, const std::string& line) { write_file(dir / ("proc/" + std::to_string(pid) + "/stat"), line); }
    // A reaped process: its stat reads empty (like ESRCH on a live system) and then its directory goes.
    void remove(int pid) {
        set(pid, "");
        std::filesystem::remove_all(dir / ("proc/" + std::to_string(pid)));
    }
    ProcessTree tree(int root, MachineFields machine = {true, true}) {
        return ProcessTree(sys::FsRoot{dir / "proc", dir / "sys"},
                           ProcessTree::Options{root, false, 256, machine});
    }
    // /proc/loadavg's last allocated pid, and a /proc/self/status that puts us in procfs's pid namespace
    // (nspid_levels = 1; more: procfs belongs to a namespace above ours).
    void set_last_pid(int pid, int nspid_levels = 1) {
        write_file(dir / "proc/loadavg", "0.10 0.20 0.30 1/90 " + std::to_string(pid) + "\n");
        std::string nspid = "NSpid:";
        for (int i = 0; i < nspid_levels; ++i) {
            nspid += '\t';  // appended apart: GCC 12 warns falsely (-Wrestrict) on "\t" + std::string
            nspid += std::to_string(4242 - i);
        }
        write_file(dir / "proc/self/status", "Name:\teco2\nPid:\t4242\n" + nspid + "\n");
    }
};

inline bool tracks(const TreeSample& s, pid_t pid) {
    return std::find(s.pids.begin(), s.pids.end(), pid) != s.pids.end();
}

inline double ticks(double n, const ProcessTree& t) { return n / t.ticks_per_second(); }


}  // namespace eco2::test
