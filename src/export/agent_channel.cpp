#include "export/agent_channel.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "eco2/error.hpp"
#include "sys/system_context.hpp"

namespace eco2::metrics {
namespace {

constexpr std::size_t MAX_DATAGRAM = 64 * 1024;

std::string value_of(const std::map<std::string, std::string>& env, const char* key) {
    auto it = env.find(key);
    return it == env.end() ? std::string() : it->second;
}

bool address_of(const std::filesystem::path& path, sockaddr_un& addr) {
    addr = sockaddr_un{};
    addr.sun_family = AF_UNIX;
    const std::string p = path.string();
    if (p.empty() || p.size() >= sizeof addr.sun_path) return false;
    std::memcpy(addr.sun_path, p.c_str(), p.size() + 1);
    return true;
}

// The pid the kernel vouches for (SO_PASSCRED), 0 when the datagram carries none.
pid_t sender_pid(msghdr& msg) {
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c))
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS) {
            ucred cred;
            std::memcpy(&cred, CMSG_DATA(c), sizeof cred);
            return cred.pid;
        }
    return 0;
}

int datagram_socket() { return ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0); }

}  // namespace

std::vector<std::filesystem::path> agent_socket_candidates(const std::map<std::string, std::string>& env, uid_t uid) {
    if (auto s = value_of(env, "ECO2_AGENT_SOCKET"); !s.empty()) return {s};
    if (auto d = value_of(env, "ECO2_RUNTIME_DIR"); !d.empty()) return {std::filesystem::path(d) / AGENT_SOCKET_NAME};
    std::vector<std::filesystem::path> c{std::filesystem::path("/run/eco2") / AGENT_SOCKET_NAME};
    if (auto x = value_of(env, "XDG_RUNTIME_DIR"); !x.empty())
        c.push_back(std::filesystem::path(x) / "eco2" / AGENT_SOCKET_NAME);
    c.push_back(std::filesystem::path(fmt::format("/tmp/eco2-{}", uid)) / AGENT_SOCKET_NAME);
    return c;
}

std::filesystem::path agent_socket_to_bind(const std::map<std::string, std::string>& env, uid_t uid) {
    std::vector<std::filesystem::path> c = agent_socket_candidates(env, uid);
    if (c.size() == 1 || uid == 0) return c.front();
    return c[1];  // a user's agent: XDG_RUNTIME_DIR's, else /tmp's
}

std::vector<std::filesystem::path> agent_sockets_for(const OutputConfig& output) {
    if (!output.agent_socket.empty()) return {output.agent_socket};
    const sys::Environment process = sys::Environment::capture();
    std::map<std::string, std::string> env;
    for (const char* key : {"ECO2_AGENT_SOCKET", "ECO2_RUNTIME_DIR", "XDG_RUNTIME_DIR"})
        if (auto v = process.get(key)) env.emplace(key, *v);
    return agent_socket_candidates(env, ::getuid());
}

AgentSender::AgentSender(std::vector<std::filesystem::path> candidates, std::chrono::milliseconds min_interval)
    : m_candidates(std::move(candidates)), m_min_interval(min_interval), m_fd(datagram_socket()) {}

AgentSender::~AgentSender() {
    if (m_fd >= 0) ::close(m_fd);
}

bool AgentSender::due() const noexcept {
    return m_fd >= 0 && (m_last == std::chrono::steady_clock::time_point{} ||
                         std::chrono::steady_clock::now() - m_last >= m_min_interval);
}

bool AgentSender::send(const MetricSet& set) noexcept {
    if (m_fd < 0 || (!set.finished && !due())) return false;
    m_last = std::chrono::steady_clock::now();
    std::string text;
    try {
        text = to_json(set).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    } catch (const std::exception&) {
        return false;  // out of memory: this update is skipped, the next one may go
    }
    if (text.size() > MAX_DATAGRAM) return false;
    for (const auto& path : m_candidates) {
        sockaddr_un addr;
        if (!address_of(path, addr)) continue;
        // Non-blocking: a full queue (an agent that stopped reading) drops this update rather than wait.
        if (::sendto(m_fd, text.data(), text.size(), MSG_DONTWAIT | MSG_NOSIGNAL, reinterpret_cast<sockaddr*>(&addr),
                     sizeof addr) == static_cast<ssize_t>(text.size()))
            return true;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return false;  // an agent is there, but busy
    }
    return false;
}

