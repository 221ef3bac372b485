#include "export/agent_sink.hpp"

namespace eco2::metrics {

// A run's set goes to the agent every 10 s at most (and at the end): each datagram wakes the agent, whose
// budget is 0.05 % of a core (docs/benchmarks.md §6); the agent's own tracker sends each of its ticks.
AgentSink::AgentSink(std::vector<std::filesystem::path> sockets, bool node)
    : MetricsSink(node),
      m_sender(std::move(sockets), node ? std::chrono::milliseconds(0) : std::chrono::milliseconds(10'000)) {}

}  // namespace eco2::metrics
