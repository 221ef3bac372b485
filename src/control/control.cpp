#include "control/control.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <variant>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "eco2/error.hpp"
#include "sys/text.hpp"
#include "writers/csv_writer.hpp"  // param_text

namespace eco2::detail {
namespace {

std::variant<double, std::int64_t, std::string> value_of(std::string_view text) {
    std::int64_t i = 0;  // "32" stays an integer, "32.0" a float: the epoch text shows which (as Python does)
    auto [ip, iec] = std::from_chars(text.data(), text.data() + text.size(), i);
    if (iec == std::errc{} && ip == text.data() + text.size() && !text.empty()) return i;
    double d = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), d);
    if (ec == std::errc{} && p == text.data() + text.size() && !text.empty()) return d;
    return std::string(text);
}

[[noreturn]] void bad(const std::string& what, std::string_view line) {
    throw Error(Errc::invalid_argument,
                fmt::format("bad control line '{}': {} (expected e.g. 'epoch loss=0.31' or 'work items=512')",
                            sys::printable(line), what));
}

void set_work_field(Work& w, std::string_view key, double v, std::string_view line) {
    const bool count = key == "items" || key == "flops";
    if (count && !(std::isfinite(v) && v >= 0))
        bad(fmt::format("{}={} must be a finite number >= 0", key, v), line);
    if (key == "error_rate" && !(v >= 0 && v <= 1))
        bad(fmt::format("error_rate={} must be within 0..1 (1 - accuracy)", v), line);
    if (key == "items") w.items = v;
    else if (key == "error_rate") w.error_rate = v;
    else if (key == "flops") w.flops = v;
    else bad("unknown work field '" + sys::printable(key) + "' (items, error_rate, flops)", line);
}

// Keys and text values end up in the records file and its JSON column: UTF-8 without control characters
// (a NUL or a newline would corrupt a CSV row; the channel itself is one line per mark).
void check_text(std::string_view what, std::string_view text, std::string_view line) {
    if (!sys::valid_utf8(text)) bad(fmt::format("{} '{}' is not valid UTF-8", what, sys::printable(text)), line);
    for (char c : text)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
            bad(fmt::format("{} '{}' holds a control character", what, sys::printable(text)), line);
}

Mark parse_json(std::string_view line) {
    nlohmann::ordered_json j = nlohmann::ordered_json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) bad("not a JSON object", line);
    const auto mark = j.find("mark");
    if (mark == j.end() || !mark->is_string()) bad("\"mark\" must be the string \"epoch\" or \"work\"", line);
    const std::string kind = mark->get<std::string>();
    if (kind == "epoch") {
        EpochMark m;
        if (j.contains("params")) {
            if (!j["params"].is_object()) bad("params must be an object", line);
            for (auto& [k, v] : j["params"].items()) {
                check_text("parameter name", k, line);
                if (v.is_number_integer() && (!v.is_number_unsigned() || v.get<std::uint64_t>() <= INT64_MAX))
                    m.params.push_back({k, v.get<std::int64_t>()});
                else if (v.is_number()) m.params.push_back({k, v.get<double>()});
                else if (v.is_string()) {
                    check_text("parameter " + k, v.get_ref<const std::string&>(), line);
                    m.params.push_back({k, v.get<std::string>()});
                } else {
                    m.params.push_back({k, v.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace)});
                    check_text("parameter " + k, std::get<std::string>(m.params.back().value), line);
                }
            }
        }
        return m;
    }
    if (kind == "work") {
        WorkMark m;
        for (auto& [k, v] : j.items()) {
            if (k == "mark") continue;
            if (!v.is_number()) bad("work field '" + k + "' must be a number", line);
            set_work_field(m.work, k, v.get<double>(), line);
        }
        return m;
    }
    bad("unknown mark '" + sys::printable(kind) + "' (epoch or work)", line);
}

}  // namespace

Mark parse_mark(std::string_view line) {
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
    while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
    if (line.size() > CONTROL_LINE_MAX) bad("longer than 4096 bytes", line);
    if (!line.empty() && line.front() == '{') {
        try {
            return parse_json(line);
        } catch (const nlohmann::json::exception& e) {  // none expected: the documented error is eco2::Error
            bad(e.what(), line);
        }
    }
    std::vector<std::string_view> words;
    for (std::size_t i = 0; i < line.size();) {
        std::size_t j = line.find(' ', i);
        if (j == std::string_view::npos) j = line.size();
        if (j > i) words.push_back(line.substr(i, j - i));
        i = j + 1;
    }
    if (words.empty()) bad("empty", line);
    if (words[0] != "epoch" && words[0] != "work") bad("unknown mark '" + sys::printable(words[0]) + "'", line);
    EpochMark epoch;
    WorkMark work;
    for (std::size_t i = 1; i < words.size(); ++i) {
        std::size_t eq = words[i].find('=');
        if (eq == std::string_view::npos || eq == 0) bad("'" + sys::printable(words[i]) + "' is not key=value", line);
        std::string_view key = words[i].substr(0, eq), text = words[i].substr(eq + 1);
        check_text("parameter name", key, line);
        check_text("parameter " + std::string(key), text, line);
        auto value = value_of(text);
        if (words[0] == "epoch") {
            epoch.params.push_back({std::string(key), value});
        } else {
            if (std::holds_alternative<std::string>(value))
                bad("work field '" + sys::printable(key) + "' must be a number", line);
            const double d = std::visit(
                [](const auto& v) -> double {
                    if constexpr (std::is_same_v<std::decay_t<decltype(v)>, std::string>) return 0.0;
                    else return static_cast<double>(v);
                },
                value);
            set_work_field(work.work, key, d, line);
        }
    }
    if (words[0] == "epoch") return epoch;
    return work;
}