AgentSocket::AgentSocket(std::filesystem::path path) : m_path(std::move(path)) {
    sockaddr_un addr;
    if (!address_of(m_path, addr))
        throw Error(Errc::invalid_argument, fmt::format("agent socket path {} is too long for a unix socket "
                                                        "(at most {} bytes): set ECO2_AGENT_SOCKET to a shorter one",
                                                        m_path.string(), sizeof addr.sun_path - 1));
    std::error_code ec;
    if (m_path.has_parent_path() && std::filesystem::create_directories(m_path.parent_path(), ec))
        ::chmod(m_path.parent_path().c_str(), 0755);
    m_fd = datagram_socket();
    if (m_fd < 0) throw Error(Errc::io_error, fmt::format("cannot create a unix socket: {}", std::strerror(errno)));
    // A socket file that no one answers on was left by an agent that died: take its place.
    if (std::filesystem::exists(std::filesystem::symlink_status(m_path, ec))) {
        const int probe = datagram_socket();
        const bool live = probe >= 0 && ::connect(probe, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
        if (probe >= 0) ::close(probe);
        if (live) {
            ::close(m_fd);
            throw Error(Errc::io_error, fmt::format("an eco2 agent already runs on this node (socket {}); stop it, "
                                                    "or give this one another socket with ECO2_AGENT_SOCKET",
                                                    m_path.string()));
        }
        std::filesystem::remove(m_path, ec);
    }
    const mode_t old = ::umask(0);
    const int rc = ::bind(m_fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    const int err = errno;
    ::umask(old);
    if (rc != 0) {
        ::close(m_fd);
        throw Error(Errc::io_error, fmt::format("cannot create the agent socket {}: {}; make its directory "
                                                "writable or set ECO2_AGENT_SOCKET (or ECO2_RUNTIME_DIR)",
                                                m_path.string(), std::strerror(err)));
    }
    int size = static_cast<int>(4 * MAX_DATAGRAM);
    ::setsockopt(m_fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    int on = 1;  // each datagram comes with its sender's pid (only this process may send the node's set)
    ::setsockopt(m_fd, SOL_SOCKET, SO_PASSCRED, &on, sizeof on);
}

AgentSocket::~AgentSocket() {
    if (m_fd >= 0) ::close(m_fd);
    std::error_code ec;
    std::filesystem::remove(m_path, ec);
}

std::vector<MetricSet> AgentSocket::receive() {
    std::vector<MetricSet> sets;
    std::string buf(MAX_DATAGRAM, '\0');
    for (;;) {
        iovec iov{buf.data(), buf.size()};
        alignas(cmsghdr) char control[CMSG_SPACE(sizeof(ucred))];
        msghdr msg{};
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control;
        msg.msg_controllen = sizeof control;
        const ssize_t n = ::recvmsg(m_fd, &msg, MSG_DONTWAIT | MSG_TRUNC);
        if (n < 0) {
            if (errno == EINTR) continue;
            break;  // EAGAIN: nothing more waiting
        }
        if (static_cast<std::size_t>(n) > buf.size()) {
            ++m_rejected;  // truncated
            continue;
        }
        const auto j = nlohmann::json::parse(buf.begin(), buf.begin() + n, nullptr, /*allow_exceptions=*/false);
        try {
            MetricSet s = metric_set_from_json(j);
            if (!s.run && sender_pid(msg) != ::getpid()) throw Error(Errc::invalid_argument, "a node set from elsewhere");
            sets.push_back(std::move(s));
        } catch (const Error&) {
            ++m_rejected;
        }
    }
    return sets;
}

AgentRegistry::AgentRegistry(std::chrono::seconds keep_finished, std::chrono::seconds silence)
    : m_keep_finished(keep_finished), m_silence(silence) {}

void AgentRegistry::update(MetricSet set, std::chrono::steady_clock::time_point now) {
    if (!set.run) return;
    const std::string id = set.run->run_id;
    m_runs[id] = Entry{std::move(set), now};
}

std::vector<MetricSet> AgentRegistry::current(std::chrono::steady_clock::time_point now) {
    std::vector<MetricSet> out;
    for (auto it = m_runs.begin(); it != m_runs.end();) {
        const auto limit = it->second.set.finished ? m_keep_finished : m_silence;
        if (now - it->second.seen > limit) {
            it = m_runs.erase(it);
            continue;
        }
        out.push_back(it->second.set);
        ++it;
    }
    return out;
}

}  // namespace eco2::metrics
