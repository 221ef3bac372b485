#include "writers/jsonl_sink.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "eco2/error.hpp"
#include "writers/record_file.hpp"

namespace eco2::detail {
namespace {

using json = nlohmann::ordered_json;

json per_component(const ComponentJoules& v) { return json{{"cpu", v[0]}, {"gpu", v[1]}, {"ram", v[2]}}; }

// ISO 8601, UTC, milliseconds: "2026-12-01T22:15:03.250Z".
std::string utc_text(std::chrono::system_clock::time_point t) {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
    std::time_t secs = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    ::gmtime_r(&secs, &tm);
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                       tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
}

}  // namespace

// nlohmann's dump() formats numbers itself, with '.' whatever the locale.
void write_jsonl_start(std::ostream& out, const Result& r) {
    out << json{{"type", "start"},
                {"run_id", r.id},
                {"project_name", r.project_name},
                {"experiment_description", r.experiment_description},
                {"time", utc_text(r.start_time)},
                {"host", r.host},
                {"scope", std::string(to_string(r.scope))},
                {"cpu_source", r.cpu.source},
                {"gpu_source", r.gpu.source},
                {"ram_source", r.ram.source},
                {"pue", r.pue},
                {"region", r.region}}
               .dump();
}

void write_jsonl_tick(std::ostream& out, const Tick& t, std::string_view run_id) {
    json channels = json::array();
    for (const ChannelTick& c : t.channels)
        channels.push_back(json{{"id", c.id},
                                {"component", std::string(to_string(c.component))},
                                {"joules", c.joules},
                                {"watts", c.watts}});
    out << json{{"type", "tick"},
                {"run_id", run_id},
                {"index", t.index},
                {"t_s", t.t},
                {"interval_s", t.interval_s},
                {"time", utc_text(t.wall)},
                {"final", t.final},
                {"power_w", json{{"cpu", t.watts(Component::cpu)},
                                 {"gpu", t.watts(Component::gpu)},
                                 {"ram", t.watts(Component::ram)}}},
                {"interval_j", per_component(t.interval_j)},
                {"energy_j", per_component(t.total_j)},
                {"co2_kg", t.co2_kg},
                {"intensity_g_per_kwh", t.intensity_g_per_kwh},
                {"tree", json{{"cpu_s", t.tree_cpu_s}, {"rss_bytes", t.tree_rss_bytes}, {"processes", t.processes}}},
                {"channels", std::move(channels)}}
               .dump();
}

void write_jsonl_stop(std::ostream& out, const Result& r) {
    json j{{"type", "stop"},
           {"run_id", r.id},
           {"status", std::string(to_string(r.status))},
           {"duration_s", r.duration_s},
           {"energy_kwh", r.energy_kwh()},
           {"co2_kg", r.co2_kg},
           {"energy_j", json{{"cpu", r.cpu.joules}, {"gpu", r.gpu.joules}, {"ram", r.ram.joules}}},
           {"samples", r.samples}};
    if (r.exit_code) j["exit_code"] = *r.exit_code;
    out << j.dump();
}

JsonlSink::~JsonlSink() {
    if (m_fd >= 0) {
        flush();
        ::close(m_fd);
    }
}

namespace {

int open_for_append(const std::filesystem::path& path) {
    check_link_is_safe(path, "jsonl");
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0)
        throw Error(Errc::io_error,
                    fmt::format("cannot open {} for the JSON lines: {}; choose a file in an existing, "
                                "writable folder ({})",
                                path.string(), std::strerror(errno), mention("jsonl", "FILE")));
    return fd;
}

}  // namespace

JsonlSink::JsonlSink(std::filesystem::path path) : m_path(std::move(path)), m_fd(open_for_append(m_path)) {}

void JsonlSink::check_writable(const std::filesystem::path& path) {
    std::error_code ec;
    const bool existed = std::filesystem::exists(path, ec);
    ::close(open_for_append(path));
    if (!existed) std::filesystem::remove(path, ec);
}

void JsonlSink::start(const Result& initial) {
    m_run_id = initial.id;
    std::ostringstream s;
    write_jsonl_start(s, initial);
    line(s.str());
    flush();
}

void JsonlSink::line(const std::string& text) noexcept {
    try {
        m_held += text;
        m_held += '\n';
        ++m_held_lines;
    } catch (const std::bad_alloc&) {
        ++m_lost_lines;
        return;
    }
    if (m_held.size() >= HELD_BYTES) flush();
}

void JsonlSink::tick(const Tick& tick) noexcept {
    try {
        std::ostringstream s;
        write_jsonl_tick(s, tick, m_run_id);
        line(s.str());
    } catch (const std::exception&) {  // allocation: the line is lost and counted
        ++m_lost_lines;
    }
}

void JsonlSink::flush() noexcept {
    if (m_fd < 0 || m_held.empty()) return;
    // One write of whole lines with O_APPEND; a short write (full disk) is cut back so the file never ends in
    // a torn line, and the lines held are counted as lost.
    struct stat st{};
    const off_t before = ::fstat(m_fd, &st) == 0 ? st.st_size : -1;
    std::size_t done = 0;
    while (done < m_held.size()) {
        const ssize_t n = ::write(m_fd, m_held.data() + done, m_held.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            if (m_first_errno == 0) m_first_errno = n < 0 ? errno : ENOSPC;
            if (done > 0 && before >= 0 && ::ftruncate(m_fd, before) != 0) errno = 0;
            ++m_failed_writes;
            m_lost_lines += m_held_lines;
            break;
        }
        done += static_cast<std::size_t>(n);
    }
    m_held.clear();
    m_held_lines = 0;
}

void JsonlSink::stop(const Result& final_row) noexcept {
    try {
        std::ostringstream s;
        write_jsonl_stop(s, final_row);
        line(s.str());
    } catch (const std::exception&) {
        ++m_lost_lines;
    }
    flush();
    if (m_fd >= 0) ::close(m_fd);
    m_fd = -1;
}

std::vector<std::string> JsonlSink::failure() const {
    if (m_lost_lines == 0) return {};
    return {fmt::format("JSON lines {}: {} line{} not written: {}; the file holds only whole lines", m_path.string(),
                        m_lost_lines, m_lost_lines == 1 ? "" : "s",
                        m_first_errno != 0 ? std::strerror(m_first_errno) : "out of memory")};
}

}  // namespace eco2::detail
