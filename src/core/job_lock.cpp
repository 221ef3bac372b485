#include "core/job_lock.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstring>
#include <new>

#include "core/job.hpp"
#include "eco2/error.hpp"

namespace eco2::detail {

bool is_node_channel(const Channel& ch, Scope scope) noexcept {
    if (scope == Scope::machine) return true;
    const std::string_view id = ch.id;
    return ch.attribution == Attribution::direct && (id.rfind("rapl.", 0) == 0 || id.rfind("nvml.", 0) == 0);
}

namespace {

constexpr std::string_view MAGIC = "eco2-node-measurer 1";

std::optional<double> parse_double(std::string_view s) {
    double v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
    return v;
}

}  // namespace

std::string format_handover(const Handover& h) {
    std::string out = fmt::format("{}\npid {}\nt {:.9f}\n", MAGIC, h.pid, h.t);
    for (const auto& [id, v] : h.readings) out += fmt::format("{} {:.17g}\n", id, v);
    out += "end\n";
    return out;
}

std::optional<Handover> parse_handover(std::string_view text) {
    Handover h;
    bool magic = false, have_t = false;
    while (!text.empty()) {
        const auto nl = text.find('\n');
        if (nl == std::string_view::npos) return std::nullopt;  // a record is complete only up to "end\n"
        const std::string_view line = text.substr(0, nl);
        text.remove_prefix(nl + 1);
        if (!magic) {
            if (line != MAGIC) return std::nullopt;
            magic = true;
            continue;
        }
        if (line == "end") {
            if (!have_t) return std::nullopt;
            return h;
        }
        const auto sp = line.rfind(' ');
        if (sp == std::string_view::npos) return std::nullopt;
        const auto key = line.substr(0, sp);
        const auto value = parse_double(line.substr(sp + 1));
        if (!value) return std::nullopt;
        if (key == "pid") {
            h.pid = static_cast<int>(*value);
        } else if (key == "t") {
            h.t = *value;
            have_t = true;
        } else {
            h.readings.emplace(std::string(key), *value);
        }
    }
    return std::nullopt;
}

NodeLock::NodeLock(std::filesystem::path file) : m_path(std::move(file)) {
    m_fd = ::open(m_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (m_fd < 0)
        throw Error(Errc::io_error,
                    fmt::format("cannot open the job's node lock {}: {}; set XDG_RUNTIME_DIR to a "
                                "directory of yours",
                                m_path.string(), std::strerror(errno)));
}

NodeLock::~NodeLock() {
    if (m_fd >= 0) ::close(m_fd);  // frees the flock
}

bool NodeLock::try_acquire() noexcept {
    if (m_held) return true;
    if (::flock(m_fd, LOCK_EX | LOCK_NB) != 0) return false;
    m_held = true;
    std::string text;
    char buf[4096];
    for (off_t off = 0; text.size() < 1 << 20;) {
        const ssize_t n = ::pread(m_fd, buf, sizeof buf, off);
        if (n <= 0) break;
        text.append(buf, static_cast<std::size_t>(n));
        off += n;
    }
    m_previous = parse_handover(text);
    return true;
}

void NodeLock::record(const Handover& h) noexcept {
    if (!m_held) return;
    try {
        const std::string text = format_handover(h);
        if (::pwrite(m_fd, text.data(), text.size(), 0) == static_cast<ssize_t>(text.size()))
            (void)::ftruncate(m_fd, static_cast<off_t>(text.size()));
    } catch (const std::bad_alloc&) {  // the successor then uses an older record
    }
}

NodeShare::NodeShare(std::filesystem::path lock_file, std::vector<bool> node, std::vector<Channel> channels)
    : m_lock(std::move(lock_file)), m_node(std::move(node)), m_channels(std::move(channels)) {}

std::unique_ptr<NodeShare> NodeShare::make(const JobInfo& job, const std::filesystem::path& runtime_dir,
                                           const std::vector<Channel>& channels, Scope scope) {
    if (job.job_id.empty() || runtime_dir.empty()) return nullptr;
    std::vector<bool> node(channels.size());
    bool any = false;
    for (std::size_t i = 0; i < channels.size(); ++i) any |= node[i] = is_node_channel(channels[i], scope);
    if (!any) return nullptr;
    return std::make_unique<NodeShare>(runtime_dir / job_lock_name(job.job_id), std::move(node), channels);
}

double NodeShare::clock_now() noexcept {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

void NodeShare::start(Accumulator& acc, const double* values) noexcept {
    m_start = clock_now();
    m_first.assign(values, values + m_node.size());
    if (m_lock.try_acquire()) {
        m_acquired = m_start;
        acc.set_skipped({});
    } else {
        acc.set_skipped(m_node);
    }
}

void NodeShare::poll(Accumulator& acc) noexcept {
    if (m_lock.held() || !m_lock.try_acquire()) return;
    m_acquired = clock_now();
    const auto& prev = m_lock.previous();
    const bool handover = prev && prev->t >= m_start;
    for (std::size_t i = 0; i < m_node.size(); ++i) {
        if (!m_node[i]) continue;
        double base = m_first[i];
        if (handover) {
            auto it = prev->readings.find(m_channels[i].id);
            if (it != prev->readings.end()) base = it->second;
        }
        acc.rebase(i, base);
    }
    acc.set_skipped({});
}

void NodeShare::recorded(const double* values) noexcept {
    if (!m_lock.held()) return;
    try {
        Handover h;
        h.t = clock_now();
        h.pid = static_cast<int>(::getpid());
        for (std::size_t i = 0; i < m_node.size(); ++i)
            if (m_node[i] && m_channels[i].kind == ChannelKind::energy_counter && !std::isnan(values[i]))
                h.readings.emplace(m_channels[i].id, values[i]);
        m_lock.record(h);
    } catch (const std::bad_alloc&) {  // the successor then uses an older record
    }
}

void NodeShare::describe(Result& r) const {
    std::string who;
    if (m_acquired < 0)
        who = "another rank";
    else if (m_acquired <= m_start)
        who = "this rank";
    else
        who = fmt::format("this rank from {:.3g} s", m_acquired - m_start);
    const std::string text = fmt::format("; node devices of job {}: measured by {}", r.job.job_id, who);
    bool done[3] = {};
    for (std::size_t i = 0; i < m_node.size(); ++i) {
        const std::size_t c = index_of(m_channels[i].component);
        if (!m_node[i] || done[c]) continue;
        done[c] = true;
        ComponentEnergy& e = c == 0 ? r.cpu : c == 1 ? r.gpu : r.ram;
        if (e.source.find("; node devices of job") == std::string::npos) e.source += text;
    }
}

}  // namespace eco2::detail
