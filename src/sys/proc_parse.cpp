#include "sys/proc_parse.hpp"

#include <charconv>
#include <cstring>
#include <set>

#include "sys/text.hpp"

namespace eco2::sys {
namespace {

// Splits off the next space-separated token.
std::string_view next_token(std::string_view& s) noexcept {
    std::size_t i = 0;
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    std::size_t j = i;
    while (j < s.size() && s[j] != ' ' && s[j] != '\t' && s[j] != '\n') ++j;
    std::string_view tok = s.substr(i, j - i);
    s.remove_prefix(j);
    return tok;
}

template <typename T>
bool to_num(std::string_view tok, T& out) noexcept {
    if (tok.empty()) return false;
    auto [p, ec] = std::from_chars(tok.data(), tok.data() + tok.size(), out);
    return ec == std::errc{} && p == tok.data() + tok.size();
}

}  // namespace

std::optional<PidStat> parse_pid_stat(std::string_view text) noexcept {
    // Runs for every tracked process at each tree read: pointer loops and memrchr rather than string_view
    // searches and copies (~50 ns a line instead of ~500 ns).
    PidStat st;
    std::string_view head = text;
    if (!to_num(next_token(head), st.pid)) return std::nullopt;
    // comm is "(...)" and may hold spaces or ')': the fields resume after the last ')'.
    const void* close = ::memrchr(text.data(), ')', text.size());
    if (close == nullptr) return std::nullopt;
    const char* p = static_cast<const char*>(close) + 1;
    const char* const end = text.data() + text.size();
    // The kernel separates the fields with one space and ends the line with a newline.
    auto next = [&p, end]() noexcept {
        if (p == end || *p != ' ') return std::string_view();
        const char* first = ++p;
        while (p != end && *p != ' ' && *p != '\n') ++p;
        return std::string_view(first, static_cast<std::size_t>(p - first));
    };
    // Fields numbered as in proc(5): 3 state, 4 ppid, 14 utime, 15 stime, 16 cutime, 17 cstime,
    // 22 starttime, 24 rss.
    std::string_view tok = next();
    if (tok.size() != 1) return std::nullopt;
    st.state = tok[0];
    for (int field = 4; field <= 24; ++field) {
        tok = next();
        if (tok.empty()) return std::nullopt;
        bool ok = true;
        long long signed_value = 0;
        switch (field) {
            case 4: ok = to_num(tok, st.ppid); break;
            case 14: ok = to_num(tok, st.utime); break;
            case 15: ok = to_num(tok, st.stime); break;
            case 16: ok = to_num(tok, signed_value); st.cutime = signed_value > 0 ? signed_value : 0; break;
            case 17: ok = to_num(tok, signed_value); st.cstime = signed_value > 0 ? signed_value : 0; break;
            case 22: ok = to_num(tok, st.starttime); break;
            case 24: ok = to_num(tok, signed_value); st.rss_pages = signed_value > 0 ? signed_value : 0; break;
            default: break;
        }
        if (!ok) return std::nullopt;
    }
    return st;
}

std::optional<CpuTimes> parse_proc_stat(std::string_view text) noexcept {
    std::string_view line = text.substr(0, text.find('\n'));
    if (next_token(line) != "cpu") return std::nullopt;
    std::uint64_t v[8] = {};
    for (int i = 0; i < 8; ++i) {
        std::string_view tok = next_token(line);
        if (tok.empty()) {
            if (i < 4) return std::nullopt;  // very old kernels have 4 fields
            break;
        }
        if (!to_num(tok, v[i])) return std::nullopt;
    }
    // user nice system idle iowait irq softirq steal (guest and guest_nice are already inside user and nice).
    // Steal is time a virtual CPU wanted to run while the hypervisor ran something else: no instruction of
    // this machine ran, so it is not busy time (nor idle: it is left out of both).
    CpuTimes t;
    t.busy = v[0] + v[1] + v[2] + v[5] + v[6];
    t.idle = v[3] + v[4];
    t.steal = v[7];
    return t;
}

std::optional<MemInfo> parse_meminfo(std::string_view text) noexcept {
    MemInfo m;
    bool have_total = false, have_avail = false;
    while (!text.empty()) {
        std::size_t eol = text.find('\n');
        std::string_view line = text.substr(0, eol);
        text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
        std::size_t colon = line.find(':');
        if (colon == std::string_view::npos) continue;
        std::string_view key = line.substr(0, colon);
        std::string_view rest = line.substr(colon + 1);
        std::uint64_t kib = 0;
        if (key == "MemTotal" && to_num(next_token(rest), kib)) {
            m.total = kib * 1024;
            have_total = true;
        } else if (key == "MemAvailable" && to_num(next_token(rest), kib)) {
            m.available = kib * 1024;
            have_avail = true;
        }
    }
    if (!have_total || !have_avail) return std::nullopt;
    return m;
}

CpuInfo parse_cpuinfo(std::string_view text) {
    CpuInfo info;
    std::set<std::string> physical_ids;
    while (!text.empty()) {
        std::size_t eol = text.find('\n');
        std::string_view line = text.substr(0, eol);
        text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
        std::size_t colon = line.find(':');
        if (colon == std::string_view::npos) continue;
        std::string_view key = trim(line.substr(0, colon));
        std::string_view value = trim(line.substr(colon + 1));
        if (key == "processor") {
            ++info.logical;
        } else if ((key == "model name" || key == "Model" || key == "cpu model") && info.model_name.empty()) {
            info.model_name = std::string(value);
        } else if (key == "physical id") {
            physical_ids.emplace(value);
        }
    }
    info.sockets = physical_ids.empty() ? 1 : static_cast<int>(physical_ids.size());
    return info;
}

std::optional<int> parse_cpu_list_count(std::string_view text) noexcept {
    text = trim(text.substr(0, text.find('\n')));
    if (text.empty()) return std::nullopt;
    // Summed in 64 bits and bounded: a hostile list ("0-2147483646,0-2147483646") must not overflow an int.
    constexpr long long MAX_CPUS = 1 << 22;
    long long count = 0;
    while (!text.empty()) {
        std::size_t comma = text.find(',');
        std::string_view part = text.substr(0, comma);
        text.remove_prefix(comma == std::string_view::npos ? text.size() : comma + 1);
        std::size_t dash = part.find('-');
        int a = 0, b = 0;
        if (dash == std::string_view::npos) {
            if (!to_num(part, a)) return std::nullopt;
            b = a;
        } else if (!to_num(part.substr(0, dash), a) || !to_num(part.substr(dash + 1), b) || b < a) {
            return std::nullopt;
        }
        count += static_cast<long long>(b) - a + 1;
        if (count > MAX_CPUS) return std::nullopt;
    }
    return static_cast<int>(count);
}

std::optional<std::string> parse_cgroup_v2_path(std::string_view text) {
    while (!text.empty()) {
        std::size_t eol = text.find('\n');
        std::string_view line = text.substr(0, eol);
        text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
        if (line.substr(0, 3) == "0::") return std::string(line.substr(3));
    }
    return std::nullopt;
}

namespace {
// Cuts the first line (without its '\n') off text.
std::string_view next_line(std::string_view& text) noexcept {
    std::size_t eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
    return line;
}

bool has_item(std::string_view list, std::string_view item) {
    while (!list.empty()) {
        std::size_t comma = list.find(',');
        if (list.substr(0, comma) == item) return true;
        list.remove_prefix(comma == std::string_view::npos ? list.size() : comma + 1);
    }
    return false;
}

// The mount point of the first mountinfo line of file system `type` whose super options name `controller`
// (empty: any). "36 25 0:31 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw": field 5 is the mount point; the
// type, the source and the super options follow the " - " separator.
std::optional<std::string> find_mount(std::string_view text, std::string_view type, std::string_view controller) {
    while (!text.empty()) {
        std::string_view line = next_line(text);
        std::size_t sep = line.find(" - ");
        if (sep == std::string_view::npos) continue;
        std::string_view after = line.substr(sep + 3);
        if (next_token(after) != type) continue;
        next_token(after);  // source
        if (!controller.empty() && !has_item(next_token(after), controller)) continue;
        std::string_view fields = line.substr(0, sep);
        std::string_view mount;
        for (int i = 0; i < 5; ++i) mount = next_token(fields);
        if (!mount.empty()) return std::string(mount);
    }
    return std::nullopt;
}
}  // namespace

std::optional<std::string> parse_cgroup2_mount(std::string_view text) { return find_mount(text, "cgroup2", {}); }

std::optional<std::string> parse_cgroup_v1_path(std::string_view text, std::string_view controller) {
    while (!text.empty()) {
        std::string_view line = next_line(text);
        std::size_t c1 = line.find(':');
        std::size_t c2 = c1 == std::string_view::npos ? c1 : line.find(':', c1 + 1);
        if (c2 == std::string_view::npos) continue;
        if (has_item(line.substr(c1 + 1, c2 - c1 - 1), controller)) return std::string(line.substr(c2 + 1));
    }
    return std::nullopt;
}

std::optional<std::string> parse_cgroup1_mount(std::string_view text, std::string_view controller) {
    return find_mount(text, "cgroup", controller);
}

std::optional<std::uint64_t> parse_cpu_stat_usage_usec(std::string_view text) noexcept {
    while (!text.empty()) {
        std::size_t eol = text.find('\n');
        std::string_view line = text.substr(0, eol);
        text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
        std::string_view key = next_token(line);
        if (key == "usage_usec") {
            std::uint64_t v = 0;
            if (to_num(next_token(line), v)) return v;
            return std::nullopt;
        }
    }
    return std::nullopt;
}

std::optional<std::uint64_t> parse_smaps_rollup_pss(std::string_view text) noexcept {
    while (!text.empty()) {
        std::size_t eol = text.find('\n');
        std::string_view line = text.substr(0, eol);
        text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
        if (next_token(line) != "Pss:") continue;
        std::uint64_t kb = 0;
        if (!to_num(next_token(line), kb) || next_token(line) != "kB") return std::nullopt;
        return kb * 1024;
    }
    return std::nullopt;
}

std::optional<std::uint64_t> parse_memory_stat_resident(std::string_view text, bool v1) noexcept {
    const std::string_view anon_key = v1 ? "total_rss" : "anon";
    const std::string_view mapped_key = v1 ? "total_mapped_file" : "file_mapped";
    std::optional<std::uint64_t> anon, mapped;
    while (!text.empty()) {
        std::size_t eol = text.find('\n');
        std::string_view line = text.substr(0, eol);
        text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
        std::string_view key = next_token(line);
        std::uint64_t v = 0;
        if (key != anon_key && key != mapped_key) continue;
        if (!to_num(next_token(line), v)) return std::nullopt;
        (key == anon_key ? anon : mapped) = v;
    }
    if (!anon || !mapped) return std::nullopt;
    return *anon + *mapped;
}

std::optional<std::uint64_t> parse_loadavg_last_pid(std::string_view text) noexcept {
    std::string_view line = text.substr(0, text.find('\n'));
    std::string_view last;
    for (int field = 0; field < 5; ++field) last = next_token(line);
    std::uint64_t pid = 0;
    if (!next_token(line).empty() || !to_num(last, pid)) return std::nullopt;
    return pid;
}

std::optional<int> parse_status_nspid_count(std::string_view text) noexcept {
    while (!text.empty()) {
        std::size_t eol = text.find('\n');
        std::string_view line = text.substr(0, eol);
        text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
        if (next_token(line) != "NSpid:") continue;
        int count = 0;
        for (std::string_view tok = next_token(line); !tok.empty(); tok = next_token(line)) {
            std::uint64_t pid = 0;
            if (!to_num(tok, pid)) return std::nullopt;
            ++count;
        }
        return count > 0 ? std::optional<int>(count) : std::nullopt;
    }
    return std::nullopt;
}

}  // namespace eco2::sys
