// Every /proc and cgroup parser of src/sys/proc_parse on the same bytes: a fake tree (ECO2_PROC_ROOT) can
// hold anything. The noexcept ones must not crash; the others refuse only with eco2::Error.
#include "fuzz_target.hpp"
#include "sys/proc_parse.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text = eco2::fuzz::text_of(data, size);
    using namespace eco2::sys;
    (void)parse_pid_stat(text);
    (void)parse_proc_stat(text);
    (void)parse_meminfo(text);
    (void)parse_cpu_list_count(text);
    (void)parse_cpu_stat_usage_usec(text);
    (void)parse_loadavg_last_pid(text);
    (void)parse_status_nspid_count(text);
    eco2::fuzz::refused_only_as_documented([&] { (void)parse_cpuinfo(text); });
    eco2::fuzz::refused_only_as_documented([&] { (void)parse_cgroup_v2_path(text); });
    eco2::fuzz::refused_only_as_documented([&] { (void)parse_cgroup2_mount(text); });
    return 0;
}
