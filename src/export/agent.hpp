#pragma once
// `eco2 agent`: the node daemon. A machine-scope tracker measures the node's devices; the runs of the node
// register over the agent socket (agent_channel.hpp); an HTTP server exposes both to Prometheus, and an
// optional OTLP push sends them to a collector. Runs in the foreground until its stop descriptor is readable.

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "eco2/tracker.hpp"
#include "export/metric_set.hpp"

namespace eco2::metrics {

/// What the agent does. tracker is used as given except scope (machine) and the outputs (none).
struct AgentOptions {
    std::string host = "127.0.0.1";  ///< listen address: loopback unless told otherwise
    int port = 9464;                 ///< 0: a free port (tests)
    std::string otlp_url;            ///< empty: no OTLP push
    std::chrono::milliseconds otlp_interval{std::chrono::seconds(10)};
    std::chrono::milliseconds push_timeout{std::chrono::seconds(2)};
    std::filesystem::path socket;    ///< where the runs register (agent_socket_to_bind)
    TrackerConfig tracker;           ///< period_s is also how often the node's figures are refreshed
    int stop_fd = -1;                ///< the agent stops when this descriptor becomes readable (a signalfd)
    /// Called once serving, with the bound port (the agent's start line is written to err before).
    std::function<void(int port)> on_listening;
};

/// Runs the agent until stop_fd is readable. Writes its start line and warnings (an OTLP push that fails,
/// once until it works again) to err. Returns 0 after a clean stop; throws eco2::Error when it cannot start
/// (address in use, socket taken by a live agent, tracker configuration), with the fix.
int run_agent(const AgentOptions& options, std::ostream& err);

}  // namespace eco2::metrics
