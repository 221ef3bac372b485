#pragma once
// The local channel between the runs of a node and its agent (`eco2 agent`): each run sends its metric set
// as one JSON datagram to the agent's unix socket, at most every 10 s (AgentSink) and at the end. Sending never
// blocks and never fails a run: without an agent, nothing happens.

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "eco2/tracker_config.hpp"
#include "export/metric_set.hpp"

namespace eco2::metrics {

/// The file name of the agent's socket in its runtime directory.
inline constexpr std::string_view AGENT_SOCKET_NAME = "agent.sock";

/// Where the agent's socket is, best first: ECO2_AGENT_SOCKET; else <ECO2_RUNTIME_DIR>/agent.sock; else the
/// system agent's /run/eco2/agent.sock, then the user's <XDG_RUNTIME_DIR>/eco2/agent.sock, then
/// /tmp/eco2-<uid>/agent.sock. An agent binds the first it may create (see agent_socket_to_bind); a run sends
/// to the first that exists.
std::vector<std::filesystem::path> agent_socket_candidates(const std::map<std::string, std::string>& env, uid_t uid);
/// The socket an agent binds: ECO2_AGENT_SOCKET, <ECO2_RUNTIME_DIR>/agent.sock, /run/eco2/agent.sock when
/// root, <XDG_RUNTIME_DIR>/eco2/agent.sock, /tmp/eco2-<uid>/agent.sock.
std::filesystem::path agent_socket_to_bind(const std::map<std::string, std::string>& env, uid_t uid);

/// The sockets a tracker with this output configuration sends to: its agent_socket when set, else the
/// candidates of the process environment (sys::Environment::capture()).
std::vector<std::filesystem::path> agent_sockets_for(const OutputConfig& output);

/// A run's side. Not thread-safe (one sampler thread calls it).
class AgentSender {
public:
    /// min_interval: the least time between two sends (a final set is always sent).
    explicit AgentSender(std::vector<std::filesystem::path> candidates,
                         std::chrono::milliseconds min_interval = std::chrono::seconds(1));
    ~AgentSender();
    AgentSender(const AgentSender&) = delete;
    AgentSender& operator=(const AgentSender&) = delete;
    /// Sends the set when one is due (or set.finished), without blocking; true when an agent received it.
    bool send(const MetricSet& set) noexcept;
    /// Whether a set that is not final would be sent now (the sink builds one only then: no work per tick).
    bool due() const noexcept;

private:
    std::vector<std::filesystem::path> m_candidates;
    std::chrono::milliseconds m_min_interval;
    std::chrono::steady_clock::time_point m_last{};
    int m_fd = -1;
};

/// The agent's side: the bound socket. Removes a stale socket file left by a dead agent; refuses to take
/// over one that a live agent answers on.
class AgentSocket {
public:
    /// Creates the directory (0755) if needed and binds; the socket is writable by every local user (0666),
    /// so that all the node's runs can register. Throws eco2::Error(io_error) naming the path and the fix.
    explicit AgentSocket(std::filesystem::path path);
    ~AgentSocket();  ///< closes and removes the socket file
    AgentSocket(const AgentSocket&) = delete;
    AgentSocket& operator=(const AgentSocket&) = delete;
    int fd() const noexcept { return m_fd; }
    const std::filesystem::path& path() const noexcept { return m_path; }
    /// Reads every datagram waiting (never blocks): runs' sets, and the node's (no run labels) from this
    /// process only (the agent's own tracker; the kernel gives each datagram's sender). Others, and what is
    /// not a metric set, are counted in rejected() and dropped.
    std::vector<MetricSet> receive();
    std::uint64_t rejected() const noexcept { return m_rejected; }

private:
    std::filesystem::path m_path;
    int m_fd = -1;
    std::uint64_t m_rejected = 0;
};

/// The runs an agent knows, by run id: the latest set of each. A run that finished stays keep_finished, one
/// that went silent (killed) is dropped after `silence`.
class AgentRegistry {
public:
    AgentRegistry(std::chrono::seconds keep_finished = std::chrono::minutes(5),
                  std::chrono::seconds silence = std::chrono::minutes(1));
    void update(MetricSet set, std::chrono::steady_clock::time_point now);
    /// The runs' sets, pruned of the expired, in run-id order.
    std::vector<MetricSet> current(std::chrono::steady_clock::time_point now);

private:
    struct Entry {
        MetricSet set;
        std::chrono::steady_clock::time_point seen;
    };
    std::map<std::string, Entry> m_runs;
    std::chrono::seconds m_keep_finished, m_silence;
};

}  // namespace eco2::metrics