std::string format_mark_line(std::string_view kind, const EpochParams& params) {
    std::string line(kind);
    for (const auto& p : params) {
        line += ' ';
        line += p.key;
        line += '=';
        line += param_text(p.value);  // "1.0" stays a float and "32" an integer when read back
    }
    line += '\n';
    return line;
}

namespace {

// A run killed with SIGKILL leaves its control directory behind: remove ours (same user) whose owner, the pid
// in the name, no longer exists. A reused pid only keeps a stale directory a while longer.
void remove_stale_control_dirs(const std::filesystem::path& tmp) noexcept {
    std::error_code ec;
    std::filesystem::directory_iterator it(tmp, ec), end;
    for (; !ec && it != end; it.increment(ec)) {
        const std::string name = it->path().filename().string();
        constexpr std::string_view PREFIX = "eco2-control-";
        if (name.compare(0, PREFIX.size(), PREFIX) != 0) continue;
        const char* first = name.data() + PREFIX.size();
        const char* last = name.data() + name.size();
        long pid = 0;
        auto [p, perr] = std::from_chars(first, last, pid);
        if (perr != std::errc{} || p == first || p == last || *p != '-' || pid <= 0) continue;
        if (::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;  // alive (or not ours to ask)
        const int dir = ::open(it->path().c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dir < 0) continue;
        struct stat st{}, fifo{};
        if (::fstat(dir, &st) == 0 && st.st_uid == ::getuid() &&
            ::fstatat(dir, "control", &fifo, AT_SYMLINK_NOFOLLOW) == 0 && S_ISFIFO(fifo.st_mode))
            ::unlinkat(dir, "control", 0);
        ::close(dir);
        ::rmdir(it->path().c_str());  // only when empty: anything else in it stays
    }
}

}  // namespace

ControlFifo::ControlFifo() {
    const auto tmp = std::filesystem::temp_directory_path();
    remove_stale_control_dirs(tmp);
    std::string templ = (tmp / ("eco2-control-" + std::to_string(::getpid()) + "-XXXXXX")).string();
    if (::mkdtemp(templ.data()) == nullptr)
        throw Error(Errc::io_error, std::string("cannot create the control directory: ") + std::strerror(errno));
    m_dir = templ;
    m_path = m_dir / "control";
    if (::mkfifo(m_path.c_str(), 0600) != 0) {
        int err = errno;
        ::rmdir(m_dir.c_str());
        throw Error(Errc::io_error, std::string("cannot create the control FIFO: ") + std::strerror(err));
    }
    m_read_fd = ::open(m_path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    // Our own writer keeps the FIFO from reporting end-of-file between two writers.
    m_keep_fd = m_read_fd >= 0 ? ::open(m_path.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC) : -1;
    if (m_read_fd < 0 || m_keep_fd < 0) {
        int err = errno;
        cleanup();
        throw Error(Errc::io_error, std::string("cannot open the control FIFO: ") + std::strerror(err));
    }
}

ControlFifo::~ControlFifo() { cleanup(); }

void ControlFifo::cleanup() noexcept {
    if (m_keep_fd >= 0) ::close(m_keep_fd);
    if (m_read_fd >= 0) ::close(m_read_fd);
    m_keep_fd = m_read_fd = -1;
    if (!m_path.empty()) ::unlink(m_path.c_str());
    if (!m_dir.empty()) ::rmdir(m_dir.c_str());
    m_path.clear();
    m_dir.clear();
}

bool ControlFifo::drain(const std::function<void(std::string_view)>& on_line, bool last) {
    char buf[8192];
    bool any = false;
    for (;;) {
        ssize_t n = ::read(m_read_fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        any = true;
        m_pending.append(buf, static_cast<std::size_t>(n));
    }
    std::size_t start = 0;
    for (std::size_t nl; (nl = m_pending.find('\n', start)) != std::string::npos; start = nl + 1)
        on_line(std::string_view(m_pending).substr(start, nl - start));
    m_pending.erase(0, start);
    if (last && !m_pending.empty()) {
        on_line(m_pending);
        m_pending.clear();
    }
    if (m_pending.size() > CONTROL_LINE_MAX) m_pending.clear();  // a runaway line without newline
    return any;
}

void write_control_line(const std::filesystem::path& path, std::string_view line) {
    if (line.size() > CONTROL_LINE_MAX)
        throw Error(Errc::invalid_argument, "control line longer than 4096 bytes: shorten the parameters");
    int fd = ::open(path.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        throw Error(Errc::io_error,
                    fmt::format("cannot open the control channel {}: {} (is this running under `eco2 run`?)",
                                path.string(), std::strerror(errno)));
    }
    // Only ever a FIFO: ECO2_CONTROL naming a regular file or a device must not get a line written into it.
    struct stat st{};
    if (::fstat(fd, &st) != 0 || !S_ISFIFO(st.st_mode)) {
        ::close(fd);
        throw Error(Errc::io_error,
                    fmt::format("the control channel {} is not a FIFO: nothing written (ECO2_CONTROL is set by "
                                "`eco2 run`; unset it or run under `eco2 run`)",
                                path.string()));
    }
    ssize_t n = ::write(fd, line.data(), line.size());
    int err = errno;
    ::close(fd);
    if (n != static_cast<ssize_t>(line.size()))
        throw Error(Errc::io_error, fmt::format("cannot write to the control channel: {}", std::strerror(err)));
}

}  // namespace eco2::detail
